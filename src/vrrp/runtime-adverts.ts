// Adverts on the wire for one instance: the bytes we send to each destination (multicast group or every
// unicast peer, v3-over-IPv4 checksums computed per destination as keepalived does), and the receipt the
// validator needs from a packet a socket delivered. Pure.
import type { IpAddress } from '../lib/ip.js';
import { parseIp } from '../lib/ip.js';
import type { VrrpInstance } from '../config/model/vrrp.js';
import {
  authDataFromPassword, encode, VRRP_AUTH_AH, VRRP_AUTH_NONE, VRRP_AUTH_PASS, VRRP_TYPE_ADVERTISEMENT, type VrrpAdvert,
} from './packet.js';
import type { ReceivedPacket } from './ports.js';
import type { AdvertReceipt } from './validate.js';

export type AdvertConfig = Pick<
  VrrpInstance,
  'version' | 'family' | 'virtualRouterId' | 'advertInt' | 'authentication' | 'virtualIpaddress' | 'unicast' | 'unicastPeer'
  | 'unicastTtl' | 'mcastDstIp' | 'oldUnicastChecksum'
>;

export interface AdvertGroups {
  /** global_defs vrrp_mcast_group4 / vrrp_mcast_group6. */
  group4: IpAddress;
  group6: IpAddress;
}

export interface AdvertDestination {
  to: IpAddress;
  /** TTL / hop limit to send with; undefined leaves the socket's. */
  ttl?: number;
}

/** Where an instance's adverts go: every unicast peer, else its multicast group. */
export function advertDestinations(cfg: AdvertConfig, groups: AdvertGroups): AdvertDestination[] {
  if (cfg.unicast) return cfg.unicastPeer.map((p) => ({ to: p.address, ttl: cfg.unicastTtl }));
  return [{ to: cfg.mcastDstIp ?? (cfg.family === 4 ? groups.group4 : groups.group6), ttl: 255 }];
}

/** The advert this instance sends with `priority`, before the checksum's per-destination part. */
export function advertOf(cfg: AdvertConfig, priority: number): VrrpAdvert {
  const addresses = cfg.virtualIpaddress.map((v) => v.address);
  const common = { type: VRRP_TYPE_ADVERTISEMENT, vrid: cfg.virtualRouterId, priority, family: cfg.family, addresses };
  if (cfg.version === 2) {
    const auth = cfg.authentication;
    const authType = auth?.type === 'PASS' ? VRRP_AUTH_PASS : auth?.type === 'AH' ? VRRP_AUTH_AH : VRRP_AUTH_NONE;
    const authData = authType === VRRP_AUTH_PASS ? authDataFromPassword(auth!.password) : new Uint8Array(8);
    return { version: 2, ...common, authType, adverInt: Math.round(cfg.advertInt), authData };
  }
  return { version: 3, ...common, maxAdverInt: Math.round(cfg.advertInt * 100), reserved: 0 };
}

/**
 * The bytes for one destination. IPv6 leaves the checksum to the kernel (IPV6_CHECKSUM); v3 over IPv4
 * sums keepalived's pseudo-header (the group instead of the peer with `old_unicast_checksum`).
 */
export function encodeAdvert(cfg: AdvertConfig, priority: number, src: IpAddress | undefined, dst: IpAddress, groups: AdvertGroups): Uint8Array {
  const advert = advertOf(cfg, priority);
  if (advert.version === 2 || cfg.family === 6) return encode(advert);
  const oldForm = cfg.unicast && cfg.oldUnicastChecksum === 'config';
  return encode(advert, { src, dst, group4: groups.group4, v3Ipv4Checksum: oldForm ? 'v3-pseudo-header-group' : 'v3-pseudo-header' });
}

/** What the validator needs to know about a received packet besides its bytes, or undefined if its addresses do not parse. */
export function receiptOf(p: ReceivedPacket): AdvertReceipt | undefined {
  const src = parseIp(p.src);
  const dst = parseIp(p.dst);
  if (!src || !dst) return undefined;
  return { src, dst, ttl: p.ttl };
}
