// A scripted stand-in for the kernel's generic netlink, speaking bytes through the real codec, so
// the client's framing, matching, errors and socket handling are tested without a kernel.
import { genl, AttrStream } from 'netlink';
import {
  decodeFrames,
  decodeIpvsFrame,
  encodeDone,
  encodeError,
  encodeGenl,
  encodeIpvsMessage,
  GENL_ID_CTRL,
  NLM_F_DUMP,
  NLM_F_MULTI,
  type IpvsMessage,
  type NlHeader,
} from '../../../src/netlink/ipvs-attrs.js';
import type { NetlinkChannel } from '../../../src/netlink/ipvs-client.js';

export const FAMILY_ID = 30;

export interface FakeRequest {
  readonly header: NlHeader;
  readonly cmd: number;
  readonly dump: boolean;
  /** Decoded IPVS content (undefined for the controller). */
  readonly ipvs?: IpvsMessage;
  readonly bytes: Uint8Array;
}

/** What the fake does with one request: datagrams to send back (each a list of messages), or nothing. */
export type Answer = Uint8Array[][] | 'silence';

export class FakeKernel {
  readonly channels: FakeChannel[] = [];
  readonly requests: FakeRequest[] = [];
  /** Answers IPVS requests; the default acks everything and dumps nothing. */
  handler: (req: FakeRequest, k: FakeKernel) => Answer = (req, k) => (req.dump ? [[k.done(req)]] : [[k.ack(req)]]);
  /** The controller's answer: the family id, or an errno. */
  family: number | { errno: number } = FAMILY_ID;
  failNextSend?: Error;

  open = (): NetlinkChannel => {
    const ch = new FakeChannel(this, 5000 + this.channels.length);
    this.channels.push(ch);
    return ch;
  };

  get current(): FakeChannel {
    return this.channels[this.channels.length - 1]!;
  }

  ack(req: FakeRequest, errno = 0): Uint8Array {
    return encodeError({ flags: 0, seq: req.header.seq, port: req.header.port }, errno, req.header);
  }
  done(req: FakeRequest, errno = 0): Uint8Array {
    return encodeDone({ flags: NLM_F_MULTI, seq: req.header.seq, port: req.header.port }, errno);
  }
  /** A reply message; in a dump it carries NLM_F_MULTI. */
  reply(req: FakeRequest, m: IpvsMessage, pad64Base?: number): Uint8Array {
    const flags = req.dump ? NLM_F_MULTI : 0;
    return encodeIpvsMessage(m, { type: req.header.type, flags, seq: req.header.seq, port: req.header.port }, { pad64Base });
  }

  /** Called by a channel with what the client sent. */
  receive(ch: FakeChannel, bytes: Uint8Array): Answer {
    const frames = decodeFrames(bytes);
    if (!frames.ok || frames.value.length !== 1 || frames.value[0]!.kind !== 'genl') throw new Error('fake kernel: bad request');
    const f = frames.value[0]!;
    if (f.kind !== 'genl') throw new Error('unreachable');
    const dump = (f.header.flags & NLM_F_DUMP) === NLM_F_DUMP;
    if (f.header.type === GENL_ID_CTRL) {
      const req: FakeRequest = { header: f.header, cmd: f.cmd, dump, bytes };
      this.requests.push(req);
      if (typeof this.family !== 'number') return [[this.ack(req, this.family.errno)]];
      const attrs = new AttrStream();
      attrs.emit(genl.formatMessage({ familyId: this.family, familyName: 'IPVS', version: 1 }));
      const reply = encodeGenl({ type: GENL_ID_CTRL, flags: 0, seq: f.header.seq, port: ch.port }, 1, 2, Buffer.concat(attrs.bufs));
      return [[reply, this.ack(req)]];
    }
    // Generic netlink's answer to an unknown family id (a stale one after a module reload).
    if (f.header.type !== this.family) {
      this.requests.push({ header: f.header, cmd: f.cmd, dump, bytes });
      return [[this.ack({ header: f.header, cmd: f.cmd, dump, bytes }, 2)]];
    }
    const ipvs = decodeIpvsFrame(f);
    if (!ipvs.ok) throw new Error(`fake kernel: undecodable request ${JSON.stringify(ipvs.error)}`);
    const req: FakeRequest = { header: f.header, cmd: f.cmd, dump, ipvs: ipvs.value, bytes };
    this.requests.push(req);
    return this.handler(req, this);
  }

  ipvsRequests(): FakeRequest[] {
    return this.requests.filter((r) => r.ipvs);
  }
}

export class FakeChannel implements NetlinkChannel {
  private datagram?: (b: Uint8Array) => void;
  private error?: (e: Error) => void;
  closed = false;
  held = false;
  constructor(private readonly kernel: FakeKernel, readonly port: number) {}

  send(bytes: Uint8Array, done: (err?: Error) => void): void {
    if (this.closed) throw new Error('send on a closed fake channel');
    const fail = this.kernel.failNextSend;
    if (fail) {
      this.kernel.failNextSend = undefined;
      setImmediate(() => done(fail));
      return;
    }
    const answer = this.kernel.receive(this, bytes);
    setImmediate(() => {
      done();
      if (answer === 'silence') return;
      for (const dg of answer) this.deliver(Buffer.concat(dg));
    });
  }
  /** Hands the client a datagram, as the socket would. */
  deliver(bytes: Uint8Array): void {
    if (!this.closed) this.datagram?.(bytes);
  }
  fail(err: Error): void {
    this.error?.(err);
  }
  onDatagram(h: (b: Uint8Array) => void): void {
    this.datagram = h;
  }
  onError(h: (e: Error) => void): void {
    this.error = h;
  }
  hold(on: boolean): void {
    this.held = on;
  }
  close(): void {
    this.closed = true;
  }
}
