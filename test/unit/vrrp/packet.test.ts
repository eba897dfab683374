// The VRRP codec: keepalived 2.2.7's own adverts (stored golden bytes) decode, verify and re-encode
// exactly; the RFC 3768 / RFC 5798 layouts and every decode error, without a network.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  advertIntervalCs,
  authDataFromPassword,
  decode,
  encode,
  encodingLength,
  expectedLength,
  peekHeader,
  verifyChecksum,
  type VrrpAdvert,
  type VrrpV2Advert,
  type VrrpV3Advert,
} from '../../../src/vrrp/packet.js';
import { hex, ip, jsonAdvert, loadGolden, unhex } from './golden.js';

const golden = loadGolden();

describe('golden adverts captured from keepalived 2.2.7', () => {
  for (const g of golden) {
    test(`${g.name}: each advert decodes to the stored values, verifies as ${g.checksumForm} and re-encodes byte for byte`, () => {
      for (const a of g.adverts) {
        const bytes = unhex(a.vrrp);
        const d = decode(bytes, a.family);
        assert.ok(d.ok, !d.ok ? d.error.message : '');
        assert.deepEqual(jsonAdvert(d.value), a.decoded, a.note);
        assert.equal(encodingLength(d.value), bytes.length);
        const ctx = { src: ip(a.src), dst: ip(a.dst) };
        const form = verifyChecksum(bytes, a.family, ctx);
        assert.equal(form, g.checksumForm, a.note);
        const v3Ipv4Checksum = form === 'v2' || form === 'v3-ipv6' ? undefined : form;
        assert.equal(hex(encode(d.value, { ...ctx, v3Ipv4Checksum })), a.vrrp, a.note);
      }
    });
  }

  test('the golden set covers v2 and v3, IPv4 and IPv6, PASS, unicast, priority 0 and 255, and every checksum form keepalived sends', () => {
    const decoded = golden.flatMap((g) => g.adverts.map((a) => a.decoded));
    assert.ok(decoded.some((d) => d.version === 2 && d.authType === 1));
    assert.ok(decoded.some((d) => d.version === 3 && d.family === 6));
    assert.ok(decoded.some((d) => d.priority === 0));
    assert.ok(decoded.some((d) => d.priority === 255));
    assert.ok(decoded.some((d) => (d.addresses as string[]).length >= 6));
    assert.ok(decoded.some((d) => d.maxAdverInt === 50));
    assert.deepEqual([...new Set(golden.map((g) => g.checksumForm))].sort(), ['v2', 'v3-ipv6', 'v3-pseudo-header', 'v3-pseudo-header-group']);
  });
});

const v2: VrrpV2Advert = {
  version: 2, type: 1, vrid: 51, priority: 100, family: 4, authType: 1, adverInt: 1,
  authData: authDataFromPassword('1111'), addresses: [ip('192.168.200.16'), ip('192.168.200.17')],
};
const v3: VrrpV3Advert = { version: 3, type: 1, vrid: 7, priority: 150, family: 4, maxAdverInt: 50, reserved: 0, addresses: [ip('10.0.0.1')] };
const v3six: VrrpV3Advert = { ...v3, family: 6, addresses: [ip('fe80::1'), ip('2001:db8::1')] };
const SRC4 = ip('10.0.0.2');
const GROUP4 = ip('224.0.0.18');
const PEER4 = ip('10.0.0.3');

describe('layout (RFC 3768 §5.1, RFC 5798 §5.1)', () => {
  test('v2: version/type, VRID, priority, count, auth type, interval in seconds, checksum, addresses, 8 bytes of password', () => {
    const b = encode(v2);
    assert.equal(b.length, 8 + 2 * 4 + 8);
    assert.equal(hex(b.subarray(0, 6)), '213364020101');
    assert.equal(hex(b.subarray(8, 16)), 'c0a8c810c0a8c811');
    assert.equal(Buffer.from(b.subarray(16)).toString('latin1'), '1111\0\0\0\0');
  });

  test('v3: 4 reserved bits and a 12-bit interval in centiseconds, no authentication data', () => {
    const b = encode({ ...v3, maxAdverInt: 4095 }, { src: SRC4, dst: GROUP4 });
    assert.equal(b.length, 12);
    assert.equal(hex(b.subarray(0, 6)), '310796010fff');
    assert.throws(() => encode({ ...v3, maxAdverInt: 4096 }, { src: SRC4, dst: GROUP4 }), RangeError);
    const odd = encode({ ...v3, reserved: 0xa }, { src: SRC4, dst: GROUP4 });
    const d = decode(odd, 4);
    assert.ok(d.ok && d.value.version === 3);
    assert.equal(d.value.reserved, 0xa);
    assert.equal(d.value.maxAdverInt, 50);
  });

  test('advertIntervalCs gives centiseconds for both versions', () => {
    assert.equal(advertIntervalCs(v2), 100);
    assert.equal(advertIntervalCs(v3), 50);
  });

  test('IPv6 addresses take 16 bytes each', () => {
    assert.equal(encodingLength(v3six), 8 + 32);
    assert.equal(expectedLength(3, 2, 6), 40);
    assert.equal(expectedLength(2, 2, 4), 24);
    assert.equal(expectedLength(3, 2, 4), 16);
  });

  test('the password is its first 8 bytes, zero-padded', () => {
    assert.equal(hex(authDataFromPassword('longpassword')), hex(Buffer.from('longpass')));
    assert.equal(hex(authDataFromPassword('ab')), '6162000000000000');
    assert.equal(hex(authDataFromPassword('')), '0000000000000000');
  });

  test('peekHeader reads the fixed fields for the VRID lookup, and nothing below 8 bytes', () => {
    assert.deepEqual(peekHeader(encode(v2)), { version: 2, type: 1, vrid: 51, priority: 100, count: 2 });
    assert.equal(peekHeader(new Uint8Array(7)), undefined);
  });

  test('encode writes into a given buffer at an offset', () => {
    const buf = new Uint8Array(40).fill(0xee);
    encode(v2, {}, buf, 4);
    assert.equal(hex(buf.subarray(4, 4 + 24)), hex(encode(v2)));
    assert.equal(buf[3], 0xee);
    assert.equal(buf[28], 0xee);
    assert.throws(() => encode(v2, {}, new Uint8Array(10)), RangeError);
  });

  test('encode refuses values that do not fit the wire', () => {
    assert.throws(() => encode({ ...v2, vrid: 256 }), RangeError);
    assert.throws(() => encode({ ...v2, priority: -1 }), RangeError);
    assert.throws(() => encode({ ...v2, adverInt: 256 }), RangeError);
    assert.throws(() => encode({ ...v2, family: 6 } as VrrpAdvert), RangeError);
    assert.throws(() => encode({ ...v2, addresses: [ip('::1')] }), RangeError);
    assert.throws(() => encode({ ...v2, addresses: new Array(256).fill(ip('10.0.0.1')) }), RangeError);
    assert.throws(() => encode(v3), /needs the packet's src and dst/);
  });
});

describe('decode errors are values with a reason code', () => {
  test('fewer than 8 bytes: too-short', () => {
    const d = decode(new Uint8Array(7), 4);
    assert.ok(!d.ok);
    assert.equal(d.error.code, 'too-short');
  });

  test('a version other than 2 or 3: version', () => {
    const b = encode(v2);
    b[0] = 0x41;
    const d = decode(b, 4);
    assert.ok(!d.ok);
    assert.equal(d.error.code, 'version');
  });

  test('v2 over IPv6: family', () => {
    const d = decode(encode(v2), 6);
    assert.ok(!d.ok);
    assert.equal(d.error.code, 'family');
  });

  test('a length the address count does not explain: length, with expected and actual', () => {
    const b = encode(v2);
    for (const bad of [b.subarray(0, b.length - 1), new Uint8Array([...b, 0])]) {
      const d = decode(bad, 4);
      assert.ok(!d.ok);
      assert.equal(d.error.code, 'length');
      assert.equal(d.error.expected, 24);
      assert.equal(d.error.actual, bad.length);
    }
  });

  test('decoded values never share memory with the input', () => {
    const b = encode(v2);
    const d = decode(b, 4);
    b.fill(0);
    assert.ok(d.ok && d.value.version === 2);
    assert.equal(d.value.addresses[0].text, '192.168.200.16');
    assert.equal(d.value.addresses[0].bytes[0], 192);
    assert.equal(d.value.authData[0], 0x31);
  });
});

describe('checksums as keepalived computes them', () => {
  test('v2 sums the message alone, and any flipped bit breaks it', () => {
    const b = encode(v2);
    assert.equal(verifyChecksum(b, 4, {}), 'v2');
    for (let i = 0; i < b.length * 8; i++) {
      const c = b.slice();
      c[i >> 3] ^= 1 << (i & 7);
      assert.equal(verifyChecksum(c, 4, {}), undefined, `bit ${i}`);
    }
  });

  test('v3 over IPv4 includes the pseudo-header by default, naming the destination', () => {
    const b = encode(v3, { src: SRC4, dst: PEER4 });
    assert.equal(verifyChecksum(b, 4, { src: SRC4, dst: PEER4 }), 'v3-pseudo-header');
    assert.equal(verifyChecksum(b, 4, { src: SRC4, dst: PEER4 }, ['v3-no-pseudo-header']), undefined);
    assert.equal(verifyChecksum(b, 4, { src: ip('10.0.0.9'), dst: PEER4 }), undefined, 'the source is covered');
  });

  test('the old unicast form names the multicast group (or the configured vrrp_mcast_group4) instead of the peer', () => {
    const b = encode(v3, { src: SRC4, dst: PEER4, v3Ipv4Checksum: 'v3-pseudo-header-group' });
    assert.equal(verifyChecksum(b, 4, { src: SRC4, dst: PEER4 }), 'v3-pseudo-header-group');
    const other = ip('224.0.0.99');
    const c = encode(v3, { src: SRC4, dst: PEER4, group4: other, v3Ipv4Checksum: 'v3-pseudo-header-group' });
    assert.equal(verifyChecksum(c, 4, { src: SRC4, dst: PEER4 }), undefined);
    assert.equal(verifyChecksum(c, 4, { src: SRC4, dst: PEER4, group4: other }), 'v3-pseudo-header-group');
  });

  test('for multicast the group form is the default form, and is reported as such', () => {
    const b = encode(v3, { src: SRC4, dst: GROUP4, v3Ipv4Checksum: 'v3-pseudo-header-group' });
    assert.equal(verifyChecksum(b, 4, { src: SRC4, dst: GROUP4 }), 'v3-pseudo-header');
  });

  test('RFC 9568 / v3_checksum_as_v2: v3 over IPv4 without a pseudo-header verifies and is reported', () => {
    const b = encode(v3, { v3Ipv4Checksum: 'v3-no-pseudo-header' });
    assert.equal(verifyChecksum(b, 4, { src: SRC4, dst: GROUP4 }), 'v3-no-pseudo-header');
    assert.equal(verifyChecksum(b, 4, {}), 'v3-no-pseudo-header');
  });

  test('v3 over IPv6 uses the IPv6 pseudo-header; without addresses the field is left 0 for the kernel', () => {
    const src = ip('fe80::a'), dst = ip('ff02::12');
    const b = encode(v3six, { src, dst });
    assert.equal(verifyChecksum(b, 6, { src, dst }), 'v3-ipv6');
    assert.equal(verifyChecksum(b, 6, { src: ip('fe80::b'), dst }), undefined);
    assert.equal(verifyChecksum(b, 6, {}), undefined);
    const bare = encode(v3six);
    assert.equal(hex(bare.subarray(6, 8)), '0000');
  });
});
