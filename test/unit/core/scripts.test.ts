import test, { after } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { splitCommand, type ScriptRef } from '../../../src/config/model/script.js';
import { silentLog } from '../../../src/lib/log.js';
import { launchOf, NodeScriptPort } from '../../../src/core/scripts.js';

const dir = mkdtempSync(join(tmpdir(), 'kt-scripts-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const ref = (command: string): ScriptRef => ({ command, argv: splitCommand(command), role: 'test', pos: { file: 'x', line: 1, col: 1 } });
const ROOT = { scriptUser: 'root' };

function script(name: string, body: string): string {
  const p = join(dir, name);
  writeFileSync(p, `#!/bin/sh\n${body}\n`);
  chmodSync(p, 0o755);
  return p;
}

test('an executable with a shebang runs directly: the configured words plus the extra arguments are its argv', () => {
  const p = script('direct.sh', 'true');
  assert.deepEqual(launchOf(ref(`${p} "a b" c`), ['INSTANCE', 'VI_1', 'MASTER', '150'], ROOT), {
    file: p, args: ['a b', 'c', 'INSTANCE', 'VI_1', 'MASTER', '150'],
  });
});

test('anything else goes through /bin/sh -c, extra arguments quoted', () => {
  // a shell builtin is no file on PATH
  const l = launchOf(ref('exit 0'), ["it's"], ROOT);
  assert.equal(l.file, '/bin/sh');
  assert.deepEqual(l.args, ['-c', `exit 0 'it'\\''s'`]);
  const noShebang = join(dir, 'plain');
  writeFileSync(noShebang, 'true\n');
  chmodSync(noShebang, 0o755);
  assert.equal(launchOf(ref(noShebang), [], ROOT).file, '/bin/sh');
});

test('vrrp_script runs report the exit status, a kill by signal, and a timeout', async () => {
  const port = new NodeScriptPort(() => ROOT, silentLog);
  assert.deepEqual(await port.check(ref(script('ok.sh', 'exit 0')), 5000), { exitCode: 0 });
  assert.deepEqual(await port.check(ref(script('fail.sh', 'exit 3')), 5000), { exitCode: 3 });
  assert.deepEqual(await port.check(ref(script('killed.sh', 'kill -9 $$')), 5000), { signal: 9 });
  assert.deepEqual(await port.check(ref(script('slow.sh', 'sleep 5')), 100), { timedOut: true });
});

test('notify scripts run in their own process group and the promise settles when they exit', async () => {
  const out = join(dir, 'pgid');
  const port = new NodeScriptPort(() => ROOT, silentLog);
  await port.notify(ref(script('pg.sh', `echo "$$ $(ps -o pgid= -p $$)" > ${out}`)), []);
  const [pid, pgid] = readFileSync(out, 'utf8').trim().split(/\s+/);
  assert.equal(pgid, pid);
});
