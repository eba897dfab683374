// IP address parsing, formatting and comparison, without Node I/O (usable by pure modules).
import { isIPv4, isIPv6 } from 'node:net';

export type Family = 4 | 6;

export interface IpAddress {
  readonly family: Family;
  /** Canonical text: dotted quad, or RFC 5952 compressed IPv6. */
  readonly text: string;
  readonly bytes: Uint8Array;
}

export interface IpPrefix extends IpAddress {
  readonly prefixLen: number;
  /** Whether the text carried an explicit `/len`. */
  readonly explicitPrefix: boolean;
}

export function parseIp(text: string): IpAddress | undefined {
  if (isIPv4(text)) {
    const bytes = Uint8Array.from(text.split('.').map(Number));
    return { family: 4, text: bytes.join('.'), bytes };
  }
  if (isIPv6(text.split('%')[0])) {
    const bytes = ipv6Bytes(text.split('%')[0]);
    if (!bytes) return undefined;
    return { family: 6, text: formatIpv6(bytes), bytes };
  }
  return undefined;
}

/** `addr[/len]`; the default length is the full address (/32, /128). */
export function parsePrefix(text: string): IpPrefix | undefined {
  const slash = text.indexOf('/');
  const addr = parseIp(slash < 0 ? text : text.slice(0, slash));
  if (!addr) return undefined;
  const max = addr.family === 4 ? 32 : 128;
  if (slash < 0) return { ...addr, prefixLen: max, explicitPrefix: false };
  const lenText = text.slice(slash + 1);
  if (!/^\d{1,3}$/.test(lenText)) return undefined;
  const len = Number(lenText);
  if (len > max) return undefined;
  return { ...addr, prefixLen: len, explicitPrefix: true };
}

/** An IPv4 netmask in dotted form (255.255.255.0) → prefix length, or undefined if not contiguous. */
export function netmaskToPrefix(text: string): number | undefined {
  const a = parseIp(text);
  if (!a || a.family !== 4) return undefined;
  const n = ((a.bytes[0] << 24) | (a.bytes[1] << 16) | (a.bytes[2] << 8) | a.bytes[3]) >>> 0;
  const len = 32 - Math.log2(((~n) >>> 0) + 1);
  return Number.isInteger(len) ? len : undefined;
}

export function compareIp(a: IpAddress, b: IpAddress): number {
  if (a.family !== b.family) return a.family - b.family;
  for (let i = 0; i < a.bytes.length; i++) if (a.bytes[i] !== b.bytes[i]) return a.bytes[i] - b.bytes[i];
  return 0;
}

export function addToIp(a: IpAddress, delta: number): IpAddress {
  const bytes = Uint8Array.from(a.bytes);
  let carry = delta;
  for (let i = bytes.length - 1; i >= 0 && carry !== 0; i--) {
    const v = bytes[i] + carry;
    bytes[i] = ((v % 256) + 256) % 256;
    carry = Math.floor(v / 256);
  }
  return { family: a.family, bytes, text: a.family === 4 ? bytes.join('.') : formatIpv6(bytes) };
}

export function isLinkLocal6(a: IpAddress): boolean {
  return a.family === 6 && a.bytes[0] === 0xfe && (a.bytes[1] & 0xc0) === 0x80;
}

function ipv6Bytes(text: string): Uint8Array | undefined {
  let head = text;
  let v4tail: number[] = [];
  const lastColon = text.lastIndexOf(':');
  if (text.slice(lastColon + 1).includes('.')) {
    v4tail = text.slice(lastColon + 1).split('.').map(Number);
    head = text.slice(0, lastColon + 1) + '0:0';
  }
  const [l, r] = head.split('::');
  const left = l ? l.split(':') : [];
  const right = r !== undefined && r !== '' ? r.split(':') : [];
  const fill = head.includes('::') ? 8 - left.length - right.length : 0;
  const groups = [...left, ...new Array<string>(fill).fill('0'), ...right].map((g) => parseInt(g, 16));
  if (groups.length !== 8 || groups.some((g) => Number.isNaN(g))) return undefined;
  const bytes = new Uint8Array(16);
  groups.forEach((g, i) => { bytes[2 * i] = g >> 8; bytes[2 * i + 1] = g & 0xff; });
  if (v4tail.length === 4) bytes.set(v4tail, 12);
  return bytes;
}

export function formatIpv6(bytes: Uint8Array): string {
  const g: number[] = [];
  for (let i = 0; i < 16; i += 2) g.push((bytes[i] << 8) | bytes[i + 1]);
  let bestStart = -1, bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen && j - i > 1) { bestStart = i; bestLen = j - i; }
    i = j;
  }
  const hex = g.map((x) => x.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}
