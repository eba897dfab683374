// FILE_CHECK: the track_file's value times the weight, as keepalived 2.2.7 turns it into fault or a
// weight adjustment; values read from real files through the daemon's port.
import test, { after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FileCheck } from '../../../src/config/model/lvs.js';
import { fileCheckStatus, probeFile } from '../../../src/check/checkers/file.js';
import { NodeCheckPorts } from '../../../src/core/check-ports.js';
import { load, vsConf } from '../config/lvs-helpers.js';
import { context, RS } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'kt-file-check-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const ports = new NodeCheckPorts({ check: () => Promise.reject(new Error('no scripts here')) });
after(() => ports.close());

const file = join(dir, 'value');
const check = (weight: number, weightReverse = false, path = file): FileCheck =>
  ({ kind: 'FILE_CHECK', pos: { file: 'k.conf', line: 1, col: 1 }, trackFile: 'tf1', file: path, weight, weightReverse });

test('the model carries the track_file\'s path', () => {
  const r = load(`track_file tf1 {\n  file ${file}\n  weight 3 reverse\n}\n` + vsConf('  real_server 10.0.1.1 80 {\n    FILE_CHECK {\n      track_file tf1\n    }\n  }'));
  assert.deepEqual(r.problems(), []);
  const c = r.checker();
  assert.ok(c.kind === 'FILE_CHECK');
  assert.deepEqual([c.trackFile, c.file, c.weight, c.weightReverse], ['tf1', file, 3, true]);
});

test('weight N: value × N is the weight adjustment (reverse negates it); INT32_MIN after clamping is fault', () => {
  assert.deepEqual(fileCheckStatus(0, 5, false), { fault: false, weightDelta: 0 });
  assert.deepEqual(fileCheckStatus(3, 5, false), { fault: false, weightDelta: 15 });
  assert.deepEqual(fileCheckStatus(3, 5, true), { fault: false, weightDelta: -15 });
  assert.deepEqual(fileCheckStatus(-3, 5, false), { fault: false, weightDelta: -15 });
  assert.deepEqual(fileCheckStatus(0, 5, true), { fault: false, weightDelta: 0 });
  assert.deepEqual(fileCheckStatus(2 ** 31 - 1, 1, true), { fault: false, weightDelta: -(2 ** 31 - 1) });
  assert.deepEqual(fileCheckStatus(-(2 ** 31), 1, false), { fault: true });
  assert.deepEqual(fileCheckStatus(2 ** 30, 4, true), { fault: true });
  assert.deepEqual(fileCheckStatus(2 ** 30, 4, false), { fault: false, weightDelta: 2 ** 31 - 1 });
});

test('weight 0: non-zero is fault; reversed, zero is fault', () => {
  assert.deepEqual(fileCheckStatus(0, 0, false), { fault: false, weightDelta: 0 });
  assert.deepEqual(fileCheckStatus(7, 0, false), { fault: true });
  assert.deepEqual(fileCheckStatus(-1, 0, false), { fault: true });
  assert.deepEqual(fileCheckStatus(0, 0, true), { fault: true });
  assert.deepEqual(fileCheckStatus(7, 0, true), { fault: false, weightDelta: 0 });
});

test('probeFile reads the file through the port: the value, a missing file as 0', async () => {
  writeFileSync(file, '4\n');
  assert.deepEqual(await probeFile(check(2), context(1000, ports)),
    { ok: true, weight: 8, message: `(${RS}): tracked file tf1 leaving FAULT state` });
  writeFileSync(file, '1\n');
  assert.deepEqual(await probeFile(check(0), context(1000, ports)),
    { ok: false, reason: 'fault', message: `(${RS}): tracked file tf1 now FAULT state` });
  writeFileSync(file, '-2147483648\n');
  assert.equal((await probeFile(check(1), context(1000, ports))).ok, false);
  const missing = join(dir, 'nope');
  assert.deepEqual(await probeFile(check(0, false, missing), context(1000, ports)), { ok: true, weight: 0, message: `(${RS}): tracked file tf1 leaving FAULT state` });
  assert.equal((await probeFile(check(0, true, missing), context(1000, ports))).ok, false);
});

test('a port that throws reads as 0', async () => {
  const throwing = { ...ports, readTrackFile: () => { throw new Error('EIO'); }, runScript: ports.runScript, icmpEcho: ports.icmpEcho };
  assert.equal((await probeFile(check(0), context(1000, throwing))).ok, true);
});
