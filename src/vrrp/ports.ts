// The interfaces the VRRP runtime needs from the machine. The engine declares them; adapters implement
// them (src/netlink/address-client.ts over rtnetlink, src/native/raw-socket.ts for packets), and tests
// use fakes. All addresses are the config model's values, so no adapter type leaks into the engine.
import type { VirtualIpAddress, VirtualRoute, VirtualRule } from '../config/model/vrrp.js';

export interface LinkInfo {
  readonly name: string;
  readonly index: number;
  /** IFF_UP and IFF_RUNNING (carrier): what track_interface and the instance interface follow. */
  readonly up: boolean;
  /** 6-byte hardware address (GARP/NA source). */
  readonly mac: Uint8Array;
  readonly mtu: number;
}

export interface InterfaceAddress {
  readonly family: 4 | 6;
  /** Canonical text. */
  readonly address: string;
  readonly prefixLen: number;
  readonly ifindex: number;
  /** IFA_F_SECONDARY etc. are not needed; scope decides the primary address choice. */
  readonly scope: number;
  readonly label?: string;
}

export type LinkEvent = { kind: 'link'; link: LinkInfo } | { kind: 'link-removed'; name: string; index: number };
export type AddressEvent = { kind: 'address-added' | 'address-removed'; address: InterfaceAddress };

/** rtnetlink: links, addresses (VIPs), routes and rules, and the events that feed tracking. */
export interface AddressPort {
  link(name: string): Promise<LinkInfo | undefined>;
  links(): Promise<LinkInfo[]>;
  addresses(ifindex?: number): Promise<InterfaceAddress[]>;
  /** Adds a VIP as `ip addr add` would (prefix, dev, brd, scope, label, peer, IPv6 flags and preferred_lft). EEXIST is success. */
  addAddress(vip: VirtualIpAddress): Promise<void>;
  /** Removes a VIP; ENOENT / EADDRNOTAVAIL is success. */
  delAddress(vip: VirtualIpAddress): Promise<void>;
  addRoute(route: VirtualRoute): Promise<void>;
  delRoute(route: VirtualRoute): Promise<void>;
  addRule(rule: VirtualRule): Promise<void>;
  delRule(rule: VirtualRule): Promise<void>;
  /** Link and address changes as they happen (RTNLGRP_LINK, RTNLGRP_IPV4_IFADDR, RTNLGRP_IPV6_IFADDR). */
  subscribe(handler: (e: LinkEvent | AddressEvent) => void): void;
  close(): void;
}

export interface ReceivedPacket {
  /** The VRRP message (IPv4: the IP header removed). */
  readonly payload: Uint8Array;
  readonly family: 4 | 6;
  readonly src: string;
  readonly dst: string;
  readonly ifindex: number;
  /** TTL (IPv4) or hop limit (IPv6) as received. */
  readonly ttl: number;
}

/** One raw socket for IP protocol 112 on one interface and family. */
export interface VrrpSocket {
  join(group: string, ifindex: number): void;
  leave(group: string, ifindex: number): void;
  send(payload: Uint8Array, to: string, opts: { src?: string; ifindex: number; ttl?: number }): void;
  onPacket(handler: (p: ReceivedPacket) => void): void;
  close(): void;
}

/** Whole Ethernet frames out of an interface: gratuitous ARP and unsolicited neighbour adverts. */
export interface FrameSender {
  send(ifindex: number, frame: Uint8Array): void;
  close(): void;
}

export interface PacketPort {
  openVrrpSocket(family: 4 | 6, opts: { device?: string }): VrrpSocket;
  openFrameSender(): FrameSender;
}
