// MISC_CHECK with real scripts through the daemon's port: exit statuses, misc_dynamic, signals, and a
// script that never ends (timed out, its whole process group killed).
import test, { after } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { MiscCheck } from '../../../src/config/model/lvs.js';
import { splitCommand, type ScriptRef } from '../../../src/config/model/script.js';
import { judgeMiscOutcome, miscCheckLine, miscRetrySuffix, probeMisc } from '../../../src/check/checkers/misc.js';
import { NodeCheckPorts } from '../../../src/core/check-ports.js';
import { NodeScriptPort } from '../../../src/core/scripts.js';
import { silentLog } from '../../../src/lib/log.js';
import { context, polled } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'kt-misc-check-'));
const scripts = new NodeScriptPort(() => ({ scriptUser: 'root' }), silentLog);
const ports = new NodeCheckPorts(scripts);
after(() => {
  scripts.killAll();
  ports.close();
  rmSync(dir, { recursive: true, force: true });
});

const RS = '[192.168.200.6]:tcp:1358';
const VS = '[10.10.10.2]:tcp:1358';
const keys = { rsKey: RS, vsKey: VS };

function script(name: string, body: string): string {
  const p = join(dir, name);
  writeFileSync(p, `#!/bin/sh\n${body}\n`);
  chmodSync(p, 0o755);
  return p;
}

const ref = (command: string): ScriptRef => ({ command, argv: splitCommand(command), role: 'MISC_CHECK', pos: { file: 'k.conf', line: 1, col: 1 } });
const misc = (command: string, miscDynamic = false): MiscCheck =>
  ({ kind: 'MISC_CHECK', ...polled, retry: 0, script: ref(command), miscTimeout: 5, miscDynamic });

test('exit 0 is up, exit 1 is down with keepalived\'s line (the script named by its first word)', async () => {
  const ok = script('ok.sh', 'exit 0');
  assert.deepEqual(await probeMisc(misc(`${ok} some args`), context(5000, ports, keys)),
    { ok: true, message: `Misc check for [${RS} VS ${VS}] by [${ok}] succeeded.` });
  const down = script('down.sh', 'exit 1');
  assert.deepEqual(await probeMisc(misc(down), context(5000, ports, keys)), {
    ok: false, reason: 'exit', cause: 'exited with status 1',
    message: `Misc check for [${RS} VS ${VS}] by [${down}] failed (exited with status 1).`,
  });
});

test('misc_dynamic: exit 2..255 is up with weight status - 2; 0 is up at the configured weight; 1 is down', async () => {
  const seven = script('seven.sh', 'exit 7');
  assert.deepEqual(await probeMisc(misc(seven, true), context(5000, ports, keys)),
    { ok: true, weight: 5, message: `Misc check for [${RS} VS ${VS}] by [${seven}] succeeded.` });
  assert.deepEqual((await probeMisc(misc(script('two.sh', 'exit 2'), true), context(5000, ports, keys))), { ok: true, weight: 0, message: `Misc check for [${RS} VS ${VS}] by [${join(dir, 'two.sh')}] succeeded.` });
  const r255 = await probeMisc(misc(script('max.sh', 'exit 255'), true), context(5000, ports, keys));
  assert.equal(r255.ok && r255.weight, 253);
  const zero = await probeMisc(misc(script('zero.sh', 'exit 0'), true), context(5000, ports, keys));
  assert.ok(zero.ok && zero.weight === undefined);
  const one = await probeMisc(misc(script('one.sh', 'exit 1'), true), context(5000, ports, keys));
  assert.equal(!one.ok && one.cause, 'exited with status 1');
  // without misc_dynamic any non-zero status is down
  const plain = await probeMisc(misc(seven), context(5000, ports, keys));
  assert.equal(!plain.ok && plain.cause, 'exited with status 7');
});

test('a script killed by a signal it was not sent by us: failed (due to signal N)', async () => {
  const killed = script('killed.sh', 'kill -9 $$');
  assert.deepEqual(await probeMisc(misc(killed), context(5000, ports, keys)), {
    ok: false, reason: 'signal', cause: 'due to signal 9',
    message: `Misc check for [${RS} VS ${VS}] by [${killed}] failed (due to signal 9).`,
  });
});

/** Whether a process exists (and is not a zombie). */
function running(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

async function gone(pids: number[], ms: number): Promise<boolean> {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    if (!pids.some(running)) return true;
    await sleep(20);
  }
  return false;
}

async function pidsFrom(file: string, n: number): Promise<number[]> {
  for (let i = 0; i < 200; i++) {
    if (existsSync(file)) {
      const pids = readFileSync(file, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
      if (pids.length >= n) return pids;
    }
    await sleep(10);
  }
  throw new Error(`${file}: fewer than ${n} pids`);
}

test('a script that never exits: timed out at the deadline, and its process group killed', async () => {
  const pidFile = join(dir, 'hang.pids');
  const hang = script('hang.sh', `sleep 1000 &\necho "$$ $!" > ${pidFile}\nwait`);
  const t0 = performance.now();
  const r = await probeMisc(misc(hang), context(300, ports, keys));
  const ms = performance.now() - t0;
  assert.deepEqual(r, {
    ok: false, reason: 'timeout', cause: 'timed out',
    message: `Misc check for [${RS} VS ${VS}] by [${hang}] timed out.`,
  });
  assert.ok(ms >= 290 && ms < 1000, `${ms} ms`);
  const pids = await pidsFrom(pidFile, 2);
  assert.ok(await gone(pids, 3000), `still running: ${pids.filter(running).join(' ')}`);
});

test('a timed-out script whose child ignores SIGTERM: the group gets SIGKILL once the script is gone', async () => {
  const pidFile = join(dir, 'stubborn.pids');
  // the child ignores TERM; the script itself dies of it
  const stubborn = script('stubborn.sh', `sh -c 'trap "" TERM; while :; do sleep 0.05; done' &\necho "$$ $!" > ${pidFile}\nwait`);
  const r = await probeMisc(misc(stubborn), context(300, ports, keys));
  assert.equal(!r.ok && r.reason, 'timeout');
  const pids = await pidsFrom(pidFile, 2);
  assert.ok(await gone(pids, 3500), `still running: ${pids.filter(running).join(' ')}`);
});

test('judging outcomes and keepalived\'s retry wording', () => {
  assert.deepEqual(judgeMiscOutcome({ timedOut: true }, false), { ok: false, reason: 'timeout', cause: 'timed out' });
  assert.deepEqual(judgeMiscOutcome({ signal: 15 }, true), { ok: false, reason: 'signal', cause: 'due to signal 15' });
  assert.deepEqual(judgeMiscOutcome({ exitCode: 256 }, true), { ok: false, reason: 'exit', cause: 'exited with status 256' });
  assert.equal(miscRetrySuffix(0, 0), ' with retry disabled');
  assert.equal(miscRetrySuffix(1, 1), ', will do 1 retry');
  assert.equal(miscRetrySuffix(3, 1), ', will do 3 retries');
  assert.equal(miscRetrySuffix(3, 2), ' on retry 1/3');
  assert.equal(miscRetrySuffix(3, 3), ' on retry 2/3');
  assert.equal(miscRetrySuffix(3, 0), ' after 3 retries');
  assert.equal(miscRetrySuffix(1, 0), ' after 1 retry');
  const c = misc('/usr/local/bin/script.sh arg');
  assert.equal(miscCheckLine(keys, c, { ok: false, reason: 'exit', cause: 'exited with status 1' }, miscRetrySuffix(1, 0)),
    `Misc check for [${RS} VS ${VS}] by [/usr/local/bin/script.sh] failed after 1 retry (exited with status 1).`);
  assert.equal(miscCheckLine(keys, c, { ok: false, reason: 'timeout', cause: 'timed out' }, miscRetrySuffix(0, 0)),
    `Misc check for [${RS} VS ${VS}] by [/usr/local/bin/script.sh] timed out with retry disabled.`);
});
