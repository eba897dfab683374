// Asks the reference keepalived 2.2.7 (/usr/sbin/keepalived) about a configuration:
// `-t` for the config-test verdict, `-d` for the dump of what it parsed. Every run happens
// in a private network namespace holding the interfaces the config names, with pid files
// in a private temp dir so runs never collide with each other or with a system keepalived.

import { accessSync, constants as fsc } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { scanConfigNeeds } from './config-needs.js';
import { withNetns, type InterfaceRequest, type Netns } from './netns.js';
import { stripTimestamp } from './parse-dump.js';

export { parseVrrpDump, stripTimestamp } from './parse-dump.js';

export const KEEPALIVED_BIN = process.env.KT_KEEPALIVED ?? '/usr/sbin/keepalived';

/** Throws a clear error when the reference binary is missing (tests must not skip). */
export function requireKeepalived(): string {
  try {
    accessSync(KEEPALIVED_BIN, fsc.X_OK);
  } catch {
    throw new Error(
      `reference keepalived not found at ${KEEPALIVED_BIN}: install Debian's keepalived 2.2.7 ` +
        '(apt-get install keepalived) or set KT_KEEPALIVED',
    );
  }
  return KEEPALIVED_BIN;
}

export interface OracleRunOptions {
  /** `-i ID`, for `@ID` conditional lines */
  configId?: string;
  /** working directory (relative config paths resolve against it) */
  cwd?: string;
  extraArgs?: string[];
  /** Interfaces to provide; default: DEFAULT_INTERFACES plus every name the config mentions. */
  interfaces?: InterfaceRequest[];
  /** Reuse this namespace (missing interfaces are added to it) instead of a fresh one. */
  ns?: Netns;
}

export interface ConfigTestOptions extends OracleRunOptions {
  /** default 10 s */
  timeoutMs?: number;
}

export interface ConfigTestResult {
  /** keepalived's exit code: 0 ok, 4 cannot run, 5 errors but would run, 6 script security;
   *  null when it died of a signal (see `signal`) */
  code: number | null;
  signal: NodeJS.Signals | null;
  /** code, or 128 + signal number as a shell would report it */
  status: number;
  /** diagnostic lines (stderr then stdout), timestamps removed, empty lines dropped */
  lines: string[];
  argv: string[];
  timedOut: boolean;
}

export interface VrrpDumpOptions extends OracleRunOptions {
  /** Upper bound for waiting for the dump; default 5000 ms. */
  timeoutMs?: number;
}

export interface VrrpDumpResult {
  /** every console line of the run, in order, timestamp prefix removed */
  lines: string[];
  /** true when the dump was seen to its end (the Interfaces section and what follows) */
  complete: boolean;
  /** exit status of keepalived after our SIGTERM (or its own exit) */
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  durationMs: number;
  argv: string[];
}

function splitLines(text: string): string[] {
  return text
    .split('\n')
    .map((l) => stripTimestamp(l.replace(/\r$/, '')))
    .filter((l) => l.trim() !== '');
}

async function withPrivateRun<T>(
  file: string,
  opts: OracleRunOptions,
  fn: (ns: Netns, pidArgs: string[], aliases: string[]) => Promise<T>,
): Promise<T> {
  requireKeepalived();
  const needs = await scanConfigNeeds(path.resolve(opts.cwd ?? '.', file));
  const interfaces = opts.interfaces ?? needs.interfaces;
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'kt-oracle-'));
  const pidArgs = [
    '-p',
    path.join(tmp, 'keepalived.pid'),
    '-r',
    path.join(tmp, 'vrrp.pid'),
    '-c',
    path.join(tmp, 'checkers.pid'),
    '-b',
    path.join(tmp, 'bfd.pid'),
  ];
  try {
    if (opts.ns) {
      await opts.ns.ensureInterfaces(interfaces);
      return await fn(opts.ns, pidArgs, needs.namespaces);
    }
    return await withNetns({ interfaces }, (ns) => fn(ns, pidArgs, needs.namespaces));
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

// keepalived -t can crash (SIGSEGV on HTTP_GET without url); never leave a core file in cwd.
const NO_CORE = ['prlimit', '--core=0', '--'];

function commonArgs(file: string, opts: OracleRunOptions): string[] {
  return ['-f', file, ...(opts.configId !== undefined ? ['-i', opts.configId] : []), ...(opts.extraArgs ?? [])];
}

/** `keepalived -t -f FILE [-i ID]` in a namespace: exit code and diagnostics. */
export async function keepalivedConfigTest(file: string, opts: ConfigTestOptions = {}): Promise<ConfigTestResult> {
  return withPrivateRun(file, opts, async (ns, pidArgs, aliases) => {
    const argv = [KEEPALIVED_BIN, '-t', ...commonArgs(file, opts), ...pidArgs];
    const res = await ns.exec([...NO_CORE, ...argv], { cwd: opts.cwd, netnsAliases: aliases, timeoutMs: opts.timeoutMs ?? 10_000 });
    return {
      code: res.code,
      signal: res.signal,
      status: res.code ?? 128 + (res.signal ? os.constants.signals[res.signal] : 0),
      lines: [...splitLines(res.stderr), ...splitLines(res.stdout)],
      argv,
      timedOut: res.timedOut,
    };
  });
}

const DUMP_QUIET_MS = 300; // after the last dump section, this much silence also ends the dump
const STOP_GRACE_MS = 3000; // SIGTERM, then SIGKILL after this long

/**
 * Run the VRRP process with `-d`, wait until its configuration dump has been printed in
 * full (the Interfaces section is last; the first unindented line after it, or a short
 * silence, ends it), then stop keepalived with SIGTERM (SIGKILL if it lingers).
 */
export async function keepalivedVrrpDump(file: string, opts: VrrpDumpOptions = {}): Promise<VrrpDumpResult> {
  return withPrivateRun(file, opts, (ns, pidArgs, aliases) => {
    const argv = [KEEPALIVED_BIN, '-n', '-l', '-G', '-D', '-d', '-P', ...commonArgs(file, opts), ...pidArgs];
    const started = Date.now();
    const child = ns.spawn([...NO_CORE, ...argv], { cwd: opts.cwd, netnsAliases: aliases });
    child.stdin?.end();

    return new Promise<VrrpDumpResult>((resolve, reject) => {
      const lines: string[] = [];
      let complete = false;
      let inInterfaces = false;
      let stopping = false;
      let quietTimer: NodeJS.Timeout | undefined;
      let killTimer: NodeJS.Timeout | undefined;
      const partial = { out: '', err: '' };

      const stop = (): void => {
        if (stopping) return;
        stopping = true;
        clearTimeout(quietTimer);
        clearTimeout(overall);
        if (child.exitCode !== null || child.signalCode !== null || !child.pid) return;
        process.kill(child.pid, 'SIGTERM');
        killTimer = setTimeout(() => {
          if (child.pid && child.exitCode === null && child.signalCode === null) process.kill(child.pid, 'SIGKILL');
        }, STOP_GRACE_MS);
      };

      const onLine = (raw: string): void => {
        const line = stripTimestamp(raw.replace(/\r$/, ''));
        if (line.trim() === '') return;
        lines.push(line);
        if (stopping) return;
        if (line === '------< Interfaces >------') {
          inInterfaces = true;
        } else if (inInterfaces && !line.startsWith(' ')) {
          complete = true;
          stop();
          return;
        }
        if (inInterfaces) {
          clearTimeout(quietTimer);
          quietTimer = setTimeout(() => {
            complete = true;
            stop();
          }, DUMP_QUIET_MS);
        }
      };

      const feed = (key: 'out' | 'err') => (chunk: string) => {
        const parts = (partial[key] + chunk).split('\n');
        partial[key] = parts.pop() ?? '';
        for (const p of parts) onLine(p);
      };
      child.stdout?.setEncoding('utf8').on('data', feed('out'));
      child.stderr?.setEncoding('utf8').on('data', feed('err'));

      const overall = setTimeout(stop, opts.timeoutMs ?? 5000);
      child.once('error', (err) => {
        clearTimeout(overall);
        clearTimeout(quietTimer);
        reject(err);
      });
      child.once('close', (code, signal) => {
        clearTimeout(overall);
        clearTimeout(quietTimer);
        clearTimeout(killTimer);
        for (const rest of [partial.err, partial.out]) if (rest) onLine(rest);
        resolve({ lines, complete, exitCode: code, signal, durationMs: Date.now() - started, argv });
      });
    });
  });
}
