// The runtime's picture of the machine's interfaces: links by name and index, addresses per interface in
// the order the kernel reported them, kept current from rtnetlink events. It answers the questions VRRP
// asks: is this interface up, what is its MAC, and which address does an instance advertise from (the
// interface's primary IPv4 address, or its IPv6 link-local address, never one of our own VIPs).
import { isLinkLocal6, parseIp, type IpAddress } from '../lib/ip.js';
import type { AddressEvent, InterfaceAddress, LinkEvent, LinkInfo } from './ports.js';

export class InterfaceTable {
  private readonly byName = new Map<string, LinkInfo>();
  private readonly byIndex = new Map<number, LinkInfo>();
  private readonly addrs = new Map<number, InterfaceAddress[]>();

  load(links: readonly LinkInfo[], addresses: readonly InterfaceAddress[]): void {
    for (const l of links) this.setLink(l);
    for (const a of addresses) this.addAddress(a);
  }

  /** Applies an event; returns the link name it concerns (for re-evaluating that interface). */
  apply(e: LinkEvent | AddressEvent): string | undefined {
    switch (e.kind) {
      case 'link':
        this.setLink(e.link);
        return e.link.name;
      case 'link-removed': {
        const l = this.byIndex.get(e.index) ?? this.byName.get(e.name);
        if (l) {
          this.byIndex.delete(l.index);
          if (this.byName.get(l.name) === l) this.byName.delete(l.name);
          this.addrs.delete(l.index);
        }
        return e.name;
      }
      case 'address-added':
        this.addAddress(e.address);
        return this.byIndex.get(e.address.ifindex)?.name;
      case 'address-removed': {
        const list = this.addrs.get(e.address.ifindex);
        if (list) {
          const i = list.findIndex((a) => sameAddress(a, e.address));
          if (i >= 0) list.splice(i, 1);
        }
        return this.byIndex.get(e.address.ifindex)?.name;
      }
    }
  }

  link(name: string): LinkInfo | undefined {
    return this.byName.get(name);
  }

  linkByIndex(index: number): LinkInfo | undefined {
    return this.byIndex.get(index);
  }

  isUp(name: string): boolean {
    return this.byName.get(name)?.up ?? false;
  }

  index(name: string | undefined): number {
    return name === undefined ? 0 : (this.byName.get(name)?.index ?? 0);
  }

  addresses(name: string): readonly InterfaceAddress[] {
    const l = this.byName.get(name);
    return l ? (this.addrs.get(l.index) ?? []) : [];
  }

  hasAddress(name: string, address: IpAddress): boolean {
    return this.addresses(name).some((a) => a.family === address.family && parseIp(a.address)?.text === address.text);
  }

  /**
   * The address an instance on `name` advertises from: IPv4, the first address the kernel lists (the
   * primary); IPv6, the link-local address (RFC 5798 §5.1.2.1). Addresses in `exclude` (our VIPs) never count.
   */
  primary(name: string, family: 4 | 6, exclude: ReadonlySet<string>): IpAddress | undefined {
    for (const a of this.addresses(name)) {
      if (a.family !== family) continue;
      const ip = parseIp(a.address);
      if (!ip || exclude.has(ip.text)) continue;
      if (family === 6 && !isLinkLocal6(ip)) continue;
      return ip;
    }
    return undefined;
  }

  private setLink(l: LinkInfo): void {
    const old = this.byName.get(l.name);
    if (old && old.index !== l.index) {
      this.byIndex.delete(old.index);
      this.addrs.delete(old.index);
    }
    const prev = this.byIndex.get(l.index);
    if (prev && prev.name !== l.name) this.byName.delete(prev.name);
    this.byName.set(l.name, l);
    this.byIndex.set(l.index, l);
  }

  private addAddress(a: InterfaceAddress): void {
    let list = this.addrs.get(a.ifindex);
    if (!list) this.addrs.set(a.ifindex, (list = []));
    if (!list.some((x) => sameAddress(x, a))) list.push(a);
  }
}

function sameAddress(a: InterfaceAddress, b: InterfaceAddress): boolean {
  return a.family === b.family && a.ifindex === b.ifindex && parseIp(a.address)?.text === parseIp(b.address)?.text;
}
