// IpvsPort over generic netlink: the one place that talks to the kernel's IPVS. The npm package
// `netlink` provides the socket and the genl controller's attributes; framing, the IPVS attributes and
// the family's resolution are ours, request matching, time limits and errno mapping the shared engine's
// (requests.ts).
import { openNetlinkChannel, type NetlinkChannel } from './channel.js';
import { AttrStream, genl, Protocol } from './netlink-package.js';
import { NetlinkRequests, type DataFrame, type Link, type RequestErrors } from './requests.js';
import {
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
  serviceAttrs,
  serviceFromAttrs,
  serviceKeyAttrs,
  timeoutsFromMessage,
  type IpvsMessage,
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
export type { NetlinkChannel };

/** The real thing: a NETLINK_GENERIC socket from the `netlink` package. */
export function openGenericNetlinkChannel(): NetlinkChannel {
  return openNetlinkChannel(Protocol.GENERIC);
}

export interface IpvsClientOptions {
  /** Time limit for each request, in ms (default 2000). */
  readonly timeoutMs?: number;
  /** Requests outstanding at once (default 64); more wait their turn (why: NetlinkRequestsOptions). */
  readonly maxInFlight?: number;
  /** Opens the socket; tests pass a fake kernel. */
  readonly openChannel?: () => NetlinkChannel;
  /** Sees every datagram sent and received (golden captures, debugging). */
  readonly tap?: (direction: 'out' | 'in', bytes: Uint8Array) => void;
}

interface Connection {
  readonly link: Link;
  familyId: number;
  /** The family is resolved: IPVS requests may go out. */
  ready: boolean;
}

const ERRORS: RequestErrors = {
  refused: IpvsError,
  timeout: IpvsTimeoutError,
  socket: IpvsSocketError,
  undecodable: (op, entry, error) => new IpvsDecodeError(op, entry, error),
};

const CTRL_CMD_GETFAMILY = genl.Commands.GET_FAMILY;
const CTRL_VERSION = 1;
const ESRCH = 3;
const ENOENT = 2;

export class IpvsClient implements IpvsPort {
  private readonly requests: NetlinkRequests<DataFrame>;
  private readonly openChannel: () => NetlinkChannel;
  private conn?: Connection;
  private opening?: Promise<Connection>;

  constructor(opts: IpvsClientOptions = {}) {
    this.requests = new NetlinkRequests<DataFrame>({
      timeoutMs: opts.timeoutMs ?? 2000,
      maxInFlight: opts.maxInFlight ?? 64,
      errors: ERRORS,
      keep: (f) => f, // decoded as IPVS (or controller) messages by the caller
      tap: opts.tap,
    });
    this.openChannel = opts.openChannel ?? openGenericNetlinkChannel;
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
    this.requests.close();
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
    let frames: DataFrame[];
    try {
      frames = await this.requests.request({ op, entry, dump, link: conn.link, build: (h) => encodeIpvsMessage(m, { type: conn.familyId, ...h }) });
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
    if (conn.link.broken) return true;
    const id = await this.resolveFamily(conn.link);
    if (id === conn.familyId) return false;
    const was = conn.familyId;
    this.requests.fail(conn.link, (op, entry) => new IpvsSocketError(op, entry, `the IPVS family moved from id ${was} to ${id} (ip_vs reloaded)`));
    return true;
  }

  // ---- the socket and the family ----

  private async connection(): Promise<Connection> {
    if (this.requests.closed) throw new IpvsSocketError('OPEN', '', 'client closed');
    if (this.conn?.ready && !this.conn.link.broken) return this.conn;
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
    const conn: Connection = { link: this.requests.attach(channel), familyId: 0, ready: false };
    this.conn = conn;
    try {
      conn.familyId = await this.resolveFamily(conn.link);
      conn.ready = true;
    } catch (e) {
      this.requests.fail(conn.link, (op, entry) => new IpvsSocketError(op, entry, 'family resolution failed'));
      throw e;
    }
    return conn;
  }

  private async resolveFamily(link: Link): Promise<number> {
    const attrs = new AttrStream();
    attrs.emit(genl.formatMessage({ familyName: IPVS_GENL_NAME }));
    const payload = Buffer.concat(attrs.bufs);
    let frames: DataFrame[];
    try {
      frames = await this.requests.request({
        op: 'GET_FAMILY',
        entry: IPVS_GENL_NAME,
        dump: false,
        link,
        build: (h) => encodeGenl({ type: GENL_ID_CTRL, ...h }, CTRL_CMD_GETFAMILY, CTRL_VERSION, payload),
      });
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
