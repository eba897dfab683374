// One VRRP instance's transitions (RFC 5798 §6.4 with keepalived 2.2.7's behaviour, vrrp.c), written
// against a StepContext: they change the instance record and emit effects in the order keepalived acts.
// Sync-group coordination is layered on top by fsm.ts through sync-group.ts.
import { compareIp } from '../lib/ip.js';
import type { GarpReason, NotifyState } from './effects.js';
import { notifyEffect } from './effects.js';
import type { StepContext } from './fsm-context.js';
import type { ReceivedAdvert } from './events.js';
import { vrrpLog } from './log-events.js';
import type { InstanceParams } from './params.js';
import { canGotoMaster, type MemberTransitions } from './sync-group.js';
import { adoptMasterAdverInt, csToMs, masterDownInterval, skewTime } from './timers.js';
import { PRIO_OWNER } from './track.js';

/** Master_Down_Interval (ms) from the instance's current priority and Master_Adver_Interval. */
export function downTimer(ctx: StepContext, name: string): number {
  const p = ctx.param(name);
  const s = ctx.peek(name);
  return masterDownInterval(p.version, s.effectivePriority, s.masterAdverIntCs, p.downTimerAdverts);
}

/** Re-arm the instance's deadline for its state (keepalived's vrrp_init_instance_sands). */
export function initSands(ctx: StepContext, name: string): void {
  const s = ctx.inst(name);
  if (s.state === 'MASTER') s.sands = ctx.now + csToMs(ctx.param(name).advertIntCs);
  else if (s.state === 'BACKUP') {
    const start = ctx.delayedStartUntil !== undefined && ctx.now < ctx.delayedStartUntil ? ctx.delayedStartUntil : ctx.now;
    s.sands = start + s.msDownTimer;
  } else s.sands = undefined;
}

export function sendAdvert(ctx: StepContext, name: string, priority: number): void {
  ctx.emit({ kind: 'sendAdvert', instance: name, priority });
  ctx.count(name, 'advert_sent');
  if (priority === 0) ctx.count(name, 'pri_zero_sent');
}

/** A GARP/NA burst for every VIP and eVIP, only while they are installed (keepalived: VRRP_VIP_ISSET). */
export function sendGarp(ctx: StepContext, name: string, repeat: number, reason: GarpReason): void {
  const p = ctx.param(name);
  if (!ctx.peek(name).vipsSet || repeat <= 0) return;
  const addresses = [...p.vips, ...p.evips];
  if (!addresses.length) return;
  for (const a of addresses) ctx.log(vrrpLog.garpQueued(name, a.address.family, a.dev, a.address.text));
  ctx.emit({ kind: 'garp', instance: name, addresses, repeat, arpIntervalMs: p.garpIntervalMs, naIntervalMs: p.gnaIntervalMs, reason });
}

/**
 * Announce a state (or an event such as MASTER_RX_LOWER_PRI) to scripts and the FIFO. A state equal to
 * the last one announced is not repeated unless `force` (keepalived could announce FAULT twice).
 */
export function notifyInstance(ctx: StepContext, name: string, state?: NotifyState, opts: { force?: boolean; rerun?: 'dual-master' } = {}): void {
  const s = ctx.inst(name);
  const what = state ?? (s.state === 'INIT' ? undefined : s.state);
  if (!what) return;
  const isState = what === 'MASTER' || what === 'BACKUP' || what === 'FAULT' || what === 'STOP' || what === 'DELETED';
  if (isState && !opts.force && s.lastNotified === what) return;
  const effect = notifyEffect('instance', name, what, s.effectivePriority, ctx.param(name).notify);
  ctx.emit(opts.rerun ? { ...effect, rerun: opts.rerun } : effect);
  if (isState) s.lastNotified = what;
}

/** keepalived's vrrp_state_become_master: addresses in, GARPs out, notify. */
function becomeMaster(ctx: StepContext, name: string): void {
  const p = ctx.param(name);
  const s = ctx.inst(name);
  ctx.count(name, 'become_master');
  s.masterSince = ctx.now;
  if (s.masterAdverIntCs !== p.advertIntCs) {
    ctx.log(vrrpLog.advertIntervalLocal(name, csToMs(s.masterAdverIntCs), csToMs(p.advertIntCs)));
    s.masterAdverIntCs = p.advertIntCs;
  }
  if (p.firewall) {
    ctx.log(vrrpLog.handling(name, 'add', 'firewall drop rule'));
    ctx.emit({ kind: 'firewall', instance: name, op: 'add' });
  }
  if (p.vips.length) {
    ctx.log(vrrpLog.handling(name, 'add', 'VIPs'));
    ctx.emit({ kind: 'addresses', instance: name, op: 'add', which: 'vip', addresses: p.vips });
  }
  if (p.evips.length) {
    ctx.log(vrrpLog.handling(name, 'add', 'E-VIPs'));
    ctx.emit({ kind: 'addresses', instance: name, op: 'add', which: 'evip', addresses: p.evips });
  }
  s.vipsSet = true;
  if (p.routes.length) {
    ctx.log(vrrpLog.handling(name, 'add', 'Virtual Routes'));
    ctx.emit({ kind: 'routes', instance: name, op: 'add', routes: p.routes });
  }
  if (p.rules.length) {
    ctx.log(vrrpLog.handling(name, 'add', 'Virtual Rules'));
    ctx.emit({ kind: 'rules', instance: name, op: 'add', rules: p.rules });
  }
  sendGarp(ctx, name, p.garpMasterRepeat, 'master');
  const refresh = garpRefresh(p);
  s.garpRefreshAt = refresh ? ctx.now + refresh.ms : undefined;
  notifyInstance(ctx, name);
}

/**
 * A master's advert timer fired, or it just became master: advertise first (so the old master drops
 * the VIPs before our GARPs), then on the transition install everything; while master, refresh GARPs.
 */
export function masterTx(ctx: StepContext, name: string): void {
  const p = ctx.param(name);
  const s = ctx.inst(name);
  sendAdvert(ctx, name, s.effectivePriority);
  if (!s.vipsSet) {
    ctx.log(vrrpLog.entering(name, 'MASTER'));
    becomeMaster(ctx, name);
    if (p.garpMasterDelayMs > 0) s.garpDelayedAt = ctx.now + p.garpMasterDelayMs;
  } else {
    const refresh = garpRefresh(p);
    // keepalived refreshes with the first advert after the time; ours goes with the advert due at it
    const due = refresh && s.garpRefreshAt !== undefined && (refresh.reason === 'refresh' ? ctx.now > s.garpRefreshAt : ctx.now >= s.garpRefreshAt);
    if (due) {
      sendGarp(ctx, name, refresh.repeat, refresh.reason);
      s.garpRefreshAt = ctx.now + refresh.ms;
    }
  }
}

/** The periodic re-announcement while master: garp_master_refresh if configured, else ours, if on. */
function garpRefresh(p: InstanceParams): { ms: number; repeat: number; reason: GarpReason } | undefined {
  if (p.garpMasterRefreshMs > 0) return { ms: p.garpMasterRefreshMs, repeat: p.garpMasterRefreshRepeat, reason: 'refresh' };
  if (p.garpSplitBrainRefreshMs > 0) return { ms: p.garpSplitBrainRefreshMs, repeat: 1, reason: 'split-brain-refresh' };
  return undefined;
}

/** keepalived's vrrp_state_goto_master; false when the sync group holds the instance in BACKUP. */
export function gotoMaster(ctx: StepContext, name: string): boolean {
  const s = ctx.inst(name);
  if (!canGotoMaster(ctx, name)) {
    // wait for the other members; the timer only has to fire again
    s.wantState = 'MASTER';
    s.msDownTimer = downTimer(ctx, name);
    initSands(ctx, name);
    return false;
  }
  s.state = 'MASTER';
  initSands(ctx, name);
  masterTx(ctx, name);
  return true;
}

/** Take everything down (keepalived's vrrp_restore_interface); `stopAdvert` sends priority 0 first. */
export function restoreInterface(ctx: StepContext, name: string, stopAdvert: boolean): void {
  const p = ctx.param(name);
  const s = ctx.inst(name);
  if (stopAdvert) {
    sendAdvert(ctx, name, 0);
    ctx.log(vrrpLog.sentPriorityZero(name));
  }
  s.garpDelayedAt = undefined;
  s.lowerPrioGarpAt = undefined;
  if (!s.vipsSet && !p.releaseUnsetVips) return;
  if (p.rules.length) {
    ctx.log(vrrpLog.handling(name, 'remove', 'Virtual Rules'));
    ctx.emit({ kind: 'rules', instance: name, op: 'remove', rules: p.rules });
  }
  if (p.routes.length) {
    ctx.log(vrrpLog.handling(name, 'remove', 'Virtual Routes'));
    ctx.emit({ kind: 'routes', instance: name, op: 'remove', routes: p.routes });
  }
  if (p.vips.length) {
    ctx.log(vrrpLog.handling(name, 'remove', 'VIPs'));
    ctx.emit({ kind: 'addresses', instance: name, op: 'remove', which: 'vip', addresses: p.vips });
  }
  if (p.evips.length) {
    ctx.log(vrrpLog.handling(name, 'remove', 'E-VIPs'));
    ctx.emit({ kind: 'addresses', instance: name, op: 'remove', which: 'evip', addresses: p.evips });
  }
  if (p.firewall) {
    ctx.log(vrrpLog.handling(name, 'remove', 'firewall drop rule'));
    ctx.emit({ kind: 'firewall', instance: name, op: 'remove' });
  }
  s.vipsSet = false;
}

/**
 * MASTER → wantState (BACKUP or FAULT), keepalived's vrrp_state_leave_master. Going to FAULT always sends a
 * priority-0 advert; `stopAdvert` adds keepalived's second one (a tracked fault sends two).
 */
export function leaveMaster(ctx: StepContext, name: string, stopAdvert: boolean): void {
  const s = ctx.inst(name);
  if (s.wantState === 'BACKUP') {
    ctx.log(vrrpLog.entering(name, 'BACKUP'));
    s.preemptTime = undefined;
  } else if (s.wantState === 'FAULT') {
    ctx.log(vrrpLog.entering(name, 'FAULT'));
    sendAdvert(ctx, name, 0);
  } else return;
  restoreInterface(ctx, name, stopAdvert);
  s.state = s.wantState;
  notifyInstance(ctx, name);
  s.msDownTimer = downTimer(ctx, name);
  initSands(ctx, name);
  ctx.count(name, 'release_master');
}

/** FAULT/INIT → wantState, keepalived's vrrp_state_leave_fault (also used to sync members). */
export function leaveFault(ctx: StepContext, name: string): void {
  const p = ctx.param(name);
  const s = ctx.inst(name);
  if (s.wantState === 'MASTER') gotoMaster(ctx, name);
  else {
    if (s.state !== s.wantState) ctx.log(vrrpLog.entering(name, s.wantState));
    if (s.wantState === 'FAULT' && s.state === 'MASTER') {
      sendAdvert(ctx, name, 0);
      restoreInterface(ctx, name, false);
    }
    s.state = s.wantState;
    notifyInstance(ctx, name);
    if (s.state === 'BACKUP') s.preemptTime = undefined;
  }
  s.masterAdverIntCs = p.advertIntCs;
  s.msDownTimer = downTimer(ctx, name);
  initSands(ctx, name);
}

/** An unweighted tracked object failed (keepalived's down_instance, without the sync-group part). */
export function downInstance(ctx: StepContext, name: string): void {
  const s = ctx.inst(name);
  s.wantState = 'FAULT';
  if (s.state === 'MASTER') leaveMaster(ctx, name, true);
  else leaveFault(ctx, name);
}

/**
 * The last fault cleared (keepalived's try_up_instance, without the sync-group part): back to BACKUP, or
 * straight to MASTER for an owner that still wants it (only on leaving start-up; a fault resets that).
 */
export function tryUpInstance(ctx: StepContext, name: string): void {
  const p = ctx.param(name);
  const s = ctx.inst(name);
  if (!(s.wantState === 'MASTER' && s.basePriority === PRIO_OWNER)) s.wantState = 'BACKUP';
  const wanted = s.wantState;
  // a sync group that cannot follow yet keeps it in BACKUP, still wanting MASTER
  if (p.syncGroup && s.wantState === 'MASTER' && !canGotoMaster(ctx, name)) s.wantState = 'BACKUP';
  leaveFault(ctx, name);
  // unicast: make the master re-learn our MAC so its adverts reach us before our timer expires
  if (p.unicast && p.srcIp) ctx.emit({ kind: 'garpSource', instance: name, address: p.srcIp, dev: p.interface });
  s.wantState = wanted;
}

/** Weighted tracking moved the priority: re-derive the down timer, shifting a running one by the change. */
export function setEffectivePriority(ctx: StepContext, name: string, priority: number): void {
  const p = ctx.param(name);
  const s = ctx.inst(name);
  if (s.basePriority === PRIO_OWNER || s.effectivePriority === priority) return;
  ctx.log(vrrpLog.effectivePriority(name, s.effectivePriority, priority));
  // shift by the change of the full interval (keepalived shifts by the change of its last armed length,
  // which after an ignored or priority-0 advert is a remainder and would push takeover seconds away)
  const old = downTimer(ctx, name);
  s.effectivePriority = priority;
  s.msDownTimer = downTimer(ctx, name);
  if (s.state === 'BACKUP' && s.sands !== undefined) s.sands += s.msDownTimer - old;
  if (p.notifyPriorityChanges) notifyInstance(ctx, name, s.state === 'MASTER' ? 'MASTER_PRIORITY' : 'BACKUP_PRIORITY');
}

/** The backup's master-down timer fired (RFC 5798 §6.4.2 "Master_Down_Timer fires"). */
export function masterDownTimerFired(ctx: StepContext, name: string): void {
  ctx.log(vrrpLog.receiveTimeout(name));
  ctx.inst(name).wantState = 'MASTER';
  gotoMaster(ctx, name);
}

/**
 * BACKUP receives a valid advert (RFC 5798 §6.4.2; keepalived's vrrp_state_backup). Returns false when
 * the advert was discarded, so the running master-down timer must not be restarted.
 */
export function backupReceive(ctx: StepContext, name: string, adv: ReceivedAdvert): boolean {
  const p = ctx.param(name);
  const s = ctx.inst(name);
  const from = adv.source.text;
  let ignore = false;
  if (adv.priority === 0) {
    // the master is leaving: take over after Skew_Time only
    ctx.log(vrrpLog.backupPriorityZero(name));
    s.msDownTimer = skewTime(p.version, s.effectivePriority, s.masterAdverIntCs);
  } else if (
    p.nopreempt ||
    adv.priority >= s.effectivePriority ||
    (p.preemptDelayMs > 0 && (s.preemptTime === undefined || s.preemptTime > ctx.now))
  ) {
    const adopted = adoptMasterAdverInt(p.version, s.masterAdverIntCs, adv.advertIntCs);
    if (adopted !== s.masterAdverIntCs) {
      ctx.log(vrrpLog.advertIntervalFromMaster(name, csToMs(s.masterAdverIntCs), csToMs(adopted)));
      s.masterAdverIntCs = adopted;
    }
    s.msDownTimer = downTimer(ctx, name);
    s.masterAddress = adv.source;
    s.masterPriority = adv.priority;
    if (p.preemptDelayMs > 0) {
      if (adv.priority >= s.effectivePriority) {
        if (s.preemptTime !== undefined) {
          ctx.log(vrrpLog.stopPreemptDelay(name));
          s.preemptTime = undefined;
        }
      } else if (s.preemptTime === undefined) {
        ctx.log(vrrpLog.startPreemptDelay(name, p.preemptDelayMs));
        s.preemptTime = ctx.now + p.preemptDelayMs;
      }
    }
    // a sync group may have held us in BACKUP wanting MASTER; a live master means we want BACKUP
    s.wantState = 'BACKUP';
  } else {
    // preempting: a lower-priority master is ignored, so our down timer runs out and we take over
    ctx.log(vrrpLog.backupDiscardLower(name, adv.priority, from));
    ignore = true;
    s.masterAddress = adv.source;
  }
  return !ignore;
}

/**
 * MASTER receives a valid advert (RFC 5798 §6.4.3; keepalived's vrrp_state_master_rx). Returns true when
 * the instance must step down to BACKUP (the caller runs leaveMaster).
 */
export function masterReceive(ctx: StepContext, name: string, adv: ReceivedAdvert): boolean {
  const p = ctx.param(name);
  const s = ctx.inst(name);
  const from = adv.source.text;
  const local = ctx.localAddress(name);
  const addrCmp = local && local.family === adv.source.family ? Math.sign(compareIp(adv.source, local)) : 0;
  const higher = (prio: number) => adv.priority > prio || (adv.priority === prio && addrCmp > 0);

  if (adv.priority === 0 || (p.higherPrioSendAdvert && higher(s.effectivePriority))) {
    // answer a leaving master at once; or tell a higher one we were master too before yielding
    sendAdvert(ctx, name, s.effectivePriority);
    if (adv.priority === 0) {
      ctx.log(vrrpLog.masterPriorityZero(name));
      return false;
    }
  }

  if (adv.priority === s.effectivePriority) {
    if (addrCmp === 0) ctx.log(vrrpLog.equalPriorityOwnAddress(name));
    else if (s.effectivePriority === PRIO_OWNER) {
      ctx.log(vrrpLog.twoOwners(name));
      s.effectivePriority = PRIO_OWNER - 1;
      s.basePriority = PRIO_OWNER - 1;
    }
  }

  if (adv.priority < s.effectivePriority || (adv.priority === s.effectivePriority && addrCmp < 0)) {
    masterHeardLower(ctx, name, adv);
    return false;
  }

  if (higher(s.effectivePriority)) {
    if (adv.priority > s.effectivePriority) ctx.log(vrrpLog.masterHigherPriority(name, from, adv.priority, s.effectivePriority));
    else ctx.log(vrrpLog.masterSamePriorityHigherIp(name, from, adv.priority));
    const adopted = adoptMasterAdverInt(p.version, s.masterAdverIntCs, adv.advertIntCs);
    if (adopted !== s.masterAdverIntCs) {
      ctx.log(vrrpLog.advertIntervalFromMaster(name, csToMs(s.masterAdverIntCs), csToMs(adopted)));
      s.masterAdverIntCs = adopted;
    }
    s.msDownTimer = downTimer(ctx, name);
    s.masterPriority = adv.priority;
    s.wantState = 'BACKUP';
    return true;
  }
  return false;
}

/**
 * A master heard a lower-priority master: re-advertise (forcing the other to yield), re-announce the VIPs
 * now and after garp_lower_prio_delay (for every member of the sync group), and say so.
 */
function masterHeardLower(ctx: StepContext, name: string, adv: ReceivedAdvert): void {
  const p = ctx.param(name);
  const s = ctx.inst(name);
  ctx.log(vrrpLog.masterLowerPriority(name, adv.source.text, adv.priority, s.effectivePriority, !p.lowerPrioNoAdvert));
  if (!p.lowerPrioNoAdvert) sendAdvert(ctx, name, s.effectivePriority);
  const members = p.syncGroup ? ctx.groupParam(p.syncGroup).members : [name];
  for (const m of [name, ...members.filter((x) => x !== name)]) {
    const mp = ctx.param(m);
    if (mp.garpLowerPrioRepeat <= 0) continue;
    sendGarp(ctx, m, mp.garpLowerPrioRepeat, 'lower-prio');
    if (mp.garpLowerPrioDelayMs > 0 && ctx.peek(m).vipsSet) ctx.inst(m).lowerPrioGarpAt = ctx.now + mp.garpLowerPrioDelayMs;
  }
  notifyInstance(ctx, name, 'MASTER_RX_LOWER_PRI');
  // Within one advert interval of taking over, the master we preempted is still talking (its last
  // advert may cross ours): that is an ordinary preemption. Later, another master is a dual master.
  const established = s.masterSince === undefined || ctx.now - s.masterSince > csToMs(p.advertIntCs);
  if (p.splitBrainRecovery && established) {
    if (s.dualMasterAt === undefined || ctx.now - s.dualMasterAt > downTimer(ctx, name)) {
      ctx.log(vrrpLog.dualMaster(name, adv.source.text, adv.priority, s.effectivePriority));
      ctx.count(name, 'dual_master_seen');
      // the other master's notify_master may have moved things (cloud IPs, routes): claim them back
      notifyInstance(ctx, name, 'MASTER', { force: true, rerun: 'dual-master' });
    }
    s.dualMasterAt = ctx.now;
  }
}

/** The member moves sync-group.ts performs on the other instances of a group. */
export const memberTransitions: MemberTransitions = { gotoMaster, leaveMaster, leaveFault };
