// The whole daemon at 10,000 real servers, keepalived 2.2.7 next to ours, in the real kernel (User-Mode
// Linux): memory of all its processes at rest, and what a one-line change (one weight) costs on SIGHUP.
//
//   node dist/bench/daemon-reload.js [--vs 1000] [--rs 10] [--runs 2] [--reloads 3] [--json]
//   node dist/bench/daemon-reload.js --render SAVED   (the table again from a saved --json stdout)
//
// One UML boot. Each run gives each daemon (the order alternates between runs) a fresh network namespace
// with a dummy eth0 and a "trial": this file again, with --trial, inside the namespace. The daemon runs
// as in production, every process (keepalived: `keepalived -n -l -G -f FILE -p -r -c`; ours: `node
// dist/src/cli/main.js` with the same flags): parent, VRRP child (one instance, MASTER on eth0) and checker
// child with bench/ipvs-gen.ts's table (no checkers, so the table is stable). The trial measures
//   1. start-up: spawn -> every real server in the kernel, -> "Startup complete";
//   2. at rest: VmRSS and PSS summed over the process tree, CPU, over a window after start-up, and the
//      IPVS requests the daemon sends meanwhile (an nlmon tap; ours re-syncs the table periodically);
//   3. one weight changed (the file renamed into place, SIGHUP to the parent): -> the kernel has the
//      weight (a one-service netlink dump), -> the parent logs "Reload complete"; repeated; the last
//      reload again with the nlmon tap counting IPVS requests (ipvs-program.ts's `captured`);
//   4. memory again after the reloads; stop (SIGTERM -> every process gone).
// Memory under check load is bench/check-load.ts's job (1,000 / 5,000 TCP_CHECKs, 500 MISC_CHECKs at
// delay_loop 1). Nothing asserts on timings.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { renderSaved, runIfMain, UML_BENCH_OPTIONS } from './uml-bench-cli.js';
import { generateIpvsConfig, rsAddrOf, RS_PORT, weightOf, type IpvsBenchShape } from './ipvs-gen.js';
import {
  CAPTURE_PY, captured, ENTRY_LOG, fmtMs, fmtNum, fmtRatio, mark, median, now, pollDelay, readProcIpvs, serviceKey, sleep, stripStamp, writeAtomic,
  type Capture,
} from './ipvs-program.js';
import { readMem, TICKS_PER_S, tree, treeTicks } from './proc-sample.js';
import { IpvsClient } from '../src/netlink/ipvs-client.js';
import { DEFAULT_MODULES, runInUml } from '../src/lab/uml.js';
import { shq } from '../src/lab/shell.js';

const HERE = dirname(fileURLToPath(import.meta.url)); // dist/bench
const ROOT = resolve(HERE, '..', '..');
const CLI_JS = join(ROOT, 'dist', 'src', 'cli', 'main.js');
const SELF_JS = fileURLToPath(import.meta.url);

/** After start-up: let the JIT, the first re-sync passes and start-up garbage settle before measuring. */
const SETTLE_MS = 5000;
/** At-rest window: memory sampled every REST_SAMPLE_MS, CPU over the whole window. */
const REST_WINDOW_MS = 10_000;
const REST_SAMPLE_MS = 2000;
/** At-rest nlmon window: IPVS requests the daemon sends with nothing to do. */
const REST_CAPTURE_MS = 20_000;
/** Between reloads: the previous reload's tail (ours' pass after it, keepalived's children) ends. */
const RELOAD_GAP_MS = 2000;
/** After "Reload complete", the tap runs this much longer for requests still in flight. */
const CAPTURE_GRACE_MS = 2000;

/** The VRRP side: one instance, MASTER at once, on a dummy eth0 (adverts go nowhere). */
const VRRP = { dev: 'eth0', addr: '10.7.0.1/24', vip: '10.7.0.100/24', vrid: 51 };

export function daemonReloadConfig(shape: IpvsBenchShape, override?: { vs: number; rs: number; weight: number }): string {
  const lvs = generateIpvsConfig(shape, override);
  const at = lvs.indexOf('virtual_server ');
  const vrrp = [
    'vrrp_instance VI_1 {',
    '    state MASTER',
    `    interface ${VRRP.dev}`,
    `    virtual_router_id ${VRRP.vrid}`,
    '    priority 150',
    '    advert_int 1',
    '    virtual_ipaddress {',
    `        ${VRRP.vip}`,
    '    }',
    '}',
    '',
    '',
  ].join('\n');
  return lvs.slice(0, at) + vrrp + lvs.slice(at);
}

// ---------------------------------------------------------------- trial (inside UML, inside a namespace)

type Daemon = 'keepalived' | 'ours';
type Role = 'parent' | 'vrrp' | 'checker' | 'other';

interface ProcMem {
  pid: number;
  role: Role;
  rssKb: number;
  pssKb: number;
}

interface MemSample {
  rssKb: number;
  pssKb: number;
  procs: ProcMem[];
}

interface ReloadTiming {
  /** SIGHUP -> the new weight in the kernel */
  kernelMs: number;
  /** SIGHUP -> "Reload complete" in the parent's log */
  completeMs: number;
  /** lines about kernel entries the daemon logged in it */
  entryLines: number;
  /** when each log line of the reload was first seen (at the poll's resolution), ms after SIGHUP */
  timeline: { ms: number; line: string }[];
}

export interface TrialResult {
  daemon: Daemon;
  virtualServers: number;
  realServersPerVs: number;
  ok: boolean;
  error?: string;
  /** spawn -> every service and real server in the kernel */
  programmedMs: number;
  /** spawn -> "Startup complete" */
  startupMs: number;
  /** spawn -> "(VI_1) Entering MASTER STATE" */
  masterMs: number;
  /** at rest: the last sample of the window, and the largest sum among the samples */
  rest?: MemSample;
  restRssPeakKb: number;
  /** CPU of the whole tree over the rest window and the capture after it, % of one CPU */
  restCpuPct: number;
  /** IPVS requests over REST_CAPTURE_MS at rest */
  restCapture?: Capture;
  restCaptureMs: number;
  reloads: ReloadTiming[];
  /** the last reload, timed while the nlmon tap ran */
  capturedReload?: ReloadTiming;
  capture?: Capture;
  reloadLogSample: string[];
  afterReloads?: MemSample;
  /** SIGTERM -> every process of the tree gone */
  stopMs: number;
  leftDests: number;
  logTail?: string[];
}

interface TrialOptions {
  daemon: Daemon;
  shape: IpvsBenchShape;
  reloads: number;
  work: string;
  out: string;
  keepalived: string;
  capture: string;
}

class TrialFailure extends Error {}

function pssKbOf(pid: number): number {
  try {
    const m = /^Pss:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'));
    return m ? Number(m[1]) : NaN;
  } catch {
    return NaN;
  }
}

function readPidFile(path: string): number | undefined {
  try {
    const n = Number.parseInt(readFileSync(path, 'utf8').trim(), 10);
    return Number.isInteger(n) ? n : undefined;
  } catch {
    return undefined;
  }
}

async function trial(o: TrialOptions): Promise<TrialResult> {
  const { shape, daemon } = o;
  const nVs = shape.virtualServers;
  const nRs = shape.realServersPerVs;
  const total = nVs * nRs;
  const lastVs = nVs - 1;
  const target = { vs: lastVs, rs: nRs - 1, addr: rsAddrOf(shape, lastVs, nRs - 1) };
  const r: TrialResult = {
    daemon, virtualServers: nVs, realServersPerVs: nRs, ok: false, programmedMs: NaN, startupMs: NaN, masterMs: NaN,
    restRssPeakKb: NaN, restCpuPct: NaN, restCaptureMs: NaN, reloads: [], reloadLogSample: [], stopMs: NaN, leftDests: NaN,
  };
  mkdirSync(o.work, { recursive: true });
  const conf = join(o.work, 'keepalived.conf');
  const logPath = join(o.work, 'daemon.log');
  const pidFiles = { parent: join(o.work, 'daemon.pid'), vrrp: join(o.work, 'vrrp.pid'), checker: join(o.work, 'checkers.pid') };
  writeFileSync(conf, daemonReloadConfig(shape));
  const ipvs = new IpvsClient({ timeoutMs: 10_000 });
  const familyId = await ipvs.familyId();
  if (readProcIpvs().services !== 0) throw new TrialFailure('namespace not empty');

  let polls = 0;
  const targetWeight = async (): Promise<number | undefined> => {
    polls++;
    return (await ipvs.listDests(serviceKey(lastVs))).find((d) => d.addr === target.addr && d.port === RS_PORT)?.weight;
  };
  const logText = (from = 0) => {
    try {
      return readFileSync(logPath, 'utf8').slice(from);
    } catch {
      return '';
    }
  };
  const logSize = () => {
    try {
      return statSync(logPath).size;
    } catch {
      return 0;
    }
  };

  const common = ['-n', '-l', '-G', '-f', conf, '-p', pidFiles.parent, '-r', pidFiles.vrrp, '-c', pidFiles.checker];
  const argv = daemon === 'keepalived' ? [o.keepalived, ...common] : [process.execPath, CLI_JS, ...common];
  mark(`spawning ${daemon}`);
  const logFd = openSync(logPath, 'w');
  const t0 = now();
  const child: ChildProcess = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', logFd, logFd] });
  closeSync(logFd);
  let exitedAt = NaN;
  const exited = new Promise<void>((res) => {
    child.on('exit', () => {
      exitedAt = now();
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
  const roleOf = (p: number): Role => {
    if (p === pid) return 'parent';
    if (p === readPidFile(pidFiles.vrrp)) return 'vrrp';
    if (p === readPidFile(pidFiles.checker)) return 'checker';
    return 'other';
  };
  const memory = (): MemSample => {
    const procs: ProcMem[] = [];
    for (const s of tree(pid)) {
      const m = readMem(s.pid);
      if (!m) continue;
      procs.push({ pid: s.pid, role: roleOf(s.pid), rssKb: m.rssKb, pssKb: pssKbOf(s.pid) });
    }
    return { procs, rssKb: procs.reduce((a, p) => a + p.rssKb, 0), pssKb: procs.reduce((a, p) => a + p.pssKb, 0) };
  };

  try {
    // ---- 1. start-up: every RS in the kernel (the last service full, then one full read), and the log line
    let programmed = false;
    let confirmReadMs = 0;
    for (const late = deadline(600_000); !(programmed && Number.isFinite(r.startupMs)); ) {
      if (!alive()) throw new TrialFailure('daemon exited during start-up');
      if (late()) throw new TrialFailure(`start-up incomplete after 600 s (programmed ${programmed}, "Startup complete" ${Number.isFinite(r.startupMs)})`);
      if (!Number.isFinite(r.startupMs) && logText().includes('Startup complete')) r.startupMs = now() - t0;
      if (!programmed && readProcIpvs().services > 0 && (await ipvs.listDests(serviceKey(lastVs))).length === nRs) {
        const seen = now();
        const c = readProcIpvs();
        confirmReadMs = c.ms;
        if (c.services === nVs && c.dests === total) {
          programmed = true;
          r.programmedMs = seen - t0;
        }
      }
      await sleep(pollDelay(t0, confirmReadMs * 10));
    }
    for (const late = deadline(15_000); !late() && alive(); await sleep(50)) {
      if (logText().includes('Entering MASTER STATE')) {
        r.masterMs = now() - t0;
        break;
      }
    }
    mark(`started: programmed ${r.programmedMs.toFixed(0)} ms, Startup complete ${r.startupMs.toFixed(0)} ms`);

    // ---- 2. at rest
    await sleep(SETTLE_MS);
    const ticks = () => treeTicks(tree(pid));
    const c0 = ticks();
    const w0 = now();
    let peak = 0;
    for (;;) {
      r.rest = memory();
      peak = Math.max(peak, r.rest.rssKb);
      if (now() - w0 >= REST_WINDOW_MS) break;
      await sleep(REST_SAMPLE_MS);
    }
    r.restRssPeakKb = peak;
    // ours re-syncs every max(5 s, 20 × a pass): the CPU window is long enough to hold at least one pass
    if (o.capture) {
      const tc = now();
      r.restCapture = await captured(o.capture, familyId, async () => {
        await sleep(REST_CAPTURE_MS);
        return 0;
      });
      r.restCaptureMs = now() - tc;
    } else {
      await sleep(REST_CAPTURE_MS);
    }
    r.restCpuPct = ((ticks() - c0) / TICKS_PER_S / ((now() - w0) / 1000)) * 100;
    mark(`at rest: RSS ${(r.rest.rssKb / 1024).toFixed(1)} MB, PSS ${(r.rest.pssKb / 1024).toFixed(1)} MB`);

    // ---- 3. reloads: one weight each time, alternating between original+10 and the original
    const original = weightOf(target.vs, target.rs);
    let current = original;
    const reloadOnce = async (): Promise<ReloadTiming> => {
      const weight = current === original ? original + 10 : original;
      writeAtomic(conf, daemonReloadConfig(shape, { vs: target.vs, rs: target.rs, weight }));
      const from = logSize();
      const t = now();
      child.kill('SIGHUP');
      let kernelMs = NaN;
      let completeMs = NaN;
      const timeline: ReloadTiming['timeline'] = [];
      let seenLines = 0;
      for (const late = deadline(600_000); !(Number.isFinite(kernelMs) && Number.isFinite(completeMs)); ) {
        if (!alive()) throw new TrialFailure('daemon exited during a reload');
        if (late()) throw new TrialFailure(`reload to weight ${weight} incomplete 600 s after SIGHUP`);
        const text = logText(from);
        const whole = text.slice(0, text.lastIndexOf('\n') + 1).split('\n').slice(0, -1);
        for (const l of whole.slice(seenLines)) timeline.push({ ms: now() - t, line: stripStamp(l) });
        seenLines = Math.max(seenLines, whole.length);
        if (!Number.isFinite(completeMs) && text.includes('Reload complete')) completeMs = now() - t;
        if (!Number.isFinite(kernelMs) && (await targetWeight()) === weight) kernelMs = now() - t;
        await sleep(pollDelay(t));
      }
      current = weight;
      const lines = logText(from).split('\n');
      if (r.reloadLogSample.length === 0) r.reloadLogSample = lines.filter((l) => l.trim() !== '').slice(0, 16).map(stripStamp);
      return { kernelMs, completeMs, entryLines: lines.filter((l) => ENTRY_LOG.test(l)).length, timeline };
    };
    for (let i = 0; i < o.reloads; i++) {
      const t = await reloadOnce();
      r.reloads.push(t);
      mark(`reload ${i + 1}: kernel ${t.kernelMs.toFixed(0)} ms, complete ${t.completeMs.toFixed(0)} ms`);
      await sleep(RELOAD_GAP_MS);
    }
    if (o.capture) {
      r.capture = await captured(o.capture, familyId, async () => {
        const before = polls;
        r.capturedReload = await reloadOnce();
        const mine = polls - before;
        await sleep(CAPTURE_GRACE_MS);
        return mine;
      });
      mark(`captured reload: ${JSON.stringify(r.capture.byCmd)}`);
    }
    r.afterReloads = memory();

    // ---- 4. stop: every process of the tree gone (keepalived's parent waits for its children)
    const members = tree(pid).map((s) => s.pid);
    const ts = now();
    child.kill('SIGTERM');
    const live = () =>
      members.filter((p) => {
        try {
          return !/^State:\s+Z/m.test(readFileSync(`/proc/${p}/status`, 'utf8'));
        } catch {
          return false;
        }
      });
    for (const late = deadline(120_000); ; await sleep(pollDelay(ts))) {
      // a zombie is gone for this purpose; the parent counts once this process has seen it exit
      const left = live();
      if (left.length === 0 && !alive()) {
        r.stopMs = now() - ts;
        break;
      }
      if (late()) throw new TrialFailure(`still running 120 s after SIGTERM: ${left.join(' ')}`);
    }
    r.leftDests = readProcIpvs().dests;
    r.ok = true;
  } catch (e) {
    r.error = e instanceof Error ? e.message : String(e);
  } finally {
    // whatever is left of the tree goes, by pid
    for (const s of alive() ? tree(pid) : []) {
      try {
        process.kill(s.pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    if (alive()) await exited;
    ipvs.close();
    spawnSync('ipvsadm', ['-C']);
    if (!r.ok) r.logTail = logText().split('\n').slice(-30);
  }
  return r;
}

async function trialMain(v: Record<string, string | boolean | undefined>): Promise<void> {
  const o: TrialOptions = {
    daemon: v.daemon === 'keepalived' ? 'keepalived' : 'ours',
    shape: { virtualServers: Number(v.vs), realServersPerVs: Number(v.rs) },
    reloads: Math.max(1, Number(v.reloads)),
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
  process.exit(0);
}

// ---------------------------------------------------------------- host side

function umlScript(runs: number, shape: IpvsBenchShape, reloads: number, hostDir: string, keepalived: string, capture: boolean): string {
  const trials: string[] = [];
  for (let run = 1; run <= runs; run++) {
    // the order alternates, so a slow spell of the host does not always hit the same daemon
    const order = run % 2 === 1 ? (['keepalived', 'ours'] as const) : (['ours', 'keepalived'] as const);
    for (const d of order) trials.push(`trial ${run} ${d}`);
  }
  const conf = `${hostDir}/warm.conf`;
  return String.raw`
set -u
H=${shq(hostDir)}
progress() { echo "$(date +%T) $*" >> "$H/progress"; }
# Page cache first (hostfs): node, our dist/, keepalived, python. Not timed.
node ${shq(CLI_JS)} -t -f ${shq(conf)} > /dev/null 2>&1 || true
${shq(keepalived)} -t -f ${shq(conf)} > /dev/null 2>&1 || true
python3 -c 0 || true
trial() {
  local run=$1 d=$2 ns=kdr-$1-$2 id=$1-$2
  mkdir -p "$LAB_TMP/$id"
  ip netns add "$ns" && ip -n "$ns" link set lo up || { progress "netns $ns failed"; return; }
  # a dummy link has no MULTICAST flag, and keepalived disables an instance on such a link
  ip -n "$ns" link add ${VRRP.dev} type dummy && ip -n "$ns" link set ${VRRP.dev} multicast on && ip -n "$ns" addr add ${VRRP.addr} dev ${VRRP.dev} && ip -n "$ns" link set ${VRRP.dev} up
  progress "start run $run $d"
  ip netns exec "$ns" node ${shq(SELF_JS)} --trial --daemon "$d" --vs ${shape.virtualServers} --rs ${shape.realServersPerVs} --reloads ${reloads} \
    --work "$LAB_TMP/$id" --out "$LAB_OUT/trial-$id.json" --keepalived ${shq(keepalived)} \
    ${capture ? '--capture "$LAB_TMP/capture.py"' : ''} > "$LAB_OUT/trial-$id.err" 2>&1
  progress "done  run $run $d (rc $?)"
  ip netns del "$ns"
  rm -rf "$LAB_TMP/$id"
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
const roleKb = (m: MemSample | undefined, role: Role, key: 'rssKb' | 'pssKb') =>
  m ? m.procs.filter((p) => p.role === role).reduce((a, p) => a + p[key], 0) : NaN;
const capOk = (c: Capture | undefined) => c !== undefined && c.error === undefined;

/** label, value of one trial (NaN = not measured), format, ratio shown */
const ROWS: [string, (r: TrialResult) => number, Fmt, boolean][] = [
  ['start-up: spawn -> every RS in the kernel, ms', (r) => r.programmedMs, fmtMs, true],
  ['start-up: spawn -> "Startup complete", ms', (r) => r.startupMs, fmtMs, true],
  ['start-up: spawn -> "(VI_1) Entering MASTER STATE", ms', (r) => r.masterMs, fmtMs, true],
  ['processes at rest', (r) => r.rest?.procs.length ?? NaN, INT, false],
  ['RSS at rest, all processes, MB', (r) => r.rest?.rssKb ?? NaN, MB, true],
  ['  parent', (r) => roleKb(r.rest, 'parent', 'rssKb'), MB, true],
  ['  VRRP child', (r) => roleKb(r.rest, 'vrrp', 'rssKb'), MB, true],
  ['  checker child', (r) => roleKb(r.rest, 'checker', 'rssKb'), MB, true],
  ['  highest sum in the window, MB', (r) => r.restRssPeakKb, MB, true],
  ['PSS at rest, all processes, MB', (r) => r.rest?.pssKb ?? NaN, MB, true],
  [`CPU at rest (${(REST_WINDOW_MS + REST_CAPTURE_MS) / 1000} s), % of one CPU`, (r) => r.restCpuPct, (x) => fmtNum(x, 1), false],
  [`IPVS writes at rest in ${REST_CAPTURE_MS / 1000} s (nlmon)`, (r) => (capOk(r.restCapture) ? r.restCapture!.writes : NaN), INT, false],
  [`IPVS reads at rest in ${REST_CAPTURE_MS / 1000} s (nlmon)`, (r) => (capOk(r.restCapture) ? r.restCapture!.reads : NaN), INT, false],
  ['reload: SIGHUP -> weight in the kernel, ms', (r) => median(r.reloads.map((x) => x.kernelMs)), fmtMs, true],
  ['reload: SIGHUP -> "Reload complete", ms', (r) => median(r.reloads.map((x) => x.completeMs)), fmtMs, true],
  ['  same two, nlmon tap running, ms', (r) => r.capturedReload?.kernelMs ?? NaN, fmtMs, true],
  ['  ', (r) => r.capturedReload?.completeMs ?? NaN, fmtMs, true],
  ['IPVS writes in that reload (nlmon)', (r) => (capOk(r.capture) ? r.capture!.writes : NaN), INT, false],
  ['IPVS reads in that reload (nlmon)', (r) => (capOk(r.capture) ? r.capture!.reads : NaN), INT, false],
  ['entry lines in the log per reload', (r) => median(r.reloads.map((x) => x.entryLines)), INT, false],
  ['RSS after the reloads, all processes, MB', (r) => r.afterReloads?.rssKb ?? NaN, MB, true],
  ['PSS after the reloads, all processes, MB', (r) => r.afterReloads?.pssKb ?? NaN, MB, true],
  ['stop: SIGTERM -> every process gone, ms', (r) => r.stopMs, fmtMs, true],
  ['  RS left in the kernel', (r) => r.leftDests, INT, false],
];

interface Saved {
  meta: string;
  shape: IpvsBenchShape;
  runs: number;
  reloads: number;
  timings: { bootMs: number; modulesMs: number; scriptMs: number };
  results: { keepalived: TrialResult[]; ours: TrialResult[] };
}

function report(s: Saved): void {
  const { shape } = s;
  console.log(s.meta);
  console.log(`UML: boot ${s.timings.bootMs} ms, modules ${s.timings.modulesMs} ms, whole batch ${(s.timings.scriptMs / 1000).toFixed(0)} s`);
  const okO = s.results.ours.filter((r) => r.ok);
  const okA = s.results.keepalived.filter((r) => r.ok);
  console.log(
    `\n${fmtNum(shape.virtualServers)} VS × ${shape.realServersPerVs} RS = ${fmtNum(shape.virtualServers * shape.realServersPerVs)} real servers, no checkers, one VRRP instance` +
      ` (good runs: ours ${okO.length}/${s.results.ours.length}, keepalived ${okA.length}/${s.results.keepalived.length}; medians over runs, reload times over ${s.reloads} reloads a run)`,
  );
  const header = ['measure', 'ours', 'keepalived', 'ours/ka'];
  const body = ROWS.map(([label, f, fmt, ratio]) => {
    const o = median(okO.map(f));
    const a = median(okA.map(f));
    return [label, fmt(o), fmt(a), ratio ? fmtRatio(o, a) : ''];
  });
  // the unnamed row continues the one above it
  for (let i = 1; i < body.length; i++) if (body[i]![0]!.trim() === '') body[i]![0] = '';
  const w = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (c: string[]) => `| ${c.map((x, i) => (i === 0 ? x.padEnd(w[i]!) : x.padStart(w[i]!))).join(' | ')} |`;
  console.log(line(header));
  console.log(`|${w.map((n, i) => (i === 0 ? '-'.repeat(n + 2) : `${'-'.repeat(n + 1)}:`)).join('|')}|`);
  for (const b of body) console.log(line(b));
  for (const [who, rs] of [['ours', s.results.ours], ['keepalived', s.results.keepalived]] as const) {
    for (const r of rs) {
      if (!r.ok) console.log(`note: ${who} run failed: ${r.error}${r.logTail ? `\n      log: ${r.logTail.filter(Boolean).slice(-4).join('\n      log: ')}` : ''}`);
      for (const c of [r.restCapture, r.capture]) {
        if (c?.error) console.log(`note: ${who} capture: ${c.error}`);
        if (c && c.drops > 0) console.log(`note: ${who} capture dropped ${c.drops} packets: counts are lower bounds`);
      }
    }
    const cmds = (c: Capture | undefined) => (c && capOk(c) ? Object.entries(c.byCmd).map(([k, n]) => `${k} ${fmtNum(n)}`).join(', ') || 'none' : 'n/a');
    const good = rs.filter((r) => r.ok);
    if (good.length > 0) {
      console.log(`IPVS requests of ${who} in the captured reload: ${good.map((r) => cmds(r.capture)).join(' / ')}`);
      console.log(`IPVS requests of ${who} at rest (${fmtNum(REST_CAPTURE_MS / 1000)} s): ${good.map((r) => cmds(r.restCapture)).join(' / ')}`);
      const first = good[0]!.reloads[0];
      if (first) console.log(`${who}'s first reload, log lines as first seen (ms after SIGHUP): ${first.timeline.map((x) => `${fmtMs(x.ms)} ${x.line}`).join(' | ')}`);
    }
  }
  console.log('\nratios are ours / keepalived: below 1.00x ours is smaller or faster. RSS counts pages shared between processes');
  console.log('once per process (node\'s binary thrice for ours); PSS splits them. UML has one CPU, which the poller shares.');
  console.log('Memory under check load: bench/check-load.ts.');
}

async function hostMain(v: Record<string, string | boolean | undefined>): Promise<void> {
  const shape: IpvsBenchShape = { virtualServers: Number(v.vs), realServersPerVs: Number(v.rs) };
  const runs = Math.max(1, Number(v.runs));
  const reloads = Math.max(1, Number(v.reloads));
  const keepalived = String(v.keepalived);
  const memMB = Number(v.mem);
  const capture = !v['no-capture'];
  if (!existsSync(keepalived)) throw new Error(`${keepalived} not found (apt-get install -y keepalived)`);
  if (!existsSync(CLI_JS)) throw new Error(`${CLI_JS} missing: run npx tsc -p tsconfig.json first`);
  daemonReloadConfig(shape); // bad sizes fail here, not inside the lab

  const hostDir = mkdtempSync(join(tmpdir(), 'kbench-reload-'));
  writeFileSync(join(hostDir, 'warm.conf'), daemonReloadConfig(shape));
  writeFileSync(join(hostDir, 'progress'), '');
  const started = Date.now();
  const load0 = loadavg();
  const rsTotal = shape.virtualServers * shape.realServersPerVs;
  const timeoutMs = v['timeout-min'] ? Number(v['timeout-min']) * 60_000 : 120_000 + runs * 2 * (120_000 + rsTotal * 30);
  console.error(`daemon-reload bench: ${fmtNum(shape.virtualServers)}×${shape.realServersPerVs}, ${runs} run(s), ${reloads} reloads each; one UML boot, ${memMB} MB`);
  let shown = 0;
  const tail = setInterval(() => {
    try {
      const text = readFileSync(join(hostDir, 'progress'), 'utf8');
      const end = text.lastIndexOf('\n') + 1;
      if (end > shown) process.stderr.write(text.slice(shown, end).replace(/^(?=.)/gm, '  '));
      shown = Math.max(shown, end);
    } catch {
      /* not yet */
    }
  }, 1000);
  let run;
  try {
    run = await runInUml(umlScript(runs, shape, reloads, hostDir, keepalived, capture), { memMB, timeoutMs, modules: [...DEFAULT_MODULES, 'nlmon?'] });
  } finally {
    clearInterval(tail);
    if (!v.keep) rmSync(hostDir, { recursive: true, force: true });
  }
  if (run.code !== 0) console.log(`note: the UML batch exited ${run.code}\n${run.output.split('\n').slice(-20).join('\n')}`);
  const results = { keepalived: [] as TrialResult[], ours: [] as TrialResult[] };
  for (let i = 1; i <= runs; i++) {
    for (const d of ['keepalived', 'ours'] as const) {
      const text = run.files[`trial-${i}-${d}.json`];
      const err = (run.files[`trial-${i}-${d}.err`] ?? '').split('\n').filter((l) => l.trim() !== '' && !/^\d+\.\d{3} /.test(l));
      if (err.length > 0) console.log(`trial stderr ${i}/${d}: ${err.slice(-3).join(' | ')}`);
      results[d].push(text === undefined ? ({ ok: false, error: 'no result (trial crashed or timed out)', daemon: d } as TrialResult) : (JSON.parse(text) as TrialResult));
    }
  }
  const la = (l: number[]) => l.map((x) => x.toFixed(1)).join(' ');
  const meta =
    `daemon-reload: ${new Date(started).toISOString()}, ${Math.round((Date.now() - started) / 1000)} s; host ${cpus().length} CPUs, ` +
    `load average ${la(load0)} before, ${la(loadavg())} after; UML 1 CPU, ${memMB} MB`;
  const saved: Saved = { meta, shape, runs, reloads, timings: run.timings, results };
  report(saved);
  if (v.keep) console.log(`configs and progress log kept in ${hostDir}`);
  // after the table, from a line that is just "{", so --render can find it in a saved stdout
  if (v.json) console.log(JSON.stringify(saved, null, 2));
}

function render(file: string): void {
  renderSaved<Saved>(file, report);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      ...UML_BENCH_OPTIONS,
      vs: { type: 'string', default: '1000' },
      runs: { type: 'string', default: '2' },
      reloads: { type: 'string', default: '3' },
    },
  });
  if (values.help) {
    console.log(
      'usage: node dist/bench/daemon-reload.js [--vs 1000] [--rs 10] [--runs 2] [--reloads 3] [--mem 1536] [--timeout-min N]\n' +
        '         [--keepalived PATH] [--no-capture] [--json] [--keep]\n' +
        '       node dist/bench/daemon-reload.js --render SAVED_STDOUT',
    );
    return;
  }
  if (values.render !== undefined) render(values.render);
  else if (values.trial) await trialMain(values);
  else await hostMain(values);
}

// daemon-reload.ts imports helpers from ipvs-program.ts: only a direct run is the bench.
runIfMain(import.meta.url, main);
