// The request engine of the netlink clients (IPVS over generic netlink, rtnetlink): sequence numbers,
// answers matched to requests, dumps read to their DONE, time limits, a cap on requests in flight,
// one dump at a time, and a failed socket failing all it had outstanding. Each client says how its
// messages are built, what it keeps of an answer's data messages, and which error classes it reports.
import type { NetlinkChannel } from './channel.js';
import { RequestDeadlines } from './deadline.js';
import type { DecodeError } from './errors.js';
import { decodeFrames, NLM_F_ACK, NLM_F_DUMP, NLM_F_REQUEST, NLMSG_OVERRUN, type NetlinkFrame } from './ipvs-attrs.js';

/** A data message of an answer: decodeFrames calls every message of type >= NLMSG_MIN_TYPE 'genl'. */
export type DataFrame = Extract<NetlinkFrame, { kind: 'genl' }>;

/** The client's error classes, so that each reports failures in its own words (IPVS …, rtnetlink …). */
export interface RequestErrors {
  /** The kernel answered with an errno. */
  readonly refused: new (op: string, entry: string, errno: number, extack?: string) => Error;
  readonly timeout: new (op: string, entry: string, timeoutMs: number) => Error;
  /** The socket failed (or could not be used, or the client is closed). */
  readonly socket: new (op: string, entry: string, detail: string, cause?: unknown) => Error;
  /** A datagram that does not decode as netlink messages. */
  readonly undecodable: (op: string, entry: string, error: DecodeError) => Error;
}

export interface NetlinkRequestsOptions<F> {
  /** Time limit for each request, in ms. */
  readonly timeoutMs: number;
  /**
   * Requests outstanding at once; more wait their turn. Unbounded pipelining overflows the socket's
   * receive queue: the kernel then drops answers (and the `netlink` package's native code has taken
   * the whole process down on the resulting socket error, seen with ~150 requests in flight).
   */
  readonly maxInFlight: number;
  readonly errors: RequestErrors;
  /** What an answer keeps of each data message; `datagram` is the buffer `frame.offset` counts in. */
  readonly keep: (frame: DataFrame, datagram: Uint8Array) => F;
  /** Sees every datagram sent and received (golden captures, debugging). */
  readonly tap?: (direction: 'out' | 'in', bytes: Uint8Array) => void;
}

/** One socket the requests go out on; once broken (it failed, or the client closed) never used again. */
export interface Link {
  readonly channel: NetlinkChannel;
  broken: boolean;
}

export interface NetlinkRequest {
  /** For errors: the command or message type, e.g. NEW_DEST, NEWADDR. */
  readonly op: string;
  /** For errors: the entry concerned, or ''. */
  readonly entry: string;
  /** Read the answer to its DONE (NLM_F_DUMP), rather than to the ack (NLM_F_ACK). */
  readonly dump: boolean;
  /** The socket, taken once the request has its slot: a given one, or one the client opens then (it may throw). */
  readonly link: Link | (() => Link);
  /** The message, given its header's seq, port and flags (REQUEST and ACK or DUMP); may throw, and nothing is sent. */
  readonly build: (h: { seq: number; port: number; flags: number }) => Uint8Array;
}

interface Pending<F> {
  readonly op: string;
  readonly entry: string;
  readonly dump: boolean;
  readonly frames: F[];
  readonly resolve: (frames: F[]) => void;
  readonly reject: (err: Error) => void;
}

export class NetlinkRequests<F> {
  private readonly deadlines: RequestDeadlines;
  private readonly maxInFlight: number;
  private current?: Link;
  private readonly pending = new Map<number, Pending<F>>();
  /** Requests holding a slot; waiters are handed a slot directly when one is released. */
  private inFlight = 0;
  private readonly waiters: Array<() => void> = [];
  private seq = (Math.random() * 0x7fffffff) >>> 0;
  private isClosed = false;
  /** The last dump queued (settled either way). */
  private dumps: Promise<void> = Promise.resolve();

  constructor(private readonly opts: NetlinkRequestsOptions<F>) {
    this.deadlines = new RequestDeadlines(opts.timeoutMs);
    this.maxInFlight = Math.max(1, opts.maxInFlight);
  }

  get closed(): boolean {
    return this.isClosed;
  }

  /** The socket requests go out on, unless it broke (or none was attached yet). */
  get link(): Link | undefined {
    return this.current;
  }

  /** Takes a freshly opened socket as the one to use, reading its answers and failing with it. */
  attach(channel: NetlinkChannel): Link {
    const link: Link = { channel, broken: false };
    this.current = link;
    channel.onDatagram((b) => this.onDatagram(link, b));
    channel.onError((err) => this.fail(link, (op, entry) => new this.opts.errors.socket(op, entry, err.message, err)));
    return link;
  }

  /** Sends one request; resolves with the data messages of its answer (none for a plain ack). */
  request(req: NetlinkRequest): Promise<F[]> {
    if (!req.dump) return this.send(req);
    // The kernel runs one dump per socket at a time (a second gets EBUSY): dumps queue behind each other.
    const run = this.dumps.then(() => this.send(req));
    this.dumps = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  /**
   * The socket is done for: everything outstanding fails with `why`, and the next request needs
   * another socket. The channel is closed at once (the real one defers the native close itself).
   */
  fail(link: Link, why: (op: string, entry: string) => Error): void {
    if (link.broken) return;
    link.broken = true;
    if (this.current === link) this.current = undefined;
    for (const [seq, p] of [...this.pending]) {
      this.settle(seq);
      p.reject(why(p.op, p.entry));
    }
    try {
      link.channel.close();
    } catch {
      /* already closed */
    }
  }

  /** Fails what is outstanding, and every request from now on, with 'client closed'. */
  close(): void {
    this.isClosed = true;
    // Waiters need no waking: each slot is held by an outstanding request, which this settles and so
    // hands to a waiter, or by a waiter about to run, which finds the client closed and hands it on.
    if (this.current) this.fail(this.current, (op, entry) => new this.opts.errors.socket(op, entry, 'client closed'));
  }

  private async send(req: NetlinkRequest): Promise<F[]> {
    const { op, entry, dump } = req;
    const { errors, tap } = this.opts;
    if (this.inFlight < this.maxInFlight) this.inFlight++;
    else await new Promise<void>((r) => this.waiters.push(r));
    let link: Link;
    let seq: number;
    let bytes: Uint8Array;
    try {
      if (this.isClosed) throw new errors.socket(op, entry, 'client closed');
      link = typeof req.link === 'function' ? req.link() : req.link;
      if (link.broken) throw new errors.socket(op, entry, 'the socket failed while this request waited');
      seq = this.nextSeq();
      bytes = req.build({ seq, port: link.channel.port, flags: NLM_F_REQUEST | (dump ? NLM_F_DUMP : NLM_F_ACK) });
    } catch (e) {
      this.release();
      throw e;
    }
    return new Promise<F[]>((resolve, reject) => {
      this.deadlines.add(seq, () => {
        this.settle(seq);
        reject(new errors.timeout(op, entry, this.opts.timeoutMs));
      });
      this.pending.set(seq, { op, entry, dump, frames: [], resolve, reject });
      if (this.pending.size === 1) link.channel.hold(true);
      tap?.('out', bytes);
      const failed = (err: Error) => {
        this.settle(seq)?.reject(new errors.socket(op, entry, `send: ${err.message}`, err));
        this.fail(link, (o, e) => new errors.socket(o, e, `send failed on this socket: ${err.message}`, err));
      };
      try {
        link.channel.send(bytes, (err) => err && failed(err));
      } catch (e) {
        failed(e as Error); // a closed socket throws at once
      }
    });
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
  private settle(seq: number): Pending<F> | undefined {
    const p = this.pending.get(seq);
    if (!p) return undefined;
    this.deadlines.remove(seq);
    this.pending.delete(seq);
    if (this.pending.size === 0) this.current?.channel.hold(false);
    this.release();
    return p;
  }

  private onDatagram(link: Link, bytes: Uint8Array): void {
    if (link !== this.current) return;
    this.opts.tap?.('in', bytes);
    const frames = decodeFrames(bytes);
    if (!frames.ok) {
      // Which request it answered is unknowable: fail them all and start over on a fresh socket.
      const error = frames.error;
      this.fail(link, (op, entry) => this.opts.errors.undecodable(op, entry, error));
      return;
    }
    for (const f of frames.value) {
      if (f.kind === 'other') {
        if (f.header.type === NLMSG_OVERRUN) this.fail(link, (op, entry) => new this.opts.errors.socket(op, entry, 'receive overrun'));
        continue;
      }
      const p = this.pending.get(f.header.seq);
      if (!p) continue; // a late answer to a request that timed out
      if (f.kind === 'genl') {
        p.frames.push(this.opts.keep(f, bytes));
      } else if (f.errno !== 0) {
        this.settle(f.header.seq);
        p.reject(new this.opts.errors.refused(p.op, p.entry, f.errno, f.kind === 'error' ? f.extack : undefined));
      } else if (f.kind === 'done' || !p.dump) {
        this.settle(f.header.seq);
        p.resolve(p.frames);
      }
    }
  }
}
