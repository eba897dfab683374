// PING_CHECK through the daemon's real port (raw ICMP / ICMPv6 sockets; needs root): loopback answers,
// an address in a private namespace that drops everything does not, and one that yields ICMP host
// unreachable ends the wait early.
import test, { after } from 'node:test';
import assert from 'node:assert/strict';
import type { PingCheck } from '../../../src/config/model/lvs.js';
import type { CheckPorts } from '../../../src/check/probe.js';
import { probePing } from '../../../src/check/checkers/ping.js';
import { NodeCheckPorts } from '../../../src/core/check-ports.js';
import { echoRequest, matchEcho } from '../../../src/core/icmp-echo.js';
import { connection, context, ip, noPorts, polled, RS, timed, VS } from './helpers.js';
import { createCheckNetns } from './netns.js';

const noScripts = { check: () => Promise.reject(new Error('no scripts here')) };
const ports = new NodeCheckPorts(noScripts);
after(() => ports.close());

const ping = (address: string, extra = {}): PingCheck => ({ kind: 'PING_CHECK', ...polled, connection: connection(address, 0, extra) });

test('127.0.0.1 and ::1 answer: success with keepalived\'s line', async () => {
  for (const a of ['127.0.0.1', '::1']) {
    const { r, ms } = await timed(probePing(ping(a), context(2000, ports)));
    assert.deepEqual(r, { ok: true, message: `ICMP connection to ${RS} success.` }, a);
    assert.ok(ms < 500, `${a}: ${ms} ms`);
  }
});

test('the sockets are shared: many echoes at once are told apart by identifier and sequence', async () => {
  const rs = await Promise.all(Array.from({ length: 30 }, (_, i) =>
    ports.icmpEcho(i % 2 ? '127.0.0.1' : '::1', i % 2 ? 4 : 6, { signal: AbortSignal.timeout(2000) })));
  assert.deepEqual(rs, rs.map(() => true));
  // a source address is passed on
  assert.equal(await ports.icmpEcho('127.0.0.1', 4, { source: '127.0.0.1', signal: AbortSignal.timeout(2000) }), true);
  assert.equal(await ports.icmpEcho('::1', 6, { device: 'lo', signal: AbortSignal.timeout(2000) }), true);
});

test('an echo aborted before it starts resolves false at once', async () => {
  assert.equal(await ports.icmpEcho('127.0.0.1', 4, { signal: AbortSignal.abort() }), false);
});

test('the probe settles at its deadline even when the port does not listen to the signal', async () => {
  const deaf: CheckPorts = { ...noPorts, icmpEcho: () => new Promise(() => {}) };
  const { r, ms } = await timed(probePing(ping('10.0.0.9'), context(200, deaf)));
  assert.deepEqual(r, { ok: false, reason: 'timeout', message: `ICMP connection to address ${RS} timeout.` });
  assert.ok(ms < 400, `${ms} ms`);
  const refused: CheckPorts = { ...noPorts, icmpEcho: async () => false };
  assert.deepEqual(await probePing(ping('10.0.0.9'), context(1000, refused)),
    { ok: false, reason: 'failed', message: `ICMP connection to ${RS} of ${VS} failed.` });
  const throwing: CheckPorts = { ...noPorts, icmpEcho: () => { throw new Error('boom'); } };
  assert.equal((await probePing(ping('10.0.0.9'), context(1000, throwing))).ok, false);
});

test('bindto and bind_if reach the port as source and device', async () => {
  let seen: unknown;
  const spy: CheckPorts = { ...noPorts, icmpEcho: async (address, family, o) => { seen = { address, family, source: o.source, device: o.device }; return true; } };
  await probePing(ping('fe80::1', { bindto: ip('fe80::2'), bindIf: 'eth0' }), context(1000, spy));
  assert.deepEqual(seen, { address: 'fe80::1', family: 6, source: 'fe80::2', device: 'eth0' });
});

test('echo request and reply codec: keepalived\'s 128-byte fill, IPv4 checksum, replies and quoted errors matched', () => {
  const req = echoRequest(4, 0x1234, 7);
  assert.equal(req.length, 136);
  assert.equal(req.subarray(8, 27).toString(), 'keepalived check - ');
  // a correct checksum sums to zero
  let sum = 0;
  for (let i = 0; i < req.length; i += 2) sum += req.readUInt16BE(i);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  assert.equal(sum, 0xffff);
  const reply = Buffer.from(req);
  reply[0] = 0;
  assert.deepEqual(matchEcho(4, reply, 0x1234), { seq: 7, reply: true });
  assert.equal(matchEcho(4, reply, 0x1235), undefined);
  assert.equal(matchEcho(4, req, 0x1234), undefined, 'our own request, seen on loopback');
  // host unreachable quoting a 20-byte IP header and our request
  const ipHeader = Buffer.alloc(20);
  ipHeader[0] = 0x45;
  ipHeader[9] = 1;
  const unreach = Buffer.concat([Buffer.from([3, 1, 0, 0, 0, 0, 0, 0]), ipHeader, req.subarray(0, 8)]);
  assert.deepEqual(matchEcho(4, unreach, 0x1234), { seq: 7, reply: false });
  const v6 = echoRequest(6, 9, 65535);
  assert.equal(v6.readUInt16BE(2), 0, 'the kernel fills in ICMPv6 checksums');
  const ip6 = Buffer.alloc(40);
  ip6[6] = 58;
  assert.deepEqual(matchEcho(6, Buffer.concat([Buffer.from([1, 3, 0, 0, 0, 0, 0, 0]), ip6, v6.subarray(0, 8)]), 9), { seq: 65535, reply: false });
  const r6 = Buffer.from(v6);
  r6[0] = 129;
  assert.deepEqual(matchEcho(6, r6, 9), { seq: 65535, reply: true });
});

test('in a namespace: silence times out at the deadline, host unreachable fails early, the own address answers', async (t) => {
  const net = createCheckNetns();
  t.after(() => net.remove());
  const nsPorts = new NodeCheckPorts(noScripts, { netns: net.ns });
  t.after(() => nsPorts.close());
  const own = await timed(probePing(ping(net.own), context(2000, nsPorts)));
  assert.equal(own.r.ok, true);
  const silent = await timed(probePing(ping(net.silent), context(500, nsPorts)));
  assert.deepEqual(silent.r, { ok: false, reason: 'timeout', message: `ICMP connection to address ${RS} timeout.` });
  assert.ok(silent.ms >= 490 && silent.ms < 1000, `${silent.ms} ms`);
  for (const a of [net.noArp, net.noNdp]) {
    const unreachable = await timed(probePing(ping(a), context(3000, nsPorts)));
    assert.deepEqual(unreachable.r, { ok: false, reason: 'failed', message: `ICMP connection to ${RS} of ${VS} failed.` }, a);
    assert.ok(unreachable.ms < 2500, `${a}: ${unreachable.ms} ms`);
    t.diagnostic(`${a}: unreachable after ${Math.round(unreachable.ms)} ms`);
  }
});

test('close() ends echoes in flight with false', async (t) => {
  const net = createCheckNetns();
  t.after(() => net.remove());
  const q = new NodeCheckPorts(noScripts, { netns: net.ns });
  const pending = q.icmpEcho(net.silent, 4, { signal: AbortSignal.timeout(5000) });
  q.close();
  assert.equal(await pending, false);
});
