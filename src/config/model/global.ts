// global_defs (and the few global keywords keepalived only accepts at top level), with keepalived
// 2.2.7's defaults applied. Times are in seconds unless a name says otherwise.
import type { Position } from '../issues.js';
import type { IpAddress } from '../../lib/ip.js';
import type { ScriptRef } from './script.js';

/** `notify_fifo`, `vrrp_notify_fifo`, `lvs_notify_fifo` and their `*_script` reader. */
export interface NotifyFifo {
  /** FIFO path; undefined when only a `*_notify_fifo_script` was given (keepalived then ignores the script). */
  path?: string;
  /** Owner of a FIFO keepalived creates; default: the script user. */
  user?: string;
  group?: string;
  /** Reader started by keepalived; the FIFO path is appended as its last argument. */
  script?: ScriptRef;
  pos: Position;
}

/** `lvs_sync_daemon IF [inst VI] [id N] [maxlen N] [port N] [ttl N] [group IP]`. */
export interface LvsSyncDaemon {
  interface: string;
  /** VRRP instance whose MASTER/BACKUP state selects the daemon role (also from legacy positional form). */
  instance?: string;
  /** Sync id; resolved after parsing: configured, else the instance's VRID, else 0. */
  syncId: number;
  /** Max sync message length; undefined: the kernel derives it from the MTU. */
  maxlen?: number;
  /** Multicast port (IPVS default 8848). */
  port: number;
  /** Multicast TTL (IPVS default 1). */
  ttl: number;
  /** Multicast group (IPVS default 224.0.0.81). */
  group: IpAddress;
  /** Set by the deprecated per-instance `lvs_sync_daemon_interface`. */
  fromInstanceKeyword: boolean;
  pos: Position;
}

/** `lvs_timeouts`: only the values given are changed in the kernel (seconds). */
export interface LvsTimeouts {
  tcp?: number;
  tcpfin?: number;
  udp?: number;
}

/** `vrrp_garp_extra_if [all] S` / instance `garp_extra_if`: periodic GARP on other VIP interfaces. */
export interface GarpExtraIf {
  /** Seconds between GARPs; 0 = off. */
  interval: number;
  /** Also on interfaces that are not VMACs. */
  all: boolean;
}

export interface NftablesSettings {
  table: string;
  priority: number;
}

export interface GlobalDefs {
  /** Free text used in mails/SNMP; default: the host name. */
  routerId: string;
  notificationEmail: string[];
  /** Default `root@<hostname>` (keepalived uses its own user name; it runs as root). */
  notificationEmailFrom: string;
  smtpServer?: { host: string; address?: IpAddress; port: number; pos: Position };
  /** Default: the host name. */
  smtpHeloName: string;
  /** Seconds. */
  smtpConnectTimeout: number;
  /** Global defaults for per-object `smtp_alert`; undefined = not given (objects then default off, real servers on). */
  smtpAlert?: boolean;
  smtpAlertVrrp?: boolean;
  smtpAlertChecker?: boolean;
  noEmailFaults: boolean;
  noCheckerEmails: boolean;
  checkerLogAllFailures: boolean;
  rsInitNotifies: boolean;

  // --- VRRP globals
  vrrpVersion: 2 | 3;
  vrrpMcastGroup4: IpAddress;
  vrrpMcastGroup6: IpAddress;
  /** Seconds before the second GARP burst after becoming master. */
  vrrpGarpMasterDelay: number;
  vrrpGarpMasterRepeat: number;
  /** Seconds between periodic GARPs while master; 0 = off. */
  vrrpGarpMasterRefresh: number;
  vrrpGarpMasterRefreshRepeat: number;
  /** Resolved after parsing: default = vrrpGarpMasterDelay. */
  vrrpGarpLowerPrioDelay: number;
  /** Resolved after parsing: default = vrrpGarpMasterRepeat. */
  vrrpGarpLowerPrioRepeat: number;
  /** Seconds (µs resolution) between successive GARP / unsolicited NA packets; 0 = no pause. */
  vrrpGarpInterval: number;
  vrrpGnaInterval: number;
  vrrpMinGarp: boolean;
  vrrpGarpExtraIf: GarpExtraIf;
  vrrpLowerPrioNoAdvert: boolean;
  vrrpHigherPrioSendAdvert: boolean;
  vrrpDownTimerAdverts: number;
  vrrpCheckUnicastSrc: boolean;
  vrrpSkipCheckAdvAddr: boolean;
  vrrpStrict: boolean;
  /** Seconds. */
  vrrpStartupDelay: number;
  vrrpNotifyPriorityChanges: boolean;
  fifoWriteVrrpStatesOnReload: boolean;
  /** Interface for static addresses without `dev`. */
  defaultInterface: string;
  dynamicInterfaces: boolean;
  /** `dynamic_interfaces allow_if_changes`. */
  allowIfChanges: boolean;
  disableLocalIgmp: boolean;
  logUnknownVrids: boolean;
  vmacPrefix: string;
  /** Default: vmacPrefix. */
  vmacAddrPrefix: string;
  linkbeatUsePolling: boolean;
  /** nftables used for no_accept/strict/VMAC; resolved: set when an instance needs it. */
  nftables?: NftablesSettings;
  nftablesCounters: boolean;
  nftablesIfindex: boolean;
  nftablesIpvs?: NftablesSettings & { startFwmark: number };

  // --- LVS globals (read by the checker / IPVS side)
  lvsSyncDaemon?: LvsSyncDaemon;
  lvsTimeouts: LvsTimeouts;
  /** Flush the whole IPVS table at start-up. */
  lvsFlush: boolean;
  /** On stop: 'none' = delete our RS/VS one by one; 'full' = flush everything; 'vs' = delete our VSs in bulk. */
  lvsFlushOnStop: 'none' | 'full' | 'vs';

  // --- scripts
  /** `script_user USER [GROUP]`; undefined: keepalived_script if that user exists, else root. */
  scriptUser?: string;
  scriptGroup?: string;
  scriptUserPos?: Position;
  enableScriptSecurity: boolean;
  notifyFifo?: NotifyFifo;
  vrrpNotifyFifo?: NotifyFifo;
  lvsNotifyFifo?: NotifyFifo;
  startupScript?: ScriptRef;
  /** Seconds. */
  startupScriptTimeout: number;
  shutdownScript?: ScriptRef;
  shutdownScriptTimeout: number;

  // --- process / namespace
  netNamespace?: string;
  /** '' = the default namespace. */
  netNamespaceIpvs?: string;
  namespaceWithIpsets: boolean;
  instanceName?: string;
  usePidDir: boolean;
  /** Seconds the parent waits for children at stop before SIGKILL. */
  childWaitTime: number;
  processNames: { parent?: string; vrrp?: string; checker?: string; bfd?: string };
  /** 0 = off; -1 disabled. */
  maxAutoPriority: number;
  /** Microseconds. */
  minAutoPriorityDelay: number;
  /** umask of files keepalived creates. */
  umask: number;

  // --- reload / misc
  reloadCheckConfig?: string;
  reloadTimeFile?: string;
  reloadRepeat: boolean;
  reloadFile?: string;
  configSaveDir?: string;
  tmpConfigDirectory?: string;
  dataUseInstance: boolean;
  randomSeed?: number;
  enableSnmpVrrp: boolean;
  enableSnmpChecker: boolean;
  enableSnmpRfcv2: boolean;
  enableSnmpRfcv3: boolean;
  enableTraps: boolean;
  snmpSocket?: string;
  enableDbus: boolean;
  dbusServiceName: string;
}

export const VRRP_MCAST_GROUP4: IpAddress = { family: 4, text: '224.0.0.18', bytes: Uint8Array.from([224, 0, 0, 18]) };
export const VRRP_MCAST_GROUP6: IpAddress = {
  family: 6,
  text: 'ff02::12',
  bytes: Uint8Array.from([0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x12]),
};
export const LVS_SYNC_GROUP: IpAddress = { family: 4, text: '224.0.0.81', bytes: Uint8Array.from([224, 0, 0, 81]) };

export function defaultGlobalDefs(hostname: string): GlobalDefs {
  return {
    routerId: hostname,
    notificationEmail: [],
    notificationEmailFrom: `root@${hostname}`,
    smtpHeloName: hostname,
    smtpConnectTimeout: 30,
    noEmailFaults: false,
    noCheckerEmails: false,
    checkerLogAllFailures: false,
    rsInitNotifies: false,
    vrrpVersion: 2,
    vrrpMcastGroup4: VRRP_MCAST_GROUP4,
    vrrpMcastGroup6: VRRP_MCAST_GROUP6,
    vrrpGarpMasterDelay: 5,
    vrrpGarpMasterRepeat: 5,
    vrrpGarpMasterRefresh: 0,
    vrrpGarpMasterRefreshRepeat: 1,
    vrrpGarpLowerPrioDelay: 5,
    vrrpGarpLowerPrioRepeat: 5,
    vrrpGarpInterval: 0,
    vrrpGnaInterval: 0,
    vrrpMinGarp: false,
    vrrpGarpExtraIf: { interval: 0, all: false },
    vrrpLowerPrioNoAdvert: false,
    vrrpHigherPrioSendAdvert: false,
    vrrpDownTimerAdverts: 3,
    vrrpCheckUnicastSrc: false,
    vrrpSkipCheckAdvAddr: false,
    vrrpStrict: false,
    vrrpStartupDelay: 0,
    vrrpNotifyPriorityChanges: false,
    fifoWriteVrrpStatesOnReload: false,
    defaultInterface: 'eth0',
    dynamicInterfaces: false,
    allowIfChanges: false,
    disableLocalIgmp: false,
    logUnknownVrids: false,
    vmacPrefix: 'vrrp',
    vmacAddrPrefix: 'vrrp',
    linkbeatUsePolling: false,
    nftablesCounters: false,
    nftablesIfindex: false,
    lvsTimeouts: {},
    lvsFlush: false,
    lvsFlushOnStop: 'none',
    enableScriptSecurity: false,
    startupScriptTimeout: 10,
    shutdownScriptTimeout: 10,
    namespaceWithIpsets: false,
    usePidDir: false,
    childWaitTime: 5,
    processNames: {},
    maxAutoPriority: 0,
    minAutoPriorityDelay: 1_000_000,
    umask: 0o177,
    reloadRepeat: false,
    dataUseInstance: false,
    enableSnmpVrrp: false,
    enableSnmpChecker: false,
    enableSnmpRfcv2: false,
    enableSnmpRfcv3: false,
    enableTraps: false,
    enableDbus: false,
    dbusServiceName: 'org.keepalived.Vrrp1',
  };
}
