// Small helpers for the raw socket tests: a packet inbox to await arrivals, the Internet checksum, a
// VRRP-shaped advert, and the two frames a new MASTER sends (gratuitous ARP, unsolicited NA).
import type { RawPacket } from '../../../src/native/index.js';

export interface Inbox {
  onPacket(p: RawPacket): void;
  readonly packets: RawPacket[];
  /** The first packet (already queued or yet to come) that matches; rejects after `ms`. */
  next(match?: (p: RawPacket) => boolean, ms?: number): Promise<RawPacket>;
  /** Resolves with every packet that arrived in the next `ms` milliseconds. */
  collect(ms: number): Promise<RawPacket[]>;
}

export function inbox(): Inbox {
  const packets: RawPacket[] = [];
  const waiters = new Set<() => void>();
  return {
    packets,
    onPacket(p) {
      packets.push(p);
      for (const w of [...waiters]) w();
    },
    next(match = () => true, ms = 3000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const i = packets.findIndex(match);
          if (i < 0) return false;
          const [p] = packets.splice(i, 1);
          waiters.delete(check);
          clearTimeout(timer);
          resolve(p!);
          return true;
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no matching packet within ${ms} ms (${packets.length} others queued)`));
        }, ms);
        if (!check()) waiters.add(check);
      });
    },
    collect(ms) {
      const start = packets.length;
      return new Promise((resolve) => setTimeout(() => resolve(packets.slice(start)), ms));
    },
  };
}

/** RFC 1071 one's-complement sum of `parts`, folded and inverted. */
export function inetChecksum(...parts: Uint8Array[]): number {
  let sum = 0;
  for (const b of parts) {
    for (let i = 0; i < b.length; i += 2) sum += (b[i]! << 8) | (b[i + 1] ?? 0);
  }
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

export function ipv6Bytes(addr: string): Buffer {
  const [head, tail] = addr.split('::') as [string, string | undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  const out = Buffer.alloc(16);
  groups.forEach((g, i) => out.writeUInt16BE(parseInt(g, 16), i * 2));
  return out;
}

export function ipv4Bytes(addr: string): Buffer {
  return Buffer.from(addr.split('.').map(Number));
}

export function macBytes(mac: string): Buffer {
  return Buffer.from(mac.split(':').map((x) => parseInt(x, 16)));
}

/** IPv6 upper-layer pseudo-header (RFC 8200 §8.1). */
export function pseudoHeader6(src: string, dst: string, length: number, next: number): Buffer {
  const b = Buffer.alloc(40);
  ipv6Bytes(src).copy(b, 0);
  ipv6Bytes(dst).copy(b, 16);
  b.writeUInt32BE(length, 32);
  b[39] = next;
  return b;
}

/**
 * A VRRP-shaped advert: v2 (RFC 3768 §5.3: auth type 0, advert_int seconds) with its checksum, or v3
 * (RFC 5798 §5.2: centiseconds) with a zero checksum for the kernel (IPv6) to fill in.
 */
export function advert(version: 2 | 3, vrid: number, priority: number, vips: Buffer[]): Buffer {
  const head = Buffer.alloc(8);
  head[0] = (version << 4) | 1;
  head[1] = vrid;
  head[2] = priority;
  head[3] = vips.length;
  if (version === 2) {
    head[4] = 0;
    head[5] = 1;
  } else head.writeUInt16BE(100, 4);
  const pkt = Buffer.concat([head, ...vips, ...(version === 2 ? [Buffer.alloc(8)] : [])]);
  if (version === 2) pkt.writeUInt16BE(inetChecksum(pkt), 6);
  return pkt;
}

/** Gratuitous ARP request for `ip` from `mac`, broadcast, as a new MASTER sends for each VIP. */
export function garpFrame(mac: string, ip: string): Buffer {
  const f = Buffer.alloc(42);
  f.fill(0xff, 0, 6);
  macBytes(mac).copy(f, 6);
  f.writeUInt16BE(0x0806, 12);
  f.writeUInt16BE(1, 14); // Ethernet
  f.writeUInt16BE(0x0800, 16); // IPv4
  f[18] = 6;
  f[19] = 4;
  f.writeUInt16BE(1, 20); // request
  macBytes(mac).copy(f, 22);
  ipv4Bytes(ip).copy(f, 28);
  f.fill(0xff, 32, 38);
  ipv4Bytes(ip).copy(f, 38);
  return f;
}

/** Unsolicited neighbour advertisement (RFC 4861 §7.2.6) for `target` to ff02::1, override flag set. */
export function naFrame(mac: string, src: string, target: string): Buffer {
  const icmp = Buffer.alloc(32);
  icmp[0] = 136;
  icmp.writeUInt32BE(0x20000000, 4); // O: replace cached link-layer addresses
  ipv6Bytes(target).copy(icmp, 8);
  icmp[24] = 2; // target link-layer address option
  icmp[25] = 1;
  macBytes(mac).copy(icmp, 26);
  icmp.writeUInt16BE(inetChecksum(pseudoHeader6(src, 'ff02::1', icmp.length, 58), icmp), 2);
  const ip6 = Buffer.alloc(40);
  ip6.writeUInt32BE(0x60000000, 0);
  ip6.writeUInt16BE(icmp.length, 4);
  ip6[6] = 58;
  ip6[7] = 255; // RFC 4861 drops NDP with any other hop limit
  ipv6Bytes(src).copy(ip6, 8);
  ipv6Bytes('ff02::1').copy(ip6, 24);
  const eth = Buffer.alloc(14);
  macBytes('33:33:00:00:00:01').copy(eth, 0);
  macBytes(mac).copy(eth, 6);
  eth.writeUInt16BE(0x86dd, 12);
  return Buffer.concat([eth, ip6, icmp]);
}
