// IPVS programming speed, keepalived 2.2.7 next to ours, in the real kernel (User-Mode Linux).
//
//   node dist/bench/ipvs-program.js [--sizes 100,1000,5000] [--runs 3] [--json]
//   node dist/bench/ipvs-program.js --render SAVED   (tables again from a saved --json stdout)
//
// One UML boot.  For each size (virtual services × 10 real servers, TCP, NAT, wrr/rr, no checkers),
// each run, and each daemon (keepalived, then ours), a fresh network namespace (IPVS tables are per
// namespace) gets a "trial": this same file, started with --trial inside the namespace, spawns the
// daemon and measures
//   1. cold programming: spawn -> first entry in the kernel, spawn -> every real server there;
//   2. one weight change in the last real server: rewrite the file, SIGHUP, time until the kernel
//      has it; then a second reload (the weight back) with an nlmon tap counting kernel requests;
//   3. VmRSS / VmHWM (keepalived: parent + checker child) and CPU time right after programming,
//      then CPU use over 10 idle seconds;
//   4. stop: SIGTERM -> table empty and process gone.
// The host side prints medians and ours/keepalived ratios.  Nothing asserts on timings.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { renderSaved, runIfMain, UML_BENCH_OPTIONS } from './uml-bench-cli.js';
import { generateIpvsConfig, rsAddrOf, RS_PORT, vipOf, VS_PORT, weightOf, type IpvsBenchShape } from './ipvs-gen.js';
import { IpvsClient } from '../src/netlink/ipvs-client.js';
import { AF_INET, IPPROTO_TCP, type IpvsServiceKey } from '../src/ipvs/types.js';
import { DEFAULT_MODULES, runInUml } from '../src/lab/uml.js';
import { shq } from '../src/lab/shell.js';

const HERE = dirname(fileURLToPath(import.meta.url)); // dist/bench
const ROOT = resolve(HERE, '..', '..');
const CLI_JS = join(ROOT, 'dist', 'src', 'cli', 'main.js');
const SELF_JS = fileURLToPath(import.meta.url);

/**
 * Polls back off with the time measured: every 2% of it, at least 10 ms, at most 500 ms. That keeps
 * the error under ~2% while the poller's share of UML's single CPU stays small even for minute-long
 * phases (a fixed 10 ms poll took 10-17% of the CPU in the first version of this bench).
 */
export const POLL_MIN_MS = 10;
const POLL_MAX_MS = 500;
const POLL_FRACTION = 0.02;
/** Full /proc/net/ip_vs reads are spaced so that they take at most 1/RATIO of the CPU. */
const FULL_READ_RATIO = 10;
/** After "Reload complete", the nlmon tap runs this much longer for requests still in flight. */
const CAPTURE_GRACE_MS = 2000;
/** Idle window after programming over which the daemons' steady-state CPU use is measured. */
const IDLE_WINDOW_MS = 10_000;

export function pollDelay(since: number, floorMs = POLL_MIN_MS): number {
  return Math.max(floorMs, Math.min(POLL_MAX_MS, (performance.now() - since) * POLL_FRACTION));
}

// ---------------------------------------------------------------- small helpers

export function now(): number {
  return performance.now();
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export function median(xs: number[]): number {
  const v = xs.filter((x) => Number.isFinite(x));
  if (v.length === 0) return NaN;
  const s = [...v].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

export function fmtMs(ms: number): string {
  if (!Number.isFinite(ms)) return 'n/a';
  return ms >= 100 ? ms.toFixed(0) : ms.toFixed(1);
}

export function fmtNum(n: number, digits = 0): string {
  if (!Number.isFinite(n)) return 'n/a';
  return n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

export function fmtRatio(a: number, b: number): string {
  if (!Number.isFinite(a) || !Number.isFinite(b) || b === 0) return 'n/a';
  return `${(a / b).toFixed(2)}x`;
}

// ---------------------------------------------------------------- trial (inside UML, inside a namespace)

interface ProcMem {
  pid: number;
  role: string;
  rssKb: number;
  hwmKb: number;
  cpuMs: number;
}

export interface TrialResult {
  daemon: Daemon;
  virtualServers: number;
  realServersPerVs: number;
  ok: boolean;
  error?: string;
  /** how long spawn() itself blocked (fork+exec of the driver in UML), included in the times below */
  spawnCallMs: number;
  /** spawn -> the first service in /proc/net/ip_vs */
  firstEntryMs: number;
  /** spawn -> every service and real server in the kernel (seen by a poll; confirmed by a full read) */
  programmedMs: number;
  /** how completion was seen: 'netlink+confirm' (cheap poll, then one full read) or 'proc' (full reads) */
  programmedBy: string;
  /** CPU this driver (the poller) used between spawn and programmed: the daemon's share lost to polling */
  pollerCpuMs: number;
  /** right after programming */
  processes: ProcMem[];
  rssKb: number;
  hwmKb: number;
  cpuMs: number;
  /** CPU use of the daemon (all its processes) over IDLE_WINDOW_MS after programming, in % of one CPU */
  idleCpuPct: number;
  /** SIGHUP -> the new weight in the kernel */
  weightMs: number;
  /** the daemon's own log lines about entries during that reload */
  weightLogOps: number;
  weightLogSample: string[];
  /** second reload (weight back), timed while the nlmon tap runs */
  capturedWeightMs: number;
  /** IPVS requests the daemon sent to the kernel during the second reload, by command name */
  capture?: { byCmd: Record<string, number>; writes: number; reads: number; drops: number; watcherPolls: number; error?: string };
  /** SIGTERM -> table empty / process gone / both */
  stopEmptyMs: number;
  stopExitMs: number;
  stopMs: number;
  /** entries left in the kernel after the daemon exited, and the daemon's last log lines then */
  leftServices: number;
  leftDests: number;
  stopLog?: string[];
  exitCode: number | null;
  exitSignal: string | null;
  /** poll costs at the full table, the daemon idle */
  procReadMs: number;
  procLines: number;
  ipvsadmLnMs: number;
  netlinkPollMs: number;
  logLines: number;
  logTail?: string[];
}

type Daemon = 'keepalived' | 'ours';

interface TrialOptions {
  daemon: Daemon;
  shape: IpvsBenchShape;
  work: string;
  out: string;
  keepalived: string;
  capture: string;
}

export interface ProcCount {
  services: number;
  dests: number;
  lines: number;
  ms: number;
  /** when the read finished */
  at: number;
}

/** Counts services and destinations in this namespace's /proc/net/ip_vs (lines, no parsing). */
export function readProcIpvs(): ProcCount {
  const t = now();
  const text = readFileSync('/proc/net/ip_vs', 'latin1');
  const at = now();
  let services = 0;
  let dests = -1; // the header has one "  -> RemoteAddress:Port ..." line
  let lines = 0;
  let i = 0;
  while (i < text.length) {
    const nl = text.indexOf('\n', i);
    const end = nl === -1 ? text.length : nl;
    lines++;
    if (text.startsWith('  -> ', i)) dests++;
    else if (text.startsWith('TCP ', i) || text.startsWith('UDP ', i) || text.startsWith('FWM ', i) || text.startsWith('SCTP ', i)) services++;
    i = end + 1;
  }
  return { services, dests: Math.max(0, dests), lines, ms: at - t, at };
}

function readStatus(pid: number): { rssKb: number; hwmKb: number } | undefined {
  try {
    const s = readFileSync(`/proc/${pid}/status`, 'utf8');
    const rss = /VmRSS:\s+(\d+)/.exec(s);
    const hwm = /VmHWM:\s+(\d+)/.exec(s);
    return { rssKb: rss ? Number(rss[1]) : NaN, hwmKb: hwm ? Number(hwm[1]) : NaN };
  } catch {
    return undefined;
  }
}

/** utime + stime of one process, in ms (clock ticks are 100 Hz on Linux). */
function cpuMsOf(pid: number): number {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) * 10;
  } catch {
    return NaN;
  }
}

function childrenOf(pid: number): number[] {
  const kids: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const s = readFileSync(`/proc/${d}/stat`, 'utf8');
      const ppid = Number(s.slice(s.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) kids.push(Number(d));
    } catch {
      /* gone */
    }
  }
  return kids;
}

export function serviceKey(vs: number): IpvsServiceKey {
  return { af: AF_INET, protocol: IPPROTO_TCP, addr: vipOf(vs), port: VS_PORT, fwmark: 0 };
}

/** Writes through a rename, so a daemon reading on SIGHUP never sees half a file. */
export function writeAtomic(path: string, text: string): void {
  writeFileSync(`${path}.new`, text);
  renameSync(`${path}.new`, path);
}

// Counts IPVS generic-netlink requests sent to the kernel in this namespace (nlmon taps are per
// namespace).  Python because Node cannot open an AF_PACKET socket.  Ends on SIGTERM (after reading
// what is already queued) or after MAX seconds; prints one JSON line.
export const CAPTURE_PY = String.raw`
import json, select, signal, socket, struct, sys, time
ifname, family, max_s = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0003))
try:
    s.setsockopt(socket.SOL_SOCKET, 33, 64 << 20)  # SO_RCVBUFFORCE: a full-table reload floods it
except OSError:
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 64 << 20)
s.bind((ifname, 0))
stop = False
def on_term(*_):
    global stop
    stop = True
signal.signal(signal.SIGTERM, on_term)
counts = {}
start = time.time()
print('ready', flush=True)
while time.time() - start < max_s:
    # once told to stop, only drain what the socket already holds
    if not select.select([s], [], [], 0 if stop else 0.05)[0]:
        if stop:
            break
        continue
    data, addr = s.recvfrom(1 << 16)
    # addr[1] is the netlink protocol: 16 = NETLINK_GENERIC.  pkttype says OUTGOING both ways, so
    # requests are told from replies by NLM_F_REQUEST, which only messages to the kernel carry.
    if addr[1] != 16:
        continue
    off = 0
    while off + 20 <= len(data):
        ln, typ, flags = struct.unpack_from('=IHH', data, off)
        if ln < 16:
            break
        if typ == family and flags & 1:
            key = str(data[off + 16]) + ('d' if flags & 0x300 == 0x300 else '')
            counts[key] = counts.get(key, 0) + 1
        off += (ln + 3) & ~3
packets, drops = struct.unpack('II', s.getsockopt(263, 6, 8))  # SOL_PACKET, PACKET_STATISTICS
print(json.dumps({'counts': counts, 'drops': drops, 'packets': packets}), flush=True)
`;

const CMD_NAMES: Record<number, string> = {
  1: 'NEW_SERVICE', 2: 'SET_SERVICE', 3: 'DEL_SERVICE', 4: 'GET_SERVICE', 5: 'NEW_DEST', 6: 'SET_DEST', 7: 'DEL_DEST',
  8: 'GET_DEST', 9: 'NEW_DAEMON', 10: 'DEL_DAEMON', 11: 'GET_DAEMON', 12: 'SET_CONFIG', 13: 'GET_CONFIG', 15: 'GET_INFO',
  16: 'ZERO', 17: 'FLUSH',
};
const WRITE_CMDS = new Set([1, 2, 3, 5, 6, 7, 9, 10, 12, 16, 17]);

class TrialFailure extends Error {}

/** The log lines either daemon writes for one kernel entry it adds, changes or removes. */
export const ENTRY_LOG = /Changing weight|Adding service|Removing service|Updating service|Adding virtual server|Removing Virtual Server|Updating virtual server|Shutting down service/i;

export function stripStamp(line: string): string {
  return line.replace(/^\w{3} \w{3} +\d+ [\d:]+ \d{4}: /, '');
}

export type Capture = NonNullable<TrialResult['capture']>;

/**
 * Runs `body` (which reloads and returns how many GET_DEST polls this driver made meanwhile) with an
 * nlmon tap in this namespace, and returns the IPVS requests the daemon sent, by command.
 */
export async function captured(script: string, familyId: number, body: () => Promise<number>): Promise<Capture> {
  const cap: Capture = { byCmd: {}, writes: 0, reads: 0, drops: 0, watcherPolls: 0 };
  const ip = spawnSync('sh', ['-c', 'ip link add nlmon0 type nlmon && ip link set nlmon0 up'], { encoding: 'utf8' });
  if (ip.status !== 0) return { ...cap, error: `nlmon: ${ip.stderr.trim()}` };
  try {
    const py = spawn('python3', [script, 'nlmon0', String(familyId), '900'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    py.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    py.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    const done = new Promise<void>((res) => py.on('close', () => res()));
    for (let i = 0; i < 1500 && !out.includes('ready') && py.exitCode === null; i++) await sleep(20);
    if (!out.includes('ready')) {
      py.kill('SIGTERM');
      return { ...cap, error: `capture did not start: ${err.trim().split('\n').pop() ?? ''}` };
    }
    try {
      cap.watcherPolls = await body();
    } finally {
      py.kill('SIGTERM');
      await done;
    }
    try {
      const j = JSON.parse(out.trim().split('\n').pop() ?? '') as { counts: Record<string, number>; drops: number };
      cap.drops = j.drops;
      for (const [k, n] of Object.entries(j.counts)) {
        const cmd = Number.parseInt(k, 10);
        const dump = k.endsWith('d');
        // this driver's own polls of the last service are GET_DEST dumps: not the daemon's
        const count = cmd === 8 && dump ? n - cap.watcherPolls : n;
        if (count <= 0) continue;
        cap.byCmd[`${CMD_NAMES[cmd] ?? `CMD_${cmd}`}${dump ? ' (dump)' : ''}`] = count;
        if (WRITE_CMDS.has(cmd)) cap.writes += count;
        else cap.reads += count;
      }
    } catch {
      cap.error = `capture output unreadable: ${out.slice(-200)} ${err.slice(-200)}`;
    }
    return cap;
  } finally {
    spawnSync('ip', ['link', 'del', 'nlmon0']);
  }
}

/** Phase marks on stderr: the UML batch keeps them per trial, for a run that hangs or fails. */
export function mark(msg: string): void {
  process.stderr.write(`${(now() / 1000).toFixed(3)} ${msg}\n`);
}

async function trial(o: TrialOptions): Promise<TrialResult> {
  const { shape, daemon } = o;
  const nVs = shape.virtualServers;
  const nRs = shape.realServersPerVs;
  const total = nVs * nRs;
  const lastVs = nVs - 1;
  const lastRs = nRs - 1;
  const target = { vs: lastVs, rs: lastRs, addr: rsAddrOf(shape, lastVs, lastRs) };
  const r: TrialResult = {
    daemon, virtualServers: nVs, realServersPerVs: nRs, ok: false, spawnCallMs: NaN, firstEntryMs: NaN, programmedMs: NaN,
    programmedBy: '', pollerCpuMs: NaN, processes: [], rssKb: NaN, hwmKb: NaN, cpuMs: NaN, idleCpuPct: NaN, weightMs: NaN, weightLogOps: NaN, weightLogSample: [],
    capturedWeightMs: NaN, stopEmptyMs: NaN, stopExitMs: NaN, stopMs: NaN, leftServices: NaN, leftDests: NaN, exitCode: null,
    exitSignal: null, procReadMs: NaN, procLines: NaN, ipvsadmLnMs: NaN, netlinkPollMs: NaN, logLines: NaN,
  };
  mkdirSync(o.work, { recursive: true });
  const conf = join(o.work, 'keepalived.conf');
  const logPath = join(o.work, 'daemon.log');
  writeFileSync(conf, generateIpvsConfig(shape));
  const ipvs = new IpvsClient({ timeoutMs: 10_000 });
  const familyId = await ipvs.familyId();
  const before = readProcIpvs();
  if (before.services !== 0) throw new TrialFailure(`namespace not empty: ${before.services} services`);

  const netlinkPolls: number[] = [];
  const destsOfLast = async () => {
    const t = now();
    const ds = await ipvs.listDests(serviceKey(lastVs));
    netlinkPolls.push(now() - t);
    return ds;
  };
  const targetWeight = async (): Promise<number | undefined> => (await destsOfLast()).find((d) => d.addr === target.addr && d.port === RS_PORT)?.weight;
  const logText = (from = 0) => {
    try {
      return readFileSync(logPath, 'utf8').slice(from);
    } catch {
      return '';
    }
  };

  // ---- 1. cold programming
  mark(`spawning ${daemon}`);
  const argv =
    daemon === 'keepalived'
      ? [o.keepalived, '-n', '-l', '-G', '-C', '-f', conf, '-p', join(o.work, 'k.pid'), '-r', join(o.work, 'v.pid'), '-c', join(o.work, 'c.pid')]
      : [process.execPath, CLI_JS, '-n', '-l', '-C', '-f', conf, '-p', `${conf}.pid`, '-r', `${conf}.vpid`, '-c', `${conf}.cpid`];
  const logFd = openSync(logPath, 'w');
  const t0 = now();
  const child: ChildProcess = spawn(argv[0], argv.slice(1), { stdio: ['ignore', logFd, logFd] });
  r.spawnCallMs = now() - t0;
  // from here on the daemon runs; the fork above happened before it, in series
  const cpu0 = process.cpuUsage();
  closeSync(logFd);
  let exitedAt = NaN;
  const exited = new Promise<void>((res) => {
    child.on('exit', (code, signal) => {
      exitedAt = now();
      r.exitCode = code;
      r.exitSignal = signal;
      res();
    });
    child.on('error', (e) => {
      r.error = `spawn: ${e.message}`;
      exitedAt = now();
      res();
    });
  });
  const pid = child.pid ?? -1;
  const alive = () => Number.isNaN(exitedAt);
  const deadline = (ms: number) => {
    const end = now() + ms;
    return () => now() > end;
  };

  try {
    // While the table is empty a full read is a few syscalls: cheap enough to poll.
    for (const late = deadline(600_000); ; ) {
      if (!alive()) throw new TrialFailure('daemon exited before programming anything');
      if (late()) throw new TrialFailure('no entry after 600 s');
      const c = readProcIpvs();
      if (c.services > 0) {
        r.firstEntryMs = c.at - t0;
        break;
      }
      await sleep(pollDelay(t0));
    }
    // Both daemons add in file order, so the last service full is the cheap sign; a full read confirms.
    let candidate = false;
    let fullReadMs = 0;
    for (const late = deadline(900_000); ; ) {
      if (!alive()) throw new TrialFailure('daemon exited while programming');
      if (late()) throw new TrialFailure('table incomplete after 900 s');
      let seen = NaN;
      if (!candidate && (await destsOfLast()).length === nRs) {
        seen = now();
        candidate = true;
      }
      if (candidate) {
        const c = readProcIpvs();
        fullReadMs = c.ms;
        if (c.services === nVs && c.dests === total) {
          r.programmedMs = (Number.isNaN(seen) ? c.at : seen) - t0;
          r.programmedBy = Number.isNaN(seen) ? 'proc' : 'netlink+confirm';
          break;
        }
      }
      await sleep(pollDelay(t0, fullReadMs * FULL_READ_RATIO));
    }
    const cpu = process.cpuUsage(cpu0);
    r.pollerCpuMs = (cpu.user + cpu.system) / 1000;
    mark(`programmed: first ${r.firstEntryMs.toFixed(0)} ms, all ${r.programmedMs.toFixed(0)} ms`);

    // ---- 3. memory and CPU, right after programming (keepalived: parent + checker child)
    const pids = [pid, ...childrenOf(pid)];
    const cpuNow = () => pids.reduce((a, p) => a + (cpuMsOf(p) || 0), 0);
    for (const [i, p] of pids.entries()) {
      const st = readStatus(p);
      if (!st) continue;
      r.processes.push({ pid: p, role: i === 0 ? 'main' : 'child', ...st, cpuMs: cpuMsOf(p) });
    }
    r.rssKb = r.processes.reduce((a, p) => a + p.rssKb, 0);
    r.hwmKb = r.processes.reduce((a, p) => a + p.hwmKb, 0);
    r.cpuMs = r.processes.reduce((a, p) => a + p.cpuMs, 0);

    // steady state: no checkers, so any CPU here is the daemon's own upkeep (our periodic re-sync)
    const idle0 = cpuNow();
    const idleT = now();
    await sleep(IDLE_WINDOW_MS);
    r.idleCpuPct = ((cpuNow() - idle0) / (now() - idleT)) * 100;

    // poll costs at the full table
    const reads: ProcCount[] = [];
    for (let i = 0; i < 5; i++) reads.push(readProcIpvs());
    r.procReadMs = median(reads.map((c) => c.ms));
    r.procLines = reads[0].lines;
    const lnTimes: number[] = [];
    for (let i = 0; i < 3; i++) {
      const t = now();
      spawnSync('sh', ['-c', 'ipvsadm -Ln | wc -l'], { stdio: 'ignore' });
      lnTimes.push(now() - t);
    }
    r.ipvsadmLnMs = median(lnTimes);
    const nlTimes: number[] = [];
    for (let i = 0; i < 20; i++) {
      const t = now();
      await ipvs.listDests(serviceKey(lastVs));
      nlTimes.push(now() - t);
      await sleep(POLL_MIN_MS); // spaced as in the polls above
    }
    r.netlinkPollMs = median(nlTimes);
    mark('poll costs measured');

    // ---- 2. one weight change, timed without the tap
    const original = weightOf(target.vs, target.rs);
    const changed = original + 10;
    const reloadOnce = async (weight: number): Promise<number> => {
      writeAtomic(conf, generateIpvsConfig(shape, { vs: target.vs, rs: target.rs, weight }));
      const t = now();
      child.kill('SIGHUP');
      for (const late = deadline(600_000); ; ) {
        if (!alive()) throw new TrialFailure('daemon exited during a reload');
        if (late()) throw new TrialFailure(`weight ${weight} not in the kernel 600 s after SIGHUP`);
        if ((await targetWeight()) === weight) return now() - t;
        await sleep(pollDelay(t));
      }
    };
    // Both daemons log "Reload complete" (keepalived's checker, ours) when a reload is through.
    const settle = async (logFrom: number): Promise<void> => {
      for (const late = deadline(300_000); !late() && alive(); await sleep(50)) {
        if (logText(logFrom).includes('Reload complete')) return;
      }
    };
    let logFrom = statSync(logPath).size;
    r.weightMs = await reloadOnce(changed);
    await settle(logFrom);
    const reloadLog = logText(logFrom).split('\n');
    r.weightLogOps = reloadLog.filter((l) => ENTRY_LOG.test(l)).length;
    r.weightLogSample = reloadLog.filter((l) => l.trim() !== '').slice(0, 12).map(stripStamp);
    mark(`weight change ${r.weightMs.toFixed(0)} ms`);

    // ---- 2b. the weight back, with the nlmon tap counting kernel requests
    if (o.capture) r.capture = await captured(o.capture, familyId, async () => {
      logFrom = statSync(logPath).size;
      const pollsBefore = netlinkPolls.length;
      r.capturedWeightMs = await reloadOnce(original);
      const watcherPolls = netlinkPolls.length - pollsBefore;
      await settle(logFrom);
      await sleep(CAPTURE_GRACE_MS);
      return watcherPolls;
    });

    // ---- 4. stop
    mark('stopping');
    const logAtStop = statSync(logPath).size;
    const ts = now();
    child.kill('SIGTERM');
    const killer = setTimeout(() => child.kill('SIGKILL'), 300_000);
    let emptyAt = NaN;
    let lastGone = false;
    fullReadMs = 0;
    for (;;) {
      if (!lastGone && alive()) {
        // the last service goes last in both daemons: a cheap sign, then full reads
        lastGone = (await ipvs.getService(serviceKey(lastVs))) === undefined;
      } else {
        const c = readProcIpvs();
        fullReadMs = c.ms;
        if (c.services === 0 && c.dests === 0) {
          emptyAt = c.at;
          break;
        }
        if (!alive() && now() - exitedAt > 1000) {
          r.leftServices = c.services;
          r.leftDests = c.dests;
          break;
        }
      }
      await sleep(pollDelay(ts, lastGone || !alive() ? fullReadMs * FULL_READ_RATIO : POLL_MIN_MS));
    }
    await exited;
    clearTimeout(killer);
    r.stopEmptyMs = emptyAt - ts;
    r.stopExitMs = exitedAt - ts;
    if (Number.isFinite(emptyAt)) {
      r.leftServices = 0;
      r.leftDests = 0;
      r.stopMs = Math.max(emptyAt, exitedAt) - ts;
    } else {
      r.stopLog = logText(logAtStop).split('\n').filter((l) => l.trim() !== '').slice(-8).map(stripStamp);
    }
    r.ok = true;
  } catch (e) {
    r.error = e instanceof Error ? e.message : String(e);
    if (alive()) {
      child.kill('SIGKILL');
      await exited;
    }
  } finally {
    ipvs.close();
    const lines = logText().split('\n');
    r.logLines = lines.length;
    if (!r.ok) r.logTail = lines.slice(-30);
  }
  return r;
}

async function trialMain(v: Record<string, string | boolean | undefined>): Promise<void> {
  const o: TrialOptions = {
    daemon: v.daemon === 'keepalived' ? 'keepalived' : 'ours',
    shape: { virtualServers: Number(v.vs), realServersPerVs: Number(v.rs) },
    work: String(v.work),
    out: String(v.out),
    keepalived: String(v.keepalived),
    capture: typeof v.capture === 'string' ? v.capture : '',
  };
  let r: TrialResult | { ok: false; error: string; daemon: Daemon };
  try {
    r = await trial(o);
  } catch (e) {
    r = { ok: false, error: e instanceof Error ? e.message : String(e), daemon: o.daemon };
  }
  writeFileSync(o.out, JSON.stringify(r));
  // the netlink socket and timers must not keep this process alive
  process.exit(0);
}

// ---------------------------------------------------------------- host side

interface Plan {
  size: number;
  runs: number;
}

function umlScript(plan: Plan[], rsPerVs: number, hostDir: string, keepalived: string, capture: boolean): string {
  const trials: string[] = [];
  for (const { size, runs } of plan) {
    for (let run = 1; run <= runs; run++) {
      for (const d of ['keepalived', 'ours'] as const) trials.push(`trial ${size} ${run} ${d}`);
    }
  }
  const warm = `${hostDir}/ipvs-${plan[0].size}x${rsPerVs}.conf`;
  return String.raw`
set -u
H=${shq(hostDir)}
progress() { echo "$(date +%T) $*" >> "$H/progress"; }
# Page cache first (hostfs): node, our dist/, keepalived, python. Not timed.
node ${shq(CLI_JS)} -t -f ${shq(warm)} > /dev/null 2>&1 || true
${shq(keepalived)} -t -f ${shq(warm)} > /dev/null 2>&1 || true
python3 -c 0 || true
trial() {
  local size=$1 run=$2 d=$3 ns=kbp-$1-$2-$3 id=$1-$2-$3
  mkdir -p "$LAB_TMP/$id"
  ip netns add "$ns" && ip -n "$ns" link set lo up || { progress "netns $ns failed"; return; }
  progress "start $size VS run $run $d"
  ip netns exec "$ns" node ${shq(SELF_JS)} --trial --daemon "$d" --vs "$size" --rs ${rsPerVs} \
    --work "$LAB_TMP/$id" --out "$LAB_OUT/trial-$id.json" --keepalived ${shq(keepalived)} \
    ${capture ? '--capture "$LAB_TMP/capture.py"' : ''} > "$LAB_OUT/trial-$id.err" 2>&1
  progress "done  $size VS run $run $d (rc $?)"
  [ -s "$LAB_OUT/trial-$id.err" ] || rm -f "$LAB_OUT/trial-$id.err"
  ip netns del "$ns"
  rm -rf "$LAB_TMP/$id"
  # namespace teardown runs in a kernel worker: let it finish before the next trial
  sleep 1
}
cat > "$LAB_TMP/capture.py" <<'PY'
${CAPTURE_PY}
PY
${trials.join('\n')}
progress "all done"
`;
}

type Fmt = (x: number) => string;
const MB: Fmt = (x) => fmtNum(x / 1024, 1);
const INT: Fmt = (x) => fmtNum(x);
const captureOk = (r: TrialResult) => r.capture !== undefined && r.capture.error === undefined;

/** Table rows: a label, a per-trial value (NaN = not measured), how to print it. Medians across good runs. */
const ROWS: [string, (r: TrialResult) => number, Fmt][] = [
  ['start-up: spawn -> first service in kernel, ms', (r) => r.firstEntryMs, fmtMs],
  ['programmed: spawn -> every RS in kernel, ms', (r) => r.programmedMs, fmtMs],
  ['  first entry -> every RS, ms', (r) => r.programmedMs - r.firstEntryMs, fmtMs],
  ['  kernel entries added per second meanwhile', (r) => ((r.virtualServers * (1 + r.realServersPerVs)) / (r.programmedMs - r.firstEntryMs)) * 1000, INT],
  ['  (of which the spawn() call: fork+exec in UML, ms)', (r) => r.spawnCallMs, fmtMs],
  ['CPU time used until programmed, ms', (r) => r.cpuMs, fmtMs],
  ['  (CPU the poller took meanwhile, ms)', (r) => r.pollerCpuMs, fmtMs],
  ['VmRSS after programming, MB', (r) => r.rssKb, MB],
  ['VmHWM after programming, MB', (r) => r.hwmKb, MB],
  ['idle CPU after programming, % of one CPU', (r) => r.idleCpuPct, (x) => fmtNum(x, 1)],
  ['weight change: SIGHUP -> in kernel, ms', (r) => r.weightMs, fmtMs],
  ['  same, weight back, nlmon tap running, ms', (r) => r.capturedWeightMs, fmtMs],
  ['  kernel writes in that reload (nlmon)', (r) => (captureOk(r) ? r.capture!.writes : NaN), INT],
  ['  kernel reads in that reload (nlmon)', (r) => (captureOk(r) ? r.capture!.reads : NaN), INT],
  ['  entry lines in the daemon log', (r) => r.weightLogOps, INT],
  ['stop: SIGTERM -> empty and exited, ms', (r) => r.stopMs, fmtMs],
  ['  SIGTERM -> table empty, ms', (r) => r.stopEmptyMs, fmtMs],
  ['  SIGTERM -> process gone, ms', (r) => r.stopExitMs, fmtMs],
  ['  RS left in the kernel after exit', (r) => r.leftDests, INT],
  // a stop cut short still says how fast the daemon was removing entries
  ['  RS removed per second', (r) => ((r.virtualServers * r.realServersPerVs - r.leftDests) / (Number.isFinite(r.stopEmptyMs) ? r.stopEmptyMs : r.stopExitMs)) * 1000, INT],
];

function printSize(size: number, rsPerVs: number, ka: TrialResult[], ours: TrialResult[]): void {
  const okA = ka.filter((r) => r.ok);
  const okO = ours.filter((r) => r.ok);
  console.log(`\n${fmtNum(size)} VS × ${rsPerVs} RS = ${fmtNum(size * rsPerVs)} real servers   (good runs: keepalived ${okA.length}/${ka.length}, ours ${okO.length}/${ours.length}; medians)`);
  // A value some runs lack (a stop that left entries has no "empty" time) is the median of the runs
  // that have it, marked "(k/n)": a bare median there would read as if every run had got there.
  // No ratio then either: it would compare all of one side's runs with the lucky few of the other.
  const cell = (rs: TrialResult[], f: (r: TrialResult) => number, fmt: Fmt): [number, string, boolean] => {
    const vs = rs.map(f);
    const have = vs.filter((x) => Number.isFinite(x)).length;
    const m = median(vs);
    const partial = have > 0 && have < vs.length;
    return [m, partial ? `${fmt(m)} (${have}/${vs.length})` : fmt(m), partial];
  };
  const body = ROWS.map(([label, f, fmt]) => {
    const [o, os, op] = cell(okO, f, fmt);
    const [a, as, ap] = cell(okA, f, fmt);
    return [label, os, as, op || ap ? 'n/a' : fmtRatio(o, a)];
  });
  const header = ['measure', 'ours', 'keepalived', 'ours/ka'];
  const w = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (c: string[]) => c.map((x, i) => (i === 0 ? x.padEnd(w[i]) : x.padStart(w[i]))).join('  ');
  console.log(line(header));
  console.log(w.map((n) => '-'.repeat(n)).join('  '));
  for (const b of body) console.log(line(b));
  for (const [who, rs] of [['keepalived', ka], ['ours', ours]] as const) {
    let stopLogShown = false;
    for (const r of rs) {
      if (!r.ok) console.log(`note: ${who} run failed: ${r.error}${r.logTail ? `\n      log: ${r.logTail.filter(Boolean).slice(-3).join('\n      log: ')}` : ''}`);
      else if (!Number.isFinite(r.stopMs)) {
        console.log(`note: ${who} exited (code ${r.exitCode}${r.exitSignal ? `, ${r.exitSignal}` : ''}) ${fmtMs(r.stopExitMs)} ms after SIGTERM, leaving ${fmtNum(r.leftServices)} services / ${fmtNum(r.leftDests)} RS in the kernel`);
        if (!stopLogShown && r.stopLog?.length) console.log(`      its last log lines: ${r.stopLog.slice(-4).join(' | ')}`);
        stopLogShown = true;
      }
      if (r.capture?.error) console.log(`note: ${who} capture: ${r.capture.error}`);
      if (r.capture && r.capture.drops > 0) console.log(`note: ${who} capture dropped ${r.capture.drops} packets: counts are lower bounds`);
    }
    const per = rs.filter((r) => r.ok && captureOk(r)).map((r) => Object.entries(r.capture!.byCmd).map(([k, n]) => `${k} ${fmtNum(n)}`).join(', ') || 'none');
    if (per.length > 0) console.log(`requests of ${who} in each captured reload: ${per.join(' / ')}`);
  }
  const all = [...okA, ...okO];
  if (all.length > 0) {
    console.log(
      `poll cost at the full table (${fmtNum(all[0].procLines)} lines, daemon idle): read /proc/net/ip_vs ${fmtMs(median(all.map((r) => r.procReadMs)))} ms, ` +
        `\`ipvsadm -Ln | wc -l\` ${fmtMs(median(all.map((r) => r.ipvsadmLnMs)))} ms, one-service netlink dump ${fmtMs(median(all.map((r) => r.netlinkPollMs)))} ms`,
    );
  }
}

async function hostMain(v: Record<string, string | boolean | undefined>): Promise<void> {
  const sizes = String(v.sizes)
    .split(',')
    .map((s) => Number(s.trim()))
    .filter((n) => Number.isInteger(n) && n > 0);
  const runs = Math.max(1, Number(v.runs));
  const perSize = new Map<number, number>();
  for (const part of String(v['runs-per-size'] ?? '').split(',').filter(Boolean)) {
    const [s, n] = part.split(':').map(Number);
    if (Number.isInteger(s) && Number.isInteger(n) && n > 0) perSize.set(s, n);
  }
  const plan: Plan[] = sizes.map((size) => ({ size, runs: perSize.get(size) ?? runs }));
  const rsPerVs = Math.max(1, Number(v.rs));
  const keepalived = String(v.keepalived);
  const memMB = Number(v.mem);
  const capture = !v['no-capture'];
  if (!existsSync(keepalived)) throw new Error(`${keepalived} not found (apt-get install -y keepalived)`);
  if (!existsSync(CLI_JS)) throw new Error(`${CLI_JS} missing: run npx tsc -p tsconfig.json first`);

  const hostDir = mkdtempSync(join(tmpdir(), 'kbench-ipvs-'));
  for (const { size } of plan) writeFileSync(join(hostDir, `ipvs-${size}x${rsPerVs}.conf`), generateIpvsConfig({ virtualServers: size, realServersPerVs: rsPerVs }));
  writeFileSync(join(hostDir, 'progress'), '');
  // budget: ~5 s a trial per 1,000 real servers in UML, with a wide margin, plus boot
  const trialsBudgetMs = plan.reduce((a, p) => a + p.runs * 2 * (60_000 + p.size * rsPerVs * 20), 0);
  const timeoutMs = v['timeout-min'] ? Number(v['timeout-min']) * 60_000 : 120_000 + trialsBudgetMs;

  console.log(`ipvs-program bench: ${plan.map((p) => `${fmtNum(p.size)}×${rsPerVs} (${p.runs} run${p.runs > 1 ? 's' : ''})`).join(', ')}; one UML boot, ${memMB} MB, 1 CPU`);
  console.log(`keepalived: ${keepalived} -n -l -G -C; ours: node dist/src/cli/main.js -n -l -C; nlmon request count: ${capture ? 'on' : 'off'}`);
  let shown = 0;
  const tail = setInterval(() => {
    try {
      const text = readFileSync(join(hostDir, 'progress'), 'utf8');
      // whole lines only, so a line written in two pieces is not indented twice
      const end = text.lastIndexOf('\n') + 1;
      if (end > shown) process.stderr.write(text.slice(shown, end).replace(/^(?=.)/gm, '  '));
      shown = Math.max(shown, end);
    } catch {
      /* not yet */
    }
  }, 1000);
  let run;
  try {
    run = await runInUml(umlScript(plan, rsPerVs, hostDir, keepalived, capture), {
      memMB,
      timeoutMs,
      modules: [...DEFAULT_MODULES, 'nlmon?'],
    });
  } finally {
    clearInterval(tail);
    if (!v.keep) rmSync(hostDir, { recursive: true, force: true });
  }
  if (run.code !== 0) console.log(`note: the UML batch exited ${run.code}\n${run.output.split('\n').slice(-20).join('\n')}`);

  const results = new Map<number, { keepalived: TrialResult[]; ours: TrialResult[] }>();
  const stray: string[] = [];
  for (const { size, runs: n } of plan) {
    const entry = { keepalived: [] as TrialResult[], ours: [] as TrialResult[] };
    for (let i = 1; i <= n; i++) {
      for (const d of ['keepalived', 'ours'] as const) {
        const text = run.files[`trial-${size}-${i}-${d}.json`];
        const err = run.files[`trial-${size}-${i}-${d}.err`];
        // the trial's phase marks are expected there; anything else is worth showing
        const odd = (err ?? '').split('\n').filter((l) => l.trim() !== '' && !/^\d+\.\d{3} /.test(l));
        if (odd.length > 0) stray.push(`${size}/${i}/${d}: ${odd.slice(-3).join(' | ')}`);
        if (text === undefined) {
          entry[d].push({ ok: false, error: 'no result (trial crashed or timed out)', daemon: d } as TrialResult);
          continue;
        }
        entry[d].push(JSON.parse(text) as TrialResult);
      }
    }
    results.set(size, entry);
  }

  const saved: Saved = { plan, rsPerVs, timings: run.timings, results: Object.fromEntries(results) };
  report(saved);
  for (const s of stray) console.log(`trial stderr: ${s}`);
  if (v.keep) console.log(`configs and progress log kept in ${hostDir}`);
  // after the tables, from a line that is just "{", so --render can find it in a saved stdout
  if (v.json) console.log(JSON.stringify(saved, null, 2));
}

interface Saved {
  plan: Plan[];
  rsPerVs: number;
  timings: { bootMs: number; modulesMs: number; scriptMs: number };
  results: Record<string, { keepalived: TrialResult[]; ours: TrialResult[] }>;
}

function report(saved: Saved): void {
  const t = saved.timings;
  console.log(`UML: boot ${t.bootMs} ms, modules ${t.modulesMs} ms, whole batch ${(t.scriptMs / 1000).toFixed(0)} s`);
  for (const { size } of saved.plan) {
    const e = saved.results[String(size)];
    if (e) printSize(size, saved.rsPerVs, e.keepalived, e.ours);
  }
  console.log('\nratios are ours / keepalived: below 1.00x ours is smaller or faster.');
  console.log('Times include process start (node ~1 s in UML, keepalived ~0.3 s); UML has one CPU, which the polling shares.');
}

function render(file: string): void {
  renderSaved<Saved>(file, report);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      ...UML_BENCH_OPTIONS,
      vs: { type: 'string' },
      sizes: { type: 'string', default: '100,1000,5000' },
      runs: { type: 'string', default: '3' },
      'runs-per-size': { type: 'string' },
    },
  });
  if (values.help) {
    console.log(
      'usage: node dist/bench/ipvs-program.js [--sizes 100,1000,5000] [--rs 10] [--runs 3] [--runs-per-size 5000:1]\n' +
        '         [--mem 1536] [--timeout-min N] [--keepalived PATH] [--no-capture] [--json] [--keep]\n' +
        '       node dist/bench/ipvs-program.js --render SAVED_STDOUT   (tables again from a --json run)',
    );
    return;
  }
  if (values.render !== undefined) render(values.render);
  else if (values.trial) await trialMain(values);
  else await hostMain(values);
}

// daemon-reload.ts imports helpers from ipvs-program.ts: only a direct run is the bench.
runIfMain(import.meta.url, main);
