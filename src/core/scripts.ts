// Running configured scripts the way keepalived does (KEEPALIVED.md §1.7): the configured words are the
// argv; an executable file that starts with "#!" or is an ELF binary is executed directly, anything else
// goes through /bin/sh -c. Each script gets its own process group (so a timeout kills all it started), runs
// as its own user/group, else script_user, else keepalived_script when that user exists, else root.
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, closeSync, constants, openSync, readFileSync, readSync } from 'node:fs';
import { constants as osConstants } from 'node:os';
import { delimiter, join } from 'node:path';
import type { GlobalDefs } from '../config/model/global.js';
import type { ScriptRef } from '../config/model/script.js';
import type { Log } from '../lib/log.js';
import type { ScriptOutcome } from '../vrrp/events.js';
import type { ScriptPort } from '../vrrp/runtime-ports.js';

/** After a timeout's SIGTERM, how long before SIGKILL (keepalived: 2 s). */
const KILL_GRACE_MS = 2000;

function executableWithHeader(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    const fd = openSync(path, 'r');
    try {
      const b = Buffer.alloc(4);
      const n = readSync(fd, b, 0, 4, 0);
      return (n >= 2 && b[0] === 0x23 && b[1] === 0x21) || (n === 4 && b[0] === 0x7f && b.subarray(1, 4).toString() === 'ELF');
    } finally {
      closeSync(fd);
    }
  } catch {
    return false;
  }
}

function resolveOnPath(name: string): string | undefined {
  if (name.includes('/')) return name;
  for (const dir of (process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin').split(delimiter)) {
    const p = join(dir, name);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch { /* next */ }
  }
  return undefined;
}

function idOf(file: string, name: string, field: number): number | undefined {
  if (/^\d+$/.test(name)) return Number(name);
  try {
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      const f = line.split(':');
      if (f[0] === name && f.length > field) return Number(f[field]);
    }
  } catch { /* no such file */ }
  return undefined;
}

const shellQuote = (s: string) => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);

/** How a script is started: the program, its arguments, and the ids it runs as. */
export interface Launch {
  file: string;
  args: string[];
  uid?: number;
  gid?: number;
}

export function launchOf(script: ScriptRef, extra: readonly string[], global: Pick<GlobalDefs, 'scriptUser' | 'scriptGroup'>): Launch {
  const argv = [...script.argv, ...extra];
  const program = argv[0] !== undefined ? resolveOnPath(argv[0]) : undefined;
  const direct = program !== undefined && executableWithHeader(program);
  const launch: Launch = direct
    ? { file: program!, args: argv.slice(1) }
    : { file: '/bin/sh', args: ['-c', [script.command, ...extra.map(shellQuote)].join(' ')] };
  const user = script.user ?? global.scriptUser ?? (idOf('/etc/passwd', 'keepalived_script', 2) !== undefined ? 'keepalived_script' : undefined);
  if (user !== undefined && user !== 'root') {
    const uid = idOf('/etc/passwd', user, 2);
    if (uid !== undefined) {
      launch.uid = uid;
      const group = script.group ?? (script.user ? undefined : global.scriptGroup);
      launch.gid = group !== undefined ? idOf('/etc/group', group, 2) : idOf('/etc/passwd', user, 3);
    }
  }
  return launch;
}

export class NodeScriptPort implements ScriptPort {
  private readonly children = new Set<ChildProcess>();

  constructor(private readonly global: () => Pick<GlobalDefs, 'scriptUser' | 'scriptGroup'>, private readonly log: Log) {}

  notify(script: ScriptRef, args: readonly string[]): Promise<void> {
    const started = performance.now();
    return new Promise((resolve) => {
      const child = this.start(script, args);
      if (!child) return resolve();
      child.on('exit', (code, signal) => {
        this.children.delete(child);
        const ms = Math.round(performance.now() - started);
        this.log.debug(`Script ${script.role} (${script.command}) ${signal ? `killed by ${signal}` : `exited with status ${code}`} after ${ms} ms`, {
          event: 'script.exit', role: script.role, code, signal, ms,
        });
        resolve();
      });
    });
  }

  check(script: ScriptRef, timeoutMs: number): Promise<ScriptOutcome> {
    return new Promise((resolve) => {
      const child = this.start(script, []);
      if (!child) return resolve({ exitCode: 127 });
      let timedOut = false;
      let kill: NodeJS.Timeout | undefined;
      const timer = setTimeout(() => {
        timedOut = true;
        this.signal(child, 'SIGTERM');
        kill = setTimeout(() => this.signal(child, 'SIGKILL'), KILL_GRACE_MS);
      }, timeoutMs);
      child.on('exit', (code, signal) => {
        this.children.delete(child);
        clearTimeout(timer);
        if (kill) clearTimeout(kill);
        if (timedOut) {
          // as keepalived: once the script has died of our SIGTERM, whatever it left in its group is killed
          this.signal(child, 'SIGKILL');
          return resolve({ timedOut: true });
        }
        if (signal) resolve({ signal: signalNumber(signal) });
        else resolve({ exitCode: code ?? 0 });
      });
    });
  }

  /** Kills every script still running (their process groups), at exit. */
  killAll(): void {
    for (const c of this.children) this.signal(c, 'SIGKILL');
    this.children.clear();
  }

  private start(script: ScriptRef, args: readonly string[]): ChildProcess | undefined {
    const l = launchOf(script, args, this.global());
    try {
      const child = spawn(l.file, l.args, { detached: true, stdio: 'ignore', uid: l.uid, gid: l.gid });
      child.on('error', (e) => this.log.error(`Failed to exec ${script.role} (${script.command}): ${e.message}`, { event: 'script.error', role: script.role }));
      this.children.add(child);
      return child;
    } catch (e) {
      this.log.error(`Failed to exec ${script.role} (${script.command}): ${(e as Error).message}`, { event: 'script.error', role: script.role });
      return undefined;
    }
  }

  private signal(child: ChildProcess, sig: NodeJS.Signals): void {
    if (child.pid === undefined) return;
    try {
      process.kill(-child.pid, sig);
    } catch {
      try { child.kill(sig); } catch { /* gone */ }
    }
  }
}

function signalNumber(name: string): number {
  return (osConstants.signals as Record<string, number>)[name] ?? 0;
}
