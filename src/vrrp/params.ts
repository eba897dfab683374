// The state machine's view of the configuration: a narrow, already-resolved parameter set per instance,
// built once from the typed model (VrrpInstance + its sync group + global_defs). Times become
// milliseconds and centiseconds; tracking lists are merged the way keepalived merges them.
import type { GlobalDefs } from '../config/model/global.js';
import type {
  TrackedInterface, TrackedObject, VirtualIpAddress, VirtualRoute, VirtualRule, VrrpInstance, VrrpScript, VrrpSection, VrrpSyncGroup,
} from '../config/model/vrrp.js';
import type { IpAddress } from '../lib/ip.js';
import type { InstanceNotifyScripts } from './effects.js';
import { advertIntervalCs } from './timers.js';
import type { InstanceTracking, ScriptParams, TrackedItem } from './track.js';

export interface InstanceParams {
  readonly name: string;
  readonly vrid: number;
  readonly version: 2 | 3;
  readonly family: 4 | 6;
  readonly interface?: string;
  /** Configured priority (255 = address owner). */
  readonly priority: number;
  /** Initial wanted state (the model resolved MASTER only for owners, and sync-group rules). */
  readonly initialState: 'MASTER' | 'BACKUP';
  /** Advertisement_Interval in centiseconds. */
  readonly advertIntCs: number;
  readonly nopreempt: boolean;
  readonly preemptDelayMs: number;
  readonly downTimerAdverts: number;
  readonly lowerPrioNoAdvert: boolean;
  /** Resolved: configured, or on by default under splitBrainRecovery (never in strict mode). */
  readonly higherPrioSendAdvert: boolean;
  readonly garpMasterDelayMs: number;
  readonly garpMasterRepeat: number;
  readonly garpMasterRefreshMs: number;
  readonly garpMasterRefreshRepeat: number;
  /**
   * Ours (split-brain recovery, USER-PAINS items 3 and 4): with no garp_master_refresh configured, a master
   * re-announces each address once every this many ms (0: never). A loser that hears the winner first
   * yields without a word (keepalived's default), so no winner can know the LAN followed the loser while
   * they were split; re-announcing every three advert intervals puts the LAN back on the winner within
   * three adverts of the heal. That is also about the master-down interval, the shortest split that can
   * make a second master at all. Off in strict mode (no repeated GARPs there) and with splitBrainRecovery off.
   */
  readonly garpSplitBrainRefreshMs: number;
  readonly garpLowerPrioDelayMs: number;
  readonly garpLowerPrioRepeat: number;
  readonly garpIntervalMs: number;
  readonly gnaIntervalMs: number;
  readonly vips: readonly VirtualIpAddress[];
  readonly evips: readonly VirtualIpAddress[];
  readonly routes: readonly VirtualRoute[];
  readonly rules: readonly VirtualRule[];
  /** no_accept for a non-owner: drop rules follow the VIPs. */
  readonly firewall: boolean;
  /** Configured advert source (mcast_src_ip / unicast_src_ip); else the interface's primary address. */
  readonly srcIp?: IpAddress;
  readonly unicast: boolean;
  readonly tracking: InstanceTracking;
  readonly notify: InstanceNotifyScripts;
  /** `notify_deleted`: report DELETED instead of FAULT when a reload removes the instance. */
  readonly notifyDeleted: boolean;
  readonly notifyPriorityChanges: boolean;
  readonly syncGroup?: string;
  /**
   * Ours (USER-PAINS item 3): a master that hears a lower-priority master logs a distinct "dual master"
   * event, counts it and re-runs its MASTER notify once per episode. On by default.
   */
  readonly splitBrainRecovery: boolean;
  /**
   * keepalived's -X (and -V): leaving MASTER removes the addresses even when the instance's record says
   * they are not set (vrrp_restore_interface's `--release-vips` test).
   */
  readonly releaseUnsetVips: boolean;
}

export interface SyncGroupParams {
  readonly name: string;
  readonly members: readonly string[];
  readonly notify: InstanceNotifyScripts;
}

export interface VrrpParams {
  readonly instances: readonly InstanceParams[];
  readonly syncGroups: readonly SyncGroupParams[];
  readonly scripts: readonly ScriptParams[];
  /** vrrp_startup_delay: backups do not time out before start + this. */
  readonly startupDelayMs: number;
}

export interface ParamOptions {
  /** Default true. False gives keepalived 2.2.7's behaviour exactly. */
  splitBrainRecovery?: boolean;
  /** -X or -V on the command line. */
  releaseUnsetVips?: boolean;
}

/** Global settings the instances read. */
export type ParamGlobals = Pick<GlobalDefs, 'vrrpGarpInterval' | 'vrrpGnaInterval' | 'vrrpStartupDelay'>;

type AnyTracked = TrackedInterface | TrackedObject;

/**
 * keepalived's add-to-tracking rule: an object tracked twice (instance and sync group, or also as the
 * instance's own interface) is one entry; a later weight replaces an earlier one unless the earlier was
 * unweighted (unweighted wins).
 */
function mergeTracked(into: TrackedItem[], add: TrackedItem): void {
  const at = into.findIndex((t) => t.name === add.name);
  if (at < 0) into.push(add);
  else if (into[at].weight !== 0) into[at] = add;
}

const item = (t: AnyTracked): TrackedItem => ({ name: t.name, weight: t.weight, reverse: t.reverse });

function tracking(inst: VrrpInstance, group?: VrrpSyncGroup): InstanceTracking {
  const interfaces: TrackedItem[] = [];
  for (const t of inst.trackInterface) mergeTracked(interfaces, item(t));
  // the advert interface is tracked unweighted, unless dont_track_primary
  if (inst.interface && !inst.dontTrackPrimary) mergeTracked(interfaces, { name: inst.interface, weight: 0, reverse: false });
  // so are the devices of VIPs, routes and rules (unless no_track)
  for (const vip of [...inst.virtualIpaddress, ...inst.virtualIpaddressExcluded]) {
    if (vip.noTrack || (inst.dontTrackPrimary && vip.dev === inst.interface)) continue;
    mergeTracked(interfaces, { name: vip.dev, weight: 0, reverse: false });
  }
  for (const r of inst.virtualRoutes) if (!r.noTrack && r.dev) mergeTracked(interfaces, { name: r.dev, weight: 0, reverse: false });
  for (const r of inst.virtualRules) {
    if (r.noTrack) continue;
    if (r.iif) mergeTracked(interfaces, { name: r.iif, weight: 0, reverse: false });
    if (r.oif) mergeTracked(interfaces, { name: r.oif, weight: 0, reverse: false });
  }
  const merged = (own: readonly AnyTracked[], grp: readonly AnyTracked[] | undefined) => {
    const out: TrackedItem[] = [];
    for (const t of own) mergeTracked(out, item(t));
    for (const t of grp ?? []) mergeTracked(out, item(t));
    return out;
  };
  for (const t of group?.trackInterface ?? []) mergeTracked(interfaces, item(t));
  return {
    interfaces,
    scripts: merged(inst.trackScript, group?.trackScript),
    files: merged(inst.trackFile, group?.trackFile),
    processes: merged(inst.trackProcess, group?.trackProcess),
    bfds: merged(inst.trackBfd, group?.trackBfd),
  };
}

const ms = (seconds: number) => Math.round(seconds * 1_000_000) / 1000;

/** Advert intervals between a master's re-announcements under split-brain recovery. */
export const SPLIT_BRAIN_REFRESH_ADVERTS = 3;

export function instanceParams(inst: VrrpInstance, globals: ParamGlobals, group?: VrrpSyncGroup, opts: ParamOptions = {}): InstanceParams {
  const splitBrainRecovery = opts.splitBrainRecovery ?? true;
  return {
    name: inst.name,
    vrid: inst.virtualRouterId,
    version: inst.version,
    family: inst.family,
    interface: inst.interface,
    priority: inst.priority,
    initialState: inst.state,
    advertIntCs: advertIntervalCs(inst.advertInt),
    nopreempt: inst.nopreempt,
    preemptDelayMs: ms(inst.preemptDelay),
    downTimerAdverts: inst.downTimerAdverts,
    lowerPrioNoAdvert: inst.lowerPrioNoAdvert,
    higherPrioSendAdvert: inst.higherPrioSendAdvert || (splitBrainRecovery && !inst.strictMode),
    garpMasterDelayMs: ms(inst.garpMasterDelay),
    garpMasterRepeat: inst.garpMasterRepeat,
    garpMasterRefreshMs: ms(inst.garpMasterRefresh),
    garpMasterRefreshRepeat: inst.garpMasterRefreshRepeat,
    garpSplitBrainRefreshMs: splitBrainRecovery && !inst.strictMode && !(inst.garpMasterRefresh > 0)
      ? SPLIT_BRAIN_REFRESH_ADVERTS * advertIntervalCs(inst.advertInt) * 10 : 0,
    garpLowerPrioDelayMs: ms(inst.garpLowerPrioDelay),
    garpLowerPrioRepeat: inst.garpLowerPrioRepeat,
    garpIntervalMs: ms(globals.vrrpGarpInterval),
    gnaIntervalMs: ms(globals.vrrpGnaInterval),
    vips: inst.virtualIpaddress,
    evips: inst.virtualIpaddressExcluded,
    routes: inst.virtualRoutes,
    rules: inst.virtualRules,
    firewall: !inst.accept && inst.priority !== 255,
    srcIp: inst.srcIp,
    unicast: inst.unicast,
    tracking: tracking(inst, group),
    notify: {
      master: inst.notifyMaster, backup: inst.notifyBackup, fault: inst.notifyFault, stop: inst.notifyStop,
      deleted: inst.notifyDeleted, generic: inst.notify, masterRxLowerPri: inst.notifyMasterRxLowerPri,
    },
    notifyDeleted: inst.notifyDeletedState,
    notifyPriorityChanges: inst.notifyPriorityChanges,
    syncGroup: inst.syncGroup,
    splitBrainRecovery,
    releaseUnsetVips: opts.releaseUnsetVips ?? false,
  };
}

export function syncGroupParams(g: VrrpSyncGroup): SyncGroupParams {
  const notify: InstanceNotifyScripts = {
    master: g.notifyMaster, backup: g.notifyBackup, fault: g.notifyFault, stop: g.notifyStop, generic: g.notify,
  };
  return { name: g.name, members: g.group, notify };
}

export function scriptParams(s: VrrpScript): ScriptParams {
  return { name: s.name, rise: s.rise, fall: s.fall, initFail: s.initFail };
}

/** Everything the state machine needs from a loaded configuration. */
export function vrrpParams(config: { global: ParamGlobals; vrrp: VrrpSection }, opts: ParamOptions = {}): VrrpParams {
  const groups = new Map(config.vrrp.syncGroups.map((g) => [g.name, g]));
  return {
    instances: config.vrrp.instances.map((i) => instanceParams(i, config.global, i.syncGroup ? groups.get(i.syncGroup) : undefined, opts)),
    syncGroups: config.vrrp.syncGroups.map(syncGroupParams),
    scripts: config.vrrp.vrrpScripts.map(scriptParams),
    startupDelayMs: ms(config.global.vrrpStartupDelay),
  };
}

