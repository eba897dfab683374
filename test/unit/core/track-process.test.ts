// The /proc reader behind vrrp_track_process: on a made-up /proc (zombies, odd names, exec, the cheap
// ticks) and on the real one with a `sleep` this test starts.
import test from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NodeProcessWatcher, parseCmdline, parseStat } from '../../../src/core/track-process.js';
import type { ProcessInfo } from '../../../src/vrrp/track-process.js';

const stat = (pid: number, comm: string, state = 'S', ppid = 1, start = 1000) =>
  `${pid} (${comm}) ${state} ${ppid} ${pid} ${pid} 0 -1 4194560 100 0 0 0 0 0 0 0 20 0 1 0 ${start} 1000 100 18446744073709551615\n`;

function fakeProc() {
  const root = mkdtempSync(join(tmpdir(), 'kt-proc-'));
  let lastPid = 100;
  const put = (pid: number, comm: string, argv: string[], o: { state?: string; ppid?: number; start?: number } = {}) => {
    mkdirSync(join(root, String(pid)), { recursive: true });
    writeFileSync(join(root, String(pid), 'stat'), stat(pid, comm, o.state, o.ppid, o.start));
    writeFileSync(join(root, String(pid), 'cmdline'), argv.map((a) => `${a}\0`).join(''));
    lastPid = pid;
    writeFileSync(join(root, 'loadavg'), `0.00 0.01 0.05 1/80 ${lastPid}\n`);
  };
  const drop = (pid: number) => rmSync(join(root, String(pid)), { recursive: true, force: true });
  writeFileSync(join(root, 'loadavg'), `0.00 0.01 0.05 1/80 ${lastPid}\n`);
  mkdirSync(join(root, 'self'));
  return { root, put, drop, done: () => rmSync(root, { recursive: true, force: true }) };
}

test('parseStat: a name with spaces and parentheses; parseCmdline: NUL-separated, kernel threads empty', () => {
  assert.deepEqual(parseStat(stat(7, 'a) (b', 'R', 3, 555)), { comm: 'a) (b', state: 'R', ppid: 3, startTime: '555' });
  assert.equal(parseStat('garbage'), undefined);
  assert.deepEqual(parseCmdline(Buffer.from('sleep\x003600.5\x00')), ['sleep', '3600.5']);
  assert.deepEqual(parseCmdline(Buffer.from('nginx: master process /usr/sbin/nginx')), ['nginx: master process /usr/sbin/nginx']);
  assert.deepEqual(parseCmdline(Buffer.alloc(0)), []);
});

test('a scan: every process but zombies, with its parent and (when asked) its command line', async () => {
  const p = fakeProc();
  try {
    p.put(1, 'init', ['/sbin/init']);
    p.put(20, 'haproxy', ['/usr/sbin/haproxy', '-f', '/etc/haproxy.cfg'], { ppid: 1 });
    p.put(21, 'haproxy', [], { state: 'Z', ppid: 20 });
    const w = new NodeProcessWatcher(undefined, p.root);
    assert.deepEqual(await w.scan(false), [{ pid: 1, ppid: 1, comm: 'init' }, { pid: 20, ppid: 1, comm: 'haproxy' }]);
    const withArgv = await w.scan(true);
    assert.deepEqual(withArgv.find((x) => x.pid === 20)?.argv, ['/usr/sbin/haproxy', '-f', '/etc/haproxy.cfg']);
    // an exec: same pid and start time, new name -> the command line is read again
    p.put(20, 'haproxy-new', ['/usr/sbin/haproxy-new']);
    assert.deepEqual((await w.scan(true)).find((x) => x.pid === 20)?.argv, ['/usr/sbin/haproxy-new']);
  } finally {
    p.done();
  }
});

test('watching: a counted process that exits is seen on the next tick; a new PID triggers a full scan', async () => {
  const p = fakeProc();
  const w = new NodeProcessWatcher(undefined, p.root, 20);
  try {
    p.put(20, 'haproxy', ['haproxy']);
    const seen: Array<readonly ProcessInfo[]> = [];
    await w.scan(false);
    w.watch(false, (procs) => seen.push(procs), () => [20]);
    await new Promise((r) => setTimeout(r, 70));
    const quiet = seen.length;
    p.drop(20);
    await new Promise((r) => setTimeout(r, 70));
    assert.ok(seen.length > quiet, 'a snapshot after the exit');
    assert.deepEqual(seen.at(-1), []);
    p.put(30, 'haproxy', ['haproxy']);
    await new Promise((r) => setTimeout(r, 70));
    assert.deepEqual(seen.at(-1)?.map((x) => x.pid), [30]);
  } finally {
    w.close();
    p.done();
  }
});

test('the real /proc: a sleep this test started, found by name and command line, gone once killed', async () => {
  const arg = `3600.${process.pid}${Math.floor(Math.random() * 1000)}`;
  const child = spawn('sleep', [arg], { stdio: 'ignore' });
  const w = new NodeProcessWatcher();
  try {
    await new Promise((r) => setTimeout(r, 100));
    const mine = (await w.scan(true)).find((x) => x.pid === child.pid);
    assert.deepEqual(mine, { pid: child.pid, ppid: process.pid, comm: 'sleep', argv: ['sleep', arg] });
    const seen: Array<readonly ProcessInfo[]> = [];
    w.watch(true, (procs) => seen.push(procs), () => [child.pid!]);
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
    const killedAt = Date.now();
    while (!seen.some((s) => !s.some((x) => x.pid === child.pid)) && Date.now() - killedAt < 2000) await new Promise((r) => setTimeout(r, 10));
    const took = Date.now() - killedAt;
    assert.ok(took < 500, `noticed ${took} ms after the exit`);
  } finally {
    w.close();
    child.kill('SIGKILL');
  }
});
