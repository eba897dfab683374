// RFC 5798 §6 transitions (Initialize, Backup, Master; Startup, Shutdown) as keepalived 2.2.7 runs them.
import test from 'node:test';
import assert from 'node:assert/strict';
import { nextDeadline, step } from '../../../src/vrrp/fsm.js';
import { Router, actions, adverts, counters, instanceConf, ip, logs, notifies } from './fsm-harness.js';
import type { ParamOptions } from '../../../src/vrrp/params.js';

const PRIO150_DOWN = 3414.062; // 3 × 1 s + (256 − 150)/256 s, in keepalived's microseconds

/** keepalived's own behaviour: our split-brain extras off. */
const exact = { splitBrainRecovery: false };

function masterAt150(opts: ParamOptions = exact, extra = ''): Router {
  const r = Router.fromConfig(instanceConf(`  priority 150\n${extra}`), '10.0.0.1', opts);
  r.start(0);
  r.runUntil(PRIO150_DOWN);
  assert.equal(r.inst().state, 'MASTER');
  return r;
}

test('startup: a BACKUP instance enters BACKUP (init), notifies it, and arms the master-down timer', () => {
  const r = Router.fromConfig(instanceConf('  priority 150\n'));
  const fx = r.start(0);
  assert.deepEqual(logs(fx, false), ['(VI_1) Entering BACKUP STATE (init)']);
  assert.deepEqual(actions(fx), ['remove vip stale', 'notify BACKUP']);
  assert.deepEqual(notifies(fx), ['INSTANCE "VI_1" BACKUP 150']);
  assert.equal(r.inst().state, 'BACKUP');
  assert.equal(nextDeadline(r.state), PRIO150_DOWN);
});

test('startup: the notify scripts get keepalived argv: specific with its own args, generic with INSTANCE name state priority', () => {
  const r = Router.fromConfig(instanceConf('  notify_backup "/usr/local/bin/to-backup.sh now"\n  notify /usr/local/bin/notify.sh\n'));
  const n = r.start(0).find((e) => e.kind === 'notify');
  assert.ok(n && n.kind === 'notify');
  assert.deepEqual(n.scripts.map((c) => [c.script.argv.join(' '), ...c.args]), [
    ['/usr/local/bin/to-backup.sh now'],
    ['/usr/local/bin/notify.sh', 'INSTANCE', 'VI_1', 'BACKUP', '100'],
  ]);
});

test('startup: state MASTER with priority 255 (address owner) becomes MASTER at once, with no BACKUP (init) line', () => {
  const r = Router.fromConfig(instanceConf('  state MASTER\n'));
  const fx = r.start(0);
  assert.deepEqual(logs(fx, false), ['(VI_1) Entering MASTER STATE']);
  assert.deepEqual(actions(fx), ['remove vip stale', 'advert 255', 'add vip', 'garp master x5', 'notify MASTER']);
  assert.equal(r.inst().state, 'MASTER');
  assert.equal(nextDeadline(r.state), 1000);
});

test('startup: state MASTER below 255 does not speed anything up: BACKUP (init) and the full master-down wait', () => {
  const r = Router.fromConfig(instanceConf('  state MASTER\n  priority 150\n'));
  r.start(0);
  assert.equal(r.inst().state, 'BACKUP');
  assert.equal(nextDeadline(r.state), PRIO150_DOWN);
});

test('startup: vrrp_startup_delay holds every backup until start + delay + master-down', () => {
  const r = Router.fromConfig(`global_defs {\n  vrrp_startup_delay 5\n}\n${instanceConf('  priority 150\n')}`);
  r.start(100);
  assert.equal(nextDeadline(r.state), 5100 + PRIO150_DOWN);
});

test('startup: with vrrp_startup_delay even the address owner waits for the delay', () => {
  const r = Router.fromConfig(`global_defs {\n  vrrp_startup_delay 2\n}\n${instanceConf('  state MASTER\n')}`);
  assert.deepEqual(actions(r.start(0)), ['remove vip stale']);
  assert.equal(nextDeadline(r.state), 2000.001);
  assert.deepEqual(actions(r.runUntil(2000.001)), ['advert 255', 'add vip', 'garp master x5', 'notify MASTER']);
});

test('backup: master-down timer fires -> becomes MASTER, sends advert, adds VIPs, sends GARP, notifies MASTER', () => {
  const r = Router.fromConfig(instanceConf('  priority 150\n'));
  r.start(0);
  assert.deepEqual(r.runUntil(PRIO150_DOWN - 0.001), []);
  const fx = r.runUntil(PRIO150_DOWN);
  assert.deepEqual(logs(fx), [
    '(VI_1) Receive advertisement timeout',
    '(VI_1) Entering MASTER STATE',
    '(VI_1) setting VIPs.',
    '(VI_1) Sending/queueing gratuitous ARPs on eth0 for 10.0.0.100',
  ]);
  assert.deepEqual(actions(fx), ['advert 150', 'add vip', 'garp master x5', 'notify MASTER']);
  assert.deepEqual(notifies(fx), ['INSTANCE "VI_1" MASTER 150']);
  assert.deepEqual(counters(fx), ['advert_sent', 'become_master']);
});

test('backup -> MASTER installs VIPs, eVIPs, routes and rules in keepalived order, after the advert, then GARPs for all addresses', () => {
  const r = Router.fromConfig(`${instanceConf(`  priority 150
  virtual_ipaddress_excluded {
    10.0.1.1
  }
  virtual_routes {
    10.5.0.0/16 via 10.0.0.254 dev eth0
  }
  virtual_rules {
    from 10.0.0.100 table 100 priority 100
  }
`)}`);
  r.start(0);
  const fx = r.runUntil(PRIO150_DOWN);
  assert.deepEqual(actions(fx), ['advert 150', 'add vip', 'add evip', 'add routes', 'add rules', 'garp master x5', 'notify MASTER']);
  const garp = fx.find((e) => e.kind === 'garp');
  assert.ok(garp && garp.kind === 'garp');
  assert.deepEqual(garp.addresses.map((a) => a.address.text), ['10.0.0.100', '10.0.1.1']);
});

test('master: sends an advert every advert_int and a second GARP burst garp_master_delay (5 s) after taking over', () => {
  const r = masterAt150();
  const fx = r.runUntil(PRIO150_DOWN + 5000);
  assert.deepEqual(actions(fx), ['advert 150', 'advert 150', 'advert 150', 'advert 150', 'advert 150', 'garp master-delayed x5']);
  assert.deepEqual(r.effects.filter((e) => e.kind === 'sendAdvert').map((e) => e.at),
    [0, 1, 2, 3, 4, 5].map((k) => PRIO150_DOWN + k * 1000));
});

test('master: garp_master_refresh re-announces with the first advert after each refresh interval', () => {
  const r = masterAt150(exact, '  garp_master_refresh 10\n  garp_master_refresh_repeat 2\n  garp_master_delay 0\n');
  r.runUntil(PRIO150_DOWN + 30000);
  const refreshes = r.effects.filter((e) => e.kind === 'garp' && e.reason === 'refresh');
  assert.deepEqual(refreshes.map((e) => [e.at, e.kind === 'garp' && e.repeat]), [[PRIO150_DOWN + 11000, 2], [PRIO150_DOWN + 22000, 2]]);
});

test('backup: an advert from the master restarts the master-down timer', () => {
  const r = Router.fromConfig(instanceConf('  priority 150\n'));
  r.start(0);
  r.now = 3000;
  const fx = r.advert('10.0.0.2', { priority: 200 });
  assert.deepEqual(actions(fx), []);
  assert.equal(nextDeadline(r.state), 3000 + PRIO150_DOWN);
  assert.equal(r.inst().masterAddress?.text, '10.0.0.2');
  assert.equal(r.inst().masterPriority, 200);
});

test('backup: an equal-priority master is never preempted', () => {
  const r = Router.fromConfig(instanceConf('  priority 150\n'));
  r.start(0);
  r.now = 3000;
  r.advert('10.0.0.2', { priority: 150 });
  assert.equal(nextDeadline(r.state), 3000 + PRIO150_DOWN);
});

test('backup (v3): adopts the master advert interval, so skew and master-down follow it', () => {
  const r = Router.fromConfig(instanceConf('  version 3\n  priority 100\n'));
  r.start(0);
  r.now = 500;
  const fx = r.advert('10.0.0.2', { priority: 200, advertIntCs: 50, version: 3 });
  assert.deepEqual(logs(fx), ['(VI_1) advertisement interval updated from 1000ms to 500ms by master']);
  assert.equal(r.inst().masterAdverIntCs, 50);
  assert.equal(nextDeadline(r.state), 500 + 1500 + 304.687);
});

test('backup (v3) -> MASTER goes back to its own advert interval', () => {
  const r = Router.fromConfig(instanceConf('  version 3\n  priority 100\n'));
  r.start(0);
  r.now = 500;
  r.advert('10.0.0.2', { priority: 200, advertIntCs: 50, version: 3 });
  const fx = r.runUntil(500 + 1804.687);
  assert.ok(logs(fx).includes('(VI_1) changing advert interval from 500ms to locally configured 1000ms'));
  assert.equal(nextDeadline(r.state), 500 + 1804.687 + 1000);
});

test('backup (v2): the advert interval is never adopted', () => {
  const r = Router.fromConfig(instanceConf('  priority 100\n'));
  r.start(0);
  r.advert('10.0.0.2', { priority: 200, advertIntCs: 200 });
  assert.equal(r.inst().masterAdverIntCs, 100);
});

test('backup: a priority-0 advert sets the timer to the skew time (fast takeover)', () => {
  const r = Router.fromConfig(instanceConf('  priority 100\n'));
  r.start(0);
  r.now = 2000;
  r.advert('10.0.0.2', { priority: 200 });
  r.now = 2500;
  const fx = r.advert('10.0.0.2', { priority: 0 });
  assert.deepEqual(logs(fx), ['(VI_1) Backup received priority 0 advertisement']);
  assert.deepEqual(counters(fx), ['advert_rcvd', 'pri_zero_rcvd']);
  assert.equal(nextDeadline(r.state), 2500 + 609.375);
  assert.deepEqual(actions(r.runUntil(2500 + 609.375)), ['advert 100', 'add vip', 'garp master x5', 'notify MASTER']);
});

test('master: a priority-0 advert is answered at once and the advert timer restarts', () => {
  const r = masterAt150();
  r.now = PRIO150_DOWN + 300;
  const fx = r.advert('10.0.0.2', { priority: 0 });
  assert.deepEqual(actions(fx), ['advert 150']);
  assert.deepEqual(logs(fx), ['(VI_1) Master received priority 0 message']);
  assert.equal(nextDeadline(r.state), PRIO150_DOWN + 1300);
  assert.equal(r.inst().state, 'MASTER');
});

test('master: a higher-priority advert -> BACKUP, VIPs removed, notify BACKUP, master-down timer armed', () => {
  const r = masterAt150();
  r.now = 5000;
  const fx = r.advert('10.0.0.2', { priority: 200 });
  assert.deepEqual(logs(fx), [
    '(VI_1) Master received advert from 10.0.0.2 with higher priority 200, ours 150',
    '(VI_1) Entering BACKUP STATE',
    '(VI_1) removing VIPs.',
  ]);
  assert.deepEqual(actions(fx), ['remove vip', 'notify BACKUP']);
  assert.equal(r.inst().state, 'BACKUP');
  assert.equal(nextDeadline(r.state), 5000 + PRIO150_DOWN);
  assert.ok(counters(fx).includes('release_master'));
});

test('master -> BACKUP cancels the pending second GARP burst', () => {
  const r = masterAt150();
  r.now = 5000;
  r.advert('10.0.0.2', { priority: 200 });
  r.now = 6000;
  r.advert('10.0.0.2', { priority: 200 });
  assert.deepEqual(actions(r.runUntil(9000)), []);
});

test('master: equal priority from a higher address yields, from a lower address it forces an election', () => {
  const hi = masterAt150();
  const fx = hi.advert('10.0.0.9', { priority: 150 });
  assert.deepEqual(logs(fx).slice(0, 2), [
    '(VI_1) Master received advert from 10.0.0.9 with same priority 150 but higher IP address than ours',
    '(VI_1) Entering BACKUP STATE',
  ]);
  const lo = masterAt150();
  const fx2 = lo.advert('9.0.0.1', { priority: 150 });
  assert.equal(lo.inst().state, 'MASTER');
  assert.equal(logs(fx2)[0], '(VI_1) Received advert from 9.0.0.1 with lower priority 150, ours 150, forcing new election');
});

test('master: a lower-priority advert -> "forcing new election", re-advert, GARP now and garp_lower_prio_delay later, notify MASTER_RX_LOWER_PRI', () => {
  const r = masterAt150(exact, '  notify_master_rx_lower_pri /usr/local/bin/reclaim.sh\n');
  r.now = 9000;
  const fx = r.advert('10.0.0.2', { priority: 90 });
  assert.equal(logs(fx)[0], '(VI_1) Received advert from 10.0.0.2 with lower priority 90, ours 150, forcing new election');
  assert.deepEqual(actions(fx), ['advert 150', 'garp lower-prio x5', 'notify MASTER_RX_LOWER_PRI']);
  assert.deepEqual(notifies(fx), ['INSTANCE "VI_1" MASTER_RX_LOWER_PRI 150']);
  const n = fx.find((e) => e.kind === 'notify');
  assert.ok(n && n.kind === 'notify');
  assert.deepEqual(n.scripts.map((c) => c.script.command), ['/usr/local/bin/reclaim.sh']);
  assert.equal(r.inst().sands, 10000, 'the advert it sent restarts its advert timer');
  assert.ok(actions(r.runUntil(14000)).includes('garp lower-prio-delayed x5'));
});

test('master with lower_prio_no_advert: a lower-priority advert is not answered and the advert timer keeps its phase', () => {
  const r = masterAt150(exact, '  lower_prio_no_advert\n');
  r.now = PRIO150_DOWN + 500;
  const fx = r.advert('10.0.0.2', { priority: 90 });
  assert.equal(logs(fx)[0], '(VI_1) Received advert from 10.0.0.2 with lower priority 90, ours 150');
  assert.deepEqual(adverts(fx), []);
  assert.equal(nextDeadline(r.state), PRIO150_DOWN + 1000);
});

test('master: an equal-priority advert with our own address is only warned about', () => {
  const r = masterAt150();
  const fx = r.advert('10.0.0.1', { priority: 150 });
  assert.deepEqual(logs(fx), ['(VI_1) WARNING - equal priority advert received from remote host with our IP address.']);
  assert.equal(r.inst().state, 'MASTER');
});

test('two address owners: the local one logs a configuration error, drops to 254 and yields', () => {
  const r = Router.fromConfig(instanceConf('  state MASTER\n'), '10.0.0.1', exact);
  r.start(0);
  const fx = r.advert('10.0.0.2', { priority: 255 });
  assert.deepEqual(logs(fx).slice(0, 2), [
    '(VI_1) CONFIGURATION ERROR: local instance and a remote instance are both configured as address owner, please fix - reducing local priority',
    '(VI_1) Master received advert from 10.0.0.2 with higher priority 255, ours 254',
  ]);
  assert.equal(r.inst().state, 'BACKUP');
  assert.equal(r.inst().effectivePriority, 254);
});

test('shutdown: a MASTER sends priority 0, removes its VIPs, then notifies STOP', () => {
  const r = masterAt150();
  r.now = 6000;
  const fx = r.send({ type: 'shutdown' });
  assert.deepEqual(actions(fx), ['advert 0', 'remove vip', 'notify STOP']);
  assert.deepEqual(logs(fx), ['(VI_1) sent 0 priority', '(VI_1) removing VIPs.']);
  assert.deepEqual(notifies(fx), ['INSTANCE "VI_1" STOP 150']);
  assert.equal(r.inst().state, 'STOP');
  assert.equal(nextDeadline(r.state), undefined);
});

test('shutdown: a BACKUP only notifies STOP', () => {
  const r = Router.fromConfig(instanceConf('  priority 150\n'));
  r.start(0);
  assert.deepEqual(actions(r.send({ type: 'shutdown' }, 100)), ['notify STOP']);
  assert.equal(nextDeadline(r.state), undefined);
});

test('shutdown with releaseVips false (-V): no priority-0 advert, VIPs stay, STOP still notified', () => {
  const r = masterAt150();
  assert.deepEqual(actions(r.send({ type: 'shutdown', releaseVips: false })), ['notify STOP']);
});

// keepalived's vrrp_restore_interface: the addresses go only if the instance's record says they are set,
// unless -X (or -V) forces it. A master whose record is clear is made by hand here: keepalived carries the
// record across reloads, so no ordinary path leads to it.
function masterWithVipsUnset(releaseUnsetVips: boolean): Router {
  const r = masterAt150({ ...exact, releaseUnsetVips });
  const vi = r.state.instances['VI_1']!;
  r.state = { ...r.state, instances: { ...r.state.instances, VI_1: { ...vi, vipsSet: false } } };
  return r;
}

test('shutdown of a master whose VIPs are recorded unset: nothing removed without -X', () => {
  assert.deepEqual(actions(masterWithVipsUnset(false).send({ type: 'shutdown' }, 6000)), ['advert 0', 'notify STOP']);
});

test('shutdown of a master whose VIPs are recorded unset: -X removes them all the same', () => {
  assert.deepEqual(actions(masterWithVipsUnset(true).send({ type: 'shutdown' }, 6000)), ['advert 0', 'remove vip', 'notify STOP']);
});

test('after shutdown every event is ignored', () => {
  const r = masterAt150();
  r.send({ type: 'shutdown' });
  assert.deepEqual(r.advert('10.0.0.2', { priority: 200 }), []);
  assert.deepEqual(r.send({ type: 'timer' }, 100000), []);
  assert.deepEqual(r.send({ type: 'interface', name: 'eth0', up: false }), []);
});

test('before startup, adverts and timers do nothing', () => {
  const r = Router.fromConfig(instanceConf('  priority 150\n'));
  assert.deepEqual(r.advert('10.0.0.2', { priority: 200 }), []);
  assert.deepEqual(r.send({ type: 'timer' }, 50), []);
  assert.equal(r.inst().state, 'INIT');
});

test('step leaves the state it was given untouched and shares unchanged instances', () => {
  const r = Router.fromConfig(instanceConf('  priority 150\n') + instanceConf('  priority 100\n', 'VI_2').replace('virtual_router_id 51', 'virtual_router_id 52').replace('10.0.0.100', '10.0.0.101'));
  r.start(0);
  const before = r.state;
  const snapshot = JSON.stringify(before);
  const { state } = step(before, { type: 'advert', instance: 'VI_1', advert: { source: ip('10.0.0.2'), priority: 200, advertIntCs: 100, version: 2 } }, 1000);
  assert.equal(JSON.stringify(before), snapshot);
  assert.notEqual(state.instances.VI_1, before.instances.VI_1);
  assert.equal(state.instances.VI_2, before.instances.VI_2);
});

test('adverts for FAULT instances are not even counted', () => {
  const r = Router.fromConfig(instanceConf('  priority 150\n'), '10.0.0.1', { observed: { interfaces: { eth0: false } } });
  r.start(0);
  assert.equal(r.inst().state, 'FAULT');
  assert.deepEqual(r.advert('10.0.0.2', { priority: 200 }), []);
});

test('GARP bursts carry vrrp_garp_interval and vrrp_gna_interval for the runtime to space packets', () => {
  const r = Router.fromConfig(`global_defs {\n  vrrp_garp_interval 0.1\n  vrrp_gna_interval 0.25\n}\n${instanceConf('  priority 150\n')}`);
  r.start(0);
  const garp = r.runUntil(PRIO150_DOWN).find((e) => e.kind === 'garp');
  assert.ok(garp && garp.kind === 'garp');
  assert.deepEqual([garp.repeat, garp.arpIntervalMs, garp.naIntervalMs], [5, 100, 250]);
});

test('IPv6 instance (always v3): announces with unsolicited neighbour adverts and takes over on the v3 timers', () => {
  const r = Router.fromConfig(instanceConf('  priority 100\n  advert_int 0.5\n', 'VI_1', 'fe80::100/64 2001:db8::100'), 'fe80::1');
  r.start(0);
  assert.equal(r.params.instances[0].version, 3);
  assert.equal(nextDeadline(r.state), 1804.687);
  const fx = r.runUntil(1804.687);
  assert.deepEqual(logs(fx).filter((l) => l.includes('Sending/queueing')), [
    '(VI_1) Sending/queueing Unsolicited Neighbour Adverts on eth0 for fe80::100',
    '(VI_1) Sending/queueing Unsolicited Neighbour Adverts on eth0 for 2001:db8::100',
  ]);
  assert.equal(nextDeadline(r.state), 1804.687 + 500);
});

test('garp_master_repeat and garp_master_delay 0 (vrrp_min_garp style): one GARP, no second burst', () => {
  const r = Router.fromConfig(instanceConf('  priority 150\n  garp_master_repeat 1\n  garp_master_delay 0\n'));
  r.start(0);
  r.runUntil(PRIO150_DOWN + 20000);
  // (besides our split-brain re-announcement, one GARP every three adverts)
  assert.deepEqual(r.effects.flatMap((e) => (e.kind === 'garp' && e.reason !== 'split-brain-refresh' ? [`${e.reason} x${e.repeat}`] : [])), ['master x1']);
});
