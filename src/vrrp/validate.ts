// Receive checks on an advert for one instance, in keepalived 2.2.7's order, with its log line for
// each drop (KEEPALIVED.md §3.9). Pure. The VRID lookup, the instance's state (FAULT/INIT ignore
// everything), priority-0 handling and v3 interval adoption belong to the caller and the state machine.
//
// One deliberate difference: v3 over IPv4 verifies under any of the three checksum forms in use
// (keepalived's pseudo-header, its old group-destination one, and RFC 9568's none) and reports which
// one the peer used, where keepalived 2.2.7 accepts only the first two (USER-PAINS item 6).
import type { IpAddress } from '../lib/ip.js';
import type { VrrpInstance } from '../config/model/vrrp.js';
import {
  authDataFromPassword,
  decode,
  expectedLength,
  peekHeader,
  sameBytes,
  verifyChecksum,
  VRRP_AUTH_AH,
  VRRP_AUTH_DATA_LENGTH,
  VRRP_AUTH_NONE,
  VRRP_AUTH_PASS,
  VRRP_TTL,
  VRRP_TYPE_ADVERTISEMENT,
  V3_IPV4_FORMS,
  type ChecksumForm,
  type V3Ipv4ChecksumForm,
  type VrrpAdvert,
} from './packet.js';
import { AH_HEADER_LENGTH, IPPROTO_AH } from './ipv4-header.js';

/** What the socket said about a received advert besides its bytes. */
export interface AdvertReceipt {
  /** IP source and destination; the destination tells multicast from unicast. */
  src: IpAddress;
  dst: IpAddress;
  /** IPv4 TTL or IPv6 hop limit; undefined when the socket did not report it (checks skipped). */
  ttl?: number;
  /** IPv4: the datagram's protocol, 112, or 51 when an AH header precedes the message. Default 112. */
  ipProtocol?: number;
  /** IPv4: bytes of IP header (and AH) before the message, counted in keepalived's length lines. Default 20 (+24 with AH). */
  headerLength?: number;
  /** IPv4: the IP header's total length; checked against what was received when given. */
  ipTotalLength?: number;
}

/** The instance settings the checks read (a VrrpInstance has them all). */
export type AdvertCheckConfig = Pick<
  VrrpInstance,
  | 'name' | 'version' | 'family' | 'virtualRouterId' | 'advertInt' | 'authentication' | 'virtualIpaddress'
  | 'unicast' | 'unicastPeer' | 'checkUnicastSrc' | 'skipCheckAdvAddr'
>;

export interface AdvertCheckContext {
  /**
   * BACKUP only: source of the advert last accepted from the master. With skip_check_adv_addr, its
   * next adverts skip the address and unicast-source checks (keepalived: only a new master is checked).
   */
  lastMasterAddress?: IpAddress;
  /** global_defs `vrrp_check_unicast_src`. */
  checkUnicastSrcGlobal?: boolean;
  /** global_defs `vrrp_mcast_group4`, the destination of the old unicast checksum form. */
  mcastGroup4?: IpAddress;
  /** v3 over IPv4: checksum forms accepted (default all three). */
  v3Ipv4ChecksumForms?: readonly V3Ipv4ChecksumForm[];
}

/** Stable drop reasons, one per check, for counters. */
export type AdvertDropReason =
  | 'too-short'
  | 'ah-unexpected'
  | 'ah-missing'
  | 'ah-unsupported'
  | 'length'
  | 'ttl'
  | 'version'
  | 'auth-type-invalid'
  | 'auth-type-mismatch'
  | 'auth-password'
  | 'advert-interval'
  | 'type'
  | 'address-count'
  | 'ip-length'
  | 'checksum'
  | 'cast-mismatch'
  | 'address-missing'
  | 'unicast-source'
  | 'ttl-range';

export const ADVERT_DROP_REASONS: readonly AdvertDropReason[] = [
  'too-short', 'ah-unexpected', 'ah-missing', 'ah-unsupported', 'length', 'ttl', 'version', 'auth-type-invalid',
  'auth-type-mismatch', 'auth-password', 'advert-interval', 'type', 'address-count', 'ip-length', 'checksum',
  'cast-mismatch', 'address-missing', 'unicast-source', 'ttl-range',
];

/** keepalived's per-instance statistics counter a drop bumps (its JSON/SNMP names). */
export type VrrpStatCounter =
  | 'packet_len_err' | 'ip_ttl_err' | 'invalid_authtype' | 'authtype_mismatch' | 'auth_failure'
  | 'invalid_type_rcvd' | 'addr_list_err' | 'chk_err' | 'vers_err';

export interface AdvertDrop {
  reason: AdvertDropReason;
  /** keepalived's log line for it (info level). */
  log: string;
  stat?: VrrpStatCounter;
  /** keepalived logs this one only with -D (detailed logging). */
  detailOnly?: boolean;
}

export type AdvertVerdict =
  | { ok: true; advert: VrrpAdvert; checksumForm: ChecksumForm }
  | { ok: false; drop: AdvertDrop };

/** `bytes` is the VRRP message (after the IPv4 header and any AH header). */
export function checkAdvert(
  bytes: Uint8Array,
  rx: AdvertReceipt,
  cfg: AdvertCheckConfig,
  ctx: AdvertCheckContext = {},
): AdvertVerdict {
  const name = `(${cfg.name})`;
  const v4 = cfg.family === 4;
  const authType = cfg.version === 2 ? authTypeOf(cfg) : VRRP_AUTH_NONE;
  const ah = v4 && rx.ipProtocol === IPPROTO_AH;
  const before = v4 ? (rx.headerLength ?? 20 + (ah ? AH_HEADER_LENGTH : 0)) : 0;
  const received = before + bytes.length;

  const hd = peekHeader(bytes);
  if (!hd) return drop('too-short', `IPv${cfg.family} VRRP packet${ah ? ' with AH' : ''} too short - ${received} bytes`);
  if (v4 && ah !== (authType === VRRP_AUTH_AH)) {
    return ah
      ? drop('ah-unexpected', `${name} Received AH header but auth type not AH`, 'authtype_mismatch')
      : drop('ah-missing', `${name} No AH header but auth type is AH`, 'authtype_mismatch');
  }
  // IPv6 sockets see both kinds; keepalived discards the wrong one before any check.
  const multicast = isMulticast(rx.dst);
  if (!v4 && multicast === cfg.unicast) {
    return drop('cast-mismatch', `${name} discarding ${multicast ? 'mult' : 'un'}icast packet on ${cfg.unicast ? 'un' : 'mult'}icast instance`, undefined, true);
  }

  const expected = before + expectedLength(hd.version, hd.count, cfg.family);
  if (received !== expected) {
    return drop('length', `${name} vrrp packet too ${received > expected ? 'long' : 'short'}, length ${received} and expect ${expected}`, 'packet_len_err');
  }
  if (!cfg.unicast && rx.ttl !== undefined && rx.ttl !== VRRP_TTL) {
    return drop('ttl', `${name} invalid TTL/HL. Received ${rx.ttl} and expect ${VRRP_TTL}`, 'ip_ttl_err');
  }
  if (hd.version !== cfg.version) {
    return drop('version', `${name} wrong version. Received ${hd.version} and expect ${cfg.version}`, 'vers_err');
  }
  const decoded = decode(bytes, cfg.family);
  if (!decoded.ok) {
    // Unreachable once length and version agree with the instance; kept as a length drop.
    return drop('length', `${name} ${decoded.error.message}`, 'packet_len_err');
  }
  const advert = decoded.value;

  if (advert.version === 2) {
    if (advert.authType !== VRRP_AUTH_NONE && advert.authType !== VRRP_AUTH_PASS && advert.authType !== VRRP_AUTH_AH) {
      return drop('auth-type-invalid', `${name} Invalid auth type: ${advert.authType}`, 'invalid_authtype');
    }
    if (advert.authType !== authType) {
      return drop('auth-type-mismatch', `${name} received a ${advert.authType} auth, expecting ${authType}!`, 'authtype_mismatch');
    }
    if (authType === VRRP_AUTH_PASS && !sameBytes(advert.authData, authDataFromPassword(cfg.authentication!.password))) {
      return drop('auth-password', `${name} received an invalid passwd!`, 'auth_failure');
    }
    if (authType === VRRP_AUTH_AH) {
      return drop('ah-unsupported', `${name} IPsec AH authentication is not supported - advert ignored`, 'auth_failure');
    }
    const mine = Math.round(cfg.advertInt * 100);
    if (mine !== advert.adverInt * 100) {
      // keepalived counts nothing here: it is "not for us" rather than an error.
      return drop('advert-interval', `${name} advertisement interval mismatch mine=${Math.floor(mine / 100)} sec rcv'd=${advert.adverInt} sec`);
    }
  }
  if (advert.type !== VRRP_TYPE_ADVERTISEMENT) {
    return drop('type', `${name} Invalid packet type. ${advert.type} and expect ${VRRP_TYPE_ADVERTISEMENT}`, 'invalid_type_rcvd');
  }

  const checkAddresses = !cfg.skipCheckAdvAddr || !ctx.lastMasterAddress || !sameBytes(ctx.lastMasterAddress.bytes, rx.src.bytes);
  const vipCount = cfg.virtualIpaddress.length;
  if (checkAddresses && advert.addresses.length !== vipCount) {
    return drop('address-count', `${name} received an unexpected ip number count ${advert.addresses.length}, expected ${vipCount}!`, 'addr_list_err');
  }
  if (v4 && rx.ipTotalLength !== undefined && rx.ipTotalLength !== received) {
    return drop('ip-length', `${name} ip_tot_len mismatch against received length. ${rx.ipTotalLength} and received ${received}`, 'packet_len_err');
  }

  const checksumForm = verifyChecksum(bytes, cfg.family, { src: rx.src, dst: rx.dst, group4: ctx.mcastGroup4 }, ctx.v3Ipv4ChecksumForms ?? V3_IPV4_FORMS);
  if (!checksumForm) return drop('checksum', `${name} Invalid VRRPv${advert.version} checksum`, 'chk_err');

  if (v4 && multicast === cfg.unicast) {
    const want = cfg.unicast ? 'un' : 'mult';
    return drop('cast-mismatch', `${name} Expected ${want}icast packet but received ${cfg.unicast ? 'mult' : 'un'}icast packet`, 'addr_list_err');
  }

  if (checkAddresses) {
    for (const vip of cfg.virtualIpaddress) {
      if (!advert.addresses.some((a) => sameBytes(a.bytes, vip.address.bytes))) {
        return drop('address-missing', `${name} ip address associated with VRID ${cfg.virtualRouterId} not present in MASTER advert: ${vip.address.text}`, 'addr_list_err');
      }
    }
    if (cfg.unicast && (cfg.checkUnicastSrc || ctx.checkUnicastSrcGlobal)) {
      const peer = cfg.unicastPeer.find((p) => sameBytes(p.address.bytes, rx.src.bytes));
      if (!peer) return drop('unicast-source', `${name} unicast source address ${rx.src.text} not a unicast peer`);
      if (rx.ttl !== undefined && (rx.ttl < peer.minTtl || rx.ttl > peer.maxTtl)) {
        return drop('ttl-range', `${name} TTL/HL ${rx.ttl} not in range ${peer.minTtl} - ${peer.maxTtl}`, 'ip_ttl_err');
      }
    }
  }
  return { ok: true, advert, checksumForm };
}

function authTypeOf(cfg: AdvertCheckConfig): number {
  const t = cfg.authentication?.type;
  return t === 'PASS' ? VRRP_AUTH_PASS : t === 'AH' ? VRRP_AUTH_AH : VRRP_AUTH_NONE;
}

function isMulticast(a: IpAddress): boolean {
  return a.family === 4 ? (a.bytes[0] & 0xf0) === 0xe0 : a.bytes[0] === 0xff;
}

function drop(reason: AdvertDropReason, log: string, stat?: VrrpStatCounter, detailOnly?: boolean): { ok: false; drop: AdvertDrop } {
  const d: AdvertDrop = { reason, log };
  if (stat) d.stat = stat;
  if (detailOnly) d.detailOnly = true;
  return { ok: false, drop: d };
}
