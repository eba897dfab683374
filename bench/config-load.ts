// Load-and-validate time for big configurations: keepalived -t next to ours.
//
//   node dist/bench/config-load.js [--sizes 100,1000,10000] [--runs 5] [--json] [--keep]
//
// For each size a config from gen-config.ts is written to a temp dir and timed:
//   keepalived   `keepalived -t -f FILE`                     (a whole process)
//   ours, CLI    `node dist/src/cli/main.js -t -f FILE`       (a whole process, incl. Node start-up)
//   ours, in-process  loadConfig(FILE) in a worker process, after one warm-up call
// Every process runs inside a private network namespace that has eth0 and eth1
// (veth pairs, up, addressed), so interface checks pass on both sides.  The
// in-process worker runs there too, in case our loader checks interfaces.
// Wall times are medians; max RSS comes from /usr/bin/time -f %M, or, without
// it, from polling VmHWM in /proc (a lower bound).  Nothing here asserts on
// timings: it prints numbers for people to read.

import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { generateConfig, shapeOf } from './gen-config.js';

const HERE = dirname(fileURLToPath(import.meta.url)); // dist/bench
const ROOT = resolve(HERE, '..', '..'); // repo root
const LOADER_JS = join(ROOT, 'dist', 'src', 'config', 'index.js');
const CLI_JS = join(ROOT, 'dist', 'src', 'cli', 'main.js');
const GNU_TIME = '/usr/bin/time';
// false -> sample VmHWM from /proc instead (also forced by --rss-from-proc)
let useGnuTime = existsSync(GNU_TIME);

// ---------------------------------------------------------------- small helpers

function median(xs: number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

function fmtMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || Number.isNaN(ms)) return 'n/a';
  return ms >= 100 ? ms.toFixed(0) : ms.toFixed(1);
}

function fmtRatio(a: number | null | undefined, b: number | null | undefined): string {
  if (a == null || b == null || Number.isNaN(a) || Number.isNaN(b) || b === 0) return 'n/a';
  return `${(a / b).toFixed(2)}x`;
}

function fmtMb(kb: number | null | undefined, lowerBound = false): string {
  if (kb == null || Number.isNaN(kb)) return 'n/a';
  return `${lowerBound ? '>=' : ''}${(kb / 1024).toFixed(1)}`;
}

function run(cmd: string, args: string[]): { status: number | null; stderr: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  return { status: r.status, stderr: r.stderr ?? '' };
}

function must(cmd: string, args: string[]): void {
  const r = run(cmd, args);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr.trim()}`);
}

// ---------------------------------------------------------------- namespace

/** A throw-away network namespace with eth0/eth1 so `-t` finds the interfaces the config names. */
class BenchNamespace {
  readonly name = `kbench-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  private created = false;

  create(): void {
    must('ip', ['netns', 'add', this.name]);
    this.created = true;
    must('ip', ['-n', this.name, 'link', 'set', 'lo', 'up']);
    const legs: [string, string][] = [
      ['eth0', '192.168.10.2/24'],
      ['eth1', '10.10.0.2/24'],
    ];
    for (const [ifname, cidr] of legs) {
      // veth rather than dummy: keepalived disables VRRP on interfaces without multicast.
      must('ip', ['-n', this.name, 'link', 'add', ifname, 'type', 'veth', 'peer', 'name', `${ifname}p`]);
      must('ip', ['-n', this.name, 'link', 'set', ifname, 'up']);
      must('ip', ['-n', this.name, 'link', 'set', `${ifname}p`, 'up']);
      must('ip', ['-n', this.name, 'addr', 'add', cidr, 'dev', ifname]);
    }
  }

  /** argv prefix that runs a command inside the namespace */
  wrap(argv: string[]): string[] {
    return this.created ? ['ip', 'netns', 'exec', this.name, ...argv] : argv;
  }

  delete(): void {
    if (!this.created) return;
    this.created = false;
    run('ip', ['netns', 'del', this.name]);
  }
}

// ---------------------------------------------------------------- timing a process

interface ProcSample {
  ms: number;
  status: number | null;
  rssKb: number | null;
  rssIsLowerBound: boolean;
  stderr: string;
  stdout: string;
}

let currentChild: ReturnType<typeof spawn> | null = null;

/** Runs argv once; wall time from spawn to exit, max RSS via GNU time or /proc polling. */
async function timeProcess(argv: string[], ns: BenchNamespace, tmp: string): Promise<ProcSample> {
  const rssFile = join(tmp, `rss-${process.pid}-${Math.random().toString(36).slice(2)}.txt`);
  const inner = useGnuTime ? [GNU_TIME, '-f', '%M', '-o', rssFile, ...argv] : argv;
  const full = ns.wrap(inner);
  let polledKb = 0;
  const t0 = process.hrtime.bigint();
  // Own process group, so an interrupted bench can stop the whole measured
  // chain (ip netns exec -> time -> program) and nothing else.
  const child = spawn(full[0], full.slice(1), { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  currentChild = child;
  let stderr = '';
  let stdout = '';
  child.stderr?.setEncoding('utf8').on('data', (d: string) => {
    if (stderr.length < 64 * 1024) stderr += d;
  });
  child.stdout?.setEncoding('utf8').on('data', (d: string) => {
    if (stdout.length < 1024 * 1024) stdout += d;
  });
  // Without GNU time: `ip netns exec` execs in place, so the child pid becomes the
  // measured program; sample its high-water mark until it goes away.
  const poll = useGnuTime
    ? null
    : setInterval(() => {
        try {
          const m = /VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
          if (m) polledKb = Math.max(polledKb, Number(m[1]));
        } catch {
          /* process already gone */
        }
      }, 2);
  const status = await new Promise<number | null>((res, rej) => {
    child.on('error', rej);
    child.on('close', (code) => res(code));
  });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  currentChild = null;
  if (poll) clearInterval(poll);
  let rssKb: number | null = null;
  if (useGnuTime) {
    try {
      // GNU time may prefix "Command exited with non-zero status N"; the number is the last line.
      const lines = readFileSync(rssFile, 'utf8').trim().split('\n');
      const v = Number(lines[lines.length - 1]);
      rssKb = Number.isFinite(v) ? v : null;
      rmSync(rssFile, { force: true });
    } catch {
      rssKb = null;
    }
  } else {
    rssKb = polledKb > 0 ? polledKb : null;
  }
  return { ms, status, rssKb, rssIsLowerBound: !useGnuTime, stderr, stdout };
}

interface ProcResult {
  medianMs: number;
  status: number | null;
  rssKb: number | null;
  rssIsLowerBound: boolean;
  firstStderrLine: string;
}

/** One untimed warm-up (page cache, binary loading), then `runs` timed runs. */
async function measureProcess(argv: string[], runs: number, ns: BenchNamespace, tmp: string): Promise<ProcResult> {
  await timeProcess(argv, ns, tmp);
  const samples: ProcSample[] = [];
  for (let i = 0; i < runs; i++) samples.push(await timeProcess(argv, ns, tmp));
  const rss = samples.map((s) => s.rssKb).filter((v): v is number => v !== null);
  const last = samples[samples.length - 1];
  return {
    medianMs: median(samples.map((s) => s.ms)),
    status: last.status,
    rssKb: rss.length ? Math.max(...rss) : null,
    rssIsLowerBound: last.rssIsLowerBound,
    firstStderrLine: last.stderr.split('\n').find((l) => l.trim() !== '') ?? '',
  };
}

// ---------------------------------------------------------------- in-process worker

interface LoadResult {
  config: unknown;
  diagnostics: { severity: string; message: string }[];
}
type LoadConfig = (path: string, opts?: { configId?: string }) => LoadResult | Promise<LoadResult>;

interface WorkerReport {
  ok: boolean;
  error?: string;
  runsMs?: number[];
  medianMs?: number;
  warmupMs?: number;
  bySeverity?: Record<string, number>;
  maxRssKb?: number;
}

/**
 * Worker mode: import the loader, call it once untimed, then `runs` timed calls.
 * Prints one JSON line.  The loader is imported by computed URL so this file
 * compiles even before src/config/index.ts exists.
 */
async function worker(file: string, runs: number): Promise<void> {
  const report: WorkerReport = { ok: false };
  try {
    const mod = (await import(pathToFileURL(LOADER_JS).href)) as { loadConfig?: LoadConfig };
    if (typeof mod.loadConfig !== 'function') throw new Error(`${LOADER_JS} has no loadConfig export`);
    const load = mod.loadConfig;
    const t0 = process.hrtime.bigint();
    let res = await load(file);
    report.warmupMs = Number(process.hrtime.bigint() - t0) / 1e6;
    const times: number[] = [];
    for (let i = 0; i < runs; i++) {
      const t = process.hrtime.bigint();
      res = await load(file);
      times.push(Number(process.hrtime.bigint() - t) / 1e6);
    }
    const bySeverity: Record<string, number> = {};
    for (const d of res.diagnostics ?? []) bySeverity[d.severity] = (bySeverity[d.severity] ?? 0) + 1;
    Object.assign(report, { ok: true, runsMs: times, medianMs: median(times), bySeverity });
  } catch (e) {
    report.error = e instanceof Error ? e.message : String(e);
  }
  report.maxRssKb = process.resourceUsage().maxRSS;
  process.stdout.write(JSON.stringify(report) + '\n');
}

async function measureInProcess(file: string, runs: number, ns: BenchNamespace, tmp: string): Promise<WorkerReport> {
  const argv = [process.execPath, fileURLToPath(import.meta.url), '--worker', file, '--runs', String(runs)];
  const s = await timeProcess(argv, ns, tmp);
  const lastLine = s.stdout.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(lastLine) as WorkerReport;
  } catch {
    return { ok: false, error: `worker exited ${s.status}: ${s.stderr.trim().split('\n')[0] ?? ''}` };
  }
}

// ---------------------------------------------------------------- main

interface Row {
  realServers: number;
  virtualServers: number;
  fileKb: number;
  keepalived: ProcResult | null;
  oursInProcess: WorkerReport | null;
  oursCli: ProcResult | null;
}

function printTable(rows: Row[]): void {
  const header = [
    'real srv',
    'VS',
    'file KB',
    'keepalived ms',
    'ours in-proc ms',
    'ours CLI ms',
    'in-proc/ka',
    'CLI/ka',
    'ka RSS MB',
    'in-proc RSS MB',
    'CLI RSS MB',
  ];
  const body = rows.map((r) => [
    String(r.realServers),
    String(r.virtualServers),
    r.fileKb.toFixed(0),
    r.keepalived ? `${fmtMs(r.keepalived.medianMs)} (rc ${r.keepalived.status})` : 'n/a',
    r.oursInProcess?.ok ? fmtMs(r.oursInProcess.medianMs) : 'n/a',
    r.oursCli ? `${fmtMs(r.oursCli.medianMs)} (rc ${r.oursCli.status})` : 'n/a',
    fmtRatio(r.oursInProcess?.ok ? r.oursInProcess.medianMs : null, r.keepalived?.medianMs),
    fmtRatio(r.oursCli?.medianMs, r.keepalived?.medianMs),
    fmtMb(r.keepalived?.rssKb, r.keepalived?.rssIsLowerBound),
    fmtMb(r.oursInProcess?.maxRssKb),
    fmtMb(r.oursCli?.rssKb, r.oursCli?.rssIsLowerBound),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i].length)));
  const fmt = (cells: string[]): string => cells.map((c, i) => c.padStart(widths[i])).join('  ');
  console.log(fmt(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const row of body) console.log(fmt(row));
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      worker: { type: 'string' },
      sizes: { type: 'string', default: '100,1000,10000' },
      runs: { type: 'string', default: '5' },
      keepalived: { type: 'string', default: '/usr/sbin/keepalived' },
      json: { type: 'boolean', default: false },
      keep: { type: 'boolean', default: false },
      'rss-from-proc': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const runs = Math.max(1, Number(values.runs));
  if (values['rss-from-proc']) useGnuTime = false;
  if (values.worker !== undefined) {
    await worker(values.worker, runs);
    return;
  }
  if (values.help) {
    console.log(
      'usage: node dist/bench/config-load.js [--sizes 100,1000,10000] [--runs 5] [--keepalived PATH] [--json] [--keep] [--rss-from-proc]',
    );
    return;
  }
  const sizes = String(values.sizes)
    .split(',')
    .map((s) => Number(s.trim()))
    .filter((n) => Number.isInteger(n) && n > 0);
  const keepalived = String(values.keepalived);
  const haveKeepalived = existsSync(keepalived);
  const haveLoader = existsSync(LOADER_JS);
  const haveCli = existsSync(CLI_JS);

  const tmp = mkdtempSync(join(tmpdir(), 'kbench-'));
  const ns = new BenchNamespace();
  const cleanup = (): void => {
    if (currentChild?.pid) {
      try {
        process.kill(-currentChild.pid, 'SIGTERM');
      } catch {
        /* already gone */
      }
    }
    ns.delete();
    if (!values.keep) rmSync(tmp, { recursive: true, force: true });
  };
  const onSignal = (sig: NodeJS.Signals): void => {
    cleanup();
    process.exit(sig === 'SIGINT' ? 130 : 143);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  const rows: Row[] = [];
  let nodeBaseline: ProcResult | null = null;
  try {
    try {
      ns.create();
    } catch (e) {
      // Without root or iproute2 the checks still run, but both sides will
      // report the missing eth0/eth1 (keepalived then exits 5).
      console.error(`warning: no network namespace (${e instanceof Error ? e.message : e}); running in the current one`);
      ns.delete();
    }
    console.log(`config-load bench: sizes ${sizes.join(', ')}; ${runs} timed runs each (median), after 1 warm-up`);
    console.log(`keepalived: ${haveKeepalived ? keepalived : 'not found'}; loader: ${haveLoader ? 'found' : 'missing'}; CLI: ${haveCli ? 'found' : 'missing'}`);
    console.log(`max RSS via ${useGnuTime ? GNU_TIME + ' -f %M' : '/proc VmHWM polling (lower bound)'}\n`);

    for (const n of sizes) {
      const shape = shapeOf(n);
      const file = join(tmp, `bench-${n}.conf`);
      writeFileSync(file, generateConfig(n));
      const row: Row = {
        realServers: n,
        virtualServers: shape.virtualServers,
        fileKb: statSync(file).size / 1024,
        keepalived: null,
        oursInProcess: null,
        oursCli: null,
      };
      if (haveKeepalived) row.keepalived = await measureProcess([keepalived, '-t', '-f', file], runs, ns, tmp);
      if (haveLoader) row.oursInProcess = await measureInProcess(file, runs, ns, tmp);
      if (haveCli) row.oursCli = await measureProcess([process.execPath, CLI_JS, '-t', '-f', file], runs, ns, tmp);
      rows.push(row);
      process.stderr.write(`  done: ${n} real servers\n`);
    }
    // Node's own start-up, to read the CLI column: CLI ms minus this is roughly our parse time.
    nodeBaseline = await measureProcess([process.execPath, '-e', '0'], runs, ns, tmp);
  } finally {
    cleanup();
  }

  console.log('');
  printTable(rows);
  console.log('');
  console.log(`node start-up alone (node -e 0): ${fmtMs(nodeBaseline?.medianMs)} ms, RSS ${fmtMb(nodeBaseline?.rssKb, nodeBaseline?.rssIsLowerBound)} MB`);
  console.log('ratios are ours / keepalived: below 1.00x ours is faster, above it slower.');
  for (const r of rows) {
    if (r.keepalived && r.keepalived.status !== 0) {
      console.log(`note: keepalived -t exited ${r.keepalived.status} at ${r.realServers} RS: ${r.keepalived.firstStderrLine}`);
    }
    if (r.oursInProcess && !r.oursInProcess.ok) {
      console.log(`note: in-process loader failed at ${r.realServers} RS: ${r.oursInProcess.error}`);
    } else if (r.oursInProcess?.bySeverity && Object.keys(r.oursInProcess.bySeverity).length > 0) {
      console.log(`note: our diagnostics at ${r.realServers} RS: ${JSON.stringify(r.oursInProcess.bySeverity)}`);
    }
    if (r.oursCli && r.oursCli.status !== 0) {
      console.log(`note: our CLI exited ${r.oursCli.status} at ${r.realServers} RS: ${r.oursCli.firstStderrLine}`);
    }
  }
  if (values.keep) console.log(`configs kept in ${tmp}`);
  if (values.json) console.log(JSON.stringify({ rows, nodeBaseline }, null, 2));
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.stack : e);
  process.exitCode = 1;
});
