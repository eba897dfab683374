import test from 'node:test';
import assert from 'node:assert/strict';
import { parseIp, type IpAddress } from '../../../src/lib/ip.js';
import { checksumValid, ipv6PseudoHeaderSum, sum16 } from '../../../src/lib/checksum.js';
import {
  ALL_NODES6, announcementFrame, formatMac, gratuitousArp, icmpv6Checksum, NA_FLAG_OVERRIDE, NA_FLAG_ROUTER, parseMac,
  unsolicitedNeighbourAdvert,
} from '../../../src/vrrp/garp.js';

const ip = (t: string): IpAddress => parseIp(t)!;
const MAC = parseMac('02:00:5e:10:20:30');
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

test('gratuitous ARP: a broadcast request whose sender and target are both the VIP, 42 bytes as keepalived sends it', () => {
  const f = gratuitousArp(MAC, ip('10.0.0.100'));
  assert.equal(f.length, 42);
  assert.equal(
    hex(f),
    'ffffffffffff' + '02005e102030' + '0806' + // Ethernet: broadcast, our MAC, ARP
      '0001' + '0800' + '06' + '04' + '0001' + // Ethernet/IPv4, request
      '02005e102030' + '0a000064' + // sender: our MAC, the VIP
      'ffffffffffff' + '0a000064', // target: broadcast, the VIP
  );
});

test('unsolicited NA: from the VIP to all nodes, hop limit 255, override set, solicited clear, target link-layer option', () => {
  const vip = ip('fd00:1::100');
  const f = unsolicitedNeighbourAdvert(MAC, vip, { router: false });
  assert.equal(f.length, 14 + 40 + 32);
  assert.equal(hex(f.subarray(0, 14)), '333300000001' + '02005e102030' + '86dd');
  const ip6 = f.subarray(14, 54);
  assert.equal(ip6[0] >> 4, 6);
  assert.equal((ip6[4] << 8) | ip6[5], 32, 'payload length');
  assert.equal(ip6[6], 58, 'next header ICMPv6');
  assert.equal(ip6[7], 255, 'hop limit');
  assert.deepEqual(ip6.subarray(8, 24), vip.bytes);
  assert.deepEqual(ip6.subarray(24, 40), ALL_NODES6.bytes);
  const icmp = f.subarray(54);
  assert.equal(icmp[0], 136);
  assert.equal(icmp[1], 0);
  assert.equal(icmp[4], NA_FLAG_OVERRIDE);
  assert.deepEqual(icmp.subarray(8, 24), vip.bytes);
  assert.equal(hex(icmp.subarray(24)), '0201' + '02005e102030');
});

test('unsolicited NA: the ICMPv6 checksum verifies over the pseudo-header', () => {
  const vip = ip('2001:db8::1');
  const icmp = unsolicitedNeighbourAdvert(MAC, vip, { router: true }).subarray(54);
  assert.ok(checksumValid(sum16(icmp) + ipv6PseudoHeaderSum(vip.bytes, ALL_NODES6.bytes, 58, icmp.length)));
  assert.equal(icmpv6Checksum(vip, ALL_NODES6, icmp), (icmp[2] << 8) | icmp[3]);
});

test('unsolicited NA: the router flag is set only when the interface forwards', () => {
  const vip = ip('fd00::1');
  assert.equal(unsolicitedNeighbourAdvert(MAC, vip, { router: true })[54 + 4], NA_FLAG_ROUTER | NA_FLAG_OVERRIDE);
  assert.equal(unsolicitedNeighbourAdvert(MAC, vip, { router: false })[54 + 4], NA_FLAG_OVERRIDE);
});

test('announcementFrame picks ARP for IPv4 and NA for IPv6', () => {
  assert.equal(announcementFrame(MAC, ip('192.0.2.1'), { router: false }).length, 42);
  assert.equal(announcementFrame(MAC, ip('fe80::1'), { router: false }).length, 86);
});

test('builders refuse the wrong family and a MAC that is not 6 bytes', () => {
  assert.throws(() => gratuitousArp(MAC, ip('fd00::1')), RangeError);
  assert.throws(() => unsolicitedNeighbourAdvert(MAC, ip('10.0.0.1'), { router: false }), RangeError);
  assert.throws(() => gratuitousArp(new Uint8Array(5), ip('10.0.0.1')), RangeError);
  assert.throws(() => parseMac('02:00:5e:10:20'), RangeError);
  assert.equal(formatMac(MAC), '02:00:5e:10:20:30');
});
