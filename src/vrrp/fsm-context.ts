// One step's working copy: records are copied on first write, so the previous state is never changed
// and untouched instances are shared with it. Effects and log lines accumulate in order.
import type { IpAddress } from '../lib/ip.js';
import type { FsmCounter, VrrpEffect } from './effects.js';
import type { FsmState, GroupState, InstanceState, Observed } from './fsm-state.js';
import type { LogLine } from './log-events.js';
import type { InstanceParams, SyncGroupParams, VrrpParams } from './params.js';
import type { ScriptCounter, ScriptParams } from './track.js';

export type Draft<T> = { -readonly [K in keyof T]: T[K] };

interface ParamIndex {
  instances: Map<string, InstanceParams>;
  groups: Map<string, SyncGroupParams>;
  scripts: Map<string, ScriptParams>;
}

const indexes = new WeakMap<VrrpParams, ParamIndex>();

function indexOf(params: VrrpParams): ParamIndex {
  let ix = indexes.get(params);
  if (!ix) {
    ix = {
      instances: new Map(params.instances.map((p) => [p.name, p])),
      groups: new Map(params.syncGroups.map((g) => [g.name, g])),
      scripts: new Map(params.scripts.map((s) => [s.name, s])),
    };
    indexes.set(params, ix);
  }
  return ix;
}

export class StepContext {
  readonly effects: VrrpEffect[] = [];
  readonly params: VrrpParams;
  phase: FsmState['phase'];
  delayedStartUntil?: number;
  private readonly ix: ParamIndex;
  private readonly instances: Record<string, InstanceState>;
  private readonly groups: Record<string, GroupState>;
  private readonly scripts: Record<string, ScriptCounter>;
  private observedDraft?: { -readonly [K in keyof Observed]: Record<string, Observed[K][string]> };
  private readonly copied = new Set<object>();

  constructor(readonly prev: FsmState, readonly now: number) {
    this.params = prev.params;
    this.phase = prev.phase;
    this.delayedStartUntil = prev.delayedStartUntil;
    this.ix = indexOf(prev.params);
    this.instances = { ...prev.instances };
    this.groups = { ...prev.groups };
    this.scripts = { ...prev.scripts };
  }

  /** Instance names in configuration order. */
  get instanceNames(): string[] {
    return this.params.instances.map((p) => p.name);
  }

  /** The instance's record, writable (copied on first access in this step). */
  inst(name: string): Draft<InstanceState> {
    return this.writable(this.instances, name, 'instance');
  }

  /** Read-only view without copying. */
  peek(name: string): InstanceState {
    return this.instances[name];
  }

  param(name: string): InstanceParams {
    const p = this.ix.instances.get(name);
    if (!p) throw new Error(`unknown VRRP instance ${name}`);
    return p;
  }

  hasInstance(name: string): boolean {
    return this.ix.instances.has(name);
  }

  group(name: string): Draft<GroupState> {
    return this.writable(this.groups, name, 'sync group');
  }

  peekGroup(name: string): GroupState {
    const g = this.groups[name];
    if (!g) throw new Error(`unknown sync group ${name}`);
    return g;
  }

  groupParam(name: string): SyncGroupParams {
    const g = this.ix.groups.get(name);
    if (!g) throw new Error(`unknown sync group ${name}`);
    return g;
  }

  scriptParam(name: string): ScriptParams | undefined {
    return this.ix.scripts.get(name);
  }

  script(name: string): ScriptCounter | undefined {
    return this.scripts[name];
  }

  setScript(name: string, c: ScriptCounter): void {
    this.scripts[name] = c;
  }

  get observed(): Observed {
    return this.observedDraft ?? this.prev.observed;
  }

  /** Change one observed value (copies the observed maps once per step). */
  observe<K extends keyof Observed>(kind: K, key: string, value: Observed[K][string]): void {
    if (!this.observedDraft) {
      const o = this.prev.observed;
      this.observedDraft = {
        interfaces: { ...o.interfaces }, files: { ...o.files }, processes: { ...o.processes }, bfds: { ...o.bfds },
        sourceAddresses: { ...o.sourceAddresses },
      };
    }
    (this.observedDraft[kind] as Record<string, unknown>)[key] = value;
  }

  /** The advert source this instance compares against: configured, else the interface's primary address. */
  localAddress(name: string): IpAddress | undefined {
    return this.param(name).srcIp ?? this.observed.sourceAddresses[name];
  }

  emit(e: VrrpEffect): void {
    this.effects.push(e);
  }

  log(line: LogLine): void {
    this.effects.push({ kind: 'log', ...line });
  }

  count(instance: string, counter: FsmCounter): void {
    this.effects.push({ kind: 'count', instance, counter });
  }

  result(): FsmState {
    return {
      params: this.params,
      phase: this.phase,
      instances: this.instances,
      groups: this.groups,
      scripts: this.scripts,
      observed: this.observed,
      ...(this.delayedStartUntil !== undefined ? { delayedStartUntil: this.delayedStartUntil } : {}),
    };
  }

  private writable<T extends object>(map: Record<string, T>, name: string, what: string): Draft<T> {
    const cur = map[name];
    if (!cur) throw new Error(`unknown ${what} ${name}`);
    if (this.copied.has(cur)) return cur as Draft<T>;
    const copy = { ...cur };
    this.copied.add(copy);
    map[name] = copy;
    return copy as Draft<T>;
  }
}
