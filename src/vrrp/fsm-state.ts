// The state the VRRP state machine carries between steps: one record per instance and sync group, the
// rise/fall counters of the vrrp_scripts, and the last observed status of everything tracked. Deadlines
// are absolute times on the caller's monotonic clock, in milliseconds.
import type { IpAddress } from '../lib/ip.js';
import type { VrrpParams } from './params.js';
import { initialScriptCounter, type ScriptCounter } from './track.js';

/** RFC 5798 Initialize / Backup / Master, plus keepalived's FAULT and the final STOP. */
export type InstanceStateName = 'INIT' | 'BACKUP' | 'MASTER' | 'FAULT' | 'STOP';
/** Where the instance wants to be, disregarding its sync group (keepalived's `wantstate`). */
export type WantState = 'BACKUP' | 'MASTER' | 'FAULT';
export type GroupStateName = 'INIT' | 'BACKUP' | 'MASTER' | 'FAULT' | 'STOP';

export interface InstanceState {
  readonly name: string;
  readonly state: InstanceStateName;
  readonly wantState: WantState;
  /** Configured priority; an owner lowers itself to 254 when it meets another owner. */
  readonly basePriority: number;
  /** Priority advertised: base adjusted by weighted tracking, 1..254 (owner: 255). */
  readonly effectivePriority: number;
  /** Master_Adver_Interval (centiseconds): ours, or the v3 master's. */
  readonly masterAdverIntCs: number;
  /** The master-down timer's length (ms) the next deadline is computed from (keepalived's ms_down_timer). */
  readonly msDownTimer: number;
  /** BACKUP: Master_Down_Timer deadline; MASTER: next advert. Undefined in INIT, FAULT, STOP. */
  readonly sands?: number;
  /** Whether the VIPs (and eVIPs, routes, rules) are installed. */
  readonly vipsSet: boolean;
  /** preempt_delay: until when lower-priority adverts are still accepted. */
  readonly preemptTime?: number;
  /** Second GARP burst after becoming master (garp_master_delay). */
  readonly garpDelayedAt?: number;
  /** Second GARP burst after a lower-priority advert (garp_lower_prio_delay). */
  readonly lowerPrioGarpAt?: number;
  /** garp_master_refresh: a refresh burst goes with the first advert after this time. */
  readonly garpRefreshAt?: number;
  /** Source and priority of the advert last accepted by this backup. */
  readonly masterAddress?: IpAddress;
  readonly masterPriority?: number;
  /** Some unweighted tracked object is down (keepalived: num_script_if_fault > 0). */
  readonly faulted: boolean;
  /** Some unweighted script has not reported yet (keepalived: num_script_init > 0). */
  readonly initPending: boolean;
  /** Last state notified, so a state is never announced twice in a row. */
  readonly lastNotified?: string;
  /** When it last became MASTER. */
  readonly masterSince?: number;
  /** Last time, as an established master, it heard a lower-priority master (a dual master). */
  readonly dualMasterAt?: number;
}

export interface GroupState {
  readonly name: string;
  readonly state: GroupStateName;
}

/** Last known status of tracked things (missing interface/process/BFD: up; missing file: 0). */
export interface Observed {
  readonly interfaces: Readonly<Record<string, boolean>>;
  readonly files: Readonly<Record<string, number>>;
  readonly processes: Readonly<Record<string, boolean>>;
  readonly bfds: Readonly<Record<string, boolean>>;
  /** Primary address of each instance's interface (its advert source when no srcIp is configured). */
  readonly sourceAddresses: Readonly<Record<string, IpAddress | undefined>>;
}

export interface FsmState {
  readonly params: VrrpParams;
  /** created → running (startup) → stopped (shutdown); events outside `running` only update `observed`. */
  readonly phase: 'created' | 'running' | 'stopped';
  readonly instances: Readonly<Record<string, InstanceState>>;
  readonly groups: Readonly<Record<string, GroupState>>;
  readonly scripts: Readonly<Record<string, ScriptCounter>>;
  readonly observed: Observed;
  /** vrrp_startup_delay: no backup times out before this. */
  readonly delayedStartUntil?: number;
}

export function initialFsmState(params: VrrpParams, observed: Partial<Observed> = {}): FsmState {
  const instances: Record<string, InstanceState> = {};
  for (const p of params.instances) {
    instances[p.name] = {
      name: p.name,
      state: 'INIT',
      wantState: p.initialState,
      basePriority: p.priority,
      effectivePriority: p.priority,
      masterAdverIntCs: p.advertIntCs,
      msDownTimer: 0,
      vipsSet: false,
      faulted: false,
      initPending: false,
    };
  }
  const groups: Record<string, GroupState> = {};
  for (const g of params.syncGroups) groups[g.name] = { name: g.name, state: 'INIT' };
  const scripts: Record<string, ScriptCounter> = {};
  for (const s of params.scripts) scripts[s.name] = initialScriptCounter(s);
  return {
    params,
    phase: 'created',
    instances,
    groups,
    scripts,
    observed: {
      interfaces: { ...observed.interfaces },
      files: { ...observed.files },
      processes: { ...observed.processes },
      bfds: { ...observed.bfds },
      sourceAddresses: { ...observed.sourceAddresses },
    },
  };
}
