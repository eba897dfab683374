// The IPv4 header in front of a received VRRP message (a raw IPv4 socket hands over the whole
// datagram; IPv6 sockets strip theirs). Pure; decoding never throws.
import type { IpAddress } from '../lib/ip.js';
import { addressFromBytes, copy, type Result } from './packet.js';

export const IPPROTO_AH = 51;
/** Fixed part of an IPsec AH header as keepalived lays it out for VRRP (RFC 2402, 96-bit ICV). */
export const AH_HEADER_LENGTH = 24;

export interface Ipv4Header {
  /** Header length in bytes (IHL × 4). */
  headerLength: number;
  tos: number;
  totalLength: number;
  id: number;
  /** Flags (3 bits) and fragment offset (13 bits) as on the wire. */
  fragment: number;
  ttl: number;
  protocol: number;
  checksum: number;
  src: IpAddress;
  dst: IpAddress;
}

export type Ipv4HeaderError = { code: 'too-short' | 'not-ipv4' | 'header-length'; message: string };

export function decodeIpv4Header(bytes: Uint8Array): Result<Ipv4Header, Ipv4HeaderError> {
  if (bytes.length < 20) return { ok: false, error: { code: 'too-short', message: `IPv4 header needs 20 bytes, got ${bytes.length}` } };
  if (bytes[0] >> 4 !== 4) return { ok: false, error: { code: 'not-ipv4', message: `IP version ${bytes[0] >> 4}` } };
  const headerLength = (bytes[0] & 0x0f) * 4;
  if (headerLength < 20 || headerLength > bytes.length) {
    return { ok: false, error: { code: 'header-length', message: `IHL of ${headerLength} bytes in a ${bytes.length}-byte packet` } };
  }
  return {
    ok: true,
    value: {
      headerLength,
      tos: bytes[1],
      totalLength: (bytes[2] << 8) | bytes[3],
      id: (bytes[4] << 8) | bytes[5],
      fragment: (bytes[6] << 8) | bytes[7],
      ttl: bytes[8],
      protocol: bytes[9],
      checksum: (bytes[10] << 8) | bytes[11],
      src: addressFromBytes(copy(bytes, 12, 16), 4),
      dst: addressFromBytes(copy(bytes, 16, 20), 4),
    },
  };
}
