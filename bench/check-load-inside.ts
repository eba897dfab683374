// Runs INSIDE the UML lab (bench/check-load.ts starts it), in the real servers' namespace, as one
// long-lived node process: it answers every TCP_CHECK (50 listening sockets cover all addresses, see
// check-load-gen.ts), captures the VRRP adverts with tcpdump in the peer namespace, and for each run
// starts one daemon kind twice in the director namespace: `-P` (the VRRP instance whose adverts are
// timed) and `-C` (the checker under load). After start-up and a warm-up it samples /proc over a window:
// CPU of each daemon's process tree (including reaped MISC_CHECK scripts), memory, the lab's busy share,
// TCP connection attempts in the director namespace and forks (= checks done), and the IPVS table at the
// end. Then both daemons are stopped and the table flushed before the next run.
// On the host (nothing sets LAB_RESULT) it does nothing.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { createInterface } from 'node:readline';
import { adverts, readPcap } from '../test/netns/pcap.js';
import { writeLabResult } from '../src/lab/inside.js';
import { ADVERT_INT_S, PRIORITY, rsPorts, VRID, VRRP_NET, type LoadShape } from './check-load-gen.js';
import { ipvsCounts, machine, readMem, tcpCounters, TICKS_PER_S, tree, treeTicks, type MachineSample, type ProcStat } from './proc-sample.js';

export type Daemon = 'keepalived' | 'ours';

export interface RunSpec {
  /** repetition, from 1 */
  rep: number;
  shape: LoadShape;
  daemon: Daemon;
  /** the configuration (check-load-gen.ts), on the host's /tmp */
  conf: string;
}

export interface InsideInput {
  runs: RunSpec[];
  /** dist/src/cli/main.js */
  main: string;
  keepalived: string;
  /** namespaces the host's script made */
  ns: { director: string; peer: string };
  warmupMs: number;
  windowMs: number;
  startTimeoutMs: number;
  /** memory is sampled this often during the window (the peak of the sums is reported) */
  memEveryMs: number;
  /** keep every daemon's whole log in $LAB_OUT/logs/ (bench --logs) */
  keepLogs: boolean;
}

export interface ProcReport {
  pid: number;
  comm: string;
  rssKb: number;
  hwmKb: number;
  /** own + reaped children's CPU in the window, s */
  cpuS: number;
}

export interface DaemonCost {
  /** CPU seconds per wall second over the window, whole process tree, reaped children included */
  cpuPerWallS: number;
  /** the part of it that reaped children (scripts) used */
  childCpuPerWallS: number;
  /** sum of VmRSS of the long-lived processes (present at both ends of the window), at the end */
  rssMb: number;
  /** highest such sum among the samples taken during the window */
  rssPeakMb: number;
  /** sum of VmHWM of those processes at the end (each process's own peak since it started) */
  hwmMb: number;
  procs: ProcReport[];
}

export interface Jitter {
  /** intervals between the director's consecutive adverts inside the window, ms */
  intervals: number[];
  /** |interval − advert_int|, ms */
  medianDev: number;
  p90Dev: number;
  /** nearest rank: with fewer than 100 intervals this is the largest one */
  p99Dev: number;
  maxDev: number;
  /** adverts the window should hold but does not (intervals of about 2 × advert_int or more) */
  missed: number;
}

export interface RunResult {
  rep: number;
  shape: LoadShape;
  daemon: Daemon;
  ok: boolean;
  errors: string[];
  /** spawn → checker's start-up marker; spawn → VRRP master */
  checkerStartMs?: number;
  masterMs?: number;
  window?: { fromEpochMs: number; toEpochMs: number; wallS: number };
  checker?: DaemonCost;
  vrrp?: DaemonCost;
  /** share of the lab's one CPU that was busy in the window, % */
  labBusyPct?: number;
  /** filled in by the host: how much of one host CPU the UML instance got in the window, % (below ~90: other load on the host slowed the lab) */
  hostCpuPct?: number;
  /** this driver (the real servers) in the window, CPU s per wall s */
  driverCpuPerWallS?: number;
  /** TCP connection attempts (ActiveOpens) and failures in the director namespace, in the window */
  tcp?: { activeOpens: number; attemptFails: number; estabResets: number; outRsts: number };
  /** connections the real servers accepted in the window */
  accepted?: number;
  /** processes (and threads) created in the whole lab in the window: MISC_CHECK scripts */
  forks?: number;
  /** checks done in the window (TCP: connection attempts; MISC: forks) */
  checksDone?: number;
  /** checks done per check per second: 1 / (delay_loop + time a check takes) when the daemon keeps up */
  checkRate?: number;
  /** checker CPU (scripts included) per check done, ms */
  cpuMsPerCheck?: number;
  /** IPVS table at the end of the window */
  ipvs?: { services: number; dests: number };
  /** log lines each daemon wrote during the window (state changes would show here), and the first few */
  windowLogLines?: { checker: number; vrrp: number };
  windowLogSample?: string[];
  stopMs?: number;
  jitter?: Jitter;
  logTail?: { checker: string[]; vrrp: string[] };
}

export interface InsideResult {
  input: InsideInput;
  runs: RunResult[];
  /** adverts tcpdump saw in all */
  advertsSeen: number;
  tcpdumpErr: string;
  errors: string[];
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

// keepalived's checker logs this last at start-up, after programming the table; ours after its first pass
const CHECKER_MARKER: Record<Daemon, string> = { keepalived: 'Activating BFD healthchecker', ours: 'Startup complete' };
const MASTER_MARKER = 'Entering MASTER STATE';
const PCAP = `${process.env.LAB_TMP ?? '/tmp'}/check-load-vrrp.pcap`;

/** A running daemon and what it logged. */
class Proc {
  readonly spawnedAt = performance.now();
  readonly lines: string[] = [];
  /** lines since start() of a window, up to a few */
  sample?: string[];
  count = 0;
  markerAt?: number;
  exited = false;
  private readonly exit: Promise<void>;

  constructor(readonly child: ChildProcess, marker: string, logFile?: string) {
    const file = logFile ? createWriteStream(logFile) : undefined;
    this.exit = new Promise((r) => child.once('exit', () => { this.exited = true; r(); }));
    if (file) {
      file.on('error', () => undefined); // a log copy for debugging: never worth a crash
      child.once('close', () => file.end()); // after the last line of both pipes
    }
    for (const stream of [child.stdout, child.stderr]) {
      createInterface({ input: stream! }).on('line', (line) => {
        this.lines.push(line);
        file?.write(`${line}\n`);
        this.count++;
        if (this.sample && this.sample.length < 10) this.sample.push(line);
        if (this.lines.length > 4000) this.lines.splice(0, 2000);
        if (this.markerAt === undefined && line.includes(marker)) this.markerAt = performance.now();
      });
    }
    child.on('error', (e) => this.lines.push(`spawn error: ${e.message}`));
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  /** SIGTERM; after `ms` SIGKILL to whatever of its tree is left (all of it started by us). */
  async stop(ms: number): Promise<void> {
    if (this.exited) return;
    const members = tree(this.pid);
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => {
      for (const m of [...tree(this.pid), ...members]) {
        try {
          process.kill(m.pid, 'SIGKILL');
        } catch {
          /* gone */
        }
      }
    }, ms);
    await this.exit;
    clearTimeout(timer);
  }
}

interface Snapshot {
  at: number;
  epoch: number;
  machine: MachineSample;
  checker: ProcStat[];
  vrrp: ProcStat[];
  driverUs: number;
  tcp: Record<string, number>;
  accepted: number;
}

const same = (a: ProcStat, b: ProcStat) => a.pid === b.pid && a.start === b.start;

/** The processes alive at both snapshots: the daemon's own (scripts come and go). */
function longLived(a: readonly ProcStat[], b: readonly ProcStat[]): ProcStat[] {
  return b.filter((x) => a.some((y) => same(x, y)));
}

function memSum(procs: readonly ProcStat[]): { rssKb: number; hwmKb: number } {
  let rssKb = 0;
  let hwmKb = 0;
  for (const p of procs) {
    const m = readMem(p.pid);
    if (m) {
      rssKb += m.rssKb;
      hwmKb += m.hwmKb;
    }
  }
  return { rssKb, hwmKb };
}

function cost(a: readonly ProcStat[], b: readonly ProcStat[], wallS: number, rssPeakKb: number): DaemonCost {
  const kept = longLived(a, b);
  const mem = memSum(kept);
  const own = (xs: readonly ProcStat[]) => xs.reduce((s, x) => s + x.selfTicks, 0);
  const procs = kept.map((p) => {
    const before = a.find((x) => same(x, p))!;
    const m = readMem(p.pid);
    return {
      pid: p.pid, comm: p.comm, rssKb: m?.rssKb ?? NaN, hwmKb: m?.hwmKb ?? NaN,
      cpuS: (p.selfTicks + p.childTicks - before.selfTicks - before.childTicks) / TICKS_PER_S,
    };
  });
  return {
    cpuPerWallS: (treeTicks(b) - treeTicks(a)) / TICKS_PER_S / wallS,
    // everything but the daemon's own processes' own time: scripts, whenever they started
    childCpuPerWallS: (treeTicks(b) - treeTicks(a) - own(kept) + own(a.filter((x) => kept.some((y) => same(x, y))))) / TICKS_PER_S / wallS,
    rssMb: mem.rssKb / 1024,
    rssPeakMb: Math.max(rssPeakKb, mem.rssKb) / 1024,
    hwmMb: mem.hwmKb / 1024,
    procs,
  };
}

function nearestRank(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

export function jitterOf(times: readonly number[], advertMs: number): Jitter {
  const intervals = times.slice(1).map((t, i) => t - times[i]!);
  const devs = intervals.map((x) => Math.abs(x - advertMs)).sort((a, b) => a - b);
  return {
    intervals: intervals.map((x) => Math.round(x * 1000) / 1000),
    medianDev: nearestRank(devs, 50),
    p90Dev: nearestRank(devs, 90),
    p99Dev: nearestRank(devs, 99),
    maxDev: devs.length ? devs[devs.length - 1]! : NaN,
    missed: intervals.reduce((n, x) => n + Math.max(0, Math.round(x / advertMs) - 1), 0),
  };
}

class Driver {
  private readonly servers: Server[] = [];
  private accepted = 0;
  private tcpdump?: ChildProcess;
  private tcpdumpErr = '';
  private readonly errors: string[] = [];
  private logSeq = 0;

  constructor(private readonly input: InsideInput) {}

  async main(): Promise<InsideResult> {
    const runs: RunResult[] = [];
    let advertsSeen = 0;
    try {
      await this.listen();
      await this.startCapture();
      for (const spec of this.input.runs) {
        const r = await this.run(spec);
        runs.push(r);
        process.stderr.write(`check-load: run ${spec.rep} ${spec.daemon} ${spec.shape.kind} ${spec.shape.checks}: ${r.ok ? `cpu ${r.checker?.cpuPerWallS.toFixed(3) ?? '-'}` : r.errors.join('; ')}\n`);
      }
    } catch (e) {
      this.errors.push(`driver: ${(e as Error).stack ?? e}`);
    } finally {
      await this.stopCapture();
      for (const s of this.servers) s.close();
    }
    try {
      const mine = adverts(readPcap(PCAP)).filter((a) => a.src === VRRP_NET.director && a.vrid === VRID && a.priority === PRIORITY);
      advertsSeen = mine.length;
      for (const r of runs) {
        if (!r.window) continue;
        const times = mine.filter((a) => a.at >= r.window!.fromEpochMs && a.at <= r.window!.toEpochMs).map((a) => a.at);
        r.jitter = jitterOf(times, ADVERT_INT_S * 1000);
      }
    } catch (e) {
      this.errors.push(`reading the capture: ${(e as Error).message}`);
    }
    return { input: this.input, runs, advertsSeen, tcpdumpErr: this.tcpdumpErr.slice(-2000), errors: this.errors };
  }

  /** One socket per port on 0.0.0.0 answers every real server address; accept and close, nothing read. */
  private async listen(): Promise<void> {
    const ports = [...new Set(this.input.runs.flatMap((r) => rsPorts(r.shape)))];
    for (const port of ports) {
      const s = createServer({ pauseOnConnect: true }, (sock) => {
        this.accepted++;
        sock.on('error', () => undefined);
        sock.destroy();
      });
      s.on('error', (e) => this.errors.push(`listener ${port}: ${e.message}`));
      await new Promise<void>((res, rej) => {
        s.once('error', rej);
        s.listen({ port, host: '0.0.0.0', backlog: 4096 }, () => res());
      });
      this.servers.push(s);
    }
  }

  private async startCapture(): Promise<void> {
    // -U: each frame written as it comes; kernel timestamps, taken where the frame arrives
    const p = spawn('ip', ['netns', 'exec', this.input.ns.peer, 'tcpdump', '-i', 'eth0', '-n', '-U', '-s', '128', '-w', PCAP, 'ip proto 112'], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    p.stderr!.setEncoding('utf8').on('data', (d: string) => (this.tcpdumpErr += d));
    this.tcpdump = p;
    for (let i = 0; i < 200 && !this.tcpdumpErr.includes('listening on'); i++) {
      if (p.exitCode !== null) throw new Error(`tcpdump exited: ${this.tcpdumpErr}`);
      await sleep(50);
    }
    if (!this.tcpdumpErr.includes('listening on')) throw new Error(`tcpdump did not start: ${this.tcpdumpErr}`);
  }

  private async stopCapture(): Promise<void> {
    const p = this.tcpdump;
    if (!p || p.exitCode !== null) return;
    const done = new Promise<void>((r) => p.once('exit', () => r()));
    p.kill('SIGTERM');
    await Promise.race([done, sleep(5000)]);
  }

  private spawnDaemon(daemon: Daemon, side: 'P' | 'C', conf: string, label: string): Proc {
    const tmp = process.env.LAB_TMP ?? '/tmp';
    const tag = `${daemon === 'keepalived' ? 'k' : 'o'}${side}`;
    const pidArgs = ['-p', `${tmp}/${tag}.pid`, side === 'P' ? '-r' : '-c', `${tmp}/${tag}-child.pid`];
    const argv = daemon === 'keepalived'
      ? [this.input.keepalived, `-${side}`, '-n', '-l', '-G', '-f', conf, ...pidArgs]
      : [process.execPath, this.input.main, `-${side}`, '-n', '-l', '-G', '-f', conf, ...pidArgs];
    const child = spawn('ip', ['netns', 'exec', this.input.ns.director, ...argv], { stdio: ['ignore', 'pipe', 'pipe'] });
    let logFile: string | undefined;
    if (this.input.keepLogs && process.env.LAB_OUT) {
      mkdirSync(`${process.env.LAB_OUT}/logs`, { recursive: true });
      logFile = `${process.env.LAB_OUT}/logs/${++this.logSeq}-${daemon}-${side}-${label}.log`;
    }
    return new Proc(child, side === 'P' ? MASTER_MARKER : CHECKER_MARKER[daemon], logFile);
  }

  private snapshot(checker: Proc | undefined, vrrp: Proc): Snapshot {
    return {
      at: performance.now(),
      epoch: Date.now(),
      machine: machine(),
      checker: checker ? tree(checker.pid) : [],
      vrrp: tree(vrrp.pid),
      driverUs: (() => { const u = process.cpuUsage(); return u.user + u.system; })(),
      tcp: tcpCounters(vrrp.pid),
      accepted: this.accepted,
    };
  }

  private async run(spec: RunSpec): Promise<RunResult> {
    const r: RunResult = { rep: spec.rep, shape: spec.shape, daemon: spec.daemon, ok: false, errors: [] };
    const name = `${spec.shape.kind}${spec.shape.checks || ''}`;
    const vrrp = this.spawnDaemon(spec.daemon, 'P', spec.conf, name);
    const checker = spec.shape.kind === 'idle' ? undefined : this.spawnDaemon(spec.daemon, 'C', spec.conf, name);
    try {
      const deadline = performance.now() + this.input.startTimeoutMs;
      while ((vrrp.markerAt === undefined || (checker && checker.markerAt === undefined)) && performance.now() < deadline) {
        for (const [side, p] of [['-P', vrrp], ['-C', checker]] as const) {
          if (p?.exited) throw new Error(`${side} exited during start-up (${p.child.exitCode ?? p.child.signalCode}): ${p.lines.slice(-3).join(' / ')}`);
        }
        await sleep(100);
      }
      if (vrrp.markerAt === undefined) throw new Error(`VRRP side: no "${MASTER_MARKER}" within ${this.input.startTimeoutMs} ms`);
      if (checker && checker.markerAt === undefined) throw new Error(`checker: no "${CHECKER_MARKER[spec.daemon]}" within ${this.input.startTimeoutMs} ms`);
      r.masterMs = Math.round(vrrp.markerAt - vrrp.spawnedAt);
      if (checker) r.checkerStartMs = Math.round(checker.markerAt! - checker.spawnedAt);
      await sleep(this.input.warmupMs);

      const lines0 = { checker: checker?.count ?? 0, vrrp: vrrp.count };
      if (checker) checker.sample = [];
      vrrp.sample = [];
      const a = this.snapshot(checker, vrrp);
      let peak = { checker: 0, vrrp: 0 };
      const end = a.at + this.input.windowMs;
      while (performance.now() < end) {
        await sleep(Math.min(this.input.memEveryMs, Math.max(0, end - performance.now())));
        for (const [side, p] of [['-P', vrrp], ['-C', checker]] as const) {
          if (p?.exited) throw new Error(`${side} exited during the window (${p.child.exitCode ?? p.child.signalCode}): ${p.lines.slice(-3).join(' / ')}`);
        }
        if (performance.now() >= end) break;
        const c = checker ? memSum(longLived(a.checker, tree(checker.pid))).rssKb : 0;
        const v = memSum(longLived(a.vrrp, tree(vrrp.pid))).rssKb;
        peak = { checker: Math.max(peak.checker, c), vrrp: Math.max(peak.vrrp, v) };
      }
      const b = this.snapshot(checker, vrrp);
      const wallS = (b.at - a.at) / 1000;
      r.window = { fromEpochMs: a.epoch, toEpochMs: b.epoch, wallS };
      if (checker) r.checker = cost(a.checker, b.checker, wallS, peak.checker);
      r.vrrp = cost(a.vrrp, b.vrrp, wallS, peak.vrrp);
      r.labBusyPct = (100 * (b.machine.busy - a.machine.busy)) / Math.max(1, b.machine.total - a.machine.total);
      r.driverCpuPerWallS = (b.driverUs - a.driverUs) / 1e6 / wallS;
      const d = (k: string) => (b.tcp[k] ?? NaN) - (a.tcp[k] ?? NaN);
      r.tcp = { activeOpens: d('ActiveOpens'), attemptFails: d('AttemptFails'), estabResets: d('EstabResets'), outRsts: d('OutRsts') };
      r.accepted = b.accepted - a.accepted;
      r.forks = b.machine.forks - a.machine.forks;
      if (spec.shape.checks > 0) {
        r.checksDone = spec.shape.kind === 'tcp' ? r.tcp.activeOpens : r.forks;
        r.checkRate = r.checksDone / spec.shape.checks / wallS;
        if (r.checker && r.checksDone > 0) r.cpuMsPerCheck = (1000 * r.checker.cpuPerWallS * wallS) / r.checksDone;
      }
      if (checker) r.ipvs = ipvsCounts(checker.pid);
      r.windowLogLines = { checker: (checker?.count ?? 0) - lines0.checker, vrrp: vrrp.count - lines0.vrrp };
      r.windowLogSample = [...(checker?.sample ?? []), ...(vrrp.sample ?? []).map((l) => `VRRP: ${l}`)];
      r.ok = true;
    } catch (e) {
      r.errors.push((e as Error).message);
    } finally {
      const t = performance.now();
      await Promise.all([checker?.stop(30_000), vrrp.stop(30_000)]);
      r.stopMs = Math.round(performance.now() - t);
      r.logTail = { checker: checker?.lines.slice(-15) ?? [], vrrp: vrrp.lines.slice(-8) };
      // whatever a daemon left behind must not be in the next run's table
      spawnSync('ip', ['netns', 'exec', this.input.ns.director, 'ipvsadm', '-C'], { stdio: 'ignore', timeout: 60_000 });
      await sleep(1000);
    }
    return r;
  }
}

async function main(): Promise<void> {
  const { readFileSync } = await import('node:fs');
  const input = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as InsideInput;
  writeLabResult(await new Driver(input).main());
  process.exit(0);
}

if (process.env.LAB_RESULT) {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
