// Split brain (USER-PAINS item 3): two masters after a partition. When it heals the lower one yields;
// the winner must re-announce (advert + GARP) and say "dual master" — by default, whichever advert
// crosses the healed link first. keepalived 2.2.7 only re-announces when the loser's advert arrives
// before the loser yields, which is a coin toss; against such a silent loser ours still re-announces
// within three adverts (its periodic split-brain refresh).
import test from 'node:test';
import assert from 'node:assert/strict';
import type { ParamOptions } from '../../../src/vrrp/params.js';
import { Lan, Router, actions, counters, instanceConf, logs } from './fsm-harness.js';

function splitPair(opts: ParamOptions = {}, loserOpts = opts) {
  const lan = new Lan(1);
  const A = lan.add(Router.fromConfig(instanceConf('  priority 150\n'), '10.0.0.1', opts), '10.0.0.1');
  const B = lan.add(Router.fromConfig(instanceConf('  priority 100\n'), '10.0.0.2', loserOpts), '10.0.0.2');
  lan.send(A, { type: 'startup' });
  lan.send(B, { type: 'startup' });
  lan.runUntil(5000);
  lan.cut.add(A);
  lan.runUntil(9500);
  // A has advertised at 3414.062 + k s all along; B took over at 8024.437 (4415.062 + 3609.375)
  assert.equal(A.inst().state, 'MASTER');
  assert.equal(B.inst().state, 'MASTER');
  return { lan, A, B };
}

const dualLine = '(VI_1) dual master: 10.0.0.2 is also MASTER (priority 100, ours 150) - staying MASTER, re-announcing';

test('split brain healed, loser advertises first: the winner logs dual master, re-adverts, GARPs and re-runs notify MASTER', () => {
  const { lan, A, B } = splitPair();
  lan.cut.delete(A);
  lan.runUntil(10000); // B's next advert (10024.437) crosses before A's (10414.062)
  const t = A.now;
  lan.runUntil(20000);
  const fx = A.since(t);
  assert.ok(logs(fx).includes('(VI_1) Received advert from 10.0.0.2 with lower priority 100, ours 150, forcing new election'));
  assert.equal(logs(fx).filter((l) => l === dualLine).length, 1, 'one dual-master line per episode');
  assert.deepEqual(actions(fx).slice(0, 4), ['advert 150', 'garp lower-prio x5', 'notify MASTER_RX_LOWER_PRI', 'notify MASTER (rerun)']);
  assert.equal(counters(fx).filter((c) => c === 'dual_master_seen').length, 1);
  assert.equal(A.inst().state, 'MASTER');
  assert.equal(B.inst().state, 'BACKUP');
});

test('split brain healed, winner advertises first: the loser\'s parting advert still makes the winner re-announce', () => {
  const { lan, A, B } = splitPair();
  lan.runUntil(10100);
  lan.cut.delete(A); // A's advert at 10414.062 crosses before B's at 11024.437
  const t = A.now;
  lan.runUntil(20000);
  const fx = A.since(t);
  assert.ok(logs(B.since(t)).includes('(VI_1) Master received advert from 10.0.0.1 with higher priority 150, ours 100'));
  assert.ok(logs(fx).includes(dualLine));
  assert.ok(actions(fx).includes('garp lower-prio x5'));
  assert.equal(B.inst().state, 'BACKUP');
});

test('a loser that yields without a word (keepalived 2.2.7\'s defaults): the winner still re-announces within three adverts of the heal', () => {
  const { lan, A, B } = splitPair({}, { splitBrainRecovery: false });
  lan.runUntil(10100);
  lan.cut.delete(A); // A's advert at 10414.062 crosses first; B yields and never speaks again
  const t = A.now;
  lan.runUntil(20000);
  assert.equal(B.inst().state, 'BACKUP');
  assert.ok(!logs(A.since(t)).some((l) => l.includes('lower priority')), 'the winner heard nothing from the loser');
  const garps = A.effects.filter((e) => e.at >= t && e.kind === 'garp' && e.reason === 'split-brain-refresh');
  assert.ok(garps.length > 0);
  const first = garps[0].at - t;
  assert.ok(first <= 3 * 1000, `first re-announcement ${first} ms after the heal`);
  // one GARP per address every three advert intervals, on the advert due then
  assert.deepEqual(garps.slice(0, 3).map((g) => ('repeat' in g ? g.repeat : 0)), [1, 1, 1]);
  assert.deepEqual(garps.slice(1, 3).map((g, i) => Math.round(g.at - garps[i].at)), [3000, 3000]);
});

test('keepalived 2.2.7 exactly (splitBrainRecovery off): when the winner advertises first, nobody re-announces', () => {
  const { lan, A, B } = splitPair({ splitBrainRecovery: false });
  lan.runUntil(10100);
  lan.cut.delete(A);
  const t = A.now;
  lan.runUntil(20000);
  assert.equal(B.inst().state, 'BACKUP');
  assert.deepEqual(actions(A.since(t)).filter((a) => a.startsWith('garp') && a !== 'garp master-delayed x5'), []);
  assert.ok(!logs(A.since(t)).includes(dualLine));
});

test('a second dual master after a quiet master-down interval is a new episode', () => {
  const r = Router.fromConfig(instanceConf('  priority 150\n'));
  r.start(0);
  r.runUntil(3414.062);
  const dual = () => logs(r.advert('10.0.0.2', { priority: 100 })).filter((l) => l.includes('dual master')).length;
  r.now = 6000;
  assert.equal(dual(), 1);
  r.now = 7000;
  assert.equal(dual(), 0);
  r.now = 7000 + 3414.062 + 1;
  assert.equal(dual(), 1);
});

test('an ordinary preemption is not reported as a dual master', () => {
  const lan = new Lan(1);
  const A = lan.add(Router.fromConfig(instanceConf('  priority 150\n'), '10.0.0.1'), '10.0.0.1');
  const B = lan.add(Router.fromConfig(instanceConf('  priority 100\n'), '10.0.0.2'), '10.0.0.2');
  lan.send(B, { type: 'startup' });
  lan.runUntil(10000);
  lan.send(A, { type: 'startup' });
  lan.runUntil(30000);
  assert.equal(A.inst().state, 'MASTER');
  assert.equal(B.inst().state, 'BACKUP');
  // B's parting advert reached A and was answered as keepalived does, but it is no split brain
  assert.ok(logs(A.effects).some((l) => l.includes('with lower priority 100, ours 150')));
  assert.ok(!logs(A.effects).some((l) => l.includes('dual master')));
});

test('the periodic re-announcement gives way to a configured garp_master_refresh, and is off in strict mode', () => {
  const reasons = (conf: string) => {
    const r = Router.fromConfig(conf);
    r.start(0);
    r.runUntil(30000);
    assert.equal(r.inst().state, 'MASTER');
    return [...new Set(r.effects.flatMap((e) => (e.kind === 'garp' ? [e.reason] : [])))];
  };
  assert.deepEqual(reasons(instanceConf('  priority 150\n')), ['master', 'split-brain-refresh', 'master-delayed']);
  assert.deepEqual(reasons(instanceConf('  priority 150\n  garp_master_refresh 10\n')), ['master', 'master-delayed', 'refresh']);
  assert.deepEqual(reasons(instanceConf('  priority 150\n  strict_mode\n')), ['master', 'master-delayed']);
});
