// Hostile packets on the LAN, injected from a third namespace with our raw socket: wrong TTL, unknown VRID,
// wrong version, bad checksum, wrong password, truncated, random. All claim priority 254, so a daemon that
// accepted one as master would yield. Nothing changes (the VIP stays, no state line), and our daemon counts
// every one by reason in its statistics dump (SIGUSR2 → $TMPDIR/keepalived.stats). VRRPv2, PASS auth.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { RawSocket } from '../../src/native/index.js';
import { parseIp } from '../../src/lib/ip.js';
import { authDataFromPassword, encode, type VrrpAdvert } from '../../src/vrrp/packet.js';
import { prng } from '../unit/netlink/prng.js';
import { config, instance, masterDownV2, type Daemon } from './harness.js';
import { pairSuites, sleep } from './vrrp-scenarios.js';

const VIP = '10.120.0.100';
const PASS = 'kt-pass';
const N = 5;

const ip = (t: string) => parseIp(t)!;

function v2(o: { vrid?: number; password?: string } = {}): Uint8Array {
  const a: VrrpAdvert = {
    version: 2, type: 1, vrid: o.vrid ?? 51, priority: 254, family: 4, addresses: [ip(VIP)], authType: 1, adverInt: 1,
    authData: authDataFromPassword(o.password ?? PASS),
  };
  return encode(a);
}

/** The junk, by the drop reason our daemon must count it under ('unknown-vrid' counts for no instance). */
function hostile(): Array<[string, Uint8Array, number?]> {
  const badSum = v2();
  badSum[6] ^= 0x5a;
  const v3 = encode({ version: 3, type: 1, vrid: 51, priority: 254, family: 4, addresses: [ip(VIP)], maxAdverInt: 100, reserved: 0 },
    { src: ip('10.120.0.3'), dst: ip('224.0.0.18') });
  return [
    ['ttl', v2(), 64],
    ['unknown-vrid', v2({ vrid: 52 })],
    ['version', v3],
    ['checksum', badSum],
    ['auth-password', v2({ password: 'wrong' })],
    ['length', v2().subarray(0, 10)],
  ];
}

function randomJunk(rand: () => number): Uint8Array {
  const b = new Uint8Array(8 + Math.floor(rand() * 40));
  for (let i = 0; i < b.length; i++) b[i] = Math.floor(rand() * 256);
  b[1] = 51; // for our instance, so it is checked rather than ignored
  return b;
}

function dropsOf(stats: string): Record<string, number> {
  const line = /Dropped: (.*)/.exec(stats)?.[1] ?? '';
  return Object.fromEntries(line.split(' ').filter((x) => x.includes('=')).map((x) => x.split('=')).map(([k, v]) => [k!, Number(v)]));
}

pairSuites('hst', 'hostile packets', ({ mk, bk, lan }) => {
  let a: Daemon;
  let b: Daemon;
  let sock: RawSocket;
  const conf = (priority: number) =>
    config(instance({ priority, vips: [`${VIP}/24`], extra: `  authentication {\n    auth_type PASS\n    auth_pass ${PASS}\n  }` }));

  before(() => {
    sock = RawSocket.open({ family: 4, netns: lan().node('c').ns, device: 'eth0', onPacket: () => undefined });
  });
  after(() => sock?.close());

  test('election: a (150) is master, b (100) backup', async () => {
    a = lan().start(mk, 'a', conf(150));
    await lan().waitHolders(VIP, ['a'], masterDownV2(150) + 3000);
    b = lan().start(bk, 'b', conf(100));
    await lan().steadyHolders(VIP, ['a'], 1500);
  });

  test('junk changes nothing, and ours counts each packet by reason', async (t) => {
    const before = { a: a.kind === 'ours' ? dropsOf(await a.stats()) : {}, b: b.kind === 'ours' ? dropsOf(await b.stats()) : {} };
    const ma = a.mark();
    const mb = b.mark();
    const ifindex = lan().ifindex('c');
    const rand = prng(112);
    for (let i = 0; i < N; i++) {
      for (const [, bytes, ttl] of hostile()) {
        sock.setTtl(ttl ?? 255);
        sock.send(bytes, { dst: '224.0.0.18', src: lan().node('c').v4, ifindex });
      }
      sock.setTtl(255);
      sock.send(randomJunk(rand), { dst: '224.0.0.18', src: lan().node('c').v4, ifindex });
      await sleep(150);
    }
    await lan().steadyHolders(VIP, ['a'], 1500);
    assert.doesNotMatch(a.out.slice(ma), /Entering (BACKUP|FAULT) STATE/);
    assert.doesNotMatch(b.out.slice(mb), /Entering (MASTER|FAULT) STATE/);
    for (const d of [a, b]) {
      if (d.kind !== 'ours') continue;
      const stats = await d.stats();
      const now = dropsOf(stats);
      const was = d === a ? before.a : before.b;
      const delta = (k: string) => (now[k] ?? 0) - (was[k] ?? 0);
      for (const [reason] of hostile()) {
        if (reason === 'unknown-vrid') continue;
        // random junk mostly fails the length check too
        if (reason === 'length') assert.ok(delta(reason) >= N, `${d.node.name}: ${reason}`);
        else assert.equal(delta(reason), N, `${d.node.name}: ${reason}`);
      }
      const total = Object.keys(now).reduce((s, k) => s + delta(k), 0);
      assert.equal(total, 6 * N, `${d.node.name}: every packet for VRID 51 counted once, random ones included`);
      assert.match(stats, new RegExp(`unknown-vrid: ${N}\\b`));
      assert.match(stats, new RegExp(`TTL: ${N}\\b`));
      t.diagnostic(`${d.node.name} (ours, ${d === a ? 'master' : 'backup'}): ${/Dropped: .*/.exec(stats)![0]}`);
    }
  });
}, undefined, 3);
