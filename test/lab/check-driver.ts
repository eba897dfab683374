// Runs INSIDE the UML lab, as one long-lived node process (node starts slowly there), in the real
// servers' namespace: serves every real server of the health-check scenario (check-fleet.ts), starts
// keepalived -C and our -C on the same configuration, each in its own director namespace, then performs
// the scenario step by step. It watches both IPVS tables every pollMs through /proc/<pid>/net/ip_vs of a
// process parked in each namespace (no fork per look), and records every change with its time, each
// daemon's log lines with the time they arrived, and both `ipvsadm -S -n` at the end of every step.
// A step ends once every event's bound plus the margin has passed and neither table has changed for the
// settle time. The host test (check-side-by-side.test.ts) judges the record.
// On the host (node --test loads any .js under test/) it does nothing.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { writeLabResult } from './inside.js';
import { Fleet } from './fixtures/check-fleet.js';
import {
  HTTP_BODY, HTTP_WRONG_BODY, LAB, STEP_COUNT, TIMING, TRACKS, boundMs, keys, serverId, startBoundMs, stepEvents,
  type TrackSpec,
} from './check-scenario.js';

const run = promisify(execFile);

export type Daemon = 'keepalived' | 'ours';
export const DAEMONS: readonly Daemon[] = ['keepalived', 'ours'];

export interface DriverInput {
  conf: string;
  /** our CLI, dist/src/cli/main.js */
  main: string;
  /** where the MISC_CHECK script's files live (the configuration names it) */
  miscDir: string;
  tls: { key: string; cert: string };
  /** added to every bound before a step may end: UML is slow, and everything shares one CPU */
  marginMs: number;
  /** a step ends only after neither table changed for this long */
  settleMs: number;
  /** a step that never settles is cut this long after its bound */
  capMs: number;
  startTimeoutMs: number;
  /** how often both tables are read */
  pollMs: number;
}

export interface LogLine {
  /** ms since the driver's start */
  t: number;
  line: string;
}

export interface TableChange {
  t: number;
  daemon: Daemon;
  /** `TCP 10.8.0.1:80` */
  service: string;
  /** `ADDR:PORT WEIGHT`, sorted; [] when the service has no entries or is gone */
  dests: string[];
}

export interface DaemonRecord {
  spawnedMs: number;
  /** when its start-up marker was logged */
  startedMs: number | null;
  exitCode: number | null;
  exitSignal: string | null;
  /** when it exited: during the run, or after our SIGTERM at the end */
  exitedMs: number | null;
  log: LogLine[];
  /** `ipvsadm -S -n` after it stopped */
  afterStop: string;
}

export interface StepRecord {
  /** 0 = start-up; k = the (k-1)-th event of every track */
  index: number;
  startMs: number;
  endMs: number;
  /** did not settle before the cap */
  capped: boolean;
  /** when each event was in force for each daemon (a VIP change is one command per namespace) */
  events: Array<{ track: string; event: string; appliedMs: Record<Daemon, number> }>;
  /** at the end of the step */
  tables: Record<Daemon, { save: string; services: Record<string, string[]> }>;
  /** share of the UML CPU that was busy during the step */
  busyPct: number;
}

export interface DriverResult {
  input: DriverInput;
  daemons: Record<Daemon, DaemonRecord>;
  changes: TableChange[];
  steps: StepRecord[];
  /** probes received per fleet server, by source address */
  probes: Record<string, Record<string, number>>;
  busyPct: number;
  /** `ps` before the daemons were stopped: CPU time per process, to see who loaded the instance */
  ps: string;
  errors: string[];
}

const MARKER: Record<Daemon, string> = {
  // keepalived's checker logs this last at start-up, after the table is programmed; ours after its first pass
  keepalived: 'Activating BFD healthchecker',
  ours: 'Startup complete',
};

function hexIp(h: string): string {
  return [0, 2, 4, 6].map((i) => Number.parseInt(h.slice(i, i + 2), 16)).join('.');
}

/** /proc/net/ip_vs → `TCP 10.8.0.1:80` → sorted `ADDR:PORT WEIGHT` (connection counters left out). */
export function parseProcIpvs(text: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let current: string[] | undefined;
  for (const line of text.split('\n')) {
    const s = /^(TCP|UDP|SCTP)\s+([0-9A-F]{8}):([0-9A-F]{4})\s/.exec(line);
    if (s) {
      current = [];
      out.set(`${s[1]} ${hexIp(s[2]!)}:${Number.parseInt(s[3]!, 16)}`, current);
      continue;
    }
    const f = /^FWM\s+([0-9A-F]+)\s/.exec(line);
    if (f) {
      current = [];
      out.set(`FWM ${Number.parseInt(f[1]!, 16)}`, current);
      continue;
    }
    const d = /^\s+->\s+([0-9A-F]{8}):([0-9A-F]{4})\s+\S+\s+(\d+)\s/.exec(line);
    if (d && current) current.push(`${hexIp(d[1]!)}:${Number.parseInt(d[2]!, 16)} ${d[3]}`);
  }
  for (const v of out.values()) v.sort();
  return out;
}

function cpuTimes(): { busy: number; total: number } {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const total = f.reduce((a, b) => a + b, 0);
  const idle = (f[3] ?? 0) + (f[4] ?? 0);
  return { busy: total - idle, total };
}

function busySince(a: { busy: number; total: number }): number {
  const b = cpuTimes();
  return b.total > a.total ? Math.round((100 * (b.busy - a.busy)) / (b.total - a.total)) : 0;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

class Driver {
  private readonly t0 = performance.now();
  private readonly errors: string[] = [];
  private readonly changes: TableChange[] = [];
  private readonly steps: StepRecord[] = [];
  private readonly anchors = new Map<Daemon, ChildProcess>();
  private readonly procs = new Map<Daemon, ChildProcess>();
  private readonly records = {} as Record<Daemon, DaemonRecord>;
  private readonly current = new Map<Daemon, Map<string, string[]>>();
  private lastChange = 0;
  private ps = '';
  private poller?: NodeJS.Timeout;
  private readonly fleet: Fleet;

  constructor(private readonly input: DriverInput) {
    this.fleet = new Fleet({
      tls: { key: readFileSync(input.tls.key, 'utf8'), cert: readFileSync(input.tls.cert, 'utf8') },
      http: { body: HTTP_BODY, wrongBody: HTTP_WRONG_BODY },
      // slow: every gap longer than connect_timeout; fast: gaps well under it, the whole body well over it
      trickle: { slowGapMs: 1500 * TIMING.connectTimeout, fastGapMs: 350 * TIMING.connectTimeout, chunks: 8 },
      blackholeTable: LAB.blackholeTable,
    });
  }

  now(): number {
    return Math.round(performance.now() - this.t0);
  }

  async main(): Promise<DriverResult> {
    const cpu0 = cpuTimes();
    try {
      await this.startFleet();
      await this.startAnchors();
      this.poller = setInterval(() => this.poll(), this.input.pollMs);
      this.startDaemons();
      await this.startupStep();
      for (let k = 0; k < STEP_COUNT; k++) await this.step(k);
    } catch (e) {
      this.errors.push(`driver: ${(e as Error).stack ?? e}`);
    } finally {
      if (this.poller) clearInterval(this.poller);
      this.ps = await run('ps', ['-eo', 'pid,ppid,etimes,time,args', '--sort=-time']).then((r) => r.stdout, (e: Error) => `ps failed: ${e.message}`);
      await this.stopDaemons().catch((e) => this.errors.push(`stop: ${(e as Error).message}`));
      await this.fleet.close().catch((e) => this.errors.push(`fleet close: ${(e as Error).message}`));
      for (const a of this.anchors.values()) a.kill('SIGKILL');
    }
    return {
      input: this.input,
      daemons: this.records,
      changes: this.changes,
      steps: this.steps,
      probes: this.fleet.probes(),
      busyPct: busySince(cpu0),
      ps: this.ps,
      errors: this.errors,
    };
  }

  private async startFleet(): Promise<void> {
    mkdirSync(this.input.miscDir, { recursive: true });
    for (const t of TRACKS) {
      for (const r of t.reals) {
        const id = serverId(t, r);
        if (r.kind === 'none') continue;
        if (r.kind === 'misc') this.writeMisc(id, r.initial ?? '0');
        else await this.fleet.add({ id, kind: r.kind, addr: r.addr, port: r.port, mode: r.initial ?? 'ok' });
      }
    }
  }

  /** The script reads the file while we may be writing it: replace it in one rename. */
  private writeMisc(id: string, value: string): void {
    const file = join(this.input.miscDir, id);
    writeFileSync(`${file}.new`, `${value}\n`);
    renameSync(`${file}.new`, file);
  }

  /** A sleeping process in each director namespace: /proc/<its pid>/net/ip_vs is that namespace's table. */
  private async startAnchors(): Promise<void> {
    for (const who of DAEMONS) {
      const p = spawn('ip', ['netns', 'exec', LAB.directors[who].ns, 'sleep', '100000'], { stdio: 'ignore' });
      this.anchors.set(who, p);
    }
    const deadline = Date.now() + 20_000;
    for (const [who, p] of this.anchors) {
      // `ip netns exec` becomes sleep once it has entered the namespace
      while (readComm(p.pid) !== 'sleep') {
        if (Date.now() > deadline) throw new Error(`the ${who} namespace anchor did not start`);
        await sleep(50);
      }
    }
  }

  private procTable(who: Daemon): Map<string, string[]> {
    const pid = this.anchors.get(who)?.pid;
    try {
      return parseProcIpvs(readFileSync(`/proc/${pid}/net/ip_vs`, 'utf8'));
    } catch (e) {
      this.errors.push(`reading ${who}'s /proc/net/ip_vs: ${(e as Error).message}`);
      return new Map();
    }
  }

  private poll(): void {
    const t = this.now();
    for (const who of DAEMONS) {
      const next = this.procTable(who);
      const prev = this.current.get(who) ?? new Map<string, string[]>();
      for (const service of new Set([...prev.keys(), ...next.keys()])) {
        const a = (prev.get(service) ?? []).join(',');
        const b = next.get(service);
        if (a !== (b ?? []).join(',') || prev.has(service) !== next.has(service)) {
          this.changes.push({ t, daemon: who, service, dests: b ?? [] });
          this.lastChange = t;
        }
      }
      this.current.set(who, next);
    }
  }

  private startDaemons(): void {
    const tmp = process.env.LAB_TMP ?? '/tmp';
    const { conf, main } = this.input;
    const argv: Record<Daemon, string[]> = {
      keepalived: ['keepalived', '-n', '-l', '-D', '-G', '-C', '-f', conf, '-p', `${tmp}/chk-k.pid`, '-r', `${tmp}/chk-kv.pid`, '-c', `${tmp}/chk-kc.pid`],
      ours: [process.execPath, main, '-n', '-l', '-D', '-G', '-C', '-f', conf, '-p', `${tmp}/chk-o.pid`, '-r', `${tmp}/chk-ov.pid`, '-c', `${tmp}/chk-oc.pid`],
    };
    for (const who of DAEMONS) {
      const rec: DaemonRecord = { spawnedMs: this.now(), startedMs: null, exitCode: null, exitSignal: null, exitedMs: null, log: [], afterStop: '' };
      this.records[who] = rec;
      const p = spawn('ip', ['netns', 'exec', LAB.directors[who].ns, ...argv[who]], { stdio: ['ignore', 'pipe', 'pipe'] });
      this.procs.set(who, p);
      for (const stream of [p.stdout, p.stderr]) {
        createInterface({ input: stream! }).on('line', (line) => {
          const t = this.now();
          rec.log.push({ t, line });
          if (rec.startedMs === null && line.includes(MARKER[who])) rec.startedMs = t;
        });
      }
      p.on('exit', (code, signal) => {
        rec.exitCode = code;
        rec.exitSignal = signal;
        rec.exitedMs = this.now();
      });
      p.on('error', (e) => this.errors.push(`${who}: ${e.message}`));
    }
  }

  private async waitSettled(minUntil: number, cap: number): Promise<boolean> {
    for (;;) {
      await sleep(this.input.pollMs);
      const now = this.now();
      if (now >= cap) return true;
      if (now >= minUntil && now - this.lastChange >= this.input.settleMs) return false;
    }
  }

  private async snapshot(index: number, startMs: number, capped: boolean, events: StepRecord['events'], cpu: { busy: number; total: number }): Promise<void> {
    const saves = await Promise.all(
      DAEMONS.map((who) => run('ip', ['netns', 'exec', LAB.directors[who].ns, 'ipvsadm', '-S', '-n']).then((r) => r.stdout, (e: Error) => `ipvsadm failed: ${e.message}`)),
    );
    const tables = {} as StepRecord['tables'];
    DAEMONS.forEach((who, i) => {
      tables[who] = { save: saves[i]!, services: Object.fromEntries(this.procTable(who)) };
    });
    this.steps.push({ index, startMs, endMs: this.now(), capped, events, tables, busyPct: busySince(cpu) });
  }

  private async startupStep(): Promise<void> {
    const cpu = cpuTimes();
    const startMs = this.now();
    const deadline = startMs + this.input.startTimeoutMs;
    while (DAEMONS.some((w) => this.records[w].startedMs === null && this.records[w].exitedMs === null) && this.now() < deadline) await sleep(100);
    for (const w of DAEMONS) {
      if (this.records[w].startedMs === null) this.errors.push(`${w} did not log "${MARKER[w]}" within ${this.input.startTimeoutMs} ms`);
    }
    const started = Math.max(...DAEMONS.map((w) => this.records[w].startedMs ?? this.records[w].spawnedMs));
    const minUntil = started + Math.max(...TRACKS.map(startBoundMs)) + this.input.marginMs;
    const capped = await this.waitSettled(minUntil, minUntil + this.input.capMs);
    await this.snapshot(0, startMs, capped, [], cpu);
  }

  /** Performs an action; returns when it was in force for each daemon. */
  private async apply(t: TrackSpec, action: TrackSpec['events'][number]['action']): Promise<Record<Daemon, number>> {
    if ('vip' in action) {
      const at = await Promise.all(
        DAEMONS.map((who) => run('ip', ['-n', LAB.directors[who].ns, 'addr', action.vip, `${t.vip}/32`, 'dev', 'eth0']).then(() => this.now())),
      );
      return { keepalived: at[0]!, ours: at[1]! };
    }
    const { real } = keys(t, action.set);
    if (real.kind === 'misc') this.writeMisc(serverId(t, real), action.mode);
    else await this.fleet.set(serverId(t, real), action.mode);
    const now = this.now();
    return { keepalived: now, ours: now };
  }

  private async step(k: number): Promise<void> {
    const cpu = cpuTimes();
    const startMs = this.now();
    const evs = stepEvents(k);
    const events: StepRecord['events'] = [];
    let until = startMs;
    await Promise.all(
      evs.map(async ({ track, event }) => {
        let appliedMs: Record<Daemon, number>;
        try {
          appliedMs = await this.apply(track, event.action);
        } catch (e) {
          this.errors.push(`step ${k + 1} ${track.name}/${event.name}: ${(e as Error).message}`);
          appliedMs = { keepalived: this.now(), ours: this.now() };
        }
        events.push({ track: track.name, event: event.name, appliedMs });
        until = Math.max(until, ...Object.values(appliedMs).map((t) => t + boundMs(track, event)));
      }),
    );
    const minUntil = until + this.input.marginMs;
    const capped = await this.waitSettled(minUntil, minUntil + this.input.capMs);
    await this.snapshot(k + 1, startMs, capped, events, cpu);
  }

  private async stopDaemons(): Promise<void> {
    await Promise.all(
      DAEMONS.map(async (who) => {
        const p = this.procs.get(who);
        const rec = this.records[who];
        if (!p || !rec) return;
        if (rec.exitedMs === null) {
          const exited = new Promise<void>((r) => p.once('exit', () => r()));
          p.kill('SIGTERM');
          const timer = setTimeout(() => p.kill('SIGKILL'), 20_000);
          await exited;
          clearTimeout(timer);
        }
        rec.afterStop = await run('ip', ['netns', 'exec', LAB.directors[who].ns, 'ipvsadm', '-S', '-n']).then((r) => r.stdout, (e: Error) => `ipvsadm failed: ${e.message}`);
      }),
    );
  }
}

function readComm(pid: number | undefined): string {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '';
  }
}

async function main(): Promise<void> {
  const input = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as DriverInput;
  const result = await new Driver(input).main();
  writeLabResult(result);
  // keepalived's and ours' pipes are closed; nothing else should hold the loop, but don't wait on strays
  process.exit(0);
}

if (process.env.LAB_RESULT) {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
