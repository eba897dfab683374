// Requests to rtnetlink over one NETLINK_ROUTE socket: framing, matching answers by sequence number,
// dumps read to their DONE, time limits, and a cap on requests in flight (the IPVS client's lesson:
// too many outstanding answers overflow the receive queue, the kernel drops them, and the `netlink`
// package's native code can take the whole process down on the resulting socket error).
import { RequestDeadlines } from './deadline.js';
import { Protocol, RawNetlinkSocket } from './netlink-package.js';
import { decodeFrames, NLM_F_ACK, NLM_F_DUMP, NLM_F_REQUEST, NLMSG_HDRLEN, NLMSG_OVERRUN } from './ipvs-attrs.js';
import { RtnlAdapterError, RtnlDecodeError, RtnlError, RtnlSocketError, RtnlTimeoutError } from './rtnl-errors.js';

/** A datagram socket to the kernel's rtnetlink, as the adapter needs it (a fake in tests). */
export interface RtnlChannel {
  /** Our netlink port id (nlmsg_pid). */
  readonly port: number;
  send(bytes: Uint8Array, done: (err?: Error) => void): void;
  onDatagram(handler: (bytes: Uint8Array) => void): void;
  onError(handler: (err: Error & { code?: string }) => void): void;
  /** Keep the event loop alive (true while requests are outstanding). */
  hold(on: boolean): void;
  close(): void;
}

export interface RouteChannelOptions {
  /** RTNLGRP_* groups to join (events). */
  readonly groups?: readonly number[];
  /** SO_RCVBUF in bytes (the kernel caps it at net.core.rmem_max). */
  readonly recvBufferSize?: number;
}

/** The real thing: a NETLINK_ROUTE socket from the `netlink` package. */
export function openRouteChannel(opts: RouteChannelOptions = {}): RtnlChannel {
  const sock = new RawNetlinkSocket(Protocol.ROUTE, { recvBufferSize: opts.recvBufferSize ?? 1 << 20, sendBufferSize: 1 << 20 });
  sock.unref();
  // The package throws from ref/unref/close once closed; a closed socket only has to refuse sends.
  let closed = false;
  sock.on('close', () => (closed = true));
  // An 'error' without a listener would be thrown by EventEmitter: there is always one.
  const errorHandlers: Array<(err: Error & { code?: string }) => void> = [];
  sock.on('error', (err) => errorHandlers.forEach((h) => h(err)));
  try {
    for (const g of opts.groups ?? []) sock.addMembership(g);
  } catch (e) {
    sock.close();
    throw e;
  }
  return {
    port: sock.address().port,
    send: (bytes, done) => sock.send(bytes, {}, (err) => done(err)),
    onDatagram: (h) => void sock.on('message', (msg) => h(msg)),
    onError: (h) => void errorHandlers.push(h),
    hold: (on) => {
      if (!closed) on ? sock.ref() : sock.unref();
    },
    close: () => {
      if (!closed) sock.close();
    },
  };
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

interface Pending {
  readonly op: string;
  readonly entry: string;
  readonly dump: boolean;
  readonly frames: RtnlFrame[];
  readonly resolve: (frames: RtnlFrame[]) => void;
  readonly reject: (err: Error) => void;
}

interface Connection {
  readonly channel: RtnlChannel;
  broken: boolean;
}

export class RtnlRequester {
  private readonly timeoutMs: number;
  private readonly deadlines: RequestDeadlines;
  private readonly maxInFlight: number;
  private readonly openChannel: () => RtnlChannel;
  private readonly tap?: RtnlRequesterOptions['tap'];
  private conn?: Connection;
  private readonly pending = new Map<number, Pending>();
  /** Requests holding a slot; waiters are handed a slot directly when one is released. */
  private inFlight = 0;
  private readonly waiters: Array<() => void> = [];
  private seq = (Math.random() * 0x7fffffff) >>> 0;
  private closed = false;
  /** The last dump queued (settled either way). */
  private dumps: Promise<void> = Promise.resolve();

  constructor(opts: RtnlRequesterOptions = {}) {
    this.timeoutMs = opts.timeoutMs ?? 5000;
    this.deadlines = new RequestDeadlines(this.timeoutMs);
    this.maxInFlight = Math.max(1, opts.maxInFlight ?? 64);
    this.openChannel = opts.openChannel ?? (() => openRouteChannel());
    this.tap = opts.tap;
  }

  /** Sends one request; resolves with the answer's messages (none for a plain ack), rejects with an RtnlAdapterError. */
  request(req: RtnlRequest): Promise<RtnlFrame[]> {
    if (!req.dump) return this.send(req);
    // The kernel runs one dump per socket at a time (a second gets EBUSY): dumps queue behind each other.
    const run = this.dumps.then(() => this.send(req));
    this.dumps = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  private async send(req: RtnlRequest): Promise<RtnlFrame[]> {
    const dump = req.dump ?? false;
    if (this.inFlight < this.maxInFlight) this.inFlight++;
    else await new Promise<void>((r) => this.waiters.push(r));
    let conn: Connection;
    try {
      conn = this.connection(req.op, req.entry);
    } catch (e) {
      this.release();
      throw e;
    }
    const seq = this.nextSeq();
    const bytes = frame(req.type, NLM_F_REQUEST | (dump ? NLM_F_DUMP : NLM_F_ACK) | (req.flags ?? 0), seq, conn.channel.port, req.body);
    return new Promise<RtnlFrame[]>((resolve, reject) => {
      this.deadlines.add(seq, () => {
        this.settle(seq);
        reject(new RtnlTimeoutError(req.op, req.entry, this.timeoutMs));
      });
      this.pending.set(seq, { op: req.op, entry: req.entry, dump, frames: [], resolve, reject });
      if (this.pending.size === 1) conn.channel.hold(true);
      this.tap?.('out', bytes);
      const failed = (err: Error) => {
        const p = this.settle(seq);
        p?.reject(new RtnlSocketError(req.op, req.entry, `send: ${err.message}`, err));
        this.breakConnection(conn, (q) => new RtnlSocketError(q.op, q.entry, `send failed on this socket: ${err.message}`, err));
      };
      try {
        conn.channel.send(bytes, (err) => err && failed(err));
      } catch (e) {
        failed(e as Error); // a closed socket throws at once
      }
    });
  }

  close(): void {
    this.closed = true;
    if (this.conn) this.breakConnection(this.conn, (p) => new RtnlSocketError(p.op, p.entry, 'client closed'));
    for (const w of this.waiters.splice(0)) w();
  }

  private connection(op: string, entry: string): Connection {
    if (this.closed) throw new RtnlSocketError(op, entry, 'client closed');
    if (this.conn && !this.conn.broken) return this.conn;
    let channel: RtnlChannel;
    try {
      channel = this.openChannel();
    } catch (e) {
      throw new RtnlSocketError(op, entry, `open: ${(e as Error).message}`, e);
    }
    const conn: Connection = { channel, broken: false };
    this.conn = conn;
    channel.onDatagram((b) => this.onDatagram(conn, b));
    channel.onError((err) => this.breakConnection(conn, (p) => new RtnlSocketError(p.op, p.entry, err.message, err)));
    return conn;
  }

  private nextSeq(): number {
    this.seq = (this.seq + 1) >>> 0 || 1;
    return this.seq;
  }

  private release(): void {
    const next = this.waiters.shift();
    if (next) next();
    else this.inFlight--;
  }

  /** Forgets a request; returns it if it was still outstanding. */
  private settle(seq: number): Pending | undefined {
    const p = this.pending.get(seq);
    if (!p) return undefined;
    this.deadlines.remove(seq);
    this.pending.delete(seq);
    if (this.pending.size === 0) this.conn?.channel.hold(false);
    this.release();
    return p;
  }

  private onDatagram(conn: Connection, bytes: Uint8Array): void {
    if (conn !== this.conn) return;
    this.tap?.('in', bytes);
    const frames = decodeFrames(bytes);
    if (!frames.ok) {
      // Which request it answered is unknowable: fail them all and start over on a fresh socket.
      const why = `${frames.error.code} at byte ${frames.error.offset}: ${frames.error.message}`;
      this.breakConnection(conn, (p) => new RtnlDecodeError(p.op, p.entry, why));
      return;
    }
    for (const f of frames.value) {
      if (f.kind === 'other') {
        if (f.header.type === NLMSG_OVERRUN) this.breakConnection(conn, (p) => new RtnlSocketError(p.op, p.entry, 'receive overrun'));
        continue;
      }
      const p = this.pending.get(f.header.seq);
      if (!p) continue; // a late answer to a request that timed out
      if (f.kind === 'genl') {
        // decodeFrames names every message of type >= 16 'genl'; for rtnetlink the body starts right after the header.
        p.frames.push({ type: f.header.type, body: bytes.subarray(f.offset + NLMSG_HDRLEN, f.offset + f.header.len) });
      } else if (f.errno !== 0) {
        this.settle(f.header.seq);
        p.reject(new RtnlError(p.op, p.entry, f.errno, f.kind === 'error' ? f.extack : undefined));
      } else if (f.kind === 'done' || !p.dump) {
        this.settle(f.header.seq);
        p.resolve(p.frames);
      }
    }
  }

  private breakConnection(conn: Connection, why: (p: Pending) => RtnlAdapterError): void {
    if (conn.broken) return;
    conn.broken = true;
    if (this.conn === conn) this.conn = undefined;
    for (const [seq, p] of [...this.pending]) {
      this.settle(seq);
      p.reject(why(p));
    }
    // Later, not from inside the package's native callback that may have brought us here.
    setImmediate(() => {
      try {
        conn.channel.close();
      } catch {
        /* already closed */
      }
    });
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
