// The IPVS generic netlink codec: netlink/genl framing and the IPVS family's attributes
// (include/uapi/linux/ip_vs.h), bytes in, values out. Pure: no sockets, no clock.
// Decoding never throws: a short or garbled buffer gives a DecodeError value. Encoding throws
// IpvsValueError for a value that cannot be put on the wire (a caller's mistake, not input).
import { formatIpv6, parseIp } from '../lib/ip.js';
import { fail, ok, IpvsValueError, type DecodeError, type DecodeErrorCode, type Result } from './errors.js';
import {
  AF_INET,
  AF_INET6,
  IP_VS_IFNAME_MAXLEN,
  IP_VS_PENAME_MAXLEN,
  IP_VS_SCHEDNAME_MAXLEN,
  type IpvsAf,
  type IpvsDaemon,
  type IpvsDaemonState,
  type IpvsDest,
  type IpvsDestEntry,
  type IpvsDestKey,
  type IpvsFwdMethod,
  type IpvsInfo,
  type IpvsService,
  type IpvsServiceEntry,
  type IpvsServiceKey,
  type IpvsStats,
  type IpvsTimeouts,
} from '../ipvs/types.js';

// ---- netlink and generic netlink framing (linux/netlink.h, linux/genetlink.h) ----

export const NLMSG_HDRLEN = 16;
export const GENL_HDRLEN = 4;
export const NLA_HDRLEN = 4;
export const NLMSG_NOOP = 1;
export const NLMSG_ERROR = 2;
export const NLMSG_DONE = 3;
export const NLMSG_OVERRUN = 4;
/** First type number of a (generic netlink) family; 16 is the genl controller. */
export const NLMSG_MIN_TYPE = 16;
export const GENL_ID_CTRL = 16;

export const NLM_F_REQUEST = 0x01;
export const NLM_F_MULTI = 0x02;
export const NLM_F_ACK = 0x04;
export const NLM_F_DUMP = 0x300;
/** On an NLMSG_ERROR: the original request was not echoed / extended-ack TLVs follow. */
export const NLM_F_CAPPED = 0x100;
export const NLM_F_ACK_TLVS = 0x200;
const NLMSGERR_ATTR_MSG = 1;

/** Attribute type bits that are flags, not the type. */
const NLA_F_NESTED = 0x8000;
const NLA_F_NET_BYTEORDER = 0x4000;
const NLA_TYPE_MASK = ~(NLA_F_NESTED | NLA_F_NET_BYTEORDER) & 0xffff;

export const IPVS_GENL_NAME = 'IPVS';
export const IPVS_GENL_VERSION = 1;

/** IPVS_CMD_*: the family's commands. Replies to GET_* come back as NEW_* / SET_* (see below). */
export const IPVS_CMD = {
  NEW_SERVICE: 1,
  SET_SERVICE: 2,
  DEL_SERVICE: 3,
  GET_SERVICE: 4,
  NEW_DEST: 5,
  SET_DEST: 6,
  DEL_DEST: 7,
  GET_DEST: 8,
  NEW_DAEMON: 9,
  DEL_DAEMON: 10,
  GET_DAEMON: 11,
  SET_CONFIG: 12,
  GET_CONFIG: 13,
  /** only in the reply to GET_INFO */
  SET_INFO: 14,
  GET_INFO: 15,
  ZERO: 16,
  FLUSH: 17,
} as const;
export type IpvsCmd = (typeof IPVS_CMD)[keyof typeof IPVS_CMD];
const CMD_NAMES = new Map<number, string>(Object.entries(IPVS_CMD).map(([k, v]) => [v, k]));
export function ipvsCmdName(cmd: number): string {
  return CMD_NAMES.get(cmd) ?? `CMD_${cmd}`;
}

/** IPVS_CMD_ATTR_*: the first level of every command. */
export const CMD_ATTR = { SERVICE: 1, DEST: 2, DAEMON: 3, TIMEOUT_TCP: 4, TIMEOUT_TCP_FIN: 5, TIMEOUT_UDP: 6 } as const;
/** IPVS_INFO_ATTR_*: the first level of GET_INFO / SET_INFO instead. */
export const INFO_ATTR = { VERSION: 1, CONN_TAB_SIZE: 2 } as const;
export const SVC_ATTR = {
  AF: 1, PROTOCOL: 2, ADDR: 3, PORT: 4, FWMARK: 5, SCHED_NAME: 6, FLAGS: 7, TIMEOUT: 8, NETMASK: 9, STATS: 10,
  PE_NAME: 11, STATS64: 12,
} as const;
export const DEST_ATTR = {
  ADDR: 1, PORT: 2, FWD_METHOD: 3, WEIGHT: 4, U_THRESH: 5, L_THRESH: 6, ACTIVE_CONNS: 7, INACT_CONNS: 8,
  PERSIST_CONNS: 9, STATS: 10, ADDR_FAMILY: 11, STATS64: 12, TUN_TYPE: 13, TUN_PORT: 14, TUN_FLAGS: 15,
} as const;
export const DAEMON_ATTR = {
  STATE: 1, MCAST_IFN: 2, SYNC_ID: 3, SYNC_MAXLEN: 4, MCAST_GROUP: 5, MCAST_GROUP6: 6, MCAST_PORT: 7, MCAST_TTL: 8,
} as const;
export const STATS_ATTR = {
  CONNS: 1, INPKTS: 2, OUTPKTS: 3, INBYTES: 4, OUTBYTES: 5, CPS: 6, INPPS: 7, OUTPPS: 8, INBPS: 9, OUTBPS: 10, PAD: 11,
} as const;

// ---- attribute sets: which attributes a nest carries, each typed, each optional ----

export interface IpvsFlagsAttr {
  readonly flags: number;
  /** Which bits of `flags` a SET applies; the kernel reports 0xffffffff. */
  readonly mask: number;
}

export interface IpvsServiceAttrs {
  readonly af?: IpvsAf;
  readonly protocol?: number;
  readonly addr?: string;
  readonly port?: number;
  readonly fwmark?: number;
  readonly schedName?: string;
  readonly flags?: IpvsFlagsAttr;
  readonly timeout?: number;
  readonly netmask?: number;
  readonly stats?: IpvsStats;
  readonly peName?: string;
  readonly stats64?: IpvsStats;
}

export interface IpvsDestAttrs {
  readonly addr?: string;
  readonly port?: number;
  readonly fwdMethod?: number;
  readonly weight?: number;
  readonly uThreshold?: number;
  readonly lThreshold?: number;
  readonly activeConns?: number;
  readonly inactConns?: number;
  readonly persistConns?: number;
  readonly stats?: IpvsStats;
  readonly addrFamily?: IpvsAf;
  readonly stats64?: IpvsStats;
  readonly tunType?: number;
  readonly tunPort?: number;
  readonly tunFlags?: number;
}

export interface IpvsDaemonAttrs {
  readonly state?: number;
  readonly mcastIfn?: string;
  readonly syncId?: number;
  readonly syncMaxlen?: number;
  /** IPVS_DAEMON_ATTR_MCAST_GROUP (IPv4) or MCAST_GROUP6, by the address's family. */
  readonly mcastGroup?: string;
  readonly mcastPort?: number;
  readonly mcastTtl?: number;
}

export interface IpvsInfoAttrs {
  readonly version?: number;
  readonly connTabSize?: number;
}

/** One IPVS message, header aside. `info` is used only by GET_INFO / SET_INFO, the rest never there. */
export interface IpvsMessage {
  readonly cmd: number;
  readonly version?: number;
  readonly service?: IpvsServiceAttrs;
  readonly dest?: IpvsDestAttrs;
  readonly daemon?: IpvsDaemonAttrs;
  readonly timeoutTcp?: number;
  readonly timeoutTcpFin?: number;
  readonly timeoutUdp?: number;
  readonly info?: IpvsInfoAttrs;
}

export interface NlHeader {
  readonly len: number;
  readonly type: number;
  readonly flags: number;
  readonly seq: number;
  readonly port: number;
}

/** A netlink message, classified. Offsets are within the decoded buffer. */
export type NetlinkFrame =
  | { readonly kind: 'genl'; readonly offset: number; readonly header: NlHeader; readonly cmd: number;
      readonly version: number; readonly payload: Uint8Array; readonly payloadOffset: number }
  | { readonly kind: 'error'; readonly offset: number; readonly header: NlHeader; readonly errno: number;
      /** The header of the request answered (echoed by the kernel). */
      readonly request: NlHeader; readonly extack?: string }
  | { readonly kind: 'done'; readonly offset: number; readonly header: NlHeader; readonly errno: number }
  | { readonly kind: 'other'; readonly offset: number; readonly header: NlHeader };

// ---- byte order: netlink integers are host order, addresses and ports network order ----

const HOST_LE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const align4 = (n: number) => (n + 3) & ~3;
const view = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset, b.byteLength);

// ---- encoding ----

export interface EncodeOptions {
  /**
   * Emulate the kernel's nla_put_u64_64bit padding (STATS_ATTR_PAD before a 64-bit counter whose
   * payload would not be 8-aligned). Its value is the byte position of the message's start modulo 8
   * in the kernel's buffer. Architectures with efficient unaligned access (x86-64) never pad:
   * leave it undefined. Only stats carry 64-bit values, and only the kernel sends stats.
   */
  readonly pad64Base?: number;
}

/** A growable little buffer that knows each write's position within the message. */
class Writer {
  private buf = new Uint8Array(256);
  private dv = view(this.buf);
  pos = 0;
  constructor(readonly pad64Base?: number) {}

  private room(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.pos + n));
    next.set(this.buf);
    this.buf = next;
    this.dv = view(next);
  }
  u8(v: number): void { this.room(1); this.dv.setUint8(this.pos, v); this.pos += 1; }
  u16(v: number): void { this.room(2); this.dv.setUint16(this.pos, v, HOST_LE); this.pos += 2; }
  be16(v: number): void { this.room(2); this.dv.setUint16(this.pos, v, false); this.pos += 2; }
  u32(v: number): void { this.room(4); this.dv.setUint32(this.pos, v, HOST_LE); this.pos += 4; }
  be32(v: number): void { this.room(4); this.dv.setUint32(this.pos, v, false); this.pos += 4; }
  u64(v: bigint): void { this.room(8); this.dv.setBigUint64(this.pos, v, HOST_LE); this.pos += 8; }
  bytes(b: Uint8Array): void { this.room(b.length); this.buf.set(b, this.pos); this.pos += b.length; }
  zeros(n: number): void { this.room(n); this.buf.fill(0, this.pos, this.pos + n); this.pos += n; }
  patchU32(at: number, v: number): void { this.dv.setUint32(at, v, HOST_LE); }
  patchU16(at: number, v: number): void { this.dv.setUint16(at, v, HOST_LE); }

  /** One attribute: header, payload written by `body`, then padding to 4. */
  attr(type: number, body: () => void): void {
    const start = this.pos;
    this.zeros(NLA_HDRLEN);
    body();
    this.patchU16(start, this.pos - start);
    this.patchU16(start + 2, type);
    this.zeros(align4(this.pos) - this.pos);
  }
  /** A 64-bit attribute, preceded by a PAD attribute where the kernel would put one. */
  attrU64(type: number, padType: number, v: bigint): void {
    if (this.pad64Base !== undefined && (this.pad64Base + this.pos + NLA_HDRLEN) % 8 !== 0) this.attr(padType, () => {});
    this.attr(type, () => this.u64(v));
  }
  done(): Uint8Array {
    return this.buf.slice(0, this.pos);
  }
}

function need(cond: boolean, what: string, detail: string): void {
  if (!cond) throw new IpvsValueError(what, detail);
}
function checkUint(v: number, bits: 8 | 16 | 31 | 32, what: string): number {
  need(Number.isInteger(v) && v >= 0 && v < 2 ** bits, what, `${v} is not an unsigned ${bits}-bit integer`);
  return v;
}
function checkU64(v: bigint, what: string): bigint {
  need(typeof v === 'bigint' && v >= 0n && v < 1n << 64n, what, `${v} is not an unsigned 64-bit integer`);
  return v;
}
function checkAf(af: number, what: string): IpvsAf {
  need(af === AF_INET || af === AF_INET6, what, `address family ${af} is neither AF_INET (2) nor AF_INET6 (10)`);
  return af as IpvsAf;
}
/** The 16 bytes of a union nf_inet_addr: an IPv4 address fills the first 4. */
function addrBytes(addr: string, af: IpvsAf | undefined, what: string): Uint8Array {
  const ip = parseIp(addr);
  need(ip !== undefined && !addr.includes('%'), what, `"${addr}" is not an IP address`);
  const fam: IpvsAf = ip!.family === 4 ? AF_INET : AF_INET6;
  need(af === undefined || af === fam, what, `${addr} is not of address family ${af}`);
  const out = new Uint8Array(16);
  out.set(ip!.bytes);
  return out;
}
function nameBytes(s: string, max: number, what: string): Uint8Array {
  const b = new TextEncoder().encode(s);
  need(b.length < max && !b.includes(0), what, `"${s}" must be 1..${max - 1} bytes without NUL`);
  need(b.length > 0, what, 'empty name');
  const out = new Uint8Array(b.length + 1);
  out.set(b);
  return out;
}

const STAT_FIELDS = ['conns', 'inpkts', 'outpkts', 'inbytes', 'outbytes', 'cps', 'inpps', 'outpps', 'inbps', 'outbps'] as const;
type StatField = (typeof STAT_FIELDS)[number];
/** In the 32-bit STATS nest only the byte counters are 64-bit. */
const WIDE_IN_STATS32 = new Set<StatField>(['inbytes', 'outbytes']);

function writeStats(w: Writer, type: number, s: IpvsStats, wide: boolean, what: string): void {
  w.attr(type, () => {
    STAT_FIELDS.forEach((f, i) => {
      const v = s[f];
      if (v === undefined) return;
      checkU64(v, `${what}.${f}`);
      if (wide || WIDE_IN_STATS32.has(f)) w.attrU64(i + 1, STATS_ATTR.PAD, v);
      else {
        need(v < 1n << 32n, `${what}.${f}`, `${v} does not fit the 32-bit counter`);
        w.attr(i + 1, () => w.u32(Number(v)));
      }
    });
  });
}

function writeService(w: Writer, s: IpvsServiceAttrs): void {
  const what = 'service';
  const af = s.af === undefined ? undefined : checkAf(s.af, `${what}.af`);
  w.attr(CMD_ATTR.SERVICE, () => {
    // Order as the kernel fills it (ip_vs_genl_fill_service), so kernel replies re-encode byte for byte.
    if (af !== undefined) w.attr(SVC_ATTR.AF, () => w.u16(af));
    if (s.fwmark !== undefined) w.attr(SVC_ATTR.FWMARK, () => w.u32(checkUint(s.fwmark!, 32, `${what}.fwmark`)));
    if (s.protocol !== undefined) w.attr(SVC_ATTR.PROTOCOL, () => w.u16(checkUint(s.protocol!, 16, `${what}.protocol`)));
    if (s.addr !== undefined) w.attr(SVC_ATTR.ADDR, () => w.bytes(addrBytes(s.addr!, af, `${what}.addr`)));
    if (s.port !== undefined) w.attr(SVC_ATTR.PORT, () => w.be16(checkUint(s.port!, 16, `${what}.port`)));
    if (s.schedName !== undefined) {
      w.attr(SVC_ATTR.SCHED_NAME, () => w.bytes(nameBytes(s.schedName!, IP_VS_SCHEDNAME_MAXLEN, `${what}.schedName`)));
    }
    if (s.peName !== undefined) w.attr(SVC_ATTR.PE_NAME, () => w.bytes(nameBytes(s.peName!, IP_VS_PENAME_MAXLEN, `${what}.peName`)));
    if (s.flags !== undefined) {
      w.attr(SVC_ATTR.FLAGS, () => {
        w.u32(checkUint(s.flags!.flags, 32, `${what}.flags`));
        w.u32(checkUint(s.flags!.mask, 32, `${what}.flags.mask`));
      });
    }
    if (s.timeout !== undefined) w.attr(SVC_ATTR.TIMEOUT, () => w.u32(checkUint(s.timeout!, 32, `${what}.timeout`)));
    if (s.netmask !== undefined) {
      need(af !== undefined, `${what}.netmask`, 'a netmask needs the address family (IPv4 mask or IPv6 prefix length)');
      const m = checkUint(s.netmask, 32, `${what}.netmask`);
      // IPv4: a __be32 mask; IPv6: the prefix length in the same field, host order (ip_vs_ctl.c).
      w.attr(SVC_ATTR.NETMASK, () => (af === AF_INET ? w.be32(m) : w.u32(m)));
    }
    if (s.stats !== undefined) writeStats(w, SVC_ATTR.STATS, s.stats, false, `${what}.stats`);
    if (s.stats64 !== undefined) writeStats(w, SVC_ATTR.STATS64, s.stats64, true, `${what}.stats64`);
  });
}

function writeDest(w: Writer, d: IpvsDestAttrs, contextAf: IpvsAf | undefined): void {
  const what = 'dest';
  const af = d.addrFamily === undefined ? contextAf : checkAf(d.addrFamily, `${what}.addrFamily`);
  const u32 = (type: number, v: number | undefined, name: string) => {
    if (v !== undefined) w.attr(type, () => w.u32(checkUint(v, 32, `${what}.${name}`)));
  };
  w.attr(CMD_ATTR.DEST, () => {
    // Order as ip_vs_genl_fill_dest.
    if (d.addr !== undefined) w.attr(DEST_ATTR.ADDR, () => w.bytes(addrBytes(d.addr!, af, `${what}.addr`)));
    if (d.port !== undefined) w.attr(DEST_ATTR.PORT, () => w.be16(checkUint(d.port!, 16, `${what}.port`)));
    u32(DEST_ATTR.FWD_METHOD, d.fwdMethod, 'fwdMethod');
    if (d.weight !== undefined) {
      // The kernel keeps an int; a negative weight is refused there, but the bits round-trip.
      need(Number.isInteger(d.weight) && d.weight >= -(2 ** 31) && d.weight < 2 ** 31, `${what}.weight`, `${d.weight} is not a 32-bit integer`);
      w.attr(DEST_ATTR.WEIGHT, () => w.u32(d.weight! >>> 0));
    }
    if (d.tunType !== undefined) w.attr(DEST_ATTR.TUN_TYPE, () => w.u8(checkUint(d.tunType!, 8, `${what}.tunType`)));
    if (d.tunPort !== undefined) w.attr(DEST_ATTR.TUN_PORT, () => w.be16(checkUint(d.tunPort!, 16, `${what}.tunPort`)));
    if (d.tunFlags !== undefined) w.attr(DEST_ATTR.TUN_FLAGS, () => w.u16(checkUint(d.tunFlags!, 16, `${what}.tunFlags`)));
    u32(DEST_ATTR.U_THRESH, d.uThreshold, 'uThreshold');
    u32(DEST_ATTR.L_THRESH, d.lThreshold, 'lThreshold');
    u32(DEST_ATTR.ACTIVE_CONNS, d.activeConns, 'activeConns');
    u32(DEST_ATTR.INACT_CONNS, d.inactConns, 'inactConns');
    u32(DEST_ATTR.PERSIST_CONNS, d.persistConns, 'persistConns');
    if (d.addrFamily !== undefined) w.attr(DEST_ATTR.ADDR_FAMILY, () => w.u16(af!));
    if (d.stats !== undefined) writeStats(w, DEST_ATTR.STATS, d.stats, false, `${what}.stats`);
    if (d.stats64 !== undefined) writeStats(w, DEST_ATTR.STATS64, d.stats64, true, `${what}.stats64`);
  });
}

function writeDaemon(w: Writer, d: IpvsDaemonAttrs): void {
  const what = 'daemon';
  w.attr(CMD_ATTR.DAEMON, () => {
    // Order as ip_vs_genl_fill_daemon.
    if (d.state !== undefined) w.attr(DAEMON_ATTR.STATE, () => w.u32(checkUint(d.state!, 32, `${what}.state`)));
    if (d.mcastIfn !== undefined) {
      w.attr(DAEMON_ATTR.MCAST_IFN, () => w.bytes(nameBytes(d.mcastIfn!, IP_VS_IFNAME_MAXLEN, `${what}.mcastIfn`)));
    }
    if (d.syncId !== undefined) w.attr(DAEMON_ATTR.SYNC_ID, () => w.u32(checkUint(d.syncId!, 32, `${what}.syncId`)));
    if (d.syncMaxlen !== undefined) w.attr(DAEMON_ATTR.SYNC_MAXLEN, () => w.u16(checkUint(d.syncMaxlen!, 16, `${what}.syncMaxlen`)));
    if (d.mcastPort !== undefined) w.attr(DAEMON_ATTR.MCAST_PORT, () => w.u16(checkUint(d.mcastPort!, 16, `${what}.mcastPort`)));
    if (d.mcastTtl !== undefined) w.attr(DAEMON_ATTR.MCAST_TTL, () => w.u8(checkUint(d.mcastTtl!, 8, `${what}.mcastTtl`)));
    if (d.mcastGroup !== undefined) {
      const ip = parseIp(d.mcastGroup);
      need(ip !== undefined && !d.mcastGroup.includes('%'), `${what}.mcastGroup`, `"${d.mcastGroup}" is not an IP address`);
      w.attr(ip!.family === 4 ? DAEMON_ATTR.MCAST_GROUP : DAEMON_ATTR.MCAST_GROUP6, () => w.bytes(ip!.bytes));
    }
  });
}

/** The generic netlink payload (genl header + attributes) of one IPVS message. */
function writeIpvsBody(w: Writer, m: IpvsMessage): void {
  w.u8(checkUint(m.cmd, 8, 'cmd'));
  w.u8(checkUint(m.version ?? IPVS_GENL_VERSION, 8, 'version'));
  w.u16(0);
  if (m.cmd === IPVS_CMD.SET_INFO || m.cmd === IPVS_CMD.GET_INFO) {
    if (m.info?.version !== undefined) w.attr(INFO_ATTR.VERSION, () => w.u32(checkUint(m.info!.version!, 32, 'info.version')));
    if (m.info?.connTabSize !== undefined) {
      w.attr(INFO_ATTR.CONN_TAB_SIZE, () => w.u32(checkUint(m.info!.connTabSize!, 32, 'info.connTabSize')));
    }
    return;
  }
  need(m.info === undefined, 'info', `info attributes belong to GET_INFO/SET_INFO, not ${ipvsCmdName(m.cmd)}`);
  if (m.service !== undefined) writeService(w, m.service);
  if (m.dest !== undefined) writeDest(w, m.dest, m.service?.af);
  if (m.daemon !== undefined) writeDaemon(w, m.daemon);
  const t = (type: number, v: number | undefined, name: string) => {
    if (v !== undefined) w.attr(type, () => w.u32(checkUint(v, 32, name)));
  };
  t(CMD_ATTR.TIMEOUT_TCP, m.timeoutTcp, 'timeoutTcp');
  t(CMD_ATTR.TIMEOUT_TCP_FIN, m.timeoutTcpFin, 'timeoutTcpFin');
  t(CMD_ATTR.TIMEOUT_UDP, m.timeoutUdp, 'timeoutUdp');
}

export interface FrameHeader {
  /** The family id (resolved through the genl controller) or another netlink message type. */
  readonly type: number;
  readonly flags: number;
  readonly seq: number;
  readonly port: number;
}

function frame(h: FrameHeader, opts: EncodeOptions, body: (w: Writer) => void): Uint8Array {
  const w = new Writer(opts.pad64Base);
  w.zeros(NLMSG_HDRLEN);
  body(w);
  w.patchU32(0, w.pos);
  w.patchU16(4, checkUint(h.type, 16, 'nlmsg_type'));
  w.patchU16(6, checkUint(h.flags, 16, 'nlmsg_flags'));
  w.patchU32(8, checkUint(h.seq, 32, 'nlmsg_seq'));
  w.patchU32(12, checkUint(h.port, 32, 'nlmsg_pid'));
  return w.done();
}

/** One whole netlink message carrying an IPVS command or reply. */
export function encodeIpvsMessage(m: IpvsMessage, h: FrameHeader, opts: EncodeOptions = {}): Uint8Array {
  return frame(h, opts, (w) => writeIpvsBody(w, m));
}

/** NLMSG_DONE (ends a dump), with the dump's status: 0 or a positive errno. */
export function encodeDone(h: Omit<FrameHeader, 'type'>, errno = 0): Uint8Array {
  return frame({ ...h, type: NLMSG_DONE }, {}, (w) => w.u32(-checkUint(errno, 31, 'errno') >>> 0));
}

/** NLMSG_ERROR: an ack (errno 0) or a refusal of `request` (its header is echoed, as with NLM_F_CAPPED). */
export function encodeError(h: Omit<FrameHeader, 'type'>, errno: number, request: NlHeader): Uint8Array {
  return frame({ ...h, type: NLMSG_ERROR, flags: h.flags | NLM_F_CAPPED }, {}, (w) => {
    w.u32(-checkUint(errno, 31, 'errno') >>> 0);
    w.u32(request.len);
    w.u16(request.type);
    w.u16(request.flags);
    w.u32(request.seq);
    w.u32(request.port);
  });
}

/** A generic netlink message with an arbitrary attribute payload (the controller's, for one). */
export function encodeGenl(h: FrameHeader, cmd: number, version: number, attrs: Uint8Array): Uint8Array {
  return frame(h, {}, (w) => {
    w.u8(checkUint(cmd, 8, 'cmd'));
    w.u8(checkUint(version, 8, 'version'));
    w.u16(0);
    w.bytes(attrs);
  });
}

// ---- decoding ----

/** Thrown inside this module only; every public decoder turns it into a Result. */
class Fault {
  constructor(readonly error: DecodeError) {}
}
function fault(code: DecodeErrorCode, offset: number, where: string, message: string): never {
  throw new Fault({ code, offset, where, message });
}
function guard<T>(fn: () => T): Result<T> {
  try {
    return ok(fn());
  } catch (e) {
    if (e instanceof Fault) return { ok: false, error: e.error };
    throw e;
  }
}

/** One attribute found in a buffer: type without flag bits, payload bounds. */
interface RawAttr {
  readonly type: number;
  readonly at: number;
  readonly start: number;
  readonly end: number;
}

/** Reads a run of attributes filling buf[start, end); the last one may lack its padding. */
function readAttrs(buf: Uint8Array, start: number, end: number, where: string): RawAttr[] {
  const dv = view(buf);
  const out: RawAttr[] = [];
  let p = start;
  while (p < end) {
    if (end - p < NLA_HDRLEN) fault('truncated', p, where, `${end - p} bytes left, an attribute header takes 4`);
    const len = dv.getUint16(p, HOST_LE);
    const type = dv.getUint16(p + 2, HOST_LE) & NLA_TYPE_MASK;
    if (len < NLA_HDRLEN) fault('bad-length', p, where, `attribute length ${len} is shorter than its header`);
    if (p + len > end) fault('truncated', p, where, `attribute type ${type} of ${len} bytes runs past the end (${end - p} left)`);
    out.push({ type, at: p, start: p + NLA_HDRLEN, end: p + len });
    p = Math.min(p + align4(len), end);
  }
  return out;
}

/** Attributes by type; a repeated known type is an error (PAD may repeat). */
function indexAttrs(attrs: RawAttr[], known: Record<string, number>, where: string, repeatable: number[] = []): Map<number, RawAttr> {
  const names = new Map(Object.entries(known).map(([k, v]) => [v, k]));
  const m = new Map<number, RawAttr>();
  for (const a of attrs) {
    if (!names.has(a.type) || repeatable.includes(a.type)) continue; // newer kernels may add attributes
    if (m.has(a.type)) fault('duplicate', a.at, `${where}.${names.get(a.type)}`, 'attribute appears twice');
    m.set(a.type, a);
  }
  return m;
}

/** Typed readers over one attribute set. */
class AttrReader {
  private readonly dv: DataView;
  constructor(
    private readonly buf: Uint8Array,
    private readonly attrs: Map<number, RawAttr>,
    private readonly names: Record<string, number>,
    private readonly where: string,
  ) {
    this.dv = view(buf);
  }
  private nameOf(type: number): string {
    return Object.entries(this.names).find(([, v]) => v === type)?.[0] ?? String(type);
  }
  path(type: number): string {
    return `${this.where}.${this.nameOf(type)}`;
  }
  has(type: number): boolean {
    return this.attrs.has(type);
  }
  raw(type: number): RawAttr | undefined {
    return this.attrs.get(type);
  }
  private sized(type: number, size: number): RawAttr | undefined {
    const a = this.attrs.get(type);
    if (a && a.end - a.start !== size) fault('bad-length', a.at, this.path(type), `payload is ${a.end - a.start} bytes, expected ${size}`);
    return a;
  }
  u8(type: number): number | undefined {
    const a = this.sized(type, 1);
    return a && this.dv.getUint8(a.start);
  }
  u16(type: number): number | undefined {
    const a = this.sized(type, 2);
    return a && this.dv.getUint16(a.start, HOST_LE);
  }
  be16(type: number): number | undefined {
    const a = this.sized(type, 2);
    return a && this.dv.getUint16(a.start, false);
  }
  u32(type: number): number | undefined {
    const a = this.sized(type, 4);
    return a && this.dv.getUint32(a.start, HOST_LE);
  }
  s32(type: number): number | undefined {
    const a = this.sized(type, 4);
    return a && this.dv.getInt32(a.start, HOST_LE);
  }
  be32(type: number): number | undefined {
    const a = this.sized(type, 4);
    return a && this.dv.getUint32(a.start, false);
  }
  flags(type: number): IpvsFlagsAttr | undefined {
    const a = this.sized(type, 8);
    return a && { flags: this.dv.getUint32(a.start, HOST_LE), mask: this.dv.getUint32(a.start + 4, HOST_LE) };
  }
  af(type: number): IpvsAf | undefined {
    const v = this.u16(type);
    if (v !== undefined && v !== AF_INET && v !== AF_INET6) {
      fault('bad-value', this.attrs.get(type)!.at, this.path(type), `unknown address family ${v}`);
    }
    return v as IpvsAf | undefined;
  }
  /** A NUL-terminated name of at most max bytes with its NUL, as nla_put_string writes it. */
  name(type: number, max: number): string | undefined {
    const a = this.attrs.get(type);
    if (!a) return undefined;
    const bytes = this.buf.subarray(a.start, a.end);
    const nul = bytes.indexOf(0);
    if (nul !== bytes.length - 1) fault('bad-value', a.at, this.path(type), 'not one NUL-terminated string');
    if (nul < 1 || nul >= max) fault('bad-value', a.at, this.path(type), `name of ${nul} bytes (1..${max - 1})`);
    const text = new TextDecoder('utf-8', { fatal: false }).decode(bytes.subarray(0, nul));
    // Reject what would not re-encode to the same bytes (invalid UTF-8).
    if (new TextEncoder().encode(text).length !== nul || text.includes('\ufffd')) {
      fault('bad-value', a.at, this.path(type), 'name is not valid UTF-8');
    }
    return text;
  }
  /** An address of family `af` in a 16-byte nf_inet_addr (or exactly 4 bytes for IPv4). */
  addr(type: number, af: IpvsAf | undefined): string | undefined {
    const a = this.attrs.get(type);
    if (!a) return undefined;
    if (af === undefined) fault('missing', a.at, this.path(type), 'an address without its address family');
    const len = a.end - a.start;
    if (!(len === 16 || (len === 4 && af === AF_INET))) {
      fault('bad-length', a.at, this.path(type), `address of ${len} bytes for family ${af}`);
    }
    return formatAddr(this.buf.subarray(a.start, a.end), af);
  }
  ipOfLength(type: number, len: 4 | 16): string | undefined {
    const a = this.sized(type, len);
    return a && formatAddr(this.buf.subarray(a.start, a.end), len === 4 ? AF_INET : AF_INET6);
  }
  require<T>(v: T | undefined, type: number): T {
    if (v === undefined) fault('missing', -1, this.path(type), 'required attribute is absent');
    return v;
  }
}

function formatAddr(b: Uint8Array, af: IpvsAf): string {
  return af === AF_INET ? `${b[0]}.${b[1]}.${b[2]}.${b[3]}` : formatIpv6(b.subarray(0, 16));
}

function reader(buf: Uint8Array, a: RawAttr, names: Record<string, number>, where: string, repeatable: number[] = []): AttrReader {
  return new AttrReader(buf, indexAttrs(readAttrs(buf, a.start, a.end, where), names, where, repeatable), names, where);
}

function readStats(buf: Uint8Array, a: RawAttr | undefined, wide: boolean, where: string): IpvsStats | undefined {
  if (!a) return undefined;
  const r = reader(buf, a, STATS_ATTR, where, [STATS_ATTR.PAD]);
  const out: Partial<Record<StatField, bigint>> = {};
  STAT_FIELDS.forEach((f, i) => {
    const raw = r.raw(i + 1);
    if (!raw) return;
    const size = wide || WIDE_IN_STATS32.has(f) ? 8 : 4;
    if (raw.end - raw.start !== size) fault('bad-length', raw.at, r.path(i + 1), `payload is ${raw.end - raw.start} bytes, expected ${size}`);
    const dv = view(buf);
    out[f] = size === 8 ? dv.getBigUint64(raw.start, HOST_LE) : BigInt(dv.getUint32(raw.start, HOST_LE));
  });
  return out;
}

/** Drops undefined members so decoded values compare equal to literals. */
function defined<T extends object>(o: T): T {
  for (const k of Object.keys(o) as (keyof T)[]) if (o[k] === undefined) delete o[k];
  return o;
}

function readService(buf: Uint8Array, a: RawAttr, where: string): IpvsServiceAttrs {
  const r = reader(buf, a, SVC_ATTR, where);
  const af = r.af(SVC_ATTR.AF);
  const nm = r.raw(SVC_ATTR.NETMASK);
  if (nm && af === undefined) fault('missing', nm.at, r.path(SVC_ATTR.NETMASK), 'a netmask without its address family');
  return defined({
    af,
    protocol: r.u16(SVC_ATTR.PROTOCOL),
    addr: r.addr(SVC_ATTR.ADDR, af),
    port: r.be16(SVC_ATTR.PORT),
    fwmark: r.u32(SVC_ATTR.FWMARK),
    schedName: r.name(SVC_ATTR.SCHED_NAME, IP_VS_SCHEDNAME_MAXLEN),
    flags: r.flags(SVC_ATTR.FLAGS),
    timeout: r.u32(SVC_ATTR.TIMEOUT),
    netmask: af === AF_INET ? r.be32(SVC_ATTR.NETMASK) : r.u32(SVC_ATTR.NETMASK),
    stats: readStats(buf, r.raw(SVC_ATTR.STATS), false, `${where}.STATS`),
    peName: r.name(SVC_ATTR.PE_NAME, IP_VS_PENAME_MAXLEN),
    stats64: readStats(buf, r.raw(SVC_ATTR.STATS64), true, `${where}.STATS64`),
  });
}

function readDest(buf: Uint8Array, a: RawAttr, contextAf: IpvsAf | undefined, where: string): IpvsDestAttrs {
  const r = reader(buf, a, DEST_ATTR, where);
  const addrFamily = r.af(DEST_ATTR.ADDR_FAMILY);
  return defined({
    addr: r.addr(DEST_ATTR.ADDR, addrFamily ?? contextAf),
    port: r.be16(DEST_ATTR.PORT),
    fwdMethod: r.u32(DEST_ATTR.FWD_METHOD),
    weight: r.s32(DEST_ATTR.WEIGHT),
    uThreshold: r.u32(DEST_ATTR.U_THRESH),
    lThreshold: r.u32(DEST_ATTR.L_THRESH),
    activeConns: r.u32(DEST_ATTR.ACTIVE_CONNS),
    inactConns: r.u32(DEST_ATTR.INACT_CONNS),
    persistConns: r.u32(DEST_ATTR.PERSIST_CONNS),
    stats: readStats(buf, r.raw(DEST_ATTR.STATS), false, `${where}.STATS`),
    addrFamily,
    stats64: readStats(buf, r.raw(DEST_ATTR.STATS64), true, `${where}.STATS64`),
    tunType: r.u8(DEST_ATTR.TUN_TYPE),
    tunPort: r.be16(DEST_ATTR.TUN_PORT),
    tunFlags: r.u16(DEST_ATTR.TUN_FLAGS),
  });
}

function readDaemon(buf: Uint8Array, a: RawAttr, where: string): IpvsDaemonAttrs {
  const r = reader(buf, a, DAEMON_ATTR, where);
  const g4 = r.ipOfLength(DAEMON_ATTR.MCAST_GROUP, 4);
  const g6 = r.ipOfLength(DAEMON_ATTR.MCAST_GROUP6, 16);
  if (g4 !== undefined && g6 !== undefined) {
    fault('duplicate', r.raw(DAEMON_ATTR.MCAST_GROUP6)!.at, `${where}.MCAST_GROUP6`, 'both an IPv4 and an IPv6 group');
  }
  return defined({
    state: r.u32(DAEMON_ATTR.STATE),
    mcastIfn: r.name(DAEMON_ATTR.MCAST_IFN, IP_VS_IFNAME_MAXLEN),
    syncId: r.u32(DAEMON_ATTR.SYNC_ID),
    syncMaxlen: r.u16(DAEMON_ATTR.SYNC_MAXLEN),
    mcastGroup: g4 ?? g6,
    mcastPort: r.u16(DAEMON_ATTR.MCAST_PORT),
    mcastTtl: r.u8(DAEMON_ATTR.MCAST_TTL),
  });
}

function readIpvsBody(buf: Uint8Array, start: number, end: number, cmd: number, version: number, destAf?: IpvsAf): IpvsMessage {
  const top = readAttrs(buf, start, end, ipvsCmdName(cmd));
  if (cmd === IPVS_CMD.SET_INFO || cmd === IPVS_CMD.GET_INFO) {
    const r = new AttrReader(buf, indexAttrs(top, INFO_ATTR, 'INFO'), INFO_ATTR, 'INFO');
    const info = defined({ version: r.u32(INFO_ATTR.VERSION), connTabSize: r.u32(INFO_ATTR.CONN_TAB_SIZE) });
    return Object.keys(info).length ? { cmd, version, info } : { cmd, version };
  }
  const r = new AttrReader(buf, indexAttrs(top, CMD_ATTR, 'CMD'), CMD_ATTR, 'CMD');
  const sa = r.raw(CMD_ATTR.SERVICE);
  const service = sa && readService(buf, sa, 'SERVICE');
  const da = r.raw(CMD_ATTR.DEST);
  const ma = r.raw(CMD_ATTR.DAEMON);
  return defined({
    cmd,
    version,
    service,
    dest: da && readDest(buf, da, service?.af ?? destAf, 'DEST'),
    daemon: ma && readDaemon(buf, ma, 'DAEMON'),
    timeoutTcp: r.u32(CMD_ATTR.TIMEOUT_TCP),
    timeoutTcpFin: r.u32(CMD_ATTR.TIMEOUT_TCP_FIN),
    timeoutUdp: r.u32(CMD_ATTR.TIMEOUT_UDP),
  });
}

function readHeader(dv: DataView, p: number): NlHeader {
  return {
    len: dv.getUint32(p, HOST_LE),
    type: dv.getUint16(p + 4, HOST_LE),
    flags: dv.getUint16(p + 6, HOST_LE),
    seq: dv.getUint32(p + 8, HOST_LE),
    port: dv.getUint32(p + 12, HOST_LE),
  };
}

/** The extended-ack message string, if the kernel attached one. */
function readExtack(buf: Uint8Array, start: number, end: number): string | undefined {
  const attrs = readAttrs(buf, start, end, 'EXTACK');
  const msg = attrs.find((a) => a.type === NLMSGERR_ATTR_MSG);
  if (!msg) return undefined;
  const bytes = buf.subarray(msg.start, msg.end);
  const nul = bytes.indexOf(0);
  return new TextDecoder().decode(nul < 0 ? bytes : bytes.subarray(0, nul));
}

function readFrame(buf: Uint8Array, dv: DataView, p: number, h: NlHeader): NetlinkFrame {
  const end = p + h.len;
  const where = `NLMSG@${p}`;
  if (h.type === NLMSG_ERROR) {
    if (h.len < NLMSG_HDRLEN + 4 + NLMSG_HDRLEN) fault('bad-length', p, where, `error message of ${h.len} bytes`);
    const errno = 0 - dv.getInt32(p + NLMSG_HDRLEN, HOST_LE);
    if (errno < 0) fault('bad-value', p + NLMSG_HDRLEN, where, `error code ${-errno} is positive`);
    const orig = readHeader(dv, p + NLMSG_HDRLEN + 4);
    let tlv = p + NLMSG_HDRLEN + 4 + NLMSG_HDRLEN;
    if (!(h.flags & NLM_F_CAPPED)) tlv = Math.min(end, p + NLMSG_HDRLEN + 4 + align4(Math.max(orig.len, NLMSG_HDRLEN)));
    const extack = h.flags & NLM_F_ACK_TLVS ? readExtack(buf, tlv, end) : undefined;
    return defined({ kind: 'error' as const, offset: p, header: h, errno, request: orig, extack });
  }
  if (h.type === NLMSG_DONE) {
    // A DONE may carry the dump's status; old kernels send no payload at all.
    const errno = h.len >= NLMSG_HDRLEN + 4 ? 0 - dv.getInt32(p + NLMSG_HDRLEN, HOST_LE) : 0;
    if (errno < 0) fault('bad-value', p + NLMSG_HDRLEN, where, `dump status ${-errno} is positive`);
    return { kind: 'done', offset: p, header: h, errno };
  }
  if (h.type < NLMSG_MIN_TYPE) return { kind: 'other', offset: p, header: h };
  if (h.len < NLMSG_HDRLEN + GENL_HDRLEN) fault('bad-length', p, where, `generic netlink message of ${h.len} bytes`);
  const payloadOffset = p + NLMSG_HDRLEN + GENL_HDRLEN;
  return {
    kind: 'genl',
    offset: p,
    header: h,
    cmd: buf[p + NLMSG_HDRLEN],
    version: buf[p + NLMSG_HDRLEN + 1],
    payload: buf.subarray(payloadOffset, end),
    payloadOffset,
  };
}

/** Splits one datagram into its netlink messages (several per datagram in a dump). */
export function decodeFrames(buf: Uint8Array): Result<NetlinkFrame[]> {
  return guard(() => {
    const dv = view(buf);
    const frames: NetlinkFrame[] = [];
    let p = 0;
    while (p < buf.length) {
      if (buf.length - p < NLMSG_HDRLEN) fault('truncated', p, 'NLMSG', `${buf.length - p} bytes left, a header takes 16`);
      const h = readHeader(dv, p);
      if (h.len < NLMSG_HDRLEN) fault('bad-length', p, 'NLMSG', `message length ${h.len} is shorter than its header`);
      if (p + h.len > buf.length) fault('truncated', p, 'NLMSG', `message of ${h.len} bytes, ${buf.length - p} left`);
      frames.push(readFrame(buf, dv, p, h));
      p += Math.min(align4(h.len), buf.length - p);
    }
    return frames;
  });
}

export interface DecodeOptions {
  /** Family of a destination's address when the nest has no ADDR_FAMILY (kernels before 4.?): the service's. */
  readonly destAf?: IpvsAf;
}

/** The IPVS content of a genl frame (its cmd decides how the first level reads); offsets stay datagram-relative. */
export function decodeIpvsFrame(f: Extract<NetlinkFrame, { kind: 'genl' }>, opts: DecodeOptions = {}): Result<IpvsMessage> {
  const r = guard(() => readIpvsBody(f.payload, 0, f.payload.length, f.cmd, f.version, opts.destAf));
  return r.ok ? r : { ok: false, error: { ...r.error, offset: r.error.offset < 0 ? r.error.offset : r.error.offset + f.payloadOffset } };
}

/** Decodes one datagram of IPVS messages (and the acks, errors and DONE around them). */
export function decodeIpvsDatagram(
  buf: Uint8Array,
  opts: DecodeOptions & { familyId?: number } = {},
): Result<Array<NetlinkFrame & { ipvs?: IpvsMessage }>> {
  const frames = decodeFrames(buf);
  if (!frames.ok) return frames;
  const out: Array<NetlinkFrame & { ipvs?: IpvsMessage }> = [];
  for (const f of frames.value) {
    // The controller's messages (and another family's, given the IPVS id) are passed through undecoded.
    if (f.kind !== 'genl' || f.header.type === GENL_ID_CTRL || (opts.familyId !== undefined && f.header.type !== opts.familyId)) {
      out.push(f);
      continue;
    }
    const m = decodeIpvsFrame(f, opts);
    if (!m.ok) return m;
    out.push({ ...f, ipvs: m.value });
  }
  return ok(out);
}

/** Decodes a bare attribute payload of one IPVS message body (tests, fakes). */
export function decodeIpvsAttrs(payload: Uint8Array, cmd: number, opts: DecodeOptions = {}): Result<IpvsMessage> {
  return guard(() => readIpvsBody(payload, 0, payload.length, cmd, IPVS_GENL_VERSION, opts.destAf));
}

// ---- typed values <-> attribute sets ----

const ZERO_ADDR: Record<IpvsAf, string> = { [AF_INET]: '0.0.0.0', [AF_INET6]: '::' };

/** The attributes that name a service (what DEL_SERVICE, GET_DEST and the dest commands carry). */
export function serviceKeyAttrs(k: IpvsServiceKey): IpvsServiceAttrs {
  const af = checkAf(k.af, 'service.af');
  if (k.fwmark) {
    need(k.protocol === 0 && k.port === 0 && parseIp(k.addr)?.bytes.every((b) => b === 0) === true, 'service',
      `fwmark ${k.fwmark} service must have protocol 0, port 0 and the zero address`);
    return { af, fwmark: checkUint(k.fwmark, 32, 'service.fwmark') };
  }
  need(k.fwmark === 0, 'service.fwmark', `${k.fwmark} is not a firewall mark`);
  return { af, protocol: k.protocol, addr: k.addr, port: k.port };
}

/** Every attribute of a service (NEW_SERVICE, SET_SERVICE; with counters, a kernel reply). */
export function serviceAttrs(s: IpvsService | IpvsServiceEntry): IpvsServiceAttrs {
  const e = s as IpvsServiceEntry;
  return defined({
    ...serviceKeyAttrs(s),
    schedName: s.schedName,
    peName: s.peName,
    flags: { flags: s.flags, mask: 0xffffffff },
    timeout: s.timeout,
    netmask: s.netmask,
    stats: e.stats,
    stats64: e.stats64,
  });
}

function missing(where: string, what: string): Result<never> {
  return fail('missing', -1, where, `${what} is required`);
}

/** A service entry from a kernel reply's attributes. */
export function serviceFromAttrs(a: IpvsServiceAttrs | undefined): Result<IpvsServiceEntry> {
  if (!a) return missing('SERVICE', 'the service attribute');
  if (a.af === undefined) return missing('SERVICE.AF', 'AF');
  const fwmark = a.fwmark ?? 0;
  if (!fwmark) {
    if (a.protocol === undefined) return missing('SERVICE.PROTOCOL', 'PROTOCOL (or FWMARK)');
    if (a.addr === undefined) return missing('SERVICE.ADDR', 'ADDR');
    if (a.port === undefined) return missing('SERVICE.PORT', 'PORT');
  }
  if (a.schedName === undefined) return missing('SERVICE.SCHED_NAME', 'SCHED_NAME');
  if (a.flags === undefined) return missing('SERVICE.FLAGS', 'FLAGS');
  if (a.timeout === undefined) return missing('SERVICE.TIMEOUT', 'TIMEOUT');
  if (a.netmask === undefined) return missing('SERVICE.NETMASK', 'NETMASK');
  return ok(defined({
    af: a.af,
    protocol: fwmark ? 0 : a.protocol!,
    addr: fwmark ? ZERO_ADDR[a.af] : a.addr!,
    port: fwmark ? 0 : a.port!,
    fwmark,
    schedName: a.schedName,
    flags: (a.flags.flags & a.flags.mask) >>> 0,
    timeout: a.timeout,
    netmask: a.netmask,
    peName: a.peName,
    stats: a.stats,
    stats64: a.stats64,
  }));
}

export function destKeyAttrs(d: IpvsDestKey): IpvsDestAttrs {
  return { addrFamily: checkAf(d.af, 'dest.af'), addr: d.addr, port: d.port };
}

/** Every attribute of a destination (NEW_DEST, SET_DEST; with counters, a kernel reply). */
export function destAttrs(d: IpvsDest | IpvsDestEntry): IpvsDestAttrs {
  const e = d as IpvsDestEntry;
  return defined({
    ...destKeyAttrs(d),
    fwdMethod: d.fwdMethod,
    weight: d.weight,
    uThreshold: d.uThreshold,
    lThreshold: d.lThreshold,
    tunType: d.tunType,
    tunPort: d.tunPort,
    tunFlags: d.tunFlags,
    activeConns: e.activeConns,
    inactConns: e.inactConns,
    persistConns: e.persistConns,
    stats: e.stats,
    stats64: e.stats64,
  });
}

/** A destination entry from a kernel reply's attributes; `serviceAf` when the kernel sends no ADDR_FAMILY. */
export function destFromAttrs(a: IpvsDestAttrs | undefined, serviceAf?: IpvsAf): Result<IpvsDestEntry> {
  if (!a) return missing('DEST', 'the destination attribute');
  const af = a.addrFamily ?? serviceAf;
  if (af === undefined) return missing('DEST.ADDR_FAMILY', 'ADDR_FAMILY');
  const req: Array<[keyof IpvsDestAttrs, string]> = [
    ['addr', 'ADDR'], ['port', 'PORT'], ['fwdMethod', 'FWD_METHOD'], ['weight', 'WEIGHT'], ['uThreshold', 'U_THRESH'],
    ['lThreshold', 'L_THRESH'], ['activeConns', 'ACTIVE_CONNS'], ['inactConns', 'INACT_CONNS'], ['persistConns', 'PERSIST_CONNS'],
  ];
  for (const [k, name] of req) if (a[k] === undefined) return missing(`DEST.${name}`, name);
  return ok(defined({
    af,
    addr: a.addr!,
    port: a.port!,
    fwdMethod: (a.fwdMethod! & 0x7) as IpvsFwdMethod,
    weight: a.weight!,
    uThreshold: a.uThreshold!,
    lThreshold: a.lThreshold!,
    tunType: a.tunType,
    tunPort: a.tunPort,
    tunFlags: a.tunFlags,
    activeConns: a.activeConns!,
    inactConns: a.inactConns!,
    persistConns: a.persistConns!,
    stats: a.stats,
    stats64: a.stats64,
  }));
}

export function daemonAttrs(d: IpvsDaemon): IpvsDaemonAttrs {
  return defined({ ...d });
}

export function daemonFromAttrs(a: IpvsDaemonAttrs | undefined): Result<IpvsDaemon> {
  if (!a) return missing('DAEMON', 'the daemon attribute');
  if (a.state === undefined) return missing('DAEMON.STATE', 'STATE');
  if (a.state !== 1 && a.state !== 2) return fail('bad-value', -1, 'DAEMON.STATE', `state ${a.state} is neither master (1) nor backup (2)`);
  if (a.mcastIfn === undefined) return missing('DAEMON.MCAST_IFN', 'MCAST_IFN');
  if (a.syncId === undefined) return missing('DAEMON.SYNC_ID', 'SYNC_ID');
  return ok(defined({ ...a, state: a.state as IpvsDaemonState, mcastIfn: a.mcastIfn, syncId: a.syncId }));
}

export function timeoutsFromMessage(m: IpvsMessage): Result<IpvsTimeouts> {
  if (m.timeoutTcp === undefined) return missing('CMD.TIMEOUT_TCP', 'TIMEOUT_TCP');
  if (m.timeoutTcpFin === undefined) return missing('CMD.TIMEOUT_TCP_FIN', 'TIMEOUT_TCP_FIN');
  if (m.timeoutUdp === undefined) return missing('CMD.TIMEOUT_UDP', 'TIMEOUT_UDP');
  return ok({ tcp: m.timeoutTcp, tcpFin: m.timeoutTcpFin, udp: m.timeoutUdp });
}

export function infoFromMessage(m: IpvsMessage): Result<IpvsInfo> {
  const version = m.info?.version;
  const connTabSize = m.info?.connTabSize;
  if (version === undefined) return missing('INFO.VERSION', 'VERSION');
  if (connTabSize === undefined) return missing('INFO.CONN_TAB_SIZE', 'CONN_TAB_SIZE');
  return ok({ version, versionText: `${(version >> 16) & 0xff}.${(version >> 8) & 0xff}.${version & 0xff}`, connTabSize });
}
