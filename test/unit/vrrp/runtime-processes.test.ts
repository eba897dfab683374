// vrrp_track_process through the runtime, with a fake process table: the first snapshot decides the
// start-up priority or FAULT, later snapshots move the instance, terminate_delay waits on the clock.
import test from 'node:test';
import assert from 'node:assert/strict';
import type { ProcessPort } from '../../../src/vrrp/runtime-ports.js';
import type { ProcessInfo } from '../../../src/vrrp/track-process.js';
import { instanceConf } from './fsm-harness.js';
import { rig } from './runtime-fakes.js';

class FakeProcesses implements ProcessPort {
  procs: ProcessInfo[] = [];
  withArgv?: boolean;
  private listener?: (procs: readonly ProcessInfo[]) => void;
  closed = false;
  async scan(withArgv: boolean) {
    this.withArgv = withArgv;
    return this.procs;
  }
  watch(_withArgv: boolean, onSnapshot: (procs: readonly ProcessInfo[]) => void) { this.listener = onSnapshot; }
  close() { this.closed = true; }
  set(procs: ProcessInfo[]) {
    this.procs = procs;
    this.listener?.(procs);
  }
}

const SLEEP: ProcessInfo = { pid: 4242, ppid: 1, comm: 'sleep', argv: ['sleep', '3600.5'] };

const conf = (trackBody: string, weight: string) =>
  `vrrp_track_process tp {\n  process sleep 3600.5\n${trackBody}}\n` +
  instanceConf(`  priority 150\n  track_process {\n    tp${weight}\n  }`, 'VI_1', '10.0.0.100/24');

test('weighted: missing at start-up lowers the priority; appearing and going move it, in keepalived\'s words', async () => {
  const processes = new FakeProcesses();
  const r = rig(conf('', ' weight -60'), { processes });
  await r.runtime.start();
  assert.equal(processes.withArgv, true, 'a command line with parameters needs /proc/PID/cmdline');
  assert.equal(r.runtime.state.instances.VI_1.effectivePriority, 90);
  assert.ok(!r.messages().some((m) => m.startsWith('Quorum')), 'nothing said about the first count');
  processes.set([SLEEP]);
  await r.clock.advance(1);
  assert.equal(r.runtime.state.instances.VI_1.effectivePriority, 150);
  processes.set([]);
  await r.clock.advance(1);
  assert.equal(r.runtime.state.instances.VI_1.effectivePriority, 90);
  const said = r.messages().filter((m) => /Quorum|priority/.test(m));
  assert.deepEqual(said, [
    '(VI_1) Changing effective priority from 150 to 90',
    'Quorum gained for tracked process tp',
    '(VI_1) Changing effective priority from 90 to 150',
    'Quorum lost for tracked process tp',
    '(VI_1) Changing effective priority from 150 to 90',
  ]);
  await r.runtime.stop();
  assert.ok(processes.closed);
});

test('unweighted: no process -> FAULT at start-up; it starts -> BACKUP; terminate_delay holds the exit back', async () => {
  const processes = new FakeProcesses();
  const r = rig(conf('  terminate_delay 1.5\n', ''), { processes });
  await r.runtime.start();
  assert.equal(r.runtime.instanceStates().VI_1, 'FAULT');
  assert.ok(r.messages().includes('(VI_1) entering FAULT state (tracked process tp quorum not achieved)'));
  processes.set([SLEEP]);
  await r.clock.advance(1);
  assert.equal(r.runtime.instanceStates().VI_1, 'BACKUP');
  processes.set([]);
  await r.clock.advance(1400);
  assert.equal(r.runtime.instanceStates().VI_1, 'BACKUP', 'still within terminate_delay');
  await r.clock.advance(200);
  assert.equal(r.runtime.instanceStates().VI_1, 'FAULT');
  assert.deepEqual(r.fifo.lines, ['INSTANCE "VI_1" FAULT 150', 'INSTANCE "VI_1" BACKUP 150', 'INSTANCE "VI_1" FAULT 150']);
  await r.runtime.stop();
});
