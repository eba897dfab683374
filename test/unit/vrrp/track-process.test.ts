// vrrp_track_process, pure: matching by name / command line / parameters, quorum and quorum_max, and the
// fork_delay / terminate_delay rules on snapshots of the process table.
import test from 'node:test';
import assert from 'node:assert/strict';
import {
  expireProcessDelays, initialProcessTracking, nextProcessDeadline, observeProcesses, processMatches, processTrackParams, quorumMet,
  type ProcessInfo, type ProcessTrackParams,
} from '../../../src/vrrp/track-process.js';
import { configOf } from './fsm-harness.js';

const def = (o: Partial<ProcessTrackParams> & { process: string }): ProcessTrackParams => ({
  name: 'tp', params: [], paramMatch: 'none', fullCommand: false, quorum: 1, forkDelayMs: 0, terminateDelayMs: 0, ...o,
});
const proc = (pid: number, comm: string, argv?: string[], ppid = 1): ProcessInfo => ({ pid, ppid, comm, ...(argv ? { argv } : {}) });

test('the configuration: parameters make it a full-command exact match; delays in ms; quorum_max 0 means "must not run"', () => {
  const c = configOf(`vrrp_track_process a {
  process haproxy
}
vrrp_track_process b {
  process /usr/sbin/nginx -g "daemon off;"
  delay 0.5
  terminate_delay 2
}
vrrp_track_process c {
  process sleep 10
  param_match initial
  quorum 2
  quorum_max 3
}
vrrp_track_process d {
  process dnsmasq
  quorum_max 0
}
`);
  const [a, b, c2, d] = c.vrrp.trackProcesses.map(processTrackParams);
  assert.deepEqual([a.fullCommand, a.paramMatch, a.quorum, a.quorumMax], [false, 'none', 1, undefined]);
  assert.deepEqual([b.fullCommand, b.paramMatch, b.params, b.forkDelayMs, b.terminateDelayMs], [true, 'exact', ['-g', 'daemon off;'], 500, 2000]);
  assert.deepEqual([c2.paramMatch, c2.params, c2.quorum, c2.quorumMax], ['initial', ['10'], 2, 3]);
  assert.deepEqual([d.quorum, d.quorumMax], [0, 0]);
});

test('by name: /proc/PID/comm, exactly (not a pattern, so "ssh" is not "sshd")', () => {
  const d = def({ process: 'ssh' });
  assert.ok(processMatches(d, proc(1, 'ssh')));
  assert.ok(!processMatches(d, proc(2, 'sshd')));
  assert.ok(!processMatches(def({ process: 'a-very-long-process-name' }), proc(3, 'a-very-long-pr')), 'comm holds 15 characters');
});

test('full_command: argv[0] of the command line, whatever the name', () => {
  const d = def({ process: '/usr/bin/python3', fullCommand: true });
  assert.ok(processMatches(d, proc(1, 'myapp.py', ['/usr/bin/python3', './myapp.py'])));
  assert.ok(!processMatches(d, proc(2, 'python3', ['python3', './myapp.py'])));
  assert.ok(!processMatches(d, proc(3, 'python3')), 'no command line read: no match');
});

test('parameters: exact, partial (first n equal), initial (the last may be longer)', () => {
  const exact = def({ process: 'sleep', params: ['100', 'x'], paramMatch: 'exact', fullCommand: true });
  const partial = { ...exact, paramMatch: 'partial' as const };
  const initial = { ...exact, paramMatch: 'initial' as const };
  const cases: Array<[string[], boolean, boolean, boolean]> = [
    [['sleep', '100', 'x'], true, true, true],
    [['sleep', '100', 'x', 'y'], false, true, true],
    [['sleep', '100', 'xyz'], false, false, true],
    [['sleep', '100'], false, false, false],
    [['sleep', '1000', 'x'], false, false, false],
  ];
  for (const [argv, e, p, i] of cases) {
    const pr = proc(1, 'sleep', argv);
    assert.deepEqual([processMatches(exact, pr), processMatches(partial, pr), processMatches(initial, pr)], [e, p, i], argv.join(' '));
  }
  const noArgs = def({ process: 'sleep', paramMatch: 'exact', fullCommand: true });
  assert.ok(processMatches(noArgs, proc(1, 'sleep', ['sleep'])));
  assert.ok(!processMatches(noArgs, proc(1, 'sleep', ['sleep', '1'])), 'param_match without parameters: no arguments');
});

test('quorum: quorum <= count <= quorum_max', () => {
  const d = def({ process: 'w', quorum: 2, quorumMax: 3 });
  assert.deepEqual([0, 1, 2, 3, 4].map((n) => quorumMet(d, n)), [false, false, true, true, false]);
  assert.deepEqual([0, 1].map((n) => quorumMet(def({ process: 'w', quorum: 0, quorumMax: 0 }), n)), [true, false]);
});

test('snapshots: start-up counts as it is; an exit or a new exec changes the quorum at once', () => {
  const defs = [def({ process: 'haproxy' })];
  let t = initialProcessTracking(defs, [proc(10, 'haproxy'), proc(11, 'bash')]);
  assert.deepEqual(t.tp, { pids: [10], haveQuorum: true });
  let r = observeProcesses(defs, t, [proc(11, 'bash')], 1000);
  assert.deepEqual(r.changes, [{ name: 'tp', quorum: false }]);
  t = r.tracking;
  r = observeProcesses(defs, t, [proc(11, 'bash')], 1200);
  assert.deepEqual(r.changes, [], 'no change, nothing said');
  r = observeProcesses(defs, r.tracking, [proc(11, 'bash'), proc(12, 'haproxy', undefined, 11)], 1400);
  assert.deepEqual(r.changes, [{ name: 'tp', quorum: true }]);
});

test('terminate_delay: an exit is reported only if no replacement comes within the delay', () => {
  const defs = [def({ process: 'nginx', terminateDelayMs: 2000, forkDelayMs: 0 })];
  const t0 = initialProcessTracking(defs, [proc(10, 'nginx')]);
  let r = observeProcesses(defs, t0, [], 1000);
  assert.deepEqual(r.changes, []);
  assert.equal(nextProcessDeadline(r.tracking), 3000);
  // restarted in time: the change never happened
  const back = observeProcesses(defs, r.tracking, [proc(20, 'nginx')], 2000);
  assert.deepEqual(back.changes, []);
  assert.equal(nextProcessDeadline(back.tracking), undefined);
  // not restarted: lost when the delay runs out
  r = observeProcesses(defs, r.tracking, [], 2500);
  assert.deepEqual(expireProcessDelays(defs, r.tracking, 2999).changes, []);
  const lost = expireProcessDelays(defs, r.tracking, 3000);
  assert.deepEqual(lost.changes, [{ name: 'tp', quorum: false }]);
  assert.equal(nextProcessDeadline(lost.tracking), undefined);
});

test('terminate_delay applies to exits only: a process that exec\'d into something else is gone at once', () => {
  const defs = [def({ process: 'nginx', terminateDelayMs: 2000 })];
  const t0 = initialProcessTracking(defs, [proc(10, 'nginx')]);
  assert.deepEqual(observeProcesses(defs, t0, [proc(10, 'bash')], 1000).changes, [{ name: 'tp', quorum: false }]);
});

test('fork_delay: quorum reached through children of counted processes waits; a fresh exec does not', () => {
  const defs = [def({ process: 'w', quorum: 2, forkDelayMs: 500 })];
  const t0 = initialProcessTracking(defs, [proc(10, 'w')]);
  assert.equal(t0.tp.haveQuorum, false);
  const forked = observeProcesses(defs, t0, [proc(10, 'w'), proc(11, 'w', undefined, 10)], 1000);
  assert.deepEqual(forked.changes, []);
  assert.deepEqual(expireProcessDelays(defs, forked.tracking, 1500).changes, [{ name: 'tp', quorum: true }]);
  // the child died within the delay: never reported
  const died = observeProcesses(defs, forked.tracking, [proc(10, 'w')], 1200);
  assert.deepEqual(died.changes, []);
  assert.deepEqual(expireProcessDelays(defs, died.tracking, 1500).changes, []);
  const exec = observeProcesses(defs, t0, [proc(10, 'w'), proc(30, 'w', undefined, 1)], 1000);
  assert.deepEqual(exec.changes, [{ name: 'tp', quorum: true }]);
});

test('quorum_max: one fork too many loses the quorum (after fork_delay), its exit regains it (after terminate_delay)', () => {
  const defs = [def({ process: 'w', quorum: 1, quorumMax: 1, forkDelayMs: 100, terminateDelayMs: 300 })];
  const t0 = initialProcessTracking(defs, [proc(10, 'w')]);
  const two = observeProcesses(defs, t0, [proc(10, 'w'), proc(11, 'w', undefined, 10)], 1000);
  const lost = expireProcessDelays(defs, two.tracking, 1100);
  assert.deepEqual(lost.changes, [{ name: 'tp', quorum: false }]);
  const one = observeProcesses(defs, lost.tracking, [proc(10, 'w')], 2000);
  assert.deepEqual(one.changes, []);
  assert.deepEqual(expireProcessDelays(defs, one.tracking, 2300).changes, [{ name: 'tp', quorum: true }]);
});
