// Elections between routers: preemption, nopreempt, preempt_delay, higher_prio_send_advert, and whole
// runs of two routers on a simulated LAN with an explicit clock.
import test from 'node:test';
import assert from 'node:assert/strict';
import { nextDeadline } from '../../../src/vrrp/fsm.js';
import { Lan, Router, actions, adverts, instanceConf, logs } from './fsm-harness.js';

const exact = { splitBrainRecovery: false };

function backupHearing(master: number, body: string, opts = exact): Router {
  const r = Router.fromConfig(instanceConf(body), '10.0.0.1', opts);
  r.start(0);
  r.now = 500;
  r.advert('10.0.0.2', { priority: master });
  return r;
}

test('backup (preempt, the default): a lower-priority advert is discarded and the master-down timer keeps running', () => {
  const r = backupHearing(200, '  priority 150\n');
  const due = nextDeadline(r.state)!;
  r.now = 1500;
  const fx = r.advert('10.0.0.2', { priority: 90 });
  assert.deepEqual(logs(fx), ['(VI_1) received lower priority (90) advert from 10.0.0.2 - discarding']);
  assert.equal(nextDeadline(r.state), due);
  r.now = 2500;
  r.advert('10.0.0.2', { priority: 90 });
  assert.deepEqual(actions(r.runUntil(due)), ['advert 150', 'add vip', 'garp master x5', 'notify MASTER']);
});

test('backup: a priority change while it discards a lower master shifts the deadline only by the interval change', () => {
  const r = backupHearing(200, '  priority 150\n  track_interface {\n    eth1 weight -10\n  }\n');
  r.now = 1500;
  r.advert('10.0.0.2', { priority: 90 });
  assert.equal(nextDeadline(r.state), 500 + 3414.062);
  r.send({ type: 'interface', name: 'eth1', up: false }, 2000);
  // master-down at 140 is 3453.125 ms: 39.063 ms later than at 150 (keepalived 2.2.7 would add a second here)
  assert.ok(Math.abs(nextDeadline(r.state)! - (500 + 3453.125)) < 1e-6);
});

test('backup with nopreempt: a lower-priority master is accepted, so the higher-priority node stays BACKUP', () => {
  const r = backupHearing(200, '  priority 150\n  nopreempt\n');
  for (let t = 1500; t < 20000; t += 1000) {
    r.now = t;
    assert.deepEqual(logs(r.advert('10.0.0.2', { priority: 90 })), []);
    assert.deepEqual(actions(r.runUntil(t + 999)), []);
  }
  assert.equal(r.inst().state, 'BACKUP');
});

test('backup with preempt_delay: lower-priority adverts are accepted for the delay, then discarded', () => {
  const r = backupHearing(200, '  priority 150\n  preempt_delay 5\n');
  r.now = 1000;
  assert.deepEqual(logs(r.advert('10.0.0.2', { priority: 90 })), ['(VI_1) start preempt delay (5.000000)']);
  for (let t = 2000; t < 6000; t += 1000) {
    r.now = t;
    assert.deepEqual(logs(r.advert('10.0.0.2', { priority: 90 })), [], `accepted at ${t}`);
  }
  r.now = 6000;
  assert.deepEqual(logs(r.advert('10.0.0.2', { priority: 90 })), ['(VI_1) received lower priority (90) advert from 10.0.0.2 - discarding']);
  // its timer was last restarted at 5000, by the last advert it accepted
  assert.equal(nextDeadline(r.state), 5000 + 3414.062);
});

test('backup with preempt_delay: a higher-priority advert stops the delay', () => {
  const r = backupHearing(200, '  priority 150\n  preempt_delay 5\n');
  r.now = 1000;
  r.advert('10.0.0.2', { priority: 90 });
  r.now = 2000;
  assert.deepEqual(logs(r.advert('10.0.0.2', { priority: 200 })), ['(VI_1) stop preempt delay']);
  assert.equal(r.inst().preemptTime, undefined);
});

test('master with higher_prio_send_advert: sends one advert at its own priority, then yields', () => {
  const r = Router.fromConfig(instanceConf('  priority 150\n  higher_prio_send_advert\n'), '10.0.0.1', exact);
  r.start(0);
  r.runUntil(3414.062);
  const fx = r.advert('10.0.0.2', { priority: 200 });
  assert.deepEqual(actions(fx), ['advert 150', 'remove vip', 'notify BACKUP']);
});

test('master: yielding sends that advert by default (split-brain recovery), never in strict mode', () => {
  const ours = Router.fromConfig(instanceConf('  priority 150\n'));
  ours.start(0);
  ours.runUntil(3414.062);
  assert.deepEqual(adverts(ours.advert('10.0.0.2', { priority: 200 })), [150]);

  const strict = Router.fromConfig(`global_defs {\n  vrrp_strict\n}\n${instanceConf('  priority 150\n')}`);
  strict.start(0);
  strict.runUntil(3414.062);
  const fx = strict.advert('10.0.0.2', { priority: 200 });
  assert.deepEqual(adverts(fx), []);
  assert.equal(strict.inst().state, 'BACKUP');
});

test('strict mode (no_accept): a non-owner master installs the firewall drop rule with its VIPs and removes it after them', () => {
  const r = Router.fromConfig(`global_defs {\n  vrrp_strict\n}\n${instanceConf('  priority 150\n')}`);
  r.start(0);
  assert.deepEqual(actions(r.runUntil(3414.062)), ['advert 150', 'add firewall', 'add vip', 'garp master x5', 'notify MASTER']);
  assert.deepEqual(actions(r.advert('10.0.0.2', { priority: 200 })), ['remove vip', 'remove firewall', 'notify BACKUP']);
});

function pair(a: number, b: number, opts = exact, extraA = '', extraB = '') {
  const lan = new Lan(1);
  const A = lan.add(Router.fromConfig(instanceConf(`  priority ${a}\n${extraA}`), '10.0.0.1', opts), '10.0.0.1');
  const B = lan.add(Router.fromConfig(instanceConf(`  priority ${b}\n${extraB}`), '10.0.0.2', opts), '10.0.0.2');
  return { lan, A, B };
}

const becameMaster = (r: Router) => r.effects.filter((e) => e.kind === 'log' && e.message === '(VI_1) Entering MASTER STATE').map((e) => e.at);

test('two routers started together: the higher priority is MASTER 3.414 s later; the other never times out', () => {
  const { lan, A, B } = pair(150, 100);
  lan.send(A, { type: 'startup' });
  lan.send(B, { type: 'startup' });
  lan.runUntil(60000);
  assert.deepEqual(becameMaster(A), [3414.062]);
  assert.deepEqual(becameMaster(B), []);
  assert.equal(B.inst().state, 'BACKUP');
  assert.equal(B.inst().masterAddress?.text, '10.0.0.1');
});

test('master stops: the backup takes over its skew time after the priority-0 advert (0.609 s at priority 100)', () => {
  const { lan, A, B } = pair(150, 100);
  lan.send(A, { type: 'startup' });
  lan.send(B, { type: 'startup' });
  lan.runUntil(10000);
  lan.send(A, { type: 'shutdown' });
  lan.runUntil(20000);
  assert.deepEqual(becameMaster(B), [10001 + 609.375]);
  assert.ok(logs(B.effects).includes('(VI_1) Backup received priority 0 advertisement'));
});

test('preemption: a higher-priority router joining late discards the master, takes over after its down timer, and the old master yields', () => {
  const { lan, A, B } = pair(150, 100);
  lan.send(B, { type: 'startup' });
  lan.runUntil(10000);
  assert.equal(B.inst().state, 'MASTER');
  lan.send(A, { type: 'startup' });
  lan.runUntil(30000);
  assert.deepEqual(becameMaster(A), [10000 + 3414.062]);
  assert.ok(logs(A.effects).includes('(VI_1) received lower priority (100) advert from 10.0.0.2 - discarding'));
  assert.ok(logs(B.effects).includes('(VI_1) Master received advert from 10.0.0.1 with higher priority 150, ours 100'));
  assert.equal(B.inst().state, 'BACKUP');
  assert.equal(A.inst().state, 'MASTER');
});

test('nopreempt on the higher-priority router: it joins late and stays BACKUP behind the lower-priority master', () => {
  const { lan, A, B } = pair(150, 100, exact, '  nopreempt\n');
  lan.send(B, { type: 'startup' });
  lan.runUntil(10000);
  lan.send(A, { type: 'startup' });
  lan.runUntil(60000);
  assert.equal(A.inst().state, 'BACKUP');
  assert.equal(B.inst().state, 'MASTER');
});

test('equal priorities started together: the higher address wins, the other yields with the keepalived line', () => {
  const { lan, A, B } = pair(100, 100);
  lan.send(A, { type: 'startup' });
  lan.send(B, { type: 'startup' });
  lan.runUntil(20000);
  assert.equal(B.inst().state, 'MASTER');
  assert.equal(A.inst().state, 'BACKUP');
  assert.ok(logs(A.effects).includes('(VI_1) Master received advert from 10.0.0.2 with same priority 100 but higher IP address than ours'));
});
