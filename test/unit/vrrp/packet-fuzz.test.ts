// Fuzz: 1,000,000 packets mutated from keepalived's golden adverts (bit flips, truncations, extensions,
// random bytes, header rewrites — some with the checksum fixed up so deeper checks are reached) go
// through decode, encode and the receive checks; nothing may throw, and whatever decodes re-encodes to
// the same bytes. Deterministic: a failure names its seed and iteration.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checksumOf, ipv4PseudoHeaderSum, ipv6PseudoHeaderSum, sum16 } from '../../../src/lib/checksum.js';
import { decode, encode, VRRP_PROTOCOL, type VrrpAdvert } from '../../../src/vrrp/packet.js';
import { checkAdvert, type AdvertCheckConfig, type AdvertReceipt } from '../../../src/vrrp/validate.js';
import { prng } from '../netlink/prng.js';
import { instanceFromText, loadGolden, receiptOf, unhex } from './golden.js';

const PACKETS = 1_000_000;
const SEED = 0x5eed7;

interface Seed {
  name: string;
  bytes: Uint8Array;
  rx: AdvertReceipt;
  cfg: AdvertCheckConfig;
  family: 4 | 6;
  /** v3 over IPv4 with keepalived's pseudo-header, or the old group form. */
  form: string;
}

/** Recomputes the checksum as the sender would have, so a mutated packet gets past the checksum check. */
function fixChecksum(b: Uint8Array, s: Seed): void {
  if (b.length < 8) return;
  b[6] = 0;
  b[7] = 0;
  let acc = sum16(b);
  const dst = s.form === 'v3-pseudo-header-group' ? Uint8Array.of(224, 0, 0, 18) : s.rx.dst.bytes;
  if (s.family === 6) acc += ipv6PseudoHeaderSum(s.rx.src.bytes, s.rx.dst.bytes, VRRP_PROTOCOL, b.length);
  else if (b[0] >> 4 !== 2) acc += ipv4PseudoHeaderSum(s.rx.src.bytes, dst, VRRP_PROTOCOL, b.length);
  const c = checksumOf(acc);
  b[6] = c >> 8;
  b[7] = c & 0xff;
}

test(`decode, encode and the receive checks survive ${PACKETS.toLocaleString('en')} mutated adverts without a throw`, () => {
  const seeds: Seed[] = loadGolden().flatMap((g) => {
    const cfg = instanceFromText(g.receiver);
    return g.adverts.map((a) => ({ name: g.name, bytes: unhex(a.vrrp), rx: receiptOf(a), cfg, family: a.family, form: g.checksumForm }));
  });
  const rnd = prng(SEED);
  const int = (n: number) => Math.floor(rnd() * n);
  const outcomes = new Map<string, number>();
  let decoded = 0;
  const started = performance.now();

  for (let i = 0; i < PACKETS; i++) {
    const s = seeds[int(seeds.length)];
    let b: Uint8Array;
    let rx = s.rx;
    const kind = int(8);
    switch (kind) {
      case 0: // bit flips
      case 1: {
        b = s.bytes.slice();
        for (let n = 1 + int(3); n > 0; n--) b[int(b.length)] ^= 1 << int(8);
        if (kind === 1) fixChecksum(b, s);
        break;
      }
      case 2: // truncation
        b = s.bytes.slice(0, int(s.bytes.length));
        break;
      case 3: { // extension
        b = new Uint8Array(s.bytes.length + 1 + int(24));
        b.set(s.bytes);
        for (let k = s.bytes.length; k < b.length; k++) b[k] = int(256);
        break;
      }
      case 4: { // random bytes
        b = new Uint8Array(int(72));
        for (let k = 0; k < b.length; k++) b[k] = int(256);
        break;
      }
      case 5: { // a header byte rewritten (version/type, VRID, priority, count, auth/interval), checksum fixed
        b = s.bytes.slice();
        b[int(6)] = int(256);
        fixChecksum(b, s);
        break;
      }
      case 6: { // an address or password byte changed, checksum fixed: reaches the address and auth checks
        b = s.bytes.slice();
        b[8 + int(b.length - 8)] = int(256);
        fixChecksum(b, s);
        break;
      }
      default: { // the packet as sent, received oddly
        b = s.bytes.slice();
        rx = { ...s.rx, ttl: int(4) === 0 ? undefined : int(256), ipTotalLength: int(2) ? s.rx.ipTotalLength : int(70000) };
      }
    }
    try {
      const d = decode(b, s.family);
      if (d.ok) {
        decoded++;
        const form = s.form === 'v2' || s.form === 'v3-ipv6' ? undefined : (s.form as 'v3-pseudo-header');
        const again = encode(d.value as VrrpAdvert, { src: rx.src, dst: rx.dst, v3Ipv4Checksum: form });
        again[6] = b[6];
        again[7] = b[7];
        if (Buffer.compare(again, b) !== 0) assert.fail(`re-encoding changed the bytes: ${Buffer.from(b).toString('hex')}`);
      }
      const v = checkAdvert(b, rx, s.cfg);
      const key = v.ok ? 'accepted' : v.drop.reason;
      outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
    } catch (err) {
      assert.fail(`seed ${SEED} iteration ${i} (${s.name}, mutation ${kind}) threw on ${Buffer.from(b).toString('hex')}: ${(err as Error).stack}`);
    }
  }

  const ms = performance.now() - started;
  const perSecond = Math.round(PACKETS / (ms / 1000));
  const summary = [...outcomes].sort((x, y) => y[1] - x[1]).map(([k, n]) => `${k} ${n}`).join(', ');
  console.log(`fuzz: ${PACKETS} packets in ${Math.round(ms)} ms (${perSecond.toLocaleString('en')}/s); ${decoded} decoded; ${summary}`);
  assert.equal([...outcomes.values()].reduce((x, y) => x + y, 0), PACKETS);
  assert.ok((outcomes.get('accepted') ?? 0) > 0, 'some adverts still pass');
  assert.ok(outcomes.size >= 14, `mutations reach most checks: ${summary}`);
});
