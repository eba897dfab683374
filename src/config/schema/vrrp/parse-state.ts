// Facts gathered while parsing that post-processing and validators need but that are not part of
// the model the engines read: what was written explicitly (keepalived distinguishes "unset" from a
// value) and what keepalived dropped. Kept in side tables keyed by the objects being built.
import type { KeepalivedConfig, VrrpInstance, VrrpSyncGroup } from '../../model/index.js';
import type { Position } from '../../issues.js';

export interface PendingTrackRef {
  kind: 'script' | 'file' | 'process' | 'bfd';
  name: string;
  /** Instance or sync group name, as keepalived prints it. */
  owner: string;
  pos: Position;
}

/** What an instance block said explicitly; undefined = not written. */
export interface InstanceRaw {
  priority?: number;
  version?: 2 | 3;
  /** Advert interval as written, in microseconds (rounded later according to the version). */
  advertIntUs?: number;
  accept?: boolean;
  strictMode?: boolean;
  lowerPrioNoAdvert?: boolean;
  higherPrioSendAdvert?: boolean;
  garpLowerPrioDelay?: number;
  garpLowerPrioRepeat?: number;
  garpExtraIf?: boolean;
  smtpAlert?: boolean;
  notifyPriorityChanges?: boolean;
  unicastTtl?: number;
  mcastDstIp?: boolean;
  stateWritten?: boolean;
  /** Some unicast keyword was used (unicast_peer, unicast_src_ip, check_unicast_src, ...). */
  unicastConfigured: boolean;
  /** Where each keyword of the block was written (last occurrence), for post-processing diagnostics. */
  at: Record<string, Position>;
}

export interface SyncGroupRaw {
  /** `group { }` block given (possibly empty). */
  hasGroup: boolean;
  smtpAlert?: boolean;
}

export interface VrrpParseState {
  /** Tracked objects named before (or without) their definition: keepalived ignores them. */
  unresolvedTrack: PendingTrackRef[];
  /**
   * An interface named in the configuration does not exist (and dynamic_interfaces is off):
   * keepalived's VRRP process stops before completing the configuration (no script-security check).
   */
  missingInterface: boolean;
  instances: Map<VrrpInstance, InstanceRaw>;
  syncGroups: Map<VrrpSyncGroup, SyncGroupRaw>;
  /** Next automatic rule priority per family (keepalived counts down from 16384). */
  nextRulePriority: { 4: number; 6: number };
  /** The global script user could not be resolved (`script_user` naming a missing user). */
  scriptUserFailed: boolean;
}

const states = new WeakMap<KeepalivedConfig, VrrpParseState>();

export function vrrpParseState(config: KeepalivedConfig): VrrpParseState {
  let s = states.get(config);
  if (!s) {
    s = {
      unresolvedTrack: [],
      missingInterface: false,
      instances: new Map(),
      syncGroups: new Map(),
      nextRulePriority: { 4: 16384, 6: 16384 },
      scriptUserFailed: false,
    };
    states.set(config, s);
  }
  return s;
}

export function instanceRaw(config: KeepalivedConfig, inst: VrrpInstance): InstanceRaw {
  const st = vrrpParseState(config);
  let r = st.instances.get(inst);
  if (!r) {
    r = { unicastConfigured: false, at: {} };
    st.instances.set(inst, r);
  }
  return r;
}

export function syncGroupRaw(config: KeepalivedConfig, g: VrrpSyncGroup): SyncGroupRaw {
  const st = vrrpParseState(config);
  let r = st.syncGroups.get(g);
  if (!r) {
    r = { hasGroup: false };
    st.syncGroups.set(g, r);
  }
  return r;
}
