// DNS_CHECK against a tiny responder on 127.0.0.1 whose behaviour follows the name asked for.
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import type { DnsCheck, DnsType } from '../../../src/config/model/lvs.js';
import { probeDns } from '../../../src/check/checkers/dns.js';
import { connection, context, polled, RS, timed } from './helpers.js';

interface Query {
  id: number;
  flags: number;
  name: string;
  qtype: number;
}

function parseQuery(b: Buffer): Query {
  const labels: string[] = [];
  let p = 12;
  while (b[p] !== 0) {
    labels.push(b.subarray(p + 1, p + 1 + b[p]).toString());
    p += 1 + b[p];
  }
  return { id: b.readUInt16BE(0), flags: b.readUInt16BE(2), name: labels.join('.') || '.', qtype: b.readUInt16BE(p + 1) };
}

/** The query echoed back as a response with these flags and ANCOUNT (and no records: the checker does not read them). */
function answer(q: Buffer, flags: number, ancount: number, id = q.readUInt16BE(0)): Buffer {
  const r = Buffer.from(q);
  r.writeUInt16BE(id, 0);
  r.writeUInt16BE(flags, 2);
  r.writeUInt16BE(ancount, 6);
  return r;
}

let responder: Socket;
let port: number;
const seen: Query[] = [];

before(() => new Promise<void>((resolve) => {
  responder = createSocket('udp4');
  responder.on('message', (q, from) => {
    const query = parseQuery(q);
    seen.push(query);
    const send = (b: Buffer) => responder.send(b, from.port, from.address);
    switch (query.name) {
      case 'nx.test': return send(answer(q, 0x8183, 0));
      case 'fail.test': return send(answer(q, 0x8182, 0));
      case 'empty.test': return send(answer(q, 0x8180, 0));
      case 'wrong-id.test': return send(answer(q, 0x8180, 1, query.id ^ 0x5555));
      case 'noise-then-ok.test':
        send(Buffer.from('tiny'));
        send(answer(q, 0x8180, 1, query.id ^ 1));
        send(answer(q, 0x0100, 0));
        return send(answer(q, 0x8180, 1));
      case 'silent.test': return;
      default: return send(answer(q, 0x8180, 1));
    }
  });
  responder.bind(0, '127.0.0.1', () => {
    port = responder.address().port;
    resolve();
  });
}));
after(() => responder.close());

const dns = (name: string, type: DnsType = 'A', p = port): DnsCheck =>
  ({ kind: 'DNS_CHECK', ...polled, retry: 3, connection: connection('127.0.0.1', p), type, name });

test('an answer with RCODE 0 passes (keepalived logs nothing on success); the query is as keepalived sends it', async () => {
  const { r, ms } = await timed(probeDns(dns('ok.test', 'AAAA'), context(2000), () => 0xabcd));
  assert.deepEqual(r, { ok: true });
  assert.ok(ms < 500, `${ms} ms`);
  assert.deepEqual(seen.at(-1), { id: 0xabcd, flags: 0x0100, name: 'ok.test', qtype: 28 });
  assert.deepEqual((await probeDns(dns('.', 'SOA'), context(2000))).ok, true);
  assert.deepEqual(seen.at(-1)?.name, '.');
});

test('NOERROR without answers still passes: keepalived does not look at ANCOUNT', async () => {
  assert.deepEqual(await probeDns(dns('empty.test'), context(2000)), { ok: true });
});

test('NXDOMAIN and SERVFAIL fail with keepalived\'s rcode line', async () => {
  assert.deepEqual(await probeDns(dns('nx.test'), context(2000)),
    { ok: false, reason: 'rcode', message: `DNS_CHECK (${RS}) read error occurred. (rcode = 3)` });
  assert.deepEqual(await probeDns(dns('fail.test'), context(2000)),
    { ok: false, reason: 'rcode', message: `DNS_CHECK (${RS}) read error occurred. (rcode = 2)` });
});

test('a reply with another id is skipped: the deadline ends the wait', async () => {
  const { r, ms } = await timed(probeDns(dns('wrong-id.test'), context(300)));
  assert.deepEqual(r, { ok: false, reason: 'timeout', message: `DNS_CHECK (${RS}) read timeout from socket` });
  assert.ok(ms >= 290 && ms < 1000, `${ms} ms`);
});

test('short datagrams, other ids and queries are skipped until the answer comes', async () => {
  assert.deepEqual(await probeDns(dns('noise-then-ok.test'), context(2000)), { ok: true });
});

test('silence: read timeout at the deadline', async () => {
  const { r, ms } = await timed(probeDns(dns('silent.test'), context(300)));
  assert.deepEqual(r, { ok: false, reason: 'timeout', message: `DNS_CHECK (${RS}) read timeout from socket` });
  assert.ok(ms >= 290 && ms < 1000, `${ms} ms`);
});

test('a closed port: the ICMP port unreachable is a failed read, with glibc\'s errno text', async () => {
  const closed = await new Promise<number>((resolve) => {
    const s = createSocket('udp4');
    s.bind(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => resolve(p)); });
  });
  const { r, ms } = await timed(probeDns(dns('ok.test', 'A', closed), context(2000)));
  assert.deepEqual(r, { ok: false, reason: 'refused', message: `DNS_CHECK (${RS}) failed to read socket; errno 111 (Connection refused)` });
  assert.ok(ms < 500, `${ms} ms`);
});

test('each probe uses a fresh random id', async () => {
  const before = seen.length;
  await Promise.all(Array.from({ length: 8 }, () => probeDns(dns('ok.test'), context(2000))));
  assert.ok(new Set(seen.slice(before).map((q) => q.id)).size >= 7);
});
