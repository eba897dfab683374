// The probe runner on a fake clock: deadlines abort on time, a probe that never settles is given up
// after the grace, the cap queues and releases in order, identical probes share one transaction,
// cancelled requests leave nothing behind, a throwing probe is a failure.
import test from 'node:test';
import assert from 'node:assert/strict';
import { ProbeRunner, firstDelayMs, type Delivery, type ProbeJob } from '../../../src/check/scheduler.js';
import type { ProbeResult } from '../../../src/check/probe.js';
import { FakeClock, settle } from './engine-harness.js';

type Behaviour = 'hang' | 'stuck' | 'ok' | 'throw' | 'reject';

function job(clock: FakeClock, key: string, b: Behaviour, timeoutMs = 5000, log: string[] = []): ProbeJob {
  return {
    key,
    lane: key.startsWith('script') ? 'script' : 'socket',
    timeoutMs,
    run: (signal) => {
      log.push(`start ${key} @${clock.now()}`);
      signal.addEventListener('abort', () => log.push(`abort ${key} @${clock.now()}`));
      if (b === 'ok') return Promise.resolve({ ok: true });
      if (b === 'throw') throw new Error('boom');
      if (b === 'reject') return Promise.reject(new Error('nope'));
      if (b === 'stuck') return new Promise<ProbeResult>(() => {});
      return new Promise<ProbeResult>((resolve) => signal.addEventListener('abort', () => resolve({ ok: false, reason: 'timeout', message: `${key} timeout` })));
    },
    hung: () => ({ ok: false, reason: 'timeout', message: `${key} hung` }),
  };
}

function collect(out: string[], clock: FakeClock, name: string) {
  return (d: Delivery) => out.push(`${name} ${d.result.ok ? 'ok' : d.result.message}${d.hung ? ' (hung)' : ''} @${clock.now()} started@${d.startedAt}`);
}

test('scheduler: the deadline aborts the probe at timeoutMs; it settles then', async () => {
  const clock = new FakeClock();
  const r = new ProbeRunner(clock);
  const out: string[] = [];
  const log: string[] = [];
  r.request(job(clock, 'a', 'hang', 3000, log), collect(out, clock, 'a'));
  await clock.advance(10000);
  assert.deepEqual(log, ['start a @0', 'abort a @3000']);
  assert.deepEqual(out, ['a a timeout @3000 started@0']);
});

test('scheduler: with deferAbort, an answer that arrives before the deferred abort runs wins (a late event loop)', async () => {
  const clock = new FakeClock();
  const deferred: Array<() => void> = [];
  const r = new ProbeRunner(clock, { deferAbort: (fn) => deferred.push(fn) });
  const out: string[] = [];
  let answer: (res: ProbeResult) => void = () => undefined;
  r.request({ key: 'a', lane: 'socket', timeoutMs: 3000, run: () => new Promise<ProbeResult>((res) => (answer = res)), hung: () => ({ ok: false, reason: 'timeout', message: 'hung' }) }, collect(out, clock, 'a'));
  await clock.advance(3000);
  assert.equal(deferred.length, 1, 'the deadline fired and deferred its abort');
  answer({ ok: true }); // the socket's data is read in the same turn, before the deferred abort
  await settle();
  deferred[0]!();
  await settle();
  assert.deepEqual(out, ['a ok @3000 started@0']);
});

test('scheduler: a probe that never settles is reported hung at deadline + grace and its slot released', async () => {
  const clock = new FakeClock();
  const r = new ProbeRunner(clock, { maxSockets: 1, graceMs: 500 });
  const out: string[] = [];
  r.request(job(clock, 'a', 'stuck', 2000), collect(out, clock, 'a'));
  r.request(job(clock, 'b', 'ok'), collect(out, clock, 'b'));
  assert.deepEqual(r.stats().queued, { socket: 1, script: 0 });
  await clock.advance(5000);
  assert.deepEqual(out, ['a a hung (hung) @2500 started@0', 'b ok @2500 started@2500']);
  assert.deepEqual([r.stats().hung, r.stats().running.socket, clock.pending()], [1, 0, 0]);
});

test('scheduler: the cap queues probes beyond it (FIFO) and starts each as a slot frees; sockets and scripts apart', async () => {
  const clock = new FakeClock();
  const r = new ProbeRunner(clock, { maxSockets: 2, maxScripts: 1 });
  const out: string[] = [];
  const log: string[] = [];
  for (const k of ['s1', 's2', 's3', 's4']) r.request(job(clock, k, 'hang', 1000, log), collect(out, clock, k));
  for (const k of ['script1', 'script2']) r.request(job(clock, k, 'hang', 1000, log), collect(out, clock, k));
  assert.deepEqual(r.stats().running, { socket: 2, script: 1 });
  assert.deepEqual(r.stats().queued, { socket: 2, script: 1 });
  await clock.advance(5000);
  assert.deepEqual(log.filter((l) => l.startsWith('start')), ['start s1 @0', 'start s2 @0', 'start script1 @0', 'start s3 @1000', 'start s4 @1000', 'start script2 @1000']);
  assert.equal(out.length, 6);
});

test('scheduler: identical probes share one transaction and every requester gets the result', async () => {
  const clock = new FakeClock();
  const r = new ProbeRunner(clock);
  const out: string[] = [];
  const log: string[] = [];
  r.request(job(clock, 'same', 'hang', 1000, log), collect(out, clock, 'x'));
  r.request(job(clock, 'same', 'hang', 1000, log), collect(out, clock, 'y'));
  await clock.advance(2000);
  assert.deepEqual(log, ['start same @0', 'abort same @1000']);
  assert.deepEqual(out, ['x same timeout @1000 started@0', 'y same timeout @1000 started@0']);
  assert.equal(r.stats().joined, 1);
});

test('scheduler: cancelling: a queued probe nobody waits for never starts; a running one is aborted, others still served', async () => {
  const clock = new FakeClock();
  const r = new ProbeRunner(clock, { maxSockets: 1 });
  const out: string[] = [];
  const log: string[] = [];
  const a = r.request(job(clock, 'a', 'hang', 1000, log), collect(out, clock, 'a'));
  const b = r.request(job(clock, 'b', 'hang', 1000, log), collect(out, clock, 'b'));
  r.request(job(clock, 'c', 'ok', 1000, log), collect(out, clock, 'c'));
  b.cancel();
  a.cancel();
  await clock.advance(3000);
  assert.deepEqual(log, ['start a @0', 'abort a @0', 'start c @0']);
  assert.deepEqual(out, ['c ok @0 started@0']);
  // A cancelled running probe's key is free at once: a new request starts a new transaction.
  const log2: string[] = [];
  const d = r.request(job(clock, 'd', 'hang', 1000, log2), () => {});
  d.cancel();
  r.request(job(clock, 'd', 'ok', 1000, log2), collect(out, clock, 'd2'));
  await clock.advance(10);
  assert.deepEqual(out.at(-1), 'd2 ok @3000 started@3000');
});

test('scheduler: a probe that throws or rejects is a failure, not a crash', async () => {
  const clock = new FakeClock();
  const r = new ProbeRunner(clock);
  const out: string[] = [];
  r.request(job(clock, 't', 'throw'), collect(out, clock, 't'));
  r.request(job(clock, 'r', 'reject'), collect(out, clock, 'r'));
  await settle();
  assert.deepEqual(out, ['t probe error: boom @0 started@0', 'r probe error: nope @0 started@0']);
  assert.equal(r.stats().running.socket, 0);
});

test('scheduler: abortAll stops everything and calls nobody back', async () => {
  const clock = new FakeClock();
  const r = new ProbeRunner(clock, { maxSockets: 1 });
  const out: string[] = [];
  r.request(job(clock, 'a', 'hang'), collect(out, clock, 'a'));
  r.request(job(clock, 'b', 'hang'), collect(out, clock, 'b'));
  r.abortAll();
  await clock.advance(10000);
  assert.deepEqual(out, []);
  assert.deepEqual([r.stats().running.socket, r.stats().queued.socket], [0, 0]);
});

test('scheduler: the first check comes 1 s + random(0..warmup) after start-up', () => {
  assert.equal(firstDelayMs(0, () => 0.9), 1000);
  assert.equal(firstDelayMs(60000, () => 0), 1000);
  assert.equal(firstDelayMs(60000, () => 0.5), 31000);
});

test('scheduler: 1000 hanging probes and one healthy one: every deadline fires on time, the healthy one is not held up', async () => {
  const clock = new FakeClock();
  const r = new ProbeRunner(clock);
  const aborts: number[] = [];
  for (let i = 0; i < 1000; i++) {
    r.request(
      {
        key: `dead${i}`, lane: 'socket', timeoutMs: 5000,
        run: (signal) => new Promise<ProbeResult>((resolve) => signal.addEventListener('abort', () => {
          aborts.push(clock.now());
          resolve({ ok: false, reason: 'timeout', message: 't' });
        })),
        hung: () => ({ ok: false, reason: 'timeout', message: 'hung' }),
      },
      () => {},
    );
  }
  const healthy: number[] = [];
  await clock.advance(100);
  r.request(job(clock, 'alive', 'ok'), (d) => healthy.push(d.startedAt, d.settledAt));
  await clock.advance(10000);
  assert.deepEqual(healthy, [100, 100]);
  assert.equal(aborts.length, 1000);
  assert.ok(aborts.every((t) => t === 5000), 'every deadline at 5000 ms');
});
