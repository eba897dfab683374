// vrrp_track_process, pure: which running processes match a tracked process, and when its quorum is
// gained or lost (keepalived's track_process.c). The runtime feeds snapshots of the process table; this
// module decides, and the state machine hears only "quorum gained/lost" (events.ts `trackProcess`).
//
// Matching (keepalived 2.2.7): without parameters or `full_command`, the process name is compared
// exactly with /proc/PID/comm (at most 15 characters, so longer names never match); with either, with
// argv[0] of /proc/PID/cmdline. Parameters: `exact` (the default when given) — the very same argument
// list; `partial` — the configured ones are the first arguments; `initial` — likewise, but the last one
// may be only the start of the argument. `param_match` with no parameters: exact means "no arguments".
//
// Quorum: quorum ≤ count ≤ quorum_max. keepalived counts with kernel fork/exec/exit events; we see
// snapshots, so the delays follow the cause of the change seen between two snapshots: a count that grew
// only through children of processes already counted (forks) waits `fork_delay`, one that shrank only
// through processes that exited waits `terminate_delay`, anything else (a new exec, a process that changed
// its name) counts at once. A change that reverts before its delay runs out is never reported.
import type { TrackProcess } from '../config/model/vrrp.js';

export interface ProcessInfo {
  readonly pid: number;
  /** The parent: a new process whose parent is already counted is a fork. */
  readonly ppid: number;
  /** /proc/PID/comm. */
  readonly comm: string;
  /** /proc/PID/cmdline split at its NULs; present when some tracked process needs the command line. */
  readonly argv?: readonly string[];
}

export interface ProcessTrackParams {
  readonly name: string;
  readonly process: string;
  readonly params: readonly string[];
  readonly paramMatch: 'none' | 'exact' | 'initial' | 'partial';
  readonly fullCommand: boolean;
  readonly quorum: number;
  /** Undefined: no maximum. */
  readonly quorumMax?: number;
  readonly forkDelayMs: number;
  readonly terminateDelayMs: number;
}

export function processTrackParams(t: TrackProcess): ProcessTrackParams {
  return {
    name: t.name,
    process: t.process,
    params: t.params,
    paramMatch: t.paramMatch,
    fullCommand: t.fullCommand || t.params.length > 0 || t.paramMatch !== 'none',
    quorum: t.quorum,
    quorumMax: t.quorumMax,
    forkDelayMs: Math.round(t.forkDelay * 1e6) / 1e3,
    terminateDelayMs: Math.round(t.terminateDelay * 1e6) / 1e3,
  };
}

/** Whether any of these needs the command lines (keepalived reads cmdline only then). */
export function needsArgv(defs: readonly ProcessTrackParams[]): boolean {
  return defs.some((d) => d.fullCommand);
}

function paramsMatch(d: ProcessTrackParams, args: readonly string[]): boolean {
  const want = d.params;
  switch (d.paramMatch) {
    case 'none':
      return true;
    case 'exact':
      return args.length === want.length && want.every((w, i) => args[i] === w);
    case 'partial':
      return args.length >= want.length && want.every((w, i) => args[i] === w);
    case 'initial': {
      if (args.length < want.length) return false;
      const last = want.length - 1;
      return want.every((w, i) => (i === last ? args[i].startsWith(w) : args[i] === w));
    }
  }
}

export function processMatches(d: ProcessTrackParams, p: ProcessInfo): boolean {
  if (!d.fullCommand) return p.comm === d.process;
  const argv = p.argv;
  if (!argv || argv.length === 0 || argv[0] !== d.process) return false;
  return paramsMatch(d, argv.slice(1));
}

export function quorumMet(d: ProcessTrackParams, count: number): boolean {
  return count >= d.quorum && (d.quorumMax === undefined || count <= d.quorumMax);
}

export interface ProcessTrackState {
  /** Matching pids in the last snapshot, ascending. */
  readonly pids: readonly number[];
  /** What the state machine was last told. */
  readonly haveQuorum: boolean;
  /** A quorum change waiting out fork_delay / terminate_delay, due at this time. */
  readonly pendingUntil?: number;
}

export type ProcessTracking = Readonly<Record<string, ProcessTrackState>>;

export interface QuorumChange {
  name: string;
  quorum: boolean;
}

export interface ProcessStep {
  tracking: ProcessTracking;
  changes: QuorumChange[];
}

const matching = (d: ProcessTrackParams, procs: readonly ProcessInfo[]) =>
  procs.filter((p) => processMatches(d, p)).map((p) => p.pid).sort((a, b) => a - b);

/** The first snapshot (keepalived's read_procs at start-up): counts as they are, no delays. */
export function initialProcessTracking(defs: readonly ProcessTrackParams[], procs: readonly ProcessInfo[]): ProcessTracking {
  const out: Record<string, ProcessTrackState> = {};
  for (const d of defs) {
    const pids = matching(d, procs);
    out[d.name] = { pids, haveQuorum: quorumMet(d, pids.length) };
  }
  return out;
}

/** The delay a quorum change waits, from what changed between two snapshots. */
function delayFor(d: ProcessTrackParams, before: readonly number[], after: readonly number[], procs: readonly ProcessInfo[]): number {
  const was = new Set(before);
  const is = new Set(after);
  if (after.length > before.length) {
    const added = procs.filter((p) => is.has(p.pid) && !was.has(p.pid));
    return added.every((p) => was.has(p.ppid)) ? d.forkDelayMs : 0;
  }
  const alive = new Set(procs.map((p) => p.pid));
  return before.filter((pid) => !is.has(pid)).every((pid) => !alive.has(pid)) ? d.terminateDelayMs : 0;
}

/** A later snapshot: new counts, and the quorum changes to report now. */
export function observeProcesses(defs: readonly ProcessTrackParams[], prev: ProcessTracking, procs: readonly ProcessInfo[], now: number): ProcessStep {
  const tracking: Record<string, ProcessTrackState> = {};
  const changes: QuorumChange[] = [];
  for (const d of defs) {
    const p = prev[d.name] ?? { pids: [], haveQuorum: quorumMet(d, 0) };
    const pids = matching(d, procs);
    const inRange = quorumMet(d, pids.length);
    if (inRange === p.haveQuorum) {
      // nothing to report; a change still waiting for its delay has reverted (keepalived cancels the timer)
      tracking[d.name] = { pids, haveQuorum: p.haveQuorum };
    } else if (p.pendingUntil !== undefined) {
      tracking[d.name] = { pids, haveQuorum: p.haveQuorum, pendingUntil: p.pendingUntil };
    } else {
      const delay = delayFor(d, p.pids, pids, procs);
      if (delay > 0) tracking[d.name] = { pids, haveQuorum: p.haveQuorum, pendingUntil: now + delay };
      else {
        tracking[d.name] = { pids, haveQuorum: inRange };
        changes.push({ name: d.name, quorum: inRange });
      }
    }
  }
  return { tracking, changes };
}

/** Delays that ran out by `now`: the quorum is what the last snapshot counted. */
export function expireProcessDelays(defs: readonly ProcessTrackParams[], prev: ProcessTracking, now: number): ProcessStep {
  const tracking: Record<string, ProcessTrackState> = { ...prev };
  const changes: QuorumChange[] = [];
  for (const d of defs) {
    const p = prev[d.name];
    if (p?.pendingUntil === undefined || p.pendingUntil > now) continue;
    const inRange = quorumMet(d, p.pids.length);
    tracking[d.name] = { pids: p.pids, haveQuorum: inRange };
    if (inRange !== p.haveQuorum) changes.push({ name: d.name, quorum: inRange });
  }
  return { tracking, changes };
}

export function nextProcessDeadline(tracking: ProcessTracking): number | undefined {
  let next: number | undefined;
  for (const t of Object.values(tracking)) {
    if (t.pendingUntil !== undefined && (next === undefined || t.pendingUntil < next)) next = t.pendingUntil;
  }
  return next;
}

/** Every tracked process's quorum, for the state machine's first observation. */
export function quorumOf(tracking: ProcessTracking): Record<string, boolean> {
  return Object.fromEntries(Object.entries(tracking).map(([n, t]) => [n, t.haveQuorum]));
}
