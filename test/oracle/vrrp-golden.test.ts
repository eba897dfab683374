// Our VRRP codec against the adverts the real keepalived 2.2.7 puts on the wire (vrrp-wire.ts): every
// captured advert decodes to what its configuration (read by our own loader) says, its checksum verifies
// in the form keepalived uses, it re-encodes byte for byte, and our receive checks accept it with the
// peer's configuration — the same configuration a live keepalived peer ran and stayed BACKUP with.
// The stored golden files (test/golden/vrrp) must agree with the live capture; KT_WRITE_GOLDEN=1
// rewrites them from it.
//
// Run: npx tsc -p tsconfig.json && node --test dist/test/oracle/vrrp-golden.test.js   (root; ~10 s)
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { authDataFromPassword, decode, encode, verifyChecksum, VRRP_AUTH_NONE, VRRP_AUTH_PASS, type ChecksumForm } from '../../src/vrrp/packet.js';
import { checkAdvert } from '../../src/vrrp/validate.js';
import type { VrrpInstance } from '../../src/config/model/vrrp.js';
import { captureKeepalivedAdverts, instanceConfig, RECEIVER, SENDER, WIRE_CASES, type CapturedAdvert, type WireCapture, type WireCase } from './vrrp-wire.js';
import { GOLDEN_DIR, hex, instanceFromText, jsonAdvert, loadGolden, type GoldenAdvert, type GoldenCase } from '../unit/vrrp/golden.js';

const PER_CASE = 3;
const WRITE = process.env.KT_WRITE_GOLDEN === '1';

function expectedForm(c: WireCase): ChecksumForm {
  if (c.version === 2) return 'v2';
  if (c.family === 6) return 'v3-ipv6';
  return c.oldUnicastChecksum ? 'v3-pseudo-header-group' : 'v3-pseudo-header';
}

function goldenAdvert(x: CapturedAdvert, note: string): GoldenAdvert {
  const p = x.packet;
  const d = decode(p.payload, p.family);
  assert.ok(d.ok);
  return {
    note, family: p.family, src: p.src.text, dst: p.dst.text, ttl: p.ttl, tos: p.tos,
    ipHeader: hex(p.header), vrrp: hex(p.payload), decoded: jsonAdvert(d.value),
  };
}

describe('keepalived 2.2.7 adverts captured on a veth link', () => {
  let cap: WireCapture;
  const ours = (c: WireCase) => cap.adverts.filter((x) => x.caseName === c.name && x.packet.srcMac === cap.senderMac);

  before(async () => {
    cap = await captureKeepalivedAdverts({ advertsPerCase: PER_CASE });
    const live = cap.adverts.filter((x) => x.packet.srcMac === cap.senderMac);
    const zero = live.filter((x) => x.packet.payload[2] === 0).length;
    console.log(`captured ${live.length} adverts (${zero} with priority 0) from ${WIRE_CASES.length} instances in ${cap.durationMs} ms`);
  });

  test('every instance was captured: a few adverts as MASTER and one priority-0 advert at shutdown', () => {
    const diag = () => `\n--- sender\n${cap.senderLog.join('\n')}\n--- receiver\n${cap.receiverLog.join('\n')}`;
    for (const c of WIRE_CASES) {
      const list = ours(c);
      assert.ok(list.filter((x) => x.packet.payload[2] !== 0).length >= PER_CASE, `${c.name}: ${list.length} adverts${diag()}`);
      assert.equal(list.filter((x) => x.packet.payload[2] === 0).length, 1, `${c.name}: one priority-0 advert${diag()}`);
    }
    assert.equal(cap.adverts.filter((x) => x.packet.srcMac !== cap.senderMac).length, 0, 'the receiver never advertised');
  });

  test('the receiving keepalived stayed BACKUP on every instance and dropped nothing', () => {
    const lines = cap.receiverLog.map((l) => l.replace(/^.*?\d{4}: /, ''));
    assert.deepEqual(lines.filter((l) => /Entering MASTER|invalid|mismatch|unexpected|not present|too (short|long)|Invalid|wrong version|not a unicast peer|not in range/.test(l)), []);
    assert.equal(lines.filter((l) => /Entering BACKUP STATE \(init\)/.test(l)).length, WIRE_CASES.length);
    // keepalived notices the old unicast checksum form by itself and switches to it.
    assert.ok(lines.some((l) => l === '(V3_UNICAST_OLD_CHECKSUM) Setting unicast VRRPv3 checksum to old version'), lines.join('\n'));
  });

  test('IPv4 adverts leave with TTL 255 and TOS 0xc0, to 224.0.0.18 or the unicast peer; IPv6 multicast with hop limit 255', () => {
    for (const c of WIRE_CASES) {
      for (const { packet: p } of ours(c)) {
        const dst = c.unicast ? (c.family === 4 ? RECEIVER.v4 : RECEIVER.v6) : c.family === 4 ? '224.0.0.18' : 'ff02::12';
        assert.equal(p.dst.text, dst, c.name);
        if (c.family === 4) {
          assert.equal(p.src.text, SENDER.v4, c.name);
          assert.equal(p.ttl, 255, c.name);
          assert.equal(p.tos, 0xc0, c.name);
        } else if (!c.unicast) {
          assert.equal(p.ttl, 255, c.name);
          assert.match(p.src.text, /^fe80:/, `${c.name}: IPv6 multicast adverts come from the link-local address`);
        } else {
          assert.equal(p.src.text, SENDER.v6, c.name);
        }
      }
    }
  });

  for (const c of WIRE_CASES) {
    test(`${c.name}: decodes to the configured values, verifies as ${expectedForm(c)}, re-encodes byte for byte and passes the peer's checks`, () => {
      const sender: VrrpInstance = instanceFromText(instanceConfig(c, 'sender'));
      const receiver: VrrpInstance = instanceFromText(instanceConfig(c, 'receiver'));
      const list = ours(c);
      assert.ok(list.length > 0);
      for (const { packet: p } of list) {
        const d = decode(p.payload, p.family);
        assert.ok(d.ok, `${c.name}: ${!d.ok && d.error.message}`);
        const a = d.value;
        assert.equal(a.version, c.version);
        assert.equal(a.type, 1);
        assert.equal(a.vrid, c.vrid);
        assert.ok(a.priority === 0 || a.priority === (c.priority ?? 255), `priority ${a.priority}`);
        assert.equal(a.priority === 0 ? 0 : sender.priority, a.priority);
        assert.deepEqual(a.addresses.map((x) => x.text), sender.virtualIpaddress.map((v) => v.address.text));
        if (a.version === 2) {
          assert.equal(a.adverInt, c.advertInt);
          assert.equal(a.authType, c.authPass ? VRRP_AUTH_PASS : VRRP_AUTH_NONE);
          assert.deepEqual(a.authData, authDataFromPassword(c.authPass ?? ''));
          if (c.authPass) assert.equal(Buffer.from(a.authData).toString().replace(/\0+$/, ''), c.authPass.slice(0, 8));
        } else {
          assert.equal(a.maxAdverInt, Math.round(c.advertInt * 100));
          assert.equal(a.reserved, 0);
        }
        const ctx = { src: p.src, dst: p.dst };
        const form = verifyChecksum(p.payload, p.family, ctx);
        assert.equal(form, expectedForm(c));
        const again = encode(a, { ...ctx, v3Ipv4Checksum: form === 'v2' || form === 'v3-ipv6' ? undefined : form });
        assert.equal(hex(again), hex(p.payload), 're-encoded bytes');

        const rx = { src: p.src, dst: p.dst, ttl: p.ttl, ...(p.family === 4 ? { ipProtocol: p.header[9], headerLength: p.header.length, ipTotalLength: (p.header[2] << 8) | p.header[3] } : {}) };
        const verdict = checkAdvert(p.payload, rx, receiver);
        assert.ok(verdict.ok, `${c.name}: ${!verdict.ok && verdict.drop.log}`);
        assert.equal(verdict.checksumForm, expectedForm(c));
      }
    });
  }

  test('the stored golden files agree with the live capture (KT_WRITE_GOLDEN=1 rewrites them)', () => {
    if (WRITE) {
      mkdirSync(GOLDEN_DIR, { recursive: true });
      for (const c of WIRE_CASES) {
        const list = ours(c);
        const first = list.find((x) => x.packet.payload[2] !== 0)!;
        const zero = list.find((x) => x.packet.payload[2] === 0)!;
        const g: GoldenCase = {
          name: c.name,
          what: c.what,
          source: 'Debian keepalived 2.2.7 (1:2.2.7-1+b2), captured on a veth link by test/oracle/vrrp-wire.ts',
          checksumForm: expectedForm(c),
          sender: instanceConfig(c, 'sender'),
          receiver: instanceConfig(c, 'receiver'),
          adverts: [goldenAdvert(first, 'advert as MASTER'), goldenAdvert(zero, 'priority-0 advert sent on shutdown')],
        };
        writeFileSync(`${GOLDEN_DIR}${c.name}.json`, JSON.stringify(g, null, 1) + '\n');
      }
    }
    const stored = new Map(loadGolden().map((g) => [g.name, g]));
    for (const c of WIRE_CASES) {
      const g = stored.get(c.name);
      assert.ok(g, `no golden file for ${c.name}`);
      assert.equal(g.sender, instanceConfig(c, 'sender'), `${c.name}: the case changed; recapture`);
      for (const s of g.adverts) {
        const live = ours(c).find((x) => (x.packet.payload[2] === 0) === (s.decoded.priority === 0));
        assert.ok(live);
        const now = goldenAdvert(live, s.note);
        if (now.src === s.src && now.dst === s.dst) {
          assert.equal(now.vrrp, s.vrrp, `${c.name}: ${s.note}`);
        } else {
          // IPv6 multicast comes from a link-local address that changes with each run's random MAC:
          // everything but the checksum must still agree.
          assert.deepEqual({ ...now.decoded, checksum: 0 }, { ...s.decoded, checksum: 0 }, `${c.name}: ${s.note}`);
        }
      }
    }
  });
});
