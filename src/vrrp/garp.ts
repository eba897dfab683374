// Gratuitous ARP (IPv4 VIPs) and unsolicited neighbour advertisements (IPv6 VIPs): the whole Ethernet
// frames a new MASTER sends so neighbours move the VIPs to its MAC. Pure: bytes out, laid out as
// keepalived 2.2.7 lays them out (vrrp_arp.c, vrrp_ndisc.c):
// - ARP: a broadcast *request* whose sender and target protocol addresses are both the VIP and whose
//   target hardware address is the broadcast address;
// - NA (RFC 4861 §7.2.6): from the VIP itself to ff02::1 (33:33:00:00:00:01), hop limit 255, Override set,
//   Solicited clear, Router set only while the interface forwards IPv6 (a router must not claim
//   otherwise, RFC 4861 §7.2.5), with the target link-layer address option.
import type { IpAddress } from '../lib/ip.js';
import { checksumOf, ipv6PseudoHeaderSum, sum16 } from '../lib/checksum.js';

export const ETHERTYPE_ARP = 0x0806;
export const ETHERTYPE_IPV4 = 0x0800;
export const ETHERTYPE_IPV6 = 0x86dd;
export const IPPROTO_ICMPV6 = 58;
export const ICMPV6_NEIGHBOUR_ADVERT = 136;
/** NA flags, the top bits of the word after the checksum. */
export const NA_FLAG_ROUTER = 0x80;
export const NA_FLAG_SOLICITED = 0x40;
export const NA_FLAG_OVERRIDE = 0x20;
/** RFC 4861: neighbour discovery is only accepted with hop limit 255. */
export const NDISC_HOP_LIMIT = 255;

const ETH_HEADER = 14;
const ARP_LENGTH = 28;
const IPV6_HEADER = 40;
const NA_LENGTH = 24;
const TLLA_OPTION_LENGTH = 8;

const BROADCAST_MAC = Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0xff, 0xff);
/** RFC 2464 §7: ff02::1 maps to 33:33:00:00:00:01. */
const ALL_NODES_MAC = Uint8Array.of(0x33, 0x33, 0, 0, 0, 1);
export const ALL_NODES6: IpAddress = {
  family: 6,
  text: 'ff02::1',
  bytes: Uint8Array.of(0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1),
};

function checkMac(mac: Uint8Array): void {
  if (mac.length !== 6) throw new RangeError(`an Ethernet address has 6 bytes, not ${mac.length}`);
}

function ethernet(frame: Uint8Array, dst: Uint8Array, src: Uint8Array, type: number): void {
  frame.set(dst, 0);
  frame.set(src, 6);
  frame[12] = type >> 8;
  frame[13] = type & 0xff;
}

/** A gratuitous ARP request announcing that `address` (IPv4) is at `mac` (42 bytes, unpadded as keepalived sends it). */
export function gratuitousArp(mac: Uint8Array, address: IpAddress): Uint8Array {
  checkMac(mac);
  if (address.family !== 4) throw new RangeError(`gratuitous ARP is for IPv4 addresses, not ${address.text}`);
  const f = new Uint8Array(ETH_HEADER + ARP_LENGTH);
  ethernet(f, BROADCAST_MAC, mac, ETHERTYPE_ARP);
  const a = ETH_HEADER;
  f[a + 1] = 1; // hardware type: Ethernet
  f[a + 2] = ETHERTYPE_IPV4 >> 8;
  f[a + 3] = ETHERTYPE_IPV4 & 0xff;
  f[a + 4] = 6;
  f[a + 5] = 4;
  f[a + 7] = 1; // request (keepalived's choice; replies are the other common form)
  f.set(mac, a + 8);
  f.set(address.bytes, a + 14);
  f.set(BROADCAST_MAC, a + 18);
  f.set(address.bytes, a + 24);
  return f;
}

/** ICMPv6 checksum of `message` (checksum field zeroed or not: it is skipped) between `src` and `dst`. */
export function icmpv6Checksum(src: IpAddress, dst: IpAddress, message: Uint8Array): number {
  const acc = sum16(message, 0, 2) + sum16(message, 4) + ipv6PseudoHeaderSum(src.bytes, dst.bytes, IPPROTO_ICMPV6, message.length);
  return checksumOf(acc);
}

export interface NeighbourAdvertOptions {
  /** Set the Router flag: the interface forwards IPv6 (keepalived reads its `forwarding` sysctl). */
  router: boolean;
}

/** An unsolicited neighbour advertisement for `address` (IPv6) at `mac`, to all nodes (86 bytes). */
export function unsolicitedNeighbourAdvert(mac: Uint8Array, address: IpAddress, opts: NeighbourAdvertOptions): Uint8Array {
  checkMac(mac);
  if (address.family !== 6) throw new RangeError(`neighbour advertisements are for IPv6 addresses, not ${address.text}`);
  const payload = NA_LENGTH + TLLA_OPTION_LENGTH;
  const f = new Uint8Array(ETH_HEADER + IPV6_HEADER + payload);
  ethernet(f, ALL_NODES_MAC, mac, ETHERTYPE_IPV6);
  const ip = ETH_HEADER;
  f[ip] = 0x60;
  f[ip + 4] = payload >> 8;
  f[ip + 5] = payload & 0xff;
  f[ip + 6] = IPPROTO_ICMPV6;
  f[ip + 7] = NDISC_HOP_LIMIT;
  f.set(address.bytes, ip + 8);
  f.set(ALL_NODES6.bytes, ip + 24);
  const icmp = ip + IPV6_HEADER;
  f[icmp] = ICMPV6_NEIGHBOUR_ADVERT;
  f[icmp + 4] = NA_FLAG_OVERRIDE | (opts.router ? NA_FLAG_ROUTER : 0);
  f.set(address.bytes, icmp + 8);
  f[icmp + 24] = 2; // target link-layer address option
  f[icmp + 25] = 1; // its length in units of 8 bytes
  f.set(mac, icmp + 26);
  const sum = icmpv6Checksum(address, ALL_NODES6, f.subarray(icmp));
  f[icmp + 2] = sum >> 8;
  f[icmp + 3] = sum & 0xff;
  return f;
}

/** The announcement for one VIP: ARP for IPv4, NA for IPv6. */
export function announcementFrame(mac: Uint8Array, address: IpAddress, opts: NeighbourAdvertOptions): Uint8Array {
  return address.family === 4 ? gratuitousArp(mac, address) : unsolicitedNeighbourAdvert(mac, address, opts);
}

/** "aa:bb:cc:dd:ee:ff" → 6 bytes. */
export function parseMac(text: string): Uint8Array {
  const parts = text.split(':');
  if (parts.length !== 6 || parts.some((p) => !/^[0-9a-fA-F]{1,2}$/.test(p))) throw new RangeError(`bad MAC address ${text}`);
  return Uint8Array.from(parts.map((p) => parseInt(p, 16)));
}

export function formatMac(mac: Uint8Array): string {
  return [...mac].map((b) => b.toString(16).padStart(2, '0')).join(':');
}
