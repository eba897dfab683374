// What health checking costs at load, keepalived 2.2.7 next to ours, in the real kernel (User-Mode Linux):
// CPU seconds per wall second and memory with 1,000 and 5,000 TCP_CHECKs and 500 MISC_CHECKs at
// delay_loop 1, and how much the VRRP adverts of a VRRP instance on the same machine jitter meanwhile.
//
//   node dist/bench/check-load.js [--loads tcp:1000,tcp:5000,misc:500] [--window 25] [--warmup 8] [--json]
//   node dist/bench/check-load.js --render SAVED      (the tables again from a saved --json stdout)
//
// One UML boot (one emulated CPU). Each run starts one daemon kind twice in the director namespace on the
// same file: `-P` (one VRRP instance, advert_int 1, on a veth to a peer namespace where tcpdump timestamps
// the adverts) and `-C` (the checkers). Runs go load by load, keepalived and ours alternating which goes
// first; an idle run per kind (VRRP only) is the jitter baseline. bench/check-load-inside.ts does the work
// inside; this file writes the configurations, boots the lab and prints ours / keepalived.
// Nothing asserts on timings.

import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { addrAdd, netnsAdd, vethPair } from '../src/lab/netns.js';
import { shq } from '../src/lab/shell.js';
import { runInUml } from '../src/lab/uml.js';
import { TICKS_PER_S, umlTicks } from './proc-sample.js';
import { ADVERT_INT_S, CHECK_NET, checkLoadConfig, DELAY_LOOP_S, label, VRRP_NET, type LoadShape } from './check-load-gen.js';
import { jitterOf, type Daemon, type InsideInput, type InsideResult, type RunResult, type RunSpec } from './check-load-inside.js';

const HERE = dirname(fileURLToPath(import.meta.url)); // dist/bench
const ROOT = resolve(HERE, '..', '..');
const CLI_JS = join(ROOT, 'dist', 'src', 'cli', 'main.js');
const INSIDE_JS = join(HERE, 'check-load-inside.js');
const NS = { realServers: 'kcl-rs', director: 'kcl-dir', peer: 'kcl-peer' };

// ---------------------------------------------------------------- lab

function networkScript(): string {
  return [
    netnsAdd(NS.realServers),
    netnsAdd(NS.director),
    netnsAdd(NS.peer),
    vethPair({ name: 'eth0', ns: NS.director }, { name: 'eth0', ns: NS.realServers }),
    addrAdd('eth0', `${CHECK_NET.director}/${CHECK_NET.prefix}`, NS.director),
    addrAdd('eth0', `${CHECK_NET.realServers}/${CHECK_NET.prefix}`, NS.realServers),
    // every address of the real-server net is local there (one route instead of 100 addresses)
    `ip -n ${shq(NS.realServers)} route add local ${CHECK_NET.realNet} dev lo`,
    `ip -n ${shq(NS.director)} route add ${CHECK_NET.realNet} via ${CHECK_NET.realServers}`,
    vethPair({ name: 'eth1', ns: NS.director }, { name: 'eth0', ns: NS.peer }),
    addrAdd('eth1', `${VRRP_NET.director}/${VRRP_NET.prefix}`, NS.director),
    addrAdd('eth0', `${VRRP_NET.peer}/${VRRP_NET.prefix}`, NS.peer),
  ].join('\n');
}

interface Options {
  loads: LoadShape[];
  daemons: Daemon[];
  idle: boolean;
  warmupMs: number;
  windowMs: number;
  memMB: number;
  keepalived: string;
  keep: boolean;
  /** repetitions of the whole sequence (medians are reported) */
  reps: number;
  /** copy every daemon's whole log here */
  logs?: string;
}

function plan(o: Options, confs: Map<string, string>): RunSpec[] {
  const loads: LoadShape[] = [...(o.idle ? [{ kind: 'idle', checks: 0 } as LoadShape] : []), ...o.loads];
  const runs: RunSpec[] = [];
  let k = 0; // with an even number of loads, each repetition also flips the order
  for (let rep = 1; rep <= o.reps; rep++) {
    for (const shape of loads) {
      // which kind goes first alternates, so a slow spell of the host does not always hit the same one
      const order = (k++ + rep) % 2 === 1 ? o.daemons : [...o.daemons].reverse();
      for (const daemon of order) runs.push({ rep, shape, daemon, conf: confs.get(key(shape))! });
    }
  }
  return runs;
}

const key = (s: LoadShape) => `${s.kind}-${s.checks}`;

async function runLab(o: Options): Promise<InsideResult> {
  const dir = await mkdtemp(join(tmpdir(), 'kt-chkload-'));
  try {
    await chmod(dir, 0o755);
    const confs = new Map<string, string>();
    for (const shape of [{ kind: 'idle', checks: 0 } as LoadShape, ...o.loads]) {
      const file = join(dir, `${key(shape)}.conf`);
      await writeFile(file, checkLoadConfig(shape));
      confs.set(key(shape), file);
    }
    const runs = plan(o, confs);
    const input: InsideInput = {
      runs, main: CLI_JS, keepalived: o.keepalived, ns: { director: NS.director, peer: NS.peer },
      warmupMs: o.warmupMs, windowMs: o.windowMs, startTimeoutMs: 240_000, memEveryMs: 5000, keepLogs: o.logs !== undefined,
    };
    const inputFile = join(dir, 'input.json');
    await writeFile(inputFile, JSON.stringify(input));
    const script = [
      'set -e',
      networkScript(),
      'set +e',
      'export LAB_RESULT="$LAB_OUT/result.json"',
      `ip netns exec ${shq(NS.realServers)} node ${shq(INSIDE_JS)} ${shq(inputFile)}`,
    ].join('\n');
    // how much host CPU the instance gets: the lab's clock is the host's, so a starved instance looks busy
    const samples: Array<{ at: number; ticks: number }> = [];
    const sampler = setInterval(() => {
      const ticks = umlTicks(`umid=kt-${process.pid}-`);
      if (ticks !== undefined) samples.push({ at: Date.now(), ticks });
    }, 1000);
    const perRunS = 240 + (o.warmupMs + o.windowMs) / 1000 + 60;
    const r = await runInUml(script, { memMB: o.memMB, timeoutMs: Math.max(10 * 60_000, runs.length * perRunS * 1000), keep: o.keep }).finally(() => clearInterval(sampler));
    if (o.logs !== undefined) {
      await mkdir(o.logs, { recursive: true });
      for (const [name, body] of Object.entries(r.files)) if (name.startsWith('logs/')) await writeFile(join(o.logs, name.slice(5)), body);
    }
    const text = r.files['result.json'];
    if (text === undefined) throw new Error(`the driver wrote no result (exit ${r.code})\n${r.output.split('\n').slice(-40).join('\n')}`);
    process.stderr.write(r.output);
    process.stderr.write(`UML: boot ${r.timings.bootMs} ms, modules ${r.timings.modulesMs} ms, script ${Math.round(r.timings.scriptMs / 1000)} s\n`);
    const res = JSON.parse(text) as InsideResult;
    for (const run of res.runs) if (run.window) run.hostCpuPct = hostShare(samples, run.window.fromEpochMs, run.window.toEpochMs);
    return res;
  } finally {
    if (!o.keep) await rm(dir, { recursive: true, force: true });
  }
}

/** Share of one host CPU between two instants, from 1 Hz samples of the instance's ticks (interpolated). */
function hostShare(samples: ReadonlyArray<{ at: number; ticks: number }>, from: number, to: number): number | undefined {
  const at = (t: number): number | undefined => {
    const i = samples.findIndex((s) => s.at >= t);
    if (i <= 0) return undefined;
    const a = samples[i - 1]!;
    const b = samples[i]!;
    return a.ticks + ((b.ticks - a.ticks) * (t - a.at)) / Math.max(1, b.at - a.at);
  };
  const x = at(from);
  const y = at(to);
  return x === undefined || y === undefined ? undefined : (100 * (y - x)) / TICKS_PER_S / ((to - from) / 1000);
}

// ---------------------------------------------------------------- report

const fmt = (x: number | undefined, digits: number): string =>
  x === undefined || !Number.isFinite(x) ? 'n/a' : x.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

interface Row {
  label: string;
  get: (r: RunResult) => number | undefined;
  digits: number;
  /** no ratio: near-zero values or counts */
  noRatio?: boolean;
  /** only for these loads */
  only?: (s: LoadShape) => boolean;
  /** over several repetitions: one value from all of them (default: the median of the runs' values) */
  pool?: (rs: RunResult[]) => number | undefined;
}

const SOME = (s: LoadShape) => s.kind !== 'idle';
const intervals = (rs: RunResult[]) => rs.flatMap((r) => r.jitter?.intervals ?? []);
/** Jitter over the intervals of all the runs (per run, with fewer than 100 intervals, p99 is simply the largest). */
const pooled = (p: 'medianDev' | 'p90Dev' | 'p99Dev' | 'maxDev') => (rs: RunResult[]) =>
  (intervals(rs).length ? jitterOf([0, ...cumulative(intervals(rs))], ADVERT_INT_S * 1000)[p] : undefined);
function cumulative(xs: number[]): number[] {
  let t = 0;
  return xs.map((x) => (t += x));
}

const ROWS: Row[] = [
  { label: 'checker CPU s per wall s', get: (r) => r.checker?.cpuPerWallS, digits: 3, only: SOME },
  { label: '  of which scripts (reaped children)', get: (r) => r.checker?.childCpuPerWallS, digits: 3, only: (s) => s.kind === 'misc' },
  { label: 'checker VmRSS, MB (end of window)', get: (r) => r.checker?.rssMb, digits: 1, only: SOME },
  { label: 'checker VmRSS peak in window, MB', get: (r) => r.checker?.rssPeakMb, digits: 1, only: SOME },
  { label: 'checker VmHWM, MB', get: (r) => r.checker?.hwmMb, digits: 1, only: SOME },
  { label: 'checks done per s', get: (r) => (r.checksDone === undefined || !r.window ? undefined : r.checksDone / r.window.wallS), digits: 0, only: SOME },
  { label: '  per check (1 = every delay_loop)', get: (r) => r.checkRate, digits: 3, only: SOME },
  { label: 'checker CPU ms per check done', get: (r) => r.cpuMsPerCheck, digits: 2, only: SOME },
  { label: 'real servers in IPVS at window end', get: (r) => r.ipvs?.dests, digits: 0, noRatio: true, only: SOME },
  { label: 'failed connects in window', get: (r) => r.tcp?.attemptFails, digits: 0, noRatio: true, only: (s) => s.kind === 'tcp' },
  { label: 'checker log lines in window (state changes)', get: (r) => r.windowLogLines?.checker, digits: 0, noRatio: true, only: SOME },
  { label: 'checker start-up (spawn → marker), s', get: (r) => (r.checkerStartMs === undefined ? undefined : r.checkerStartMs / 1000), digits: 1, only: SOME },
  { label: 'stop (SIGTERM → both exited), s', get: (r) => (r.stopMs === undefined ? undefined : r.stopMs / 1000), digits: 1, only: SOME },
  { label: 'VRRP -P CPU s per wall s', get: (r) => r.vrrp?.cpuPerWallS, digits: 3 },
  { label: 'VRRP -P VmRSS, MB', get: (r) => r.vrrp?.rssMb, digits: 1 },
  { label: 'advert interval |dev| from 1 s, median ms', get: (r) => r.jitter?.medianDev, digits: 2, pool: pooled('medianDev') },
  { label: 'advert interval |dev|, p90 ms', get: (r) => r.jitter?.p90Dev, digits: 2, pool: pooled('p90Dev') },
  { label: 'advert interval |dev|, p99 ms', get: (r) => r.jitter?.p99Dev, digits: 2, pool: pooled('p99Dev') },
  { label: 'advert interval |dev|, max ms', get: (r) => r.jitter?.maxDev, digits: 2, pool: pooled('maxDev') },
  { label: 'advert intervals measured', get: (r) => r.jitter?.intervals.length, digits: 0, noRatio: true, pool: (rs) => intervals(rs).length },
  { label: '  adverts missing among them', get: (r) => r.jitter?.missed, digits: 0, noRatio: true, pool: (rs) => rs.reduce((n, r) => n + (r.jitter?.missed ?? 0), 0) },
  { label: 'lab CPU busy in window, %', get: (r) => r.labBusyPct, digits: 0, noRatio: true },
  { label: 'real servers (driver) CPU s per wall s', get: (r) => r.driverCpuPerWallS, digits: 3, noRatio: true, only: (s) => s.kind === 'tcp' },
];

function median(xs: number[]): number {
  const v = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return NaN;
  const mid = Math.floor(v.length / 2);
  return v.length % 2 === 1 ? v[mid]! : (v[mid - 1]! + v[mid]!) / 2;
}

function table(res: InsideResult, shape: LoadShape, daemons: Daemon[]): string[] {
  const reps = Math.max(1, ...res.runs.map((r) => r.rep ?? 1));
  const runsOf = (d: Daemon) => res.runs.filter((r) => r.ok && r.daemon === d && r.shape.kind === shape.kind && r.shape.checks === shape.checks);
  const mine = daemons.map(runsOf);
  const out: string[] = [];
  const two = daemons.length === 2;
  const header = ['measure', ...daemons, ...(two ? [`${daemons[0]}/${daemons[1]}`] : [])];
  const body = ROWS.filter((row) => !row.only || row.only(shape)).map((row) => {
    const cells: string[] = [];
    const centre = mine.map((rs) => {
      const vals = rs.map(row.get).filter((v): v is number => v !== undefined && Number.isFinite(v));
      const c = row.pool ? row.pool(rs) : median(vals);
      let cell = fmt(c, row.digits);
      if (!row.pool && vals.length > 1) cell += ` (${fmt(Math.min(...vals), row.digits)}–${fmt(Math.max(...vals), row.digits)})`;
      if (rs.length < reps) cell += ` [${rs.length}/${reps}]`;
      cells.push(cell);
      return c;
    });
    let ratio = '';
    const [a, b] = centre;
    if (two && !row.noRatio && a !== undefined && b !== undefined && Number.isFinite(a) && b > 0) ratio = `${(a / b).toFixed(2)}x`;
    return [row.label, ...cells, ...(two ? [ratio] : [])];
  });
  const w = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cols: string[]) => `| ${cols.map((c, i) => (i === 0 ? c.padEnd(w[i]!) : c.padStart(w[i]!))).join(' | ')} |`;
  const what = shape.kind === 'idle' ? ': VRRP -P alone, the jitter baseline' : `, delay_loop ${DELAY_LOOP_S}`;
  out.push(`\n${label(shape)}${what}${reps > 1 ? `; median (min–max) of ${reps} runs, jitter over all their intervals` : ''}\n`);
  out.push(line(header));
  out.push(`|${w.map((n, i) => (i === 0 ? '-'.repeat(n + 2) : `${'-'.repeat(n + 1)}:`)).join('|')}|`);
  for (const b of body) out.push(line(b));
  const stamp = /^\w{3} \w{3} +\d+ [\d:]+ \d{4}: /;
  for (const r of res.runs.filter((x) => x.shape.kind === shape.kind && x.shape.checks === shape.checks)) {
    const who = `${r.daemon}${reps > 1 ? ` run ${r.rep}` : ''}`;
    for (const e of r.errors) out.push(`note: ${who}: ${e}`);
    const logged = r.windowLogLines;
    if (logged && logged.checker + logged.vrrp > 0) {
      out.push(`note: ${who} logged ${logged.checker} checker and ${logged.vrrp} VRRP lines in the window, first: ${r.windowLogSample?.slice(0, 2).map((l) => l.replace(stamp, '')).join(' / ')}`);
    }
  }
  return out;
}

function render(res: InsideResult, meta: string): void {
  const daemons = [...new Set(res.input.runs.map((r) => r.daemon))].sort((a, b) => (a === 'ours' ? -1 : b === 'ours' ? 1 : 0));
  const shapes: LoadShape[] = [];
  for (const r of res.input.runs) if (!shapes.some((s) => s.kind === r.shape.kind && s.checks === r.shape.checks)) shapes.push(r.shape);
  console.log(meta);
  console.log(`window ${res.input.windowMs / 1000} s after start-up + ${res.input.warmupMs / 1000} s warm-up; ${res.advertsSeen} adverts captured in all`);
  for (const s of [...shapes.filter((x) => x.kind !== 'idle'), ...shapes.filter((x) => x.kind === 'idle')]) for (const l of table(res, s, daemons)) console.log(l);
  for (const e of res.errors) console.log(`error: ${e}`);
  console.log('\nratios are ours / keepalived. keepalived = parent + checker child (+ its scripts); ours = every process of the -C daemon.');
  console.log('UML has one emulated CPU: absolute numbers are inflated, compare within a run.');
}

// ---------------------------------------------------------------- main

function parseLoads(text: string): LoadShape[] {
  return text.split(',').filter(Boolean).map((x) => {
    const m = /^(tcp|misc):(\d+)$/.exec(x.trim());
    if (!m || Number(m[2]) < 1) throw new Error(`--loads: tcp:N or misc:N, not ${x}`);
    return { kind: m[1] as 'tcp' | 'misc', checks: Number(m[2]) };
  });
}

async function main(): Promise<void> {
  const { values: a } = parseArgs({
    options: {
      loads: { type: 'string', default: 'tcp:1000,tcp:5000,misc:500' },
      daemons: { type: 'string', default: 'ours,keepalived' },
      'no-idle': { type: 'boolean', default: false },
      window: { type: 'string', default: '25' },
      warmup: { type: 'string', default: '8' },
      mem: { type: 'string', default: '1536' },
      keepalived: { type: 'string', default: '/usr/sbin/keepalived' },
      keep: { type: 'boolean', default: false },
      runs: { type: 'string', default: '1' },
      logs: { type: 'string' },
      json: { type: 'boolean', default: false },
      render: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (a.help) {
    console.log('usage: node dist/bench/check-load.js [--loads tcp:1000,tcp:5000,misc:500] [--daemons ours,keepalived] [--no-idle] [--runs 1]\n' +
      '                                     [--window 25] [--warmup 8] [--mem 1536] [--keepalived PATH] [--keep] [--logs DIR] [--json]\n' +
      '       node dist/bench/check-load.js --render SAVED');
    return;
  }
  if (a.render !== undefined) {
    const text = await readFile(a.render, 'utf8');
    const start = text.indexOf('\n{"input"');
    const res = JSON.parse(text.slice(start + 1).trim().split('\n')[0]!) as InsideResult & { meta?: string };
    render(res, res.meta ?? '');
    return;
  }
  const daemons = a.daemons.split(',').map((d) => {
    if (d !== 'ours' && d !== 'keepalived') throw new Error(`--daemons: ours and/or keepalived, not ${d}`);
    return d as Daemon;
  });
  const seconds = (name: string, v: string) => {
    const n = Number(v);
    if (!(n > 0)) throw new Error(`--${name}: seconds > 0, not ${v}`);
    return n * 1000;
  };
  const o: Options = {
    loads: parseLoads(a.loads), daemons, idle: !a['no-idle'], warmupMs: seconds('warmup', a.warmup), windowMs: seconds('window', a.window),
    memMB: Number(a.mem), keepalived: a.keepalived, keep: a.keep, reps: Number(a.runs), ...(a.logs !== undefined ? { logs: a.logs } : {}),
  };
  if (!Number.isInteger(o.reps) || o.reps < 1) throw new Error(`--runs: a positive integer, not ${a.runs}`);
  if (daemons.includes('keepalived') && !existsSync(o.keepalived)) throw new Error(`${o.keepalived} not found`);
  if (daemons.includes('ours') && !existsSync(CLI_JS)) throw new Error(`${CLI_JS} not found: build first (npx tsc -p tsconfig.json)`);
  if (!existsSync('/usr/bin/tcpdump') && !existsSync('/usr/sbin/tcpdump')) throw new Error('tcpdump not found (it times the VRRP adverts inside the lab)');

  const started = Date.now();
  const load0 = loadavg();
  process.stderr.write(`check-load: ${o.idle ? 'idle, ' : ''}${o.loads.map(label).join(', ')} × ${daemons.join(', ')}; window ${o.windowMs / 1000} s\n`);
  const res = await runLab(o);
  const la = (l: number[]) => l.map((x) => x.toFixed(1)).join(' ');
  const meta = `check-load: ${new Date(started).toISOString()}, ${Math.round((Date.now() - started) / 1000)} s; host ${cpus().length} CPUs, ` +
    `load average ${la(load0)} before, ${la(loadavg())} after; UML 1 CPU, ${o.memMB} MB`;
  render(res, meta);
  if (a.json) console.log(`\n${JSON.stringify({ ...res, meta }, (_k, x: unknown) => (typeof x === 'number' ? Math.round(x * 1000) / 1000 : x))}`);
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.stack : e);
  process.exitCode = 1;
});
