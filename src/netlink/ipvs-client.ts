// IpvsPort over generic netlink: the one place that talks to the kernel's IPVS. The npm package
// `netlink` provides the socket and the genl controller's attributes; framing, the IPVS attributes,
// request matching (by sequence number), time limits and errno mapping are ours.
import { RequestDeadlines } from './deadline.js';
import { AttrStream, genl, Protocol, RawNetlinkSocket } from './netlink-package.js';
import {
  IpvsAdapterError,
  IpvsDecodeError,
  IpvsError,
  IpvsFamilyMissingError,
  IpvsSocketError,
  IpvsTimeoutError,
  type Result,
} from './errors.js';
import {
  daemonAttrs,
  daemonFromAttrs,
  decodeFrames,
  decodeIpvsFrame,
  destAttrs,
  destFromAttrs,
  destKeyAttrs,
  encodeGenl,
  encodeIpvsMessage,
  GENL_ID_CTRL,
  infoFromMessage,
  IPVS_CMD,
  IPVS_GENL_NAME,
  ipvsCmdName,
  NLM_F_ACK,
  NLM_F_DUMP,
  NLM_F_REQUEST,
  NLMSG_OVERRUN,
  serviceAttrs,
  serviceFromAttrs,
  serviceKeyAttrs,
  timeoutsFromMessage,
  type IpvsMessage,
  type NetlinkFrame,
} from './ipvs-attrs.js';
import {
  describeDest,
  describeService,
  type IpvsAf,
  type IpvsDaemon,
  type IpvsDaemonState,
  type IpvsDest,
  type IpvsDestEntry,
  type IpvsDestKey,
  type IpvsInfo,
  type IpvsPort,
  type IpvsService,
  type IpvsServiceEntry,
  type IpvsServiceKey,
  type IpvsTimeouts,
} from '../ipvs/types.js';

/** A datagram socket to the kernel's generic netlink, as the client needs it (a fake in tests). */
export interface NetlinkChannel {
  /** Our netlink port id (nlmsg_pid). */
  readonly port: number;
  send(bytes: Uint8Array, done: (err?: Error) => void): void;
  onDatagram(handler: (bytes: Uint8Array) => void): void;
  onError(handler: (err: Error) => void): void;
  /** Keep the event loop alive (true while requests are outstanding). */
  hold(on: boolean): void;
  close(): void;
}

/** The real thing: a NETLINK_GENERIC socket from the `netlink` package. */
export function openGenericNetlinkChannel(): NetlinkChannel {
  const sock = new RawNetlinkSocket(Protocol.GENERIC, { recvBufferSize: 1 << 20, sendBufferSize: 1 << 20 });
  sock.unref();
  // The package throws from ref/unref/close once closed; a closed socket only has to refuse sends.
  let closed = false;
  sock.on('close', () => (closed = true));
  return {
    port: sock.address().port,
    send: (bytes, done) => sock.send(bytes, {}, (err) => done(err)),
    onDatagram: (h) => void sock.on('message', (msg) => h(msg)),
    onError: (h) => void sock.on('error', h),
    hold: (on) => {
      if (!closed) on ? sock.ref() : sock.unref();
    },
    close: () => {
      if (!closed) sock.close();
    },
  };
}

export interface IpvsClientOptions {
  /** Time limit for each request, in ms (default 2000). */
  readonly timeoutMs?: number;
  /**
   * Requests outstanding at once (default 64); more wait their turn. Unbounded pipelining overflows
   * the socket's receive queue: the kernel then drops answers, and the `netlink` package's native
   * code aborts the whole process on the resulting POLLERR (seen with ~150 requests in flight).
   */
  readonly maxInFlight?: number;
  /** Opens the socket; tests pass a fake kernel. */
  readonly openChannel?: () => NetlinkChannel;
  /** Sees every datagram sent and received (golden captures, debugging). */
  readonly tap?: (direction: 'out' | 'in', bytes: Uint8Array) => void;
}

type GenlFrame = Extract<NetlinkFrame, { kind: 'genl' }>;

interface Pending {
  readonly op: string;
  readonly entry: string;
  readonly dump: boolean;
  readonly frames: GenlFrame[];
  readonly resolve: (frames: GenlFrame[]) => void;
  readonly reject: (err: Error) => void;
}

interface Connection {
  readonly channel: NetlinkChannel;
  familyId: number;
  /** The family is resolved: IPVS requests may go out. */
  ready: boolean;
  broken: boolean;
}

const CTRL_CMD_GETFAMILY = genl.Commands.GET_FAMILY;
const CTRL_VERSION = 1;
const ESRCH = 3;
const ENOENT = 2;

export class IpvsClient implements IpvsPort {
  private readonly timeoutMs: number;
  private readonly deadlines: RequestDeadlines;
  private readonly openChannel: () => NetlinkChannel;
  private readonly tap?: IpvsClientOptions['tap'];
  private conn?: Connection;
  private opening?: Promise<Connection>;
  private readonly pending = new Map<number, Pending>();
  private readonly maxInFlight: number;
  /** Requests holding a slot; waiters are handed a slot directly when one is released. */
  private inFlight = 0;
  private readonly waiters: Array<() => void> = [];
  private seq = (Math.random() * 0x7fffffff) >>> 0;
  private closed = false;

  constructor(opts: IpvsClientOptions = {}) {
    this.timeoutMs = opts.timeoutMs ?? 2000;
    this.deadlines = new RequestDeadlines(this.timeoutMs);
    this.maxInFlight = Math.max(1, opts.maxInFlight ?? 64);
    this.openChannel = opts.openChannel ?? openGenericNetlinkChannel;
    this.tap = opts.tap;
  }

  /** The IPVS family id, resolving it (and opening the socket) if need be. */
  async familyId(): Promise<number> {
    return (await this.connection()).familyId;
  }

  // ---- IpvsPort ----

  async listServices(): Promise<IpvsServiceEntry[]> {
    const msgs = await this.ipvs({ cmd: IPVS_CMD.GET_SERVICE }, '', true);
    return msgs.map((m) => this.decoded('GET_SERVICE', '', serviceFromAttrs(m.service)));
  }

  async getService(key: IpvsServiceKey): Promise<IpvsServiceEntry | undefined> {
    const entry = describeService(key);
    try {
      const [m] = await this.ipvs({ cmd: IPVS_CMD.GET_SERVICE, service: serviceKeyAttrs(key) }, entry, false);
      return m && this.decoded('GET_SERVICE', entry, serviceFromAttrs(m.service));
    } catch (e) {
      // Not found is an answer here, not a failure.
      if (e instanceof IpvsError && (e.errno === ESRCH || e.errno === ENOENT)) return undefined;
      throw e;
    }
  }

  async addService(s: IpvsService): Promise<void> {
    await this.ipvs({ cmd: IPVS_CMD.NEW_SERVICE, service: serviceAttrs(s) }, describeService(s), false);
  }

  async editService(s: IpvsService): Promise<void> {
    await this.ipvs({ cmd: IPVS_CMD.SET_SERVICE, service: serviceAttrs(s) }, describeService(s), false);
  }

  async delService(key: IpvsServiceKey): Promise<void> {
    await this.ipvs({ cmd: IPVS_CMD.DEL_SERVICE, service: serviceKeyAttrs(key) }, describeService(key), false);
  }

  async listDests(service: IpvsServiceKey): Promise<IpvsDestEntry[]> {
    const entry = describeService(service);
    const msgs = await this.ipvs({ cmd: IPVS_CMD.GET_DEST, service: serviceKeyAttrs(service) }, entry, true, service.af);
    return msgs.map((m) => this.decoded('GET_DEST', entry, destFromAttrs(m.dest, service.af)));
  }

  async addDest(service: IpvsServiceKey, d: IpvsDest): Promise<void> {
    await this.destCmd(IPVS_CMD.NEW_DEST, service, d);
  }

  async editDest(service: IpvsServiceKey, d: IpvsDest): Promise<void> {
    await this.destCmd(IPVS_CMD.SET_DEST, service, d);
  }

  async delDest(service: IpvsServiceKey, d: IpvsDestKey): Promise<void> {
    const m = { cmd: IPVS_CMD.DEL_DEST, service: serviceKeyAttrs(service), dest: destKeyAttrs(d) };
    await this.ipvs(m, describeDest(service, d), false);
  }

  async getDaemons(): Promise<IpvsDaemon[]> {
    const msgs = await this.ipvs({ cmd: IPVS_CMD.GET_DAEMON }, '', true);
    return msgs.map((m) => this.decoded('GET_DAEMON', '', daemonFromAttrs(m.daemon)));
  }

  async startDaemon(d: IpvsDaemon): Promise<void> {
    await this.ipvs({ cmd: IPVS_CMD.NEW_DAEMON, daemon: daemonAttrs(d) }, daemonEntry(d.state, d.mcastIfn, d.syncId), false);
  }

  async stopDaemon(state: IpvsDaemonState): Promise<void> {
    await this.ipvs({ cmd: IPVS_CMD.DEL_DAEMON, daemon: { state } }, daemonEntry(state), false);
  }

  async getTimeouts(): Promise<IpvsTimeouts> {
    const [m] = await this.ipvs({ cmd: IPVS_CMD.GET_CONFIG }, '', false);
    return this.decoded('GET_CONFIG', '', m ? timeoutsFromMessage(m) : noReply());
  }

  async setTimeouts(t: Partial<IpvsTimeouts>): Promise<void> {
    const m: IpvsMessage = { cmd: IPVS_CMD.SET_CONFIG, timeoutTcp: t.tcp, timeoutTcpFin: t.tcpFin, timeoutUdp: t.udp };
    await this.ipvs(m, '', false);
  }

  async getInfo(): Promise<IpvsInfo> {
    const [m] = await this.ipvs({ cmd: IPVS_CMD.GET_INFO }, '', false);
    return this.decoded('GET_INFO', '', m ? infoFromMessage(m) : noReply());
  }

  async zero(service?: IpvsServiceKey): Promise<void> {
    const m: IpvsMessage = service ? { cmd: IPVS_CMD.ZERO, service: serviceKeyAttrs(service) } : { cmd: IPVS_CMD.ZERO };
    await this.ipvs(m, service ? describeService(service) : '', false);
  }

  async flush(): Promise<void> {
    await this.ipvs({ cmd: IPVS_CMD.FLUSH }, '', false);
  }

  close(): void {
    this.closed = true;
    if (this.conn) this.breakConnection(this.conn, (p) => new IpvsSocketError(p.op, p.entry, 'client closed'));
  }

  // ---- requests ----

  private destCmd(cmd: number, service: IpvsServiceKey, d: IpvsDest): Promise<IpvsMessage[]> {
    return this.ipvs({ cmd, service: serviceKeyAttrs(service), dest: destAttrs(d) }, describeDest(service, d), false);
  }

  private decoded<T>(op: string, entry: string, r: Result<T>): T {
    if (!r.ok) throw new IpvsDecodeError(op, entry, r.error);
    return r.value;
  }

  /** Sends one IPVS command and returns the decoded replies (none for a plain ack). */
  private async ipvs(m: IpvsMessage, entry: string, dump: boolean, destAf?: IpvsAf, mayRetry = true): Promise<IpvsMessage[]> {
    const op = ipvsCmdName(m.cmd);
    const conn = await this.connection();
    let frames: GenlFrame[];
    const send = () =>
      this.request(conn, op, entry, dump, (seq) =>
        encodeIpvsMessage(m, { type: conn.familyId, flags: NLM_F_REQUEST | (dump ? NLM_F_DUMP : NLM_F_ACK), seq, port: conn.channel.port }),
      );
    try {
      frames = await (dump ? this.oneDumpAtATime(send) : send());
    } catch (e) {
      if (mayRetry && e instanceof IpvsError && e.errno === ENOENT && (await this.familyMoved(conn))) {
        return this.ipvs(m, entry, dump, destAf, false);
      }
      throw e;
    }
    return frames.map((f) => this.decoded(op, entry, decodeIpvsFrame(f, { destAf })));
  }

  /**
   * ENOENT is also generic netlink's answer to an unknown family id, and a reloaded ip_vs registers
   * under a new id: ask the controller again. Throws IpvsFamilyMissingError if IPVS is gone; true if
   * it moved (this socket is then retired and the caller retries once).
   */
  private async familyMoved(conn: Connection): Promise<boolean> {
    if (conn.broken) return true;
    const id = await this.resolveFamily(conn);
    if (id === conn.familyId) return false;
    const was = conn.familyId;
    this.breakConnection(conn, (p) => new IpvsSocketError(p.op, p.entry, `the IPVS family moved from id ${was} to ${id} (ip_vs reloaded)`));
    return true;
  }

  /** The kernel answers a second dump on a socket with EBUSY while one runs: dumps wait their turn. */
  private dumpTail: Promise<unknown> = Promise.resolve();
  private oneDumpAtATime<T>(run: () => Promise<T>): Promise<T> {
    const p = this.dumpTail.then(run, run);
    this.dumpTail = p.catch(() => undefined);
    return p;
  }

  private nextSeq(): number {
    this.seq = (this.seq + 1) >>> 0 || 1;
    return this.seq;
  }

  private async request(conn: Connection, op: string, entry: string, dump: boolean, build: (seq: number) => Uint8Array): Promise<GenlFrame[]> {
    if (this.inFlight < this.maxInFlight) this.inFlight++;
    else await new Promise<void>((r) => this.waiters.push(r));
    if (conn.broken || this.closed) {
      this.release();
      throw new IpvsSocketError(op, entry, this.closed ? 'client closed' : 'the socket failed while this request waited');
    }
    const seq = this.nextSeq();
    let bytes: Uint8Array;
    try {
      bytes = build(seq);
    } catch (e) {
      this.release();
      throw e;
    }
    return new Promise<GenlFrame[]>((resolve, reject) => {
      this.deadlines.add(seq, () => {
        this.settle(seq);
        reject(new IpvsTimeoutError(op, entry, this.timeoutMs));
      });
      this.pending.set(seq, { op, entry, dump, frames: [], resolve, reject });
      if (this.pending.size === 1) conn.channel.hold(true);
      this.tap?.('out', bytes);
      const failed = (err: Error) => {
        const p = this.settle(seq);
        p?.reject(new IpvsSocketError(op, entry, `send: ${err.message}`, err));
        this.breakConnection(conn, (q) => new IpvsSocketError(q.op, q.entry, `send failed on this socket: ${err.message}`, err));
      };
      try {
        conn.channel.send(bytes, (err) => err && failed(err));
      } catch (e) {
        failed(e as Error); // a closed socket throws at once
      }
    });
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
      const error = frames.error;
      this.breakConnection(conn, (p) => new IpvsDecodeError(p.op, p.entry, error));
      return;
    }
    for (const f of frames.value) {
      if (f.kind === 'other') {
        if (f.header.type === NLMSG_OVERRUN) this.breakConnection(conn, (p) => new IpvsSocketError(p.op, p.entry, 'receive overrun'));
        continue;
      }
      const p = this.pending.get(f.header.seq);
      if (!p) continue; // a late answer to a request that timed out
      if (f.kind === 'genl') {
        p.frames.push(f);
      } else if (f.errno !== 0) {
        this.settle(f.header.seq);
        p.reject(new IpvsError(p.op, p.entry, f.errno, f.kind === 'error' ? f.extack : undefined));
      } else if (f.kind === 'done' || !p.dump) {
        this.settle(f.header.seq);
        p.resolve(p.frames);
      }
    }
  }

  private breakConnection(conn: Connection, why: (p: Pending) => IpvsAdapterError): void {
    if (conn.broken) return;
    conn.broken = true;
    if (this.conn === conn) this.conn = undefined;
    for (const [seq, p] of [...this.pending]) {
      this.settle(seq);
      p.reject(why(p));
    }
    try {
      conn.channel.close();
    } catch {
      /* already closed */
    }
  }

  // ---- the socket and the family ----

  private async connection(): Promise<Connection> {
    if (this.closed) throw new IpvsSocketError('OPEN', '', 'client closed');
    if (this.conn?.ready && !this.conn.broken) return this.conn;
    this.opening ??= this.open().finally(() => {
      this.opening = undefined;
    });
    return this.opening;
  }

  private async open(): Promise<Connection> {
    let channel: NetlinkChannel;
    try {
      channel = this.openChannel();
    } catch (e) {
      throw new IpvsSocketError('OPEN', '', (e as Error).message, e);
    }
    const conn: Connection = { channel, familyId: 0, ready: false, broken: false };
    this.conn = conn;
    channel.onDatagram((b) => this.onDatagram(conn, b));
    channel.onError((err) => this.breakConnection(conn, (p) => new IpvsSocketError(p.op, p.entry, err.message, err)));
    try {
      conn.familyId = await this.resolveFamily(conn);
      conn.ready = true;
    } catch (e) {
      this.breakConnection(conn, (p) => new IpvsSocketError(p.op, p.entry, 'family resolution failed'));
      throw e;
    }
    return conn;
  }

  private async resolveFamily(conn: Connection): Promise<number> {
    const attrs = new AttrStream();
    attrs.emit(genl.formatMessage({ familyName: IPVS_GENL_NAME }));
    const payload = Buffer.concat(attrs.bufs);
    let frames: GenlFrame[];
    try {
      frames = await this.request(conn, 'GET_FAMILY', IPVS_GENL_NAME, false, (seq) =>
        encodeGenl({ type: GENL_ID_CTRL, flags: NLM_F_REQUEST | NLM_F_ACK, seq, port: conn.channel.port }, CTRL_CMD_GETFAMILY, CTRL_VERSION, payload),
      );
    } catch (e) {
      if (e instanceof IpvsError && e.errno === ENOENT) throw new IpvsFamilyMissingError(`the genl controller answered ${e.code}`);
      throw e;
    }
    let familyId: number | undefined;
    try {
      const reply = frames[0] && genl.parseMessage(Buffer.from(frames[0].payload));
      if (reply?.familyName === IPVS_GENL_NAME) familyId = reply.familyId;
    } catch {
      /* reported below */
    }
    if (familyId === undefined) throw new IpvsFamilyMissingError('the genl controller gave no family id');
    return familyId;
  }
}

function daemonEntry(state: IpvsDaemonState, ifn?: string, syncId?: number): string {
  return `sync daemon ${state === 1 ? 'master' : 'backup'}${ifn ? ` ${ifn}` : ''}${syncId !== undefined ? ` syncid ${syncId}` : ''}`;
}

function noReply(): Result<never> {
  return { ok: false, error: { code: 'missing', offset: -1, where: 'reply', message: 'the kernel acknowledged without a reply' } };
}
