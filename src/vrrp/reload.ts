// Reload (SIGHUP) as keepalived 2.2.7 does it (KEEPALIVED.md §3.1), pure: instances are matched old ↔ new
// by VRID, interface and address family, not by name. A matched instance keeps its state (a MASTER stays
// MASTER and advertises at once, no notify re-run); its VIP, eVIP, route and rule lists are diffed, with
// one GARP burst for all VIPs when an address was added. New instances start as at start-up. Old
// instances that vanished send priority 0 if MASTER, release their addresses and report DELETED (with
// notify_deleted) or FAULT. vrrp_script results carry over by name. A sync group whose membership changed
// restarts with all its members. With fifo_write_vrrp_states_on_reload the states that did not change are
// written to the notify FIFO(s).
import type { VirtualIpAddress, VrrpInstance } from '../config/model/vrrp.js';
import { notifyEffect, type VrrpEffect } from './effects.js';
import { StepContext, type Draft } from './fsm-context.js';
import { step } from './fsm.js';
import { initialFsmState, type FsmState, type GroupState, type InstanceState, type Observed } from './fsm-state.js';
import { evaluate } from './fsm-tracking.js';
import { notifyInstance, restoreInterface, sendAdvert, sendGarp, setEffectivePriority } from './instance.js';
import { vrrpLog } from './log-events.js';
import type { VrrpParams } from './params.js';
import type { ScriptCounter } from './track.js';

type Keyed = Pick<VrrpInstance, 'name' | 'virtualRouterId' | 'interface' | 'family'>;

const keyOf = (i: Keyed) => `${i.virtualRouterId}/${i.interface ?? ''}/${i.family}`;

export interface ReloadPlan {
  /** New instance name → the old instance whose state it keeps. */
  carried: Map<string, string>;
  /** Old instances that are gone (or restart because their sync group changed). */
  released: string[];
  /** Old instances whose VRID/interface/family no longer exists at all (they report DELETED/FAULT). */
  deleted: string[];
}

export function planReload(old: FsmState, oldInstances: readonly Keyed[], params: VrrpParams, instances: readonly Keyed[]): ReloadPlan {
  const oldByKey = new Map(oldInstances.map((i) => [keyOf(i), i.name]));
  const carried = new Map<string, string>();
  for (const i of instances) {
    const o = oldByKey.get(keyOf(i));
    const st = o !== undefined ? old.instances[o]?.state : undefined;
    if (o !== undefined && (st === 'BACKUP' || st === 'MASTER' || st === 'FAULT')) carried.set(i.name, o);
  }
  const oldGroupOf = new Map(old.params.instances.map((p) => [p.name, p.syncGroup]));
  for (const p of params.instances) {
    const o = carried.get(p.name);
    if (o !== undefined && (p.syncGroup === undefined) !== (oldGroupOf.get(o) === undefined)) carried.delete(p.name);
  }
  for (const g of params.syncGroups) {
    const og = old.params.syncGroups.find((x) => x.name === g.name);
    const same = og !== undefined && og.members.length === g.members.length && g.members.every((m) => carried.has(m) && og.members.includes(carried.get(m)!));
    if (!same) for (const m of g.members) carried.delete(m);
  }
  const kept = new Set(carried.values());
  const newKeys = new Set(instances.map(keyOf));
  const released = old.params.instances.map((p) => p.name).filter((n) => !kept.has(n));
  const deleted = oldInstances.filter((i) => released.includes(i.name) && !newKeys.has(keyOf(i))).map((i) => i.name);
  return { carried, released, deleted };
}

/** What the old runtime does for the instances it gives up: priority 0 and release if MASTER; DELETED/FAULT for deleted ones. */
export function releaseInstances(old: FsmState, plan: ReloadPlan, now: number): { state: FsmState; effects: VrrpEffect[] } {
  const ctx = new StepContext(old, now);
  for (const name of plan.released) {
    const s = ctx.peek(name);
    if (s.state === 'MASTER') restoreInterface(ctx, name, true);
    if (plan.deleted.includes(name)) notifyInstance(ctx, name, ctx.param(name).notifyDeleted ? 'DELETED' : 'FAULT', { force: true });
    const w = ctx.inst(name);
    w.state = 'STOP';
    w.sands = undefined;
  }
  return { state: ctx.result(), effects: ctx.effects };
}

export interface CarryInput {
  old: FsmState;
  oldInstances: readonly VrrpInstance[];
  params: VrrpParams;
  instances: readonly VrrpInstance[];
  plan: ReloadPlan;
  /** Fresh observations of the machine (the runtime re-reports them as events after the reload). */
  observed: Partial<Observed>;
  now: number;
  /** fifo_write_vrrp_states_on_reload. */
  fifoStates?: boolean;
}

function entryKey(v: VirtualIpAddress): string {
  return `${v.address.text}/${v.address.prefixLen} dev ${v.dev}`;
}

function valueKey(v: unknown): string {
  return JSON.stringify(v, (k, x) => (k === 'pos' ? undefined : x instanceof Uint8Array ? Array.from(x) : x));
}

function diff<T>(before: readonly T[], after: readonly T[], key: (x: T) => string): { added: T[]; removed: T[] } {
  const b = new Set(before.map(key));
  const a = new Set(after.map(key));
  return { added: after.filter((x) => !b.has(key(x))), removed: before.filter((x) => !a.has(key(x))) };
}

/** The new state machine state after a reload, and the effects that bring the machine in line with it. */
export function carryOver(input: CarryInput): { state: FsmState; effects: VrrpEffect[] } {
  const { old, params, plan, now } = input;
  const carriedScripts: Record<string, ScriptCounter> = {};
  for (const s of params.scripts) if (old.scripts[s.name]) carriedScripts[s.name] = old.scripts[s.name];

  // instances that start afresh go through start-up on their own
  const fresh = params.instances.filter((p) => !plan.carried.has(p.name));
  const freshNames = new Set(fresh.map((p) => p.name));
  const subParams: VrrpParams = {
    instances: fresh,
    syncGroups: params.syncGroups.filter((g) => g.members.every((m) => freshNames.has(m))),
    scripts: params.scripts,
    startupDelayMs: 0,
  };
  const sub0 = initialFsmState(subParams, input.observed);
  const sub = fresh.length ? step({ ...sub0, scripts: { ...sub0.scripts, ...carriedScripts } }, { type: 'startup' }, now) : { state: sub0, effects: [] };

  // carried instances keep their records; observations stay the old ones until re-reported
  const oldParam = new Map(old.params.instances.map((p) => [p.name, p]));
  const instances: Record<string, InstanceState> = { ...sub.state.instances };
  const sourceAddresses: Record<string, Observed['sourceAddresses'][string]> = { ...(input.observed.sourceAddresses ?? {}) };
  for (const p of params.instances) {
    const o = plan.carried.get(p.name);
    if (o === undefined) continue;
    const rec: Draft<InstanceState> = { ...old.instances[o], name: p.name };
    const op = oldParam.get(o)!;
    if (p.priority !== op.priority) rec.basePriority = p.priority;
    if (p.version === 2 || rec.state !== 'BACKUP' || p.advertIntCs !== op.advertIntCs) rec.masterAdverIntCs = p.advertIntCs;
    if (p.priority === 255) rec.effectivePriority = 255;
    instances[p.name] = rec;
    sourceAddresses[p.name] = old.observed.sourceAddresses[o];
  }
  const groups: Record<string, GroupState> = { ...sub.state.groups };
  for (const g of params.syncGroups) if (!groups[g.name] && old.groups[g.name]) groups[g.name] = old.groups[g.name];
  const o = input.observed;
  const merged: FsmState = {
    params,
    phase: 'running',
    instances,
    groups,
    scripts: { ...Object.fromEntries(params.scripts.map((s) => [s.name, sub.state.scripts[s.name]])), ...carriedScripts },
    observed: {
      interfaces: { ...o.interfaces, ...old.observed.interfaces },
      files: { ...o.files, ...old.observed.files },
      processes: { ...o.processes, ...old.observed.processes },
      bfds: { ...o.bfds, ...old.observed.bfds },
      sourceAddresses,
    },
  };

  const ctx = new StepContext(merged, now);
  for (const s of params.scripts) {
    if (carriedScripts[s.name] && carriedScripts[s.name].phase === 'done' && carriedScripts[s.name].result >= s.rise) {
      ctx.log({ level: 'info', detail: false, message: `VRRP_Script(${s.name}) considered successful on reload`, fields: { event: 'vrrp.script', script: s.name, reload: true } });
    }
  }
  const oldCfg = new Map(input.oldInstances.map((i) => [i.name, i]));
  for (const p of params.instances) {
    const oName = plan.carried.get(p.name);
    if (oName === undefined) continue;
    setEffectivePriority(ctx, p.name, evaluate(ctx, p.name).effectivePriority);
    const s = ctx.peek(p.name);
    if (s.state === 'MASTER') sendAdvert(ctx, p.name, s.effectivePriority);
    if (!s.vipsSet) continue;
    const before = oldCfg.get(oName)!;
    const after = input.instances.find((i) => i.name === p.name)!;
    let added = false;
    for (const [which, b, a] of [
      ['vip', before.virtualIpaddress, after.virtualIpaddress],
      ['evip', before.virtualIpaddressExcluded, after.virtualIpaddressExcluded],
    ] as const) {
      const d = diff(b, a, entryKey);
      for (const v of d.removed) {
        ctx.log({ level: 'info', detail: false, message: `(${p.name}) ip address ${entryKey(v)}, no longer exist`, fields: { event: 'vrrp.reload_address', instance: p.name, address: v.address.text } });
      }
      if (d.removed.length) ctx.emit({ kind: 'addresses', instance: p.name, op: 'remove', which, addresses: d.removed });
      if (d.added.length) {
        ctx.log(vrrpLog.handling(p.name, 'add', which === 'vip' ? 'VIPs' : 'E-VIPs'));
        ctx.emit({ kind: 'addresses', instance: p.name, op: 'add', which, addresses: d.added });
        added = true;
      }
    }
    const routes = diff(before.virtualRoutes, after.virtualRoutes, valueKey);
    if (routes.removed.length) ctx.emit({ kind: 'routes', instance: p.name, op: 'remove', routes: routes.removed });
    if (routes.added.length) ctx.emit({ kind: 'routes', instance: p.name, op: 'add', routes: routes.added });
    const rules = diff(before.virtualRules, after.virtualRules, valueKey);
    if (rules.removed.length) ctx.emit({ kind: 'rules', instance: p.name, op: 'remove', rules: rules.removed });
    if (rules.added.length) ctx.emit({ kind: 'rules', instance: p.name, op: 'add', rules: rules.added });
    if (added) sendGarp(ctx, p.name, p.garpMasterRepeat, 'master');
  }
  const state = ctx.result();
  // what started afresh has announced itself already
  const fifo = input.fifoStates ? reloadFifoStates(state, { instances: freshNames, groups: new Set(subParams.syncGroups.map((g) => g.name)) }) : [];
  return { state, effects: [...sub.effects, ...ctx.effects, ...fifo] };
}

/**
 * fifo_write_vrrp_states_on_reload: every sync group's state, then every instance's, as notify FIFO lines
 * only (no scripts run), in keepalived's order. keepalived 2.2.7 leaves out the instances that stay MASTER
 * (measured: after SIGHUP it wrote `GROUP "G1" MASTER 0` and `INSTANCE "VI_2" FAULT 150` but nothing for
 * its two masters), so a FIFO reader started afresh never learns them; we write them too.
 */
export function reloadFifoStates(state: FsmState, skip: { instances?: ReadonlySet<string>; groups?: ReadonlySet<string> } = {}): VrrpEffect[] {
  const shown = (s: string): s is 'MASTER' | 'BACKUP' | 'FAULT' => s === 'MASTER' || s === 'BACKUP' || s === 'FAULT';
  const out: VrrpEffect[] = [];
  for (const g of state.params.syncGroups) {
    const st = state.groups[g.name]?.state;
    if (!skip.groups?.has(g.name) && st && shown(st)) out.push(notifyEffect('group', g.name, st, 0, {}));
  }
  for (const p of state.params.instances) {
    const i = state.instances[p.name];
    if (!skip.instances?.has(p.name) && i && shown(i.state)) out.push(notifyEffect('instance', p.name, i.state, i.effectivePriority, {}));
  }
  return out;
}
