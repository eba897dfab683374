// FAULT and weighted tracking: interfaces, vrrp_scripts (rise/fall), track_files, processes, the
// advert source address (keepalived §3.12, §1.6).
import test from 'node:test';
import assert from 'node:assert/strict';
import { nextDeadline } from '../../../src/vrrp/fsm.js';
import { Lan, Router, actions, instanceConf, ip, logs, notifies } from './fsm-harness.js';

const exact = { splitBrainRecovery: false };
const DOWN150 = 3414.062;

function master(body = '  priority 150\n', conf = (b: string) => instanceConf(b)): Router {
  const r = Router.fromConfig(conf(body), '10.0.0.1', exact);
  r.start(0);
  r.runUntil(DOWN150);
  assert.equal(r.inst().state, 'MASTER');
  return r;
}

const script = (weight: number, extra = '') =>
  `vrrp_script chk {\n  script "/bin/true"\n  interval 1\n  weight ${weight}\n${extra}}\n`;

test('master: its interface goes down -> FAULT: two priority-0 adverts, VIPs removed, notify FAULT, no timer', () => {
  const r = master();
  r.now = 5000;
  const fx = r.send({ type: 'interface', name: 'eth0', up: false });
  assert.deepEqual(logs(fx), ['Netlink reports eth0 down', '(VI_1) Entering FAULT STATE', '(VI_1) sent 0 priority', '(VI_1) removing VIPs.']);
  assert.deepEqual(actions(fx), ['advert 0', 'advert 0', 'remove vip', 'notify FAULT']);
  assert.deepEqual(notifies(fx), ['INSTANCE "VI_1" FAULT 150']);
  assert.equal(r.inst().state, 'FAULT');
  assert.equal(nextDeadline(r.state), undefined);
});

test('fault: the interface comes back -> BACKUP with a fresh master-down timer, then elects normally', () => {
  const r = master();
  r.now = 5000;
  r.send({ type: 'interface', name: 'eth0', up: false });
  r.now = 8000;
  const fx = r.send({ type: 'interface', name: 'eth0', up: true });
  assert.deepEqual(logs(fx), ['Netlink reports eth0 up', '(VI_1) Entering BACKUP STATE']);
  assert.deepEqual(actions(fx), ['notify BACKUP']);
  assert.equal(nextDeadline(r.state), 8000 + DOWN150);
  assert.deepEqual(actions(r.runUntil(8000 + DOWN150)), ['advert 150', 'add vip', 'garp master x5', 'notify MASTER']);
});

test('a repeated link report changes nothing', () => {
  const r = master();
  r.send({ type: 'interface', name: 'eth0', up: false });
  assert.deepEqual(r.send({ type: 'interface', name: 'eth0', up: false }), []);
});

test('backup: an unweighted tracked interface goes down -> FAULT without any advert', () => {
  const r = Router.fromConfig(instanceConf('  priority 150\n  track_interface {\n    eth1\n  }\n'));
  r.start(0);
  const fx = r.send({ type: 'interface', name: 'eth1', up: false }, 1000);
  assert.deepEqual(logs(fx), ['Netlink reports eth1 down', '(VI_1) Entering FAULT STATE']);
  assert.deepEqual(actions(fx), ['notify FAULT']);
});

test('an interface nobody tracks is not even logged', () => {
  const r = master();
  assert.deepEqual(r.send({ type: 'interface', name: 'eth7', up: false }), []);
});

test('dont_track_primary: the advert interface going down is ignored', () => {
  const r = master('  priority 150\n  dont_track_primary\n');
  assert.deepEqual(r.send({ type: 'interface', name: 'eth0', up: false }), []);
  assert.equal(r.inst().state, 'MASTER');
});

test('startup with the interface down: FAULT (init) says why, notifies FAULT, arms nothing', () => {
  const r = Router.fromConfig(instanceConf('  priority 150\n'), '10.0.0.1', { observed: { interfaces: { eth0: false } } });
  const fx = r.start(0);
  assert.deepEqual(logs(fx, false), ['(VI_1): entering FAULT state (interface eth0 down)', '(VI_1) Entering FAULT STATE (init)']);
  assert.deepEqual(notifies(fx), ['INSTANCE "VI_1" FAULT 150']);
  assert.equal(nextDeadline(r.state), undefined);
});

test('weighted track_interface: down lowers the priority with keepalived\'s line and stretches the running timer by the skew change', () => {
  const r = Router.fromConfig(instanceConf('  priority 150\n  track_interface {\n    eth1 weight -60\n  }\n'));
  r.start(0);
  const fx = r.send({ type: 'interface', name: 'eth1', up: false }, 1000);
  assert.deepEqual(logs(fx), ['Netlink reports eth1 down', '(VI_1) Changing effective priority from 150 to 90']);
  assert.equal(r.inst().state, 'BACKUP');
  assert.equal(r.inst().effectivePriority, 90);
  // master-down at priority 90 is 3648.437 ms; the deadline moves by the difference
  assert.equal(nextDeadline(r.state), 3648.437);
  r.send({ type: 'interface', name: 'eth1', up: true }, 2000);
  assert.equal(r.inst().effectivePriority, 150);
});

test('weighted tracking is clamped to 1..254', () => {
  const r = Router.fromConfig(instanceConf('  priority 200\n  track_interface {\n    eth1 weight 100\n    eth2 weight -250\n  }\n'));
  r.start(0);
  assert.equal(r.inst().effectivePriority, 254);
  r.send({ type: 'interface', name: 'eth2', up: false });
  r.send({ type: 'interface', name: 'eth1', up: false });
  assert.equal(r.inst().effectivePriority, 1);
});

test('notify_priority_changes: a priority change writes BACKUP_PRIORITY / MASTER_PRIORITY FIFO lines and runs no script', () => {
  const r = Router.fromConfig(instanceConf('  priority 150\n  notify_priority_changes\n  notify /bin/n.sh\n  track_interface {\n    eth1 weight -60\n  }\n'));
  r.start(0);
  const fx = r.send({ type: 'interface', name: 'eth1', up: false }, 1000);
  const n = fx.find((e) => e.kind === 'notify');
  assert.ok(n && n.kind === 'notify');
  assert.equal(n.fifoLine, 'INSTANCE "VI_1" BACKUP_PRIORITY 90');
  assert.deepEqual(n.scripts, []);
});

test('vrrp_script weighted: fall failures lower the priority, rise successes restore it, with keepalived\'s lines', () => {
  const r = Router.fromConfig(`${script(-60, '  rise 2\n  fall 2\n')}${instanceConf('  priority 150\n  track_script {\n    chk\n  }\n')}`);
  r.start(0);
  const res = (code: number, at: number) => logs(r.send({ type: 'scriptResult', name: 'chk', outcome: { exitCode: code } }, at));
  assert.deepEqual(res(0, 100), ['VRRP_Script(chk) succeeded']);
  assert.equal(r.inst().effectivePriority, 150);
  assert.deepEqual(res(1, 200), ['Script `chk` now returning 1']);
  assert.equal(r.inst().effectivePriority, 150, 'one failure is not enough with fall 2');
  assert.deepEqual(res(1, 300), ['VRRP_Script(chk) failed (exited with status 1)', '(VI_1) Changing effective priority from 150 to 90']);
  assert.deepEqual(res(0, 400), ['Script `chk` now returning 0']);
  assert.equal(r.inst().effectivePriority, 90, 'one success is not enough with rise 2');
  assert.deepEqual(res(0, 500), ['VRRP_Script(chk) succeeded', '(VI_1) Changing effective priority from 90 to 150']);
});

test('vrrp_script unweighted: failure -> FAULT; success -> BACKUP', () => {
  const r = Router.fromConfig(`${script(0)}${instanceConf('  priority 150\n  track_script {\n    chk\n  }\n')}`, '10.0.0.1', exact);
  const fx0 = r.start(0);
  assert.equal(r.inst().state, 'FAULT', 'held until the script first reports');
  assert.deepEqual(logs(fx0, false), ['(VI_1) Entering FAULT STATE (init)']);
  assert.deepEqual(logs(r.send({ type: 'scriptResult', name: 'chk', outcome: { exitCode: 0 } }, 500)), ['VRRP_Script(chk) succeeded', '(VI_1) Entering BACKUP STATE']);
  r.runUntil(500 + DOWN150);
  assert.equal(r.inst().state, 'MASTER');
  const fx = r.send({ type: 'scriptResult', name: 'chk', outcome: { timedOut: true } }, 6000);
  assert.deepEqual(logs(fx, false), ['VRRP_Script(chk) timed_out', '(VI_1) Entering FAULT STATE']);
  assert.deepEqual(actions(fx), ['advert 0', 'advert 0', 'remove vip', 'notify FAULT']);
  assert.deepEqual(logs(r.send({ type: 'scriptResult', name: 'chk', outcome: { exitCode: 0 } }, 7000)), ['VRRP_Script(chk) succeeded', '(VI_1) Entering BACKUP STATE']);
});

test('vrrp_script killed by a signal counts as a failure and says so', () => {
  const r = Router.fromConfig(`${script(-10)}${instanceConf('  priority 150\n  track_script {\n    chk\n  }\n')}`);
  r.start(0);
  assert.deepEqual(logs(r.send({ type: 'scriptResult', name: 'chk', outcome: { signal: 9 } }, 100)), ['VRRP_Script(chk) failed (due to signal 9)', '(VI_1) Changing effective priority from 150 to 140']);
});

test('a master whose tracked script lowers it below the backup is preempted within the backup\'s down timer', () => {
  const lan = new Lan(1);
  const A = lan.add(Router.fromConfig(`${script(-60)}${instanceConf('  priority 150\n  track_script {\n    chk\n  }\n')}`, '10.0.0.1'), '10.0.0.1');
  const B = lan.add(Router.fromConfig(instanceConf('  priority 100\n'), '10.0.0.2'), '10.0.0.2');
  lan.send(A, { type: 'startup' });
  lan.send(B, { type: 'startup' });
  lan.runUntil(10000);
  assert.equal(A.inst().state, 'MASTER');
  lan.send(A, { type: 'scriptResult', name: 'chk', outcome: { exitCode: 1 } });
  lan.runUntil(20000);
  assert.equal(B.inst().state, 'MASTER');
  assert.equal(A.inst().state, 'BACKUP');
  const took = B.effects.find((e) => e.kind === 'log' && e.message === '(VI_1) Entering MASTER STATE')!.at;
  // B discards A's priority-90 adverts from the first one after 10000, so it takes over 3.609 s after its last accepted advert
  assert.ok(took > 10000 && took <= 10000 + 1000 + 3609.375 + 1, `took over at ${took}`);
});

test('track_file weighted: value x weight adjusts the priority; at -254 the instance faults', () => {
  const conf = `track_file tf {\n  file /run/ka/tf\n  weight 5\n}\n${instanceConf('  priority 150\n  track_file {\n    tf\n  }\n')}`;
  const r = Router.fromConfig(conf);
  r.start(0);
  r.send({ type: 'trackFile', name: 'tf', value: 4 }, 100);
  assert.equal(r.inst().effectivePriority, 170);
  const fx = r.send({ type: 'trackFile', name: 'tf', value: -100 }, 200);
  assert.deepEqual(logs(fx), ['(VI_1): tracked file tf now FAULT state', '(VI_1) Changing effective priority from 170 to 150', '(VI_1) Entering FAULT STATE']);
  assert.equal(r.inst().state, 'FAULT');
  const back = r.send({ type: 'trackFile', name: 'tf', value: 0 }, 300);
  assert.deepEqual(logs(back), ['(VI_1): tracked file tf leaving FAULT state', '(VI_1) Entering BACKUP STATE']);
});

test('track_file with weight 0: any non-zero value is a fault', () => {
  const conf = `track_file tf {\n  file /run/ka/tf\n  weight 0\n}\n${instanceConf('  priority 150\n  track_file {\n    tf\n  }\n')}`;
  const r = Router.fromConfig(conf);
  r.start(0);
  r.send({ type: 'trackFile', name: 'tf', value: 1 }, 100);
  assert.equal(r.inst().state, 'FAULT');
});

test('vrrp_track_process: losing the quorum of an unweighted process faults the instance', () => {
  const conf = `vrrp_track_process haproxy {\n  process haproxy\n  weight 0\n}\n${instanceConf('  priority 150\n  track_process {\n    haproxy\n  }\n')}`;
  const r = Router.fromConfig(conf);
  r.start(0);
  const fx = r.send({ type: 'trackProcess', name: 'haproxy', quorum: false }, 100);
  assert.deepEqual(logs(fx), ['Quorum lost for tracked process haproxy', '(VI_1) Entering FAULT STATE']);
});

test('no address on the interface and no mcast_src_ip: FAULT (init) until an address appears', () => {
  const r = new Router(Router.fromConfig(instanceConf('  priority 150\n')).params);
  const fx = r.start(0);
  assert.deepEqual(logs(fx, false), ['(VI_1) entering FAULT state (no IPv4 address for interface)', '(VI_1) Entering FAULT STATE (init)']);
  const up = r.send({ type: 'sourceAddress', instance: 'VI_1', address: ip('10.0.0.1') }, 1000);
  assert.deepEqual(logs(up), ['(VI_1) Entering BACKUP STATE']);
});

test('an address owner leaving FAULT waits a full master-down interval like keepalived (its MASTER wish is reset by the fault)', () => {
  const r = Router.fromConfig(instanceConf('  state MASTER\n'));
  r.start(0);
  assert.equal(r.inst().state, 'MASTER');
  r.send({ type: 'interface', name: 'eth0', up: false }, 1000);
  r.send({ type: 'interface', name: 'eth0', up: true }, 2000);
  assert.equal(r.inst().state, 'BACKUP');
  assert.equal(nextDeadline(r.state), 2000 + 3003.906);
});

test('unicast instance leaving FAULT sends one GARP for its own source address', () => {
  const r = Router.fromConfig(instanceConf('  priority 150\n  unicast_src_ip 10.0.0.1\n  unicast_peer {\n    10.0.0.2\n  }\n'));
  r.start(0);
  r.send({ type: 'interface', name: 'eth0', up: false }, 100);
  assert.deepEqual(actions(r.send({ type: 'interface', name: 'eth0', up: true }, 200)), ['notify BACKUP', 'garp source 10.0.0.1']);
});
