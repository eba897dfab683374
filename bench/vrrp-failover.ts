// VRRP failover and advert timing on the wire: our daemon next to keepalived 2.2.7, same topology.
//
//   node dist/bench/vrrp-failover.js [--runs 5] [--variants v2,v3] [--kinds ours,keepalived]
//                                    [--window-v2 20] [--window-v3 10] [--json]
//
// The LAN is test/netns/harness.ts's: a hub namespace with a bridge and two nodes, a (priority 150, the
// master) and b (priority 100, the backup), one VIP, the same daemon kind on both. tcpdump on the bridge
// timestamps every frame (kernel CLOCK_REALTIME, µs); signals are timestamped on the same clock.
// Each run of a daemon kind and variant is two sessions, each from a fresh start of both daemons:
//   kill session: a steady window (advert intervals of a), then kill -9 of a's process group at a random
//                 phase of the advert cycle → b's first advert with its priority, b's first gratuitous ARP;
//   stop session: SIGTERM to a → a's priority-0 advert, b's first advert, a's exit.
// Nothing asserts on timings: it prints numbers for people to read.

import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { config, instance, KEEPALIVED, Lan, masterDownV2, masterDownV3, sleep, type Capture, type Daemon, type DaemonKind } from '../test/netns/harness.js';
import { adverts, announcements, type Advert } from '../test/netns/pcap.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const VIP = '10.120.0.100';
const VRID = 51;
const PRIO_A = 150;
const PRIO_B = 100;

// ---------------------------------------------------------------- variants

interface Variant {
  id: 'v2' | 'v3';
  title: string;
  version: 2 | 3;
  advertS: number;
  /** Master-down interval and Skew_Time of the priority-100 backup (ms). */
  masterDownMs: number;
  skewMs: number;
}

const VARIANTS: Record<'v2' | 'v3', Variant> = {
  v2: { id: 'v2', title: 'VRRPv2, advert_int 1 s, IPv4 multicast', version: 2, advertS: 1, masterDownMs: masterDownV2(PRIO_B, 1), skewMs: ((256 - PRIO_B) * 1000) / 256 },
  v3: { id: 'v3', title: 'VRRPv3, advert_int 0.1 s, IPv4 multicast', version: 3, advertS: 0.1, masterDownMs: masterDownV3(PRIO_B, 0.1), skewMs: ((256 - PRIO_B) * 100) / 256 },
};

function conf(v: Variant, priority: number): string {
  return config(instance({ priority, version: v.version, advertInt: v.advertS, vips: [`${VIP}/24`] }));
}

// ---------------------------------------------------------------- clock

// Frames carry CLOCK_REALTIME (what Date.now() reads, but only in whole ms). performance.now() is fine-grained;
// its offset to the wall clock is re-measured before every signal: the largest Date.now() − performance.now()
// over a few ms of samples is taken right after a millisecond tick, so it is the offset to within microseconds
// (and a slewing wall clock cannot drift it over a long bench).
let offset = Date.now() - performance.now();

function calibrate(): void {
  let best = -Infinity;
  const end = performance.now() + 3;
  while (performance.now() < end) {
    const d = Date.now() - performance.now();
    if (d > best) best = d;
  }
  offset = best;
}

const wall = (): number => offset + performance.now();

// ---------------------------------------------------------------- statistics

function median(xs: number[]): number {
  const v = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return NaN;
  const mid = Math.floor(v.length / 2);
  return v.length % 2 === 1 ? v[mid]! : (v[mid - 1]! + v[mid]!) / 2;
}

/** Nearest-rank percentile. */
function percentile(xs: number[], p: number): number {
  const v = [...xs].sort((a, b) => a - b);
  if (v.length === 0) return NaN;
  return v[Math.min(v.length - 1, Math.max(0, Math.ceil((p / 100) * v.length) - 1))]!;
}

function stddev(xs: number[]): number {
  if (xs.length < 2) return NaN;
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  return Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (xs.length - 1));
}

// ---------------------------------------------------------------- one run

interface JitterResult {
  /** Intervals between a's consecutive adverts in the window. */
  count: number;
  median: number;
  p99: number;
  /** max |interval − advert_int|. */
  maxDev: number;
  stddev: number;
  /** b's adverts inside the window (should be 0: only the master advertises). */
  backupAdverts: number;
}

interface KillResult {
  /** kill → b's first advert with priority 100. */
  killToAdvert: number;
  /** kill → b's first gratuitous ARP for the VIP. */
  killToGarp: number;
  /** b's first advert → its first gratuitous ARP. */
  advertToGarp: number;
  /** a's last advert → b's first advert: the detection delay, ≈ master-down interval. */
  lastAdvertToAdvert: number;
  /** a's last advert → kill: where in the advert cycle the kill fell. */
  phase: number;
}

interface TermResult {
  /** SIGTERM → a's priority-0 advert. */
  termToZero: number;
  /** SIGTERM → b's first advert with priority 100. */
  termToAdvert: number;
  /** priority-0 advert → b's first advert: ≈ Skew_Time. */
  zeroToAdvert: number;
  /** SIGTERM → a's exit (seen by this process's event loop). */
  termToExit: number;
  exitCode: number | null;
}

interface RunResult {
  variant: Variant['id'];
  kind: DaemonKind;
  run: number;
  jitter?: JitterResult;
  kill?: KillResult;
  term?: TermResult;
  errors: string[];
}

async function until<T>(what: string, ms: number, probe: () => T | undefined, pollMs = 20): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const r = probe();
    if (r !== undefined) return r;
    if (Date.now() > end) throw new Error(`no ${what} within ${ms} ms`);
    await sleep(pollMs);
  }
}

const tail = (d: Daemon): string => d.out.trimEnd().split('\n').slice(-6).map((l) => `\n    ${d.node.name}: ${l}`).join('');

class Session {
  private readonly started: Daemon[] = [];

  constructor(private readonly lan: Lan, private readonly kind: DaemonKind, private readonly v: Variant) {}

  /** a first, until it holds the VIP; then b, until it is BACKUP and has heard a few adverts. */
  async bringUp(): Promise<{ a: Daemon; b: Daemon }> {
    if (this.lan.holders(VIP).length > 0) throw new Error(`VIP already on ${this.lan.holders(VIP).join(',')}`);
    const a = this.start('a', PRIO_A);
    try {
      await this.lan.waitHolders(VIP, ['a'], this.v.masterDownMs + 10_000);
    } catch (e) {
      throw new Error(`${(e as Error).message}${tail(a)}`);
    }
    const b = this.start('b', PRIO_B);
    try {
      await b.waitFor(/\(VI_1\) Entering BACKUP STATE/, 10_000);
    } catch {
      throw new Error(`b not BACKUP within 10 s${tail(b)}`);
    }
    await sleep(Math.max(1500, 3000 * this.v.advertS));
    if (!a.running || !b.running) throw new Error(`a daemon exited during start-up${tail(a)}${tail(b)}`);
    return { a, b };
  }

  private start(node: 'a' | 'b', priority: number): Daemon {
    const d = this.lan.start(this.kind, node, conf(this.v, priority));
    this.started.push(d);
    return d;
  }

  /** Stops what is still running; kill -9 leaves the VIP on a, which the next start must not find. */
  async tearDown(): Promise<void> {
    await Promise.all(this.started.filter((d) => d.running).map((d) => d.stop(5000)));
    for (const n of this.lan.nodes) spawnSync('ip', ['-n', n.ns, 'addr', 'del', `${VIP}/24`, 'dev', 'eth0'], { stdio: 'ignore' });
  }
}

function isA(lan: Lan, ad: Advert): boolean {
  return ad.srcMac === lan.node('a').mac;
}

function isB(lan: Lan, ad: Advert): boolean {
  return ad.srcMac === lan.node('b').mac;
}

function vrrpAdverts(cap: Capture): Advert[] {
  return adverts(cap.frames()).filter((x) => x.vrid === VRID);
}

async function killSession(lan: Lan, kind: DaemonKind, v: Variant, windowS: number): Promise<{ jitter: JitterResult; kill: KillResult }> {
  const cap = await lan.capture();
  const s = new Session(lan, kind, v);
  try {
    const { a } = await s.bringUp();
    calibrate();
    const w0 = wall();
    await sleep(windowS * 1000);
    const w1 = wall();
    // the kill follows one of a's adverts as closely as the capture lets us see it, so kill → takeover is
    // close to the master-down interval instead of anywhere in it minus one advert interval
    const seen = vrrpAdverts(cap).filter((x) => isA(lan, x)).length;
    calibrate();
    await until('a fresh advert of a', 3000 * v.advertS + 2000, () => (vrrpAdverts(cap).filter((x) => isA(lan, x)).length > seen ? true : undefined), 2);
    const killAt = wall();
    a.kill9();
    const found = await until('advert and gratuitous ARP from b after the kill', v.masterDownMs + 5000, () => {
      const frames = cap.frames();
      const firstB = adverts(frames).find((x) => x.vrid === VRID && x.at > killAt && x.srcMac === lan.node('b').mac && x.priority === PRIO_B);
      const garp = announcements(frames).find((x) => x.at > killAt && x.kind === 'arp' && x.srcMac === lan.node('b').mac && x.address === VIP);
      return firstB && garp ? { firstB, garp } : undefined;
    });
    const ads = vrrpAdverts(cap);
    const fromA = ads.filter((x) => isA(lan, x) && x.priority === PRIO_A);
    const lastA = fromA.filter((x) => x.at <= killAt).at(-1);
    if (!lastA) throw new Error('no advert of a before the kill');
    const inWindow = fromA.filter((x) => x.at >= w0 && x.at <= w1).map((x) => x.at);
    const intervals = inWindow.slice(1).map((t, i) => t - inWindow[i]!);
    if (intervals.length < 2) throw new Error(`${inWindow.length} adverts of a in the ${windowS} s window`);
    const want = v.advertS * 1000;
    return {
      jitter: {
        count: intervals.length,
        median: median(intervals),
        p99: percentile(intervals, 99),
        maxDev: Math.max(...intervals.map((x) => Math.abs(x - want))),
        stddev: stddev(intervals),
        backupAdverts: ads.filter((x) => isB(lan, x) && x.at >= w0 && x.at <= killAt).length,
      },
      kill: {
        killToAdvert: found.firstB.at - killAt,
        killToGarp: found.garp.at - killAt,
        advertToGarp: found.garp.at - found.firstB.at,
        lastAdvertToAdvert: found.firstB.at - lastA.at,
        phase: killAt - lastA.at,
      },
    };
  } finally {
    await s.tearDown();
    await cap.stop();
  }
}

async function termSession(lan: Lan, kind: DaemonKind, v: Variant): Promise<TermResult> {
  const cap = await lan.capture();
  const s = new Session(lan, kind, v);
  try {
    const { a } = await s.bringUp();
    await sleep(Math.random() * v.advertS * 1000);
    calibrate();
    const termAt = wall();
    a.signal('SIGTERM');
    const exit = a.exited.then((code) => ({ code, at: wall() }));
    const found = await until('priority-0 advert from a and an advert from b after SIGTERM', v.skewMs + v.masterDownMs + 5000, () => {
      const ads = vrrpAdverts(cap).filter((x) => x.at > termAt);
      const zero = ads.find((x) => isA(lan, x) && x.priority === 0);
      const firstB = ads.find((x) => isB(lan, x) && x.priority === PRIO_B);
      return zero && firstB ? { zero, firstB } : undefined;
    });
    const timeout = sleep(10_000).then(() => undefined);
    const exited = await Promise.race([exit, timeout]);
    if (!exited) throw new Error('a did not exit within 10 s of SIGTERM');
    return {
      termToZero: found.zero.at - termAt,
      termToAdvert: found.firstB.at - termAt,
      zeroToAdvert: found.firstB.at - found.zero.at,
      termToExit: exited.at - termAt,
      exitCode: exited.code,
    };
  } finally {
    await s.tearDown();
    await cap.stop();
  }
}

/** Each session gets a second attempt, so one bad start (a loaded machine) does not cost a run; errors are kept. */
async function oneRun(lan: Lan, kind: DaemonKind, v: Variant, run: number, windowS: number): Promise<RunResult> {
  const r: RunResult = { variant: v.id, kind, run, errors: [] };
  for (let attempt = 1; attempt <= 2 && !r.kill; attempt++) {
    try {
      const k = await killSession(lan, kind, v, windowS);
      r.jitter = k.jitter;
      r.kill = k.kill;
    } catch (e) {
      r.errors.push(`kill session, attempt ${attempt}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  for (let attempt = 1; attempt <= 2 && !r.term; attempt++) {
    try {
      r.term = await termSession(lan, kind, v);
    } catch (e) {
      r.errors.push(`stop session, attempt ${attempt}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  return r;
}

// ---------------------------------------------------------------- report

const f1 = (x: number): string => (!Number.isFinite(x) ? 'n/a' : Math.abs(x) >= 100 ? x.toLocaleString('en-US', { maximumFractionDigits: 0 }) : x.toFixed(1));
const f2 = (x: number): string => (!Number.isFinite(x) ? 'n/a' : x.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 }));

interface Row {
  label: string;
  expected: string;
  get: (r: RunResult) => number | undefined;
  fmt: (x: number) => string;
  /** A ratio says nothing (values near zero). */
  noRatio?: boolean;
}

function rows(v: Variant): Row[] {
  const adv = v.advertS * 1000;
  const md = v.masterDownMs;
  return [
    { label: 'kill -9 → b\'s first advert as master', expected: `≈${f1(md)}`, get: (r) => r.kill?.killToAdvert, fmt: f1 },
    { label: 'kill -9 → b\'s first gratuitous ARP', expected: `≈${f1(md)}`, get: (r) => r.kill?.killToGarp, fmt: f1 },
    { label: 'a\'s last advert → b\'s first advert', expected: f1(md), get: (r) => r.kill?.lastAdvertToAdvert, fmt: f1 },
    { label: '(a\'s last advert → kill)', expected: 'small', get: (r) => r.kill?.phase, fmt: f1, noRatio: true },
    { label: 'b\'s first advert → its first gratuitous ARP', expected: '≈0', get: (r) => r.kill?.advertToGarp, fmt: f2 },
    { label: 'SIGTERM → a\'s priority-0 advert', expected: '≈0', get: (r) => r.term?.termToZero, fmt: f2 },
    { label: 'SIGTERM → b\'s first advert as master', expected: `≈${f1(v.skewMs)}`, get: (r) => r.term?.termToAdvert, fmt: f1 },
    { label: 'priority-0 advert → b\'s first advert', expected: f1(v.skewMs), get: (r) => r.term?.zeroToAdvert, fmt: f1 },
    { label: 'SIGTERM → a exited', expected: '', get: (r) => r.term?.termToExit, fmt: f1 },
    { label: 'advert interval, median', expected: f1(adv), get: (r) => r.jitter?.median, fmt: f2 },
    { label: 'advert interval, p99', expected: f1(adv), get: (r) => r.jitter?.p99, fmt: f2 },
    { label: 'advert interval, max deviation from advert_int', expected: '0', get: (r) => r.jitter?.maxDev, fmt: f2 },
    { label: 'advert interval, stddev', expected: '0', get: (r) => r.jitter?.stddev, fmt: f2 },
  ];
}

function cell(xs: number[], fmt: (x: number) => string, runs = xs.length): string {
  const of = xs.length < runs ? ` [${xs.length}/${runs}]` : '';
  if (xs.length === 0) return 'n/a';
  if (xs.length === 1) return fmt(xs[0]!) + of;
  return `${fmt(median(xs))} (${fmt(Math.min(...xs))}–${fmt(Math.max(...xs))})${of}`;
}

function values(results: RunResult[], v: Variant, kind: DaemonKind, row: Row): number[] {
  return results.filter((r) => r.variant === v.id && r.kind === kind).map(row.get).filter((x): x is number => x !== undefined && Number.isFinite(x));
}

function table(results: RunResult[], v: Variant, kinds: DaemonKind[]): void {
  const mine = results.filter((r) => r.variant === v.id);
  const runs = (k: DaemonKind) => mine.filter((r) => r.kind === k).length;
  console.log(`\n${v.title}; master-down ${f1(v.masterDownMs)} ms, skew ${f1(v.skewMs)} ms; ms, median (min–max) of ${kinds.map((k) => `${runs(k)} ${k}`).join(' / ')} runs\n`);
  const header = ['measure', 'expected', ...kinds, ...(kinds.length === 2 ? [`${kinds[0]}/${kinds[1]}`] : [])];
  const body = rows(v).map((row) => {
    const cols = kinds.map((k) => values(results, v, k, row));
    const ratio = kinds.length === 2 && !row.noRatio ? median(cols[0]!) / median(cols[1]!) : NaN;
    return [row.label, row.expected, ...cols.map((c, i) => cell(c, row.fmt, runs(kinds[i]!))), ...(kinds.length === 2 ? [Number.isFinite(ratio) ? `${ratio.toFixed(2)}x` : ''] : [])];
  });
  const w = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cols: string[]) => `| ${cols.map((c, i) => (i === 0 ? c.padEnd(w[i]!) : c.padStart(w[i]!))).join(' | ')} |`;
  console.log(line(header));
  console.log(`|${w.map((n, i) => (i === 0 ? '-'.repeat(n + 2) : `${'-'.repeat(n + 1)}:`)).join('|')}|`);
  for (const b of body) console.log(line(b));
  const counts = kinds.map((k) => `${k} ${cell(values(results, v, k, { label: '', expected: '', get: (r) => r.jitter?.count, fmt: (x) => x.toFixed(0) }), (x) => x.toFixed(0))}`);
  console.log(`intervals per run: ${counts.join(', ')}`);
  for (const r of mine) {
    for (const e of r.errors) console.log(`note: ${r.kind} run ${r.run}: ${e.split('\n')[0]}`);
    if (r.jitter && r.jitter.backupAdverts > 0) console.log(`note: ${r.kind} run ${r.run}: b sent ${r.jitter.backupAdverts} adverts while a was master`);
    if (r.term && r.term.exitCode !== 0) console.log(`note: ${r.kind} run ${r.run}: a exited with ${r.term.exitCode} after SIGTERM`);
  }
}

// ---------------------------------------------------------------- main

function preflight(kinds: DaemonKind[]): void {
  if (process.getuid?.() !== 0) throw new Error('needs root (network namespaces, tcpdump)');
  if (spawnSync('tcpdump', ['--version'], { stdio: 'ignore' }).status !== 0) throw new Error('tcpdump not found');
  if (kinds.includes('keepalived') && !existsSync(KEEPALIVED)) throw new Error(`${KEEPALIVED} not found`);
  const main = join(ROOT, 'dist', 'src', 'cli', 'main.js');
  if (kinds.includes('ours') && !existsSync(main)) throw new Error(`${main} not found: build first (npx tsc -p tsconfig.json)`);
}

async function main(): Promise<void> {
  const { values: o } = parseArgs({
    options: {
      runs: { type: 'string', default: '5' },
      variants: { type: 'string', default: 'v2,v3' },
      kinds: { type: 'string', default: 'ours,keepalived' },
      'window-v2': { type: 'string', default: '20' },
      'window-v3': { type: 'string', default: '10' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (o.help) {
    console.log('usage: node dist/bench/vrrp-failover.js [--runs 5] [--variants v2,v3] [--kinds ours,keepalived]\n' +
      '                                        [--window-v2 20] [--window-v3 10] [--json]');
    return;
  }
  const runs = Number(o.runs);
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs: a positive integer, not ${o.runs}`);
  const variants = o.variants.split(',').map((x) => {
    const v = VARIANTS[x as 'v2' | 'v3'];
    if (!v) throw new Error(`--variants: v2 and/or v3, not ${x}`);
    return v;
  });
  const kinds = o.kinds.split(',').map((x) => {
    if (x !== 'ours' && x !== 'keepalived') throw new Error(`--kinds: ours and/or keepalived, not ${x}`);
    return x as DaemonKind;
  });
  const windows: Record<Variant['id'], number> = { v2: Number(o['window-v2']), v3: Number(o['window-v3']) };
  for (const [k, s] of Object.entries(windows)) if (!(s > 0)) throw new Error(`--window-${k}: seconds > 0`);
  preflight(kinds);

  const lan = Lan.create('vfo', 2);
  let removed = false;
  const remove = () => {
    if (!removed) lan.remove();
    removed = true;
  };
  // Ctrl-C: daemons run in their own process groups, so only this process can end them
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(sig, () => {
      remove();
      process.exit(130);
    });
  }
  process.on('exit', remove);

  const started = Date.now();
  const loadBefore = loadavg();
  console.error(`vrrp-failover: ${variants.map((v) => v.id).join(', ')} × ${kinds.join(', ')}, ${runs} runs each; LAN ${lan.hub} + ${lan.nodes.map((n) => n.ns).join(', ')}`);
  const results: RunResult[] = [];
  try {
    for (const v of variants) {
      for (let run = 1; run <= runs; run++) {
        // kinds alternate within a run, so a busy spell of the machine hits both
        for (const kind of run % 2 === 1 ? kinds : [...kinds].reverse()) {
          const r = await oneRun(lan, kind, v, run, windows[v.id]);
          results.push(r);
          console.error(`${v.id} ${kind} run ${run}/${runs}: kill→advert ${f1(r.kill?.killToAdvert ?? NaN)}, last advert→advert ${f1(r.kill?.lastAdvertToAdvert ?? NaN)}, ` +
            `SIGTERM→prio 0 ${f2(r.term?.termToZero ?? NaN)}, →advert ${f1(r.term?.termToAdvert ?? NaN)}, interval stddev ${f2(r.jitter?.stddev ?? NaN)} ms` +
            (r.errors.length ? `; ${r.errors.join('; ')}` : ''));
        }
      }
    }
  } finally {
    await lan.stopAll();
    remove();
  }
  const load = (l: number[]) => l.map((x) => x.toFixed(1)).join(' ');
  console.log(`vrrp-failover: ${new Date().toISOString()}, ${Math.round((Date.now() - started) / 1000)} s, ${cpus().length} CPUs, load average ${load(loadBefore)} before, ${load(loadavg())} after`);
  console.log(`a priority ${PRIO_A} (master), b ${PRIO_B}, VIP ${VIP}, tcpdump on the bridge`);
  for (const v of variants) table(results, v, kinds);
  console.log('\nratios are ours / keepalived. Expected values are RFC 3768 / 5798 intervals for the priority-100 backup;');
  console.log('the kill follows a seen advert of a, so kill → takeover is master-down minus that small gap.');
  if (o.json) console.log(JSON.stringify({ runs, windows, results }, (_k, x: unknown) => (typeof x === 'number' ? Math.round(x * 1000) / 1000 : x), 2));
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.stack : e);
  process.exitCode = 1;
});
