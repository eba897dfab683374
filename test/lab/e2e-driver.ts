// Runs INSIDE the UML lab, as one long-lived node process in the client's namespace (node starts slowly
// there): the real servers (fixtures/e2e-server.ts, one per namespace), two director daemons, and the
// client itself — one HTTP GET every TIMING.requestMs to each VIP (LVS-DR and LVS-NAT), each on a new
// connection, and one long-lived connection per VIP echoing a line every TIMING.echoMs. Then the events,
// one after the other, each followed by a settle period with traffic (e2e-scenario.ts has the world):
//   main phase, ours on both directors: reload changing a weight, reload adding rs3, reload with a broken
//   file, kill -9 of the master's checker child, graceful removal of rs2 (weight 0, drain, remove), the
//   master dying (kill -9 of its daemon, its links down);
//   migration, keepalived 2.2.7 on dir1 and ours on dir2: keepalived joins and preempts, both reload, each
//   stops and restarts, a reload lowers keepalived's priority.
// It watches both IPVS tables and both directors' VIPs every TIMING.pollMs through /proc/<pid>/net of a
// process parked in each director namespace (no fork per look) and records everything with its time;
// the host test (e2e.test.ts, e2e-judge.ts) judges the record. On the host it does nothing.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { connect, type Socket } from 'node:net';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { writeLabResult } from './inside.js';
import {
  ALL_VIPS, DIRS, NET, PRIORITY, REALS, STREAMS, TIMING, brokenConfig, cfg, directorConfig, expectedHttp,
  type DirName, type HttpReals, type Stream,
} from './e2e-scenario.js';
import {
  localAddresses, parseIpvs, parseIpvsConn, tableView,
  type DaemonRecord, type E2eResult, type EchoRecord, type RequestRecord, type StepRecord, type TableChange, type VipChange,
} from './e2e-record.js';

const run = promisify(execFile);
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export interface E2eInput {
  /** dist/src/cli/main.js */
  main: string;
  /** dist/test/lab/fixtures/e2e-server.js */
  server: string;
  /** limit for both daemons' start-up and the first election */
  startTimeoutMs: number;
  /** limit for any one event's effect to show */
  eventTimeoutMs: number;
  /** limit for the drain of rs2 and for the long-lived connections to appear on the backup */
  drainTimeoutMs: number;
}

class StepTimeout extends Error {
  override name = 'StepTimeout';
}

interface Daemon {
  rec: DaemonRecord;
  proc: ChildProcess;
  pidFiles: { parent: string; vrrp: string; checker: string };
  exited: Promise<void>;
}

function cpuTimes(): { busy: number; total: number } {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const total = f.reduce((a, b) => a + b, 0);
  return { busy: total - (f[3] ?? 0) - (f[4] ?? 0), total };
}

function busySince(a: { busy: number; total: number }): number {
  const b = cpuTimes();
  return b.total > a.total ? Math.round((100 * (b.busy - a.busy)) / (b.total - a.total)) : 0;
}

function readPid(file: string): number | null {
  try {
    const n = Number.parseInt(readFileSync(file, 'utf8').trim(), 10);
    return Number.isFinite(n) ? n : null;
  } catch {
    return null;
  }
}

function alive(pid: number | null): boolean {
  if (pid === null) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function readComm(pid: number | undefined): string {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '';
  }
}

/** `ipvsadm -Ln --stats` → `SERVICE DEST` → its connection counter. */
function parseStats(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  let service = '';
  for (const line of text.split('\n')) {
    const s = /^(TCP|UDP)\s+(\S+)\s+(\d+)/.exec(line);
    if (s) service = `${s[1]} ${s[2]}`;
    const d = /^\s+->\s+(\S+)\s+(\d+)/.exec(line);
    if (d && service) out[`${service} ${d[1]}`] = Number(d[2]);
  }
  return out;
}

/** The whole table a configuration asks for (the echo services never change). */
function expectedTable(reals: HttpReals): string {
  const echo = (side: 'lan' | 'nat') => NET.rs.map((r) => `${r[side]}:${NET.echoPort} 1`).sort();
  const all: Record<string, string[]> = {
    ...expectedHttp(reals),
    [`TCP ${NET.vip.dr}:${NET.echoPort}`]: echo('lan'),
    [`TCP ${NET.vip.nat}:${NET.echoPort}`]: echo('nat'),
  };
  return JSON.stringify(Object.fromEntries(Object.entries(all).sort(([a], [b]) => a.localeCompare(b))));
}

class Driver {
  private readonly t0 = performance.now();
  private readonly tmp = process.env.LAB_TMP ?? '/tmp';
  private readonly errors: string[] = [];
  private readonly steps: StepRecord[] = [];
  private readonly tables: TableChange[] = [];
  private readonly vips: VipChange[] = [];
  private readonly daemonRecs: DaemonRecord[] = [];
  private readonly running = new Set<Daemon>();
  private readonly requests: Record<Stream, RequestRecord[]> = { dr: [], nat: [] };
  private readonly traffic: E2eResult['traffic'] = { startMs: null, stopMs: null };
  private readonly echo: Record<Stream, EchoRecord> = {
    dr: { connectedMs: null, endedMs: null, error: null, lines: [] },
    nat: { connectedMs: null, endedMs: null, error: null, lines: [] },
  };
  private readonly echoSockets = new Map<Stream, Socket>();
  private readonly echoPorts: Partial<Record<Stream, number>> = {};
  private readonly anchors = new Map<DirName, ChildProcess>();
  private readonly servers: ChildProcess[] = [];
  private readonly lastTable = new Map<DirName, string>();
  private readonly lastVips = new Map<DirName, string>();
  private poller?: NodeJS.Timeout;
  /** the request streams' and the long-lived connections' timers */
  private readonly trafficTimers: NodeJS.Timeout[] = [];
  /** directors whose links the scenario took down */
  private readonly down = new Set<DirName>();
  private inFlight = 0;
  private starts = 0;
  private ps = '';

  constructor(private readonly input: E2eInput) {}

  now(): number {
    return Math.round(performance.now() - this.t0);
  }

  async main(): Promise<E2eResult> {
    const cpu0 = cpuTimes();
    try {
      await this.startAnchors();
      this.poller = setInterval(() => this.poll(), TIMING.pollMs);
      // the real servers and the daemons start together: node is slow to start here, and the checkers
      // simply find a real server up a little later
      const servers = this.startServers();
      servers.catch(() => undefined);
      await this.migration(await this.mainPhase(servers));
    } catch (e) {
      this.errors.push(e instanceof StepTimeout ? e.message : `driver: ${(e as Error).stack ?? e}`);
    } finally {
      await this.stopTraffic();
      this.ps = await run('ps', ['-eo', 'pid,ppid,etimes,time,args', '--sort=-time']).then((r) => r.stdout, (e: Error) => `ps failed: ${e.message}`);
      for (const d of [...this.running]) await this.stop(d).catch((e) => this.errors.push(`stop ${d.rec.id}: ${(e as Error).message}`));
      clearInterval(this.poller);
      for (const p of [...this.servers, ...this.anchors.values()]) p.kill('SIGKILL');
    }
    return {
      steps: this.steps,
      requests: this.requests,
      traffic: this.traffic,
      echo: this.echo,
      tables: this.tables,
      vips: this.vips,
      daemons: this.daemonRecs,
      busyPct: busySince(cpu0),
      ps: this.ps,
      errors: this.errors,
    };
  }

  // ---- the scenario ------------------------------------------------------------------------------

  /** Ours on both directors, to dir1's crash; returns dir2's daemon, the master now. */
  private async mainPhase(servers: Promise<void>): Promise<Daemon> {
    const ours = new Map<DirName, Daemon>();
    await this.step('start', 'main', async (notes) => {
      for (const dir of DIRS) this.install(dir, directorConfig(cfg(dir, REALS.start)));
      for (const dir of DIRS) ours.set(dir, this.startDaemon('ours', dir));
      await servers;
      notes.serversMs = this.now();
      const at = await this.until('dir1 master, dir2 backup, both tables programmed', this.input.startTimeoutMs, () =>
        this.isMaster('dir1') && this.logged(ours.get('dir2')!, '(VI_OUT) Entering BACKUP STATE') && DIRS.every((d) => this.tableIs(d, REALS.start)));
      notes.electedMs = at;
      this.startTraffic();
      this.startEcho();
      return at;
    });

    await this.step('reload-weight', 'main', (notes) => this.reloadBoth(ours, REALS.weight, notes));
    await this.step('reload-add-rs3', 'main', (notes) => this.reloadBoth(ours, REALS.addRs3, notes));

    await this.step('reload-broken', 'main', async (notes) => {
      const since = this.now();
      for (const dir of DIRS) this.install(dir, brokenConfig(cfg(dir, REALS.addRs3)));
      for (const dir of DIRS) this.signal(ours.get(dir)!, 'SIGHUP');
      const at = await this.until('both parents refusing the broken file', this.input.eventTimeoutMs, () =>
        DIRS.every((d) => this.logged(ours.get(d)!, 'New configuration refused', since)));
      // the file is repaired before anything else reads it (a restarted checker child would)
      for (const dir of DIRS) this.install(dir, directorConfig(cfg(dir, REALS.addRs3)));
      notes.refusedMs = at;
      return at;
    });

    await this.step('kill-checker', 'main', async (notes) => {
      const d1 = ours.get('dir1')!;
      const checker = readPid(d1.pidFiles.checker);
      const vrrp = readPid(d1.pidFiles.vrrp);
      notes.checkerPid = checker;
      notes.vrrpPid = vrrp;
      notes.statsBefore = await this.stats('dir1');
      if (checker === null || !alive(checker)) throw new StepTimeout(`dir1's checker pid file ${d1.pidFiles.checker} names no live process (${checker})`);
      const since = this.now();
      process.kill(checker, 'SIGKILL');
      notes.killedMs = since;
      notes.restartedMs = await this.until('a new checker child on dir1', this.input.eventTimeoutMs, () => {
        const p = readPid(d1.pidFiles.checker);
        return p !== null && p !== checker && alive(p) && this.logged(d1, 'Starting Healthcheck child process', since);
      });
      notes.newCheckerPid = readPid(d1.pidFiles.checker);
      // the new child at work: it has read the file and started its checkers (its first pass over the
      // table follows at once); then a whole delay_loop of checks within the settle time
      return this.until("the new checker child's checkers", this.input.startTimeoutMs, () => this.logged(d1, 'Activating healthchecker', since));
    }, async (notes) => {
      const d1 = ours.get('dir1')!;
      notes.vrrpPidAfter = readPid(d1.pidFiles.vrrp);
      notes.vrrpAliveAfter = alive(notes.vrrpPidAfter as number | null);
      notes.checkerAliveAfter = alive(notes.newCheckerPid as number | null);
      notes.statsAfter = await this.stats('dir1');
    }, () => TIMING.settleMs + TIMING.delayLoopS * 1000);

    await this.step('drain-rs2', 'main', async (notes) => {
      const at = await this.reloadBoth(ours, REALS.drainRs2, notes);
      // drained: no connection entry on either director would still send a packet to rs2. TIME_WAIT ones
      // (LVS-NAT) are harmless: a new SYN on such a tuple is scheduled afresh (conn_reuse_mode 1); every
      // other state steers it to rs2, and once rs2 is removed, drops it (LVS-DR's FIN_WAIT, for tcpfin)
      const rs2 = [`${NET.rs[1]!.lan}:${NET.httpPort}`, `${NET.rs[1]!.nat}:${NET.httpPort}`];
      notes.drainedMs = await this.until('rs2 drained on both directors', this.input.drainTimeoutMs, () =>
        DIRS.every((dir) => !parseIpvsConn(this.read(dir, 'ip_vs_conn')).some((c) => rs2.includes(c.dest) && c.state !== 'TIME_WAIT')));
      return at;
    });
    await this.step('remove-rs2', 'main', (notes) => this.reloadBoth(ours, REALS.removedRs2, notes));

    await this.step('crash-master', 'main', async (notes) => {
      // the point of lvs_sync_daemon: the backup knows the long-lived connections before the master dies
      notes.echoPorts = this.echoPorts;
      notes.syncedMs = await this.until('both long-lived connections in dir2\'s connection table', this.input.drainTimeoutMs, () => {
        const conns = parseIpvsConn(this.read('dir2', 'ip_vs_conn'));
        return STREAMS.every((s) => conns.some((c) => c.from === `${NET.client.addr}:${this.echoPorts[s]}` && c.state === 'ESTABLISHED'));
      }).catch((e: Error) => {
        notes.syncError = e.message;
        return null;
      });
      notes.dir2EchoConns = parseIpvsConn(this.read('dir2', 'ip_vs_conn')).filter((c) => c.to.endsWith(`:${NET.echoPort}`));
      const d1 = ours.get('dir1')!;
      // a dead machine: every process of the daemon at once, and its links with it (a killed daemon alone
      // leaves its VIPs and kernel table forwarding, and nothing would fail over)
      const killed = this.now();
      process.kill(-d1.rec.pid!, 'SIGKILL');
      this.down.add('dir1');
      await Promise.all(['eth0', 'eth1'].map((dev) => run('ip', ['-n', NET.dirs.dir1.ns, 'link', 'set', dev, 'down'])));
      notes.killedMs = killed;
      notes.linksDownMs = this.now();
      this.running.delete(d1);
      const at = await this.until('dir2 holding every VIP', this.input.eventTimeoutMs, () => this.isMaster('dir2'));
      notes.failoverMs = at - killed;
      return at;
    }, undefined, (applied, started) => Math.max(TIMING.settleMs, 2 * (applied - started) + 1500));
    return ours.get('dir2')!;
  }

  /** keepalived 2.2.7 on dir1 (as after a reboot), ours on dir2. */
  private async migration(oursDir2: Daemon): Promise<void> {
    let kd: Daemon | undefined;
    let dir2 = oursDir2;
    const reals = REALS.removedRs2;

    await this.step('mig-keepalived-joins', 'migration', async (notes) => {
      // dir1 comes back as after a reboot, with keepalived instead of ours: no VIPs, no table, no sync daemons
      const ns = NET.dirs.dir1.ns;
      for (const [vip, dev] of [[NET.vip.dr, 'eth0'], [NET.vip.nat, 'eth0'], [NET.vip.gateway, 'eth1']] as const) {
        await run('ip', ['-n', ns, 'addr', 'del', `${vip}/32`, 'dev', dev]).catch(() => undefined);
      }
      await run('ip', ['netns', 'exec', ns, 'ipvsadm', '-C']);
      for (const state of ['master', 'backup']) await run('ip', ['netns', 'exec', ns, 'ipvsadm', '--stop-daemon', state]).catch(() => undefined);
      for (const dev of ['eth0', 'eth1']) await run('ip', ['-n', ns, 'link', 'set', dev, 'up']);
      // the link going down took the default route with it (LVS-NAT's replies leave through it)
      await run('ip', ['-n', ns, 'route', 'replace', 'default', 'via', NET.router.lan]);
      this.down.delete('dir1');
      notes.rebootedMs = this.now();
      this.install('dir1', directorConfig(cfg('dir1', reals)));
      kd = this.startDaemon('keepalived', 'dir1');
      return this.until('keepalived (dir1) master, ours (dir2) backup', this.input.startTimeoutMs, () =>
        this.isMaster('dir1') && this.tableIs('dir1', reals));
    });

    await this.step('mig-reload-both', 'migration', async (notes) => {
      const since = this.now();
      for (const dir of DIRS) this.install(dir, directorConfig(cfg(dir, REALS.migrationWeight)));
      this.signal(kd!, 'SIGHUP');
      this.signal(dir2, 'SIGHUP');
      const at = await this.until('both tables with the new weights', this.input.eventTimeoutMs, () => DIRS.every((d) => this.tableIs(d, REALS.migrationWeight)));
      notes.reloadMs = at - since;
      return at;
    });

    await this.step('mig-keepalived-stops', 'migration', async () => {
      this.signal(kd!, 'SIGTERM');
      const at = await this.until('ours (dir2) master after keepalived stopped', this.input.eventTimeoutMs, () => this.isMaster('dir2'));
      await this.waitExit(kd!, this.input.eventTimeoutMs);
      return at;
    });

    await this.step('mig-keepalived-restarts', 'migration', async () => {
      kd = this.startDaemon('keepalived', 'dir1');
      return this.until('keepalived (dir1) master again', this.input.startTimeoutMs, () => this.isMaster('dir1') && this.tableIs('dir1', REALS.migrationWeight));
    });

    await this.step('mig-keepalived-lowered', 'migration', async () => {
      this.install('dir1', directorConfig(cfg('dir1', REALS.migrationWeight, PRIORITY.dir1Lowered)));
      this.signal(kd!, 'SIGHUP');
      return this.until('ours (dir2) master after keepalived lowered its priority', this.input.eventTimeoutMs, () => this.isMaster('dir2'));
    });

    await this.step('mig-ours-stops', 'migration', async () => {
      this.signal(dir2, 'SIGTERM');
      const at = await this.until('keepalived (dir1) master after ours stopped', this.input.eventTimeoutMs, () => this.isMaster('dir1'));
      await this.waitExit(dir2, this.input.eventTimeoutMs);
      return at;
    });

    await this.step('mig-ours-restarts', 'migration', async () => {
      dir2 = this.startDaemon('ours', 'dir2');
      return this.until('ours (dir2) master again', this.input.startTimeoutMs, () => this.isMaster('dir2') && this.tableIs('dir2', REALS.migrationWeight));
    });
  }

  /**
   * One step: `act` performs the event and resolves when its effect shows; then traffic runs for the
   * settle time (or `settle(applied, start)`), `after` looks again, and the step ends.
   */
  private async step(
    name: string,
    phase: StepRecord['phase'],
    act: (notes: Record<string, unknown>) => Promise<number>,
    after?: (notes: Record<string, unknown>) => Promise<void>,
    settle?: (appliedMs: number, startMs: number) => number,
  ): Promise<void> {
    const cpu = cpuTimes();
    const rec: StepRecord = { name, phase, startMs: this.now(), appliedMs: null, endMs: 0, notes: {}, busyPct: 0 };
    this.steps.push(rec);
    try {
      rec.appliedMs = await act(rec.notes);
      await sleep(settle ? settle(rec.appliedMs, rec.startMs) : TIMING.settleMs);
      await after?.(rec.notes);
    } finally {
      rec.endMs = this.now();
      rec.busyPct = busySince(cpu);
    }
  }

  private async reloadBoth(ours: Map<DirName, Daemon>, reals: HttpReals, notes: Record<string, unknown>): Promise<number> {
    const since = this.now();
    for (const dir of DIRS) this.install(dir, directorConfig(cfg(dir, reals)));
    for (const dir of DIRS) this.signal(ours.get(dir)!, 'SIGHUP');
    const at = await this.until('both tables as the new file says', this.input.eventTimeoutMs, () => DIRS.every((d) => this.tableIs(d, reals)));
    notes.reloadMs = at - since;
    return at;
  }

  // ---- directors -------------------------------------------------------------------------------------

  private confPath(dir: DirName): string {
    return `${this.tmp}/e2e-${dir}.conf`;
  }

  /** The daemons may read the file at any moment: replace it in one rename. */
  private install(dir: DirName, text: string): void {
    writeFileSync(`${this.confPath(dir)}.new`, text);
    renameSync(`${this.confPath(dir)}.new`, this.confPath(dir));
  }

  private startDaemon(kind: 'ours' | 'keepalived', dir: DirName): Daemon {
    const n = ++this.starts;
    const base = `${this.tmp}/e2e-${kind}-${dir}-${n}`;
    const pidFiles = { parent: `${base}.pid`, vrrp: `${base}-vrrp.pid`, checker: `${base}-checker.pid` };
    const args = ['-n', '-l', '-D', '-G', '-f', this.confPath(dir), '-p', pidFiles.parent, '-r', pidFiles.vrrp, '-c', pidFiles.checker];
    const argv = kind === 'ours' ? [process.execPath, this.input.main, ...args] : ['keepalived', ...args];
    // its own process group: a crash kills all of it at once; `ip netns exec` becomes the daemon (same pid)
    const proc = spawn('ip', ['netns', 'exec', NET.dirs[dir].ns, ...argv], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const rec: DaemonRecord = {
      id: `${kind}@${dir}#${n}`, kind, director: dir, pid: proc.pid ?? null, spawnedMs: this.now(),
      exitedMs: null, exitCode: null, exitSignal: null, log: [],
    };
    this.daemonRecs.push(rec);
    for (const stream of [proc.stdout, proc.stderr]) {
      createInterface({ input: stream! }).on('error', () => undefined).on('line', (line) => rec.log.push({ t: this.now(), line }));
    }
    const exited = new Promise<void>((resolve) => {
      proc.on('exit', (code, signal) => {
        rec.exitCode = code;
        rec.exitSignal = signal;
        rec.exitedMs = this.now();
        resolve();
      });
    });
    proc.on('error', (e) => this.errors.push(`${rec.id}: ${e.message}`));
    const d: Daemon = { rec, proc, pidFiles, exited };
    this.running.add(d);
    return d;
  }

  private signal(d: Daemon, sig: NodeJS.Signals): void {
    if (d.rec.pid === null) throw new Error(`${d.rec.id} has no pid`);
    process.kill(d.rec.pid, sig);
  }

  private async waitExit(d: Daemon, limitMs: number): Promise<void> {
    const timer = new Promise<'late'>((r) => setTimeout(() => r('late'), limitMs));
    if ((await Promise.race([d.exited.then(() => 'ok' as const), timer])) === 'late') throw new StepTimeout(`${d.rec.id} did not exit within ${limitMs} ms`);
    this.running.delete(d);
  }

  private async stop(d: Daemon): Promise<void> {
    if (d.rec.exitedMs === null) {
      this.signal(d, 'SIGTERM');
      const t = setTimeout(() => {
        try {
          process.kill(-d.rec.pid!, 'SIGKILL');
        } catch {
          /* gone */
        }
      }, 20_000);
      await d.exited;
      clearTimeout(t);
    }
    this.running.delete(d);
  }

  private logged(d: Daemon, text: string, since = 0): boolean {
    return d.rec.log.some((l) => l.t >= since && l.line.includes(text));
  }

  // ---- watching --------------------------------------------------------------------------------------

  /** A sleeping process in each director namespace: /proc/<its pid>/net/… is that namespace's. */
  private async startAnchors(): Promise<void> {
    for (const dir of DIRS) this.anchors.set(dir, spawn('ip', ['netns', 'exec', NET.dirs[dir].ns, 'sleep', '100000'], { stdio: 'ignore' }));
    const deadline = Date.now() + 20_000;
    for (const [dir, p] of this.anchors) {
      while (readComm(p.pid) !== 'sleep') {
        if (Date.now() > deadline) throw new StepTimeout(`the ${dir} namespace anchor did not start`);
        await sleep(50);
      }
    }
  }

  private read(dir: DirName, file: 'ip_vs' | 'ip_vs_conn' | 'fib_trie'): string {
    try {
      return readFileSync(`/proc/${this.anchors.get(dir)!.pid}/net/${file}`, 'utf8');
    } catch (e) {
      this.errors.push(`reading ${dir}'s /proc/net/${file}: ${(e as Error).message}`);
      return '';
    }
  }

  /**
   * The VIPs a director serves: its addresses with a local route, none while its links are down (a downed
   * link keeps its addresses and local routes, but a dead machine serves nothing).
   */
  private vipsOf(dir: DirName): string[] {
    if (this.down.has(dir)) return [];
    const local = localAddresses(this.read(dir, 'fib_trie'));
    return ALL_VIPS.filter((v) => local.has(v));
  }

  /** Holds every VIP of the sync group, and the other director none. */
  private isMaster(dir: DirName): boolean {
    const other = dir === 'dir1' ? 'dir2' : 'dir1';
    return this.vipsOf(dir).length === ALL_VIPS.length && this.vipsOf(other).length === 0;
  }

  private tableIs(dir: DirName, reals: HttpReals): boolean {
    return JSON.stringify(tableView(parseIpvs(this.read(dir, 'ip_vs')))) === expectedTable(reals);
  }

  private poll(): void {
    const t = this.now();
    for (const dir of DIRS) {
      const services = tableView(parseIpvs(this.read(dir, 'ip_vs')));
      const key = JSON.stringify(services);
      if (this.lastTable.get(dir) !== key) {
        this.lastTable.set(dir, key);
        this.tables.push({ t, dir, services });
      }
      const vips = this.vipsOf(dir);
      if (this.lastVips.get(dir) !== vips.join(',')) {
        this.lastVips.set(dir, vips.join(','));
        this.vips.push({ t, dir, vips });
      }
    }
  }

  /** Polls every 50 ms; resolves with the time the condition first held, or throws (the scenario ends). */
  private async until(what: string, limitMs: number, cond: () => boolean): Promise<number> {
    const start = this.now();
    for (;;) {
      if (cond()) return this.now();
      if (this.now() - start > limitMs) throw new StepTimeout(`timed out after ${limitMs} ms waiting for: ${what}`);
      await sleep(50);
    }
  }

  private async stats(dir: DirName): Promise<Record<string, number>> {
    const r = await run('ip', ['netns', 'exec', NET.dirs[dir].ns, 'ipvsadm', '-Ln', '--stats']);
    return parseStats(r.stdout);
  }

  // ---- real servers and client -------------------------------------------------------------------------

  private async startServers(): Promise<void> {
    await Promise.all(
      NET.rs.map(
        (rs) =>
          new Promise<void>((resolve, reject) => {
            const p = spawn('ip', ['netns', 'exec', rs.ns, process.execPath, this.input.server, rs.name, String(NET.httpPort), String(NET.echoPort)], {
              stdio: ['ignore', 'pipe', 'inherit'],
            });
            this.servers.push(p);
            const timer = setTimeout(() => reject(new StepTimeout(`real server ${rs.name} did not start`)), 30_000);
            createInterface({ input: p.stdout! }).on('line', (l) => {
              if (l === 'ready') {
                clearTimeout(timer);
                resolve();
              }
            });
            p.on('exit', (code) => reject(new Error(`real server ${rs.name} exited with ${code}`)));
          }),
      ),
    );
  }

  private startTraffic(): void {
    this.traffic.startMs = this.now();
    for (const s of STREAMS) {
      const host = s === 'dr' ? NET.vip.dr : NET.vip.nat;
      const tick = () => this.request(s, host);
      this.trafficTimers.push(setInterval(tick, TIMING.requestMs));
      tick();
    }
  }

  /** One GET on its own connection; its outcome is the real server's name from the body, or fail:<why>. */
  private request(stream: Stream, host: string): void {
    const s = this.now();
    this.inFlight++;
    let done = false;
    let socket: Socket | undefined;
    const finish = (o: string) => {
      if (done) return;
      done = true;
      // bound by connect(): known from the SYN on, gone once the socket is destroyed
      const port = socket?.localPort;
      clearTimeout(timer);
      this.inFlight--;
      const rec: RequestRecord = { s, d: this.now(), o, ...(port === undefined ? {} : { p: port }) };
      // what the directors made of that connection, for a report (only the failed ones: it costs a read)
      if (o.startsWith('fail') && port !== undefined) {
        const from = `${NET.client.addr}:${port}`;
        rec.c = DIRS.flatMap((dir) => (this.down.has(dir) ? [] : parseIpvsConn(this.read(dir, 'ip_vs_conn')).filter((c) => c.from === from).map((c) => `${dir} ${c.to} -> ${c.dest} ${c.state}`)));
      }
      this.requests[stream].push(rec);
    };
    const timer = setTimeout(() => {
      finish('fail:timeout');
      req.destroy();
    }, TIMING.requestTimeoutMs);
    const req = http.get({ host, port: NET.httpPort, path: '/', agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => finish(res.statusCode === 200 && /^rs\d$/.test(body.trim()) ? body.trim() : `fail:http-${res.statusCode}`));
      res.on('error', () => finish('fail:reset'));
    });
    req.on('error', (e: NodeJS.ErrnoException) => finish(`fail:${(e.code ?? 'error').toLowerCase()}`));
    req.on('socket', (sock: Socket) => (socket = sock));
  }

  private startEcho(): void {
    for (const stream of STREAMS) {
      const rec = this.echo[stream];
      const sock = connect({ host: stream === 'dr' ? NET.vip.dr : NET.vip.nat, port: NET.echoPort });
      this.echoSockets.set(stream, sock);
      sock.setNoDelay(true);
      let seq = 0;
      let timer: NodeJS.Timeout | undefined;
      sock.on('connect', () => {
        rec.connectedMs = this.now();
        this.echoPorts[stream] = sock.localPort;
        timer = setInterval(() => {
          rec.lines.push({ seq, s: this.now(), e: null, rs: null });
          sock.write(`${seq++}\n`);
        }, TIMING.echoMs);
        this.trafficTimers.push(timer);
      });
      // a reset reaches the reader too: without a listener its 'error' would end the driver
      createInterface({ input: sock }).on('error', () => undefined).on('line', (line) => {
        const m = /^(rs\d) (\d+)$/.exec(line);
        const l = m ? rec.lines[Number(m[2])] : undefined;
        if (l && l.e === null) {
          l.e = this.now();
          l.rs = m![1]!;
        }
      });
      const ended = (why: string) => {
        if (timer) clearInterval(timer);
        if (rec.endedMs === null && this.echoSockets.has(stream)) {
          rec.endedMs = this.now();
          rec.error = why;
        }
      };
      sock.on('error', (e: NodeJS.ErrnoException) => ended(e.code ?? e.message));
      sock.on('close', () => ended('closed'));
    }
  }

  private async stopTraffic(): Promise<void> {
    if (this.traffic.startMs === null || this.traffic.stopMs !== null) return;
    this.traffic.stopMs = this.now();
    for (const t of this.trafficTimers) clearInterval(t);
    for (const [stream, sock] of this.echoSockets) {
      this.echoSockets.delete(stream);
      sock.destroy();
    }
    const deadline = Date.now() + TIMING.requestTimeoutMs + 1000;
    while (this.inFlight > 0 && Date.now() < deadline) await sleep(50);
  }
}

async function main(): Promise<void> {
  const input = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as E2eInput;
  const result = await new Driver(input).main();
  writeLabResult(result);
  process.exit(0);
}

if (process.env.LAB_RESULT && process.argv[1]?.endsWith('e2e-driver.js')) {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
