import test from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { recordingLog } from '../../../src/lib/log.js';
import { VrrpProcess } from '../../../src/core/vrrp.js';
import { FakeAddressPort, FakeClock, FakePacketPort, MAC_ETH0 } from '../vrrp/runtime-fakes.js';
import { instanceConf } from '../vrrp/fsm-harness.js';

function setup() {
  const dir = mkdtempSync(join(tmpdir(), 'kt-vrrp-proc-'));
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
  const proc = new VrrpProcess({ configFile: file, dontReleaseVrrp: false, dumpDir: dir }, log, { addresses, packets: () => packets, clock });
  return { dir, file, clock, packets, ports, log, proc, done: () => rmSync(dir, { recursive: true, force: true }) };
}

const conf = (vips: string) => instanceConf('  priority 150', 'VI_1', vips);

test('reload: a broken file is refused and the running runtime keeps going untouched', async () => {
  const s = setup();
  try {
    writeFileSync(s.file, conf('10.0.0.100/24'));
    assert.equal(await s.proc.start(), undefined);
    const rt = s.proc.current;
    await s.clock.runUntil(4000);
    assert.equal(rt!.instanceStates().VI_1, 'MASTER');
    writeFileSync(s.file, conf('10.0.0.100/24').replace(/\}\s*$/, ''));
    await s.proc.reload();
    assert.equal(s.proc.current, rt);
    assert.ok(s.log.lines.some((l) => l.msg === 'New configuration refused; keeping the running configuration'));
    await s.proc.stop();
  } finally {
    s.done();
  }
});

test('reload: an unchanged VRRP section keeps the runtime; a changed one carries MASTER over to a new runtime', async () => {
  const s = setup();
  try {
    writeFileSync(s.file, conf('10.0.0.100/24'));
    await s.proc.start();
    await s.clock.runUntil(4000);
    const rt = s.proc.current!;
    writeFileSync(s.file, `# a comment moves every line\n${conf('10.0.0.100/24')}`);
    await s.proc.reload();
    assert.equal(s.proc.current, rt);
    writeFileSync(s.file, conf('10.0.0.100/24 10.0.0.101/24'));
    await s.proc.reload();
    await s.clock.advance(10);
    assert.notEqual(s.proc.current, rt);
    assert.equal(s.proc.current!.instanceStates().VI_1, 'MASTER');
    assert.deepEqual(s.ports.at(-1)!.summary(), ['add 10.0.0.101/24 dev eth0']);
    assert.ok(s.ports[0].closed, 'the old runtime closed its netlink port');
    await s.proc.stop();
    assert.deepEqual(s.ports.at(-1)!.summary(), ['add 10.0.0.101/24 dev eth0', 'del 10.0.0.100/24 dev eth0', 'del 10.0.0.101/24 dev eth0']);
  } finally {
    s.done();
  }
});

test('reload: the notify FIFO is closed and opened again (a FIFO it made is unlinked, its reader started again), as keepalived does', async () => {
  const s = setup();
  const { chmodSync, existsSync, readFileSync, statSync } = await import('node:fs');
  try {
    const reader = join(s.dir, 'reader.sh');
    writeFileSync(reader, `#!/bin/sh\necho "$1" >> ${join(s.dir, 'starts')}\n`);
    chmodSync(reader, 0o755);
    const withFifo = (name: string) => `global_defs {\n  notify_fifo ${join(s.dir, name)}\n  notify_fifo_script ${reader}\n}\n${conf('10.0.0.100/24')}`;
    const starts = async (n: number) => {
      for (let i = 0; i < 100 && (existsSync(join(s.dir, 'starts')) ? readFileSync(join(s.dir, 'starts'), 'utf8').trim().split('\n').length : 0) < n; i++) {
        await new Promise((r) => setTimeout(r, 20));
      }
      return readFileSync(join(s.dir, 'starts'), 'utf8').trim().split('\n');
    };
    writeFileSync(s.file, withFifo('a.fifo'));
    await s.proc.start();
    assert.ok(statSync(join(s.dir, 'a.fifo')).isFIFO());
    assert.deepEqual(await starts(1), [join(s.dir, 'a.fifo')]);
    // the same VRRP section, another FIFO: the runtime stays, the FIFO moves
    writeFileSync(s.file, withFifo('b.fifo'));
    await s.proc.reload();
    assert.equal(existsSync(join(s.dir, 'a.fifo')), false, 'the FIFO it made is unlinked');
    assert.ok(statSync(join(s.dir, 'b.fifo')).isFIFO());
    assert.deepEqual(await starts(2), [join(s.dir, 'a.fifo'), join(s.dir, 'b.fifo')]);
    await s.proc.stop();
    assert.equal(existsSync(join(s.dir, 'b.fifo')), false);
  } finally {
    s.done();
  }
});

test('statistics dump: keepalived.stats in the dump directory, keepalived layout', async () => {
  const s = setup();
  try {
    writeFileSync(s.file, conf('10.0.0.100/24'));
    await s.proc.start();
    await s.clock.runUntil(4000);
    const path = s.proc.dumpStats()!;
    const { readFileSync, statSync } = await import('node:fs');
    assert.equal(path, join(s.dir, 'keepalived.stats'));
    assert.equal(statSync(path).mode & 0o777, 0o600);
    assert.match(readFileSync(path, 'utf8'), /^VRRP Instance: VI_1\n  Advertisements:\n    Received: 0\n    Sent: 1\n  Became master: 1\n/);
    await s.proc.stop();
  } finally {
    s.done();
  }
});
