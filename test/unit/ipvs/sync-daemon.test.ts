// The lvs_sync_daemon role decision and command order, as keepalived 2.2.7 switches them.
import test from 'node:test';
import assert from 'node:assert/strict';
import { parseIp } from '../../../src/lib/ip.js';
import {
  startOps, stopOps, switchOps, syncConfigChanged, syncDaemonCmdError, syncDaemonRequest, syncRoleFor, type SyncDaemonOp,
} from '../../../src/ipvs/sync-daemon.js';
import { syncCfg } from './fake-sync-daemons.js';


/** `start master`, `stop backup`: the commands in order. */
const names = (ops: SyncDaemonOp[]) => ops.map((o) => `${o.op} ${(o.op === 'start' ? o.daemon.state : o.state) === 1 ? 'master' : 'backup'}${o.quiet ? ' (quiet)' : ''}`);

test('role: master only while the instance is MASTER; BACKUP, FAULT, INIT and unknown mean backup', () => {
  assert.equal(syncRoleFor('MASTER'), 'master');
  for (const s of ['BACKUP', 'FAULT', 'INIT', 'STOP', undefined]) assert.equal(syncRoleFor(s), 'backup', String(s));
});

test('switching: the old daemon is stopped before the new one starts; the same role is no command', () => {
  const c = syncCfg();
  assert.deepEqual(names(switchOps(c, undefined, 'backup')), ['start backup'], 'start-up');
  assert.deepEqual(names(switchOps(c, 'backup', 'master')), ['stop backup', 'start master'], 'becoming MASTER');
  assert.deepEqual(names(switchOps(c, 'master', 'backup')), ['stop master', 'start backup'], 'leaving MASTER');
  assert.deepEqual(names(switchOps(c, 'master', undefined)), ['stop master'], 'stop while MASTER');
  assert.deepEqual(names(switchOps(c, 'backup', 'backup')), []);
  assert.deepEqual(names(switchOps(c, 'master', 'master')), []);
});

test('both (no instance named): master then backup, as keepalived checker starts and stops them', () => {
  const c = syncCfg({ instance: undefined, syncId: 0 });
  assert.deepEqual(names(startOps(c, 'both')), ['start master', 'start backup']);
  assert.deepEqual(names(stopOps('both', true)), ['stop master (quiet)', 'stop backup (quiet)']);
});

test('the NEW_DAEMON request carries the configured interface, sync id, maxlen, group, port and ttl', () => {
  const c = syncCfg({ maxlen: 1400, port: 8850, ttl: 2, group: parseIp('224.0.0.82')! });
  assert.deepEqual(syncDaemonRequest(c, 1), {
    state: 1, mcastIfn: 'eth1', syncId: 51, syncMaxlen: 1400, mcastGroup: '224.0.0.82', mcastPort: 8850, mcastTtl: 2,
  });
  assert.deepEqual(syncDaemonRequest(syncCfg({ group: parseIp('ff02::81')! }), 2), {
    state: 2, mcastIfn: 'eth1', syncId: 51, mcastGroup: 'ff02::81', mcastPort: 8848, mcastTtl: 1,
  }, 'no maxlen: the kernel derives it from the MTU');
});

test('a configuration change: every field keepalived compares, plus the instance; positions are no change', () => {
  const a = syncCfg();
  assert.equal(syncConfigChanged(a, syncCfg({ pos: { file: 'other', line: 9, col: 1 } })), false);
  for (const over of [{ interface: 'eth2' }, { instance: 'VI_2' }, { syncId: 7 }, { maxlen: 1000 }, { port: 9000 }, { ttl: 5 }, { group: parseIp('224.0.0.99')! }]) {
    assert.equal(syncConfigChanged(a, syncCfg(over)), true, JSON.stringify(over));
  }
  assert.equal(syncConfigChanged(undefined, a), true);
  assert.equal(syncConfigChanged(a, undefined), true);
  assert.equal(syncConfigChanged(undefined, undefined), false);
});

test("keepalived's error lines: the errno as libnl and libipvs hand it back, libipvs wording, else strerror", () => {
  assert.equal(syncDaemonCmdError('start', 17, 'x'), 'IPVS cmd IP_VS_SO_SET_STARTDAEMON(1163) error: Daemon has already run(17)');
  // measured with keepalived 2.2.7 on Linux 6.1: the kernel's ESRCH arrives as ENOENT
  assert.equal(syncDaemonCmdError('stop', 3, 'x'), 'IPVS cmd IP_VS_SO_SET_STOPDAEMON(1164) error: No such file or directory(2)');
  assert.equal(syncDaemonCmdError('start', 19, 'x'), 'IPVS cmd IP_VS_SO_SET_STARTDAEMON(1163) error: No such device(19)');
  assert.equal(syncDaemonCmdError('start', 22, 'x'), 'IPVS cmd IP_VS_SO_SET_STARTDAEMON(1163) error: Invalid operation.  Possibly wrong module version, address not unicast, ...(22)');
  assert.equal(syncDaemonCmdError('start', 98, 'x'), 'IPVS cmd IP_VS_SO_SET_STARTDAEMON(1163) error: Daemon has already run(17)', 'EADDRINUSE folds into EEXIST');
  assert.equal(syncDaemonCmdError('start', 105, 'x'), 'IPVS cmd IP_VS_SO_SET_STARTDAEMON(1163) error: Memory allocation problem(12)');
  assert.equal(syncDaemonCmdError('start', 4242, 'x'), 'IPVS cmd IP_VS_SO_SET_STARTDAEMON(1163) error: Permission denied (you must be root)(1)', 'NLE_FAILURE');
  assert.equal(
    syncDaemonCmdError('stop', undefined, 'IPVS DEL_DAEMON sync daemon master: no answer from the kernel within 2000 ms'),
    'IPVS cmd IP_VS_SO_SET_STOPDAEMON(1164) error: IPVS DEL_DAEMON sync daemon master: no answer from the kernel within 2000 ms',
  );
});
