// The netlink request engine shared by the IPVS and rtnetlink clients, for what the clients' own tests
// do not reach: requests waiting for a slot when the socket fails or the client closes, a build that
// throws, an overrun, hold and tap; and the real channel's close, deferred out of the package's callbacks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setImmediate as tick } from 'node:timers/promises';
import { openNetlinkChannel } from '../../../src/netlink/channel.js';
import { NLM_F_ACK, NLM_F_DUMP, NLM_F_MULTI, NLM_F_REQUEST, NLMSG_OVERRUN } from '../../../src/netlink/ipvs-attrs.js';
import { Protocol } from '../../../src/netlink/netlink-package.js';
import { NetlinkRequests, type Link, type RequestErrors } from '../../../src/netlink/requests.js';
import { RTM } from '../../../src/netlink/rtnl-names.js';
import { frame } from '../../../src/netlink/rtnl-socket.js';
import { ack, done, FakeChannel, header } from './fake-rtnl.js';

class TestError extends Error {
  constructor(
    readonly kind: string,
    readonly op: string,
    readonly entry: string,
    detail: unknown,
  ) {
    super(`${kind} ${op} ${entry}: ${String(detail)}`);
  }
}
const ERRORS: RequestErrors = {
  refused: class extends TestError {
    constructor(op: string, entry: string, errno: number) {
      super('refused', op, entry, errno);
    }
  },
  timeout: class extends TestError {
    constructor(op: string, entry: string, ms: number) {
      super('timeout', op, entry, ms);
    }
  },
  socket: class extends TestError {
    constructor(op: string, entry: string, detail: string) {
      super('socket', op, entry, detail);
    }
  },
  undecodable: (op, entry, e) => new TestError('undecodable', op, entry, e.code),
};

function setup(maxInFlight = 64) {
  const taps: string[] = [];
  const r = new NetlinkRequests<number>({
    timeoutMs: 5000,
    maxInFlight,
    errors: ERRORS,
    keep: (f) => f.header.type,
    tap: (dir, bytes) => taps.push(`${dir} ${header(bytes).type}`),
  });
  const ch = new FakeChannel(700);
  const link = r.attach(ch);
  return { r, ch, link, taps };
}

const req = (link: Link | (() => Link), entry: string, dump = false) => ({
  op: 'TEST',
  entry,
  dump,
  link,
  build: (h: { seq: number; port: number; flags: number }) => frame(RTM.NEWADDR, h.flags, h.seq, h.port, new Uint8Array(4)),
});

const rejectsWith = (p: Promise<unknown>, re: RegExp) => assert.rejects(p, (e: unknown) => e instanceof TestError && re.test(e.message));

test('requests waiting for a slot when the socket fails are failed without being sent', async () => {
  const { r, ch, link } = setup(1);
  const first = r.request(req(link, 'a'));
  const second = r.request(req(link, 'b'));
  await tick();
  assert.equal(ch.sent.length, 1);
  ch.fail('ENOBUFS');
  await rejectsWith(first, /^socket TEST a: ENOBUFS/);
  await rejectsWith(second, /^socket TEST b: the socket failed while this request waited$/);
  assert.equal(ch.sent.length, 1);
  assert.equal(ch.closed, true, 'closed at once (the real channel defers the native close itself)');
  assert.equal(r.link, undefined);
});

test('close() fails what is outstanding and what waits, and every later request; no slot is lost', async () => {
  const { r, ch, link } = setup(2);
  const all = Array.from({ length: 5 }, (_, i) => r.request(req(() => link, `#${i}`)));
  await tick();
  assert.equal(ch.sent.length, 2);
  r.close();
  for (const p of all) await rejectsWith(p, /: client closed$/);
  await rejectsWith(r.request(req(link, 'late')), /^socket TEST late: client closed$/);
  assert.equal(ch.sent.length, 2);
});

test('a build that throws sends nothing and frees its slot', async () => {
  const { r, ch, link } = setup(1);
  const refused = new Error('cannot encode');
  await assert.rejects(r.request({ ...req(link, 'bad'), build: () => { throw refused; } }), (e) => e === refused);
  const next = r.request(req(link, 'good'));
  await tick();
  assert.equal(ch.sent.length, 1);
  ch.push(ack(header(ch.sent[0]!)));
  assert.deepEqual(await next, []);
});

test('flags: REQUEST with ACK, or with DUMP; a dump keeps its data messages to DONE, then the socket is let go', async () => {
  const { r, ch, link, taps } = setup();
  const plain = r.request(req(link, 'a'));
  const dump = r.request(req(link, '', true));
  await tick();
  const [h1, h2] = ch.sent.map(header);
  assert.equal(h1!.flags, NLM_F_REQUEST | NLM_F_ACK);
  assert.equal(h2!.flags, NLM_F_REQUEST | NLM_F_DUMP);
  assert.equal(ch.held, true, 'held while requests are outstanding');
  ch.push(ack(h1!));
  await plain;
  assert.equal(ch.held, true);
  ch.push(frame(RTM.NEWLINK, NLM_F_MULTI, h2!.seq, h2!.port, new Uint8Array(16)), done(h2!));
  assert.deepEqual(await dump, [RTM.NEWLINK]);
  assert.equal(ch.held, false, 'let go once nothing is outstanding');
  assert.deepEqual(taps, [`out ${RTM.NEWADDR}`, `out ${RTM.NEWADDR}`, 'in 2', `in ${RTM.NEWLINK}`]);
});

test('an overrun fails everything outstanding: which answers were lost is unknowable', async () => {
  const { r, ch, link } = setup();
  const a = r.request(req(link, 'a'));
  const b = r.request(req(link, 'b'));
  await tick();
  ch.push(frame(NLMSG_OVERRUN, 0, 0, ch.port, new Uint8Array(0)));
  await rejectsWith(a, /^socket TEST a: receive overrun$/);
  await rejectsWith(b, /^socket TEST b: receive overrun$/);
  assert.equal(ch.closed, true);
});

test('the real channel refuses sends once closed and closes the package socket a turn later, also from inside its callback', async () => {
  const ch = openNetlinkChannel(Protocol.ROUTE);
  const answered = new Promise<void>((resolve, reject) => {
    ch.onError(reject);
    ch.onDatagram(() => {
      // From inside the package's native read callback: must not take the process down.
      ch.close();
      resolve();
    });
  });
  ch.hold(true); // the socket starts unref'd: the event loop would end before the answer
  // RTM_GETLINK dump (read-only): an rtgenmsg of family AF_UNSPEC.
  ch.send(frame(RTM.GETLINK, NLM_F_REQUEST | NLM_F_DUMP, 1, ch.port, new Uint8Array(4)), (err) => assert.ifError(err));
  await answered;
  assert.throws(() => ch.send(new Uint8Array(16), () => undefined), /Netlink socket is closed/);
  ch.hold(false); // ignored once closed (the package would throw)
  ch.close(); // twice is harmless
  // The socket is still held: the file ends only if close() did close the package's socket after all.
  await tick();
});
