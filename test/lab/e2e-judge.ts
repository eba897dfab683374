// Reads the end-to-end lab's record (e2e-record.ts) into the numbers the test asserts on: failed requests
// per step and stream, who answered, table and VIP changes inside a window, VRRP transitions logged, the
// failover's length, how the long-lived connections fared, and how long the migration pair ever had two
// masters or none. Pure.
import { ALL_VIPS, DIRS, STREAMS, type DirName, type Stream } from './e2e-scenario.js';
import type { E2eResult, RequestRecord, StepRecord } from './e2e-record.js';

export const failed = (r: RequestRecord) => r.o.startsWith('fail');

export function step(result: E2eResult, name: string): StepRecord {
  const s = result.steps.find((x) => x.name === name);
  if (!s) throw new Error(`step ${name} did not run (the scenario stopped early: ${result.errors.join('; ') || 'no error recorded'})`);
  return s;
}

/** Requests of a stream sent in [from, to). */
export function sent(result: E2eResult, stream: Stream, from: number, to: number): RequestRecord[] {
  return result.requests[stream].filter((r) => r.s >= from && r.s < to);
}

export interface Tally {
  total: number;
  failed: number;
  /** answers per real server */
  by: Record<string, number>;
  /** the failures' kinds */
  failures: Record<string, number>;
}

export function tally(rs: RequestRecord[]): Tally {
  const t: Tally = { total: rs.length, failed: 0, by: {}, failures: {} };
  for (const r of rs) {
    if (failed(r)) {
      t.failed++;
      t.failures[r.o] = (t.failures[r.o] ?? 0) + 1;
    } else t.by[r.o] = (t.by[r.o] ?? 0) + 1;
  }
  return t;
}

export function stepTally(result: E2eResult, s: StepRecord): Record<Stream, Tally> {
  return Object.fromEntries(STREAMS.map((st) => [st, tally(sent(result, st, s.startMs, s.endMs))])) as Record<Stream, Tally>;
}

/** Table changes seen on a director in (from, to]. */
export function tableChanges(result: E2eResult, dir: DirName, from: number, to: number) {
  return result.tables.filter((c) => c.dir === dir && c.t > from && c.t <= to);
}

export function vipChanges(result: E2eResult, dir: DirName, from: number, to: number) {
  return result.vips.filter((c) => c.dir === dir && c.t > from && c.t <= to);
}

/** VRRP transitions (`(VI_x) Entering … STATE`) any daemon logged in [from, to). */
export function transitions(result: E2eResult, from: number, to: number): string[] {
  return result.daemons.flatMap((d) =>
    d.log.filter((l) => l.t >= from && l.t < to && /\(VI_\w+\) Entering \w+ STATE/.test(l.line)).map((l) => `${d.id} @${l.t}: ${l.line.replace(/^.*?(\(VI_)/, '$1')}`),
  );
}

export function logged(result: E2eResult, id: string, text: string, from = 0, to = Infinity): number[] {
  const d = result.daemons.find((x) => x.id === id);
  return (d?.log ?? []).filter((l) => l.t >= from && l.t < to && l.line.includes(text)).map((l) => l.t);
}

export interface EchoVerdict {
  stream: Stream;
  /** the connection ended by itself (reset, closed) before the traffic stopped */
  ended: string | null;
  /** lines sent in [from, to − graceMs) that never came back */
  unanswered: number;
  /** real servers that answered (in the window): one, if the connection stayed the same */
  servers: string[];
  /** the longest wait for an echo of a line sent in [from, to) */
  longestMs: number;
  /** echoes that arrived after `after` (the connection works after the failover) */
  echoedAfter: number;
}

export function echoVerdict(result: E2eResult, stream: Stream, from: number, to: number, after: number, graceMs = 1000): EchoVerdict {
  const e = result.echo[stream];
  const stop = result.traffic.stopMs ?? Infinity;
  const inWindow = e.lines.filter((l) => l.s >= from && l.s < to);
  return {
    stream,
    ended: e.endedMs === null || e.endedMs >= Math.min(to, stop) ? null : `${e.error} at ${e.endedMs} ms`,
    unanswered: inWindow.filter((l) => l.e === null && l.s < Math.min(to, stop) - graceMs).length,
    servers: [...new Set(e.lines.filter((l) => l.rs !== null && l.s < to).map((l) => l.rs!))],
    longestMs: Math.max(0, ...inWindow.map((l) => (l.e ?? stop) - l.s)),
    echoedAfter: e.lines.filter((l) => l.e !== null && l.e > after).length,
  };
}

export interface MasterCount {
  /** the longest stretch with two directors holding VIPs */
  longestBothMs: number;
  /** the longest stretch with no director holding all of them */
  longestNoneMs: number;
  /** stretches with VIPs split between the two (a sync group torn apart) */
  longestSplitMs: number;
  /** the stretches, for a report */
  episodes: Array<{ kind: 'both' | 'none' | 'split'; fromMs: number; toMs: number }>;
}

/**
 * From the VIP samples: how long the pair ever had two masters (both holding VIPs) or none (nobody
 * holding all of them), in [from, to). Sampled every poll, so each length is ± one poll period.
 */
export function masterCount(result: E2eResult, from: number, to: number): MasterCount {
  const state = new Map<DirName, string[]>();
  for (const d of DIRS) {
    const before = result.vips.filter((c) => c.dir === d && c.t <= from).at(-1);
    state.set(d, before?.vips ?? []);
  }
  const events = result.vips.filter((c) => c.t > from && c.t < to).sort((a, b) => a.t - b.t);
  const kindNow = (): 'both' | 'none' | 'split' | 'one' => {
    const held = DIRS.map((d) => state.get(d)!.length);
    if (held.every((n) => n > 0)) return 'both';
    if (held.some((n) => n === ALL_VIPS.length)) return 'one';
    return held.some((n) => n > 0) ? 'split' : 'none';
  };
  const episodes: MasterCount['episodes'] = [];
  let kind = kindNow();
  let since = from;
  const close = (t: number) => {
    // two directors' samples of one poll arrive one after the other: a zero-length stretch is no episode
    if (kind !== 'one' && t > since) episodes.push({ kind, fromMs: since, toMs: t });
  };
  for (const e of events) {
    state.set(e.dir, e.vips);
    const k = kindNow();
    if (k !== kind) {
      close(e.t);
      kind = k;
      since = e.t;
    }
  }
  close(to);
  const longest = (k: string) => Math.max(0, ...episodes.filter((e) => e.kind === k).map((e) => e.toMs - e.fromMs));
  // a split next to a stretch with nobody is part of one gap, as far as clients are concerned
  let gap = 0;
  let gapFrom: number | undefined;
  let gapTo = -1;
  for (const e of episodes) {
    if (e.kind === 'both') continue;
    if (gapFrom === undefined || e.fromMs !== gapTo) gapFrom = e.fromMs;
    gapTo = e.toMs;
    gap = Math.max(gap, gapTo - gapFrom);
  }
  return { longestBothMs: longest('both'), longestNoneMs: gap, longestSplitMs: longest('split'), episodes };
}
