// Plain, JSON-able shape of what keepalived 2.2.7 reports about a parsed VRRP config
// (its `-d` dump). Our loader's model is projected onto the same shape so the two can be
// compared with deepEqual. Only configuration-derived values are kept; runtime state
// (sockets, fds, timers, "set" flags, ifindexes, script results) is dropped.
//
// Canonical forms (decided here, produced by parse-dump.ts):
// - Address (VIP, excluded VIP, static address): keepalived's own wording with the prefix
//   always written and runtime flags removed:
//     ADDR/PREFIX [brd B] dev IF[@BASE] [use_vmac] scope SCOPE [label L] [peer P/N]
//       [home] [-nodad] [mngtmpaddr] [noprefixroute] [autojoin] [no_track] [track_group G]
//       [deprecated | preferred_lft N|forever]        (the last item for IPv6 only)
//   e.g. `192.168.200.16/32 dev eth0 scope global label eth0:1`,
//        `fd00::9/64 dev eth2 scope global preferred_lft forever`.
//   Address text is what inet_ntop prints (lower-case, RFC 5952 zero compression);
//   IPv4 prefix defaults to /32, IPv6 to /128; `brd` appears only when non-zero;
//   scope is a name (global, site, link, host, nowhere) or a number.
// - Route / rule: keepalived's dump text minus ` [installed ifindex N]`, e.g.
//   `prepend 10.50.0.0/16 via inet 192.168.200.1 dev eth0 proto 18`,
//   `from 10.50.0.0/16 priority 100 tos 0x0 protocol 18 lookup 7`.
// - Script command: `argv` (the words keepalived will exec) plus `command`, keepalived's
//   display of it (each word in single quotes, except a first word starting with < or >,
//   which marks a shell redirection run through /bin/sh).
// - Durations are numbers in seconds unless the field name says otherwise.

export type OnOffUnset = 'on' | 'off' | 'unset';

export interface ComparableGarp {
  /** seconds before the second GARP burst after becoming master */
  delay: number;
  repeat: number;
  /** seconds between refresh bursts, 0 = off */
  refresh: number;
  refreshRepeat: number;
  lowerPrioDelay: number;
  lowerPrioRepeat: number;
}

export interface ComparableGlobal {
  /** null = the default namespace */
  networkNamespace: string | null;
  routerId: string | null;
  smtpServer: string | null;
  smtpServerPort: number | null;
  smtpHeloName: string | null;
  smtpConnectTimeout: number | null;
  emailFrom: string | null;
  emailTo: string[];
  smtpAlert: OnOffUnset | null;
  smtpAlertVrrp: OnOffUnset | null;
  smtpAlertChecker: OnOffUnset | null;
  checkerLogAllFailures: boolean | null;
  dynamicInterfaces: boolean | null;
  /** only dumped when dynamic_interfaces is on */
  allowIfChanges: boolean | null;
  defaultInterface: string | null;
  disableLocalIgmp: boolean | null;
  lvsFlush: boolean | null;
  /** 'disabled' | 'full' | 'VS' as dumped */
  lvsFlushOnStop: string | null;
  fifoWriteVrrpStatesOnReload: boolean | null;
  vrrpNotifyPriorityChanges: boolean | null;
  mcastGroup4: string | null;
  mcastGroup6: string | null;
  garp: ComparableGarp;
  downTimerAdverts: number | null;
  lowerPrioNoAdvert: boolean | null;
  higherPrioSendAdvert: boolean | null;
  /** seconds (fractional) */
  garpInterval: number | null;
  gnaInterval: number | null;
  vrrpVersion: number | null;
  checkUnicastSrc: boolean | null;
  skipCheckAdvAddr: boolean | null;
  strict: boolean | null;
  maxAutoPriority: number | null;
  scriptSecurity: boolean | null;
  /** "uid:gid" keepalived resolved for scripts without their own user */
  defaultScriptUidGid: string | null;
  umask: string | null;
  vrrpStartupDelay: number | null;
  logUnknownVrids: boolean;
  vmacPrefix: string | null;
  vmacAddrPrefix: string | null;
  /** Every other `Key = Value` line of the global section, verbatim. */
  other: Record<string, string>;
}

export interface ComparableUnicastPeer {
  address: string;
  minTtl: number;
  maxTtl: number;
}

export interface ComparableTrack {
  /** interface, script, file, process or BFD name */
  name: string;
  weight: number;
  reverse: boolean;
}

export interface ComparableScriptCommand {
  command: string;
  argv: string[];
  /** "uid:gid" the script runs as */
  uidGid: string;
}

/** Notify scripts by kind; a kind is absent when not configured (or disabled as missing). */
export interface ComparableNotify {
  backup?: ComparableScriptCommand;
  master?: ComparableScriptCommand;
  fault?: ComparableScriptCommand;
  stop?: ComparableScriptCommand;
  deleted?: ComparableScriptCommand;
  /** `notify` */
  generic?: ComparableScriptCommand;
  /** `notify_master_rx_lower_pri` */
  masterRxLowerPri?: ComparableScriptCommand;
}

export interface ComparableVrrpInstance {
  name: string;
  version: number;
  syncGroup: string | null;
  nativeIpv6: boolean;
  /** true when adverts go unicast ("Flags: Using unicast") */
  unicast: boolean;
  /** the lines under "Flags:", verbatim ([] for "Flags: none") */
  flags: string[];
  wantState: string;
  configFaults: number;
  /** configured interface; for a VMAC instance the base interface */
  interface: string | null;
  /** VMAC interface name if use_vmac */
  vmacInterface: string | null;
  vmacXmitBase: boolean;
  dontTrackPrimary: boolean;
  skipCheckAdvAddr: boolean;
  strictMode: boolean;
  /** "Using src_ip": null for "(none)" */
  srcIp: string | null;
  srcIpFromConfig: boolean;
  /** multicast group (null when unicast) */
  mcastAddress: string | null;
  garp: ComparableGarp;
  downTimerAdverts: number;
  lowerPrioNoAdvert: boolean;
  higherPrioSendAdvert: boolean;
  vrid: number;
  priority: number;
  /** advert interval in milliseconds (v2 shows whole seconds, v3 milliseconds) */
  advertIntMs: number;
  accept: boolean | null;
  preempt: boolean;
  /** same information as !preempt, kept for readability of comparisons */
  nopreempt: boolean;
  /** seconds, 0 when not set */
  preemptDelay: number;
  promoteSecondaries: boolean;
  /** null = no authentication */
  authType: 'PASS' | 'AH' | null;
  /** as stored (keepalived keeps 8 characters) */
  authPass: string | null;
  vips: string[];
  excludedVips: string[];
  unicastTtl: number | null;
  checkUnicastSrc: boolean | null;
  unicastPeers: ComparableUnicastPeer[];
  virtualRoutes: string[];
  virtualRules: string[];
  trackInterfaces: ComparableTrack[];
  trackScripts: ComparableTrack[];
  trackFiles: ComparableTrack[];
  trackProcesses: ComparableTrack[];
  trackBfds: ComparableTrack[];
  smtpAlert: boolean;
  notifyDeleted: boolean;
  notify: ComparableNotify;
  notifyPriorityChanges: boolean;
  /** Every other `Key = Value` line of the instance, verbatim. */
  other: Record<string, string>;
}

export interface ComparableSyncGroup {
  name: string;
  members: string[];
  smtpAlert: boolean;
  trackingWeight: boolean;
  notifyPriorityChanges: boolean | null;
  trackInterfaces: ComparableTrack[];
  trackScripts: ComparableTrack[];
  trackFiles: ComparableTrack[];
  trackProcesses: ComparableTrack[];
  trackBfds: ComparableTrack[];
  notify: ComparableNotify;
}

export interface ComparableTrackingRef {
  instance: string;
  weight: number;
  reverse: boolean;
}

/** A vrrp_script (keepalived dumps only scripts some instance or group tracks). */
export interface ComparableVrrpScript {
  name: string;
  command: string;
  argv: string[];
  /** seconds */
  interval: number;
  /** seconds (0 = use interval) */
  timeout: number;
  weight: number;
  weightReverse: boolean;
  rise: number;
  fall: number;
  uidGid: string;
  insecure: boolean;
  initState: string;
  trackedBy: ComparableTrackingRef[];
}

export interface ComparableTrackFile {
  name: string;
  file: string;
  weight: number;
  weightReverse: boolean;
  trackedBy: ComparableTrackingRef[];
}

export interface ComparableTrackProcess {
  name: string;
  process: string;
  parameters: string | null;
  minProcesses: number;
  maxProcesses: number | null;
  weight: number;
  weightReverse: boolean;
  trackedBy: ComparableTrackingRef[];
}

export interface ComparableVrrpConfig {
  global: ComparableGlobal;
  staticAddresses: string[];
  staticRoutes: string[];
  staticRules: string[];
  instances: ComparableVrrpInstance[];
  syncGroups: ComparableSyncGroup[];
  scripts: ComparableVrrpScript[];
  trackFiles: ComparableTrackFile[];
  trackProcesses: ComparableTrackProcess[];
  /** section names seen in the dump, in order (for diagnosing partial dumps) */
  sections: string[];
}
