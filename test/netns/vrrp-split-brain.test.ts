// Split brain: cut a (the master) off the LAN without losing carrier: b takes over and both are MASTER with
// the VIP. Heal: within three adverts there is one master again (the higher priority), and the winner sends a
// fresh gratuitous ARP so the LAN follows it. keepalived 2.2.7 as the winner re-announces when it hears the
// loser's advert (garp_lower_prio_repeat, 5 by default): ours as the loser always answers (split-brain
// recovery turns on higher_prio_send_advert), so that is certain. A keepalived loser that hears the winner
// first yields without a word, and no winner can know; ours as the winner re-announces anyway within three
// adverts (one GARP every three advert intervals while master). VRRPv3 over IPv4, advert_int 0.5.
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

  test('heal: one master within three adverts, and a fresh gratuitous ARP from it', async (t) => {
    const mb = b.mark();
    lan().heal('a');
    const healedAt = Date.now();
    const took = await lan().waitHolders(VIP, ['a'], 3 * ADV * 1000 + 500);
    t.diagnostic(`healed: one master after ${took} ms (three adverts: ${3 * ADV * 1000} ms)`);
    await b.waitFor(/\(VI_1\) Entering BACKUP STATE/, 500, mb);
    const fromWinner = () => announcements(cap().frames()).filter((x) => x.at >= healedAt && x.srcMac === lan().node('a').mac && x.address === VIP);
    // three adverts, plus slack for tcpdump and a loaded machine
    while (!fromWinner().length && Date.now() - healedAt < 3 * ADV * 1000 + 1000) await sleep(50);
    const fresh = fromWinner();
    const loserSpoke = adverts(cap().frames()).some((x) => x.at >= healedAt && x.srcMac === lan().node('b').mac && x.vrid === 51);
    t.diagnostic(`loser advertised after the heal: ${loserSpoke}; first gratuitous ARP from the winner ${fresh.length ? `${Math.round(fresh[0].at - healedAt)} ms after the heal` : 'none'}`);
    if (bk === 'ours') assert.ok(loserSpoke, 'ours as the loser answers the winner (higher_prio_send_advert by default)');
    assert.ok(fresh.length >= 1, `a fresh gratuitous ARP from the winner (${mk}) within three adverts of the heal`);
    await lan().steadyHolders(VIP, ['a'], 1000);
    assert.ok(a.running);
  });
});
