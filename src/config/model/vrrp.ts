// VRRP side of the model: instances, sync groups, scripts, tracking, static addresses/routes/rules.
// Every field carries keepalived 2.2.7's default, resolved after parsing (completeVrrp) where the
// default depends on other values. Times are in seconds unless a name says otherwise.
import type { Position } from '../issues.js';
import type { IpAddress, IpPrefix } from '../../lib/ip.js';
import type { ScriptRef } from './script.js';
import type { GarpExtraIf } from './global.js';

export type VrrpState = 'MASTER' | 'BACKUP';

/** One line of `virtual_ipaddress`, `virtual_ipaddress_excluded` or `static_ipaddress`. */
export interface VirtualIpAddress {
  /** Address and prefix (default /32 or /128). */
  address: IpPrefix;
  /** Resolved device: `dev`, else the instance interface (VIPs) or `default_interface` (static). */
  dev: string;
  /** Whether `dev` was written. */
  devExplicit: boolean;
  /** IPv4 broadcast; undefined = none set (keepalived's default). `brd +`/`brd -` are resolved here. */
  broadcast?: IpAddress;
  /** Address scope name (global, site, link, host, nowhere) or number. */
  scope: string;
  label?: string;
  /** Point-to-point peer; its prefix length replaces the address's. */
  peer?: IpPrefix;
  /** Deletion by someone else does not fault the instance. */
  noTrack: boolean;
  /** IPv6 preferred lifetime in seconds, or 'forever'; /128 IPv6 defaults to 0 (deprecated), other IPv6 to forever. */
  preferredLft?: number | 'forever';
  /** `ip addr` flags: home, -nodad (as 'nodad'), mngtmpaddr, noprefixroute, autojoin. */
  flags: string[];
  /** Per-address VMAC. */
  useVmac: boolean;
  /** Static addresses only. */
  trackGroup?: string;
  pos: Position;
}

export type RouteType =
  | 'unicast' | 'local' | 'nat' | 'broadcast' | 'anycast' | 'multicast'
  | 'prohibit' | 'unreachable' | 'blackhole' | 'xresolve' | 'throw';

export interface RouteNexthop {
  via?: IpAddress;
  dev?: string;
  /** 1..256. */
  weight?: number;
  onlink: boolean;
  /** Options kept as written (encap, realms). */
  options: Record<string, string>;
}

/** One line of `virtual_routes` / `static_routes`, in `ip route` syntax. */
export interface VirtualRoute {
  family: 4 | 6;
  /** Destination; `default`/`any`/`all` become 0.0.0.0/0 or ::/0. */
  to: IpPrefix;
  type: RouteType;
  /** Preferred source (`src`). */
  src?: IpAddress;
  /** IPv6 source prefix (`from`). */
  from?: IpPrefix;
  via?: IpAddress;
  /** Output interface (`dev`/`oif`). */
  dev?: string;
  /** Routing table id (main = 254). */
  table: number;
  metric?: number;
  /** Scope name or number; default global. */
  scope: string;
  /** Protocol; 'keepalived' (18) whenever the route is tracked. */
  protocol?: string;
  onlink: boolean;
  /** `prepend` (kernel and keepalived default), `add` or `append`. */
  mode: 'prepend' | 'add' | 'append';
  nexthops: RouteNexthop[];
  noTrack: boolean;
  trackGroup?: string;
  /** Tier-3 options kept as written (mtu, advmss, rtt, realms, encap, ...): name → value text. */
  options: Record<string, string>;
  pos: Position;
}

export type RuleAction = 'table' | 'goto' | 'nop' | 'blackhole' | 'unreachable' | 'prohibit';

/** One line of `virtual_rules` / `static_rules`, in `ip rule` syntax. */
export interface VirtualRule {
  family: 4 | 6;
  from?: IpPrefix;
  to?: IpPrefix;
  /** `not`. */
  invert: boolean;
  action: RuleAction;
  /** For action 'table' (id; main = 254). */
  table?: number;
  /** For action 'goto'. */
  gotoTarget?: number;
  /** Resolved: configured, else keepalived's automatic 16384, 16383, ... per family. */
  priority: number;
  priorityExplicit: boolean;
  tos?: number;
  fwmark?: number;
  fwmask?: number;
  iif?: string;
  oif?: string;
  l3mdev: boolean;
  uidrange?: { start: number; end: number };
  ipProto?: string;
  sport?: { start: number; end: number };
  dport?: { start: number; end: number };
  noTrack: boolean;
  trackGroup?: string;
  /** Tier-3 options kept as written (realms, suppress_prefixlength, suppress_ifgroup, tunnel-id, protocol). */
  options: Record<string, string>;
  pos: Position;
}

/** `track_interface` entry: weight 0 means fault when down. */
export interface TrackedInterface {
  name: string;
  /** −253..253. */
  weight: number;
  reverse: boolean;
  pos: Position;
}

/** `track_script`, `track_file`, `track_process`, `track_bfd` entry, weight resolved from the tracked object. */
export interface TrackedObject {
  name: string;
  weight: number;
  reverse: boolean;
  pos: Position;
}

export interface UnicastPeer {
  address: IpAddress;
  minTtl: number;
  maxTtl: number;
  pos: Position;
}

export interface VrrpAuthentication {
  type: 'PASS' | 'AH';
  /** At most 8 characters (keepalived truncates). */
  password: string;
}

export interface VmacSettings {
  /** Interface name; resolved default `vrrp.<vrid>` (prefix from `vmac_prefix`). */
  name: string;
  nameExplicit: boolean;
  /** Configured MAC, else the RFC 5798 virtual MAC. */
  mac?: string;
}

export interface VrrpInstance {
  name: string;
  pos: Position;
  /** Initial wanted state (resolved: MASTER when priority 255, else BACKUP). */
  state: VrrpState;
  /** Advert interface; undefined only for an instance keepalived refuses. */
  interface?: string;
  interfacePos?: Position;
  /** 1..255; 0 when missing (keepalived refuses the configuration). */
  virtualRouterId: number;
  virtualRouterIdPos?: Position;
  /** 1..255 (255 = address owner); default 100, or 255 for `state MASTER` without priority. */
  priority: number;
  /** Seconds; whole seconds for v2, multiples of 0.01 for v3. */
  advertInt: number;
  version: 2 | 3;
  family: 4 | 6;
  authentication?: VrrpAuthentication;
  virtualIpaddress: VirtualIpAddress[];
  virtualIpaddressExcluded: VirtualIpAddress[];
  virtualRoutes: VirtualRoute[];
  virtualRules: VirtualRule[];
  nopreempt: boolean;
  /** Seconds (0..1000). */
  preemptDelay: number;
  trackInterface: TrackedInterface[];
  trackScript: TrackedObject[];
  trackFile: TrackedObject[];
  trackProcess: TrackedObject[];
  trackBfd: TrackedObject[];
  dontTrackPrimary: boolean;
  /** `mcast_src_ip` / `unicast_src_ip`: advert source; undefined = the interface's primary address. */
  srcIp?: IpAddress;
  unicastPeer: UnicastPeer[];
  /** Resolved: adverts are unicast (some peer given). */
  unicast: boolean;
  /**
   * TTL / hop limit of unicast adverts: `unicast_ttl`, else 255 for IPv4; undefined for IPv6 without
   * `unicast_ttl` (keepalived leaves the socket's unicast hop limit at the kernel default).
   */
  unicastTtl?: number;
  unicastFaultNoPeer: boolean;
  checkUnicastSrc: boolean;
  /** Multicast destination; resolved to the global group; undefined for unicast. */
  mcastDstIp?: IpAddress;
  trackSrcIp: boolean;
  garpMasterDelay: number;
  garpMasterRepeat: number;
  garpMasterRefresh: number;
  garpMasterRefreshRepeat: number;
  garpLowerPrioDelay: number;
  garpLowerPrioRepeat: number;
  garpExtraIf: GarpExtraIf;
  downTimerAdverts: number;
  lowerPrioNoAdvert: boolean;
  higherPrioSendAdvert: boolean;
  /** Non-owner master accepts traffic to the VIPs (false → nftables drop rules). */
  accept: boolean;
  strictMode: boolean;
  skipCheckAdvAddr: boolean;
  promoteSecondaries: boolean;
  notifyMaster?: ScriptRef;
  notifyBackup?: ScriptRef;
  notifyFault?: ScriptRef;
  notifyStop?: ScriptRef;
  notifyDeleted?: ScriptRef;
  /** `notify_deleted` given (report DELETED rather than FAULT when removed by a reload). */
  notifyDeletedState: boolean;
  /** Generic script; gets `INSTANCE <name> <STATE> <priority>` appended. */
  notify?: ScriptRef;
  notifyMasterRxLowerPri?: ScriptRef;
  smtpAlert: boolean;
  notifyPriorityChanges: boolean;
  useVmac?: VmacSettings;
  useVmacAddr: boolean;
  vmacXmitBase: boolean;
  /** `use_ipvlan` arguments as written (tier 3). */
  useIpvlan?: string;
  vrf?: string;
  linkbeatUsePolling: boolean;
  kernelRxBufSize?: number;
  /** `old_unicast_checksum [never]` (tier 3). */
  oldUnicastChecksum?: 'config' | 'never';
  /** Resolved: name of the sync group this instance belongs to. */
  syncGroup?: string;
}

export interface VrrpSyncGroup {
  name: string;
  pos: Position;
  /** Member instance names as configured (unknown ones removed after parsing). */
  group: string[];
  groupPos?: Position;
  /** Where each member name was written, by name. */
  memberPos?: Record<string, Position>;
  trackInterface: TrackedInterface[];
  trackScript: TrackedObject[];
  trackFile: TrackedObject[];
  trackProcess: TrackedObject[];
  trackBfd: TrackedObject[];
  notifyMaster?: ScriptRef;
  notifyBackup?: ScriptRef;
  notifyFault?: ScriptRef;
  notifyStop?: ScriptRef;
  /** Gets `GROUP <name> <STATE> 0` appended. */
  notify?: ScriptRef;
  smtpAlert: boolean;
  /** `sync_group_tracking_weight` (or deprecated `global_tracking`): members keep weighted tracking. */
  syncGroupTrackingWeight: boolean;
  notifyPriorityChanges?: boolean;
}

/** `vrrp_script NAME { ... }`. */
export interface VrrpScript {
  name: string;
  pos: Position;
  script: ScriptRef;
  /** Seconds between runs. */
  interval: number;
  /** Seconds before the run is killed and counted as failed (resolved: default = interval). */
  timeout: number;
  /** −253..253; 0: failure → FAULT. */
  weight: number;
  weightReverse: boolean;
  rise: number;
  fall: number;
  /** Start in the failed state. */
  initFail: boolean;
}

/** `track_file NAME { ... }` (also the deprecated `vrrp_track_file`). */
export interface TrackFile {
  name: string;
  pos: Position;
  file: string;
  /** −254..254, default 1. */
  weight: number;
  weightReverse: boolean;
  /** `init_file [VALUE] [overwrite]`: create (or overwrite) the file with VALUE at start. */
  initFile?: { value: number; overwrite: boolean };
}

/** `vrrp_track_process NAME { ... }`. */
export interface TrackProcess {
  name: string;
  pos: Position;
  process: string;
  /** Parameters to match (after the process name). */
  params: string[];
  paramMatch: 'none' | 'exact' | 'initial' | 'partial';
  weight: number;
  weightReverse: boolean;
  quorum: number;
  /** Undefined: no maximum. */
  quorumMax?: number;
  /** Seconds. */
  terminateDelay: number;
  forkDelay: number;
  fullCommand: boolean;
}

/** `garp_group { ... }`. */
export interface GarpGroup {
  pos: Position;
  /** Seconds. */
  garpInterval?: number;
  gnaInterval?: number;
  interfaces: string[];
}

export interface LinkbeatInterface {
  name: string;
  type: 'MII' | 'ETHTOOL' | 'IOCTL' | 'default';
  pos: Position;
}

export interface InterfaceUpDownDelay {
  name: string;
  /** Seconds. */
  down: number;
  up: number;
  pos: Position;
}

export interface TrackGroup {
  name: string;
  pos: Position;
  group: string[];
}

export interface VrrpSection {
  instances: VrrpInstance[];
  syncGroups: VrrpSyncGroup[];
  vrrpScripts: VrrpScript[];
  trackFiles: TrackFile[];
  trackProcesses: TrackProcess[];
  staticIpaddress: VirtualIpAddress[];
  staticRoutes: VirtualRoute[];
  staticRules: VirtualRule[];
  trackGroups: TrackGroup[];
  garpGroups: GarpGroup[];
  linkbeatInterfaces: LinkbeatInterface[];
  interfaceUpDownDelays: InterfaceUpDownDelay[];
  /** Names of `bfd_instance` blocks (BFD itself is not supported). */
  bfdInstances: string[];
  /** Every script the VRRP side may run, for script-security checks. */
  scripts: ScriptRef[];
}

export function emptyVrrpSection(): VrrpSection {
  return {
    instances: [],
    syncGroups: [],
    vrrpScripts: [],
    trackFiles: [],
    trackProcesses: [],
    staticIpaddress: [],
    staticRoutes: [],
    staticRules: [],
    trackGroups: [],
    garpGroups: [],
    linkbeatInterfaces: [],
    interfaceUpDownDelays: [],
    bfdInstances: [],
    scripts: [],
  };
}
