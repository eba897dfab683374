// The IPVS engine's vocabulary and port: typed values of the kernel's IPVS table, in the vocabulary of include/uapi/linux/ip_vs.h, and the
// port (interface) through which the rest of the daemon reads and programs that table.

/** Address families, as the kernel numbers them. */
export const AF_INET = 2;
export const AF_INET6 = 10;
export type IpvsAf = typeof AF_INET | typeof AF_INET6;

/** IP protocol numbers a virtual service may carry (fwmark services carry 0). */
export const IPPROTO_TCP = 6;
export const IPPROTO_UDP = 17;
export const IPPROTO_SCTP = 132;

/** Virtual service flags (IP_VS_SVC_F_*). */
export const IP_VS_SVC_F_PERSISTENT = 0x0001;
/** Set by the kernel on every service in its table; never meaningful in a request. */
export const IP_VS_SVC_F_HASHED = 0x0002;
export const IP_VS_SVC_F_ONEPACKET = 0x0004;
export const IP_VS_SVC_F_SCHED1 = 0x0008;
export const IP_VS_SVC_F_SCHED2 = 0x0010;
export const IP_VS_SVC_F_SCHED3 = 0x0020;
/** The scheduler flags mean different things per scheduler (ipvsadm -b names). */
export const IP_VS_SVC_F_SCHED_SH_FALLBACK = IP_VS_SVC_F_SCHED1;
export const IP_VS_SVC_F_SCHED_SH_PORT = IP_VS_SVC_F_SCHED2;
export const IP_VS_SVC_F_SCHED_MH_FALLBACK = IP_VS_SVC_F_SCHED1;
export const IP_VS_SVC_F_SCHED_MH_PORT = IP_VS_SVC_F_SCHED2;
/** The flags user space sets; HASHED is the kernel's own bookkeeping. */
export const IP_VS_SVC_F_USER_MASK =
  IP_VS_SVC_F_PERSISTENT | IP_VS_SVC_F_ONEPACKET | IP_VS_SVC_F_SCHED1 | IP_VS_SVC_F_SCHED2 | IP_VS_SVC_F_SCHED3;

/** Forwarding methods (IP_VS_CONN_F_*, the low three bits of a destination's conn_flags). */
export const IP_VS_CONN_F_MASQ = 0;
export const IP_VS_CONN_F_LOCALNODE = 1;
export const IP_VS_CONN_F_TUNNEL = 2;
export const IP_VS_CONN_F_DROUTE = 3;
export const IP_VS_CONN_F_BYPASS = 4;
export const IP_VS_CONN_F_FWD_MASK = 0x0007;
export type IpvsFwdMethod =
  | typeof IP_VS_CONN_F_MASQ
  | typeof IP_VS_CONN_F_LOCALNODE
  | typeof IP_VS_CONN_F_TUNNEL
  | typeof IP_VS_CONN_F_DROUTE
  | typeof IP_VS_CONN_F_BYPASS;

/** Tunnel encapsulations for IP_VS_CONN_F_TUNNEL destinations (kernel 5.2+). */
export const IP_VS_CONN_F_TUNNEL_TYPE_IPIP = 0;
export const IP_VS_CONN_F_TUNNEL_TYPE_GUE = 1;
export const IP_VS_CONN_F_TUNNEL_TYPE_GRE = 2;
/** Tunnel checksum flags (kernel 5.3+). */
export const IP_VS_TUNNEL_ENCAP_FLAG_NOCSUM = 0;
export const IP_VS_TUNNEL_ENCAP_FLAG_CSUM = 1 << 0;
export const IP_VS_TUNNEL_ENCAP_FLAG_REMCSUM = 1 << 1;

/** Sync daemon states (IP_VS_STATE_*). */
export const IP_VS_STATE_NONE = 0;
export const IP_VS_STATE_MASTER = 1;
export const IP_VS_STATE_BACKUP = 2;
export type IpvsDaemonState = typeof IP_VS_STATE_MASTER | typeof IP_VS_STATE_BACKUP;

/** Longest scheduler, persistence-engine and interface names, including the NUL. */
export const IP_VS_SCHEDNAME_MAXLEN = 16;
export const IP_VS_PENAME_MAXLEN = 16;
export const IP_VS_IFNAME_MAXLEN = 16;

/**
 * A virtual service as the kernel keys it. A fwmark service has `fwmark` > 0, protocol 0, the
 * all-zero address of its family and port 0 (the kernel neither stores nor reports the others).
 */
export interface IpvsServiceKey {
  readonly af: IpvsAf;
  readonly protocol: number;
  /** Canonical text: dotted quad or RFC 5952 IPv6. */
  readonly addr: string;
  readonly port: number;
  readonly fwmark: number;
}

/** A virtual service's settings, as added with NEW_SERVICE or changed with SET_SERVICE. */
export interface IpvsService extends IpvsServiceKey {
  readonly schedName: string;
  /** IP_VS_SVC_F_* bits; the kernel reports HASHED too, and ignores it in requests. */
  readonly flags: number;
  /** Persistence timeout in seconds (0 with no PERSISTENT flag). */
  readonly timeout: number;
  /**
   * Persistence granularity. IPv4: the 32-bit mask as a number (0xffffffff = per client address);
   * IPv6: a prefix length, 1..128.
   */
  readonly netmask: number;
  /** Persistence engine, e.g. "sip". */
  readonly peName?: string;
}

/** Counters the kernel reports for a service or destination; each may be absent on the wire. */
export interface IpvsStats {
  readonly conns?: bigint;
  readonly inpkts?: bigint;
  readonly outpkts?: bigint;
  readonly inbytes?: bigint;
  readonly outbytes?: bigint;
  readonly cps?: bigint;
  readonly inpps?: bigint;
  readonly outpps?: bigint;
  readonly inbps?: bigint;
  readonly outbps?: bigint;
}

/** A service as listed by the kernel. */
export interface IpvsServiceEntry extends IpvsService {
  /** 32-bit counters (IPVS_SVC_ATTR_STATS). */
  readonly stats?: IpvsStats;
  /** 64-bit counters (IPVS_SVC_ATTR_STATS64, kernel 4.1+). */
  readonly stats64?: IpvsStats;
}

/** A real server within one service. `af` differs from the service's only for tunnels. */
export interface IpvsDestKey {
  readonly af: IpvsAf;
  readonly addr: string;
  readonly port: number;
}

export interface IpvsDest extends IpvsDestKey {
  readonly fwdMethod: IpvsFwdMethod;
  /** 0..2147483647; 0 quiesces the server. */
  readonly weight: number;
  /** Connection thresholds; 0 = none. */
  readonly uThreshold: number;
  readonly lThreshold: number;
  /** Tunnel encapsulation (IP_VS_CONN_F_TUNNEL_TYPE_*); the kernel reports 0 for other methods. */
  readonly tunType?: number;
  /** GUE destination port. */
  readonly tunPort?: number;
  /** IP_VS_TUNNEL_ENCAP_FLAG_* bits. */
  readonly tunFlags?: number;
}

export interface IpvsDestEntry extends IpvsDest {
  readonly activeConns: number;
  readonly inactConns: number;
  readonly persistConns: number;
  readonly stats?: IpvsStats;
  readonly stats64?: IpvsStats;
}

/** A connection synchronisation daemon. */
export interface IpvsDaemon {
  readonly state: IpvsDaemonState;
  /** Interface the sync messages go out of / come in on. */
  readonly mcastIfn: string;
  readonly syncId: number;
  /** Largest sync message payload (kernel 4.3+). */
  readonly syncMaxlen?: number;
  /** Multicast group, IPv4 or IPv6 (kernel 4.3+). */
  readonly mcastGroup?: string;
  readonly mcastPort?: number;
  readonly mcastTtl?: number;
}

/** Connection timeouts in seconds. */
export interface IpvsTimeouts {
  readonly tcp: number;
  readonly tcpFin: number;
  readonly udp: number;
}

export interface IpvsInfo {
  /** IP_VS_VERSION_CODE, e.g. 0x010201. */
  readonly version: number;
  /** "1.2.1", as ipvsadm prints it. */
  readonly versionText: string;
  /** Size of the connection hash table. */
  readonly connTabSize: number;
}

/**
 * Everything the daemon does to the kernel's IPVS table. The netlink client implements it; tests of
 * the reconciler use a fake. Kernel refusals reject with IpvsError (errors.ts). Opening and closing
 * belong to whoever owns the implementation (IpvsClient.close()), not to its users.
 */
export interface IpvsPort {
  listServices(): Promise<IpvsServiceEntry[]>;
  /** undefined when the kernel has no such service. */
  getService(key: IpvsServiceKey): Promise<IpvsServiceEntry | undefined>;
  addService(service: IpvsService): Promise<void>;
  /** SET_SERVICE: scheduler, flags, timeout, netmask, persistence engine. */
  editService(service: IpvsService): Promise<void>;
  delService(key: IpvsServiceKey): Promise<void>;
  /** The kernel answers an empty list for a service it does not have. */
  listDests(service: IpvsServiceKey): Promise<IpvsDestEntry[]>;
  addDest(service: IpvsServiceKey, dest: IpvsDest): Promise<void>;
  editDest(service: IpvsServiceKey, dest: IpvsDest): Promise<void>;
  delDest(service: IpvsServiceKey, dest: IpvsDestKey): Promise<void>;
  getDaemons(): Promise<IpvsDaemon[]>;
  startDaemon(daemon: IpvsDaemon): Promise<void>;
  stopDaemon(state: IpvsDaemonState): Promise<void>;
  getTimeouts(): Promise<IpvsTimeouts>;
  /** Only the given timeouts change. */
  setTimeouts(timeouts: Partial<IpvsTimeouts>): Promise<void>;
  getInfo(): Promise<IpvsInfo>;
  /** Zeroes the counters of one service, or of all. */
  zero(service?: IpvsServiceKey): Promise<void>;
  /** Deletes every service. Exists for completeness: recovery never flushes. */
  flush(): Promise<void>;
}

const PROTOCOL_NAMES: Readonly<Record<number, string>> = { [IPPROTO_TCP]: 'TCP', [IPPROTO_UDP]: 'UDP', [IPPROTO_SCTP]: 'SCTP' };

/** `10.0.0.1:80`, `[fd00::1]:80`: the address forms ipvsadm -Ln prints. */
export function formatAddrPort(af: IpvsAf, addr: string, port: number): string {
  return af === AF_INET6 ? `[${addr}]:${port}` : `${addr}:${port}`;
}

/** `TCP 10.0.0.1:80`, `FWM 7 IPv6`: a service as ipvsadm -Ln names it, for errors and logs. */
export function describeService(key: IpvsServiceKey): string {
  if (key.fwmark) return `FWM ${key.fwmark}${key.af === AF_INET6 ? ' IPv6' : ''}`;
  const proto = PROTOCOL_NAMES[key.protocol] ?? `proto ${key.protocol}`;
  return `${proto} ${formatAddrPort(key.af, key.addr, key.port)}`;
}

/** `TCP 10.0.0.1:80 -> 10.0.1.5:80` */
export function describeDest(service: IpvsServiceKey, dest: IpvsDestKey): string {
  return `${describeService(service)} -> ${formatAddrPort(dest.af, dest.addr, dest.port)}`;
}
