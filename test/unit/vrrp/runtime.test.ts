import test from 'node:test';
import assert from 'node:assert/strict';
import { parseIp } from '../../../src/lib/ip.js';
import { decode, encode, verifyChecksum, type VrrpV2Advert } from '../../../src/vrrp/packet.js';
import { configOf, instanceConf } from './fsm-harness.js';
import { rig, type Rig } from './runtime-fakes.js';

const ip = (t: string) => parseIp(t)!;

/** A v2 advert as a peer at `src` would send it for VRID 51 with VIP 10.0.0.100. */
function peerAdvert(priority: number, o: { vrid?: number; vips?: string[]; password?: string; interval?: number } = {}): Uint8Array {
  const authData = new Uint8Array(8);
  if (o.password) authData.set(Buffer.from(o.password).subarray(0, 8));
  const a: VrrpV2Advert = {
    version: 2, type: 1, vrid: o.vrid ?? 51, priority, family: 4, addresses: (o.vips ?? ['10.0.0.100']).map(ip),
    authType: o.password ? 1 : 0, adverInt: o.interval ?? 1, authData,
  };
  return encode(a);
}

const BASIC = instanceConf('  priority 150\n  advert_int 1', 'VI_1', '10.0.0.100/24');
// v2, priority 150: 3 × 1 s + (256 − 150)/256 s
const DOWN_150 = 3000 + (106 * 1000) / 256;

async function started(conf: string, opts?: Parameters<typeof rig>[1]): Promise<Rig> {
  const r = rig(conf, opts);
  await r.runtime.start();
  return r;
}

const advertsSent = (r: Rig) => r.packets.sent.map((p) => decode(p.payload, p.family)).map((d) => (d.ok ? d.value.priority : -1));

test('start-up: stale VIPs on the interface are removed, the instance enters BACKUP and joins 224.0.0.18 on its interface', async () => {
  const r = rig(BASIC, {
    addrs: [
      { family: 4, address: '10.0.0.1', prefixLen: 24, ifindex: 2, scope: 0 },
      { family: 4, address: '10.0.0.100', prefixLen: 24, ifindex: 2, scope: 0 },
    ],
  });
  await r.runtime.start();
  assert.deepEqual(r.addresses.summary(), ['del 10.0.0.100/24 dev eth0']);
  assert.equal(r.runtime.instanceStates().VI_1, 'BACKUP');
  assert.deepEqual(r.packets.sockets.map((s) => [s.family, s.device, s.joined]), [[4, 'eth0', ['224.0.0.18/2']]]);
  assert.ok(r.messages().includes('(VI_1) Entering BACKUP STATE (init)'));
  assert.deepEqual(r.fifo.lines, ['INSTANCE "VI_1" BACKUP 150']);
  assert.equal(r.packets.sent.length, 0, 'a backup does not advertise');
});

test('start-up: an absent VIP is not deleted (nothing to clean up)', async () => {
  const r = await started(BASIC);
  assert.deepEqual(r.addresses.summary(), []);
});

test('backup: master-down timer fires -> advert first, then VIPs, then 5 gratuitous ARPs from the interface MAC', async () => {
  const r = await started(BASIC);
  await r.clock.runUntil(DOWN_150 - 1);
  assert.equal(r.runtime.instanceStates().VI_1, 'BACKUP');
  await r.clock.runUntil(Math.ceil(DOWN_150));
  assert.equal(r.runtime.instanceStates().VI_1, 'MASTER');
  const advert = r.packets.sent[0];
  assert.equal(advert.to, '224.0.0.18');
  assert.equal(advert.src, '10.0.0.1', 'from the primary address, not the VIP');
  assert.equal(advert.ifindex, 2);
  assert.equal(advert.ttl, 255);
  assert.deepEqual(advert.payload, encode({
    version: 2, type: 1, vrid: 51, priority: 150, family: 4, addresses: [ip('10.0.0.100')], authType: 0, adverInt: 1, authData: new Uint8Array(8),
  }));
  const added = r.addresses.calls.find((c) => c.op === 'addAddress')!;
  assert.ok(advert.at <= added.at);
  assert.equal(r.packets.frames.length, 5);
  for (const f of r.packets.frames) {
    assert.equal(f.ifindex, 2);
    assert.equal(Buffer.from(f.frame.subarray(6, 12)).toString('hex'), '020000000001');
    assert.equal(Buffer.from(f.frame.subarray(38, 42)).join('.'), '10.0.0.100');
  }
  assert.ok(r.messages().includes('(VI_1) Entering MASTER STATE'));
  assert.deepEqual(r.fifo.lines, ['INSTANCE "VI_1" BACKUP 150', 'INSTANCE "VI_1" MASTER 150']);
  assert.equal(r.runtime.stats.get('VI_1').announcements['10.0.0.100'], 5);
});

test('master: an advert every advert_int, and a second GARP burst after garp_master_delay', async () => {
  const r = await started(BASIC);
  await r.clock.runUntil(DOWN_150 + 4000);
  const times = r.packets.sent.map((p) => Math.round(p.at - r.packets.sent[0].at));
  assert.deepEqual(times, [0, 1000, 2000, 3000, 4000]);
  await r.clock.runUntil(DOWN_150 + 5000);
  // 5 on becoming master, 1 split-brain re-announcement with the third advert, 5 after garp_master_delay
  assert.deepEqual(r.packets.frames.map((f) => Math.round(f.at - r.packets.sent[0].at)), [0, 0, 0, 0, 0, 3000, 5000, 5000, 5000, 5000, 5000]);
});

test('backup: a valid advert from a higher-priority master restarts the master-down timer', async () => {
  const r = await started(BASIC);
  for (let t = 1000; t <= 10_000; t += 1000) {
    await r.clock.runUntil(t);
    r.packets.deliver({ payload: peerAdvert(200), src: '10.0.0.2' });
  }
  await r.clock.runUntil(10_000 + DOWN_150 - 1);
  assert.equal(r.runtime.instanceStates().VI_1, 'BACKUP');
  assert.equal(r.runtime.stats.get('VI_1').counters.advert_rcvd, 10);
  await r.clock.runUntil(10_000 + DOWN_150 + 1);
  assert.equal(r.runtime.instanceStates().VI_1, 'MASTER');
});

test('backup: hostile packets are dropped and counted by reason, and never reset the master-down timer', async () => {
  const r = await started(instanceConf('  priority 150\n  advert_int 1\n  authentication {\n    auth_type PASS\n    auth_pass secret\n  }', 'VI_1', '10.0.0.100/24'));
  await r.clock.runUntil(1000);
  r.packets.deliver({ payload: peerAdvert(200, { password: 'secret' }), src: '10.0.0.2' });
  const good = peerAdvert(200, { password: 'secret' });
  const badChecksum = Uint8Array.from(good);
  badChecksum[7] ^= 0xff;
  const v3 = encode({ version: 3, type: 1, vrid: 51, priority: 200, family: 4, addresses: [ip('10.0.0.100')], maxAdverInt: 100, reserved: 0 },
    { src: ip('10.0.0.2'), dst: ip('224.0.0.18') });
  const hostile: Array<[string, Parameters<Rig['packets']['deliver']>[0]]> = [
    ['ttl', { payload: good, src: '10.0.0.2', ttl: 64 }],
    ['checksum', { payload: badChecksum, src: '10.0.0.2' }],
    ['version', { payload: v3, src: '10.0.0.2' }],
    ['auth-password', { payload: peerAdvert(200, { password: 'wrong' }), src: '10.0.0.2' }],
    ['length', { payload: good.subarray(0, 15), src: '10.0.0.2' }],
    ['address-missing', { payload: peerAdvert(200, { password: 'secret', vips: ['10.0.0.99'] }), src: '10.0.0.2' }],
    ['advert-interval', { payload: peerAdvert(200, { password: 'secret', interval: 2 }), src: '10.0.0.2' }],
  ];
  for (let i = 0; i < 3; i++) {
    for (const [, p] of hostile) r.packets.deliver(p);
    r.packets.deliver({ payload: peerAdvert(200, { vrid: 52 }), src: '10.0.0.2' });
    r.packets.deliver({ payload: Uint8Array.of(0x21, 51), src: '10.0.0.2' });
    await r.clock.advance(700);
  }
  await r.clock.runUntil(1000 + DOWN_150 + 1);
  assert.equal(r.runtime.instanceStates().VI_1, 'MASTER', 'the junk did not hold the timer back');
  const s = r.runtime.stats.get('VI_1');
  for (const [reason] of hostile) assert.equal(s.drops[reason as keyof typeof s.drops], 3, reason);
  assert.equal(s.counters.ip_ttl_err, 3);
  assert.equal(s.counters.chk_err, 3);
  assert.equal(s.counters.vers_err, 3);
  assert.equal(s.counters.auth_failure, 3);
  assert.equal(s.counters.advert_rcvd, 1);
  assert.equal(r.runtime.stats.unattributed['unknown-vrid'], 3);
  assert.equal(r.runtime.stats.unattributed['too-short'], 3);
  assert.ok(r.messages().includes('(VI_1) invalid TTL/HL. Received 64 and expect 255'));
  assert.ok(r.messages().includes('(VI_1) received an invalid passwd!'));
  const text = r.runtime.formatStats();
  assert.match(text, /^VRRP Instance: VI_1\n  Advertisements:\n    Received: 1\n/);
  assert.match(text, /    TTL: 3\n/);
  assert.match(text, /ttl=3/);
});

test('master: hears a higher priority -> BACKUP, VIPs removed, notify BACKUP', async () => {
  const r = await started(BASIC);
  await r.clock.runUntil(DOWN_150 + 10);
  r.packets.deliver({ payload: peerAdvert(200), src: '10.0.0.2' });
  await r.clock.advance(1);
  assert.equal(r.runtime.instanceStates().VI_1, 'BACKUP');
  assert.deepEqual(r.addresses.summary(), ['add 10.0.0.100/24 dev eth0', 'del 10.0.0.100/24 dev eth0']);
  assert.ok(r.messages().includes('(VI_1) Master received advert from 10.0.0.2 with higher priority 200, ours 150'));
});

test('a FAULT instance reads nothing: its packets are neither processed nor counted', async () => {
  const r = await started(BASIC, { links: [{ name: 'eth0', index: 2, up: false, mac: Uint8Array.of(2, 0, 0, 0, 0, 1), mtu: 1500 }] });
  assert.equal(r.runtime.instanceStates().VI_1, 'FAULT');
  r.packets.deliver({ payload: peerAdvert(200), src: '10.0.0.2', ttl: 1 });
  await r.clock.advance(10);
  assert.deepEqual(r.runtime.stats.get('VI_1').drops, {});
});

test('shutdown: a master sends priority 0, removes its VIPs, notifies STOP and waits for notify_stop', async () => {
  const r = await started(instanceConf('  priority 150\n  notify_stop "/bin/true stop"\n  notify /bin/notify', 'VI_1', '10.0.0.100/24'));
  await r.clock.runUntil(DOWN_150 + 10);
  await r.runtime.stop();
  assert.deepEqual(advertsSent(r).slice(-1), [0]);
  assert.deepEqual(r.addresses.summary(), ['add 10.0.0.100/24 dev eth0', 'del 10.0.0.100/24 dev eth0']);
  assert.deepEqual(r.scripts.notified.slice(-2).map((n) => [n.command, ...n.args]), [['/bin/true stop'], ['/bin/notify', 'INSTANCE', 'VI_1', 'STOP', '150']]);
  assert.equal(r.fifo.lines.at(-1), 'INSTANCE "VI_1" STOP 150');
  assert.ok(r.packets.sockets.every((s) => s.closed));
  assert.ok(r.addresses.closed);
});

test('shutdown with -V: no priority-0 advert and the VIPs stay', async () => {
  const r = await started(BASIC);
  await r.clock.runUntil(DOWN_150 + 10);
  const before = r.packets.sent.length;
  await r.runtime.stop({ releaseVips: false });
  assert.equal(r.packets.sent.length, before);
  assert.deepEqual(r.addresses.summary(), ['add 10.0.0.100/24 dev eth0']);
});

test('notify: the specific script, then the generic one with INSTANCE <name> <state> <priority>, and the FIFO line', async () => {
  const r = await started(instanceConf('  priority 150\n  notify_master "/usr/local/bin/up.sh a b"\n  notify /usr/local/bin/all.sh', 'VI_1', '10.0.0.100/24'));
  await r.clock.runUntil(DOWN_150 + 10);
  assert.deepEqual(r.scripts.notified.map((n) => [n.command, ...n.args]), [
    ['/usr/local/bin/all.sh', 'INSTANCE', 'VI_1', 'BACKUP', '150'],
    ['/usr/local/bin/up.sh a b'],
    ['/usr/local/bin/all.sh', 'INSTANCE', 'VI_1', 'MASTER', '150'],
  ]);
});

test('link down on the interface -> FAULT (priority 0, VIPs removed); link up -> BACKUP and a new election', async () => {
  const r = await started(BASIC);
  await r.clock.runUntil(DOWN_150 + 10);
  r.addresses.setLink('eth0', false);
  await r.clock.advance(1);
  assert.equal(r.runtime.instanceStates().VI_1, 'FAULT');
  assert.equal(advertsSent(r).at(-1), 0);
  assert.deepEqual(r.addresses.summary().at(-1), 'del 10.0.0.100/24 dev eth0');
  assert.ok(r.messages().includes('Netlink reports eth0 down'));
  r.addresses.setLink('eth0', true);
  await r.clock.advance(1);
  assert.equal(r.runtime.instanceStates().VI_1, 'BACKUP');
  await r.clock.advance(DOWN_150 + 1);
  assert.equal(r.runtime.instanceStates().VI_1, 'MASTER');
});

test('an interface that appears after start-up gets its socket and group, and the instance leaves FAULT', async () => {
  const r = rig(BASIC, { links: [], addrs: [] });
  r.packets.missing.add('eth0');
  await r.runtime.start();
  assert.equal(r.runtime.instanceStates().VI_1, 'FAULT');
  assert.equal(r.packets.sockets.length, 0);
  r.packets.missing.clear();
  r.addresses.emit({ kind: 'link', link: { name: 'eth0', index: 7, up: true, mac: Uint8Array.of(2, 0, 0, 0, 0, 7), mtu: 1500 } });
  r.addresses.emit({ kind: 'address-added', address: { family: 4, address: '10.0.0.9', prefixLen: 24, ifindex: 7, scope: 0 } });
  await r.clock.advance(1);
  assert.deepEqual(r.packets.sockets.map((s) => s.joined), [['224.0.0.18/7']]);
  assert.equal(r.runtime.instanceStates().VI_1, 'BACKUP');
  await r.clock.advance(DOWN_150 + 1);
  assert.equal(r.runtime.instanceStates().VI_1, 'MASTER');
  assert.equal(r.packets.sent[0].src, '10.0.0.9');
  assert.equal(r.packets.sent[0].ifindex, 7);
});

test('the advert source is the interface primary address; when it goes, the instance faults', async () => {
  const r = await started(BASIC);
  await r.clock.runUntil(DOWN_150 + 10);
  // our own VIP appearing on the interface never becomes the source
  r.addresses.emit({ kind: 'address-added', address: { family: 4, address: '10.0.0.100', prefixLen: 24, ifindex: 2, scope: 0 } });
  r.addresses.emit({ kind: 'address-removed', address: { family: 4, address: '10.0.0.1', prefixLen: 24, ifindex: 2, scope: 0 } });
  await r.clock.advance(1);
  assert.equal(r.runtime.instanceStates().VI_1, 'FAULT');
  r.addresses.emit({ kind: 'address-added', address: { family: 4, address: '10.0.0.7', prefixLen: 24, ifindex: 2, scope: 0 } });
  await r.clock.advance(DOWN_150 + 10);
  assert.equal(r.runtime.instanceStates().VI_1, 'MASTER');
  assert.equal(r.packets.sent.at(-1)!.src, '10.0.0.7');
});

test('v3 over IPv6: from the link-local address to ff02::12, checksum left to the kernel', async () => {
  const r = await started(instanceConf('  version 3\n  priority 150\n  advert_int 0.5', 'VI_6', 'fd00::100/64'));
  assert.deepEqual(r.packets.sockets.map((s) => [s.family, s.joined]), [[6, ['ff02::12/2']]]);
  // v3: 3 × 0.5 s + (106 × 0.5 s)/256
  await r.clock.runUntil(1500 + (106 * 500) / 256 + 1);
  assert.equal(r.runtime.instanceStates().VI_6, 'MASTER');
  const a = r.packets.sent[0];
  assert.equal(a.to, 'ff02::12');
  assert.equal(a.src, 'fe80::1');
  const d = decode(a.payload, 6);
  assert.ok(d.ok && d.value.version === 3 && d.value.maxAdverInt === 50);
  assert.equal(a.payload[6] | a.payload[7], 0);
  const na = r.packets.frames[0].frame;
  assert.equal(na.length, 86);
  assert.equal(Buffer.from(na.subarray(0, 6)).toString('hex'), '333300000001');
});

test('v3 over IPv4 unicast: one advert per peer, each with the pseudo-header checksum of its own destination', async () => {
  const r = await started(instanceConf('  version 3\n  priority 150\n  unicast_src_ip 10.0.0.1\n  unicast_peer {\n    10.0.0.2\n    10.0.0.3\n  }', 'VI_1', '10.0.0.100/24'));
  assert.deepEqual(r.packets.sockets[0].joined, [], 'unicast joins no group');
  await r.clock.runUntil(DOWN_150 + 10);
  const [a, b] = r.packets.sent;
  assert.deepEqual([a.to, b.to], ['10.0.0.2', '10.0.0.3']);
  for (const p of [a, b]) {
    assert.equal(verifyChecksum(p.payload, 4, { src: ip('10.0.0.1'), dst: ip(p.to) }, ['v3-pseudo-header']), 'v3-pseudo-header');
  }
  assert.notDeepEqual(a.payload, b.payload);
});

test('vrrp_script with a negative weight: runs at start and every interval; failing lowers the advertised priority', async () => {
  const conf = `vrrp_script chk {\n  script "/bin/chk"\n  interval 2\n  weight -60\n  fall 1\n  rise 1\n}\n` +
    instanceConf('  priority 150\n  track_script {\n    chk\n  }', 'VI_1', '10.0.0.100/24');
  const r = await started(conf);
  assert.equal(r.scripts.checks.length, 1);
  await r.clock.runUntil(DOWN_150 + 10);
  assert.equal(advertsSent(r).at(-1), 150);
  r.scripts.outcomes.set('/bin/chk', { exitCode: 1 });
  await r.clock.runUntil(6000 + 10);
  assert.deepEqual(r.scripts.checks.map((c) => c.at), [0, 2000, 4000, 6000]);
  await r.clock.advance(1000);
  assert.equal(advertsSent(r).at(-1), 90);
  assert.ok(r.messages().includes('(VI_1) Changing effective priority from 150 to 90'));
});

test('GARP spacing: vrrp_garp_interval spaces the frames of a burst', async () => {
  const r = await started('global_defs {\n  vrrp_garp_interval 0.1\n}\n' + instanceConf('  priority 150\n  garp_master_repeat 3', 'VI_1', '10.0.0.100/24 10.0.0.101/24'));
  await r.clock.runUntil(DOWN_150 + 1000);
  const t0 = r.packets.frames[0].at;
  assert.deepEqual(r.packets.frames.slice(0, 6).map((f) => Math.round(f.at - t0)), [0, 100, 200, 300, 400, 500]);
});

test('track_file: the value read at start and every change feed the state machine', async () => {
  const conf = `track_file tf {\n  file /run/tf\n  weight 0\n}\n` + instanceConf('  priority 150\n  track_file {\n    tf\n  }', 'VI_1', '10.0.0.100/24');
  const r = await started(conf);
  assert.equal(r.runtime.instanceStates().VI_1, 'BACKUP');
  r.files.set('/run/tf', 1);
  await r.clock.advance(1);
  assert.equal(r.runtime.instanceStates().VI_1, 'FAULT');
});

test('reload: a MASTER stays MASTER, advertises at once, installs only the added VIP and sends one GARP burst, without notify', async () => {
  const r = await started(BASIC);
  await r.clock.runUntil(DOWN_150 + 10);
  const notifies = r.fifo.lines.length;
  const frames = r.packets.frames.length;
  const sentBefore = r.packets.sent.length;
  const next = configOf(instanceConf('  priority 150\n  advert_int 1', 'VI_1', '10.0.0.100/24 10.0.0.101/24'));
  const carry = await r.runtime.handOver(next);
  const { VrrpRuntime } = await import('../../../src/vrrp/runtime.js');
  const rt2 = new VrrpRuntime({ config: next, addresses: r.addresses, packets: r.packets, scripts: r.scripts, fifo: r.fifo, clock: r.clock, log: r.log });
  await rt2.start({ carry });
  await r.clock.advance(1);
  assert.equal(rt2.instanceStates().VI_1, 'MASTER');
  assert.equal(r.packets.sent.length, sentBefore + 1, 'one advert at once');
  assert.deepEqual(r.addresses.summary().slice(-1), ['add 10.0.0.101/24 dev eth0']);
  assert.equal(r.packets.frames.length - frames, 10, 'one burst for both VIPs');
  assert.equal(r.fifo.lines.length, notifies);
  await r.clock.advance(3000);
  assert.equal(rt2.instanceStates().VI_1, 'MASTER');
  await rt2.stop();
});

test('reload: a removed MASTER instance sends priority 0, releases its VIPs and reports FAULT', async () => {
  const r = await started(BASIC + instanceConf('  priority 150\n  virtual_router_id 52', 'VI_2', '10.0.0.200/24'));
  await r.clock.runUntil(DOWN_150 + 10);
  await r.runtime.handOver(configOf(BASIC));
  assert.equal(advertsSent(r).at(-1), 0);
  assert.deepEqual(r.addresses.summary().slice(-1), ['del 10.0.0.200/24 dev eth0']);
  assert.equal(r.fifo.lines.at(-1), 'INSTANCE "VI_2" FAULT 150');
});
