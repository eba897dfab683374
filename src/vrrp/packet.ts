// The VRRP advertisement codec: VRRPv2 (RFC 3768) and VRRPv3 (RFC 5798), bytes in, values out,
// checksums computed the way keepalived 2.2.7 computes them. Pure: no I/O, decoding never throws.
//
//   0      version<<4 | type          4  v2: auth type, advert int (s)   8  addresses (4 or 16 bytes each)
//   1      VRID                          v3: rsvd<<12 | max advert int   .. v2 only: 8 bytes of auth data
//   2      priority                   6  checksum
//   3      count of addresses
//
// Only the VRRP message is handled here; the IPv4 header in front of it is ipv4-header.ts's job.
import type { Family, IpAddress } from '../lib/ip.js';
import { formatIpv6 } from '../lib/ip.js';
import { checksumOf, checksumValid, ipv4PseudoHeaderSum, ipv6PseudoHeaderSum, sum16 } from '../lib/checksum.js';

export const VRRP_PROTOCOL = 112;
export const VRRP_TTL = 255;
export const VRRP_TYPE_ADVERTISEMENT = 1;
export const VRRP_HEADER_LENGTH = 8;
export const VRRP_AUTH_DATA_LENGTH = 8;
export const VRRP_AUTH_NONE = 0;
export const VRRP_AUTH_PASS = 1;
export const VRRP_AUTH_AH = 2;
/** v3's advert interval field is 12 bits of centiseconds (40.95 s). */
export const VRRP_V3_MAX_ADVER_INT = 0x0fff;
/** The IPv4 multicast group, also keepalived's pseudo-header destination in its old unicast checksum. */
export const VRRP_GROUP4 = Uint8Array.of(224, 0, 0, 18);

interface AdvertCommon {
  /** 1 = advertisement (the only type defined); kept as received so odd packets re-encode exactly. */
  type: number;
  vrid: number;
  priority: number;
  /** Address family of the IP packet carrying the advert (the message itself does not say). */
  family: Family;
  addresses: IpAddress[];
  /** As received; ignored (recomputed) on encoding. */
  checksum?: number;
}

export interface VrrpV2Advert extends AdvertCommon {
  version: 2;
  /** 0 none, 1 simple password, 2 IPsec AH. */
  authType: number;
  /** Advertisement interval in whole seconds. */
  adverInt: number;
  /** The 8 authentication bytes after the addresses (the password for PASS; zeros otherwise). */
  authData: Uint8Array;
}

export interface VrrpV3Advert extends AdvertCommon {
  version: 3;
  /** Max advertisement interval in centiseconds (12 bits). */
  maxAdverInt: number;
  /** The 4 reserved bits in front of the interval (zero when sent; kept as received). */
  reserved: number;
}

export type VrrpAdvert = VrrpV2Advert | VrrpV3Advert;

export type Result<T, E> = { ok: true; value: T } | { ok: false; error: E };

export type VrrpDecodeErrorCode =
  /** fewer than the 8 bytes of the fixed header */
  | 'too-short'
  /** version nibble is neither 2 nor 3 */
  | 'version'
  /** v2 carried over IPv6 (RFC 3768 is IPv4 only) */
  | 'family'
  /** length differs from what the address count implies */
  | 'length';

export interface VrrpDecodeError {
  code: VrrpDecodeErrorCode;
  message: string;
  /** For 'length' and 'too-short': bytes expected and received. */
  expected?: number;
  actual?: number;
}

/**
 * How the checksum was (or is to be) computed.
 * - 'v2': over the VRRP message alone (RFC 3768).
 * - 'v3-ipv6': with the IPv6 pseudo-header (RFC 5798; the kernel computes it for keepalived).
 * - 'v3-pseudo-header': v3 over IPv4 with an IPv4 pseudo-header naming the packet's own destination —
 *   keepalived's default (its reading of RFC 5798).
 * - 'v3-pseudo-header-group': the same, but the pseudo-header names the multicast group even for
 *   unicast packets — keepalived ≤ 1.3.6, and 2.2.7's `old_unicast_checksum`.
 * - 'v3-no-pseudo-header': v3 over IPv4 summed like v2 — RFC 9568, keepalived ≥ 2.3's
 *   `v3_checksum_as_v2`, and other implementations (FRR's knob).
 */
export type ChecksumForm = 'v2' | 'v3-ipv6' | 'v3-pseudo-header' | 'v3-pseudo-header-group' | 'v3-no-pseudo-header';

export type V3Ipv4ChecksumForm = 'v3-pseudo-header' | 'v3-pseudo-header-group' | 'v3-no-pseudo-header';

/** The IP addresses around a message: what v3 pseudo-headers are made of. */
export interface ChecksumContext {
  /** IP source and destination of the packet. */
  src?: { bytes: Uint8Array };
  dst?: { bytes: Uint8Array };
  /** The IPv4 multicast group for 'v3-pseudo-header-group' (global `vrrp_mcast_group4`); default 224.0.0.18. */
  group4?: { bytes: Uint8Array };
}

export interface EncodeOptions extends ChecksumContext {
  /** v3 over IPv4 only; default 'v3-pseudo-header' (keepalived's default). */
  v3Ipv4Checksum?: V3Ipv4ChecksumForm;
}

export interface VrrpHeaderPeek {
  version: number;
  type: number;
  vrid: number;
  priority: number;
  count: number;
}

/** The fixed fields every version shares, or undefined below 8 bytes (for the VRID lookup). */
export function peekHeader(bytes: Uint8Array): VrrpHeaderPeek | undefined {
  if (bytes.length < VRRP_HEADER_LENGTH) return undefined;
  return { version: bytes[0] >> 4, type: bytes[0] & 0x0f, vrid: bytes[1], priority: bytes[2], count: bytes[3] };
}

/**
 * Message length implied by version and address count, as keepalived computes it: the 8-byte header,
 * the addresses, and for v2 over IPv4 the 8 bytes of authentication data (any version other than 2
 * is laid out like v3).
 */
export function expectedLength(version: number, count: number, family: Family): number {
  if (family === 6) return VRRP_HEADER_LENGTH + 16 * count;
  return VRRP_HEADER_LENGTH + 4 * count + (version === 2 ? VRRP_AUTH_DATA_LENGTH : 0);
}

/** The advert's interval in centiseconds, whichever version carried it (v2: seconds × 100). */
export function advertIntervalCs(advert: VrrpAdvert): number {
  return advert.version === 2 ? advert.adverInt * 100 : advert.maxAdverInt;
}

export function encodingLength(advert: VrrpAdvert): number {
  return expectedLength(advert.version, advert.addresses.length, advert.family);
}

const UTF8 = new TextEncoder();

/** The 8 authentication bytes for a PASS password: its first 8 bytes, zero-padded. */
export function authDataFromPassword(password: string): Uint8Array {
  const data = new Uint8Array(VRRP_AUTH_DATA_LENGTH);
  data.set(UTF8.encode(password).subarray(0, VRRP_AUTH_DATA_LENGTH));
  return data;
}

export function decode(bytes: Uint8Array, family: Family): Result<VrrpAdvert, VrrpDecodeError> {
  if (bytes.length < VRRP_HEADER_LENGTH) {
    return fail('too-short', `VRRP message too short: ${bytes.length} bytes, header is ${VRRP_HEADER_LENGTH}`, VRRP_HEADER_LENGTH, bytes.length);
  }
  const version = bytes[0] >> 4;
  if (version !== 2 && version !== 3) return fail('version', `unsupported VRRP version ${version}`);
  if (version === 2 && family === 6) return fail('family', 'VRRPv2 over IPv6 is not defined (RFC 3768 is IPv4 only)');
  const count = bytes[3];
  const expected = expectedLength(version, count, family);
  if (bytes.length !== expected) {
    return fail('length', `VRRP message of ${bytes.length} bytes, ${count} address(es) need ${expected}`, expected, bytes.length);
  }
  const addresses = readAddresses(bytes, count, family);
  const common = { type: bytes[0] & 0x0f, vrid: bytes[1], priority: bytes[2], family, addresses, checksum: (bytes[6] << 8) | bytes[7] };
  if (version === 2) {
    const authAt = VRRP_HEADER_LENGTH + 4 * count;
    return {
      ok: true,
      value: { version: 2, ...common, authType: bytes[4], adverInt: bytes[5], authData: copy(bytes, authAt, authAt + VRRP_AUTH_DATA_LENGTH) },
    };
  }
  return { ok: true, value: { version: 3, ...common, reserved: bytes[4] >> 4, maxAdverInt: ((bytes[4] & 0x0f) << 8) | bytes[5] } };
}

/**
 * Encodes an advert with its checksum. v3 over IPv4 needs `src` and `dst` unless summed without a
 * pseudo-header; v3 over IPv6 without `src`/`dst` leaves the checksum 0 for the kernel to fill in
 * (IPV6_CHECKSUM), as keepalived does. Throws RangeError on values that do not fit the wire.
 */
export function encode(advert: VrrpAdvert, opts: EncodeOptions = {}, buf?: Uint8Array, offset = 0): Uint8Array {
  const len = encodingLength(advert);
  const out = buf ? buf.subarray(offset, offset + len) : new Uint8Array(len);
  if (out.length < len) throw new RangeError(`buffer too small: ${len} bytes needed`);
  checkRange('type', advert.type, 15);
  checkRange('vrid', advert.vrid, 255);
  checkRange('priority', advert.priority, 255);
  checkRange('address count', advert.addresses.length, 255);
  out[0] = (advert.version << 4) | advert.type;
  out[1] = advert.vrid;
  out[2] = advert.priority;
  out[3] = advert.addresses.length;
  if (advert.version === 2) {
    if (advert.family !== 4) throw new RangeError('VRRPv2 is IPv4 only');
    checkRange('auth type', advert.authType, 255);
    checkRange('advert interval (s)', advert.adverInt, 255);
    out[4] = advert.authType;
    out[5] = advert.adverInt;
  } else {
    checkRange('max advert interval (cs)', advert.maxAdverInt, VRRP_V3_MAX_ADVER_INT);
    checkRange('reserved bits', advert.reserved, 15);
    out[4] = (advert.reserved << 4) | (advert.maxAdverInt >> 8);
    out[5] = advert.maxAdverInt & 0xff;
  }
  out[6] = 0;
  out[7] = 0;
  const size = advert.family === 4 ? 4 : 16;
  advert.addresses.forEach((a, i) => {
    if (a.bytes.length !== size) throw new RangeError(`address ${a.text} is not IPv${advert.family}`);
    out.set(a.bytes, VRRP_HEADER_LENGTH + i * size);
  });
  if (advert.version === 2) {
    const authAt = VRRP_HEADER_LENGTH + 4 * advert.addresses.length;
    out.fill(0, authAt, authAt + VRRP_AUTH_DATA_LENGTH);
    if (advert.authData.length > VRRP_AUTH_DATA_LENGTH) throw new RangeError('auth data is 8 bytes');
    out.set(advert.authData, authAt);
  }
  const form: ChecksumForm | undefined =
    advert.version === 2 ? 'v2' : advert.family === 4 ? (opts.v3Ipv4Checksum ?? 'v3-pseudo-header') : opts.src && opts.dst ? 'v3-ipv6' : undefined;
  if (form) {
    const acc = messageSum(out, form, opts);
    if (acc === undefined) throw new RangeError(`checksum form ${form} needs the packet's src and dst addresses`);
    const sum = checksumOf(acc);
    out[6] = sum >> 8;
    out[7] = sum & 0xff;
  }
  return out;
}

/**
 * Which form the message's checksum verifies under, or undefined if none of those tried does.
 * v3 over IPv4 tries, in order, keepalived's pseudo-header, the group-destination pseudo-header
 * (only when the destination is not the group), and no pseudo-header; `forms` narrows that list.
 */
export function verifyChecksum(
  bytes: Uint8Array,
  family: Family,
  ctx: ChecksumContext,
  forms: readonly V3Ipv4ChecksumForm[] = V3_IPV4_FORMS,
): ChecksumForm | undefined {
  if (bytes.length < VRRP_HEADER_LENGTH) return undefined;
  const version = bytes[0] >> 4;
  if (family === 6) {
    const acc = messageSum(bytes, 'v3-ipv6', ctx);
    return acc !== undefined && checksumValid(acc) ? 'v3-ipv6' : undefined;
  }
  if (version === 2) return checksumValid(sum16(bytes)) ? 'v2' : undefined;
  for (const form of forms) {
    if (form === 'v3-pseudo-header-group' && ctx.dst && sameBytes(ctx.dst.bytes, groupOf(ctx))) continue;
    const acc = messageSum(bytes, form, ctx);
    if (acc !== undefined && checksumValid(acc)) return form;
  }
  return undefined;
}

export const V3_IPV4_FORMS: readonly V3Ipv4ChecksumForm[] = ['v3-pseudo-header', 'v3-pseudo-header-group', 'v3-no-pseudo-header'];

/** Unfolded sum of the message plus the pseudo-header its form needs; undefined if addresses are missing. */
function messageSum(bytes: Uint8Array, form: ChecksumForm, ctx: ChecksumContext): number | undefined {
  const body = sum16(bytes);
  switch (form) {
    case 'v2':
    case 'v3-no-pseudo-header':
      return body;
    case 'v3-pseudo-header':
    case 'v3-pseudo-header-group': {
      const dst = form === 'v3-pseudo-header' ? ctx.dst?.bytes : groupOf(ctx);
      if (!ctx.src || ctx.src.bytes.length !== 4 || !dst || dst.length !== 4) return undefined;
      return body + ipv4PseudoHeaderSum(ctx.src.bytes, dst, VRRP_PROTOCOL, bytes.length);
    }
    case 'v3-ipv6':
      if (!ctx.src || ctx.src.bytes.length !== 16 || !ctx.dst || ctx.dst.bytes.length !== 16) return undefined;
      return body + ipv6PseudoHeaderSum(ctx.src.bytes, ctx.dst.bytes, VRRP_PROTOCOL, bytes.length);
  }
}

function groupOf(ctx: ChecksumContext): Uint8Array {
  return ctx.group4?.bytes ?? VRRP_GROUP4;
}

function readAddresses(bytes: Uint8Array, count: number, family: Family): IpAddress[] {
  const size = family === 4 ? 4 : 16;
  const out: IpAddress[] = new Array(count);
  for (let i = 0; i < count; i++) {
    const at = VRRP_HEADER_LENGTH + i * size;
    out[i] = addressFromBytes(copy(bytes, at, at + size), family);
  }
  return out;
}

/** An IpAddress over 4 or 16 bytes (owned by the caller). */
export function addressFromBytes(bytes: Uint8Array, family: Family): IpAddress {
  const text = family === 4 ? `${bytes[0]}.${bytes[1]}.${bytes[2]}.${bytes[3]}` : formatIpv6(bytes);
  return { family, text, bytes };
}

/** A plain Uint8Array copy of bytes[start, end) (never a Buffer, whatever came in). */
export function copy(bytes: Uint8Array, start: number, end: number): Uint8Array {
  return new Uint8Array(bytes.subarray(start, end));
}

export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function checkRange(what: string, v: number, max: number): void {
  if (!Number.isInteger(v) || v < 0 || v > max) throw new RangeError(`${what} ${v} outside 0..${max}`);
}

function fail(code: VrrpDecodeErrorCode, message: string, expected?: number, actual?: number): { ok: false; error: VrrpDecodeError } {
  return { ok: false, error: { code, message, ...(expected !== undefined ? { expected, actual } : {}) } };
}
