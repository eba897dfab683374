// The Internet checksum (RFC 1071): ones'-complement sum of big-endian 16-bit words. Pure.
// Sums are kept unfolded (a plain number) so a pseudo-header and a message can be added up
// separately; 32-bit-safe for anything up to ~64 KiB.

/** Adds the 16-bit words of bytes[start, end) to acc; an odd last byte is padded with a zero. */
export function sum16(bytes: Uint8Array, start = 0, end = bytes.length, acc = 0): number {
  let i = start;
  for (; i + 1 < end; i += 2) acc += (bytes[i] << 8) | bytes[i + 1];
  if (i < end) acc += bytes[i] << 8;
  return acc;
}

/** Folds an unfolded sum to 16 bits (end-around carry). */
export function fold16(acc: number): number {
  while (acc > 0xffff) acc = (acc & 0xffff) + Math.floor(acc / 0x10000);
  return acc;
}

/** The checksum field value for a message whose words (checksum field zeroed) sum to acc. */
export function checksumOf(acc: number): number {
  return ~fold16(acc) & 0xffff;
}

/** True when a message summed with its checksum field in place (plus any pseudo-header) verifies. */
export function checksumValid(acc: number): boolean {
  return fold16(acc) === 0xffff;
}

/** Sum of an IPv4 pseudo-header (RFC 768 layout: src, dst, zero, protocol, length). */
export function ipv4PseudoHeaderSum(src: Uint8Array, dst: Uint8Array, protocol: number, length: number): number {
  return sum16(src, 0, 4, sum16(dst, 0, 4)) + protocol + length;
}

/** Sum of an IPv6 pseudo-header (RFC 8200 §8.1: src, dst, 32-bit length, zeros, next header). */
export function ipv6PseudoHeaderSum(src: Uint8Array, dst: Uint8Array, nextHeader: number, length: number): number {
  return sum16(src, 0, 16, sum16(dst, 0, 16)) + Math.floor(length / 0x10000) + (length & 0xffff) + nextHeader;
}
