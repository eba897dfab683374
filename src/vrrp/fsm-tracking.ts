// Tracking events (links, vrrp_script results, track_files, processes, BFD, the advert source address):
// record the observation, re-evaluate every instance that tracks it, and move instances in and out of
// FAULT — the first faulty member of a sync group takes the group down, the last one to recover brings
// it back.
import type { ScriptOutcome } from './events.js';
import type { StepContext } from './fsm-context.js';
import { downInstance, memberTransitions as members, setEffectivePriority, tryUpInstance } from './instance.js';
import { vrrpLog } from './log-events.js';
import type { InstanceParams } from './params.js';
import { groupOf, otherMembersDown, syncBackup, syncFault, syncMaster } from './sync-group.js';
import {
  countScriptResult, evaluateTracking, scriptStatus, trackFileStatus, type FaultReason, type TrackingResult, type TrackStatus,
} from './track.js';

function trackStatus(ctx: StepContext): TrackStatus {
  const o = ctx.observed;
  return {
    interfaceUp: (n) => o.interfaces[n] ?? true,
    script: (n) => {
      const c = ctx.script(n);
      const p = ctx.scriptParam(n);
      return c && p ? scriptStatus(c, p) : 'unknown';
    },
    fileValue: (n) => o.files[n] ?? 0,
    processQuorum: (n) => o.processes[n] ?? true,
    bfdUp: (n) => o.bfds[n] ?? true,
  };
}

export function evaluate(ctx: StepContext, name: string): TrackingResult {
  const p = ctx.param(name);
  const r = evaluateTracking(ctx.peek(name).basePriority, p.tracking, trackStatus(ctx));
  // no configured source and no address on the interface: nothing to advertise from
  if (!ctx.localAddress(name)) r.faults.push({ kind: 'address' });
  return r;
}

export function faultInitLog(ctx: StepContext, p: InstanceParams, f: FaultReason): void {
  switch (f.kind) {
    case 'interface': ctx.log(vrrpLog.faultInitInterface(p.name, f.name)); break;
    case 'script': ctx.log(vrrpLog.faultInitScript(p.name, f.name)); break;
    case 'file': ctx.log(vrrpLog.faultInitFile(p.name, f.name, f.status)); break;
    case 'process': ctx.log(vrrpLog.faultInitProcess(p.name, f.name)); break;
    case 'bfd': break;
    case 'address': ctx.log(vrrpLog.faultInitAddress(p.name, p.family)); break;
  }
}

/** Re-evaluate tracking of these instances after an observation changed; move them in or out of FAULT. */
export function retrack(ctx: StepContext, names: readonly string[]): void {
  for (const name of names) {
    const r = evaluate(ctx, name);
    const s = ctx.inst(name);
    if (ctx.phase !== 'running' || s.state === 'STOP') {
      // before start-up the new observation is simply kept; start-up evaluates everything
      continue;
    }
    const wasDown = s.faulted || s.initPending;
    setEffectivePriority(ctx, name, r.effectivePriority);
    s.faulted = r.faults.length > 0;
    s.initPending = r.pending.length > 0;
    const isDown = s.faulted || s.initPending;
    if (!wasDown && isDown) goDown(ctx, name);
    else if (wasDown && !isDown) comeUp(ctx, name);
  }
}

function goDown(ctx: StepContext, name: string): void {
  const first = groupOf(ctx, name) !== undefined && !otherMembersDown(ctx, name);
  downInstance(ctx, name);
  if (first) syncFault(ctx, name, members);
}

function comeUp(ctx: StepContext, name: string): void {
  if (otherMembersDown(ctx, name)) {
    // the group stays in FAULT until its last member recovers
    const s = ctx.inst(name);
    s.wantState = 'BACKUP';
    s.masterAdverIntCs = ctx.param(name).advertIntCs;
    return;
  }
  tryUpInstance(ctx, name);
  if (groupOf(ctx, name) === undefined) return;
  if (ctx.peek(name).state === 'MASTER') syncMaster(ctx, name, members);
  else syncBackup(ctx, name, members);
}

function tracking(ctx: StepContext, kind: 'interfaces' | 'scripts' | 'files' | 'processes' | 'bfds', object: string): string[] {
  return ctx.instanceNames.filter((n) => ctx.param(n).tracking[kind].some((t) => t.name === object));
}

export function linkChange(ctx: StepContext, ifname: string, up: boolean): void {
  const was = ctx.observed.interfaces[ifname] ?? true;
  ctx.observe('interfaces', ifname, up);
  const affected = tracking(ctx, 'interfaces', ifname);
  if (was === up) return;
  if (affected.length && ctx.phase === 'running') ctx.log(vrrpLog.netlinkLink(ifname, up));
  retrack(ctx, affected);
}

export function scriptResult(ctx: StepContext, name: string, outcome: ScriptOutcome): void {
  const p = ctx.scriptParam(name);
  const c = ctx.script(name);
  if (!p || !c) return;
  const r = countScriptResult(c, p, outcome);
  ctx.setScript(name, r.counter);
  for (const l of r.logs) {
    if (l.kind === 'returning') ctx.log(vrrpLog.scriptNowReturning(name, l.status));
    else if (l.kind === 'succeeded') ctx.log(vrrpLog.scriptSucceeded(name));
    else ctx.log(vrrpLog.scriptFailed(name, l.how, l.reason));
  }
  retrack(ctx, tracking(ctx, 'scripts', name));
}

export function trackFile(ctx: StepContext, file: string, value: number): void {
  const before = ctx.observed.files[file] ?? 0;
  ctx.observe('files', file, value);
  const affected = tracking(ctx, 'files', file);
  if (ctx.phase === 'running') {
    for (const n of affected) {
      const item = ctx.param(n).tracking.files.find((t) => t.name === file)!;
      const was = trackFileStatus(item, before) === 'fault';
      const is = trackFileStatus(item, value) === 'fault';
      if (was !== is) ctx.log(vrrpLog.trackFileFault(n, file, is));
    }
  }
  retrack(ctx, affected);
}

export function trackProcess(ctx: StepContext, process: string, quorum: boolean): void {
  const was = ctx.observed.processes[process] ?? true;
  ctx.observe('processes', process, quorum);
  if (was !== quorum && ctx.phase === 'running') ctx.log(vrrpLog.processQuorum(process, quorum));
  retrack(ctx, tracking(ctx, 'processes', process));
}

export function trackBfd(ctx: StepContext, bfd: string, up: boolean): void {
  const was = ctx.observed.bfds[bfd] ?? true;
  ctx.observe('bfds', bfd, up);
  const affected = tracking(ctx, 'bfds', bfd);
  if (was !== up && ctx.phase === 'running') for (const n of affected) ctx.log(vrrpLog.bfd(n, bfd, up));
  retrack(ctx, affected);
}
