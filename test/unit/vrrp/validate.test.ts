// Receive checks: keepalived 2.2.7's own adverts pass with the peer's configuration, and each way an
// advert can fail is dropped with a stable reason and keepalived's log line (KEEPALIVED.md §3.9), in
// keepalived's order.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { decode, encode, verifyChecksum, type VrrpAdvert } from '../../../src/vrrp/packet.js';
import {
  ADVERT_DROP_REASONS,
  checkAdvert,
  type AdvertCheckConfig,
  type AdvertCheckContext,
  type AdvertDropReason,
  type AdvertReceipt,
} from '../../../src/vrrp/validate.js';
import { instanceFromText, ip, loadGolden, receiptOf, unhex, type GoldenCase } from './golden.js';

const golden = new Map(loadGolden().map((g) => [g.name, g]));
const G = (name: string): GoldenCase => golden.get(name)!;
const bytesOf = (g: GoldenCase, i = 0): Uint8Array => unhex(g.adverts[i].vrrp);
const rxOf = (g: GoldenCase, i = 0): AdvertReceipt => receiptOf(g.adverts[i]);
const cfgOf = (g: GoldenCase, edit: (text: string) => string = (t) => t): AdvertCheckConfig => instanceFromText(edit(g.receiver));

/** The golden advert changed by `change`, re-encoded with a valid checksum in the same form. */
function changed(g: GoldenCase, change: (a: VrrpAdvert) => VrrpAdvert, i = 0): Uint8Array {
  const a = g.adverts[i];
  const d = decode(unhex(a.vrrp), a.family);
  assert.ok(d.ok);
  const form = g.checksumForm;
  return encode(change(d.value), { src: ip(a.src), dst: ip(a.dst), v3Ipv4Checksum: form === 'v2' || form === 'v3-ipv6' ? undefined : form });
}

function decoded(bytes: Uint8Array, family: 4 | 6): VrrpAdvert {
  const d = decode(bytes, family);
  assert.ok(d.ok);
  return d.value;
}

const seen = new Set<AdvertDropReason>();

function expectDrop(
  bytes: Uint8Array,
  rx: AdvertReceipt,
  cfg: AdvertCheckConfig,
  reason: AdvertDropReason,
  log: string,
  ctx: AdvertCheckContext = {},
): void {
  const v = checkAdvert(bytes, rx, cfg, ctx);
  assert.ok(!v.ok, `expected a ${reason} drop, was accepted`);
  assert.equal(v.drop.reason, reason, v.drop.log);
  assert.equal(v.drop.log, log);
  seen.add(reason);
}

describe('adverts keepalived 2.2.7 sent', () => {
  for (const g of golden.values()) {
    test(`${g.name}: accepted by the peer's configuration, checksum reported as ${g.checksumForm}`, () => {
      const cfg = cfgOf(g);
      for (let i = 0; i < g.adverts.length; i++) {
        const v = checkAdvert(bytesOf(g, i), rxOf(g, i), cfg);
        assert.ok(v.ok, !v.ok ? v.drop.log : '');
        assert.equal(v.checksumForm, g.checksumForm);
        assert.equal(v.advert.priority, g.adverts[i].decoded.priority, 'priority 0 is for the state machine to judge');
      }
    });
  }
});

describe('drops, each with keepalived\'s log line', () => {
  const v2 = G('v2-multicast');
  const v2pass = G('v2-multicast-pass');
  const v2two = G('v2-multicast-pass-long');
  const v2uni = G('v2-unicast');
  const v3 = G('v3-multicast');
  const v3uni = G('v3-unicast');
  const v6 = G('v3-ipv6-multicast');
  const v6uni = G('v3-ipv6-unicast');

  test('fewer than 8 bytes: too-short, counted with the IP header as keepalived does', () => {
    expectDrop(bytesOf(v2).subarray(0, 7), rxOf(v2), cfgOf(v2), 'too-short', 'IPv4 VRRP packet too short - 27 bytes');
    expectDrop(bytesOf(v6).subarray(0, 3), rxOf(v6), cfgOf(v6), 'too-short', 'IPv6 VRRP packet too short - 3 bytes');
  });

  test('a length that does not match the address count: too short / too long, IP header included', () => {
    const b = bytesOf(v2);
    expectDrop(b.subarray(0, b.length - 1), rxOf(v2), cfgOf(v2), 'length', '(V2_MULTICAST) vrrp packet too short, length 39 and expect 40');
    expectDrop(new Uint8Array([...b, 0, 0]), rxOf(v2), cfgOf(v2), 'length', '(V2_MULTICAST) vrrp packet too long, length 42 and expect 40');
    const six = bytesOf(v6);
    expectDrop(six.subarray(0, six.length - 16), rxOf(v6), cfgOf(v6), 'length', '(V3_IPV6_MULTICAST) vrrp packet too short, length 40 and expect 56');
  });

  test('multicast TTL or hop limit other than 255: ttl (as observed with TTL 64)', () => {
    expectDrop(bytesOf(v2), { ...rxOf(v2), ttl: 64 }, cfgOf(v2), 'ttl', '(V2_MULTICAST) invalid TTL/HL. Received 64 and expect 255');
    expectDrop(bytesOf(v6), { ...rxOf(v6), ttl: 1 }, cfgOf(v6), 'ttl', '(V3_IPV6_MULTICAST) invalid TTL/HL. Received 1 and expect 255');
  });

  test('unicast adverts skip the 255 rule; an unreported TTL skips it too', () => {
    assert.ok(checkAdvert(bytesOf(v2uni), { ...rxOf(v2uni), ttl: 3 }, cfgOf(v2uni)).ok);
    assert.ok(checkAdvert(bytesOf(v2), { ...rxOf(v2), ttl: undefined }, cfgOf(v2)).ok);
  });

  test('the other version: version (a v3 advert of the same length reaches this check)', () => {
    const v3as2 = bytesOf(v3);
    expectDrop(v3as2, rxOf(v3), cfgOf(v2, (t) => t.replace('virtual_router_id 11', 'virtual_router_id 21')), 'version', '(V2_MULTICAST) wrong version. Received 3 and expect 2');
    const b = bytesOf(v3);
    b[0] = 0x41;
    expectDrop(b, rxOf(v3), cfgOf(v3), 'version', '(V3_MULTICAST) wrong version. Received 4 and expect 3');
  });

  test('an auth type outside 0..2: auth-type-invalid', () => {
    expectDrop(changed(v2, (a) => ({ ...a, authType: 7 })), rxOf(v2), cfgOf(v2), 'auth-type-invalid', '(V2_MULTICAST) Invalid auth type: 7');
  });

  test('PASS advert to an instance without authentication, and the reverse: auth-type-mismatch', () => {
    expectDrop(bytesOf(v2pass), rxOf(v2pass), cfgOf(v2pass, (t) => t.replace(/ {2}authentication \{[^}]*\}\n/, '')), 'auth-type-mismatch', '(V2_MULTICAST_PASS) received a 1 auth, expecting 0!');
    expectDrop(bytesOf(v2), rxOf(v2), cfgOf(v2, (t) => t.replace('advert_int 1', 'advert_int 1\n  authentication {\n    auth_type PASS\n    auth_pass x\n  }')), 'auth-type-mismatch', '(V2_MULTICAST) received a 0 auth, expecting 1!');
  });

  test('another password, compared over 8 zero-padded bytes: auth-password', () => {
    expectDrop(bytesOf(v2pass), rxOf(v2pass), cfgOf(v2pass, (t) => t.replace('auth_pass secret', 'auth_pass secreT')), 'auth-password', '(V2_MULTICAST_PASS) received an invalid passwd!');
    expectDrop(bytesOf(v2pass), rxOf(v2pass), cfgOf(v2pass, (t) => t.replace('auth_pass secret', 'auth_pass secret1')), 'auth-password', '(V2_MULTICAST_PASS) received an invalid passwd!');
    // Only the first 8 characters count, on both sides.
    assert.ok(checkAdvert(bytesOf(v2two), rxOf(v2two), cfgOf(v2two, (t) => t.replace('longpassword42', 'longpassXYZ'))).ok);
  });

  test('AH on one side only: ah-unexpected / ah-missing; AH itself: ah-unsupported', () => {
    expectDrop(bytesOf(v2), { ...rxOf(v2), ipProtocol: 51, headerLength: 44 }, cfgOf(v2), 'ah-unexpected', '(V2_MULTICAST) Received AH header but auth type not AH');
    const ahCfg = cfgOf(v2pass, (t) => t.replace('auth_type PASS', 'auth_type AH'));
    expectDrop(bytesOf(v2pass), rxOf(v2pass), ahCfg, 'ah-missing', '(V2_MULTICAST_PASS) No AH header but auth type is AH');
    const asAh = changed(v2pass, (a) => ({ ...a, authType: 2 }));
    expectDrop(asAh, { ...rxOf(v2pass), ipProtocol: 51, headerLength: 44, ipTotalLength: 44 + 20 }, ahCfg, 'ah-unsupported', '(V2_MULTICAST_PASS) IPsec AH authentication is not supported - advert ignored');
  });

  test('v2 with another advert interval: advert-interval (as observed: mine=1 sec rcv\'d=2 sec)', () => {
    expectDrop(changed(v2, (a) => ({ ...a, adverInt: 2 })), rxOf(v2), cfgOf(v2), 'advert-interval', "(V2_MULTICAST) advertisement interval mismatch mine=1 sec rcv'd=2 sec");
  });

  test('v3 with another interval is accepted: the backup adopts the master\'s interval', () => {
    assert.ok(checkAdvert(changed(v3, (a) => ({ ...a, maxAdverInt: 300 } as VrrpAdvert)), rxOf(v3), cfgOf(v3)).ok);
  });

  test('a type other than advertisement: type', () => {
    expectDrop(changed(v3, (a) => ({ ...a, type: 2 })), rxOf(v3), cfgOf(v3), 'type', '(V3_MULTICAST) Invalid packet type. 2 and expect 1');
  });

  test('another number of addresses: address-count (as observed: count 3, expected 2)', () => {
    const three = changed(v2two, (a) => ({ ...a, addresses: [...a.addresses, ip('10.99.7.200')] }));
    expectDrop(three, { ...rxOf(v2two), ipTotalLength: 20 + three.length }, cfgOf(v2two), 'address-count', '(V2_MULTICAST_PASS_LONG) received an unexpected ip number count 3, expected 2!');
  });

  test('an IP total length that is not what arrived: ip-length', () => {
    expectDrop(bytesOf(v2), { ...rxOf(v2), ipTotalLength: 41 }, cfgOf(v2), 'ip-length', '(V2_MULTICAST) ip_tot_len mismatch against received length. 41 and received 40');
  });

  test('a broken checksum: checksum, named by version', () => {
    const b2 = bytesOf(v2);
    b2[7] ^= 1;
    expectDrop(b2, rxOf(v2), cfgOf(v2), 'checksum', '(V2_MULTICAST) Invalid VRRPv2 checksum');
    const b3 = bytesOf(v3);
    b3[6] ^= 0x80;
    expectDrop(b3, rxOf(v3), cfgOf(v3), 'checksum', '(V3_MULTICAST) Invalid VRRPv3 checksum');
    expectDrop(bytesOf(v3uni), { ...rxOf(v3uni), src: ip('10.99.7.9') }, cfgOf(v3uni), 'checksum', '(V3_UNICAST) Invalid VRRPv3 checksum');
    const b6 = bytesOf(v6);
    b6[20] ^= 4;
    expectDrop(b6, rxOf(v6), cfgOf(v6), 'checksum', '(V3_IPV6_MULTICAST) Invalid VRRPv3 checksum');
  });

  test('v3 over IPv4: all three checksum forms verify and the form is reported; the accepted list can be narrowed', () => {
    const plain = changed(v3, (a) => a);
    assert.equal(verifyChecksum(plain, 4, { src: ip('10.99.7.1'), dst: ip('224.0.0.18') }), 'v3-pseudo-header');
    const asRfc9568 = encode(decoded(plain, 4), { v3Ipv4Checksum: 'v3-no-pseudo-header' });
    const v = checkAdvert(asRfc9568, rxOf(v3), cfgOf(v3));
    assert.ok(v.ok);
    assert.equal(v.checksumForm, 'v3-no-pseudo-header');
    const old = G('v3-unicast-old-checksum');
    const w = checkAdvert(bytesOf(old), rxOf(old), cfgOf(old));
    assert.ok(w.ok);
    assert.equal(w.checksumForm, 'v3-pseudo-header-group');
    expectDrop(asRfc9568, rxOf(v3), cfgOf(v3), 'checksum', '(V3_MULTICAST) Invalid VRRPv3 checksum', { v3Ipv4ChecksumForms: ['v3-pseudo-header', 'v3-pseudo-header-group'] });
  });

  test('multicast advert on a unicast instance and the reverse: cast-mismatch (IPv6: silent unless -D)', () => {
    const asMulticast = changed(v2uni, (a) => a);
    expectDrop(asMulticast, { ...rxOf(v2uni), dst: ip('224.0.0.18') }, cfgOf(v2uni), 'cast-mismatch', '(V2_UNICAST) Expected unicast packet but received multicast packet');
    expectDrop(bytesOf(v2), { ...rxOf(v2), dst: ip('10.99.7.2') }, cfgOf(v2), 'cast-mismatch', '(V2_MULTICAST) Expected multicast packet but received unicast packet');
    const v = checkAdvert(bytesOf(v6), rxOf(v6), cfgOf(v6uni, (t) => t.replace('virtual_router_id 32', 'virtual_router_id 31')));
    assert.ok(!v.ok);
    assert.equal(v.drop.reason, 'cast-mismatch');
    assert.equal(v.drop.log, '(V3_IPV6_UNICAST) discarding multicast packet on unicast instance');
    assert.equal(v.drop.detailOnly, true);
  });

  test('an address list that differs: address-missing names the first VIP not advertised', () => {
    const other = changed(v2two, (a) => ({ ...a, addresses: [a.addresses[0], ip('10.99.7.250')] }));
    expectDrop(other, rxOf(v2two), cfgOf(v2two), 'address-missing', '(V2_MULTICAST_PASS_LONG) ip address associated with VRID 13 not present in MASTER advert: 10.99.7.114');
    const reordered = changed(v2two, (a) => ({ ...a, addresses: [...a.addresses].reverse() }));
    assert.ok(checkAdvert(reordered, rxOf(v2two), cfgOf(v2two)).ok, 'order does not matter');
  });

  test('skip_check_adv_addr: the same master skips the address checks, a new master does not', () => {
    const other = changed(v2two, (a) => ({ ...a, addresses: [a.addresses[0], ip('10.99.7.250'), ip('10.99.7.251')] }));
    const rx = { ...rxOf(v2two), ipTotalLength: 20 + other.length };
    const cfg = cfgOf(v2two, (t) => t.replace('advert_int 1', 'advert_int 1\n  skip_check_adv_addr'));
    assert.ok(checkAdvert(other, rx, cfg, { lastMasterAddress: ip('10.99.7.1') }).ok);
    expectDrop(other, rx, cfg, 'address-count', '(V2_MULTICAST_PASS_LONG) received an unexpected ip number count 3, expected 2!', { lastMasterAddress: ip('10.99.7.3') });
    expectDrop(other, rx, cfg, 'address-count', '(V2_MULTICAST_PASS_LONG) received an unexpected ip number count 3, expected 2!');
  });

  test('check_unicast_src (or min/max_ttl, or the global vrrp_check_unicast_src): unicast-source for a stranger', () => {
    const stranger = ip('10.99.7.9');
    const encoded = encode(decoded(bytesOf(v3uni), 4), { src: stranger, dst: ip('10.99.7.2') });
    const rx = { ...rxOf(v3uni), src: stranger };
    expectDrop(encoded, rx, cfgOf(v3uni), 'unicast-source', '(V3_UNICAST) unicast source address 10.99.7.9 not a unicast peer');
    const open = cfgOf(v3uni, (t) => t.replace(' min_ttl 1 max_ttl 255', ''));
    assert.equal(open.checkUnicastSrc, false);
    assert.ok(checkAdvert(encoded, rx, open).ok, 'without the option any source is accepted');
    expectDrop(encoded, rx, open, 'unicast-source', '(V3_UNICAST) unicast source address 10.99.7.9 not a unicast peer', { checkUnicastSrcGlobal: true });
    expectDrop(encoded, rx, cfgOf(v3uni, (t) => t.replace(' min_ttl 1 max_ttl 255', '').replace('  unicast_peer', '  check_unicast_src\n  unicast_peer')), 'unicast-source', '(V3_UNICAST) unicast source address 10.99.7.9 not a unicast peer');
  });

  test('a unicast peer\'s TTL window: ttl-range', () => {
    const cfg = cfgOf(v2uni, (t) => t.replace('min_ttl 1', 'min_ttl 250'));
    expectDrop(bytesOf(v2uni), { ...rxOf(v2uni), ttl: 10 }, cfg, 'ttl-range', '(V2_UNICAST) TTL/HL 10 not in range 250 - 255');
    expectDrop(bytesOf(v6uni), { ...rxOf(v6uni), ttl: 64 }, cfgOf(v6uni, (t) => t.replace('min_ttl 1', 'min_ttl 65')), 'ttl-range', '(V3_IPV6_UNICAST) TTL/HL 64 not in range 65 - 255');
  });

  test('checks run in keepalived\'s order: length before TTL, TTL before version, version before authentication', () => {
    const b = bytesOf(v2pass);
    expectDrop(b.subarray(0, b.length - 2), { ...rxOf(v2pass), ttl: 1 }, cfgOf(v2pass), 'length', '(V2_MULTICAST_PASS) vrrp packet too short, length 38 and expect 40');
    expectDrop(bytesOf(v3), { ...rxOf(v3), ttl: 1 }, cfgOf(v2, (t) => t.replace('virtual_router_id 11', 'virtual_router_id 21')), 'ttl', '(V2_MULTICAST) invalid TTL/HL. Received 1 and expect 255');
    const bad = bytesOf(v2pass);
    bad[0] = 0x31;
    expectDrop(bad.subarray(0, 12), rxOf(v2pass), cfgOf(v2pass), 'version', '(V2_MULTICAST_PASS) wrong version. Received 3 and expect 2');
  });

  // Runs last in this block (tests run in order): every stable reason code has a case above.
  test('every drop reason code is exercised by a case above', () => {
    assert.deepEqual(ADVERT_DROP_REASONS.filter((r) => !seen.has(r)), []);
  });
});

describe('drops carry keepalived\'s statistics counter', () => {
  test('TTL → ip_ttl_err, length → packet_len_err, checksum → chk_err, password → auth_failure; interval counts nothing', () => {
    const v2 = G('v2-multicast');
    const pass = G('v2-multicast-pass');
    const stat = (bytes: Uint8Array, rx: AdvertReceipt, cfg: AdvertCheckConfig) => {
      const v = checkAdvert(bytes, rx, cfg);
      assert.ok(!v.ok);
      return v.drop.stat;
    };
    assert.equal(stat(bytesOf(v2), { ...rxOf(v2), ttl: 1 }, cfgOf(v2)), 'ip_ttl_err');
    assert.equal(stat(bytesOf(v2).subarray(0, 10), rxOf(v2), cfgOf(v2)), 'packet_len_err');
    const b = bytesOf(v2);
    b[6] ^= 1;
    assert.equal(stat(b, rxOf(v2), cfgOf(v2)), 'chk_err');
    assert.equal(stat(bytesOf(pass), rxOf(pass), cfgOf(pass, (t) => t.replace('secret', 'other'))), 'auth_failure');
    assert.equal(stat(changed(v2, (a) => ({ ...a, adverInt: 3 })), rxOf(v2), cfgOf(v2)), undefined);
  });
});
