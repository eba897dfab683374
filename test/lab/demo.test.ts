// The README's first command runs this demo: keep it true. Timings in UML depend on the machine's load,
// so the bounds are generous; the shape of each step is not.
import test from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const DEMO = fileURLToPath(new URL('../../src/lab/demo.js', import.meta.url));

/** The numbers of a `N requests, F failed; answered by rs1 a (x%), rs2 b (y%), rs3 c (z%)` line after `prefix`. */
function spread(out: string, prefix: string): { n: number; failed: number; rs: number[] } {
  const m = out.match(new RegExp(`${prefix} (\\d+) requests, (\\d+) failed; answered by rs1 (\\d+) \\(\\d+%\\), rs2 (\\d+) \\(\\d+%\\), rs3 (\\d+) \\(\\d+%\\)`));
  assert.ok(m, `no "${prefix} … requests" line in:\n${out}`);
  return { n: Number(m[1]), failed: Number(m[2]), rs: [Number(m[3]), Number(m[4]), Number(m[5])] };
}

function number(out: string, re: RegExp): number {
  const m = out.match(re);
  assert.ok(m, `${re} not found in:\n${out}`);
  return Number(m[1]);
}

test('the lab demo: a director pair elects, wrr spreads 3:2:1, a dead real server leaves both tables, the backup takes over a crashed master', () => {
  const r = spawnSync(process.execPath, [DEMO], { encoding: 'utf8', timeout: 330_000 });
  const out = r.stdout;
  assert.equal(r.status, 0, `demo failed:\n${out}\n${r.stderr}`);

  // VRRP: dir1 (priority 150) master with the VIP, dir2 backup
  assert.match(out, /VRRP \(VI_1\): dir1 MASTER, dir2 BACKUP, VIP 10\.0\.1\.100 on dir1's eth0 only/);
  assert.match(out, /dir1: \(VI_1\) Entering MASTER STATE/);
  assert.match(out, /dir2: \(VI_1\) Entering BACKUP STATE/);
  // the master's table: three real servers, direct routing, weights 3 2 1
  assert.match(out, /TCP {2}10\.0\.1\.100:80 wrr\n +-> 10\.0\.1\.11:80 +Route +3 .*\n +-> 10\.0\.1\.12:80 +Route +2 .*\n +-> 10\.0\.1\.13:80 +Route +1 /);

  // wrr 3:2:1 over the first 120 requests (exact in practice; a little room for a request lost to a stalled lab)
  const first = spread(out, 'first');
  assert.equal(first.n, 120);
  assert.ok(first.failed <= 2, `first 120: ${first.failed} failed`);
  [60, 40, 20].forEach((want, i) => assert.ok(Math.abs(first.rs[i] - want) <= 6, `rs${i + 1}: ${first.rs[i]} of 120, want ~${want}`));

  // rs2 stops: both directors' checkers take it out, the master's table lists two, requests keep succeeding
  assert.match(out, /dir1: HTTP_CHECK on service \[10\.0\.1\.12\]:tcp:80 failed/);
  assert.match(out, /dir1: Removing service \[10\.0\.1\.12\]:tcp:80 from VS \[10\.0\.1\.100\]:tcp:80/);
  assert.match(out, /dir2: Removing service \[10\.0\.1\.12\]:tcp:80 from VS \[10\.0\.1\.100\]:tcp:80/);
  assert.match(out, /ipvsadm -Ln on dir1 now:\n +-> 10\.0\.1\.11:80 +Route +3 .*\n +-> 10\.0\.1\.13:80 +Route +1 .*\n +\d+ requests? failed in between/);
  assert.ok(number(out, /the checkers took it out within (\d+\.\d) s/) < 10);
  const after = spread(out, 'since then');
  assert.ok(after.n >= 30, `only ${after.n} requests after rs2 left`);
  assert.equal(after.rs[1], 0, 'requests still reached rs2 after it left the table');
  assert.ok(after.failed <= 2, `${after.failed} requests failed after rs2 left the table`);
  assert.ok(after.rs[0] > after.rs[2] * 2, `wrr 3:1 over rs1 and rs3: ${after.rs[0]} / ${after.rs[2]}`);

  // dir1 crashes: dir2 takes over; requests sent after the takeover all succeed
  assert.match(out, /dir1 crashes: kill -9 of keepalived-ts's process group/);
  assert.match(out, /dir2: \(VI_1\) Entering MASTER STATE; the VIP is on its eth0 \d+\.\d s after the crash/);
  assert.ok(number(out, /dir2 took over the VIP in (\d+\.\d) s/) < 15);
  assert.ok(number(out, /no answer for (\d+) ms at most/) < 15_000);
  assert.match(out, /ipvsadm -Ln on dir2 \(the master now[^\n]*\n(?:.*\n){3} +TCP {2}10\.0\.1\.100:80 wrr\n +-> 10\.0\.1\.11:80 +Route +3 .*\n +-> 10\.0\.1\.13:80 +Route +1 /);
  const late = out.match(/sent after the takeover: (\d+) requests, (\d+) failed/);
  assert.ok(late, 'no summary line for the requests after the takeover');
  assert.ok(Number(late[1]) >= 20, `only ${late[1]} requests after the takeover`);
  assert.ok(Number(late[2]) <= 2, `${late[2]} requests failed after the takeover`);
  assert.match(out, /Summary\n +\d+ requests, \d+ failed: \d+ while rs2 was down but still in the table, \d+ during the failover/);
});
