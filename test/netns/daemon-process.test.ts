// The process model next to keepalived 2.2.7 (KEEPALIVED.md §2.2, §2.4), each daemon in a namespace of its
// own: the parent and child pid files; a second daemon on the same pid files refuses ("daemon is already
// running", exit 0); a child killed with -9 is restarted ("Respawning") or, with -R, stops the daemon; a
// child's permanent error (the checker without ip_vs: FATAL) stops the daemon with the child's code; SIGTERM
// removes the pid files.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const MAIN = resolve(dirname(fileURLToPath(import.meta.url)), '../../src/cli/main.js');
const KEEPALIVED = '/usr/sbin/keepalived';
const KINDS = ['ours', 'keepalived'] as const;
type Kind = (typeof KINDS)[number];

const CONF = `vrrp_instance VI_1 {
  interface eth0
  virtual_router_id 51
  priority 100
  advert_int 1
  virtual_ipaddress { 10.121.0.100/24 }
}
`;

/** A virtual server makes the checker child start (and fail: no ip_vs on this host). */
const LVS_CONF = `virtual_server 10.121.0.100 80 {
  protocol TCP
  real_server 10.121.0.2 80 {
  }
}
`;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function sh(cmd: string, args: string[]): void {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr}`);
}

class Run {
  out = '';
  readonly exited: Promise<number | null>;
  readonly proc: ChildProcess;
  constructor(readonly kind: Kind, ns: string, readonly dir: string, extra: string[], conf = 'k.conf') {
    const pids = ['-p', join(dir, 'p.pid'), '-r', join(dir, 'v.pid'), '-c', join(dir, 'c.pid')];
    const argv = kind === 'ours'
      ? [process.execPath, MAIN, '-n', '-l', '-f', join(dir, conf), ...pids, ...extra]
      : [KEEPALIVED, '-n', '-l', '-G', '-f', join(dir, conf), ...pids, ...extra];
    this.proc = spawn('ip', ['netns', 'exec', ns, ...argv], { stdio: ['ignore', 'pipe', 'pipe'], detached: true, env: { ...process.env, TMPDIR: dir } });
    const add = (d: Buffer) => void (this.out += d.toString());
    this.proc.stdout!.on('data', add);
    this.proc.stderr!.on('data', add);
    this.exited = new Promise((r) => this.proc.on('exit', (code) => r(code)));
  }
  async waitFor(re: RegExp, ms = 15_000): Promise<void> {
    const end = Date.now() + ms;
    while (!re.test(this.out)) {
      if (Date.now() > end) throw new Error(`${this.kind}: no ${re} within ${ms} ms; output:\n${this.out}`);
      await sleep(50);
    }
  }
  pidOf(file: 'p' | 'v' | 'c'): number {
    return Number(readFileSync(join(this.dir, `${file}.pid`), 'utf8').trim());
  }
  kill(): void {
    try { process.kill(-this.proc.pid!, 'SIGKILL'); } catch { /* gone */ }
  }
}

describe('the process model, next to keepalived 2.2.7', { timeout: 180_000 }, () => {
  const tag = `ktp-${process.pid}-${Math.random().toString(36).slice(2, 6)}`;
  const ns: Record<Kind, string> = { ours: `${tag}-o`, keepalived: `${tag}-k` };
  const dirs: Record<Kind, string> = { ours: '', keepalived: '' };
  const runs: Run[] = [];
  const start = (kind: Kind, extra: string[] = [], conf?: string) => {
    const r = new Run(kind, ns[kind], dirs[kind], extra, conf);
    runs.push(r);
    return r;
  };

  before(() => {
    for (const k of KINDS) {
      sh('ip', ['netns', 'add', ns[k]]);
      sh('ip', ['-n', ns[k], 'link', 'set', 'lo', 'up']);
      sh('ip', ['-n', ns[k], 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'eth1']);
      for (const dev of ['eth0', 'eth1']) sh('ip', ['-n', ns[k], 'link', 'set', dev, 'up']);
      sh('ip', ['-n', ns[k], 'addr', 'add', '10.121.0.1/24', 'dev', 'eth0']);
      dirs[k] = mkdtempSync(join(tmpdir(), `${tag}-${k}-`));
      writeFileSync(join(dirs[k], 'k.conf'), CONF);
      writeFileSync(join(dirs[k], 'lvs.conf'), LVS_CONF);
    }
  });

  after(() => {
    for (const r of runs) r.kill();
    for (const k of KINDS) {
      spawnSync('ip', ['netns', 'del', ns[k]]);
      if (dirs[k]) rmSync(dirs[k], { recursive: true, force: true });
    }
  });

  for (const kind of KINDS) {
    test(`${kind}: pid files, a second daemon refused, a killed child respawned, SIGTERM cleans up`, async () => {
      const d = start(kind);
      await d.waitFor(/\(VI_1\) Entering BACKUP STATE/);
      const parent = d.pidOf('p');
      const child = d.pidOf('v');
      assert.notEqual(parent, child);
      assert.ok(!existsSync(join(dirs[kind], 'c.pid')), 'no checker child without virtual servers');

      // SIGUSR1 to the parent: its own dump and the VRRP child's
      for (const f of ['keepalived_parent.data', 'keepalived.data']) rmSync(join(dirs[kind], f), { force: true });
      process.kill(parent, 'SIGUSR1');
      await d.waitFor(/Printing parent data for process\(\d+\) on signal/);
      await d.waitFor(/Printing VRRP data for process\(\d+\) on signal/);
      for (let i = 0; i < 50 && !existsSync(join(dirs[kind], 'keepalived.data')); i++) await sleep(50);
      for (const f of ['keepalived_parent.data', 'keepalived.data']) assert.ok(existsSync(join(dirs[kind], f)), `${kind} wrote ${f}`);

      const second = start(kind);
      assert.equal(await second.exited, 0);
      assert.match(second.out, /daemon is already running/);

      process.kill(child, 'SIGKILL');
      await d.waitFor(new RegExp(`pid ${child} exited due to signal 9 \\(Killed\\)`));
      await d.waitFor(new RegExp(`VRRP child process\\(${child}\\) died: Respawning`));
      await d.waitFor(/Restart of VRRP process delayed 0 seconds to limit respawn rate/);
      await d.waitFor(/Entering BACKUP STATE[\s\S]*Entering BACKUP STATE/);
      const respawned = d.pidOf('v');
      assert.notEqual(respawned, child);
      assert.equal(d.pidOf('p'), parent);

      process.kill(parent, 'SIGTERM');
      assert.equal(await d.exited, 0);
      assert.ok(!existsSync(join(dirs[kind], 'p.pid')) && !existsSync(join(dirs[kind], 'v.pid')), 'pid files removed');
    });

    if (kind === 'ours') {
      test('ours: a reload while the VRRP child is still starting reaches it (ours keeps the parts it accepted)', async () => {
        // the parent gives each child the configuration it accepted last (config-handoff.ts): a child still
        // starting when a reload is accepted asks for it then, or is sent it once it reports ready
        writeFileSync(join(dirs[kind], 'r.conf'), CONF);
        const d = start(kind, [], 'r.conf');
        await d.waitFor(/Starting VRRP child process, pid=/);
        writeFileSync(join(dirs[kind], 'r.conf'), CONF.replace('priority 100', 'priority 101'));
        process.kill(d.pidOf('p'), 'SIGHUP');
        await d.waitFor(/Reload complete/);
        await d.waitFor(/\(VI_1\) Entering BACKUP STATE/);
        // the reload was accepted before the child had started: the path under test, not an ordinary reload
        assert.ok(d.out.indexOf('Reload complete') < d.out.indexOf('Entering BACKUP STATE'), d.out);
        const data = join(dirs[kind], 'keepalived.data');
        for (let i = 0; i < 40; i++) {
          rmSync(data, { force: true });
          process.kill(d.pidOf('p'), 'SIGUSR1');
          for (let j = 0; j < 20 && !existsSync(data); j++) await sleep(50);
          if (existsSync(data) && /Priority = 101/.test(readFileSync(data, 'utf8'))) break;
          await sleep(100);
        }
        assert.match(readFileSync(data, 'utf8'), /Priority = 101/);
        process.kill(d.pidOf('p'), 'SIGTERM');
        assert.equal(await d.exited, 0);
      });
    }

    test(`${kind}: -R — a killed child stops the daemon`, async () => {
      const d = start(kind, ['-R']);
      await d.waitFor(/\(VI_1\) Entering BACKUP STATE/);
      const child = d.pidOf('v');
      process.kill(child, 'SIGKILL');
      await d.waitFor(new RegExp(`VRRP child process\\(${child}\\) died: Exiting`));
      assert.equal(await d.exited, 0);
    });

    test(`${kind}: the checker child without ip_vs is a permanent error: the daemon stops with its code`, async () => {
      // this host's kernel has no IPVS, so the checker child exits 1 (FATAL) at start-up
      const d = start(kind, ['-C'], 'lvs.conf');
      const code = await d.exited;
      assert.match(d.out, /exited with permanent error FATAL\. Terminating/);
      assert.equal(code, 1);
    });
  }
});
