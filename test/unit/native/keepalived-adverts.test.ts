// Interop smoke check: Debian's keepalived 2.2.7 runs VRRP in namespace A; our sockets in namespace B receive
// its adverts (VRRPv2 over IPv4, VRRPv3 over IPv6), and what our sockets send looks the same on the wire.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RawSocket, type RawPacket } from '../../../src/native/index.js';
import { createPair, type Pair } from './netns-pair.js';
import { inbox, inetChecksum, pseudoHeader6, type Inbox } from './helpers.js';

const KEEPALIVED = '/usr/sbin/keepalived';

// Priority 255 with state MASTER: keepalived takes over at once instead of waiting out the master down timer.
const CONFIG = `
global_defs {
  router_id kt_native_test
}
vrrp_instance VI_4 {
  state MASTER
  interface vA
  virtual_router_id 51
  priority 255
  advert_int 1
  virtual_ipaddress {
    10.112.0.100/24
  }
}
vrrp_instance VI_6 {
  state MASTER
  interface vA
  version 3
  virtual_router_id 52
  priority 255
  advert_int 1
  virtual_ipaddress {
    fd00:112::100/64
  }
}
`;

describe('keepalived’s adverts through our sockets', () => {
  let pair: Pair;
  let dir: string;
  let keepalived: ChildProcess | undefined;
  let log = '';
  const sockets: RawSocket[] = [];
  let v4: Inbox;
  let v6: Inbox;

  before(() => {
    assert.equal(process.getuid?.(), 0, 'the native socket tests need root (raw sockets, network namespaces)');
    assert.ok(existsSync(KEEPALIVED), `${KEEPALIVED} is missing (Debian package keepalived)`);
    pair = createPair('kad');
    dir = mkdtempSync(join(tmpdir(), 'kt-native-'));
    const conf = join(dir, 'keepalived.conf');
    writeFileSync(conf, CONFIG);
    v4 = inbox();
    v6 = inbox();
    for (const [family, box, group] of [[4, v4, '224.0.0.18'], [6, v6, 'ff02::12']] as const) {
      const s = RawSocket.open({ family, netns: pair.b.ns, device: pair.b.dev, onPacket: box.onPacket });
      s.joinGroup(group, pair.b.ifindex);
      sockets.push(s);
    }
    // -P: VRRP only; -n -l -D -G: foreground, log to the console, no syslog (there is none here).
    keepalived = spawn(
      'ip',
      ['netns', 'exec', pair.a.ns, KEEPALIVED, '-P', '-n', '-l', '-D', '-G', '-f', conf,
        '-p', join(dir, 'k.pid'), '-r', join(dir, 'v.pid')],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    keepalived.stdout!.on('data', (d) => (log += d));
    keepalived.stderr!.on('data', (d) => (log += d));
  });

  after(async () => {
    for (const s of sockets) s.close();
    await stop(keepalived);
    pair?.remove();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  let kadV4: RawPacket;
  let kadV6: RawPacket;

  test('keepalived’s VRRPv2 advert arrives with TTL 255, TOS 0xc0 and the VIP, from A’s address to 224.0.0.18', async () => {
    kadV4 = await v4.next((p) => p.data[1] === 51, 8000).catch((e) => assert.fail(`${e.message}\nkeepalived said:\n${log}`));
    assert.equal(kadV4.src, pair.a.v4);
    assert.equal(kadV4.dst, '224.0.0.18');
    assert.equal(kadV4.ifindex, pair.b.ifindex);
    assert.equal(kadV4.ttl, 255);
    assert.equal(kadV4.tos, 0xc0);
    const d = kadV4.data;
    assert.equal(d[0], 0x21, 'version 2, type advertisement');
    assert.equal(d[2], 255);
    assert.equal(d[3], 1, 'one VIP');
    assert.equal(d[5], 1, 'advert_int 1 s');
    assert.deepEqual([...d.subarray(8, 12)], [10, 112, 0, 100]);
    assert.equal(inetChecksum(d), 0);
  });

  test('keepalived’s VRRPv3 advert arrives with hop limit 255 and traffic class 0xc0, from A’s link-local address', async () => {
    kadV6 = await v6.next((p) => p.data[1] === 52, 8000).catch((e) => assert.fail(`${e.message}\nkeepalived said:\n${log}`));
    assert.equal(kadV6.src, pair.a.linkLocal);
    assert.equal(kadV6.dst, 'ff02::12');
    assert.equal(kadV6.ttl, 255);
    assert.equal(kadV6.tos, 0xc0);
    assert.equal(kadV6.data[0], 0x31, 'version 3, type advertisement');
    assert.equal(kadV6.data.readUInt16BE(4) & 0x0fff, 100, 'advert_int 100 centiseconds');
    assert.equal(inetChecksum(pseudoHeader6(kadV6.src, kadV6.dst, kadV6.data.length, 112), kadV6.data), 0);
  });

  test('the same adverts sent through our sockets are identical on the wire but for the IPv4 identification and header checksum', async () => {
    assert.ok(kadV4 && kadV6, 'keepalived’s adverts were received');
    await stop(keepalived);
    keepalived = undefined;
    // keepalived's last adverts (priority 0 as it leaves) are dropped: only ours are matched below.
    await new Promise((r) => setTimeout(r, 100));
    v4.packets.length = 0;
    v6.packets.length = 0;
    const senders = [4, 6].map((family) =>
      RawSocket.open({ family: family as 4 | 6, netns: pair.a.ns, device: pair.a.dev, onPacket: () => {} }),
    );
    sockets.push(...senders);
    senders[0]!.send(kadV4.data, { dst: '224.0.0.18', src: pair.a.v4, ifindex: pair.a.ifindex });
    const v3 = Buffer.from(kadV6.data);
    v3.writeUInt16BE(0, 6); // the kernel computes it again
    senders[1]!.send(v3, { dst: 'ff02::12', src: pair.a.linkLocal, ifindex: pair.a.ifindex });

    const ours4 = await v4.next((p) => p.data[1] === 51 && p.data[2] === 255);
    const ours6 = await v6.next((p) => p.data[1] === 52 && p.data[2] === 255);
    const blank = (h: Buffer) => {
      const c = Buffer.from(h);
      c.fill(0, 4, 6);
      c.fill(0, 10, 12);
      return c;
    };
    assert.deepEqual(blank(ours4.ipHeader!), blank(kadV4.ipHeader!));
    assert.deepEqual(ours4.data, kadV4.data);
    assert.deepEqual(
      { ...ours6, data: [...ours6.data] },
      { ...kadV6, data: [...kadV6.data] },
      'IPv6: addresses, hop limit, traffic class, bytes and kernel checksum all equal',
    );
  });
});

// Ends keepalived (the `ip netns exec` child execs it, so the PID is keepalived's) and waits for it.
async function stop(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}
