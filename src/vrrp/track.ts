// Tracking: what tracked interfaces, vrrp_scripts, track_files, processes and BFD sessions do to an
// instance. Level-triggered: given the current status of everything an instance tracks, compute its
// effective priority and whether it must be in FAULT, instead of keepalived's running counters (the
// results are the same; a missed or repeated event cannot skew them).
//
// keepalived's rules (vrrp_track.c, track_file.c, keepalived_netlink.c):
// - weight 0 ("unweighted"): the object being down (up, with `reverse`) puts the instance in FAULT;
// - weight > 0: added while the object is up; weight < 0: added while it is down; `reverse` negates it;
// - track_file: value × weight (× −1 reversed), clamped to −254..253, −254 meaning FAULT; weight 0: a
//   non-zero value (zero, reversed) is FAULT;
// - effective priority = base + Σ, clamped to 1..254; an address owner (255) is never changed;
// - an unweighted script that has not reported yet holds the instance out of BACKUP (no FAULT reason).

import type { ScriptOutcome } from './events.js';

export interface TrackedItem {
  readonly name: string;
  /** 0 = fault when down; ±1..254 = priority adjustment. */
  readonly weight: number;
  readonly reverse: boolean;
}

export interface InstanceTracking {
  readonly interfaces: readonly TrackedItem[];
  readonly scripts: readonly TrackedItem[];
  readonly files: readonly TrackedItem[];
  readonly processes: readonly TrackedItem[];
  readonly bfds: readonly TrackedItem[];
}

export type ScriptStatus = 'unknown' | 'ok' | 'failed';

/** The current status of every trackable object (undefined interface/process/bfd = up, file = 0). */
export interface TrackStatus {
  interfaceUp(name: string): boolean;
  script(name: string): ScriptStatus;
  fileValue(name: string): number;
  processQuorum(name: string): boolean;
  bfdUp(name: string): boolean;
}

export type FaultReason =
  | { kind: 'interface'; name: string }
  | { kind: 'script'; name: string }
  | { kind: 'file'; name: string; status: number }
  | { kind: 'process'; name: string }
  | { kind: 'bfd'; name: string }
  | { kind: 'address' };

export interface TrackingResult {
  /** base + every adjustment, before clamping. */
  totalPriority: number;
  effectivePriority: number;
  faults: FaultReason[];
  /** Unweighted scripts with no result yet. */
  pending: string[];
}

export const PRIO_OWNER = 255;
const FILE_FAULT = -254;

/** Clamp a total to what may be advertised: 1..254, the owner's 255 untouched. */
export function clampPriority(basePriority: number, total: number): number {
  if (basePriority === PRIO_OWNER) return PRIO_OWNER;
  return Math.min(PRIO_OWNER - 1, Math.max(1, total));
}

/** The adjustment a two-state object makes: weight > 0 counts while up, weight < 0 while down. */
export function weightedAdjustment(item: TrackedItem, up: boolean): number {
  const signed = item.reverse ? -item.weight : item.weight;
  if (item.weight > 0) return up ? signed : 0;
  if (item.weight < 0) return up ? 0 : signed;
  return 0;
}

/** A two-state object's unweighted verdict: down (up, reversed) is a fault. */
export function unweightedFault(item: TrackedItem, up: boolean): boolean {
  return up === item.reverse;
}

/** A track_file value's contribution, or 'fault'. */
export function trackFileStatus(item: TrackedItem, value: number): number | 'fault' {
  if (item.weight === 0) return (value !== 0) !== item.reverse ? 'fault' : 0;
  const status = Math.max(FILE_FAULT, Math.min(253, value * item.weight * (item.reverse ? -1 : 1)));
  return status === FILE_FAULT ? 'fault' : status;
}

export function evaluateTracking(basePriority: number, t: InstanceTracking, s: TrackStatus): TrackingResult {
  let total = basePriority;
  const faults: FaultReason[] = [];
  const pending: string[] = [];
  const twoState = (items: readonly TrackedItem[], up: (n: string) => boolean, kind: 'interface' | 'process' | 'bfd') => {
    for (const item of items) {
      const isUp = up(item.name);
      if (item.weight === 0) {
        if (unweightedFault(item, isUp)) faults.push({ kind, name: item.name });
      } else total += weightedAdjustment(item, isUp);
    }
  };
  twoState(t.interfaces, (n) => s.interfaceUp(n), 'interface');
  for (const item of t.scripts) {
    const st = s.script(item.name);
    if (item.weight === 0) {
      if (st === 'unknown') pending.push(item.name);
      else if (unweightedFault(item, st === 'ok')) faults.push({ kind: 'script', name: item.name });
    } else if (st !== 'unknown') total += weightedAdjustment(item, st === 'ok');
  }
  for (const item of t.files) {
    const st = trackFileStatus(item, s.fileValue(item.name));
    if (st === 'fault') faults.push({ kind: 'file', name: item.name, status: FILE_FAULT });
    else total += st;
  }
  twoState(t.processes, (n) => s.processQuorum(n), 'process');
  twoState(t.bfds, (n) => s.bfdUp(n), 'bfd');
  return { totalPriority: total, effectivePriority: clampPriority(basePriority, total), faults, pending };
}

// --- vrrp_script rise/fall counting (keepalived's vrrp_script_child_thread)

export interface ScriptParams {
  readonly name: string;
  readonly rise: number;
  readonly fall: number;
  /** `init_fail`: considered failed until it succeeds `rise` times. */
  readonly initFail: boolean;
}

export interface ScriptCounter {
  /**
   * 0..rise+fall−1: at or above `rise` the script is OK. A success climbs by one up to `rise`, then jumps
   * to the top; a failure steps down to `rise`, then drops to 0.
   */
  readonly result: number;
  /** 'init': no run finished yet (status unknown); 'init-failed': `init_fail`, no run finished yet. */
  readonly phase: 'init' | 'init-failed' | 'done';
  /** Last exit status, to log changes. */
  readonly lastStatus: number;
}

export function initialScriptCounter(p: ScriptParams): ScriptCounter {
  // one success is enough to leave the initial state; init_fail needs `rise` of them
  return { result: p.initFail ? 0 : p.rise - 1, phase: p.initFail ? 'init-failed' : 'init', lastStatus: 0 };
}

export function scriptStatus(c: ScriptCounter, p: ScriptParams): ScriptStatus {
  if (c.phase === 'init') return 'unknown';
  return c.result >= p.rise ? 'ok' : 'failed';
}

export interface ScriptCount {
  counter: ScriptCounter;
  /** keepalived's log lines for this run (status change, succeeded/failed/timed_out). */
  logs: Array<{ kind: 'returning'; status: number } | { kind: 'succeeded' } | { kind: 'failed'; how: 'failed' | 'timed_out'; reason?: string }>;
}

export function countScriptResult(c: ScriptCounter, p: ScriptParams, end: ScriptOutcome): ScriptCount {
  const logs: ScriptCount['logs'] = [];
  let lastStatus = c.lastStatus;
  let ok: boolean;
  let how: 'failed' | 'timed_out' = 'failed';
  let reason: string | undefined;
  if ('exitCode' in end) {
    if (end.exitCode !== c.lastStatus) logs.push({ kind: 'returning', status: end.exitCode });
    lastStatus = end.exitCode;
    ok = end.exitCode === 0;
    if (!ok) reason = `exited with status ${end.exitCode}`;
  } else if ('signal' in end) {
    ok = false;
    reason = `due to signal ${end.signal}`;
  } else {
    ok = false;
    how = 'timed_out';
  }
  const top = p.rise + p.fall - 1;
  const inInit = c.phase === 'init';
  let result = c.result;
  if (ok) {
    if (result < p.rise - 1) result++;
    else if (result !== top) {
      if (result < p.rise) logs.push({ kind: 'succeeded' });
      result = top;
    }
  } else if (result > p.rise) result--;
  else {
    if (result === p.rise || inInit) logs.push({ kind: 'failed', how, reason });
    result = 0;
  }
  return { counter: { result, phase: 'done', lastStatus }, logs };
}
