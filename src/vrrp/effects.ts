// What the VRRP state machine asks the world to do, as plain data, in the order it must happen. The
// runtime executes them (raw sockets, rtnetlink, ARP/NA, scripts, FIFO, logger, counters); the state
// machine never does I/O itself.
import type { IpAddress } from '../lib/ip.js';
import type { ScriptRef } from '../config/model/script.js';
import type { VirtualIpAddress, VirtualRoute, VirtualRule } from '../config/model/vrrp.js';
import type { LogLine } from './log-events.js';

/** Send one advertisement with this priority (0 = "I am leaving", RFC 5798 §6.4.3). */
export interface SendAdvertEffect {
  kind: 'sendAdvert';
  instance: string;
  priority: number;
}

/** Add or remove the instance's VIPs (`vip`) or `virtual_ipaddress_excluded` (`evip`). */
export interface AddressesEffect {
  kind: 'addresses';
  instance: string;
  op: 'add' | 'remove';
  which: 'vip' | 'evip';
  addresses: readonly VirtualIpAddress[];
  /** Start-up clean-up: remove whichever of these are present (left by a crash); absent ones are fine. */
  stale?: boolean;
}

export interface RoutesEffect {
  kind: 'routes';
  instance: string;
  op: 'add' | 'remove';
  routes: readonly VirtualRoute[];
}

export interface RulesEffect {
  kind: 'rules';
  instance: string;
  op: 'add' | 'remove';
  rules: readonly VirtualRule[];
}

/** no_accept (strict mode): drop rules for the VIPs while a non-owner holds them. */
export interface FirewallEffect {
  kind: 'firewall';
  instance: string;
  op: 'add' | 'remove';
}

/** Why a burst goes out; `split-brain-refresh` is ours (params.ts garpSplitBrainRefreshMs). */
export type GarpReason = 'master' | 'master-delayed' | 'refresh' | 'split-brain-refresh' | 'lower-prio' | 'lower-prio-delayed';

/**
 * A burst of gratuitous ARPs (IPv4 addresses) / unsolicited neighbour adverts (IPv6): `repeat` rounds over
 * every address, packets on one interface spaced by the interval (vrrp_garp_interval / vrrp_gna_interval;
 * a garp_group of the interface overrides it).
 */
export interface GarpEffect {
  kind: 'garp';
  instance: string;
  addresses: readonly VirtualIpAddress[];
  repeat: number;
  arpIntervalMs: number;
  naIntervalMs: number;
  reason: GarpReason;
}

/** Unicast instance coming up: one GARP/NA for its own source address so the master re-learns us. */
export interface GarpSourceEffect {
  kind: 'garpSource';
  instance: string;
  address: IpAddress;
  dev?: string;
}

export type NotifyState =
  | 'MASTER' | 'BACKUP' | 'FAULT' | 'STOP' | 'DELETED'
  | 'MASTER_RX_LOWER_PRI' | 'MASTER_PRIORITY' | 'BACKUP_PRIORITY';

export interface NotifyCommand {
  script: ScriptRef;
  /** Appended to the configured argv (the generic `notify` gets `INSTANCE <name> <STATE> <prio>`). */
  args: readonly string[];
}

/**
 * Tell the outside: scripts to launch (specific first, then generic; fire-and-forget except STOP, which
 * keepalived waits ~1 s for) and the notify FIFO line (without its trailing newline).
 */
export interface NotifyEffect {
  kind: 'notify';
  target: 'instance' | 'group';
  name: string;
  state: NotifyState;
  /** Effective priority for instances; always 0 for groups. */
  priority: number;
  scripts: readonly NotifyCommand[];
  fifoLine: string;
  /** Ours: set when the notify is a re-run after a dual master was resolved in our favour. */
  rerun?: 'dual-master';
}

export interface LogEffect extends LogLine {
  kind: 'log';
}

/** keepalived's statistics names (its JSON dump), plus `dual_master_seen` of ours. */
export type FsmCounter =
  | 'advert_rcvd' | 'advert_sent' | 'become_master' | 'release_master' | 'pri_zero_rcvd' | 'pri_zero_sent'
  | 'dual_master_seen';

export interface CountEffect {
  kind: 'count';
  instance: string;
  counter: FsmCounter;
}

export type VrrpEffect =
  | SendAdvertEffect | AddressesEffect | RoutesEffect | RulesEffect | FirewallEffect
  | GarpEffect | GarpSourceEffect | NotifyEffect | LogEffect | CountEffect;

// --- builders for the notify vocabulary (keepalived's argv and FIFO conventions, §1.7)

export interface InstanceNotifyScripts {
  master?: ScriptRef;
  backup?: ScriptRef;
  fault?: ScriptRef;
  stop?: ScriptRef;
  deleted?: ScriptRef;
  /** Generic `notify`: gets `INSTANCE|GROUP <name> <STATE> <priority>` appended. */
  generic?: ScriptRef;
  masterRxLowerPri?: ScriptRef;
}

function specificScript(s: InstanceNotifyScripts, state: NotifyState): ScriptRef | undefined {
  switch (state) {
    case 'MASTER': return s.master;
    case 'BACKUP': return s.backup;
    case 'FAULT': return s.fault;
    case 'STOP': return s.stop;
    case 'DELETED': return s.deleted;
    case 'MASTER_RX_LOWER_PRI': return s.masterRxLowerPri;
    default: return undefined;
  }
}

/** The FIFO line keepalived writes: `INSTANCE "VI_1" MASTER 150`, `GROUP "G1" BACKUP 0`. */
export function fifoLine(target: 'instance' | 'group', name: string, state: NotifyState, priority: number): string {
  return `${target === 'instance' ? 'INSTANCE' : 'GROUP'} "${name}" ${state} ${target === 'group' ? 0 : priority}`;
}

export function notifyEffect(
  target: 'instance' | 'group',
  name: string,
  state: NotifyState,
  priority: number,
  scripts: InstanceNotifyScripts,
): NotifyEffect {
  const prio = target === 'group' ? 0 : priority;
  const cmds: NotifyCommand[] = [];
  const specific = specificScript(scripts, state);
  if (specific) cmds.push({ script: specific, args: [] });
  // the generic script hears only real state changes, never the event or priority-change lines
  const isState = state === 'MASTER' || state === 'BACKUP' || state === 'FAULT' || state === 'STOP' || state === 'DELETED';
  if (scripts.generic && isState) {
    cmds.push({ script: scripts.generic, args: [target === 'instance' ? 'INSTANCE' : 'GROUP', name, state, String(prio)] });
  }
  return { kind: 'notify', target, name, state, priority: prio, scripts: cmds, fifoLine: fifoLine(target, name, state, prio) };
}
