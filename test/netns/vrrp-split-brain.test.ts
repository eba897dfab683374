// Split brain: cut a (the master) off the LAN without losing carrier: b takes over and both are MASTER with
// the VIP. Heal: within three adverts there is one master again (the higher priority), and the winner sends a
// fresh gratuitous ARP so the LAN follows it — as soon as it hears the loser's advert. A keepalived loser
// (no higher_prio_send_advert by default) that hears the winner first yields without a word, and then no
// winner can know there was a conflict; ours as the loser always answers first (split-brain recovery on by
// default), so with ours on either side the re-announcement is certain. VRRPv3 over IPv4, advert_int 0.5.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { config, instance, masterDownV3, type Daemon } from './harness.js';
import { pairSuites, sleep } from './vrrp-scenarios.js';
import { adverts, announcements } from './pcap.js';

const VIP = '10.120.0.100';
const ADV = 0.5;

pairSuites('spl', 'split brain', ({ mk, bk, lan, cap }) => {
  let a: Daemon;
  let b: Daemon;
  const conf = (priority: number) => config(instance({ priority, version: 3, advertInt: ADV, vips: [`${VIP}/24`] }));

  test('election: a (150) is master', async () => {
    a = lan().start(mk, 'a', conf(150));
    b = lan().start(bk, 'b', conf(100));
    await lan().waitHolders(VIP, ['a'], masterDownV3(150, ADV) + 4000);
    await lan().steadyHolders(VIP, ['a'], 1000);
  });

  test('cut: both become MASTER and both hold the VIP', async () => {
    const m = b.mark();
    lan().cut('a');
    await lan().waitHolders(VIP, ['a', 'b'], masterDownV3(100, ADV) + 1000);
    await b.waitFor(/\(VI_1\) Entering MASTER STATE/, 500, m);
    await lan().steadyHolders(VIP, ['a', 'b'], 1000);
  });

  test('heal: one master within three adverts, and it re-announces the VIP', async (t) => {
    const mb = b.mark();
    lan().heal('a');
    const healedAt = Date.now();
    const took = await lan().waitHolders(VIP, ['a'], 3 * ADV * 1000 + 500);
    t.diagnostic(`healed: one master after ${took} ms (three adverts: ${3 * ADV * 1000} ms)`);
    await b.waitFor(/\(VI_1\) Entering BACKUP STATE/, 500, mb);
    await sleep(300);
    const frames = cap().frames();
    const fresh = announcements(frames).filter((x) => x.at >= healedAt && x.srcMac === lan().node('a').mac && x.address === VIP);
    const loserSpoke = adverts(frames).some((x) => x.at >= healedAt && x.srcMac === lan().node('b').mac && x.vrid === 51);
    t.diagnostic(`loser advertised after the heal: ${loserSpoke}; gratuitous ARPs from the winner: ${fresh.length}`);
    if (bk === 'ours') assert.ok(loserSpoke, 'ours as the loser answers the winner (higher_prio_send_advert by default)');
    if (loserSpoke) assert.ok(fresh.length >= 1, 'a fresh gratuitous ARP from the winner once it heard the other master');
    await lan().steadyHolders(VIP, ['a'], 1000);
    assert.ok(a.running);
  });
});
