// Golden bytes captured from Linux 6.1's IPVS (test/golden/ipvs, written by the UML lab): each
// datagram decodes to the stored values, and the stored values re-encode to the kernel's exact bytes.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { decodeFrames, decodeIpvsFrame } from '../../../src/netlink/ipvs-attrs.js';
import { jsonSafe, reencodeDatagram, typedValue, type GoldenFile } from '../../lab/ipvs-golden-format.js';

const DIR = fileURLToPath(new URL('../../../../test/golden/ipvs/', import.meta.url));

function load(): GoldenFile[] {
  const names = readdirSync(DIR).filter((f) => f.endsWith('.json')).sort();
  assert.ok(names.length >= 8, `${DIR} holds ${names.length} golden files; recapture: KT_WRITE_GOLDEN=1 node --test dist/test/lab/ipvs-client.test.js`);
  return names.map((n) => JSON.parse(readFileSync(DIR + n, 'utf8')) as GoldenFile);
}

/** JSON keeps 64-bit counters as strings; the codec wants bigints back. */
function revive(v: unknown): unknown {
  if (!v || typeof v !== 'object') return v;
  const o = { ...(v as Record<string, unknown>) };
  for (const k of ['stats', 'stats64']) {
    if (o[k]) o[k] = Object.fromEntries(Object.entries(o[k] as Record<string, string>).map(([f, x]) => [f, BigInt(x)]));
  }
  return o;
}

const files = load();

describe('golden IPVS messages from a real kernel', () => {
  for (const f of files) {
    test(`${f.name}: ${f.what}`, () => {
      const req = decodeFrames(Buffer.from(f.request.hex, 'hex'));
      assert.ok(req.ok && req.value[0]!.kind === 'genl');
      const reqMsg = decodeIpvsFrame(req.value[0]!);
      assert.ok(reqMsg.ok);
      assert.deepEqual(jsonSafe(reqMsg.value), f.request.message);

      for (const d of f.datagrams) {
        const bytes = Buffer.from(d.hex, 'hex');
        const frames = decodeFrames(bytes);
        assert.ok(frames.ok, !frames.ok ? JSON.stringify(frames.error) : '');
        assert.equal(frames.value.length, d.messages.length);
        frames.value.forEach((fr, i) => {
          const want = d.messages[i]!;
          assert.equal(fr.kind, want.kind);
          assert.equal(fr.offset, want.offset);
          assert.deepEqual(fr.header, want.header);
          if (fr.kind === 'genl') {
            const m = decodeIpvsFrame(fr, { destAf: f.destAf });
            assert.ok(m.ok, !m.ok ? JSON.stringify(m.error) : '');
            const tv = typedValue(m.value, f.destAf);
            assert.equal(tv.valueKind, want.valueKind);
            assert.deepEqual(jsonSafe(tv.value), want.value, `message ${i} of ${f.name}`);
          }
        });
        const again = reencodeDatagram(d.messages, d.messages.map((m) => revive(m.value)), f.pad64);
        assert.equal(Buffer.from(again).toString('hex'), d.hex, `${f.name}: re-encoded bytes differ`);
      }
    });
  }

  test('the kernel\'s datagrams cut at every byte: whole messages before the cut, or an error; never a throw', () => {
    let cuts = 0;
    for (const f of files) {
      for (const d of f.datagrams) {
        const bytes = Buffer.from(d.hex, 'hex');
        const ends = new Set(d.messages.map((m) => m.offset + m.header.len));
        for (let cut = 1; cut < bytes.length; cut++, cuts++) {
          const r = decodeFrames(bytes.subarray(0, cut));
          if (ends.has(cut)) assert.ok(r.ok, `${f.name} cut at message end ${cut}`);
          else assert.ok(!r.ok, `${f.name} cut at ${cut}`);
          if (r.ok) for (const fr of r.value) if (fr.kind === 'genl') assert.ok(decodeIpvsFrame(fr, { destAf: f.destAf }).ok);
        }
      }
    }
    assert.ok(cuts > 5000, `${cuts} cuts`);
  });

  test('the captures cover TCP, UDP, SCTP, IPv4, IPv6, fwmark, every forwarding method used, and 64-bit padding', () => {
    const values = files.flatMap((f) => f.datagrams.flatMap((d) => d.messages.map((m) => m.value as Record<string, unknown> | undefined)));
    const services = values.filter((v) => v && 'schedName' in v) as Array<Record<string, number | string>>;
    assert.deepEqual(new Set(services.map((s) => s.protocol)), new Set([0, 6, 17, 132]));
    assert.deepEqual(new Set(services.map((s) => s.af)), new Set([2, 10]));
    const dests = values.filter((v) => v && 'fwdMethod' in v) as Array<Record<string, number>>;
    assert.deepEqual(new Set(dests.map((d) => d.fwdMethod)), new Set([0, 2, 3]));
    assert.deepEqual(new Set(dests.filter((d) => d.fwdMethod === 2).map((d) => d.tunType)), new Set([0, 1, 2]));
    assert.ok(files.every((f) => f.pad64), 'UML kernels pad 64-bit attributes');
  });
});
