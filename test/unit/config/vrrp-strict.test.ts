import test from 'node:test';
import assert from 'node:assert/strict';
import { build, clean, instance } from './vrrp-helper.js';

const STRICT = 'global_defs {\n  vrrp_strict\n}\n';

test('strict: accept defaults off for non-owners (VIPs blackholed), on for the owner', () => {
  const b = build(STRICT + instance(''));
  clean(b);
  const i = b.config.vrrp.instances[0];
  assert.equal(i.strictMode, true);
  assert.equal(i.accept, false);
  assert.ok(b.one('traffic to the VIPs will be dropped', 'notice'));
  assert.deepEqual(b.config.global.nftables, { table: 'keepalived', priority: -1 });
  assert.equal(i.lowerPrioNoAdvert, true);
  assert.equal(i.higherPrioSendAdvert, false);
  assert.equal(i.garpLowerPrioRepeat, 0);
  assert.equal(i.garpLowerPrioDelay, 0);
  const o = build(STRICT + instance('  priority 255\n'));
  assert.equal(o.config.vrrp.instances[0].accept, true);
});

test('strict: the stock sample instance (state MASTER, priority 100, PASS auth) is fixed up with errors', () => {
  const b = build(STRICT + instance('  state MASTER\n  priority 100\n  authentication {\n    auth_type PASS\n    auth_pass 1111\n  }\n'));
  assert.equal(b.rc, 5);
  // reported at the keyword that causes it
  assert.equal(b.one('(VI_1) State MASTER must match being address owner').line, 10);
  assert.equal(b.one('(VI_1) Strict mode does not support authentication. Ignoring.').line, 12);
  assert.equal(b.config.vrrp.instances[0].state, 'BACKUP');
  assert.equal(b.config.vrrp.instances[0].authentication, undefined);
});

test('strict: every incompatible option is reset with keepalived\'s message', () => {
  const b = build(STRICT + instance(`  preempt_delay 3
  down_timer_adverts 5
  garp_lower_prio_repeat 2
  garp_lower_prio_delay 2
  lower_prio_no_advert false
  higher_prio_send_advert
  accept`));
  for (const m of [
    '(VI_1) preempt_delay is incompatible with strict mode - resetting',
    '(VI_1) down_timer_adverts is incompatible with strict mode - resetting',
    '(VI_1) warning - accept mode for VRRP version 2 does not comply with RFC3768 - resetting',
    '(VI_1) Strict mode requires no repeat garps. resetting',
    '(VI_1) Strict mode requires no repeat garp delay. resetting',
    '(VI_1) Strict mode requires no lower priority advert. resetting',
    '(VI_1) strict mode requires higher_prio_send_advert to be clear. resetting',
  ]) assert.ok(b.one(m), m);
  const i = b.config.vrrp.instances[0];
  assert.deepEqual([i.preemptDelay, i.downTimerAdverts, i.accept, i.garpLowerPrioRepeat, i.lowerPrioNoAdvert, i.higherPrioSendAdvert], [0, 3, false, 0, true, false]);
});

test('strict: VRRPv3 keeps an explicit accept', () => {
  const b = build(STRICT + instance('  version 3\n  accept\n'));
  clean(b);
  assert.equal(b.config.vrrp.instances[0].accept, true);
});

test('strict: no VIP is an error; IPv6 needs v3 and a link-local first VIP', () => {
  const n = build(STRICT + 'vrrp_instance A {\n  interface eth0\n  virtual_router_id 1\n}\n');
  assert.ok(n.one('(A) No VIP specified; at least one is required'));
  const b = build(STRICT + instance('  virtual_ipaddress {\n    2001:db8::1\n  }\n') + 'vrrp_instance B {\n  interface eth0\n  virtual_router_id 2\n  version 2\n  virtual_ipaddress {\n    fe80::1\n  }\n}\n');
  assert.equal(b.one('(VI_1) the first IPv6 VIP address must be link local').severity, 'error');
  assert.ok(b.one('(B) cannot use IPv6 with VRRP version 2; setting version 3'));
  assert.equal(b.config.vrrp.instances[1].version, 3);
});

test('strict_mode per instance overrides the global', () => {
  const b = build(STRICT + instance('  strict_mode off\n'));
  clean(b);
  assert.equal(b.config.vrrp.instances[0].strictMode, false);
  assert.equal(b.config.vrrp.instances[0].accept, true);
  const on = build(instance('  strict_mode\n  state MASTER\n  priority 10\n'));
  assert.ok(on.one('State MASTER must match being address owner'));
  const bad = build(instance('  strict_mode sometimes\n'));
  assert.ok(bad.one('(VI_1) invalid strict_mode sometimes specified'));
});
