// The README's first command runs this demo: keep it true.
import test from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const DEMO = fileURLToPath(new URL('../../src/lab/demo.js', import.meta.url));

test('the lab demo runs: wrr spreads 3:2:1, a reload is one weight change, a deleted entry comes back, stop cleans up', () => {
  const r = spawnSync(process.execPath, [DEMO], { encoding: 'utf8', timeout: 240_000 });
  assert.equal(r.status, 0, `demo failed:\n${r.stdout}\n${r.stderr}`);
  assert.match(r.stdout, /60 requests: rs1=30 {2}rs2=20 {2}rs3=10 {2}\(0 failed\)/);
  assert.match(r.stdout, /Changing weight from 1 to 3 for active service \[10\.0\.2\.13\]:tcp:80 of VS \[10\.0\.1\.100\]:tcp:80/);
  assert.match(r.stdout, /after the re-sync: 3 real servers/);
  assert.match(r.stdout, /TCP {2}10\.0\.1\.200:443 rr\n(?! {5}->)/);
  assert.doesNotMatch(r.stdout, /10\.0\.1\.100:80 wrr[\s\S]*Stop \(SIGTERM\)[\s\S]*10\.0\.1\.100:80/);
});
