// fifo_write_vrrp_states_on_reload (KEEPALIVED.md §1.7): on reload every sync group's, then every
// instance's current state goes to the notify FIFO — lines only, no scripts — as keepalived writes them
// (it leaves out the instances that stay MASTER; we write those too). Without the option the FIFO stays
// silent on reload.
import test from 'node:test';
import assert from 'node:assert/strict';
import type { VrrpEffect } from '../../../src/vrrp/effects.js';
import { carryOver, planReload, reloadFifoStates } from '../../../src/vrrp/reload.js';
import { vrrpParams } from '../../../src/vrrp/params.js';
import { Router, configOf, instanceConf, ip, notifies } from './fsm-harness.js';
import { rig } from './runtime-fakes.js';

const GLOBAL = 'global_defs {\n  fifo_write_vrrp_states_on_reload\n}\n';

const conf = (global: string) => `${global}vrrp_sync_group G1 {
  group {
    VI_3
  }
}
track_file tf {
  file /run/tf
  weight 0
}
${instanceConf('  priority 150\n  notify_master /bin/true', 'VI_1', '10.0.0.100')}
${instanceConf('  virtual_router_id 52\n  priority 120\n  track_file {\n    tf\n  }', 'VI_2', '10.0.0.101')}
${instanceConf('  virtual_router_id 53\n  priority 100', 'VI_3', '10.0.0.102')}`;

/** VI_1 and VI_3 (group G1) MASTER, VI_2 FAULT (its track_file reads 1). */
function running(global = GLOBAL): Router {
  const r = Router.fromConfig(conf(global), '10.0.0.1', { observed: { files: { tf: 1 } } });
  r.start(0);
  r.runUntil(5000);
  assert.deepEqual(['VI_1', 'VI_2', 'VI_3'].map((n) => r.inst(n).state), ['MASTER', 'FAULT', 'MASTER']);
  return r;
}

function reload(r: Router, text: string): VrrpEffect[] {
  const old = configOf(conf(GLOBAL));
  const next = configOf(text);
  const params = vrrpParams(next);
  const plan = planReload(r.state, old.vrrp.instances, params, next.vrrp.instances);
  return carryOver({
    old: r.state, oldInstances: old.vrrp.instances, params, instances: next.vrrp.instances, plan, observed: { sourceAddresses: { VI_4: ip('10.0.0.1') } }, now: r.now,
    fifoStates: next.global.fifoWriteVrrpStatesOnReload,
  }).effects;
}

const fifoOnly = (fx: readonly VrrpEffect[]) => fx.filter((e) => e.kind === 'notify').every((e) => e.kind === 'notify' && e.scripts.length === 0);

test('every group, then every instance, in configuration order, MASTER included; no script runs', () => {
  const fx = reload(running(), conf(GLOBAL));
  assert.deepEqual(notifies(fx), ['GROUP "G1" MASTER 0', 'INSTANCE "VI_1" MASTER 150', 'INSTANCE "VI_2" FAULT 120', 'INSTANCE "VI_3" MASTER 100']);
  assert.ok(fifoOnly(fx), 'notify_master is not run again');
});

test('without the option a reload writes nothing to the FIFO', () => {
  assert.deepEqual(notifies(reload(running(), conf(''))), []);
});

test('an instance new in this configuration announces itself as at start-up, once', () => {
  const text = conf(GLOBAL) + instanceConf('  virtual_router_id 54\n  priority 90', 'VI_4', '10.0.0.103');
  const lines = notifies(reload(running(), text));
  assert.deepEqual(lines.filter((l) => l.includes('VI_4')), ['INSTANCE "VI_4" BACKUP 90']);
  assert.equal(lines.length, 5);
});

test('reloadFifoStates: INIT and STOP are never written', () => {
  const r = Router.fromConfig(conf(GLOBAL));
  assert.deepEqual(reloadFifoStates(r.state), []);
});

test('runtime: a changed configuration carries the states over and writes them to the FIFO', async () => {
  const base = GLOBAL + instanceConf('  priority 150\n  advert_int 1', 'VI_1', '10.0.0.100/24');
  const r = rig(base);
  await r.runtime.start();
  await r.clock.runUntil(4000);
  const before = r.fifo.lines.length;
  const next = configOf(GLOBAL + instanceConf('  priority 150\n  advert_int 1', 'VI_1', '10.0.0.100/24 10.0.0.101/24'));
  const carry = await r.runtime.handOver(next);
  const { VrrpRuntime } = await import('../../../src/vrrp/runtime.js');
  const rt2 = new VrrpRuntime({ config: next, addresses: r.addresses, packets: r.packets, scripts: r.scripts, fifo: r.fifo, clock: r.clock, log: r.log });
  await rt2.start({ carry });
  await r.clock.advance(1);
  assert.deepEqual(r.fifo.lines.slice(before), ['INSTANCE "VI_1" MASTER 150']);
  await rt2.writeStatesToFifo();
  assert.deepEqual(r.fifo.lines.slice(before), ['INSTANCE "VI_1" MASTER 150', 'INSTANCE "VI_1" MASTER 150']);
  assert.equal(r.scripts.notified.length, 0);
  await rt2.stop();
});
