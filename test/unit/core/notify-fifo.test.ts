import test from 'node:test';
import assert from 'node:assert/strict';
import { closeSync, constants, mkdtempSync, openSync, readSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLog } from '../../../src/lib/log.js';
import { NotifyFifoWriter } from '../../../src/core/notify-fifo.js';
import type { ScriptPort } from '../../../src/vrrp/runtime-ports.js';

const noScripts: ScriptPort = { notify: async () => undefined, check: async () => ({ exitCode: 0 }) };

test('the notify FIFO is created when missing and gets one line per state change, even before a reader', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kt-fifo-'));
  try {
    const path = join(dir, 'notify.fifo');
    const w = new NotifyFifoWriter([{ path, pos: { file: 'x', line: 1, col: 1 } }], noScripts, silentLog);
    assert.ok(statSync(path).isFIFO());
    w.write('INSTANCE "VI_1" BACKUP 100');
    w.write('INSTANCE "VI_1" MASTER 100');
    const fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
    const buf = Buffer.alloc(200);
    const n = readSync(fd, buf);
    closeSync(fd);
    w.close();
    assert.equal(buf.subarray(0, n).toString(), 'INSTANCE "VI_1" BACKUP 100\nINSTANCE "VI_1" MASTER 100\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('closing unlinks a FIFO the writer made, never one that was there before it', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kt-fifo-'));
  try {
    const made = join(dir, 'made.fifo');
    const w = new NotifyFifoWriter([{ path: made, pos: { file: 'x', line: 1, col: 1 } }], noScripts, silentLog);
    assert.ok(statSync(made).isFIFO());
    w.close();
    assert.throws(() => statSync(made), /ENOENT/);
    // a FIFO that exists already (the operator's, or the other child's) stays
    const before = new NotifyFifoWriter([{ path: made, pos: { file: 'x', line: 1, col: 1 } }], noScripts, silentLog);
    const w2 = new NotifyFifoWriter([{ path: made, pos: { file: 'x', line: 1, col: 1 } }], noScripts, silentLog);
    w2.close();
    assert.ok(statSync(made).isFIFO(), 'not made by w2: kept');
    before.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
