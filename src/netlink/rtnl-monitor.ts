// Link and address events from rtnetlink's multicast groups, as the port's LinkEvent / AddressEvent.
// It keeps what it has seen (links by index, addresses by ifindex+address/len) so that after a lost
// event — the receive queue overflowed (ENOBUFS) or the socket failed — it can read the kernel's
// state again and report exactly what changed meanwhile, instead of leaving the engine stale.
import { decodeFrames, NLMSG_HDRLEN } from './ipvs-attrs.js';
import { decodeAddress, decodeLink, type DecodedLink } from './rtnl-decode.js';
import { RTM, RTNLGRP } from './rtnl-names.js';
import type { RtnlChannel } from './rtnl-socket.js';
import type { AddressEvent, InterfaceAddress, LinkEvent, LinkInfo } from '../vrrp/ports.js';

export type RtnlEvent = LinkEvent | AddressEvent;

export interface KernelState {
  readonly links: readonly LinkInfo[];
  readonly addresses: readonly InterfaceAddress[];
}

export interface RtnlMonitorOptions {
  /** Opens a socket joined to the given groups. */
  readonly openChannel: (groups: readonly number[]) => RtnlChannel;
  /** Reads every link and address (dumps on the request socket). */
  readonly readState: () => Promise<KernelState>;
  readonly emit: (e: RtnlEvent) => void;
  /** Told about lost events, undecodable messages and failed re-reads (for the log); the monitor carries on. */
  readonly onTrouble?: (err: Error) => void;
  /** Delay before trying again after a failed reopen or re-read, ms (default 1000). */
  readonly retryMs?: number;
}

const GROUPS = [RTNLGRP.LINK, RTNLGRP.IPV4_IFADDR, RTNLGRP.IPV6_IFADDR];
const AF_UNSPEC = 0;

export const addressKey = (a: InterfaceAddress) => `${a.ifindex}|${a.address}/${a.prefixLen}`;

function sameLink(a: LinkInfo, b: LinkInfo): boolean {
  return a.name === b.name && a.up === b.up && a.mtu === b.mtu && a.mac.length === b.mac.length && a.mac.every((x, i) => x === b.mac[i]);
}

const linkInfo = (l: DecodedLink): LinkInfo => ({ name: l.name, index: l.index, up: l.up, mac: l.mac, mtu: l.mtu });

export class RtnlMonitor {
  private channel?: RtnlChannel;
  private readonly links = new Map<number, LinkInfo>();
  private readonly addrs = new Map<string, InterfaceAddress>();
  /** True once the first read of the kernel's state has filled the maps. */
  private seeded = false;
  /** Keys changed by events while a state read was under way: the read's (older) view must not undo them. */
  private touched?: Set<string>;
  private resyncing = false;
  private resyncAgain = false;
  private retryTimer?: NodeJS.Timeout;
  private closed = false;

  constructor(private readonly opts: RtnlMonitorOptions) {}

  /** Joins the groups at once (events from now on are seen), then reads the current state in the background. */
  start(): void {
    this.open();
    void this.resync(false);
  }

  /** ifindex of a link by name, from what the events have shown (undefined if unknown or not yet read). */
  indexOf(name: string): number | undefined {
    if (!this.seeded) return undefined;
    for (const l of this.links.values()) if (l.name === name) return l.index;
    return undefined;
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.retryTimer);
    this.channel?.close();
    this.channel = undefined;
  }

  private open(): void {
    let ch: RtnlChannel;
    try {
      ch = this.opts.openChannel(GROUPS);
    } catch (e) {
      this.trouble(new Error(`rtnetlink events: cannot open the socket: ${(e as Error).message}`, { cause: e }));
      this.retry(() => this.reopen());
      return;
    }
    this.channel = ch;
    ch.onDatagram((b) => ch === this.channel && this.onDatagram(b));
    let failed = false;
    ch.onError((err) => {
      // One overflow can surface twice (recvmsg's ENOBUFS, then POLLERR): one reopen is enough.
      if (ch !== this.channel || failed) return;
      failed = true;
      const lost = err.code === 'ENOBUFS' ? 'events were lost (receive queue full)' : `socket error: ${err.message}`;
      this.trouble(new Error(`rtnetlink events: ${lost}; reading links and addresses again`, { cause: err }));
      // Not from inside the package's native callback: closing the socket there aborts the process.
      setImmediate(() => ch === this.channel && this.reopen());
    });
  }

  /** A fresh socket (an errored one may have been closed under us), then a read to catch up. */
  private reopen(): void {
    if (this.closed) return;
    const old = this.channel;
    this.channel = undefined;
    try {
      old?.close();
    } catch {
      /* already closed */
    }
    this.open();
    if (this.channel) void this.resync(true);
  }

  private retry(fn: () => void): void {
    if (this.closed || this.retryTimer) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      fn();
    }, this.opts.retryMs ?? 1000);
    this.retryTimer.unref();
  }

  private trouble(err: Error): void {
    this.opts.onTrouble?.(err);
  }

  private onDatagram(bytes: Uint8Array): void {
    const frames = decodeFrames(bytes);
    if (!frames.ok) {
      this.trouble(new Error(`rtnetlink events: undecodable datagram: ${frames.error.message}`));
      return;
    }
    for (const f of frames.value) {
      if (f.kind !== 'genl') continue; // data messages (type >= 16); errors and DONE do not come as events
      const body = bytes.subarray(f.offset + NLMSG_HDRLEN, f.offset + f.header.len);
      this.onMessage(f.header.type, body);
    }
  }

  private onMessage(type: number, body: Uint8Array): void {
    if (type === RTM.NEWLINK || type === RTM.DELLINK) {
      const d = decodeLink(body);
      if (!d.ok) return this.trouble(new Error(`rtnetlink events: ${d.error}`));
      // Bridge port news (AF_BRIDGE) also come on RTNLGRP_LINK; a DELLINK there is a port leaving, not a link going.
      if (d.value.family !== AF_UNSPEC) return;
      this.touched?.add(`link|${d.value.index}`);
      if (type === RTM.NEWLINK) this.linkSeen(linkInfo(d.value));
      else this.linkGone(d.value.index, d.value.name);
    } else if (type === RTM.NEWADDR || type === RTM.DELADDR) {
      const d = decodeAddress(body);
      if (!d.ok) return this.trouble(new Error(`rtnetlink events: ${d.error}`));
      this.touched?.add(`addr|${addressKey(d.value)}`);
      if (type === RTM.NEWADDR) this.addressSeen(d.value);
      else this.addressGone(d.value);
    }
  }

  private linkSeen(l: LinkInfo): void {
    this.links.set(l.index, l);
    this.opts.emit({ kind: 'link', link: l });
  }

  private linkGone(index: number, name: string): void {
    this.links.delete(index);
    this.opts.emit({ kind: 'link-removed', name, index });
  }

  private addressSeen(a: InterfaceAddress): void {
    this.addrs.set(addressKey(a), a);
    this.opts.emit({ kind: 'address-added', address: a });
  }

  private addressGone(a: InterfaceAddress): void {
    this.addrs.delete(addressKey(a));
    this.opts.emit({ kind: 'address-removed', address: a });
  }

  /**
   * Reads the kernel's links and addresses. The first read only fills the maps; later ones report
   * the differences (new or changed links, links gone, addresses added and removed).
   */
  private async resync(report: boolean): Promise<void> {
    if (this.resyncing) {
      this.resyncAgain = true;
      return;
    }
    this.resyncing = true;
    const touched = (this.touched = new Set());
    try {
      const state = await this.opts.readState();
      if (this.closed) return;
      this.merge(state, touched, report && this.seeded);
      this.seeded = true;
    } catch (e) {
      this.trouble(new Error(`rtnetlink events: reading links and addresses failed: ${(e as Error).message}`, { cause: e }));
      this.retry(() => void this.resync(report));
    } finally {
      this.touched = undefined;
      this.resyncing = false;
    }
    if (this.resyncAgain && !this.closed) {
      this.resyncAgain = false;
      await this.resync(true);
    }
  }

  private merge(state: KernelState, touched: Set<string>, report: boolean): void {
    const links = new Map(state.links.map((l) => [l.index, l]));
    for (const [index, was] of [...this.links]) {
      if (!links.has(index) && !touched.has(`link|${index}`)) report ? this.linkGone(index, was.name) : this.links.delete(index);
    }
    for (const l of links.values()) {
      if (touched.has(`link|${l.index}`)) continue;
      const was = this.links.get(l.index);
      if (was && sameLink(was, l)) continue;
      report ? this.linkSeen(l) : this.links.set(l.index, l);
    }
    const addrs = new Map(state.addresses.map((a) => [addressKey(a), a]));
    for (const [key, was] of [...this.addrs]) {
      if (!addrs.has(key) && !touched.has(`addr|${key}`)) report ? this.addressGone(was) : this.addrs.delete(key);
    }
    for (const [key, a] of addrs) {
      if (touched.has(`addr|${key}`) || this.addrs.has(key)) continue;
      report ? this.addressSeen(a) : this.addrs.set(key, a);
    }
  }
}
