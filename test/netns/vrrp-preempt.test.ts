// nopreempt: a higher-priority router that comes back does not take the VIP from the lower-priority master;
// without it, it does (the failover suites show that). VRRPv2, advert_int 1, state BACKUP on both (keepalived
// honours nopreempt only then).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { config, instance, masterDownV2, type Daemon } from './harness.js';
import { pairSuites } from './vrrp-scenarios.js';

const VIP = '10.120.0.100';

pairSuites('npre', 'nopreempt', ({ mk, bk, lan }) => {
  let a: Daemon;
  const confA = () => config(instance({ priority: 150, vips: [`${VIP}/24`], extra: '  nopreempt' }));
  const confB = () => config(instance({ priority: 100, vips: [`${VIP}/24`] }));

  test('a (nopreempt, 150) alone becomes master, and b (100) joining as backup changes nothing', async () => {
    // started first: with nopreempt, a router whose start-up is slower would rightly stay BACKUP
    a = lan().start(mk, 'a', confA());
    await lan().waitHolders(VIP, ['a'], masterDownV2(150) + 3000);
    lan().start(bk, 'b', confB());
    await lan().steadyHolders(VIP, ['a'], masterDownV2(100) + 500);
  });

  test('after a crash and return, the nopreempt router stays BACKUP and the VIP stays on the lower-priority master', async (t) => {
    a.kill9();
    await a.exited;
    await lan().waitHolders(VIP, ['a', 'b'], masterDownV2(100) + 1500); // a's copy was left by the crash
    a = lan().start(mk, 'a', confA());
    await lan().waitHolders(VIP, ['b'], 3000); // a removes the stale copy at start-up
    await lan().steadyHolders(VIP, ['b'], masterDownV2(150) + 2000);
    await a.waitFor(/\(VI_1\) Entering BACKUP STATE \(init\)/, 100);
    assert.doesNotMatch(a.out.slice(a.out.lastIndexOf('(init)')), /Entering MASTER STATE/);
    t.diagnostic(`VIP stayed on b for ${(masterDownV2(150) + 2000).toFixed(0)} ms after a returned`);
  });
});
