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
