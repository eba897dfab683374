// The rtnetlink request engine against a fake socket: the cap on requests in flight, dumps read to
// DONE, errno mapping, time limits, and a failed socket replaced on the next request.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setImmediate as tick } from 'node:timers/promises';
import { RtnlError, RtnlSocketError, RtnlTimeoutError } from '../../../src/netlink/rtnl-errors.js';
import { RTM } from '../../../src/netlink/rtnl-names.js';
import { frame, RtnlRequester } from '../../../src/netlink/rtnl-socket.js';
import { NLM_F_MULTI, type NlHeader } from '../../../src/netlink/ipvs-attrs.js';
import { ack, done, FakeChannel, header, linkBody } from './fake-rtnl.js';

function setup(opts: { maxInFlight?: number; timeoutMs?: number; onSend?: FakeChannel['onSend'] } = {}) {
  const channels: FakeChannel[] = [];
  const r = new RtnlRequester({
    ...opts,
    openChannel: () => {
      const ch = new FakeChannel(500 + channels.length);
      ch.onSend = opts.onSend;
      channels.push(ch);
      return ch;
    },
  });
  return { r, channels };
}

const req = (entry: string) => ({ op: 'NEWADDR', entry, type: RTM.NEWADDR, body: new Uint8Array(8) });

test('no more than maxInFlight requests are outstanding; the rest go out as answers come back', async () => {
  const queue: NlHeader[] = [];
  let outstanding = 0;
  let most = 0;
  const { r, channels } = setup({
    maxInFlight: 8,
    onSend: (_b, h) => {
      queue.push(h);
      most = Math.max(most, ++outstanding);
    },
  });
  const all = Promise.all(Array.from({ length: 100 }, (_, i) => r.request(req(`#${i}`))));
  await tick();
  const ch = channels[0]!;
  while (queue.length) {
    const h = queue.shift()!;
    outstanding--;
    ch.push(ack(h));
    await tick();
  }
  assert.equal((await all).length, 100);
  assert.equal(most, 8);
  assert.equal(ch.sent.length, 100);
});

test('a dump spread over datagrams is read to its DONE; an error answer is an RtnlError with the errno name', async () => {
  const { r, channels } = setup();
  const dump = r.request({ op: 'GETLINK', entry: '', type: RTM.GETLINK, dump: true, body: new Uint8Array(16) });
  await tick();
  const ch = channels[0]!;
  const h = header(ch.sent[0]!);
  assert.equal(h.flags & 0x300, 0x300, 'NLM_F_DUMP');
  ch.push(frame(RTM.NEWLINK, NLM_F_MULTI, h.seq, h.port, linkBody(1, 'lo', true)), frame(RTM.NEWLINK, NLM_F_MULTI, h.seq, h.port, linkBody(2, 'eth0', true)));
  ch.push(frame(RTM.NEWLINK, NLM_F_MULTI, h.seq, h.port, linkBody(3, 'eth1', false)), done(h));
  const frames = await dump;
  assert.deepEqual(frames.map((f) => f.type), [RTM.NEWLINK, RTM.NEWLINK, RTM.NEWLINK]);

  const refused = r.request(req('10.0.0.1/24 dev eth0'));
  await tick();
  const h2 = header(ch.sent[1]!);
  assert.equal(h2.flags & 0x04, 0x04, 'NLM_F_ACK');
  ch.push(ack(h2, 22));
  await assert.rejects(refused, (e: unknown) => e instanceof RtnlError && e.code === 'EINVAL' && e.message === 'rtnetlink NEWADDR 10.0.0.1/24 dev eth0: EINVAL (22)');
});

test('silence ends in RtnlTimeoutError; the late answer is ignored and the next request works', async () => {
  const { r, channels } = setup({ timeoutMs: 30 });
  await assert.rejects(r.request(req('a')), (e: unknown) => e instanceof RtnlTimeoutError && /no answer from the kernel within 30 ms/.test(e.message));
  const ch = channels[0]!;
  ch.push(ack(header(ch.sent[0]!)));
  const next = r.request(req('b'));
  await tick();
  ch.push(ack(header(ch.sent[1]!)));
  await next;
});

test('a socket error fails what is outstanding, the socket is closed, and the next request opens a new one', async () => {
  const { r, channels } = setup();
  const p = r.request(req('a'));
  await tick();
  channels[0]!.fail('ENOBUFS');
  await assert.rejects(p, (e: unknown) => e instanceof RtnlSocketError && /ENOBUFS/.test(e.message));
  await tick();
  assert.equal(channels[0]!.closed, true);
  const q = r.request(req('b'));
  await tick();
  assert.equal(channels.length, 2);
  channels[1]!.push(ack(header(channels[1]!.sent[0]!)));
  await q;
  r.close();
  await assert.rejects(r.request(req('c')), (e: unknown) => e instanceof RtnlSocketError && /client closed/.test(e.message));
});

test('dumps wait for each other (the kernel runs one per socket), while plain requests pass alongside', async () => {
  const { r, channels } = setup();
  const dump = () => r.request({ op: 'GETLINK', entry: '', type: RTM.GETLINK, dump: true, body: new Uint8Array(16) });
  const first = dump();
  const second = dump();
  const plain = r.request(req('x'));
  await tick();
  const ch = channels[0]!;
  const sent = () => ch.sent.map((b) => header(b));
  assert.deepEqual(sent().map((h) => h.type).sort(), [RTM.GETLINK, RTM.NEWADDR].sort(), 'the second dump is held back');
  ch.push(ack(sent().find((h) => h.type === RTM.NEWADDR)!));
  await plain;
  ch.push(done(sent().find((h) => h.type === RTM.GETLINK)!));
  await first;
  await tick();
  assert.equal(ch.sent.length, 3);
  ch.push(done(header(ch.sent[2]!)));
  assert.deepEqual(await second, []);
});
