// vrrp_sync_group: members move together (keepalived's vrrp_sync.c and its transition matrix).
// - A member may become MASTER only when every other member wants MASTER too (prefer BACKUP to thrashing);
//   the last one whose master-down timer expires then takes the whole group to MASTER.
// - A member stepping down from MASTER takes every member to BACKUP.
// - The first member to fault takes every member to FAULT; the group leaves FAULT when the last fault clears.
// The member transitions themselves are passed in, so this module stays below instance.ts.
import type { StepContext } from './fsm-context.js';
import type { InstanceStateName } from './fsm-state.js';
import { notifyEffect } from './effects.js';
import { vrrpLog } from './log-events.js';

export interface MemberTransitions {
  gotoMaster(ctx: StepContext, name: string): boolean;
  leaveMaster(ctx: StepContext, name: string, sendStopAdvert: boolean): void;
  leaveFault(ctx: StepContext, name: string): void;
}

export function groupOf(ctx: StepContext, name: string): string | undefined {
  return ctx.param(name).syncGroup;
}

export function membersOf(ctx: StepContext, group: string): readonly string[] {
  return ctx.groupParam(group).members;
}

/** A member that is faulted or still waiting for its first script result. */
export function memberDown(ctx: StepContext, name: string): boolean {
  const s = ctx.peek(name);
  return s.faulted || s.initPending;
}

export function otherMembersDown(ctx: StepContext, name: string): boolean {
  const g = groupOf(ctx, name);
  return g !== undefined && membersOf(ctx, g).some((m) => m !== name && memberDown(ctx, m));
}

/** keepalived's vrrp_sync_can_goto_master (without its timer side effect; the caller re-arms). */
export function canGotoMaster(ctx: StepContext, name: string): boolean {
  const g = groupOf(ctx, name);
  if (g === undefined) return true;
  if (ctx.peekGroup(g).state === 'MASTER') return true;
  return membersOf(ctx, g).every((m) => m === name || ctx.peek(m).wantState === 'MASTER');
}

export function notifyGroup(ctx: StepContext, group: string): void {
  const g = ctx.peekGroup(group);
  if (g.state === 'INIT') return;
  ctx.emit(notifyEffect('group', group, g.state, 0, ctx.groupParam(group).notify));
}

export function syncBackup(ctx: StepContext, name: string, ops: MemberTransitions): void {
  const group = groupOf(ctx, name);
  if (group === undefined || ctx.peekGroup(group).state === 'BACKUP') return;
  ctx.log(vrrpLog.syncGroup(group, 'BACKUP'));
  for (const m of membersOf(ctx, group)) {
    const s = ctx.inst(m);
    if (m === name || s.state === 'BACKUP') continue;
    s.wantState = 'BACKUP';
    if (s.state === 'FAULT' || s.state === 'INIT') ops.leaveFault(ctx, m);
    else ops.leaveMaster(ctx, m, false);
  }
  ctx.group(group).state = 'BACKUP';
  notifyGroup(ctx, group);
}

export function syncMaster(ctx: StepContext, name: string, ops: MemberTransitions): void {
  const group = groupOf(ctx, name);
  if (group === undefined || ctx.peekGroup(group).state === 'MASTER') return;
  if (!canGotoMaster(ctx, name)) return;
  ctx.log(vrrpLog.syncGroup(group, 'MASTER'));
  for (const m of membersOf(ctx, group)) {
    const s = ctx.inst(m);
    if (m === name || s.state === 'MASTER') continue;
    s.wantState = 'MASTER';
    ops.gotoMaster(ctx, m);
  }
  ctx.group(group).state = 'MASTER';
  notifyGroup(ctx, group);
}

export function syncFault(ctx: StepContext, name: string, ops: MemberTransitions): void {
  const group = groupOf(ctx, name);
  if (group === undefined || ctx.peekGroup(group).state === 'FAULT') return;
  ctx.log(vrrpLog.syncGroup(group, 'FAULT'));
  for (const m of membersOf(ctx, group)) {
    const s = ctx.inst(m);
    if (m === name || s.state === 'FAULT') continue;
    s.wantState = 'FAULT';
    if (s.state === 'MASTER') ops.leaveMaster(ctx, m, false);
    else if (s.state === 'BACKUP' || s.state === 'INIT') {
      // keepalived marks it FAULT first, so it logs no "Entering FAULT STATE" but still notifies
      s.state = 'FAULT';
      ops.leaveFault(ctx, m);
    }
  }
  ctx.group(group).state = 'FAULT';
  notifyGroup(ctx, group);
}

/**
 * After a member changed state on a timer or an advert (keepalived's VRRP_TSM_HANDLE): BACKUP, MASTER or
 * FAULT → MASTER pulls the group to MASTER; MASTER → BACKUP pushes it to BACKUP. Faults are handled where
 * they are detected.
 */
export function afterMemberTransition(ctx: StepContext, name: string, prev: InstanceStateName, ops: MemberTransitions): void {
  if (groupOf(ctx, name) === undefined) return;
  const now = ctx.peek(name).state;
  if (now === 'MASTER' && (prev === 'BACKUP' || prev === 'MASTER' || prev === 'FAULT')) syncMaster(ctx, name, ops);
  else if (now === 'BACKUP' && prev === 'MASTER') syncBackup(ctx, name, ops);
}

/**
 * A group's state at start-up: FAULT if a member is faulted, INIT while a member waits for a script,
 * MASTER only when every member is an address owner configured MASTER, else BACKUP.
 */
export function initialGroupState(ctx: StepContext, group: string): 'INIT' | 'BACKUP' | 'MASTER' | 'FAULT' {
  const members = membersOf(ctx, group);
  if (members.some((m) => ctx.peek(m).faulted)) return 'FAULT';
  if (members.some((m) => ctx.peek(m).initPending)) return 'INIT';
  const allOwnersMaster = members.every((m) => ctx.param(m).initialState === 'MASTER' && ctx.param(m).priority === 255);
  return allOwnersMaster ? 'MASTER' : 'BACKUP';
}
