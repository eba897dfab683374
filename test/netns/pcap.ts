// Just enough of the pcap file format (tcpdump -w, Ethernet link type) to read back what crossed the LAN:
// VRRP adverts, gratuitous ARPs and unsolicited neighbour advertisements, with their capture times.
import { readFileSync } from 'node:fs';
import { formatIpv6 } from '../../src/lib/ip.js';

export interface Frame {
  /** Capture time, ms since the epoch (comparable with Date.now()). */
  at: number;
  bytes: Buffer;
}

export function readPcap(path: string): Frame[] {
  const b = readFileSync(path);
  if (b.length < 24) return [];
  const magic = b.readUInt32LE(0);
  const le = magic === 0xa1b2c3d4 || magic === 0xa1b23c4d;
  const nano = magic === 0xa1b23c4d || magic === 0x4d3cb2a1;
  const u32 = (o: number) => (le ? b.readUInt32LE(o) : b.readUInt32BE(o));
  const out: Frame[] = [];
  for (let o = 24; o + 16 <= b.length; ) {
    const sec = u32(o);
    const frac = u32(o + 4);
    const len = u32(o + 8);
    if (o + 16 + len > b.length) break;
    out.push({ at: sec * 1000 + (nano ? frac / 1e6 : frac / 1e3), bytes: b.subarray(o + 16, o + 16 + len) });
    o += 16 + len;
  }
  return out;
}

const mac = (b: Buffer, at: number) => [...b.subarray(at, at + 6)].map((x) => x.toString(16).padStart(2, '0')).join(':');
const ip4 = (b: Buffer, at: number) => [...b.subarray(at, at + 4)].join('.');
const ip6 = (b: Buffer, at: number) => formatIpv6(new Uint8Array(b.subarray(at, at + 16)));

export interface Advert {
  at: number;
  srcMac: string;
  src: string;
  dst: string;
  ttl: number;
  version: number;
  vrid: number;
  priority: number;
  /** IPv4 TOS / IPv6 traffic class. */
  tos: number;
  /** The VRRP message. */
  payload: Buffer;
}

export interface Announcement {
  at: number;
  srcMac: string;
  kind: 'arp' | 'na';
  /** The address announced (ARP sender = target address; NA target). */
  address: string;
  /** NA only: the Router flag. */
  router?: boolean;
  bytes: Buffer;
}

/** VRRP adverts (IPv4 and IPv6) in the capture. */
export function adverts(frames: readonly Frame[]): Advert[] {
  const out: Advert[] = [];
  for (const f of frames) {
    const b = f.bytes;
    if (b.length < 14) continue;
    const type = b.readUInt16BE(12);
    if (type === 0x0800 && b[14 + 9] === 112) {
      const ihl = (b[14] & 0x0f) * 4;
      const v = 14 + ihl;
      const end = 14 + b.readUInt16BE(16);
      out.push({ at: f.at, srcMac: mac(b, 6), src: ip4(b, 26), dst: ip4(b, 30), ttl: b[22], version: b[v] >> 4, vrid: b[v + 1], priority: b[v + 2], tos: b[15], payload: b.subarray(v, end) });
    } else if (type === 0x86dd && b[14 + 6] === 112) {
      const v = 54;
      const end = v + b.readUInt16BE(18);
      const tos = ((b.readUInt32BE(14) >> 20) & 0xff);
      out.push({ at: f.at, srcMac: mac(b, 6), src: ip6(b, 22), dst: ip6(b, 38), ttl: b[21], version: b[v] >> 4, vrid: b[v + 1], priority: b[v + 2], tos, payload: b.subarray(v, end) });
    }
  }
  return out;
}

/** Gratuitous ARPs (sender address = target address) and neighbour advertisements in the capture. */
export function announcements(frames: readonly Frame[]): Announcement[] {
  const out: Announcement[] = [];
  for (const f of frames) {
    const b = f.bytes;
    if (b.length < 14) continue;
    const type = b.readUInt16BE(12);
    if (type === 0x0806 && b.length >= 42 && ip4(b, 28) === ip4(b, 38)) {
      out.push({ at: f.at, srcMac: mac(b, 6), kind: 'arp', address: ip4(b, 28), bytes: b });
    } else if (type === 0x86dd && b.length >= 78 && b[20] === 58 && b[54] === 136) {
      out.push({ at: f.at, srcMac: mac(b, 6), kind: 'na', address: ip6(b, 62), router: (b[58] & 0x80) !== 0, bytes: b });
    }
  }
  return out;
}
