// -X / --release-vips next to keepalived 2.2.7, each daemon paired with itself. keepalived's help says "Drop VIP
// on transition from signal", but what the flag does (vrrp_restore_interface) is remove an instance's addresses
// when it leaves MASTER even if its record says they were not set: a BACKUP's stop does not touch a VIP it does
// not hold, and a MASTER's stop releases its own, with or without -X. Both daemons are asserted the same.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { config, instance, masterDownV2, run, type Daemon } from './harness.js';
import { pairSuites } from './vrrp-scenarios.js';

const VIP = '10.120.0.100';

pairSuites('rlx', 'release-vips (-X)', ({ mk, lan }) => {
  let a: Daemon;
  let b: Daemon;

  test('election with -X on both: a (150) is master, b backup', async () => {
    a = lan().start(mk, 'a', config(instance({ priority: 150, vips: [`${VIP}/24`] })), { extraArgs: ['-X'] });
    b = lan().start(mk, 'b', config(instance({ priority: 100, vips: [`${VIP}/24`] })), { extraArgs: ['-X'] });
    await lan().waitHolders(VIP, ['a'], masterDownV2(150) + 5000);
  });

  test('a BACKUP stopped with -X leaves a VIP it does not hold (added by hand after its start) where it is', async () => {
    run('ip', ['-n', lan().node('b').ns, 'addr', 'add', `${VIP}/24`, 'dev', 'eth0']);
    await b.stop();
    assert.deepEqual(lan().holders(VIP).sort(), ['a', 'b']);
    run('ip', ['-n', lan().node('b').ns, 'addr', 'del', `${VIP}/24`, 'dev', 'eth0']);
  });

  test('the MASTER stopped with -X releases its VIP', async () => {
    await a.stop();
    assert.deepEqual(lan().holders(VIP), []);
  });
}, [['ours', 'ours'], ['keepalived', 'keepalived']]);
