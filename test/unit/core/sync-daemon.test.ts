// lvs_sync_daemon in the VRRP process: the daemon role follows the bound instance as keepalived 2.2.7
// switches it (backup at start-up, master while MASTER, backup again on leaving MASTER, the current one
// stopped on stop), refusals are logged in keepalived's words, and a missing IPVS is logged once and never
// disturbs VRRP. First the controller alone, then through VrrpProcess with the runtime's fake ports; last
// the checker's part (no instance named: master and backup together).
import test from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { recordingLog } from '../../../src/lib/log.js';
import { VrrpSyncDaemon } from '../../../src/core/sync-daemon.js';
import { VrrpProcess } from '../../../src/core/vrrp.js';
import { CheckerProcess } from '../../../src/core/checker.js';
import { FakeIpvs } from '../ipvs/fake-ipvs.js';
import type { IpvsPort } from '../../../src/ipvs/types.js';
import { FakeSyncDaemons, syncCfg } from '../ipvs/fake-sync-daemons.js';
import { FakeAddressPort, FakeClock, FakePacketPort, MAC_ETH0 } from '../vrrp/runtime-fakes.js';
import { instanceConf } from '../vrrp/fsm-harness.js';

function controller() {
  const kernel = new FakeSyncDaemons();
  const log = recordingLog();
  let opened = 0;
  const syncd = new VrrpSyncDaemon({ log, ipvs: () => (opened++, kernel.asPort()) });
  return { kernel, log, syncd, opened: () => opened };
}

test('VRRP side: backup at start-up, master while MASTER, backup after MASTER, the current one stopped on stop', async () => {
  const { kernel, syncd, log } = controller();
  syncd.start(syncCfg());
  await syncd.idle();
  assert.deepEqual(kernel.now(), ['backup eth1/51']);
  syncd.instanceState('VI_1', 'BACKUP');
  syncd.instanceState('VI_2', 'MASTER');
  await syncd.idle();
  assert.deepEqual(kernel.now(), ['backup eth1/51'], 'BACKUP (init) and other instances change nothing');
  syncd.instanceState('VI_1', 'MASTER');
  await syncd.idle();
  assert.deepEqual(kernel.now(), ['master eth1/51']);
  syncd.instanceState('VI_1', 'MASTER_RX_LOWER_PRI');
  syncd.instanceState('VI_1', 'FAULT');
  await syncd.idle();
  assert.deepEqual(kernel.now(), ['backup eth1/51'], 'leaving MASTER for FAULT runs the backup daemon');
  syncd.instanceState('VI_1', 'BACKUP');
  syncd.instanceState('VI_1', 'MASTER');
  await syncd.stop();
  assert.deepEqual(kernel.now(), []);
  assert.deepEqual(kernel.calls, [
    'start backup eth1/51', 'stop backup', 'start master eth1/51', 'stop master', 'start backup eth1/51',
    'stop backup', 'start master eth1/51', 'stop master',
  ]);
  assert.equal(kernel.closed, 1, 'its own IPVS socket is closed on stop');
  syncd.instanceState('VI_1', 'BACKUP');
  await syncd.idle();
  assert.equal(kernel.calls.length, 8, 'nothing after stop (the STOP notify of the shutdown included)');
  assert.deepEqual(log.lines.filter((l) => l.level !== 'debug'), []);
});

test('VRRP side: flapping faster than the kernel answers still ends in the role of the last state, in order', async () => {
  const { kernel, syncd } = controller();
  let release!: () => void;
  kernel.hold = new Promise((r) => (release = r));
  syncd.start(syncCfg());
  for (const s of ['MASTER', 'BACKUP', 'MASTER', 'FAULT', 'MASTER']) syncd.instanceState('VI_1', s);
  release();
  await syncd.idle();
  assert.deepEqual(kernel.now(), ['master eth1/51']);
  assert.ok(!kernel.calls.some((c) => c.endsWith('!')), 'no command refused');
});

test('VRRP side: without an instance the daemons belong to the checker; no IPVS socket is opened', async () => {
  const { kernel, syncd, opened } = controller();
  syncd.start(syncCfg({ instance: undefined }));
  syncd.instanceState('VI_1', 'MASTER');
  await syncd.stop();
  syncd.start(undefined);
  assert.deepEqual(kernel.calls, []);
  assert.equal(opened(), 0);
});

test('a refusal is logged as keepalived logs it, and the next command still goes out', async () => {
  const { kernel, syncd, log } = controller();
  // a backup daemon left running by someone else
  kernel.running.set(2, { state: 2, mcastIfn: 'eth9', syncId: 9 });
  syncd.start(syncCfg());
  syncd.instanceState('VI_1', 'MASTER');
  await syncd.stop();
  assert.deepEqual(kernel.calls, ['start backup eth1/51 !', 'stop backup', 'start master eth1/51', 'stop master']);
  assert.deepEqual(log.lines.filter((l) => l.level !== 'debug').map((l) => [l.level, l.msg, l.fields?.errno]), [
    ['info', 'IPVS cmd IP_VS_SO_SET_STARTDAEMON(1163) error: Daemon has already run(17)', 'EEXIST'],
  ]);
});

test('no ip_vs here: one error line, no further attempt, no throw', async () => {
  const { kernel, syncd, log } = controller();
  kernel.missing = true;
  syncd.start(syncCfg());
  for (const s of ['MASTER', 'BACKUP', 'MASTER']) syncd.instanceState('VI_1', s);
  await syncd.stop();
  const lines = log.lines.filter((l) => l.level !== 'debug');
  assert.equal(lines.length, 1);
  assert.equal(lines[0].level, 'error');
  assert.match(lines[0].msg, /^IPVS: Can't initialize ipvs: IPVS generic netlink family not found/);
});

test('reload: a changed daemon is restarted (old one stopped quietly); unchanged follows the state; removed is stopped', async () => {
  const { kernel, syncd, log } = controller();
  syncd.start(syncCfg());
  syncd.instanceState('VI_1', 'MASTER');
  syncd.reload(syncCfg({ pos: { file: 'k.conf', line: 7, col: 3 } }), { VI_1: 'MASTER' });
  await syncd.idle();
  assert.deepEqual(kernel.calls, ['start backup eth1/51', 'stop backup', 'start master eth1/51'], 'same daemon: nothing');
  syncd.reload(syncCfg({ syncId: 7 }), { VI_1: 'MASTER' });
  await syncd.idle();
  assert.deepEqual(kernel.now(), ['master eth1/7']);
  syncd.reload(syncCfg({ syncId: 7, instance: 'VI_2' }), { VI_1: 'MASTER', VI_2: 'BACKUP' });
  await syncd.idle();
  assert.deepEqual(kernel.now(), ['backup eth1/7'], 'bound to another instance: that one\'s role');
  syncd.reload(undefined, { VI_1: 'MASTER' });
  await syncd.idle();
  assert.deepEqual(kernel.now(), []);
  syncd.reload(syncCfg(), { VI_1: 'MASTER' });
  await syncd.idle();
  assert.deepEqual(kernel.now(), ['master eth1/51'], 'added by a reload: the role of the instance now');
  await syncd.stop();
  assert.deepEqual(log.lines.filter((l) => l.level !== 'debug'), []);
});

// --- through the VRRP process

function setup(ipvs: FakeSyncDaemons) {
  const dir = mkdtempSync(join(tmpdir(), 'kt-syncd-'));
  const file = join(dir, 'keepalived.conf');
  const clock = new FakeClock();
  const packets = new FakePacketPort(clock);
  const ports: FakeAddressPort[] = [];
  const addresses = () => {
    const p = new FakeAddressPort(clock, [{ name: 'eth0', index: 2, up: true, mac: MAC_ETH0, mtu: 1500 }], [
      { family: 4, address: '10.0.0.1', prefixLen: 24, ifindex: 2, scope: 0 },
    ]);
    ports.push(p);
    return p;
  };
  const log = recordingLog();
  const proc = new VrrpProcess({ configFile: file, dontReleaseVrrp: false, dumpDir: dir }, log, {
    addresses, packets: () => packets, clock, ipvs: () => ipvs.asPort(),
  });
  return { file, clock, ports, log, proc, done: () => rmSync(dir, { recursive: true, force: true }) };
}

const conf = (global: string) => `global_defs {\n${global}\n}\n${instanceConf('  priority 150')}`;

test('VrrpProcess: the sync daemon follows VI_1 through MASTER, FAULT (link down) and back, and stops with it', async () => {
  const kernel = new FakeSyncDaemons();
  const s = setup(kernel);
  try {
    writeFileSync(s.file, conf('  lvs_sync_daemon eth0 inst VI_1'));
    assert.equal(await s.proc.start(), undefined);
    assert.deepEqual(kernel.now(), ['backup eth0/51'], 'backup from start-up; sync id = the VRID');
    await s.clock.runUntil(4000);
    assert.equal(s.proc.current!.instanceStates().VI_1, 'MASTER');
    assert.deepEqual(kernel.now(), ['master eth0/51']);
    s.ports.at(-1)!.setLink('eth0', false);
    await s.clock.advance(10);
    assert.equal(s.proc.current!.instanceStates().VI_1, 'FAULT');
    assert.deepEqual(kernel.now(), ['backup eth0/51']);
    s.ports.at(-1)!.setLink('eth0', true);
    await s.clock.advance(5000);
    assert.equal(s.proc.current!.instanceStates().VI_1, 'MASTER');
    assert.deepEqual(kernel.now(), ['master eth0/51']);
    // a reload that changes only the sync daemon keeps the runtime and restarts the daemon
    const rt = s.proc.current;
    writeFileSync(s.file, conf('  lvs_sync_daemon eth0 inst VI_1 id 9'));
    await s.proc.reload();
    await s.clock.advance(1);
    assert.equal(s.proc.current, rt);
    assert.deepEqual(kernel.now(), ['master eth0/9']);
    await s.proc.stop();
    assert.deepEqual(kernel.now(), []);
    assert.deepEqual(kernel.calls, [
      'start backup eth0/51', 'stop backup', 'start master eth0/51', 'stop master', 'start backup eth0/51',
      'stop backup', 'start master eth0/51', 'stop master', 'start master eth0/9', 'stop master',
    ]);
    assert.equal(kernel.closed, 1);
  } finally {
    s.done();
  }
});

test('VrrpProcess: without lvs_sync_daemon no IPVS is touched; a missing IPVS never stops VRRP', async () => {
  const quiet = new FakeSyncDaemons();
  const a = setup(quiet);
  try {
    writeFileSync(a.file, conf(''));
    await a.proc.start();
    await a.clock.runUntil(4000);
    await a.proc.stop();
    assert.deepEqual(quiet.calls, []);
    assert.equal(quiet.closed, 0);
  } finally {
    a.done();
  }
  const missing = new FakeSyncDaemons();
  missing.missing = true;
  const b = setup(missing);
  try {
    writeFileSync(b.file, conf('  lvs_sync_daemon eth0 inst VI_1'));
    assert.equal(await b.proc.start(), undefined);
    await b.clock.runUntil(4000);
    assert.equal(b.proc.current!.instanceStates().VI_1, 'MASTER');
    await b.proc.stop();
    assert.deepEqual(b.log.lines.filter((l) => l.msg.startsWith('IPVS')).map((l) => l.level), ['error']);
  } finally {
    b.done();
  }
});

// --- the checker's part: no instance named

/** The reconciler's fake table, with the sync-daemon fake answering the daemon commands. */
function checkerPort(): { port: IpvsPort; daemons: FakeSyncDaemons } {
  const daemons = new FakeSyncDaemons();
  const port: IpvsPort = new FakeIpvs();
  port.startDaemon = (d) => daemons.startDaemon(d);
  port.stopDaemon = (s) => daemons.stopDaemon(s);
  return { port, daemons };
}

const settled = () => new Promise<void>((r) => setTimeout(r, 20));

test('checker: without an instance, master and backup run from start to stop; a reload with a new id restarts both', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kt-syncd-chk-'));
  const file = join(dir, 'keepalived.conf');
  try {
    writeFileSync(file, 'global_defs {\n  lvs_sync_daemon eth0\n}\n');
    const { port, daemons } = checkerPort();
    const log = recordingLog();
    const checker = new CheckerProcess({ configFile: file, dontReleaseIpvs: true, resyncMs: 60_000 }, port, log);
    assert.equal(await checker.start(), undefined);
    await settled();
    assert.deepEqual(daemons.now(), ['backup eth0/0', 'master eth0/0'], 'sync id 0 without an instance');
    assert.deepEqual(daemons.calls, ['stop master !', 'stop backup !', 'start master eth0/0', 'start backup eth0/0'],
      'stale daemons are stopped first, quietly');
    writeFileSync(file, 'global_defs {\n  lvs_sync_daemon eth0 id 5\n}\n');
    await checker.reload();
    await settled();
    assert.deepEqual(daemons.now(), ['backup eth0/5', 'master eth0/5']);
    await checker.stop();
    assert.deepEqual(daemons.now(), [], 'stopped even with -I, as keepalived');
    assert.deepEqual(log.lines.filter((l) => l.msg.startsWith('IPVS cmd') && l.level !== 'debug'), []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('checker: a sync daemon bound to an instance is left to the VRRP process', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kt-syncd-chk-'));
  const file = join(dir, 'keepalived.conf');
  try {
    writeFileSync(file, `global_defs {\n  lvs_sync_daemon eth0 inst VI_1\n}\n${instanceConf('  priority 150')}`);
    const { port, daemons } = checkerPort();
    const checker = new CheckerProcess({ configFile: file, dontReleaseIpvs: false, resyncMs: 60_000 }, port, recordingLog());
    assert.equal(await checker.start(), undefined);
    await settled();
    await checker.stop();
    assert.deepEqual(daemons.calls, []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
