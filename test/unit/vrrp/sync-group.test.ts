// vrrp_sync_group: members move together (KEEPALIVED.md §1.5).
import test from 'node:test';
import assert from 'node:assert/strict';
import { Router, actions, adverts, instanceConf, logs, notifies } from './fsm-harness.js';

const exact = { splitBrainRecovery: false };

function groupConf(p1 = 150, p2 = 150, extra1 = '', extra2 = ''): string {
  return `vrrp_sync_group G1 {
  group {
    VI_1
    VI_2
  }
  notify /usr/local/bin/group-notify.sh
}
${instanceConf(`  priority ${p1}\n${extra1}`, 'VI_1', '10.0.0.100')}
${instanceConf(`  interface eth1\n  virtual_router_id 52\n  priority ${p2}\n${extra2}`, 'VI_2', '10.1.0.100')}`;
}

function bothMaster(): Router {
  const r = Router.fromConfig(groupConf(), '10.0.0.1', exact);
  r.start(0);
  r.runUntil(3414.062);
  assert.equal(r.inst('VI_1').state, 'MASTER');
  assert.equal(r.inst('VI_2').state, 'MASTER');
  return r;
}

const states = (r: Router) => [r.inst('VI_1').state, r.inst('VI_2').state, r.state.groups.G1.state];

test('startup: the group announces BACKUP, then each member enters BACKUP (init)', () => {
  const r = Router.fromConfig(groupConf());
  const fx = r.start(0);
  assert.deepEqual(notifies(fx), ['GROUP "G1" BACKUP 0', 'INSTANCE "VI_1" BACKUP 150', 'INSTANCE "VI_2" BACKUP 150']);
  const g = fx.find((e) => e.kind === 'notify' && e.target === 'group');
  assert.ok(g && g.kind === 'notify');
  assert.deepEqual(g.scripts.map((c) => c.args), [['GROUP', 'G1', 'BACKUP', '0']]);
});

test('all members must be able to become master: the first to time out waits, the last takes the whole group to MASTER', () => {
  const r = Router.fromConfig(groupConf(150, 100), '10.0.0.1', exact);
  r.start(0);
  const first = r.runUntil(3414.062);
  assert.deepEqual(actions(first), [], 'VI_1 timed out but VI_2 does not want MASTER yet');
  assert.deepEqual(states(r), ['BACKUP', 'BACKUP', 'BACKUP']);
  assert.equal(r.inst('VI_1').wantState, 'MASTER');
  const fx = r.runUntil(3609.375);
  assert.deepEqual(logs(fx, false), [
    '(VI_2) Entering MASTER STATE',
    'VRRP_Group(G1) Syncing instances to MASTER state',
    '(VI_1) Entering MASTER STATE',
  ]);
  assert.deepEqual(notifies(fx), ['INSTANCE "VI_2" MASTER 100', 'INSTANCE "VI_1" MASTER 150', 'GROUP "G1" MASTER 0']);
  assert.deepEqual(states(r), ['MASTER', 'MASTER', 'MASTER']);
});

test('a member held back by its group goes back to wanting BACKUP when it hears a master', () => {
  const r = Router.fromConfig(groupConf(150, 100), '10.0.0.1', exact);
  r.start(0);
  r.runUntil(3414.062);
  r.now = 3500;
  r.advert('10.0.0.2', { priority: 200 }, 'VI_1');
  assert.equal(r.inst('VI_1').wantState, 'BACKUP');
  // VI_2 times out next but VI_1 no longer wants MASTER: nobody moves
  assert.deepEqual(actions(r.runUntil(3609.375)), []);
  assert.deepEqual(states(r), ['BACKUP', 'BACKUP', 'BACKUP']);
});

test('one member steps down before a higher-priority master -> every member steps down to BACKUP', () => {
  const r = bothMaster();
  r.now = 5000;
  const fx = r.advert('10.0.0.2', { priority: 200 }, 'VI_2');
  assert.deepEqual(logs(fx, false), [
    '(VI_2) Master received advert from 10.0.0.2 with higher priority 200, ours 150',
    '(VI_2) Entering BACKUP STATE',
    'VRRP_Group(G1) Syncing instances to BACKUP state',
    '(VI_1) Entering BACKUP STATE',
  ]);
  assert.deepEqual(actions(fx), ['remove vip', 'notify BACKUP', 'remove vip', 'notify BACKUP', 'notify group BACKUP']);
  assert.deepEqual(states(r), ['BACKUP', 'BACKUP', 'BACKUP']);
});

test('a member faults -> every member goes to FAULT, masters sending priority 0', () => {
  const r = bothMaster();
  r.now = 5000;
  const fx = r.send({ type: 'interface', name: 'eth1', up: false });
  assert.deepEqual(logs(fx, false), [
    'Netlink reports eth1 down',
    '(VI_2) Entering FAULT STATE',
    'VRRP_Group(G1) Syncing instances to FAULT state',
    '(VI_1) Entering FAULT STATE',
  ]);
  assert.deepEqual(adverts(fx, 'VI_2'), [0, 0]);
  assert.deepEqual(adverts(fx, 'VI_1'), [0]);
  assert.deepEqual(notifies(fx), ['INSTANCE "VI_2" FAULT 150', 'INSTANCE "VI_1" FAULT 150', 'GROUP "G1" FAULT 0']);
  assert.deepEqual(states(r), ['FAULT', 'FAULT', 'FAULT']);
});

test('a BACKUP member synced to FAULT is notified but, as in keepalived, logs no Entering FAULT STATE', () => {
  const r = Router.fromConfig(groupConf());
  r.start(0);
  const fx = r.send({ type: 'interface', name: 'eth1', up: false }, 1000);
  assert.deepEqual(logs(fx, false), ['Netlink reports eth1 down', '(VI_2) Entering FAULT STATE', 'VRRP_Group(G1) Syncing instances to FAULT state']);
  assert.deepEqual(notifies(fx), ['INSTANCE "VI_2" FAULT 150', 'INSTANCE "VI_1" FAULT 150', 'GROUP "G1" FAULT 0']);
});

test('the group leaves FAULT only when its last faulty member recovers, then syncs everyone to BACKUP', () => {
  const r = Router.fromConfig(groupConf(150, 150, '  track_interface {\n    eth2\n  }\n'));
  r.start(0);
  r.send({ type: 'interface', name: 'eth1', up: false }, 1000);
  r.send({ type: 'interface', name: 'eth2', up: false }, 1100);
  assert.deepEqual(actions(r.send({ type: 'interface', name: 'eth1', up: true }, 1200)), []);
  assert.deepEqual(states(r), ['FAULT', 'FAULT', 'FAULT']);
  const fx = r.send({ type: 'interface', name: 'eth2', up: true }, 1300);
  assert.deepEqual(logs(fx, false), [
    'Netlink reports eth2 up',
    '(VI_1) Entering BACKUP STATE',
    'VRRP_Group(G1) Syncing instances to BACKUP state',
    '(VI_2) Entering BACKUP STATE',
  ]);
  assert.deepEqual(states(r), ['BACKUP', 'BACKUP', 'BACKUP']);
  assert.equal(r.inst('VI_2').sands, 1300 + 3414.062);
});

test('a member faulted at start-up holds the whole group in FAULT (init)', () => {
  const r = Router.fromConfig(groupConf(), '10.0.0.1', { observed: { interfaces: { eth1: false } } });
  const fx = r.start(0);
  assert.deepEqual(logs(fx, false), [
    '(VI_2): entering FAULT state (interface eth1 down)',
    'VRRP_Group(G1): Syncing VI_2 to FAULT state',
    '(VI_1) Entering FAULT STATE (init)',
    '(VI_2) Entering FAULT STATE (init)',
  ]);
  assert.deepEqual(notifies(fx), ['GROUP "G1" FAULT 0', 'INSTANCE "VI_1" FAULT 150', 'INSTANCE "VI_2" FAULT 150']);
});

test('a master member hearing a lower-priority master re-announces the addresses of every member', () => {
  const r = bothMaster();
  r.now = 5000;
  const fx = r.advert('10.0.0.2', { priority: 50 }, 'VI_1');
  const garps = fx.flatMap((e) => (e.kind === 'garp' ? [`${e.instance} ${e.reason}`] : []));
  assert.deepEqual(garps, ['VI_1 lower-prio', 'VI_2 lower-prio']);
});

test('shutdown: every member announces STOP, then the group', () => {
  const r = bothMaster();
  const fx = r.send({ type: 'shutdown' }, 6000);
  assert.deepEqual(notifies(fx), ['INSTANCE "VI_1" STOP 150', 'INSTANCE "VI_2" STOP 150', 'GROUP "G1" STOP 0']);
  assert.deepEqual(adverts(fx), [0, 0]);
});
