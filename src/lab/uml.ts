// The kernel lab: User-Mode Linux with the real ip_vs, for tests and for the demo (src/lab/demo.ts).
// Runs a bash batch script inside User-Mode Linux, whose kernel has IPVS, and hands the results back.
// One boot per test file: UML boot (~2 s) and node start-up inside (~1 s) are too slow to pay per case.
import { spawn } from 'node:child_process';
import { constants as fsc, rmSync } from 'node:fs';
import { access, chmod, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { umlInitScript } from './uml-init.js';
import { shq } from './shell.js';

export const SCHEDULER_MODULES = [
  'rr', 'wrr', 'lc', 'wlc', 'lblc', 'lblcr', 'dh', 'sh', 'sed', 'nq', 'fo', 'ovf', 'mh',
].map((s) => `ip_vs_${s}`);

/** ip_vs, every scheduler, and the link types lab topologies use. `?` = only if this kernel ships it. */
export const DEFAULT_MODULES: readonly string[] = [
  'ip_vs', ...SCHEDULER_MODULES, 'ip_vs_twos?', 'veth', 'bridge', 'dummy', 'ipip',
];

export interface UmlOptions {
  memMB?: number;
  timeoutMs?: number;
  modules?: readonly string[];
  /** extra environment for the script */
  env?: Record<string, string>;
  /** keep the lab directory (for debugging); also when KT_LAB_KEEP=1 */
  keep?: boolean;
  /** the UML kernel; default $KT_LINUX_UML or /usr/bin/linux.uml */
  binary?: string;
}

export interface UmlTimings {
  /** host spawn → init script running (kernel boot) */
  bootMs: number;
  /** loading the kernel modules */
  modulesMs: number;
  /** the batch script itself */
  scriptMs: number;
  /** script end → UML process gone */
  shutdownMs: number;
  totalMs: number;
}

export interface UmlResult {
  /** the batch script's exit code */
  code: number;
  /** the script's stdout and stderr, interleaved (kernel console noise excluded) */
  output: string;
  /** files the script left in $LAB_OUT, by path relative to it */
  files: Record<string, string>;
  /** modules loaded in the instance */
  modules: string[];
  timings: UmlTimings;
  /** the kernel console, for diagnosing a failed boot */
  console: string;
  /** set when the lab directory was kept */
  labDir?: string;
}

export class UmlLabError extends Error {
  override name = 'UmlLabError';
}
export class UmlMissingError extends UmlLabError {
  override name = 'UmlMissingError';
}
export class UmlBootError extends UmlLabError {
  override name = 'UmlBootError';
}
export class UmlTimeoutError extends UmlLabError {
  override name = 'UmlTimeoutError';
}
export class UmlScriptError extends UmlLabError {
  override name = 'UmlScriptError';
}

const CONSOLE_LIMIT = 256 * 1024;

export function umlBinary(): string {
  return process.env.KT_LINUX_UML ?? '/usr/bin/linux.uml';
}

async function requireUml(bin: string): Promise<string> {
  try {
    await access(bin, fsc.X_OK);
  } catch {
    throw new UmlMissingError(
      `${bin} not found or not executable: the kernel lab needs User-Mode Linux ` +
        `(apt-get install -y user-mode-linux kmod ipvsadm iproute2 keepalived)`,
    );
  }
  try {
    await access('/usr/lib/uml/modules', fsc.R_OK);
  } catch {
    throw new UmlMissingError('/usr/lib/uml/modules is missing: the user-mode-linux package ships the ip_vs modules there');
  }
  return bin;
}

/** Inside UML the host's PATH may lack sbin; node is found where this process's node lives. */
function insidePath(): string {
  const dirs = [dirname(process.execPath), '/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];
  return [...new Set(dirs)].join(':');
}

async function readOptional(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    return undefined;
  }
}

async function readTree(root: string, dir = root, into: Record<string, string> = {}): Promise<Record<string, string>> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) await readTree(root, p, into);
    else if (entry.isFile()) into[relative(root, p)] = await readFile(p, 'utf8');
  }
  return into;
}

/** True while any process of the group still exists. */
function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

/** UML runs each of its guest address spaces as a host helper process in the same group: end them all. */
function killGroup(pgid: number): void {
  try {
    process.kill(-pgid, 'SIGKILL');
  } catch {
    /* already gone */
  }
}

function epochMs(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const v = Number.parseFloat(text.trim().replace(',', '.'));
  return Number.isFinite(v) ? v * 1000 : undefined;
}

function tail(text: string, lines = 40): string {
  return text.split('\n').slice(-lines).join('\n');
}

/**
 * Boots UML with the host's root file system, loads ip_vs and friends, runs `script` with bash as root,
 * powers off. The script runs in $LAB_OUT (files it leaves there come back in `files`); $LAB_TMP is a
 * private tmpfs. Throws UmlMissingError / UmlBootError / UmlTimeoutError; a failing script is not an
 * error here: its exit code is returned.
 */
export async function runInUml(script: string, opts: UmlOptions = {}): Promise<UmlResult> {
  const bin = await requireUml(opts.binary ?? umlBinary());
  const memMB = opts.memMB ?? 512;
  const timeoutMs = opts.timeoutMs ?? 120_000;
  const keep = opts.keep ?? process.env.KT_LAB_KEEP === '1';
  const labDir = await mkdtemp(join(tmpdir(), 'kt-uml-'));
  const paths = {
    script: join(labDir, 'script.sh'),
    modprobeRoot: join(labDir, 'modprobe'),
    results: join(labDir, 'results'),
    out: join(labDir, 'out'),
  };
  const init = join(labDir, 'init.sh');
  if (!keep) labDirs.add(labDir);
  try {
    await Promise.all([mkdir(paths.results), mkdir(paths.out), mkdir(join(labDir, 'uml'))]);
    await writeFile(paths.script, script);
    await writeFile(
      init,
      umlInitScript({ paths, modules: opts.modules ?? DEFAULT_MODULES, path: insidePath(), env: opts.env ?? {} }),
    );
    await chmod(init, 0o755);

    const args = [
      `mem=${memMB}M`, 'rootfstype=hostfs', 'rootflags=/', 'rw', `init=${init}`,
      'con=null', 'con0=fd:0,fd:1', `uml_dir=${join(labDir, 'uml')}`, `umid=kt-${process.pid}-${labDir.slice(-6)}`,
    ];
    const started = Date.now();
    const { console: consoleText, timedOut } = await boot(bin, args, timeoutMs);
    const exited = Date.now();

    const r = (name: string) => readOptional(join(paths.results, name));
    const [booted, scriptStart, scriptEnd, rcText, output, initErr, modErr, modules] = await Promise.all([
      r('booted'), r('script-start'), r('script-end'), r('rc'), r('output'), r('init.err'), r('modules.err'), r('modules'),
    ]);
    const where = keep ? ` (lab dir kept: ${labDir})` : '';
    if (timedOut) {
      throw new UmlTimeoutError(
        `UML lab timed out after ${timeoutMs} ms (${booted ? 'booted' : 'never booted'}${scriptStart ? ', script started' : ''})${where}\n` +
          `--- script output (tail) ---\n${tail(output ?? '')}\n--- console (tail) ---\n${tail(consoleText)}`,
      );
    }
    if (booted === undefined) {
      throw new UmlBootError(`UML kernel did not boot into the init script${where}\n--- console (tail) ---\n${tail(consoleText)}`);
    }
    if (initErr !== undefined || rcText === undefined) {
      throw new UmlBootError(
        `UML lab init failed: ${initErr?.trim() ?? 'no exit code written'}${where}\n` +
          `${modErr ? `--- modprobe ---\n${modErr}\n` : ''}--- script output (tail) ---\n${tail(output ?? '')}\n` +
          `--- console (tail) ---\n${tail(consoleText)}`,
      );
    }
    const t0 = epochMs(booted) ?? started;
    const t1 = epochMs(scriptStart) ?? t0;
    const t2 = epochMs(scriptEnd) ?? exited;
    return {
      code: Number.parseInt(rcText.trim(), 10),
      output: output ?? '',
      files: await readTree(paths.out),
      modules: (modules ?? '').split('\n').filter(Boolean),
      timings: {
        bootMs: Math.round(t0 - started),
        modulesMs: Math.round(t1 - t0),
        scriptMs: Math.round(t2 - t1),
        shutdownMs: Math.round(exited - t2),
        totalMs: exited - started,
      },
      console: consoleText,
      ...(keep ? { labDir } : {}),
    };
  } finally {
    if (!keep) {
      await rm(labDir, { recursive: true, force: true });
      labDirs.delete(labDir);
    }
  }
}

// UML runs in its own process group (so a timeout can end it and its helpers at once), which also means
// it would outlive a test process stopped by a signal: these handlers end the running instances first.
const running = new Set<number>();
/** lab directories to remove if the process dies while they are in use */
const labDirs = new Set<string>();
const onExit = () => {
  running.forEach(killGroup);
  labDirs.forEach((dir) => rmSync(dir, { recursive: true, force: true }));
};
const onSignal = (signal: NodeJS.Signals) => {
  onExit();
  untrack(-1);
  process.kill(process.pid, signal);
};

function track(pgid: number): void {
  if (running.size === 0) {
    process.on('exit', onExit);
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
  }
  running.add(pgid);
}

/** pgid -1: forget all (the process is about to die of a signal) */
function untrack(pgid: number): void {
  if (pgid === -1) running.clear();
  else running.delete(pgid);
  if (running.size === 0) {
    process.off('exit', onExit);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** Spawns the kernel in its own process group and waits for it and all its helpers to be gone. */
function boot(bin: string, args: string[], timeoutMs: number): Promise<{ console: string; timedOut: boolean }> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    const pgid = child.pid;
    if (pgid !== undefined) track(pgid);
    let consoleText = '';
    let timedOut = false;
    const collect = (chunk: Buffer) => {
      consoleText += chunk.toString('utf8');
      if (consoleText.length > CONSOLE_LIMIT) consoleText = consoleText.slice(-CONSOLE_LIMIT);
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    const timer = setTimeout(() => {
      timedOut = true;
      if (pgid !== undefined) killGroup(pgid);
    }, timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      if (pgid !== undefined) untrack(pgid);
      reject(new UmlBootError(`cannot start ${bin}: ${err.message}`));
    });
    // 'close' waits for every holder of the console pipe, so helpers that outlive the kernel are noticed.
    child.on('close', () => {
      clearTimeout(timer);
      if (pgid !== undefined) {
        if (groupAlive(pgid)) killGroup(pgid);
        untrack(pgid);
      }
      resolve({ console: consoleText, timedOut });
    });
  });
}

export interface NodeInUmlResult<T> {
  result: T;
  run: UmlResult;
}

/**
 * Runs one compiled JS module of ours inside UML (`node module args…`). The module writes its JSON result
 * to $LAB_RESULT (see inside.ts: writeLabResult); the test asserts on it outside. Throws if the module
 * fails or writes no result.
 */
export async function runNodeInUml<T = unknown>(
  modulePath: string,
  args: readonly string[] = [],
  opts: UmlOptions = {},
): Promise<NodeInUmlResult<T>> {
  const script = `export LAB_RESULT="$LAB_OUT/result.json"\nexec node ${[modulePath, ...args].map(shq).join(' ')}\n`;
  const run = await runInUml(script, opts);
  const text = run.files['result.json'];
  if (run.code !== 0 || text === undefined) {
    throw new UmlScriptError(
      `node ${modulePath} inside UML ${run.code !== 0 ? `exited with ${run.code}` : 'wrote no $LAB_RESULT'}\n${tail(run.output)}`,
    );
  }
  return { result: JSON.parse(text) as T, run };
}
