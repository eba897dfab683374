// LVS side of the model: virtual servers, virtual server groups, real servers, health checkers and
// the SSL context, with keepalived 2.2.7's defaults applied and its config-time fix-ups done
// (see schema/lvs/complete.ts). Times are in seconds (keepalived's <TIMER>, µs resolution).
import type { Position } from '../issues.js';
import type { ScriptRef } from './script.js';
import { addToIp, formatIpv6, type Family, type IpAddress } from '../../lib/ip.js';

/** The schedulers keepalived's parser accepts, exactly (lb_algo / lvs_sched; case-sensitive). */
export const LVS_SCHEDULERS = ['rr', 'wrr', 'lc', 'wlc', 'lblc', 'sh', 'mh', 'dh', 'fo', 'ovf', 'lblcr', 'sed', 'nq', 'twos'] as const;
export type LvsScheduler = (typeof LVS_SCHEDULERS)[number];

export type LvsProtocol = 'TCP' | 'UDP' | 'SCTP';
export type TunnelType = 'ipip' | 'gue' | 'gre';
export type TunnelChecksum = 'nocsum' | 'csum' | 'remcsum';

/** lb_kind / lvs_method: the IPVS forwarding method of a destination. */
export interface LvsMethod {
  kind: 'NAT' | 'DR' | 'TUN';
  /** TUN only (ipip unless configured). */
  tunnelType: TunnelType;
  /** gue tunnels only, else 0. */
  tunnelPort: number;
  tunnelChecksum: TunnelChecksum;
}

/**
 * IPVS service flags set by the bare keywords `ops`, `flag-1..3`, `sh-port`/`mh-port` (= flag-2)
 * and `sh-fallback`/`mh-fallback` (= flag-1). `hashed` is accepted but sets nothing.
 */
export interface ServiceFlags {
  ops: boolean;
  flag1: boolean;
  flag2: boolean;
  flag3: boolean;
}

/** IPVS persistence netmask: an IPv4 netmask (keepalived does not require it contiguous) or an IPv6 prefix length. */
export type PersistenceGranularity = { family: 4; netmask: IpAddress } | { family: 6; prefixLen: number };

/** How a virtual server is addressed. */
export type VirtualServerService =
  | { kind: 'address'; address: IpAddress; /** 0 only for persistent services */ port: number }
  | { kind: 'fwmark'; fwmark: number }
  | {
      kind: 'group';
      groupName: string;
      /** Position of this VS among the VSs using the group (keepalived prints it as the "port"). */
      memberIndex: number;
      group: VirtualServerGroup;
    };

export interface SorryServer {
  pos: Position;
  /** `[ip]:proto:port` as keepalived logs it. */
  key: string;
  address: IpAddress;
  /** After keepalived's fix-ups (copied from/reset to the VS port except for NAT; 0 for fwmark non-NAT). */
  port: number;
  lvsMethod: LvsMethod;
  /** sorry_server_inhibit: keep it in IPVS with weight 0 instead of deleting it. */
  inhibit: boolean;
  /** Same address and port as one of the real servers (keepalived then treats it specially). */
  duplicatesRealServer: boolean;
}

export interface VirtualServer {
  pos: Position;
  /** As keepalived logs it: `[10.10.10.2]:tcp:1358`, `FWM 1`, `[groupname]:0`. */
  key: string;
  service: VirtualServerService;
  /** Address family of the IPVS service(s): from the address, group, ip_family, real servers; else IPv4. */
  family: Family;
  /**
   * Group virtual servers only: true when keepalived keeps no family for the virtual server (AF_UNSPEC,
   * dumped as `IPv4 & IPv6` or `unknown`): its group has both families, or only fwmarks without one, and
   * nothing else sets it. `family` is then the fallback used for family-less fwmarks.
   */
  familyUnspecified?: boolean;
  /** null for fwmark-only services (IPVS protocol 0). Defaults to UDP (with keepalived's warning). */
  protocol: LvsProtocol | null;
  /** lb_algo / lvs_sched; default wlc (with warning). */
  lbAlgo: LvsScheduler;
  /** lb_kind / lvs_method; default NAT (with warning). */
  lbKind: LvsMethod;
  serviceFlags: ServiceFlags;
  /** Seconds; 0 = not persistent. Bare keyword = 360; implied 360 by persistence_granularity or a port-less service. */
  persistenceTimeout: number;
  /** Default full address (/32 netmask or /128). */
  persistenceGranularity: PersistenceGranularity;
  /** IPVS persistence engine (e.g. `sip`), '' = none. */
  persistenceEngine: string;
  /** Check period (s), inherited by real servers and checkers. Default 60. */
  delayLoop: number;
  /** Checker connect timeout (s). Default 5. */
  connectTimeout: number;
  /** Defaults for checkers; absent = each checker kind's own default. */
  retry?: number;
  delayBeforeRetry?: number;
  warmup?: number;
  /** Default real server weight. Default 1. */
  weight: number;
  inhibitOnFailure: boolean;
  alpha: boolean;
  omega: boolean;
  /** After keepalived's fix-up: capped at the total real server weight. Default 1. */
  quorum: number;
  /** After keepalived's fix-up: below quorum. Default 0. */
  hysteresis: number;
  quorumUp?: ScriptRef;
  quorumDown?: ScriptRef;
  /** Never true for fwmark services (keepalived clears it). */
  haSuspend: boolean;
  virtualhost?: string;
  /** Effective: VS smtp_alert, else global smtp_alert_checker, else global smtp_alert, else false. */
  smtpAlert: boolean;
  snmpName?: string;
  sorryServer?: SorryServer;
  realServers: RealServer[];
}

export interface RealServer {
  pos: Position;
  /** `[ip]:proto:port` as keepalived logs it (proto of the VS; `none` for fwmark). */
  key: string;
  address: IpAddress;
  /** After keepalived's fix-ups: copied from the VS when omitted; reset to the VS port for DR/TUN; 0 for fwmark DR/TUN. */
  port: number;
  /** The port written on the real_server line (0 when omitted): the default target of its checkers. */
  configuredPort: number;
  /** IPVS weight; default the VS `weight` (1). */
  weight: number;
  lvsMethod: LvsMethod;
  inhibitOnFailure: boolean;
  alpha: boolean;
  connectTimeout: number;
  /** Absent = each checker kind's own default. */
  retry?: number;
  delayBeforeRetry?: number;
  warmup?: number;
  delayLoop: number;
  notifyUp?: ScriptRef;
  notifyDown?: ScriptRef;
  /** IPVS connection thresholds, 0 = none. */
  uthreshold: number;
  lthreshold: number;
  /** Effective: RS smtp_alert, else global smtp_alert_checker, else global smtp_alert, else true. */
  smtpAlert: boolean;
  virtualhost?: string;
  snmpName?: string;
  /** The RS is alive only when none of these has failed. */
  checkers: Checker[];
}

/** Target and source of a checker's connection. */
export interface ConnectionOptions {
  /** connect_ip, default the real server address. */
  connectIp: IpAddress;
  /** connect_port, default the port written on the real_server line (0 when it had none). */
  connectPort: number;
  bindto?: IpAddress;
  /** 0 = any. */
  bindPort: number;
  bindIf?: string;
  /** Seconds; default the RS/VS connect_timeout (5). */
  connectTimeout: number;
  /** SO_MARK of check packets, 0 = none. */
  fwmark: number;
}

/** Options of every checker that polls (all but FILE_CHECK), effective values. */
export interface PolledCheckerBase {
  pos: Position;
  /** Start down until the first success; default the RS/VS alpha. */
  alpha: boolean;
  /** Extra attempts before failure: 1; DNS_CHECK 3; MISC_CHECK 0; or the RS/VS retry. */
  retry: number;
  /** Seconds: 1; HTTP_GET/SSL_GET 3; DNS_CHECK delay_loop; or the RS/VS value. */
  delayBeforeRetry: number;
  /** Seconds; default the RS/VS delay_loop. */
  delayLoop: number;
  /** First check after 1 s + random(0..warmup) s; default the RS/VS warmup, else delay_loop. */
  warmup: number;
  logAllFailures: boolean;
}

export interface TcpCheck extends PolledCheckerBase {
  kind: 'TCP_CHECK';
  connection: ConnectionOptions;
}

export type HttpProtocolVersion = '1.0' | '1.0C' | '1.1';

export interface HttpRegex {
  pattern: string;
  /** PCRE2 option names from regex_options. */
  options: string[];
  /** regex_no_match: a match fails the check. */
  noMatch: boolean;
  minOffset: number;
  /** One beyond the last acceptable start offset; 0 = no limit. */
  maxOffset: number;
  /** regex_stack START MAX (bytes), if given. */
  stack?: { start: number; max: number };
}

export interface HttpUrl {
  pos: Position;
  path: string;
  /** Lower-case MD5 hex of the expected body. */
  digest?: string;
  /** Accepted status codes as sorted, merged inclusive ranges; default [[200, 299]]. */
  statusCodes: Array<[number, number]>;
  /** url's own virtualhost. */
  virtualhost?: string;
  /** Host header value: url, checker, real server, virtual server virtualhost; absent = `ip:port`. */
  effectiveVirtualhost?: string;
  /** SNI name when enable_sni: url, checker, virtual server virtualhost (keepalived skips the RS one). */
  sniName?: string;
  regex?: HttpRegex;
}

export interface HttpCheck extends PolledCheckerBase {
  kind: 'HTTP_GET' | 'SSL_GET';
  connection: ConnectionOptions;
  httpProtocol: HttpProtocolVersion;
  virtualhost?: string;
  enableSni: boolean;
  fastRecovery: boolean;
  urls: HttpUrl[];
}

export interface SmtpCheck extends PolledCheckerBase {
  kind: 'SMTP_CHECK';
  connection: ConnectionOptions;
  /** Default smtpchecker.keepalived.org. */
  heloName: string;
}

export const DNS_TYPES = ['A', 'NS', 'CNAME', 'SOA', 'MX', 'TXT', 'AAAA', 'RRSIG', 'DNSKEY'] as const;
export type DnsType = (typeof DNS_TYPES)[number];

export interface DnsCheck extends PolledCheckerBase {
  kind: 'DNS_CHECK';
  connection: ConnectionOptions;
  /** Default SOA. */
  type: DnsType;
  /** Default '.' (the root). */
  name: string;
}

export interface MiscCheck extends PolledCheckerBase {
  kind: 'MISC_CHECK';
  script: ScriptRef;
  /** Seconds before the script is killed: misc_timeout, else the VS delay_loop. */
  miscTimeout: number;
  /** Exit codes 2..255 set the weight (status - 2). */
  miscDynamic: boolean;
}

export interface UdpCheck extends PolledCheckerBase {
  kind: 'UDP_CHECK';
  connection: ConnectionOptions;
  /** Lower-case hex; absent = a random payload. */
  payload?: string;
  requireReply: boolean;
  /** Lower-case hex the reply must start with (up to the shorter length). */
  replyData?: string;
  /** Same length as replyData; f nibbles are wildcards (x in the config). Absent = no wildcard. */
  replyMask?: string;
  minReplyLength: number;
  /** Default 255. */
  maxReplyLength: number;
}

export interface PingCheck extends PolledCheckerBase {
  kind: 'PING_CHECK';
  connection: ConnectionOptions;
}

export interface FileCheck {
  kind: 'FILE_CHECK';
  pos: Position;
  /** Name of a top-level track_file block. */
  trackFile: string;
  /** That block's `file`: the path the value is read from. */
  file: string;
  /** Multiplier of the value read; default the track_file's own weight and reverse. */
  weight: number;
  weightReverse: boolean;
}

export interface BfdCheck {
  kind: 'BFD_CHECK';
  pos: Position;
  /** Name of a bfd_instance. */
  name: string;
  alpha: boolean;
}

export type Checker = TcpCheck | HttpCheck | SmtpCheck | DnsCheck | MiscCheck | UdpCheck | PingCheck | FileCheck | BfdCheck;
export type CheckerKind = Checker['kind'];

/** One line of a virtual_server_group. */
export type VirtualServerGroupEntry =
  | {
      kind: 'range';
      pos: Position;
      /** The entry as written, e.g. `192.168.200.3-10`, `10.0.0.0/24`, `ae00::2-9`. */
      text: string;
      family: Family;
      first: IpAddress;
      /** Equal to `first` for a single address. */
      last: IpAddress;
      /** 0 = no port (persistent services only). */
      port: number;
    }
  | {
      kind: 'fwmark';
      pos: Position;
      fwmark: number;
      /** Absent: the family of the virtual server using the group. */
      family?: Family;
    };

export interface VirtualServerGroup {
  name: string;
  pos: Position;
  entries: VirtualServerGroupEntry[];
}

/** One concrete IPVS service of a group. */
export type ExpandedGroupEntry =
  | { kind: 'address'; family: Family; address: IpAddress; port: number }
  | { kind: 'fwmark'; family: Family; fwmark: number };

/** Top-level `SSL { }`: file names for SSL_GET; without it keepalived generates a context. */
export interface SslContext {
  pos: Position;
  password?: string;
  ca?: string;
  certificate?: string;
  key?: string;
}

export interface LvsSection {
  virtualServers: VirtualServer[];
  virtualServerGroups: VirtualServerGroup[];
  ssl?: SslContext;
  /** Every script the checker side may run (MISC_CHECK, notify_up/down, quorum_up/down). */
  scripts: ScriptRef[];
}

export function emptyLvsSection(): LvsSection {
  return { virtualServers: [], virtualServerGroups: [], scripts: [] };
}

/**
 * The concrete services of a group, in keepalived's order (addresses, then fwmarks). An IPv4 range walks the whole address;
 * an IPv6 range walks only the last 16-bit group (as keepalived's IPVS code does).
 * Fwmark entries without a family take `defaultFamily` (the family of the virtual server).
 */
export function* iterateVirtualServerGroup(group: VirtualServerGroup, defaultFamily: Family = 4): Generator<ExpandedGroupEntry> {
  // keepalived keeps the address entries and the fwmark entries in two lists, addresses first.
  for (const e of group.entries) {
    if (e.kind === 'fwmark') continue;
    if (e.family === 4) {
      const end = ipv4Number(e.last);
      for (let n = ipv4Number(e.first); ; n = (n + 1) >>> 0) {
        yield { kind: 'address', family: 4, address: addToIp(e.first, n - ipv4Number(e.first)), port: e.port };
        if (n === end) break;
      }
    } else {
      const end = lastGroup(e.last);
      for (let g = lastGroup(e.first); ; g = (g + 1) & 0xffff) {
        yield { kind: 'address', family: 6, address: withLastGroup(e.first, g), port: e.port };
        if (g === end) break;
      }
    }
  }
  for (const e of group.entries) {
    if (e.kind === 'fwmark') yield { kind: 'fwmark', family: e.family ?? defaultFamily, fwmark: e.fwmark };
  }
}

export function expandVirtualServerGroup(group: VirtualServerGroup, defaultFamily: Family = 4): ExpandedGroupEntry[] {
  return Array.from(iterateVirtualServerGroup(group, defaultFamily));
}

function ipv4Number(a: IpAddress): number {
  return ((a.bytes[0] << 24) | (a.bytes[1] << 16) | (a.bytes[2] << 8) | a.bytes[3]) >>> 0;
}

function lastGroup(a: IpAddress): number {
  return (a.bytes[14] << 8) | a.bytes[15];
}

function withLastGroup(a: IpAddress, g: number): IpAddress {
  const bytes = Uint8Array.from(a.bytes);
  bytes[14] = g >> 8;
  bytes[15] = g & 0xff;
  return { family: 6, bytes, text: formatIpv6(bytes) };
}
