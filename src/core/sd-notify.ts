// systemd's service notification protocol (sd_notify(3)): newline-separated VAR=value assignments in one
// datagram to the unix socket NOTIFY_SOCKET names (a path, or `@name` in the abstract namespace).
//
// How the datagram is sent, and why: Node has no unix datagram sockets, so the bytes go through
// `sendUnixDatagram` in our own addon (src/native/unix-datagram.ts, ~25 lines of C beside the raw sockets
// we already build). Considered and rejected:
// - npm `unix-dgram` (maintained, but a second compiled addon, built on nan): it copies the address with
//   strncpy, so it cannot reach abstract sockets, which NOTIFY_SOCKET may name;
// - npm `sd-notify`: links libsystemd, so it needs libsystemd-dev to build;
// - `/usr/bin/systemd-notify`: a process per message (the watchdog sends one every few seconds), and its
//   datagrams come from its own pid, so the unit would need NotifyAccess=all, and READY races the helper's
//   exit unless --pid is given.
// Notifications must come from the main process (the unit's default NotifyAccess=main): in the process
// model the parent sends them, never a child.
import { sendUnixDatagram } from '../native/unix-datagram.js';

export type NotifySend = (socket: string, message: string) => void;

export interface SdNotifyOptions {
  env?: NodeJS.ProcessEnv;
  pid?: number;
  /** How a datagram is sent (tests); default: the addon. */
  send?: NotifySend;
  /** Told once per distinct failure (a bad NOTIFY_SOCKET, the socket gone): logging is the caller's. */
  onError?: (e: Error) => void;
  /** CLOCK_MONOTONIC in µs, for MONOTONIC_USEC beside RELOADING=1. */
  monotonicUsec?: () => bigint;
}

/** The watchdog ping period: half of WATCHDOG_USEC, as sd_watchdog_enabled(3) advises, if the watchdog is ours. */
export function watchdogIntervalMs(env: NodeJS.ProcessEnv, pid: number): number | undefined {
  const usec = Number(env.WATCHDOG_USEC);
  if (!Number.isSafeInteger(usec) || usec <= 0) return undefined;
  // WATCHDOG_PID names the process the watchdog is meant for; unset means "whoever reads this".
  if (env.WATCHDOG_PID !== undefined && env.WATCHDOG_PID !== '' && Number(env.WATCHDOG_PID) !== pid) return undefined;
  return Math.max(1, Math.floor(usec / 2000));
}

/** NOTIFY_SOCKET as we can reach it: an absolute path or `@abstract`; anything else (vsock:…, relative) not. */
export function notifySocketOf(env: NodeJS.ProcessEnv): { socket?: string; unsupported?: string } {
  const s = env.NOTIFY_SOCKET;
  if (s === undefined || s === '') return {};
  if ((s.startsWith('/') || s.startsWith('@')) && s.length > 1) return { socket: s };
  return { unsupported: s };
}

/** One notification's text; a value cannot carry a newline (it would start another assignment). */
export function notifyMessage(fields: ReadonlyArray<readonly [string, string | number]>): string {
  return fields.map(([k, v]) => `${k}=${String(v).replace(/[\r\n]+/g, ' ')}`).join('\n');
}

export class SdNotify {
  /** The socket notifications go to; undefined when not run by systemd (every call is then a no-op). */
  readonly socket: string | undefined;
  private readonly pid: number;
  private readonly send: NotifySend;
  private readonly onError: (e: Error) => void;
  private readonly monotonicUsec: () => bigint;
  private readonly watchdogMs: number | undefined;
  private watchdogTimer: NodeJS.Timeout | undefined;
  private lastError: string | undefined;

  constructor(o: SdNotifyOptions = {}) {
    const env = o.env ?? process.env;
    this.pid = o.pid ?? process.pid;
    this.send = o.send ?? sendUnixDatagram;
    this.onError = o.onError ?? (() => {});
    this.monotonicUsec = o.monotonicUsec ?? (() => process.hrtime.bigint() / 1000n); // libuv's hrtime is CLOCK_MONOTONIC
    const where = notifySocketOf(env);
    this.socket = where.socket;
    this.watchdogMs = this.socket ? watchdogIntervalMs(env, this.pid) : undefined;
    if (where.unsupported !== undefined) this.report(new Error(`NOTIFY_SOCKET '${where.unsupported}' is not a unix socket path or @abstract name; not notifying systemd`));
  }

  get enabled(): boolean {
    return this.socket !== undefined;
  }

  /** WATCHDOG_USEC / 2 when systemd expects pings from us. */
  get watchdogInterval(): number | undefined {
    return this.watchdogMs;
  }

  /** Sends one notification; false if not under systemd or the datagram could not be sent (reported once). */
  notify(fields: ReadonlyArray<readonly [string, string | number]>): boolean {
    if (!this.socket) return false;
    try {
      this.send(this.socket, notifyMessage(fields));
      this.lastError = undefined;
      return true;
    } catch (e) {
      this.report(new Error(`sd_notify to ${this.socket}: ${(e as Error).message}`, { cause: e }));
      return false;
    }
  }

  /** Start-up (or a reload) is complete. MAINPID: the process systemd should watch is this one. */
  ready(status?: string): boolean {
    return this.notify([['READY', 1], ...this.statusField(status), ['MAINPID', this.pid]]);
  }

  /** A reload begins; MONOTONIC_USEC is what Type=notify-reload requires beside it. READY=1 ends it. */
  reloading(status?: string): boolean {
    return this.notify([['RELOADING', 1], ['MONOTONIC_USEC', this.monotonicUsec().toString()], ...this.statusField(status)]);
  }

  stopping(status?: string): boolean {
    return this.notify([['STOPPING', 1], ...this.statusField(status)]);
  }

  status(text: string): boolean {
    return this.notify([['STATUS', text]]);
  }

  /** A failure as an errno-style number (shown by `systemctl status`). */
  errno(n: number, status?: string): boolean {
    return this.notify([...this.statusField(status), ['ERRNO', n]]);
  }

  mainPid(pid: number): boolean {
    return this.notify([['MAINPID', pid]]);
  }

  watchdog(): boolean {
    return this.notify([['WATCHDOG', 1]]);
  }

  /** Pings the watchdog every WATCHDOG_USEC / 2 from now on, if systemd asked for it; the timer holds no process open. */
  startWatchdog(): boolean {
    if (this.watchdogMs === undefined || this.watchdogTimer) return this.watchdogTimer !== undefined;
    this.watchdog();
    this.watchdogTimer = setInterval(() => this.watchdog(), this.watchdogMs);
    this.watchdogTimer.unref();
    return true;
  }

  stopWatchdog(): void {
    if (this.watchdogTimer) clearInterval(this.watchdogTimer);
    this.watchdogTimer = undefined;
  }

  private statusField(status: string | undefined): Array<readonly [string, string]> {
    return status === undefined ? [] : [['STATUS', status]];
  }

  private report(e: Error): void {
    const key = ((e.cause as { code?: string } | undefined)?.code) ?? e.message;
    if (key === this.lastError) return;
    this.lastError = key;
    this.onError(e);
  }
}
