// The parent process as keepalived has it (KEEPALIVED.md §2.4): it starts the VRRP and checker children
// (our own program again, with a hidden --child flag), writes its pid file, forwards signals, validates
// a new configuration before it lets the children reload (a bad one is refused and nothing changes) and
// hands each child its part of the parsed configuration (config-handoff.ts), so the file is parsed once,
// restarts a child that dies with keepalived's rate limit (or stops with -R), stops the whole daemon with
// the child's code when it exits with a permanent error (1 fatal, 2 config, 4 permission), and on stop
// gives the children child_wait_time to finish before SIGKILL.
import { fork, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { constants as osConstants } from 'node:os';
import { join } from 'node:path';
import { formatDiagnostic, loadConfig } from '../config/index.js';
import { childPart, configRunnable, encodeConfig, type LoadedConfig } from './config-handoff.js';
import type { Log } from '../lib/log.js';
import { initialRespawn, nextRespawn, type RespawnState } from './respawn.js';
import { removePidFile, writePidFile } from './pidfile.js';

export type ChildKind = 'vrrp' | 'checker';

/** Messages a child sends its parent over the IPC channel. */
export type ChildMessage = { type: 'want-config' } | { type: 'ready'; rc?: number } | { type: 'reloaded' };

/** Messages the parent sends a child: its part of the configuration (config-handoff.ts), to start or to reload with. */
export type ParentMessage = { type: 'config' | 'reload'; data: Uint8Array };

const NAMES: Record<ChildKind, { title: string; short: string }> = {
  vrrp: { title: 'VRRP', short: 'VRRP' },
  checker: { title: 'Healthcheck', short: 'Healthcheck' },
};

/** Exit codes after which keepalived does not respawn a child but stops (KEEPALIVED.md §2.2). */
const PERMANENT: Record<number, string> = { 1: 'FATAL', 2: 'CONFIG', 4: 'missing permission' };

export interface ParentOptions {
  /** Our entry point (dist/src/cli/main.js) and the command line to give each child (plus --child KIND). */
  main: string;
  childArgs: readonly string[];
  children: readonly ChildKind[];
  configFile: string;
  configId?: string;
  pidFile: string;
  childPidFiles: Record<ChildKind, string>;
  /** -R: a child that dies stops the daemon instead of being restarted. */
  dontRespawn: boolean;
  /** The configuration the daemon starts with, parsed and checked by the caller. */
  config: LoadedConfig;
  log: Log;
  /** systemd notify hooks (READY/RELOADING/STOPPING/STATUS/ERRNO); absent outside systemd. */
  notify?: {
    ready(status: string): void;
    reloading(): void;
    stopping(): void;
    status(text: string): void;
    errno(code: number): void;
  };
}

interface ChildSlot {
  kind: ChildKind;
  proc?: ChildProcess;
  startedAt: number;
  respawn: RespawnState;
  ready: boolean;
  restartTimer?: NodeJS.Timeout;
  waitReload?: () => void;
  /** Dump signals that arrived while the child was starting. */
  pending: Set<NodeJS.Signals>;
  /** The part it was given: a reload while it started makes it reload once ready. */
  given?: Uint8Array;
}

export class ParentProcess {
  private readonly slots: ChildSlot[];
  private stopping = false;
  private resolveExit?: (code: number) => void;
  private exitCode = 0;
  private reloading: Promise<void> = Promise.resolve();
  private startedReported = false;
  /**
   * Each child's part of the running configuration, encoded: what a (re)started child is given. A respawned
   * child so runs what the others run, not a file edited since without a reload.
   */
  private readonly parts = new Map<ChildKind, Uint8Array>();
  /** child_wait_time: how long stop waits for the children before SIGKILL. */
  private childWaitMs = 0;

  private readonly o: Omit<ParentOptions, 'config'>;

  constructor({ config, ...o }: ParentOptions) {
    this.o = o;
    this.slots = o.children.map((kind) => ({ kind, startedAt: 0, respawn: initialRespawn, ready: false, pending: new Set<NodeJS.Signals>() }));
    this.adopt(config);
  }

  /** Keeps only the encoded parts of `loaded` (not the model: the parent stays small). */
  private adopt(loaded: LoadedConfig): void {
    for (const s of this.slots) this.parts.set(s.kind, encodeConfig(childPart(s.kind, loaded)));
    this.childWaitMs = loaded.config.global.childWaitTime * 1000;
  }

  /** Runs until the daemon stops; resolves with its exit code. */
  run(): Promise<number> {
    writePidFile(this.o.pidFile);
    const done = new Promise<number>((resolve) => (this.resolveExit = resolve));
    for (const s of this.slots) this.spawn(s);
    if (this.slots.length === 0) this.maybeStarted();
    const on = (sig: NodeJS.Signals, fn: () => void) => process.on(sig, fn);
    on('SIGTERM', () => void this.stop(0));
    on('SIGINT', () => void this.stop(0));
    on('SIGHUP', () => this.reload());
    on('SIGUSR1', () => {
      this.dumpData();
      this.forward('SIGUSR1');
    });
    on('SIGUSR2', () => this.forward('SIGUSR2'));
    for (const sig of ['SIGRTMIN+2', 'SIGRTMAX-1']) {
      try { on(sig as NodeJS.Signals, () => this.forward(sig as NodeJS.Signals)); } catch { /* not listenable here */ }
    }
    return done.finally(() => removePidFile(this.o.pidFile));
  }

  private spawn(s: ChildSlot): void {
    if (this.stopping) return;
    // Only the parent talks to systemd: a child (or its scripts) sending READY would confuse it.
    const env = { ...process.env };
    for (const k of ['NOTIFY_SOCKET', 'WATCHDOG_USEC', 'WATCHDOG_PID']) delete env[k];
    // 'advanced': structured clone, so the configuration's Uint8Arrays cross as they are
    const proc = fork(this.o.main, [...this.o.childArgs, '--child', s.kind], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], env, serialization: 'advanced' });
    s.proc = proc;
    s.startedAt = Date.now();
    s.ready = false;
    this.o.log.info(`Starting ${NAMES[s.kind].title} child process, pid=${proc.pid}`, { event: 'parent.child_start', child: s.kind, pid: proc.pid });
    if (proc.pid !== undefined) writePidFile(this.o.childPidFiles[s.kind], proc.pid);
    proc.on('message', (m: ChildMessage) => {
      if (m.type === 'want-config') {
        s.given = this.parts.get(s.kind)!;
        this.sendTo(proc, { type: 'config', data: s.given });
      } else if (m.type === 'ready') {
        s.ready = true;
        const part = this.parts.get(s.kind)!;
        if (s.given !== part) {
          s.given = part;
          this.sendTo(proc, { type: 'reload', data: part });
        }
        for (const sig of s.pending) try { process.kill(proc.pid!, sig); } catch { /* gone */ }
        s.pending.clear();
        this.maybeStarted();
      } else if (m.type === 'reloaded') {
        s.waitReload?.();
      }
    });
    proc.on('exit', (code, signal) => this.exited(s, proc, code, signal));
  }

  /** False when the child is gone (its exit is handled where it is reported). */
  private sendTo(proc: ChildProcess, m: ParentMessage): boolean {
    if (!proc.connected) return false;
    try {
      proc.send(m);
      return true;
    } catch {
      return false;
    }
  }

  private maybeStarted(): void {
    if (this.startedReported || !this.slots.every((s) => s.ready)) return;
    this.startedReported = true;
    this.o.log.info('Startup complete', { event: 'parent.started' });
    this.o.notify?.ready('Startup complete');
  }

  private exited(s: ChildSlot, proc: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (s.proc !== proc) return;
    s.proc = undefined;
    s.waitReload?.();
    removePidFile(this.o.childPidFiles[s.kind], proc.pid);
    const pid = proc.pid;
    if (this.stopping) return this.maybeAllGone();
    if (signal) {
      const n = (osConstants.signals as Record<string, number>)[signal] ?? 0;
      this.o.log.error(`pid ${pid} exited due to signal ${n} (${signalText(signal)})`, { event: 'parent.child_signal', child: s.kind, pid, signal });
    } else if (code !== null && PERMANENT[code] !== undefined) {
      this.o.log.error(`pid ${pid} exited with permanent error ${PERMANENT[code]}. Terminating`, { event: 'parent.child_permanent', child: s.kind, pid, code });
      this.o.notify?.errno(code);
      return void this.stop(code);
    } else {
      this.o.log.error(`pid ${pid} exited with status ${code}`, { event: 'parent.child_exit', child: s.kind, pid, code });
    }
    const title = NAMES[s.kind].short;
    if (this.o.dontRespawn) {
      this.o.log.error(`${title} child process(${pid}) died: Exiting`, { event: 'parent.child_died', child: s.kind, pid });
      return void this.stop(0);
    }
    this.o.log.error(`${title} child process(${pid}) died: Respawning`, { event: 'parent.child_died', child: s.kind, pid });
    const d = nextRespawn(s.respawn, Date.now() - s.startedAt);
    s.respawn = d.state;
    if (d.rateLimited) this.o.log.warn(`Restart of ${title} process delayed ${Math.round(d.delayMs / 1000)} seconds to limit respawn rate`);
    // A child that stopped in order (status 0) was most likely signalled along with us (systemd signals the
    // whole cgroup): give our own stop a moment to arrive before starting it again.
    s.restartTimer = setTimeout(() => this.spawn(s), Math.max(d.delayMs, code === 0 ? 200 : 0));
  }

  /**
   * Passes a signal on. Only SIGTERM goes to a child still starting: before its handlers are in place a
   * dump or reload signal would kill it (their default action), and it reads the current file anyway.
   */
  /** SIGUSR1: $TMPDIR/keepalived_parent.data, as keepalived (its format is not stable there either). */
  private dumpData(): void {
    this.o.log.info(`Printing parent data for process(${process.pid}) on signal`);
    const lines = [
      '------< Parent process >------',
      ` config file = ${this.o.configFile}`,
      ` pid file = ${this.o.pidFile}`,
      ...this.slots.map((s) => ` ${NAMES[s.kind].title} child: pid ${s.proc?.pid ?? 'none'}, ${s.ready ? 'ready' : 'starting'}, pid file ${this.o.childPidFiles[s.kind]}, quick deaths ${s.respawn.quickDeaths}`),
    ];
    try {
      writeFileSync(join(process.env.TMPDIR ?? '/tmp', 'keepalived_parent.data'), `${lines.join('\n')}\n`, { mode: 0o600 });
    } catch (e) {
      this.o.log.error(`Cannot write the parent data: ${(e as Error).message}`);
    }
  }

  private forward(sig: NodeJS.Signals): void {
    for (const s of this.slots) {
      if (s.proc?.pid === undefined) continue;
      if (!s.ready && sig !== 'SIGTERM') {
        if (sig !== 'SIGHUP') s.pending.add(sig); // delivered once the child is ready
        continue;
      }
      try { process.kill(s.proc.pid, sig); } catch { /* gone */ }
    }
  }

  /** SIGHUP: validate first; a configuration that cannot run changes nothing. Reloads are queued. */
  private reload(): void {
    if (this.stopping) return;
    this.reloading = this.reloading.then(async () => {
      if (this.stopping) return;
      this.o.log.info('Reloading ...', { event: 'parent.reload' });
      // Validate before any child sees it: a configuration with errors is refused here, with its
      // positions, and nothing changes anywhere. A valid one is what the children get.
      const loaded = loadConfig(this.o.configFile, { configId: this.o.configId });
      if (!configRunnable(loaded.diagnostics, true)) {
        for (const d of loaded.diagnostics) if (d.severity !== 'notice') this.o.log.error(formatDiagnostic(d));
        this.o.log.error('New configuration refused; keeping the running configuration', { event: 'parent.reload_refused' });
        this.o.notify?.status('Reload refused: configuration errors');
        return;
      }
      this.adopt(loaded);
      this.o.notify?.reloading();
      await Promise.all(
        this.slots.map(
          (s) =>
            new Promise<void>((resolve) => {
              if (!s.proc?.pid || !s.ready) return resolve();
              const timer = setTimeout(done, 60_000);
              function done() {
                clearTimeout(timer);
                s.waitReload = undefined;
                resolve();
              }
              s.waitReload = done;
              s.given = this.parts.get(s.kind)!;
              if (!this.sendTo(s.proc, { type: 'reload', data: s.given })) done();
            }),
        ),
      );
      this.o.log.info('Reload complete', { event: 'parent.reloaded' });
      this.o.notify?.ready('Reload complete');
    });
  }

  /** SIGTERM/SIGINT or a permanent child error: stop the children, SIGKILL after child_wait_time. */
  async stop(code: number): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.exitCode = code;
    this.o.notify?.stopping();
    this.o.log.info('Stopping', { event: 'parent.stopping' });
    for (const s of this.slots) if (s.restartTimer) clearTimeout(s.restartTimer);
    this.forward('SIGTERM');
    const wait = this.childWaitMs;
    setTimeout(() => {
      for (const s of this.slots) {
        if (!s.proc?.pid) continue;
        this.o.log.error(`${NAMES[s.kind].short} process failed to die - forcing termination`, { event: 'parent.child_kill', child: s.kind });
        try { process.kill(s.proc.pid, 'SIGKILL'); } catch { /* gone */ }
      }
    }, wait).unref();
    this.maybeAllGone();
  }

  private maybeAllGone(): void {
    if (!this.stopping || this.slots.some((s) => s.proc)) return;
    this.o.log.info('Stopped', { event: 'parent.stopped' });
    this.resolveExit?.(this.exitCode);
  }
}

function signalText(signal: NodeJS.Signals): string {
  const t: Partial<Record<NodeJS.Signals, string>> = {
    SIGKILL: 'Killed', SIGTERM: 'Terminated', SIGSEGV: 'Segmentation fault', SIGABRT: 'Aborted', SIGINT: 'Interrupt', SIGHUP: 'Hangup',
  };
  return t[signal] ?? signal;
}
