// DNS_CHECK's wire format (RFC 1035 §4.1), as keepalived 2.2.7's check_dns.c builds and judges it:
// one question with RD set and a random id; a response counts when its id matches and QR is set,
// and it passes when RCODE is 0. ANCOUNT is parsed but keepalived does not look at it (an empty
// NOERROR answer passes). Pure: bytes in, values out.
import type { DnsType } from '../../config/model/lvs.js';

/** QTYPE values (RFC 1035 §3.2.2, RFC 3596, RFC 4034). */
export const DNS_TYPE_CODES: Readonly<Record<DnsType, number>> = {
  A: 1, NS: 2, CNAME: 5, SOA: 6, MX: 15, TXT: 16, AAAA: 28, RRSIG: 46, DNSKEY: 48,
};

const HEADER_LENGTH = 12;
const FLAG_QR = 0x8000;
const FLAG_RD = 0x0100;
const CLASS_IN = 1;

/**
 * keepalived skips datagrams shorter than `sizeof (r_header)`, which is the size of a pointer (8 bytes on
 * 64-bit), not of the 12-byte header; only the id and flags (4 bytes) are read, so 8..11-byte replies are judged.
 */
export const DNS_MIN_JUDGED_LENGTH = 8;

/**
 * The query keepalived sends: header (id, RD, QDCOUNT 1), QNAME split at dots (`.` alone is the root),
 * QTYPE, QCLASS IN. A label's length byte is taken modulo 256 as keepalived's cast does (the config
 * layer has already refused empty labels).
 */
export function buildDnsQuery(name: string, type: DnsType, id: number): Uint8Array {
  const labels = name === '.' ? [''] : name.replace(/\.$/, '').split('.');
  const enc = new TextEncoder();
  const parts = labels.map((l) => enc.encode(l));
  const qnameLength = parts.reduce((n, p) => n + 1 + p.length, 0) + (name === '.' ? 0 : 1);
  const out = new Uint8Array(HEADER_LENGTH + qnameLength + 4);
  const view = new DataView(out.buffer);
  view.setUint16(0, id & 0xffff);
  view.setUint16(2, FLAG_RD);
  view.setUint16(4, 1);
  let p = HEADER_LENGTH;
  for (const label of parts) {
    out[p++] = label.length & 0xff;
    out.set(label, p);
    p += label.length;
  }
  // the root's single empty label already is the terminating zero
  if (name !== '.') out[p++] = 0;
  view.setUint16(p, DNS_TYPE_CODES[type]);
  view.setUint16(p + 2, CLASS_IN);
  return out;
}

export type DnsVerdict =
  /** Not the answer to our query: keepalived keeps waiting (until the deadline). */
  | { kind: 'ignore'; why: 'short' | 'id' | 'query' }
  /** An answer with a non-zero RCODE: failure. */
  | { kind: 'error'; rcode: number }
  /** NOERROR: success, whatever ANCOUNT says (reported for the logs only). */
  | { kind: 'ok'; ancount: number };

/** How keepalived judges one datagram received on the query's socket. */
export function judgeDnsResponse(queryId: number, response: Uint8Array): DnsVerdict {
  if (response.length < DNS_MIN_JUDGED_LENGTH) return { kind: 'ignore', why: 'short' };
  const view = new DataView(response.buffer, response.byteOffset, response.byteLength);
  if (view.getUint16(0) !== (queryId & 0xffff)) return { kind: 'ignore', why: 'id' };
  const flags = view.getUint16(2);
  if (!(flags & FLAG_QR)) return { kind: 'ignore', why: 'query' };
  const rcode = flags & 0x000f;
  if (rcode !== 0) return { kind: 'error', rcode };
  return { kind: 'ok', ancount: view.getUint16(6) };
}
