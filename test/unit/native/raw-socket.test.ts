// The raw socket addon against the real kernel: two private network namespaces joined by a veth pair, A
// sending, B receiving. Needs root; fails (never skips) without it.
import { after, afterEach, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readdirSync } from 'node:fs';
import { PacketSocket, RawSocket, type RawPacket } from '../../../src/native/index.js';
import { createPair, run, type Pair } from './netns-pair.js';
import { advert, garpFrame, inbox, inetChecksum, ipv4Bytes, ipv6Bytes, naFrame, pseudoHeader6 } from './helpers.js';

const GROUP4 = '224.0.0.18';
const GROUP6 = 'ff02::12';

describe('raw IP and packet sockets between two network namespaces', () => {
  let pair: Pair;
  const open: { close(): void }[] = [];
  const track = <T extends { close(): void }>(s: T): T => (open.push(s), s);

  before(() => {
    assert.equal(process.getuid?.(), 0, 'the native socket tests need root (raw sockets, network namespaces)');
    pair = createPair('raw');
  });
  // Every test's sockets are closed after it, so no socket of one test sees another test's packets.
  afterEach(() => {
    for (const s of open.splice(0)) s.close();
  });
  after(() => pair?.remove());

  // A socket in B that listens the way keepalived's read socket does in multicast mode.
  function listener(family: 4 | 6): { sock: RawSocket; box: ReturnType<typeof inbox> } {
    const box = inbox();
    const sock = track(RawSocket.open({ family, netns: pair.b.ns, device: pair.b.dev, onPacket: box.onPacket }));
    sock.joinGroup(family === 4 ? GROUP4 : GROUP6, pair.b.ifindex);
    return { sock, box };
  }
  function sender(family: 4 | 6): RawSocket {
    return track(RawSocket.open({ family, netns: pair.a.ns, device: pair.a.dev, onPacket: () => {} }));
  }

  test('an IPv4 advert to 224.0.0.18 arrives with B’s ifindex, TTL 255, TOS 0xc0, its source and its bytes', async () => {
    const { sock, box } = listener(4);
    sock.bind(GROUP4);
    const pkt = advert(2, 51, 150, [ipv4Bytes('10.112.0.100')]);
    const sent = sender(4).send(pkt, { dst: GROUP4, src: pair.a.v4, ifindex: pair.a.ifindex });
    assert.equal(sent, pkt.length);
    const got = await box.next();
    assert.deepEqual(got.data, pkt);
    assert.equal(got.ifindex, pair.b.ifindex);
    assert.equal(got.ttl, 255);
    assert.equal(got.tos, 0xc0);
    assert.equal(got.src, pair.a.v4);
    assert.equal(got.dst, GROUP4);
  });

  test('the kernel-built IPv4 header is keepalived’s: 20 bytes, protocol 112, no DF bit, a valid checksum', async () => {
    const { box } = listener(4);
    const pkt = advert(2, 52, 100, [ipv4Bytes('10.112.0.101'), ipv4Bytes('10.112.0.102')]);
    sender(4).send(pkt, { dst: GROUP4, src: pair.a.v4, ifindex: pair.a.ifindex });
    const got = await box.next((p) => p.data[1] === 52);
    const h = got.ipHeader!;
    assert.equal(h.length, 20);
    assert.equal(h[0], 0x45);
    assert.equal(h.readUInt16BE(2), 20 + pkt.length);
    assert.equal(h.readUInt16BE(6), 0, 'flags and fragment offset are all zero, as keepalived writes them');
    assert.equal(h[9], 112);
    assert.equal(inetChecksum(h), 0);
  });

  test('an IPv6 advert to ff02::12 arrives with hop limit 255, traffic class 0xc0 and a checksum the kernel filled in', async () => {
    const { sock, box } = listener(6);
    sock.bind(GROUP6, pair.b.ifindex);
    const pkt = advert(3, 53, 200, [ipv6Bytes('fd00:112::100')]);
    sender(6).send(pkt, { dst: GROUP6, src: pair.a.linkLocal, ifindex: pair.a.ifindex });
    const got = await box.next();
    assert.equal(got.ifindex, pair.b.ifindex);
    assert.equal(got.ttl, 255);
    assert.equal(got.tos, 0xc0);
    assert.equal(got.src, pair.a.linkLocal);
    assert.equal(got.dst, GROUP6);
    assert.equal(got.ipHeader, undefined);
    assert.deepEqual(got.data.subarray(8), pkt.subarray(8));
    assert.notEqual(got.data.readUInt16BE(6), 0, 'the kernel wrote the checksum at offset 6');
    const sum = inetChecksum(pseudoHeader6(got.src, got.dst, got.data.length, 112), got.data);
    assert.equal(sum, 0, 'the checksum covers the IPv6 pseudo-header (RFC 5798 §5.2.8)');
  });

  test('a unicast IPv4 advert reaches a socket bound to B’s address but not one bound to the group', async () => {
    const uni = inbox();
    const u = track(RawSocket.open({ family: 4, netns: pair.b.ns, device: pair.b.dev, onPacket: uni.onPacket }));
    u.bind(pair.b.v4);
    const { sock, box: multi } = listener(4);
    sock.bind(GROUP4);
    const pkt = advert(2, 54, 100, [ipv4Bytes('10.112.0.103')]);
    sender(4).send(pkt, { dst: pair.b.v4, src: pair.a.v4 });
    const got = await uni.next();
    assert.equal(got.dst, pair.b.v4);
    assert.equal(got.src, pair.a.v4);
    assert.equal(got.ttl, 255);
    assert.equal(got.ifindex, pair.b.ifindex);
    assert.deepEqual(await multi.collect(200), []);
  });

  test('a unicast IPv6 advert arrives with hop limit 255 and B’s address as destination', async () => {
    const box = inbox();
    const u = track(RawSocket.open({ family: 6, netns: pair.b.ns, device: pair.b.dev, onPacket: box.onPacket }));
    u.bind(pair.b.v6);
    sender(6).send(advert(3, 55, 100, [ipv6Bytes('fd00:112::103')]), { dst: pair.b.v6, src: pair.a.v6 });
    const got = await box.next();
    assert.equal(got.ttl, 255);
    assert.equal(got.src, pair.a.v6);
    assert.equal(got.dst, pair.b.v6);
    assert.equal(got.ifindex, pair.b.ifindex);
  });

  test('adverts sent with TTL 64 are received with TTL / hop limit 64, so validation can reject them', async () => {
    for (const family of [4, 6] as const) {
      const { box } = listener(family);
      const s = sender(family);
      s.setTtl(64);
      const [group, src, vip] =
        family === 4 ? [GROUP4, pair.a.v4, ipv4Bytes('10.112.0.104')] : [GROUP6, pair.a.linkLocal, ipv6Bytes('fd00:112::104')];
      s.send(advert(family === 4 ? 2 : 3, 56, 100, [vip]), { dst: group, src, ifindex: pair.a.ifindex });
      assert.equal((await box.next()).ttl, 64, `IPv${family}`);
    }
  });

  test('after leaving the group, multicast adverts no longer arrive', async () => {
    const { sock, box } = listener(4);
    const s = sender(4);
    const pkt = advert(2, 57, 100, [ipv4Bytes('10.112.0.105')]);
    s.send(pkt, { dst: GROUP4, src: pair.a.v4, ifindex: pair.a.ifindex });
    await box.next();
    sock.leaveGroup(GROUP4, pair.b.ifindex);
    s.send(pkt, { dst: GROUP4, src: pair.a.v4, ifindex: pair.a.ifindex });
    assert.deepEqual(await box.collect(200), []);
  });

  test('a gratuitous ARP frame sent on A’s packet socket replaces the VIP’s MAC in B’s neighbour table', async () => {
    const p = track(PacketSocket.open({ netns: pair.a.ns }));
    const mac = '02:00:5e:00:01:33';
    // B still holds the old owner's MAC for the VIP, as a client does when the MASTER changes.
    run('ip', ['-n', pair.b.ns, 'neigh', 'replace', '10.112.0.110', 'lladdr', '02:00:00:00:00:01', 'dev', pair.b.dev, 'nud', 'stale']);
    const frame = garpFrame(mac, '10.112.0.110');
    assert.equal(p.send(frame, pair.a.ifindex), frame.length);
    assert.equal(await neighbourMac(pair.b.ns, '10.112.0.110', mac), mac);
  });

  test('an unsolicited neighbour advertisement from A’s packet socket replaces the IPv6 VIP’s MAC in B’s neighbour table', async () => {
    const p = track(PacketSocket.open({ netns: pair.a.ns }));
    const mac = '02:00:5e:00:02:33';
    run('ip', ['-n', pair.b.ns, 'neigh', 'replace', 'fd00:112::110', 'lladdr', '02:00:00:00:00:02', 'dev', pair.b.dev, 'nud', 'stale']);
    p.send(naFrame(mac, pair.a.linkLocal, 'fd00:112::110'), pair.a.ifindex);
    assert.equal(await neighbourMac(pair.b.ns, 'fd00:112::110', mac), mac);
  });

  test('failures are errors with errno codes', () => {
    const s = sender(4);
    assert.throws(() => s.joinGroup(GROUP4, 99999), { code: 'ENODEV', syscall: 'setsockopt ADD_MEMBERSHIP' });
    assert.throws(() => s.send(Buffer.alloc(8), { dst: 'not-an-address' }), { code: 'EINVAL' });
    assert.throws(() => s.bind('10.9.9.9'), { code: 'EADDRNOTAVAIL', errno: -99 });
    assert.throws(
      () => RawSocket.open({ family: 4, netns: 'kt-no-such-netns', onPacket: () => {} }),
      { code: 'ENOENT', syscall: 'socket' },
    );
    assert.throws(() => RawSocket.open({ family: 4, device: 'no-such-dev0', onPacket: () => {} }), {
      code: 'ENODEV',
      syscall: 'setsockopt SO_BINDTODEVICE',
    });
    assert.throws(() => RawSocket.open({ family: 6, device: 'a-name-over-15-bytes', onPacket: () => {} }), {
      code: 'ENAMETOOLONG',
    });
    assert.throws(() => track(PacketSocket.open()).send(Buffer.alloc(4), 1), { code: 'EINVAL' });
    s.close();
    s.close();
    assert.equal(s.closed, true);
    assert.throws(() => s.send(Buffer.alloc(8), { dst: GROUP4 }), { code: 'EBADF' });
  });

  test('a socket closed from inside its own packet handler delivers nothing more', async () => {
    const got: RawPacket[] = [];
    const r = RawSocket.open({
      family: 4,
      netns: pair.b.ns,
      device: pair.b.dev,
      onPacket: (p) => {
        got.push(p);
        r.close();
      },
    });
    r.joinGroup(GROUP4, pair.b.ifindex);
    const s = sender(4);
    const pkt = advert(2, 58, 100, [ipv4Bytes('10.112.0.106')]);
    for (let i = 0; i < 20; i++) s.send(pkt, { dst: GROUP4, src: pair.a.v4, ifindex: pair.a.ifindex });
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(got.length, 1);
    assert.equal(r.closed, true);
  });

  test('an exception thrown by a packet handler is the program’s uncaught exception, not swallowed', async () => {
    const index = new URL('../../../src/native/index.js', import.meta.url).href;
    const child = spawn(
      process.execPath,
      ['--input-type=module', '-e', `
        import { RawSocket } from ${JSON.stringify(index)};
        const r = RawSocket.open({ family: 4, netns: ${JSON.stringify(pair.b.ns)}, device: 'vB', onPacket: () => {
          throw new Error('boom from the packet handler');
        } });
        r.joinGroup('224.0.0.18', ${pair.b.ifindex});
        console.log('listening');`],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    await new Promise((resolve) => child.stdout.once('data', resolve));
    sender(4).send(advert(2, 60, 100, [ipv4Bytes('10.112.0.108')]), { dst: GROUP4, src: pair.a.v4, ifindex: pair.a.ifindex });
    const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
    const [code] = (await once(child, 'exit')) as [number | null];
    clearTimeout(timer);
    assert.equal(code, 1, stderr);
    assert.match(stderr, /boom from the packet handler/);
  });

  test('opening and closing 1,000 raw and 20 packet sockets leaves no descriptor behind', async () => {
    const fds = () => readdirSync('/proc/self/fd').length;
    const before = fds();
    for (let i = 0; i < 1000; i++) {
      RawSocket.open({ family: i % 2 ? 4 : 6, netns: pair.b.ns, device: pair.b.dev, onPacket: () => {} }).close();
    }
    // Closing a packet socket waits for an RCU grace period in the kernel (about 15 ms here): keep one open.
    for (let i = 0; i < 20; i++) PacketSocket.open({ netns: pair.a.ns }).close();
    await new Promise((r) => setImmediate(r));
    assert.equal(fds(), before);
  });

  test('a burst of adverts is received in full, quickly (packets/s reported)', async (t) => {
    let count = 0;
    const r = track(RawSocket.open({ family: 4, netns: pair.b.ns, device: pair.b.dev, onPacket: () => void count++ }));
    r.joinGroup(GROUP4, pair.b.ifindex);
    const s = sender(4);
    const pkt = advert(2, 59, 100, [ipv4Bytes('10.112.0.107')]);
    const total = 20_000;
    const start = process.hrtime.bigint();
    // Batches small enough for B's default receive buffer (about 160 such packets); the event loop
    // turns between them so B reads.
    for (let sent = 0; sent < total; sent += 10) {
      for (let i = 0; i < 10; i++) s.send(pkt, { dst: GROUP4, src: pair.a.v4, ifindex: pair.a.ifindex });
      await new Promise((r) => setImmediate(r));
    }
    while (count < total && Number(process.hrtime.bigint() - start) < 5e9) await new Promise((r) => setTimeout(r, 5));
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    t.diagnostic(`${count}/${total} received in ${seconds.toFixed(3)} s: ${Math.round(count / seconds)} packets/s`);
    assert.ok(count >= total * 0.99, `received ${count} of ${total}`);
    assert.ok(count / seconds > 5000, `${Math.round(count / seconds)} packets/s`);
  });
});

// B's neighbour entry for `ip`, polled until it shows `want` (the frame is processed asynchronously).
async function neighbourMac(ns: string, ip: string, want: string): Promise<string | undefined> {
  let mac: string | undefined;
  for (let i = 0; i < 100 && mac !== want; i++) {
    if (i > 0) await new Promise((r) => setTimeout(r, 20));
    const [n] = JSON.parse(run('ip', ['-n', ns, '-j', 'neigh', 'show', ip])) as { lladdr?: string }[];
    mac = n?.lladdr;
  }
  return mac;
}
