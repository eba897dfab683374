// The Internet checksum helpers (src/lib/checksum.ts) and the IPv4 header decoder the VRRP receive path
// uses, checked against RFC 1071's worked example and a captured keepalived datagram.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { checksumOf, checksumValid, fold16, ipv4PseudoHeaderSum, ipv6PseudoHeaderSum, sum16 } from '../../../src/lib/checksum.js';
import { decodeIpv4Header } from '../../../src/vrrp/ipv4-header.js';
import { ip, loadGolden, unhex } from './golden.js';

describe('Internet checksum (RFC 1071)', () => {
  test('the worked example of RFC 1071 §3 sums to 0xddf2', () => {
    const b = Uint8Array.of(0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7);
    assert.equal(fold16(sum16(b)), 0xddf2);
    assert.equal(checksumOf(sum16(b)), 0x220d);
  });

  test('a message carrying its checksum verifies; an odd last byte is padded with zero', () => {
    const b = Uint8Array.of(0x12, 0x34, 0, 0, 0xab);
    const c = checksumOf(sum16(b));
    b[2] = c >> 8;
    b[3] = c & 0xff;
    assert.ok(checksumValid(sum16(b)));
    assert.equal(sum16(Uint8Array.of(0xab)), 0xab00);
  });

  test('pseudo-header sums add up their words (IPv4: src, dst, protocol, length; IPv6: 32-bit length)', () => {
    assert.equal(ipv4PseudoHeaderSum(ip('10.0.0.1').bytes, ip('10.0.0.2').bytes, 112, 12), 0x0a00 + 1 + 0x0a00 + 2 + 112 + 12);
    const s6 = ipv6PseudoHeaderSum(ip('::1').bytes, ip('::2').bytes, 112, 0x12345);
    assert.equal(s6, 1 + 2 + 0x1 + 0x2345 + 112);
  });

  test('an IPv4 header captured from keepalived verifies with its own checksum', () => {
    const g = loadGolden().find((x) => x.adverts[0].family === 4)!;
    assert.ok(checksumValid(sum16(unhex(g.adverts[0].ipHeader))));
  });
});

describe('IPv4 header of a received advert', () => {
  test('a captured keepalived datagram: TOS 0xc0, TTL 255, protocol 112, addresses and total length', () => {
    const g = loadGolden().find((x) => x.name === 'v2-multicast-pass')!;
    const a = g.adverts[0];
    const h = decodeIpv4Header(unhex(a.ipHeader));
    assert.ok(h.ok);
    assert.equal(h.value.headerLength, 20);
    assert.equal(h.value.tos, 0xc0);
    assert.equal(h.value.ttl, 255);
    assert.equal(h.value.protocol, 112);
    assert.equal(h.value.totalLength, 20 + a.vrrp.length / 2);
    assert.equal(h.value.src.text, a.src);
    assert.equal(h.value.dst.text, '224.0.0.18');
  });

  test('short, non-IPv4 and bad-IHL headers are errors, never throws', () => {
    const h = unhex(loadGolden()[0].adverts[0].ipHeader);
    const r1 = decodeIpv4Header(h.subarray(0, 19));
    assert.ok(!r1.ok && r1.error.code === 'too-short');
    const six = h.slice();
    six[0] = 0x65;
    const r2 = decodeIpv4Header(six);
    assert.ok(!r2.ok && r2.error.code === 'not-ipv4');
    const ihl = h.slice();
    ihl[0] = 0x4f;
    const r3 = decodeIpv4Header(ihl);
    assert.ok(!r3.ok && r3.error.code === 'header-length');
    const small = h.slice();
    small[0] = 0x44;
    const r4 = decodeIpv4Header(small);
    assert.ok(!r4.ok && r4.error.code === 'header-length');
  });
});
