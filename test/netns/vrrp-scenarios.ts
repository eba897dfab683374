// The failover scenarios every protocol variant runs, for one pair of daemons (ours or keepalived in each
// role): election, crash (kill -9) and takeover with gratuitous ARP/NA, return and preemption, orderly stop
// (SIGTERM → priority 0 → takeover after Skew_Time). Timings are measured and reported as diagnostics.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { config, instance, Lan, type Capture, type Daemon, type DaemonKind, type InstanceOptions } from './harness.js';
import { adverts, announcements } from './pcap.js';
import { parseIp } from '../../src/lib/ip.js';
import { gratuitousArp, parseMac, unsolicitedNeighbourAdvert } from '../../src/vrrp/garp.js';
import { encode, type VrrpAdvert } from '../../src/vrrp/packet.js';

export interface Variant {
  /** Short tag for namespace names (lower-case letters and digits). */
  tag: string;
  title: string;
  /** The VIP checked on the nodes and in GARP/NA. */
  vip: string;
  /** Instance settings except priority (master 150, backup 100); `node` is where the instance runs. */
  instance: (node: 'a' | 'b', lan: Lan) => Omit<InstanceOptions, 'priority'>;
  /** Master-down interval of the priority-100 backup, and its Skew_Time (ms). */
  masterDownMs: number;
  skewMs: number;
  /** Advert interval (ms). */
  advertMs: number;
  /** Announcement kind expected after takeover. */
  announce: 'arp' | 'na';
}

export const PAIRS: Array<[DaemonKind, DaemonKind]> = [['ours', 'keepalived'], ['keepalived', 'ours'], ['ours', 'ours']];

/** Slack for process scheduling, netlink and polling on a loaded 2-core machine. */
const MARGIN_MS = 600;

export function failoverScenarios(v: Variant, pairs = PAIRS): void {
  for (const [mk, bk] of pairs) {
    describe(`${v.title}: ${mk} master (priority 150), ${bk} backup (priority 100)`, () => {
      let lan: Lan;
      let cap: Capture;
      let master: Daemon;
      let backup: Daemon;
      const conf = (node: 'a' | 'b', priority: number) => config(instance({ ...v.instance(node, lan), priority }));

      before(async () => {
        lan = Lan.create(`${v.tag}${mk[0]}${bk[0]}`);
        cap = await lan.capture();
      });
      after(async () => {
        await lan?.stopAll();
        lan?.remove();
      });

      test('exactly one master, and the VIP only on it', async (t) => {
        master = lan.start(mk, 'a', conf('a', 150));
        backup = lan.start(bk, 'b', conf('b', 100));
        const took = await lan.waitHolders(v.vip, ['a'], v.masterDownMs + 3000);
        t.diagnostic(`election: VIP on the master ${took} ms after start`);
        await lan.steadyHolders(v.vip, ['a'], 3 * v.advertMs + 200);
        await master.waitFor(/\(VI_1\) Entering MASTER STATE/, 100);
        // both start in BACKUP; if the backup's timer ran out first it was MASTER briefly and yielded
        assert.match(backup.out, /\(VI_1\) Entering BACKUP STATE[^]*$/);
        assert.doesNotMatch(backup.out.slice(backup.out.lastIndexOf('Entering BACKUP STATE')), /Entering MASTER STATE/);
        const recent = adverts(cap.frames()).filter((a) => a.vrid === 51 && a.at > Date.now() - 2 * v.advertMs);
        assert.ok(recent.length > 0, 'adverts on the wire');
        assert.deepEqual([...new Set(recent.map((a) => a.srcMac))], [lan.node('a').mac], 'only the master advertises');
        assert.ok(recent.every((a) => a.ttl === 255 && a.priority === 150 && a.tos === 0xc0), 'TTL 255, TOS 0xc0, priority 150');
        // byte for byte what our codec builds for this configuration, whichever daemon sent it
        const last = recent.at(-1)!;
        const o = v.instance('a', lan);
        const addresses = o.vips.map((x) => parseIp(x.split('/')[0])!);
        const family = addresses[0].family;
        const advert: VrrpAdvert = (o.version ?? 2) === 2
          ? { version: 2, type: 1, vrid: 51, priority: 150, family, addresses, authType: 0, adverInt: o.advertInt ?? 1, authData: new Uint8Array(8) }
          : { version: 3, type: 1, vrid: 51, priority: 150, family, addresses, maxAdverInt: Math.round((o.advertInt ?? 1) * 100), reserved: 0 };
        const expected = encode(advert, { src: parseIp(last.src)!, dst: parseIp(last.dst)! });
        assert.equal(last.payload.toString('hex'), Buffer.from(expected).toString('hex'));
        assert.equal(last.src, family === 4 ? lan.node('a').v4 : lan.node('a').linkLocal, 'from the primary / link-local address');
      });

      test('kill -9 of the master: the backup takes over within master-down + margin, holds the VIP and announces it', async (t) => {
        master.kill9();
        const killedAt = Date.now();
        await master.exited;
        const took = await waitHolds(lan, 'b', v.vip, v.masterDownMs + MARGIN_MS + 1000);
        await sleep(100);
        const frames = cap.frames();
        const ads = adverts(frames).filter((a) => a.vrid === 51);
        const lastA = ads.filter((a) => a.srcMac === lan.node('a').mac && a.at <= killedAt + 5).at(-1)!;
        const firstB = ads.find((a) => a.srcMac === lan.node('b').mac && a.at > killedAt)!;
        assert.ok(lastA && firstB, 'adverts of both sides captured');
        const gap = firstB.at - lastA.at;
        t.diagnostic(`failover: VIP on the backup ${took} ms after kill -9; last master advert → first backup advert ${gap.toFixed(1)} ms (master-down ${v.masterDownMs.toFixed(1)} ms)`);
        assert.ok(gap <= v.masterDownMs + MARGIN_MS, `takeover after ${gap} ms`);
        assert.ok(gap >= v.masterDownMs - 50, `takeover after ${gap} ms, before the master-down interval ${v.masterDownMs}`);
        await sleep(200);
        const ann = announcements(cap.frames()).filter((x) => x.at > killedAt && x.srcMac === lan.node('b').mac && x.address === v.vip);
        assert.equal(ann[0]?.kind, v.announce);
        assert.ok(ann.length >= 5, `${ann.length} announcements of the VIP`);
        // byte for byte what src/vrrp/garp.ts builds, whichever daemon sent it
        const mac = parseMac(lan.node('b').mac);
        const expected = v.announce === 'arp' ? gratuitousArp(mac, parseIp(v.vip)!) : unsolicitedNeighbourAdvert(mac, parseIp(v.vip)!, { router: false });
        assert.equal(ann[0]!.bytes.subarray(0, expected.length).toString('hex'), Buffer.from(expected).toString('hex'));
        assert.ok(lan.addresses('b').includes(v.vip));
      });

      test('the old master comes back and preempts: the VIP moves back and only there', async (t) => {
        const started = Date.now();
        master = lan.start(mk, 'a', conf('a', 150));
        const took = await lan.waitHolders(v.vip, ['a'], v.masterDownMs + 4000);
        t.diagnostic(`preemption: VIP back on the returning master ${took} ms after its start`);
        await lan.steadyHolders(v.vip, ['a'], 2 * v.advertMs);
        await backup.waitFor(/\(VI_1\) Entering BACKUP STATE/, 100, 0);
        assert.ok(Date.now() - started > 0);
      });

      test('SIGTERM of the master: a priority-0 advert, and the backup takes over after its skew time', async (t) => {
        const termAt = Date.now(); // before the signal: the advert may leave before signal() returns
        master.signal('SIGTERM');
        const took = await lan.waitHolders(v.vip, ['b'], v.skewMs + MARGIN_MS + 1000);
        assert.equal(await master.exited, 0, 'a clean exit');
        // tcpdump writes each frame as it comes, but a loaded machine can take a while to get it onto the file
        const zeroOf = (ads: ReturnType<typeof adverts>) => ads.find((a) => a.srcMac === lan.node('a').mac && a.priority === 0);
        let ads = adverts(cap.frames()).filter((a) => a.vrid === 51 && a.at >= termAt - 5);
        for (let i = 0; i < 40 && !zeroOf(ads); i++) {
          await sleep(50);
          ads = adverts(cap.frames()).filter((a) => a.vrid === 51 && a.at >= termAt - 5);
        }
        const zero = zeroOf(ads);
        assert.ok(zero, 'priority-0 advert from the stopping master');
        const firstB = ads.find((a) => a.srcMac === lan.node('b').mac && a.at > zero!.at)!;
        const gap = firstB.at - zero!.at;
        t.diagnostic(`orderly stop: VIP on the backup ${took} ms after SIGTERM; priority 0 → first backup advert ${gap.toFixed(1)} ms (skew ${v.skewMs.toFixed(1)} ms)`);
        assert.ok(gap <= v.skewMs + MARGIN_MS && gap >= v.skewMs - 50, `takeover ${gap} ms after priority 0`);
        assert.deepEqual(lan.holders(v.vip), ['b'], 'the stopping master released the VIP');
      });
    });
  }
}

async function waitHolds(lan: Lan, node: string, vip: string, ms: number): Promise<number> {
  const start = Date.now();
  while (Date.now() - start < ms) {
    if (lan.addresses(node).includes(vip)) return Date.now() - start;
    await sleep(20);
  }
  throw new Error(`${vip} not on ${node} after ${ms} ms`);
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export interface PairContext {
  mk: DaemonKind;
  bk: DaemonKind;
  lan(): Lan;
  cap(): Capture;
}

/**
 * One suite per pair of daemons on a fresh LAN (`nodes` namespaces, a capture on the bridge); `body` declares
 * the tests, which run in order and share the LAN.
 */
export function pairSuites(tag: string, title: string, body: (c: PairContext) => void, pairs = PAIRS, nodes = 2): void {
  for (const [mk, bk] of pairs) {
    describe(`${title}: ${mk} on a, ${bk} on b`, () => {
      let lan: Lan | undefined;
      let cap: Capture | undefined;
      before(async () => {
        lan = Lan.create(`${tag}${mk[0]}${bk[0]}`, nodes);
        cap = await lan.capture();
      });
      after(async () => {
        await lan?.stopAll();
        lan?.remove();
      });
      body({ mk, bk, lan: () => lan!, cap: () => cap! });
    });
  }
}

export { sleep };
