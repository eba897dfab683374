// The stored VRRP golden adverts (test/golden/vrrp/*.json, written from a live keepalived 2.2.7 capture
// by test/oracle/vrrp-golden.test.ts with KT_WRITE_GOLDEN=1) and helpers to use them without a network.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { posix } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildConfig } from '../../../src/config/build.js';
import type { VrrpInstance } from '../../../src/config/model/vrrp.js';
import type { SourceHost } from '../../../src/config/preprocess.js';
import { parseIp, type IpAddress } from '../../../src/lib/ip.js';
import type { ChecksumForm, VrrpAdvert } from '../../../src/vrrp/packet.js';
import type { AdvertReceipt } from '../../../src/vrrp/validate.js';

export const GOLDEN_DIR = fileURLToPath(new URL('../../../../test/golden/vrrp/', import.meta.url));

/** An advert as plain JSON: addresses as text, auth data as hex. */
export type JsonAdvert = Record<string, unknown>;

export interface GoldenAdvert {
  note: string;
  family: 4 | 6;
  src: string;
  dst: string;
  ttl: number;
  tos: number;
  /** IPv4 header or IPv6 header, hex. */
  ipHeader: string;
  /** The VRRP message, hex. */
  vrrp: string;
  decoded: JsonAdvert;
}

export interface GoldenCase {
  name: string;
  what: string;
  source: string;
  checksumForm: ChecksumForm;
  /** keepalived.conf text of the sending instance (run by keepalived) and of its receiving peer. */
  sender: string;
  receiver: string;
  adverts: GoldenAdvert[];
}

export function loadGolden(): GoldenCase[] {
  const names = readdirSync(GOLDEN_DIR).filter((f) => f.endsWith('.json')).sort();
  assert.ok(names.length >= 8, `${GOLDEN_DIR} holds ${names.length} golden files; recapture: KT_WRITE_GOLDEN=1 node --test dist/test/oracle/vrrp-golden.test.js`);
  return names.map((n) => JSON.parse(readFileSync(GOLDEN_DIR + n, 'utf8')) as GoldenCase);
}

export const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
export const unhex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'hex'));

export function ip(text: string): IpAddress {
  const a = parseIp(text);
  assert.ok(a, `bad address ${text}`);
  return a;
}

export function jsonAdvert(a: VrrpAdvert): JsonAdvert {
  const { addresses, ...rest } = a;
  const out: JsonAdvert = { ...rest, addresses: addresses.map((x) => x.text) };
  if (a.version === 2) out.authData = hex(a.authData);
  return out;
}

/** What a raw socket would report for a golden advert. */
export function receiptOf(g: GoldenAdvert): AdvertReceipt {
  const header = unhex(g.ipHeader);
  const rx: AdvertReceipt = { src: ip(g.src), dst: ip(g.dst), ttl: g.ttl };
  if (g.family === 4) {
    rx.ipProtocol = header[9];
    rx.headerLength = header.length;
    rx.ipTotalLength = (header[2] << 8) | header[3];
  }
  return rx;
}

const FILE = '/etc/keepalived/keepalived.conf';

/** The one vrrp_instance of a keepalived.conf text, through the project's own config loader. */
export function instanceFromText(text: string): VrrpInstance {
  const host: SourceHost = {
    readFile: (p) => (p === FILE ? text : undefined),
    glob: (p) => (p === FILE ? [FILE] : []),
    dirname: posix.dirname,
    isAbsolute: posix.isAbsolute,
    join: (d, r) => posix.resolve(d, r),
  };
  const r = buildConfig(FILE, host, { configId: 'golden', env: { hostname: 'golden' } });
  // A long auth_pass is one of the cases on purpose (keepalived reports it too, and uses 8 bytes).
  const problems = r.diagnostics.filter((d) => d.severity !== 'notice' && d.severity !== 'warning' && d.message !== 'Truncating auth_pass to 8 characters');
  assert.deepEqual(problems.map((d) => d.message), [], 'the golden config loads cleanly');
  assert.equal(r.config.vrrp.instances.length, 1);
  return r.config.vrrp.instances[0];
}
