// Requests to rtnetlink over one NETLINK_ROUTE socket: the messages framed here, the rest (matching
// answers by sequence number, dumps read to their DONE, time limits, the cap on requests in flight)
// in the engine it shares with the IPVS client (requests.ts).
import { openNetlinkChannel, type NetlinkChannel, type NetlinkChannelOptions } from './channel.js';
import { Protocol } from './netlink-package.js';
import { NLMSG_HDRLEN } from './ipvs-attrs.js';
import { NetlinkRequests, type Link, type RequestErrors } from './requests.js';
import { RtnlDecodeError, RtnlError, RtnlSocketError, RtnlTimeoutError } from './rtnl-errors.js';

/** A datagram socket to the kernel's rtnetlink, as the adapter needs it (a fake in tests). */
export type RtnlChannel = NetlinkChannel;

/** `groups`: RTNLGRP_* to join (events). */
export type RouteChannelOptions = NetlinkChannelOptions;

/** The real thing: a NETLINK_ROUTE socket from the `netlink` package. */
export function openRouteChannel(opts: RouteChannelOptions = {}): RtnlChannel {
  return openNetlinkChannel(Protocol.ROUTE, opts);
}

/** One rtnetlink message of an answer: its type (RTM_NEWADDR, …) and what follows the netlink header. */
export interface RtnlFrame {
  readonly type: number;
  readonly body: Uint8Array;
}

export interface RtnlRequest {
  /** For errors: the message type's name, e.g. NEWADDR. */
  readonly op: string;
  /** For errors: the entry in `ip` syntax. */
  readonly entry: string;
  readonly type: number;
  /** NLM_F_CREATE, NLM_F_EXCL, …; REQUEST and ACK (or DUMP) are added. */
  readonly flags?: number;
  readonly dump?: boolean;
  /** The fixed header (ifaddrmsg, rtmsg, …) and attributes. */
  readonly body: Uint8Array;
}

export interface RtnlRequesterOptions {
  /** Time limit for each request, in ms (default 5000). */
  readonly timeoutMs?: number;
  /** Requests outstanding at once (default 64); more wait their turn. */
  readonly maxInFlight?: number;
  readonly openChannel?: () => RtnlChannel;
  /** Sees every datagram sent and received (debugging, golden captures). */
  readonly tap?: (direction: 'out' | 'in', bytes: Uint8Array) => void;
}

const ERRORS: RequestErrors = {
  refused: RtnlError,
  timeout: RtnlTimeoutError,
  socket: RtnlSocketError,
  undecodable: (op, entry, e) => new RtnlDecodeError(op, entry, `${e.code} at byte ${e.offset}: ${e.message}`),
};

export class RtnlRequester {
  private readonly requests: NetlinkRequests<RtnlFrame>;
  private readonly openChannel: () => RtnlChannel;

  constructor(opts: RtnlRequesterOptions = {}) {
    this.requests = new NetlinkRequests<RtnlFrame>({
      timeoutMs: opts.timeoutMs ?? 5000,
      maxInFlight: opts.maxInFlight ?? 64,
      errors: ERRORS,
      // decodeFrames names every message of type >= 16 'genl'; for rtnetlink the body starts right after the header.
      keep: (f, datagram) => ({ type: f.header.type, body: datagram.subarray(f.offset + NLMSG_HDRLEN, f.offset + f.header.len) }),
      tap: opts.tap,
    });
    this.openChannel = opts.openChannel ?? (() => openRouteChannel());
  }

  /** Sends one request; resolves with the answer's messages (none for a plain ack), rejects with an RtnlAdapterError. */
  request(req: RtnlRequest): Promise<RtnlFrame[]> {
    return this.requests.request({
      op: req.op,
      entry: req.entry,
      dump: req.dump ?? false,
      link: () => this.requests.link ?? this.open(req.op, req.entry),
      build: (h) => frame(req.type, h.flags | (req.flags ?? 0), h.seq, h.port, req.body),
    });
  }

  close(): void {
    this.requests.close();
  }

  /** The socket is opened when a request needs it (synchronously), and again after it failed. */
  private open(op: string, entry: string): Link {
    let channel: RtnlChannel;
    try {
      channel = this.openChannel();
    } catch (e) {
      throw new RtnlSocketError(op, entry, `open: ${(e as Error).message}`, e);
    }
    return this.requests.attach(channel);
  }
}

const HOST_LE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** One netlink message: the 16-byte header (host byte order) and the body, padded to 4 bytes (NLMSG_ALIGN). */
export function frame(type: number, flags: number, seq: number, port: number, body: Uint8Array): Uint8Array {
  const out = new Uint8Array((NLMSG_HDRLEN + body.length + 3) & ~3);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, out.length, HOST_LE);
  dv.setUint16(4, type, HOST_LE);
  dv.setUint16(6, flags, HOST_LE);
  dv.setUint32(8, seq, HOST_LE);
  dv.setUint32(12, port, HOST_LE);
  out.set(body, NLMSG_HDRLEN);
  return out;
}
