// Without -P/-C our daemon runs as keepalived does: a parent with a VRRP child process (the checker child
// only when virtual servers are configured). The VRRP child elects, answers the SIGUSR2 the parent
// forwards with the statistics dump, and stops cleanly on SIGTERM (priority 0, VIP released), next to
// keepalived 2.2.7.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { config, instance, masterDownV2, type Daemon } from './harness.js';
import { pairSuites } from './vrrp-scenarios.js';

const VIP = '10.120.0.100';

pairSuites('wrk', 'VRRP in a child process', ({ lan }) => {
  let ours: Daemon;

  test('ours without -P becomes master and keepalived stays backup', async () => {
    ours = lan().start('ours', 'a', config(instance({ priority: 150, vips: [`${VIP}/24`] })), { combined: true });
    await lan().waitHolders(VIP, ['a'], masterDownV2(150) + 3000);
    lan().start('keepalived', 'b', config(instance({ priority: 100, vips: [`${VIP}/24`] })));
    await lan().steadyHolders(VIP, ['a'], 2000);
    assert.match(ours.out, /Starting keepalived-ts \(VRRP\)/);
  });

  test('SIGUSR2 to the parent writes the statistics dump from the VRRP child', async () => {
    assert.match(await ours.stats(), /^VRRP Instance: VI_1\n  Advertisements:\n/);
  });

  test('SIGTERM: priority 0 and the VIP released; keepalived takes over', async () => {
    ours.signal('SIGTERM');
    await lan().waitHolders(VIP, ['b'], 2000);
    assert.equal(await ours.exited, 0);
    assert.match(ours.out, /Stopped/);
  });
}, [['ours', 'keepalived']]);
