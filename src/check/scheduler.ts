// Running probes: a cap on how many run at once, one deadline per transaction, and one transaction for
// identical probes. Time comes from the injected clock, so tests drive it without sleeping.
// - Deadline: the probe's signal aborts at `timeoutMs` (connect_timeout, MISC_CHECK's misc_timeout) and the
//   probe must then settle with a failure. One that still has not settled `graceMs` later is reported as
//   a timeout and forgotten: its slot is released and its late answer ignored. Nothing can hold a
//   checker, or the scheduler, longer than its deadline plus the grace.
// - Cap: probes beyond it wait in a FIFO queue, per lane: sockets (every kind but MISC_CHECK) and
//   scripts (MISC_CHECK, each a process). The cap is a guard against bursts (thousands of checkers with
//   warmup 0 firing in the same second), not a pacer: Node raises RLIMIT_NOFILE's soft limit to the hard
//   one at start-up (1024 → 20000 measured here; systemd's default hard limit is 524288), so 1024 probe
//   sockets take a small share of the descriptors, and a rack of a thousand dead servers timing out
//   together does not queue the checks of the live ones. 64 scripts: keepalived has no cap at all, but
//   each script is a forked process (a few MB, a few ms of CPU to start).
// - Sharing: a request whose key matches a probe already queued or running joins it and receives the
//   same result; the checkers keep their own policy state (see engine.ts).
import type { Clock, TimerHandle } from './clock.js';
import type { ProbeResult } from './probe.js';

export type Lane = 'socket' | 'script';

export const DEFAULT_MAX_SOCKETS = 1024;
export const DEFAULT_MAX_SCRIPTS = 64;
/** Beyond its deadline, how long a probe may take to settle before it is reported hung. */
export const DEFAULT_GRACE_MS = 1000;
/** keepalived's BOOTSTRAP_DELAY: the first check of every checker comes 1 s after start-up + random(0..warmup). */
export const BOOTSTRAP_DELAY_MS = 1000;

/** When a checker's first check is due, from start-up (or reload). `random()` is in [0, 1). */
export function firstDelayMs(warmupMs: number, random: () => number): number {
  return BOOTSTRAP_DELAY_MS + (warmupMs > 0 ? warmupMs * random() : 0);
}

/**
 * The abort reason of every deadline: one shared object, because abort() without a reason builds a
 * DOMException with a stack trace, and a thousand deadlines can fall in the same instant.
 */
export const DEADLINE = Object.freeze({ name: 'TimeoutError', message: 'probe deadline' });

export interface ProbeJob {
  /** Equal keys = the same transaction. */
  readonly key: string;
  readonly lane: Lane;
  readonly timeoutMs: number;
  /** The transaction; it must settle (with a failure) soon after `signal` aborts. */
  run(signal: AbortSignal): Promise<ProbeResult>;
  /** What to report when it does not settle within timeoutMs + grace. */
  hung(): ProbeResult;
}

export interface Delivery {
  readonly result: ProbeResult;
  /** Clock times at which the transaction started and ended. */
  readonly startedAt: number;
  readonly settledAt: number;
  /** The job that ran (the first requester's), for rewriting its messages for the others. */
  readonly job: ProbeJob;
  /** The probe never settled: the result is the job's hung() one. */
  readonly hung: boolean;
}

export interface Ticket {
  /** Stop listening; a queued probe nobody waits for is dropped, a running one aborted. */
  cancel(): void;
}

export interface RunnerOptions {
  maxSockets?: number;
  maxScripts?: number;
  graceMs?: number;
  /**
   * Runs the deadline's abort later: the daemon passes setImmediate, so on an event loop running behind, an
   * answer already waiting in a socket is read before the timer (timers run before I/O) declares a timeout.
   * Default: at once (tests on a fake clock).
   */
  deferAbort?: (fn: () => void) => void;
}

export interface RunnerStats {
  running: Record<Lane, number>;
  queued: Record<Lane, number>;
  /** Requests that joined a probe already queued or running. */
  joined: number;
  /** Probes reported hung (never settled). */
  hung: number;
  started: number;
}

interface Entry {
  readonly job: ProbeJob;
  readonly listeners: Set<(d: Delivery) => void>;
  state: 'queued' | 'running' | 'done' | 'dropped';
  controller?: AbortController;
  startedAt: number;
  deadline?: TimerHandle;
  giveUp?: TimerHandle;
}

export class ProbeRunner {
  private readonly entries = new Map<string, Entry>();
  private readonly queues: Record<Lane, Entry[]> = { socket: [], script: [] };
  private readonly heads: Record<Lane, number> = { socket: 0, script: 0 };
  private readonly running: Record<Lane, number> = { socket: 0, script: 0 };
  private readonly caps: Record<Lane, number>;
  private readonly graceMs: number;
  private joined = 0;
  private hungCount = 0;
  private started = 0;

  constructor(private readonly clock: Clock, opts: RunnerOptions = {}) {
    this.caps = { socket: Math.max(1, opts.maxSockets ?? DEFAULT_MAX_SOCKETS), script: Math.max(1, opts.maxScripts ?? DEFAULT_MAX_SCRIPTS) };
    this.graceMs = opts.graceMs ?? DEFAULT_GRACE_MS;
    this.deferAbort = opts.deferAbort ?? ((fn) => fn());
  }

  private readonly deferAbort: (fn: () => void) => void;

  request(job: ProbeJob, listener: (d: Delivery) => void): Ticket {
    let entry = this.entries.get(job.key);
    if (entry) this.joined++;
    else {
      entry = { job, listeners: new Set(), state: 'queued', startedAt: 0 };
      this.entries.set(job.key, entry);
      if (this.running[job.lane] < this.caps[job.lane]) this.start(entry);
      else this.queues[job.lane].push(entry);
    }
    const e = entry;
    // A listener object per request, so the same function may listen twice.
    const l = (d: Delivery) => listener(d);
    e.listeners.add(l);
    return { cancel: () => this.leave(e, l) };
  }

  stats(): RunnerStats {
    const queued = (lane: Lane) => {
      let n = 0;
      for (let i = this.heads[lane]; i < this.queues[lane].length; i++) if (this.queues[lane][i].state === 'queued') n++;
      return n;
    };
    return {
      running: { ...this.running },
      queued: { socket: queued('socket'), script: queued('script') },
      joined: this.joined,
      hung: this.hungCount,
      started: this.started,
    };
  }

  /** Abort everything (stop): running probes are told to stop, queued ones dropped; nobody is called back. */
  abortAll(): void {
    for (const e of [...this.entries.values()]) {
      e.listeners.clear();
      this.abandon(e);
    }
  }

  private leave(e: Entry, l: (d: Delivery) => void): void {
    if (!e.listeners.delete(l) || e.listeners.size > 0) return;
    this.abandon(e);
  }

  /** Nobody waits for this probe any more. */
  private abandon(e: Entry): void {
    if (this.entries.get(e.job.key) === e) this.entries.delete(e.job.key);
    if (e.state === 'queued') {
      e.state = 'dropped';
      this.compact(e.job.lane);
    } else if (e.state === 'running') {
      // Its slot stays taken until it settles (or is declared hung): the socket or process is still there.
      e.controller?.abort(DEADLINE);
    }
  }

  private start(e: Entry): void {
    const lane = e.job.lane;
    this.running[lane]++;
    this.started++;
    e.state = 'running';
    e.startedAt = this.clock.now();
    const controller = new AbortController();
    e.controller = controller;
    e.deadline = this.clock.setTimer(e.job.timeoutMs, () => {
      e.deadline = undefined;
      this.deferAbort(() => controller.abort(DEADLINE));
    });
    e.giveUp = this.clock.setTimer(e.job.timeoutMs + this.graceMs, () => {
      e.giveUp = undefined;
      this.hungCount++;
      this.settle(e, safeHung(e.job), true);
    });
    let p: Promise<ProbeResult>;
    try {
      p = e.job.run(controller.signal);
    } catch (err) {
      p = Promise.resolve(failure(err));
    }
    Promise.resolve(p).then(
      (r) => this.settle(e, isResult(r) ? r : failure(new Error('probe returned no result')), false),
      (err) => this.settle(e, failure(err), false),
    );
  }

  private settle(e: Entry, result: ProbeResult, hung: boolean): void {
    if (e.state !== 'running') return;
    e.state = 'done';
    if (e.deadline !== undefined) this.clock.clearTimer(e.deadline);
    if (e.giveUp !== undefined) this.clock.clearTimer(e.giveUp);
    e.deadline = e.giveUp = undefined;
    if (this.entries.get(e.job.key) === e) this.entries.delete(e.job.key);
    const lane = e.job.lane;
    this.running[lane]--;
    if (hung) e.controller?.abort(DEADLINE);
    const d: Delivery = { result, startedAt: e.startedAt, settledAt: this.clock.now(), job: e.job, hung };
    for (const l of [...e.listeners]) {
      try {
        l(d);
      } catch {
        // A listener's bug must not stop the others or the queue.
      }
    }
    e.listeners.clear();
    this.pump(lane);
  }

  private pump(lane: Lane): void {
    const q = this.queues[lane];
    while (this.running[lane] < this.caps[lane] && this.heads[lane] < q.length) {
      const e = q[this.heads[lane]++];
      if (e.state === 'queued') this.start(e);
    }
    this.compact(lane);
  }

  /** Drop consumed and dropped entries from the queue's front now and then (amortised O(1)). */
  private compact(lane: Lane): void {
    const q = this.queues[lane];
    while (this.heads[lane] < q.length && q[this.heads[lane]].state !== 'queued') this.heads[lane]++;
    if (this.heads[lane] > 1024 && this.heads[lane] * 2 > q.length) {
      this.queues[lane] = q.slice(this.heads[lane]).filter((e) => e.state === 'queued');
      this.heads[lane] = 0;
    } else if (this.heads[lane] === q.length) {
      q.length = 0;
      this.heads[lane] = 0;
    }
  }
}

function isResult(r: unknown): r is ProbeResult {
  return typeof r === 'object' && r !== null && typeof (r as { ok?: unknown }).ok === 'boolean';
}

function failure(err: unknown): ProbeResult {
  const text = err instanceof Error ? err.message : String(err);
  return { ok: false, reason: 'error', message: `probe error: ${text}` };
}

function safeHung(job: ProbeJob): ProbeResult {
  try {
    return job.hung();
  } catch (err) {
    return failure(err);
  }
}
