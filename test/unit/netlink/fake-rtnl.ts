// A stand-in for a NETLINK_ROUTE socket and the kernel's messages, so the request engine and the event
// monitor are tested without a kernel: what was sent, datagrams pushed in, errors injected.
import { AttrStream, ifla, rt } from 'netlink';
import { encodeDone, encodeError, NLM_F_MULTI, type NlHeader } from '../../../src/netlink/ipvs-attrs.js';
import { frame, type RtnlChannel } from '../../../src/netlink/rtnl-socket.js';

export class FakeChannel implements RtnlChannel {
  readonly sent: Uint8Array[] = [];
  closed = false;
  held = false;
  private datagram?: (b: Uint8Array) => void;
  private error?: (e: Error & { code?: string }) => void;
  /** Called for each send (after it is recorded). */
  onSend?: (bytes: Uint8Array, header: NlHeader) => void;

  constructor(
    readonly port: number,
    readonly groups: readonly number[] = [],
  ) {}

  send(bytes: Uint8Array, done: (err?: Error) => void): void {
    if (this.closed) throw new Error('socket closed');
    this.sent.push(bytes);
    done();
    this.onSend?.(bytes, header(bytes));
  }
  onDatagram(h: (b: Uint8Array) => void): void {
    this.datagram = h;
  }
  onError(h: (e: Error & { code?: string }) => void): void {
    this.error = h;
  }
  hold(on: boolean): void {
    this.held = on;
  }
  close(): void {
    this.closed = true;
  }
  /** The kernel sends a datagram (one or more messages). */
  push(...messages: Uint8Array[]): void {
    this.datagram?.(Buffer.concat(messages));
  }
  fail(code: string): void {
    this.error?.(Object.assign(new Error(`${code} (injected)`), { code }));
  }
}

export function header(bytes: Uint8Array): NlHeader {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return { len: b.readUInt32LE(0), type: b.readUInt16LE(4), flags: b.readUInt16LE(6), seq: b.readUInt32LE(8), port: b.readUInt32LE(12) };
}

export const ack = (req: NlHeader, errno = 0) => encodeError({ flags: 0, seq: req.seq, port: req.port }, errno, req);
export const done = (req: NlHeader) => encodeDone({ flags: NLM_F_MULTI, seq: req.seq, port: req.port });

const IFF_UP = 0x1;
const IFF_RUNNING = 0x40;

/** RTM_NEWLINK/DELLINK body; `family` 7 is AF_BRIDGE. */
export function linkBody(index: number, name: string, up: boolean, opts: { family?: number; mtu?: number } = {}): Buffer {
  const out = new AttrStream();
  out.emit(rt.formatLink({ family: opts.family ?? 0, index, flags: { __unknown: up ? IFF_UP | IFF_RUNNING : IFF_UP } }));
  out.emit(ifla.formatLinkAttrs({ ifname: name, mtu: opts.mtu ?? 1500, address: Buffer.from([2, 0, 0, 0, 0, index]) }));
  return Buffer.concat(out.bufs);
}

/** RTM_NEWADDR/DELADDR body for an IPv4 address. */
export function addrBody(index: number, address: string, prefixLen: number): Buffer {
  const out = new AttrStream();
  const bytes = Buffer.from(address.split('.').map(Number));
  out.emit(rt.formatAddress({ family: 2, prefixlen: prefixLen, index }));
  out.emit(rt.formatAddressAttrs({ local: bytes, address: bytes }));
  return Buffer.concat(out.bufs);
}

/** An event message (multicast: seq 0, port 0). */
export const event = (type: number, body: Uint8Array) => frame(type, 0, 0, 0, body);
