// DNS_CHECK's codec: the query keepalived builds and how it judges a datagram.
import test from 'node:test';
import assert from 'node:assert/strict';
import { buildDnsQuery, DNS_TYPE_CODES, judgeDnsResponse } from '../../../src/check/checkers/dns-packet.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

test('query: id, RD, one question; QNAME labels; QTYPE; class IN', () => {
  assert.equal(hex(buildDnsQuery('example.com', 'A', 0x1234)),
    '1234' + '0100' + '0001' + '0000' + '0000' + '0000' + '076578616d706c6503636f6d00' + '0001' + '0001');
  // a trailing dot changes nothing
  assert.equal(hex(buildDnsQuery('example.com.', 'MX', 1)), hex(buildDnsQuery('example.com', 'MX', 1)));
  // the root, keepalived's default name with type SOA: a single zero byte
  assert.equal(hex(buildDnsQuery('.', 'SOA', 0xffff)), 'ffff0100000100000000000000' + '0006' + '0001');
  // only the low 16 bits of the id are used (keepalived assigns random() to a 16-bit field)
  assert.equal(hex(buildDnsQuery('.', 'SOA', 0x12345)).slice(0, 4), '2345');
});

test('query types are the RFC codes', () => {
  assert.deepEqual(DNS_TYPE_CODES, { A: 1, NS: 2, CNAME: 5, SOA: 6, MX: 15, TXT: 16, AAAA: 28, RRSIG: 46, DNSKEY: 48 });
  for (const [t, code] of Object.entries(DNS_TYPE_CODES)) {
    const q = buildDnsQuery('a', t as keyof typeof DNS_TYPE_CODES, 0);
    assert.equal((q[q.length - 4] << 8) | q[q.length - 3], code);
  }
});

/** A response header: id, flags, counts. */
function response(id: number, flags: number, ancount = 0, extra = 0): Uint8Array {
  const b = Buffer.alloc(12 + extra);
  b.writeUInt16BE(id, 0);
  b.writeUInt16BE(flags, 2);
  b.writeUInt16BE(1, 4);
  b.writeUInt16BE(ancount, 6);
  return b;
}

test('judging: id and QR select the answer, RCODE decides, ANCOUNT does not matter', () => {
  assert.deepEqual(judgeDnsResponse(7, response(7, 0x8180, 1)), { kind: 'ok', ancount: 1 });
  assert.deepEqual(judgeDnsResponse(7, response(7, 0x8180, 0)), { kind: 'ok', ancount: 0 });
  assert.deepEqual(judgeDnsResponse(7, response(7, 0x8183)), { kind: 'error', rcode: 3 });
  assert.deepEqual(judgeDnsResponse(7, response(7, 0x8182)), { kind: 'error', rcode: 2 });
  assert.deepEqual(judgeDnsResponse(7, response(8, 0x8180)), { kind: 'ignore', why: 'id' });
  assert.deepEqual(judgeDnsResponse(7, response(7, 0x0100)), { kind: 'ignore', why: 'query' });
  // keepalived compares against the size of a pointer: 8 bytes are judged, 7 are not
  assert.deepEqual(judgeDnsResponse(7, response(7, 0x8180).subarray(0, 8)), { kind: 'ok', ancount: 0 });
  assert.deepEqual(judgeDnsResponse(7, response(7, 0x8180).subarray(0, 7)), { kind: 'ignore', why: 'short' });
  // a reply inside a larger buffer (Node pools small Buffers)
  const pooled = Buffer.concat([Buffer.alloc(5), Buffer.from(response(0xbeef, 0x8185))]).subarray(5);
  assert.deepEqual(judgeDnsResponse(0xbeef, pooled), { kind: 'error', rcode: 5 });
});
