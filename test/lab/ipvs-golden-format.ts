// The golden file format for IPVS messages: a kernel capture as hex plus the decoded values, and the
// way back from values to bytes. Pure: used on the host by the lab test (writing) and the unit test.
import {
  daemonAttrs,
  daemonFromAttrs,
  decodeFrames,
  decodeIpvsFrame,
  destAttrs,
  destFromAttrs,
  encodeDone,
  encodeError,
  encodeIpvsMessage,
  infoFromMessage,
  serviceAttrs,
  serviceFromAttrs,
  timeoutsFromMessage,
  type IpvsMessage,
  type NetlinkFrame,
} from '../../src/netlink/ipvs-attrs.js';
import type { Result } from '../../src/netlink/errors.js';
import type { IpvsAf } from '../../src/ipvs/types.js';
import type { GoldenCapture } from './ipvs-golden-capture.js';

export type GoldenValueKind = 'service' | 'dest' | 'daemon' | 'info' | 'timeouts';

export interface GoldenMessage {
  readonly offset: number;
  readonly kind: NetlinkFrame['kind'];
  readonly header: NetlinkFrame['header'];
  readonly cmd?: number;
  readonly errno?: number;
  /** For an ack: the request header the kernel echoed. */
  readonly request?: NetlinkFrame['header'];
  readonly valueKind?: GoldenValueKind;
  /** The typed value (64-bit counters as decimal strings). */
  readonly value?: unknown;
}

export interface GoldenFile {
  readonly name: string;
  readonly what: string;
  readonly source: string;
  readonly setup: readonly string[];
  /** This kernel pads 64-bit attributes (nla_put_u64_64bit without efficient unaligned access). */
  readonly pad64: boolean;
  readonly destAf?: IpvsAf;
  readonly request: { readonly hex: string; readonly message: unknown };
  readonly datagrams: ReadonlyArray<{ readonly hex: string; readonly messages: readonly GoldenMessage[] }>;
}

/** bigint → decimal string, so values fit in JSON. */
export function jsonSafe(v: unknown): unknown {
  return JSON.parse(JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? x.toString() : x)));
}

function must<T>(r: Result<T>, what: string): T {
  if (!r.ok) throw new Error(`${what}: ${JSON.stringify(r.error)}`);
  return r.value;
}

/** The typed value a reply message carries, by its content. */
export function typedValue(m: IpvsMessage, destAf?: IpvsAf): { valueKind: GoldenValueKind; value: unknown } {
  if (m.service) return { valueKind: 'service', value: must(serviceFromAttrs(m.service), 'service') };
  if (m.dest) return { valueKind: 'dest', value: must(destFromAttrs(m.dest, destAf), 'dest') };
  if (m.daemon) return { valueKind: 'daemon', value: must(daemonFromAttrs(m.daemon), 'daemon') };
  if (m.info) return { valueKind: 'info', value: must(infoFromMessage(m), 'info') };
  return { valueKind: 'timeouts', value: must(timeoutsFromMessage(m), 'timeouts') };
}

/** Encodes a typed value back into the message the kernel sent (see the golden unit test). */
export function messageOf(cmd: number, kind: GoldenValueKind, value: never): IpvsMessage {
  switch (kind) {
    case 'service': return { cmd, service: serviceAttrs(value) };
    case 'dest': return { cmd, dest: destAttrs(value) };
    case 'daemon': return { cmd, daemon: daemonAttrs(value) };
    case 'info': return { cmd, info: { version: (value as { version: number }).version, connTabSize: (value as { connTabSize: number }).connTabSize } };
    case 'timeouts': {
      const t = value as { tcp: number; tcpFin: number; udp: number };
      return { cmd, timeoutTcp: t.tcp, timeoutTcpFin: t.tcpFin, timeoutUdp: t.udp };
    }
  }
}

/** Re-encodes one datagram from its decoded messages, emulating the kernel's padding or not. */
export function reencodeDatagram(messages: readonly GoldenMessage[], values: readonly unknown[], pad64: boolean): Uint8Array {
  const parts = messages.map((m, i) => {
    const h = m.header;
    if (m.kind === 'done') return encodeDone(h, m.errno ?? 0);
    if (m.kind === 'error') return encodeError(h, m.errno ?? 0, m.request!);
    return encodeIpvsMessage(messageOf(m.cmd!, m.valueKind!, values[i] as never), h, { pad64Base: pad64 ? m.offset % 8 : undefined });
  });
  return Buffer.concat(parts);
}

function decodeDatagram(hex: string, destAf?: IpvsAf): { messages: GoldenMessage[]; values: unknown[] } {
  const frames = must(decodeFrames(Buffer.from(hex, 'hex')), 'datagram');
  const values: unknown[] = [];
  const messages = frames.map((f): GoldenMessage => {
    if (f.kind === 'genl') {
      const m = must(decodeIpvsFrame(f, { destAf }), 'message');
      const tv = typedValue(m, destAf);
      values.push(tv.value);
      return { offset: f.offset, kind: f.kind, header: f.header, cmd: f.cmd, valueKind: tv.valueKind, value: jsonSafe(tv.value) };
    }
    values.push(undefined);
    if (f.kind === 'error') return { offset: f.offset, kind: f.kind, header: f.header, errno: f.errno, request: f.request };
    if (f.kind === 'done') return { offset: f.offset, kind: f.kind, header: f.header, errno: f.errno };
    return { offset: f.offset, kind: f.kind, header: f.header };
  });
  return { messages, values };
}

/** Builds the golden file of a capture, deciding from the bytes whether this kernel pads. */
export function goldenFile(c: GoldenCapture): GoldenFile {
  const decoded = c.replyHex.map((h) => decodeDatagram(h, c.destAf));
  const matches = (pad: boolean) =>
    decoded.every((d, i) => Buffer.from(reencodeDatagram(d.messages, d.values, pad)).toString('hex') === c.replyHex[i]);
  const pad64 = matches(true) ? true : matches(false) ? false : undefined;
  if (pad64 === undefined) throw new Error(`golden ${c.name}: the kernel's bytes re-encode neither with nor without 64-bit padding`);
  const req = must(decodeFrames(Buffer.from(c.requestHex, 'hex')), 'request')[0]!;
  if (req.kind !== 'genl') throw new Error('request is not a genl message');
  return {
    name: c.name,
    what: c.what,
    source: `Linux ${c.kernel} (User-Mode Linux), captured by test/lab/ipvs-golden-capture.ts`,
    setup: c.setup,
    pad64,
    ...(c.destAf ? { destAf: c.destAf } : {}),
    request: { hex: c.requestHex, message: jsonSafe(must(decodeIpvsFrame(req), 'request')) },
    datagrams: c.replyHex.map((hex, i) => ({ hex, messages: decoded[i]!.messages })),
  };
}
