// Judges the health-check lab's record (check-driver.ts) against the scenario (check-scenario.ts), per
// daemon and per event: the virtual server's entries afterwards, when the table last changed (the
// reaction), the lines logged. Pure: the test asserts on what this returns.
import { MISC_PATH_TOKEN, STEP_COUNT, TRACKS, boundMs, serviceKey, startBoundMs, type EventSpec, type TrackSpec } from './check-scenario.js';
import type { Daemon, DriverResult, StepRecord } from './check-driver.js';

export interface EventVerdict {
  /** 0 = start-up */
  step: number;
  track: string;
  event: string;
  /** keepalived's table of this virtual server as the scenario has it */
  expected: string[];
  /** did the scenario expect the table to change? */
  expectChange: boolean;
  /** a deliberate difference: ours' expected entries and why (check-scenario.ts EventSpec.ours) */
  ours?: { table: string[]; why: string; expectChange: boolean };
  boundMs: number;
  /** for each daemon */
  dests: Record<Daemon, string[]>;
  /** ms from the event to the last change of this virtual server's entries in the step; null: none */
  reactionMs: Record<Daemon, number | null>;
  /** every change of this virtual server's entries in the step: ms after the event, entries */
  changes: Record<Daemon, Array<{ ms: number; dests: string[] }>>;
  /** expected log lines not found in the step's window */
  missingLogs: Record<Daemon, string[]>;
  /** lines of the step's window that name this virtual server or one of its real servers */
  logs: Record<Daemon, string[]>;
}

const DAEMONS: readonly Daemon[] = ['keepalived', 'ours'];

function same(a: readonly string[], b: readonly string[]): boolean {
  return [...a].sort().join('\n') === [...b].sort().join('\n');
}

/** Addresses as they appear in log lines: `[10.9.1.1]:` for real servers, the VIP's for the virtual server. */
function mentions(t: TrackSpec, line: string): boolean {
  return line.includes(`[${t.vip}]:`) || t.reals.some((r) => line.includes(`[${r.addr}]:`));
}

function judge(
  r: DriverResult, step: StepRecord, t: TrackSpec, name: string, at: Record<Daemon, number>, expected: readonly string[],
  previous: readonly string[] | undefined, logs: readonly string[], bound: number, miscScript: string,
  ours?: EventSpec['ours'], oursPrevious?: readonly string[],
): EventVerdict {
  const service = serviceKey(t);
  const v: EventVerdict = {
    step: step.index, track: t.name, event: name, expected: [...expected].sort(),
    expectChange: previous === undefined ? true : !same(previous, expected), boundMs: bound,
    dests: {} as EventVerdict['dests'], reactionMs: {} as EventVerdict['reactionMs'], changes: {} as EventVerdict['changes'],
    missingLogs: {} as EventVerdict['missingLogs'], logs: {} as EventVerdict['logs'],
    ...(ours ? { ours: { table: [...ours.table].sort(), why: ours.why, expectChange: !same(oursPrevious ?? previous ?? [], ours.table) } } : {}),
  };
  for (const who of DAEMONS) {
    v.dests[who] = [...(step.tables[who].services[service] ?? [])].sort();
    const changes = r.changes
      .filter((c) => c.daemon === who && c.service === service && c.t > step.startMs && c.t <= step.endMs)
      .map((c) => ({ ms: c.t - at[who], dests: c.dests }));
    v.changes[who] = changes;
    v.reactionMs[who] = changes.length ? changes[changes.length - 1]!.ms : null;
    // from the step's start: a daemon may log before the driver has noted the action as done
    const window = r.daemons[who].log.filter((l) => l.t >= step.startMs && l.t <= step.endMs).map((l) => l.line);
    v.missingLogs[who] = logs.map((l) => l.replaceAll(MISC_PATH_TOKEN, miscScript)).filter((l) => !window.some((w) => w.includes(l)));
    v.logs[who] = window.filter((l) => mentions(t, l));
  }
  return v;
}

/** One verdict per track at start-up, then one per event. */
export function judgeRun(r: DriverResult, miscScript: string): EventVerdict[] {
  const out: EventVerdict[] = [];
  const start = r.steps.find((s) => s.index === 0);
  if (start) {
    const at = Object.fromEntries(DAEMONS.map((w) => [w, r.daemons[w].startedMs ?? r.daemons[w].spawnedMs])) as Record<Daemon, number>;
    for (const t of TRACKS) out.push(judge(r, start, t, 'start-up', at, t.initial, undefined, t.startLogs ?? [], startBoundMs(t), miscScript));
  }
  for (let k = 0; k < STEP_COUNT; k++) {
    const step = r.steps.find((s) => s.index === k + 1);
    if (!step) continue;
    for (const t of TRACKS) {
      const e: EventSpec | undefined = t.events[k];
      if (!e) continue;
      const applied = step.events.find((x) => x.track === t.name && x.event === e.name)?.appliedMs ?? { keepalived: step.startMs, ours: step.startMs };
      const before = k === 0 ? undefined : t.events[k - 1]!;
      const previous = before ? before.table : t.initial;
      const oursPrevious = before ? (before.ours?.table ?? before.table) : t.initial;
      out.push(judge(r, step, t, e.name, applied, e.table, previous, e.logs, boundMs(t, e), miscScript, e.ours, oursPrevious));
    }
  }
  return out;
}

/** What is wrong with one daemon's reaction to one event; [] when nothing. */
export function problems(v: EventVerdict, who: Daemon, marginMs: number, reference?: EventVerdict['dests'][Daemon]): string[] {
  const p: string[] = [];
  const want = reference ?? v.expected;
  if (!same(v.dests[who], want)) p.push(`entries [${v.dests[who].join(', ')}], ${reference ? "keepalived's" : 'expected'} [${want.join(', ')}]`);
  const reaction = v.reactionMs[who];
  if (v.expectChange) {
    if (reaction === null) p.push('the table did not change');
    else if (reaction > v.boundMs + marginMs) p.push(`reacted after ${reaction} ms, bound ${v.boundMs} + margin ${marginMs} ms`);
  } else if (v.step > 0 && v.changes[who].length) {
    p.push(`the table changed though it should not have: ${v.changes[who].map((c) => `+${c.ms} ms [${c.dests.join(', ')}]`).join('; ')}`);
  }
  if (v.missingLogs[who].length) p.push(`did not log: ${v.missingLogs[who].map((l) => JSON.stringify(l)).join(', ')}`);
  return p;
}

export function describeVerdict(v: EventVerdict, who: Daemon, issues: string[]): string {
  return [
    `step ${v.step} ${v.track}/${v.event} — ${who}: ${issues.join('; ')}`,
    ...v.logs[who].slice(0, 12).map((l) => `    | ${l}`),
  ].join('\n');
}

/** `ipvsadm -S -n` lines, sorted: the whole table, for comparing the two daemons. */
export function canonicalSave(text: string): string[] {
  return text.split('\n').map((l) => l.trim()).filter(Boolean).sort();
}
