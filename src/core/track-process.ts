// vrrp_track_process, the machine side: the process table, read from /proc.
//
// keepalived listens to the kernel's proc connector (fork/exec/exit events). That needs a
// NETLINK_CONNECTOR socket opened in the initial network namespace: Node has no such socket, and inside
// any other namespace the kernel refuses the listener (keepalived 2.2.7 under `ip netns exec` logs
// "Failed to set/clear process event listen - errno 111 - Connection refused" and then counts nothing,
// measured). So we poll, every 200 ms: a tracked process that dies is noticed within a fifth of the usual
// 1 s advert interval, long before a backup's master-down interval (three of them) could run out.
//
// A full scan reads /proc/PID/stat of every process (~15 µs each, measured: 2 ms for 130 processes), so a
// tick does one only when it can matter: a new PID was handed out since the last tick or the one before
// (the fifth field of /proc/loadavg; a fork's exec follows within the next tick), or a second has passed
// (an exec without a fork, a renamed process). Otherwise it re-reads only the processes the tracker
// counts, to see them exit. The reads are synchronous (asynchronous ones cost ~8× the CPU, measured) and
// short. The command line is read only when some tracked process matches on it, once per process (keyed
// by start time and name, so an exec is seen; keepalived also reads it once, at exec).
import { closeSync, openSync, readdirSync, readSync } from 'node:fs';
import type { Log } from '../lib/log.js';
import type { ProcessPort } from '../vrrp/runtime-ports.js';
import type { ProcessInfo } from '../vrrp/track-process.js';

export const PROCESS_POLL_MS = 200;
/** The longest a tick goes without a full scan. */
export const FULL_SCAN_MS = 1000;

interface Stat {
  comm: string;
  state: string;
  ppid: number;
  startTime: string;
}

/** "PID (COMM) STATE PPID ... STARTTIME ..."; COMM may hold spaces and parentheses. */
export function parseStat(text: string): Stat | undefined {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return undefined;
  const rest = text.slice(close + 2).trim().split(' ');
  const ppid = Number(rest[1]);
  if (!rest[0] || !Number.isInteger(ppid)) return undefined;
  // field 22 of proc(5); STATE is field 3
  return { comm: text.slice(open + 1, close), state: rest[0], ppid, startTime: rest[19] ?? '' };
}

/** /proc/PID/cmdline: arguments separated (and normally ended) by NULs. */
export function parseCmdline(bytes: Buffer): string[] {
  if (!bytes.length) return [];
  const parts = bytes.toString('utf8').split('\0');
  if (parts.length > 1 && parts.at(-1) === '') parts.pop();
  return parts;
}

export class NodeProcessWatcher implements ProcessPort {
  private timer?: NodeJS.Timeout;
  private closed = false;
  private failing = false;
  private buf = Buffer.alloc(4096);
  private readonly argvCache = new Map<number, { key: string; argv: string[] }>();
  private snapshot: ProcessInfo[] = [];
  private lastPid?: string;
  private forked = false;
  private lastFull = 0;

  constructor(private readonly log?: Log, private readonly root = '/proc', private readonly intervalMs = PROCESS_POLL_MS) {}

  async scan(withArgv: boolean): Promise<ProcessInfo[]> {
    return this.scanAll(withArgv);
  }

  watch(withArgv: boolean, onSnapshot: (procs: readonly ProcessInfo[]) => void, counted: () => Iterable<number> = () => []): void {
    const tick = (): void => {
      this.timer = undefined;
      if (this.closed) return;
      try {
        const procs = this.poll(withArgv, counted);
        this.failing = false;
        if (procs) onSnapshot(procs);
      } catch (e) {
        if (!this.failing) this.log?.error(`track_process: cannot read ${this.root}: ${(e as Error).message}`, { event: 'vrrp.track_process_error' });
        this.failing = true;
      }
      if (!this.closed) this.timer = setTimeout(tick, this.intervalMs).unref();
    };
    this.lastPid = this.readLastPid();
    this.lastFull = performance.now();
    this.timer = setTimeout(tick, this.intervalMs).unref();
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** One tick: a new snapshot, or undefined when nothing the tracker counts has changed. */
  private poll(withArgv: boolean, counted: () => Iterable<number>): ProcessInfo[] | undefined {
    const lastPid = this.readLastPid();
    const forked = lastPid !== this.lastPid;
    const full = forked || this.forked || lastPid === undefined || performance.now() - this.lastFull >= FULL_SCAN_MS;
    this.lastPid = lastPid;
    this.forked = forked;
    if (full) return this.scanAll(withArgv);
    const gone = new Set<number>();
    const byPid = new Map(this.snapshot.map((p) => [p.pid, p]));
    for (const pid of counted()) {
      const before = byPid.get(pid);
      const now = this.stat(pid);
      if (!now || now.state === 'Z' || now.state === 'X') gone.add(pid);
      // renamed or exec'd: let a full scan sort it out
      else if (before && now.comm !== before.comm) return this.scanAll(withArgv);
    }
    if (!gone.size) return undefined;
    this.snapshot = this.snapshot.filter((p) => !gone.has(p.pid));
    return this.snapshot;
  }

  private scanAll(withArgv: boolean): ProcessInfo[] {
    const out: ProcessInfo[] = [];
    for (const name of readdirSync(this.root)) {
      // keepalived: directories whose name starts with 1..9
      if (!/^[1-9][0-9]*$/.test(name)) continue;
      const pid = Number(name);
      const st = this.stat(pid);
      // a zombie is not running (keepalived leaves them out too)
      if (!st || st.state === 'Z' || st.state === 'X') continue;
      let argv: string[] | undefined;
      if (withArgv) {
        argv = this.argvOf(pid, `${st.startTime}/${st.comm}`);
        if (!argv) continue;
      }
      out.push(argv ? { pid, ppid: st.ppid, comm: st.comm, argv } : { pid, ppid: st.ppid, comm: st.comm });
    }
    if (withArgv) {
      const alive = new Set(out.map((p) => p.pid));
      for (const pid of this.argvCache.keys()) if (!alive.has(pid)) this.argvCache.delete(pid);
    }
    this.snapshot = out;
    this.lastFull = performance.now();
    return out;
  }

  private read(path: string): Buffer | undefined {
    let fd: number | undefined;
    try {
      fd = openSync(path, 'r');
      let len = 0;
      for (;;) {
        const n = readSync(fd, this.buf, len, this.buf.length - len, null);
        if (n === 0) break;
        len += n;
        if (len === this.buf.length) {
          const bigger = Buffer.alloc(this.buf.length * 2);
          this.buf.copy(bigger);
          this.buf = bigger;
        }
      }
      return Buffer.from(this.buf.subarray(0, len));
    } catch {
      return undefined;
    } finally {
      if (fd !== undefined) closeSync(fd);
    }
  }

  private stat(pid: number): Stat | undefined {
    const b = this.read(`${this.root}/${pid}/stat`);
    return b ? parseStat(b.toString('utf8')) : undefined;
  }

  /** The last PID handed out (the fifth field of /proc/loadavg), or undefined when unreadable. */
  private readLastPid(): string | undefined {
    return this.read(`${this.root}/loadavg`)?.toString('latin1').trim().split(/\s+/)[4];
  }

  private argvOf(pid: number, key: string): string[] | undefined {
    const hit = this.argvCache.get(pid);
    if (hit?.key === key) return hit.argv;
    const b = this.read(`${this.root}/${pid}/cmdline`);
    if (!b) return undefined;
    const argv = parseCmdline(b);
    this.argvCache.set(pid, { key, argv });
    return argv;
  }
}
