// AddressPort over rtnetlink: VIPs, routes and rules as `ip addr|route|rule add/del` (and keepalived
// 2.2.7) would set them, links and addresses read back, and link/address events. Requests go out on
// one socket with a cap on those in flight (rtnl-socket.ts); events come on another (rtnl-monitor.ts).
// Idempotent by contract: adding what exists and deleting what is gone succeed.
import { AttrStream, putString } from './netlink-package.js';
import { rt } from './netlink-rt.js';
import type { VirtualIpAddress, VirtualRoute, VirtualRule } from './rtnl-model.js';
import type { AddressEvent, AddressPort, InterfaceAddress, LinkEvent, LinkInfo } from '../vrrp/ports.js';
import { addressBody, describeAddress } from './rtnl-address.js';
import { decodeAddress, decodeLink } from './rtnl-decode.js';
import { RtnlDecodeError, RtnlError } from './rtnl-errors.js';
import { RtnlMonitor } from './rtnl-monitor.js';
import { AF_INET, AF_INET6, NLM_F_CREATE, NLM_F_EXCL, RTM } from './rtnl-names.js';
import { describeRoute, routeMessage } from './rtnl-route.js';
import { describeRule, ruleMessage } from './rtnl-rule.js';
import { openRouteChannel, RtnlRequester, type RtnlChannel, type RtnlFrame } from './rtnl-socket.js';

const ENOENT = 2;
/** "No such process": the kernel's answer to deleting a route that is not there. */
const ESRCH = 3;
const EEXIST = 17;
const ENODEV = 19;
const EADDRNOTAVAIL = 99;
const IFLA_IFNAME = 3;

export interface AddressClientOptions {
  /** Time limit for each request, in ms (default 5000). */
  readonly timeoutMs?: number;
  /** Requests outstanding at once (default 64); more wait their turn. */
  readonly maxInFlight?: number;
  /** Opens a NETLINK_ROUTE socket joined to `groups` (tests pass fakes). */
  readonly openChannel?: (groups: readonly number[]) => RtnlChannel;
  /** SO_RCVBUF of the event socket (default 4 MiB, capped by net.core.rmem_max): room for bursts of events. */
  readonly eventRecvBufferSize?: number;
  /** Told about lost or undecodable events (the log's business); events carry on after a re-read. */
  readonly onEventTrouble?: (err: Error) => void;
  readonly tap?: (direction: 'out' | 'in', bytes: Uint8Array) => void;
}

type Handler = (e: LinkEvent | AddressEvent) => void;

/** What a change is called in errors: the message type and the entry in `ip` syntax. */
interface Target {
  readonly op: string;
  readonly entry: string;
}

export class AddressClient implements AddressPort {
  private readonly requester: RtnlRequester;
  private readonly openChannel: (groups: readonly number[]) => RtnlChannel;
  private readonly handlers: Handler[] = [];
  private monitor?: RtnlMonitor;
  private closed = false;

  constructor(private readonly opts: AddressClientOptions = {}) {
    this.openChannel =
      opts.openChannel ??
      ((groups) => openRouteChannel({ groups, recvBufferSize: groups.length ? opts.eventRecvBufferSize ?? 4 << 20 : 1 << 20 }));
    this.requester = new RtnlRequester({
      timeoutMs: opts.timeoutMs,
      maxInFlight: opts.maxInFlight,
      openChannel: () => this.openChannel([]),
      tap: opts.tap,
    });
  }

  // ---- reading ----

  async link(name: string): Promise<LinkInfo | undefined> {
    const out = new AttrStream();
    out.emit(rt.formatLink({}));
    out.push(IFLA_IFNAME, putString(name));
    try {
      const frames = await this.requester.request({ op: 'GETLINK', entry: `dev ${name}`, type: RTM.GETLINK, body: Buffer.concat(out.bufs) });
      const [link] = this.decodeLinks('GETLINK', `dev ${name}`, frames);
      return link;
    } catch (e) {
      if (e instanceof RtnlError && e.errno === ENODEV) return undefined;
      throw e;
    }
  }

  async links(): Promise<LinkInfo[]> {
    const frames = await this.requester.request({ op: 'GETLINK', entry: '', type: RTM.GETLINK, dump: true, body: rt.formatLink({}) });
    return this.decodeLinks('GETLINK', '', frames);
  }

  async addresses(ifindex?: number): Promise<InterfaceAddress[]> {
    const frames = await this.requester.request({ op: 'GETADDR', entry: '', type: RTM.GETADDR, dump: true, body: rt.formatAddress({}) });
    const out: InterfaceAddress[] = [];
    for (const f of frames) {
      if (f.type !== RTM.NEWADDR) continue;
      const family = f.body[0];
      if (family !== AF_INET && family !== AF_INET6) continue; // other families have no IP addresses
      const d = decodeAddress(f.body);
      if (!d.ok) throw new RtnlDecodeError('GETADDR', '', d.error);
      if (ifindex === undefined || d.value.ifindex === ifindex) out.push(d.value);
    }
    return out;
  }

  private decodeLinks(op: string, entry: string, frames: RtnlFrame[]): LinkInfo[] {
    const out: LinkInfo[] = [];
    for (const f of frames) {
      if (f.type !== RTM.NEWLINK) continue;
      const d = decodeLink(f.body);
      if (!d.ok) throw new RtnlDecodeError(op, entry, d.error);
      const { name, index, up, mac, mtu } = d.value;
      out.push({ name, index, up, mac, mtu });
    }
    return out;
  }

  // ---- addresses ----

  async addAddress(vip: VirtualIpAddress): Promise<void> {
    const t = { op: 'NEWADDR', entry: describeAddress(vip) };
    await this.onDevices(t, [vip.dev], 'add', async (index) => {
      const body = addressBody(vip, index(vip.dev), 'add');
      await this.change(t, RTM.NEWADDR, body, NLM_F_CREATE_EXCL, [EEXIST]);
    });
  }

  async delAddress(vip: VirtualIpAddress): Promise<void> {
    const t = { op: 'DELADDR', entry: describeAddress(vip) };
    await this.onDevices(t, [vip.dev], 'del', async (index) => {
      const body = addressBody(vip, index(vip.dev), 'del');
      await this.change(t, RTM.DELADDR, body, 0, [ENOENT, EADDRNOTAVAIL]);
    });
  }

  // ---- routes and rules ----

  async addRoute(route: VirtualRoute): Promise<void> {
    const t = { op: 'NEWROUTE', entry: describeRoute(route) };
    await this.onDevices(t, routeDevices(route), 'add', async (index) => {
      const m = routeMessage(route, index, 'add');
      await this.change(t, RTM.NEWROUTE, m.body, m.flags, [EEXIST]);
    });
  }

  async delRoute(route: VirtualRoute): Promise<void> {
    const t = { op: 'DELROUTE', entry: describeRoute(route) };
    await this.onDevices(t, routeDevices(route), 'del', async (index) => {
      const m = routeMessage(route, index, 'del');
      await this.change(t, RTM.DELROUTE, m.body, m.flags, [ESRCH, ENOENT]);
    });
  }

  async addRule(rule: VirtualRule): Promise<void> {
    const m = ruleMessage(rule, 'add');
    await this.change({ op: 'NEWRULE', entry: describeRule(rule) }, RTM.NEWRULE, m.body, m.flags, [EEXIST]);
  }

  async delRule(rule: VirtualRule): Promise<void> {
    const m = ruleMessage(rule, 'del');
    await this.change({ op: 'DELRULE', entry: describeRule(rule) }, RTM.DELRULE, m.body, m.flags, [ENOENT]);
  }

  /** One change; the errnos in `fine` mean it was already done (EEXIST on add, ENOENT etc. on delete). */
  private async change(t: Target, type: number, body: Uint8Array, flags: number, fine: number[]): Promise<void> {
    try {
      await this.requester.request({ op: t.op, entry: t.entry, type, flags, body });
    } catch (e) {
      if (e instanceof RtnlError && fine.includes(e.errno)) return;
      throw e;
    }
  }

  /**
   * Runs `send` with the devices' ifindexes. A missing device fails an add (ENODEV) and makes a delete
   * moot (its addresses and routes went with it, as keepalived reasons). Indexes come from the event
   * monitor's view when subscribed, else from the kernel; an ENODEV on a remembered index (the link
   * was just recreated) is retried once with indexes read afresh.
   */
  private async onDevices(t: Target, devs: string[], cmd: 'add' | 'del', send: (index: (dev: string) => number) => Promise<void>): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      const fresh = attempt > 0;
      const known = new Map<string, number>();
      let viaCache = false;
      for (const dev of new Set(devs)) {
        const cached = fresh || !dev ? undefined : this.monitor?.indexOf(dev);
        if (cached !== undefined) viaCache = true;
        const index = cached ?? (dev ? (await this.link(dev))?.index : undefined);
        if (index === undefined) {
          if (cmd === 'del') return;
          throw new RtnlError(t.op, t.entry, ENODEV, dev ? `no interface named ${dev}` : 'no interface given');
        }
        known.set(dev, index);
      }
      try {
        return await send((dev) => known.get(dev)!);
      } catch (e) {
        if (viaCache && !fresh && e instanceof RtnlError && e.errno === ENODEV) continue;
        throw e;
      }
    }
  }

  // ---- events ----

  subscribe(handler: Handler): void {
    this.handlers.push(handler);
    if (this.monitor || this.closed) return;
    this.monitor = new RtnlMonitor({
      openChannel: this.openChannel,
      readState: async () => ({ links: await this.links(), addresses: await this.addresses() }),
      emit: (e) => {
        for (const h of this.handlers) h(e);
      },
      onTrouble: this.opts.onEventTrouble,
    });
    this.monitor.start();
  }

  close(): void {
    this.closed = true;
    this.monitor?.close();
    this.requester.close();
  }
}

const NLM_F_CREATE_EXCL = NLM_F_CREATE | NLM_F_EXCL;

/** The devices a route names (its own and its nexthops'). */
function routeDevices(r: VirtualRoute): string[] {
  return [r.dev, ...r.nexthops.map((n) => n.dev)].filter((d): d is string => !!d);
}
