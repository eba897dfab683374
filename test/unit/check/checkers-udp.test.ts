// UDP_CHECK against real sockets on 127.0.0.1 / ::1: an echo server, a silent one, a closed port, and
// (in a namespace of its own) a host that does not answer ARP.
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { pathToFileURL } from 'node:url';
import { fileURLToPath } from 'node:url';
import type { UdpCheck } from '../../../src/config/model/lvs.js';
import { keepalivedFill, probeUdp, udpReplyMatches } from '../../../src/check/checkers/udp.js';
import { connection, context, ip, polled, RS, timed } from './helpers.js';
import { createCheckNetns, nodeInNetns, type CheckNetns } from './netns.js';

interface Server {
  socket: Socket;
  port: number;
  received: Array<{ data: Buffer; address: string; port: number }>;
}

/** A UDP server; `reply` makes the answer to each datagram (undefined: stay silent). */
function server(family: 4 | 6, reply: (data: Buffer) => Buffer | undefined): Promise<Server> {
  return new Promise((resolve) => {
    const socket = createSocket(family === 4 ? 'udp4' : 'udp6');
    const s: Server = { socket, port: 0, received: [] };
    socket.on('message', (data, rinfo) => {
      s.received.push({ data, address: rinfo.address, port: rinfo.port });
      const r = reply(data);
      if (r) socket.send(r, rinfo.port, rinfo.address);
    });
    socket.bind(0, family === 4 ? '127.0.0.1' : '::1', () => {
      s.port = socket.address().port;
      resolve(s);
    });
  });
}

/** A port nothing listens on (bound once, then closed). */
function closedPort(family: 4 | 6): Promise<number> {
  return new Promise((resolve) => {
    const s = createSocket(family === 4 ? 'udp4' : 'udp6');
    s.bind(0, family === 4 ? '127.0.0.1' : '::1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

function udp(address: string, port: number, extra: Partial<UdpCheck> = {}, conn = {}): UdpCheck {
  return { kind: 'UDP_CHECK', ...polled, connection: connection(address, port, conn), requireReply: false, minReplyLength: 0, maxReplyLength: 255, ...extra };
}

let echo: Server, silent: Server, echo6: Server, fixed: Server;
before(async () => {
  echo = await server(4, (d) => d);
  silent = await server(4, () => undefined);
  echo6 = await server(6, (d) => d);
  // always answers 0xAB 0xCD 0x12 0x34 0x56
  fixed = await server(4, () => Buffer.from('abcd123456', 'hex'));
});
after(() => {
  for (const s of [echo, silent, echo6, fixed]) s?.socket.close();
});

test('keepalived payload: 32 bytes of its fill pattern when none is configured, else the configured bytes', async () => {
  assert.equal(keepalivedFill(32).toString(), 'keepalived check - keepalived ch');
  const before = echo.received.length;
  assert.equal((await probeUdp(udp('127.0.0.1', echo.port), context(2000))).ok, true);
  assert.equal((await probeUdp(udp('127.0.0.1', echo.port, { payload: '0102ff00' }), context(2000))).ok, true);
  assert.deepEqual(echo.received.slice(before).map((r) => r.data.toString('hex')), [keepalivedFill(32).toString('hex'), '0102ff00']);
});

test('without require_reply: a reply is success at once, with keepalived\'s success line', async () => {
  const { r, ms } = await timed(probeUdp(udp('127.0.0.1', echo.port), context(2000)));
  assert.deepEqual(r, { ok: true, message: `UDP connection to ${RS} success.` });
  assert.ok(ms < 500, `${ms} ms`);
});

test('without require_reply: silence until the deadline is success (keepalived\'s read timeout)', async () => {
  const { r, ms } = await timed(probeUdp(udp('127.0.0.1', silent.port), context(300)));
  assert.equal(r.ok, true);
  assert.ok(ms >= 290 && ms < 1000, `${ms} ms`);
});

test('a closed port: ICMP port unreachable fails the check at once, with or without require_reply', async () => {
  const port = await closedPort(4);
  for (const requireReply of [false, true]) {
    const { r, ms } = await timed(probeUdp(udp('127.0.0.1', port, { requireReply }), context(3000)));
    assert.deepEqual(r, { ok: false, reason: 'refused', message: `UDP connection to ${RS} failed.` });
    assert.ok(ms < 500, `${ms} ms`);
  }
});

test('IPv6: echo on ::1 passes, a closed port on ::1 fails', async () => {
  assert.equal((await probeUdp(udp('::1', echo6.port, { requireReply: true }), context(2000))).ok, true);
  const r = await probeUdp(udp('::1', await closedPort(6)), context(2000));
  assert.equal(r.ok === false && r.reason, 'refused');
});

test('require_reply: silence is a failure at the deadline', async () => {
  const { r, ms } = await timed(probeUdp(udp('127.0.0.1', silent.port, { requireReply: true }), context(300)));
  assert.deepEqual(r, { ok: false, reason: 'timeout', message: `UDP connection to ${RS} failed.` });
  assert.ok(ms >= 290 && ms < 1000, `${ms} ms`);
});

test('require_reply with reply data: prefix match under the x-nibble mask, lengths min..max', async () => {
  const probe = (extra: Partial<UdpCheck>) => probeUdp(udp('127.0.0.1', fixed.port, { requireReply: true, ...extra }), context(2000));
  assert.equal((await probe({ replyData: 'abcd12' })).ok, true);
  // only the shorter of reply and pattern is compared
  assert.equal((await probe({ replyData: 'abcd12345600ee' })).ok, true);
  // `require_reply ab xd 1x` = data ab 0d 10, mask 00 f0 0f (reply ab cd 12)
  assert.equal((await probe({ replyData: 'ab0d10', replyMask: '00f00f' })).ok, true);
  assert.equal((await probe({ replyData: 'ab0e10', replyMask: '00f00f' })).ok, false);
  const mismatch = await probe({ replyData: 'abce' });
  assert.deepEqual(mismatch, { ok: false, reason: 'mismatch', message: `UDP check to ${RS} reply data mismatch.` });
  assert.equal((await probe({ replyData: 'ab', minReplyLength: 6 })).ok, false);
  assert.equal((await probe({ replyData: 'ab', maxReplyLength: 4 })).ok, false);
  assert.equal((await probe({ replyData: 'ab', minReplyLength: 5, maxReplyLength: 5 })).ok, true);
  // keepalived checks the lengths only together with reply data: a bare require_reply takes any reply
  assert.equal((await probe({ minReplyLength: 100 })).ok, true);
});

test('udpReplyMatches is check_udp_reply inverted', () => {
  const c = { replyData: '0a0b', replyMask: '0f00', minReplyLength: 0, maxReplyLength: 255 };
  assert.equal(udpReplyMatches(c, Buffer.from('050b', 'hex')), true);
  assert.equal(udpReplyMatches(c, Buffer.from('1a0b', 'hex')), false);
  assert.equal(udpReplyMatches(c, Buffer.from('0a0c', 'hex')), false);
  assert.equal(udpReplyMatches(c, Buffer.alloc(0)), true);
});

test('bindto and bind_port set the source of the datagram', async () => {
  const before = echo.received.length;
  const r = await probeUdp(udp('127.0.0.1', echo.port, {}, { bindto: ip('127.0.0.2'), bindPort: 0 }), context(2000));
  assert.equal(r.ok, true);
  assert.equal(echo.received[before]?.address, '127.0.0.2');
  const port = await closedPort(4);
  await probeUdp(udp('127.0.0.1', echo.port, {}, { bindto: ip('127.0.0.3'), bindPort: port }), context(2000));
  assert.deepEqual([echo.received[before + 1]?.address, echo.received[before + 1]?.port], ['127.0.0.3', port]);
});

test('a source address the host does not have fails at bind; port 0 fails at connect', async () => {
  const r = await probeUdp(udp('127.0.0.1', echo.port, {}, { bindto: ip('192.0.2.1') }), context(2000));
  assert.deepEqual(r, { ok: false, reason: 'bind', message: `UDP connection to ${RS} failed.` });
  const z = await probeUdp(udp('127.0.0.1', 0), context(2000));
  assert.equal(z.ok === false && z.reason, 'connect');
});

test('an abort before the socket is up settles at once', async () => {
  const ctx = { ...context(1000), signal: AbortSignal.abort() };
  assert.equal((await probeUdp(udp('127.0.0.1', silent.port, { requireReply: true }), ctx)).ok, false);
  assert.equal((await probeUdp(udp('127.0.0.1', silent.port), ctx)).ok, true);
});

test('many probes at once do not mix their replies', async () => {
  const rs = await Promise.all(Array.from({ length: 20 }, (_, i) =>
    probeUdp(udp('127.0.0.1', echo.port, { payload: i.toString(16).padStart(2, '0'), requireReply: true, replyData: i.toString(16).padStart(2, '0') }), context(2000))));
  assert.deepEqual(rs.map((r) => r.ok), rs.map(() => true));
});

test('in a namespace: a host that does not answer ARP fails the check (IP_RECVERR reports host unreachable)', async (t) => {
  let net: CheckNetns | undefined;
  t.after(() => net?.remove());
  net = createCheckNetns();
  const mod = pathToFileURL(fileURLToPath(new URL('../../../src/check/checkers/udp.js', import.meta.url))).href;
  const helpers = pathToFileURL(fileURLToPath(new URL('./helpers.js', import.meta.url))).href;
  const code = `
    import { probeUdp } from ${JSON.stringify(mod)};
    import { connection, context, polled } from ${JSON.stringify(helpers)};
    const probe = (address) => {
      const t0 = performance.now();
      return probeUdp({ kind: 'UDP_CHECK', ...polled, connection: connection(address, 9), requireReply: false, minReplyLength: 0, maxReplyLength: 255 }, context(3000))
        .then((r) => ({ r, ms: Math.round(performance.now() - t0) }));
    };
    console.log(JSON.stringify([await probe(${JSON.stringify(net.noArp)}), await probe(${JSON.stringify(net.silent)}), await probe(${JSON.stringify(net.noNdp)})]));
  `;
  const [noArp, silentHost, noNdp] = JSON.parse(await nodeInNetns(net.ns, code)) as Array<{ r: { ok: boolean; reason?: string }; ms: number }>;
  assert.deepEqual(noArp.r, { ok: false, reason: 'unreachable', message: `UDP connection to ${RS} failed.` });
  assert.ok(noArp.ms < 2500, `host unreachable after ${noArp.ms} ms`);
  assert.deepEqual(noNdp.r, { ok: false, reason: 'unreachable', message: `UDP connection to ${RS} failed.` });
  assert.ok(noNdp.ms < 2500, `address unreachable after ${noNdp.ms} ms`);
  t.diagnostic(`host unreachable after ${noArp.ms} ms (IPv4), ${noNdp.ms} ms (IPv6)`);
  // a host whose packets vanish without an ICMP error: success at the deadline, as keepalived
  assert.equal(silentHost.r.ok, true);
  assert.ok(silentHost.ms >= 2900, `${silentHost.ms} ms`);
});
