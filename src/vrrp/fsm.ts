// The VRRP state machine: step(state, event, now) → { state, effects }. Pure: no I/O, no timers of its
// own. Deadlines are values in the state; the runtime arms one timer for nextDeadline(state) and feeds
// { type: 'timer' } back when it fires. `now` is a monotonic clock in milliseconds.
//
// Covers RFC 5798 §6 (Initialize, Backup, Master; Startup and Shutdown) with keepalived 2.2.7's
// additions: FAULT from tracking, weighted priorities, preempt_delay/nopreempt, sync groups, GARP
// bursts, notify scripts and FIFO lines, and its exact log wording.
import type { VrrpEffect } from './effects.js';
import type { ReceivedAdvert, VrrpEvent } from './events.js';
import { StepContext } from './fsm-context.js';
import type { FsmState, InstanceStateName } from './fsm-state.js';
import { evaluate, faultInitLog, linkChange, retrack, scriptResult, trackBfd, trackFile, trackProcess } from './fsm-tracking.js';
import {
  backupReceive, downTimer, initSands, leaveMaster, masterDownTimerFired, masterReceive, masterTx, memberTransitions as members,
  notifyInstance, restoreInterface, sendGarp, setEffectivePriority,
} from './instance.js';
import { vrrpLog } from './log-events.js';
import { afterMemberTransition, groupOf, initialGroupState, notifyGroup } from './sync-group.js';
import { csToMs, minSkewTime } from './timers.js';

export { initialFsmState } from './fsm-state.js';
export type { FsmState, InstanceState, GroupState, Observed } from './fsm-state.js';

export interface StepResult {
  state: FsmState;
  effects: VrrpEffect[];
}

export function step(state: FsmState, event: VrrpEvent, now: number): StepResult {
  const ctx = new StepContext(state, now);
  switch (event.type) {
    case 'startup': startup(ctx); break;
    case 'timer': timers(ctx); break;
    case 'advert': advert(ctx, event.instance, event.advert); break;
    case 'interface': linkChange(ctx, event.name, event.up); break;
    case 'sourceAddress':
      ctx.observe('sourceAddresses', event.instance, event.address);
      if (ctx.hasInstance(event.instance)) retrack(ctx, [event.instance]);
      break;
    case 'scriptResult': scriptResult(ctx, event.name, event.outcome); break;
    case 'trackFile': trackFile(ctx, event.name, event.value); break;
    case 'trackProcess': trackProcess(ctx, event.name, event.quorum); break;
    case 'trackBfd': trackBfd(ctx, event.name, event.up); break;
    case 'shutdown': shutdown(ctx, event.releaseVips ?? true); break;
  }
  return { state: ctx.result(), effects: ctx.effects };
}

/** The earliest deadline (ms) the runtime must wake up for, or undefined when nothing is pending. */
export function nextDeadline(state: FsmState): number | undefined {
  let next: number | undefined;
  for (const s of Object.values(state.instances)) {
    for (const t of [s.sands, s.garpDelayedAt, s.lowerPrioGarpAt]) {
      if (t !== undefined && (next === undefined || t < next)) next = t;
    }
  }
  return next;
}

// --- Startup (RFC 5798 §6.4.1; keepalived's initialise_tracking_priorities + vrrp_init_state)

function startup(ctx: StepContext): void {
  if (ctx.phase !== 'created') return;
  ctx.phase = 'running';
  if (ctx.params.startupDelayMs > 0) ctx.delayedStartUntil = ctx.now + ctx.params.startupDelayMs;
  const faultedGroups = new Set<string>();

  for (const name of ctx.instanceNames) {
    const p = ctx.param(name);
    const r = evaluate(ctx, name);
    for (const f of r.faults) faultInitLog(ctx, p, f);
    setEffectivePriority(ctx, name, r.effectivePriority);
    const s = ctx.inst(name);
    s.faulted = r.faults.length > 0;
    s.initPending = r.pending.length > 0;
    if (s.faulted) s.wantState = 'FAULT';
    const group = groupOf(ctx, name);
    if (s.faulted && group !== undefined && !faultedGroups.has(group)) {
      faultedGroups.add(group);
      ctx.log(vrrpLog.syncGroupInitFault(group, name));
    }
    // addresses left behind by a crash must go before we may use the interface's address
    if (p.vips.length) {
      ctx.log(vrrpLog.handling(name, 'remove', 'VIPs'));
      ctx.emit({ kind: 'addresses', instance: name, op: 'remove', which: 'vip', addresses: p.vips, stale: true });
    }
    if (p.evips.length) {
      ctx.log(vrrpLog.handling(name, 'remove', 'E-VIPs'));
      ctx.emit({ kind: 'addresses', instance: name, op: 'remove', which: 'evip', addresses: p.evips, stale: true });
    }
  }

  for (const g of ctx.params.syncGroups) {
    ctx.group(g.name).state = initialGroupState(ctx, g.name);
    notifyGroup(ctx, g.name);
  }

  const owners: string[] = [];
  for (const name of ctx.instanceNames) {
    const p = ctx.param(name);
    const s = ctx.inst(name);
    const group = groupOf(ctx, name);
    const groupState = group !== undefined ? ctx.peekGroup(group).state : undefined;
    const newState = groupState ?? s.wantState;
    const held = groupState === 'INIT' || groupState === 'FAULT';
    const up = !s.faulted && !s.initPending && !held;
    if (up && newState === 'MASTER' && s.basePriority === 255 && s.wantState === 'MASTER') {
      // the address owner takes over at once (keepalived: a 1 µs master-down timer, which still
      // waits for vrrp_startup_delay)
      s.state = 'BACKUP';
      s.msDownTimer = 0.001;
      if (ctx.delayedStartUntil === undefined) owners.push(name);
      else initSands(ctx, name);
      continue;
    }
    s.msDownTimer = newState === 'BACKUP' && s.wantState === 'MASTER'
      ? csToMs(s.masterAdverIntCs) + minSkewTime(p.version, s.masterAdverIntCs)
      : downTimer(ctx, name);
    if (up && newState !== 'FAULT') {
      ctx.log(vrrpLog.entering(name, 'BACKUP', true));
      s.state = 'BACKUP';
    } else {
      ctx.log(vrrpLog.entering(name, 'FAULT', true));
      s.state = 'FAULT';
    }
    // keepalived 2.2.7 announces a start-up FAULT only in some paths; we always announce the first state
    notifyInstance(ctx, name);
    initSands(ctx, name);
  }
  for (const name of owners) expire(ctx, name);
}

// --- timers

function expire(ctx: StepContext, name: string): void {
  const prev: InstanceStateName = ctx.peek(name).state;
  if (prev === 'BACKUP') masterDownTimerFired(ctx, name);
  else if (prev === 'MASTER') masterTx(ctx, name);
  afterMemberTransition(ctx, name, prev, members);
  initSands(ctx, name);
}

function timers(ctx: StepContext): void {
  if (ctx.phase !== 'running') return;
  const due = ctx.instanceNames
    .filter((n) => ctx.peek(n).sands !== undefined && ctx.peek(n).sands! <= ctx.now)
    .sort((a, b) => ctx.peek(a).sands! - ctx.peek(b).sands!);
  for (const name of due) {
    const t = ctx.peek(name).sands;
    // a sync-group move earlier in this loop may have re-armed it
    if (t === undefined || t > ctx.now) continue;
    expire(ctx, name);
  }
  for (const name of ctx.instanceNames) {
    const s = ctx.peek(name);
    const p = ctx.param(name);
    if (s.garpDelayedAt !== undefined && s.garpDelayedAt <= ctx.now) {
      ctx.inst(name).garpDelayedAt = undefined;
      sendGarp(ctx, name, p.garpMasterRepeat, 'master-delayed');
    }
    if (s.lowerPrioGarpAt !== undefined && s.lowerPrioGarpAt <= ctx.now) {
      ctx.inst(name).lowerPrioGarpAt = undefined;
      sendGarp(ctx, name, p.garpLowerPrioRepeat, 'lower-prio-delayed');
    }
  }
}

// --- adverts

function advert(ctx: StepContext, name: string, adv: ReceivedAdvert): void {
  if (ctx.phase !== 'running' || !ctx.hasInstance(name)) return;
  const prev = ctx.peek(name).state;
  // FAULT and INIT instances do not listen (keepalived drops the packet before any counter)
  if (prev !== 'BACKUP' && prev !== 'MASTER') return;
  ctx.count(name, 'advert_rcvd');
  if (adv.priority === 0) ctx.count(name, 'pri_zero_rcvd');
  let rearm = true;
  if (prev === 'BACKUP') rearm = backupReceive(ctx, name, adv);
  else if (masterReceive(ctx, name, adv)) leaveMaster(ctx, name, false);
  afterMemberTransition(ctx, name, prev, members);
  // a discarded advert leaves the master-down timer running; a master that answered restarts its
  // advert timer (with lower_prio_no_advert it did not answer)
  if (ctx.peek(name).state === 'MASTER' ? !ctx.param(name).lowerPrioNoAdvert : rearm) initSands(ctx, name);
}

// --- Shutdown (RFC 5798 §6.4.2/§6.4.3 Shutdown; keepalived's stop sequence)

function shutdown(ctx: StepContext, releaseVips: boolean): void {
  if (ctx.phase !== 'running') {
    ctx.phase = 'stopped';
    return;
  }
  for (const name of ctx.instanceNames) {
    if (releaseVips && ctx.peek(name).state === 'MASTER') restoreInterface(ctx, name, true);
  }
  for (const name of ctx.instanceNames) {
    const s = ctx.inst(name);
    s.state = 'STOP';
    s.sands = undefined;
    s.garpDelayedAt = undefined;
    s.lowerPrioGarpAt = undefined;
    notifyInstance(ctx, name);
  }
  for (const g of ctx.params.syncGroups) {
    ctx.group(g.name).state = 'STOP';
    notifyGroup(ctx, g.name);
  }
  ctx.phase = 'stopped';
}

