import test from 'node:test';
import assert from 'node:assert/strict';
import {
  clampPriority, countScriptResult, evaluateTracking, initialScriptCounter, scriptStatus, trackFileStatus, unweightedFault,
  weightedAdjustment, type InstanceTracking, type ScriptCounter, type ScriptParams, type TrackStatus, type TrackedItem,
} from '../../../src/vrrp/track.js';

const it = (name: string, weight: number, reverse = false): TrackedItem => ({ name, weight, reverse });
const none: InstanceTracking = { interfaces: [], scripts: [], files: [], processes: [], bfds: [] };
const status = (o: Partial<{ down: string[]; scripts: Record<string, 'ok' | 'failed' | 'unknown'>; files: Record<string, number> }> = {}): TrackStatus => ({
  interfaceUp: (n) => !o.down?.includes(n),
  script: (n) => o.scripts?.[n] ?? 'unknown',
  fileValue: (n) => o.files?.[n] ?? 0,
  processQuorum: (n) => !o.down?.includes(n),
  bfdUp: (n) => !o.down?.includes(n),
});

test('a positive weight counts while the object is up, a negative one while it is down; reverse negates either', () => {
  assert.equal(weightedAdjustment(it('a', 10), true), 10);
  assert.equal(weightedAdjustment(it('a', 10), false), 0);
  assert.equal(weightedAdjustment(it('a', -10), true), 0);
  assert.equal(weightedAdjustment(it('a', -10), false), -10);
  assert.equal(weightedAdjustment(it('a', 10, true), true), -10);
  assert.equal(weightedAdjustment(it('a', -10, true), false), 10);
});

test('an unweighted object faults when down, or when up if reversed', () => {
  assert.equal(unweightedFault(it('a', 0), false), true);
  assert.equal(unweightedFault(it('a', 0), true), false);
  assert.equal(unweightedFault(it('a', 0, true), true), true);
});

test('track_file: value x weight clamped to -254..253, -254 is a fault; weight 0 faults on non-zero (on zero, reversed)', () => {
  assert.equal(trackFileStatus(it('f', 5), 4), 20);
  assert.equal(trackFileStatus(it('f', 5, true), 4), -20);
  assert.equal(trackFileStatus(it('f', 1), 1000), 253);
  assert.equal(trackFileStatus(it('f', 1), -253), -253);
  assert.equal(trackFileStatus(it('f', 1), -254), 'fault');
  assert.equal(trackFileStatus(it('f', 2), -500), 'fault');
  assert.equal(trackFileStatus(it('f', 0), 0), 0);
  assert.equal(trackFileStatus(it('f', 0), 7), 'fault');
  assert.equal(trackFileStatus(it('f', 0, true), 0), 'fault');
});

test('effective priority is base plus every adjustment, clamped to 1..254', () => {
  assert.equal(clampPriority(100, 300), 254);
  assert.equal(clampPriority(100, -20), 1);
  assert.equal(clampPriority(100, 120), 120);
  const t: InstanceTracking = { ...none, interfaces: [it('eth1', -60)], scripts: [it('chk', 30)], files: [it('tf', 2)] };
  const r = evaluateTracking(150, t, status({ down: ['eth1'], scripts: { chk: 'ok' }, files: { tf: 5 } }));
  assert.equal(r.totalPriority, 150 - 60 + 30 + 10);
  assert.equal(r.effectivePriority, 130);
  assert.deepEqual(r.faults, []);
});

test('the address owner (255) is never changed by weights', () => {
  const t: InstanceTracking = { ...none, interfaces: [it('eth1', -60)] };
  assert.equal(evaluateTracking(255, t, status({ down: ['eth1'] })).effectivePriority, 255);
});

test('unweighted objects report faults; an unweighted script without a result is pending, a weighted one counts nothing yet', () => {
  const t: InstanceTracking = {
    interfaces: [it('eth0', 0)], scripts: [it('s0', 0), it('s1', 0), it('s2', -50)], files: [it('f', 0)], processes: [it('p', 0)], bfds: [it('b', 0)],
  };
  const r = evaluateTracking(100, t, status({ down: ['eth0', 'p', 'b'], scripts: { s1: 'failed' }, files: { f: 1 } }));
  assert.deepEqual(r.faults.map((f) => `${f.kind} ${'name' in f ? f.name : ''}`), ['interface eth0', 'script s1', 'file f', 'process p', 'bfd b']);
  assert.deepEqual(r.pending, ['s0']);
  assert.equal(r.effectivePriority, 100);
});

const P = (rise: number, fall: number, initFail = false): ScriptParams => ({ name: 'chk', rise, fall, initFail });

function run(p: ScriptParams, codes: number[], from: ScriptCounter = initialScriptCounter(p)) {
  let c = from;
  const seen: string[] = [];
  for (const code of codes) {
    const r = countScriptResult(c, p, { exitCode: code });
    c = r.counter;
    seen.push(scriptStatus(c, p));
  }
  return { c, seen };
}

test('vrrp_script: the status is unknown until the first run, which alone decides it', () => {
  const p = P(3, 3);
  assert.equal(scriptStatus(initialScriptCounter(p), p), 'unknown');
  assert.deepEqual(run(p, [0]).seen, ['ok']);
  assert.deepEqual(run(p, [1]).seen, ['failed']);
});

test('vrrp_script: fall consecutive failures to go down, rise consecutive successes to come back', () => {
  const p = P(2, 3);
  assert.deepEqual(run(p, [0, 1, 1, 1, 0, 0]).seen, ['ok', 'ok', 'ok', 'failed', 'failed', 'ok']);
  // a success in between resets the fall count
  assert.deepEqual(run(p, [0, 1, 1, 0, 1, 1]).seen, ['ok', 'ok', 'ok', 'ok', 'ok', 'ok']);
});

test('vrrp_script init_fail: failed from the start, needs rise successes', () => {
  const p = P(2, 1, true);
  assert.equal(scriptStatus(initialScriptCounter(p), p), 'failed');
  assert.deepEqual(run(p, [0, 0]).seen, ['failed', 'ok']);
});

test('vrrp_script logs: status changes, then succeeded / failed (exited with status N) / timed_out only on transitions', () => {
  const p = P(1, 1);
  let c = initialScriptCounter(p);
  const step = (end: Parameters<typeof countScriptResult>[2]) => {
    const r = countScriptResult(c, p, end);
    c = r.counter;
    return r.logs;
  };
  assert.deepEqual(step({ exitCode: 0 }), [{ kind: 'succeeded' }]);
  assert.deepEqual(step({ exitCode: 0 }), []);
  assert.deepEqual(step({ exitCode: 2 }), [{ kind: 'returning', status: 2 }, { kind: 'failed', how: 'failed', reason: 'exited with status 2' }]);
  assert.deepEqual(step({ exitCode: 2 }), []);
  assert.deepEqual(step({ exitCode: 3 }), [{ kind: 'returning', status: 3 }]);
  assert.deepEqual(step({ exitCode: 0 }), [{ kind: 'returning', status: 0 }, { kind: 'succeeded' }]);
  assert.deepEqual(step({ timedOut: true }), [{ kind: 'failed', how: 'timed_out', reason: undefined }]);
});
