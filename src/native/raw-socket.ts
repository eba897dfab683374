// Typed wrapper around the raw_socket addon (src/native/raw_socket.c): raw IP sockets for VRRP adverts and
// AF_PACKET sockets for whole Ethernet frames. Sockets are set up the way keepalived sets up its own:
// TTL/hop limit 255, TOS/traffic class 0xc0, multicast loop off, only joined groups delivered.
import { loadAddon } from './addon.js';

/** What the addon exports; the wrapper classes below are the only callers. */
interface Addon {
  openRaw(
    family: 4 | 6,
    protocol: number,
    device: string | null,
    ttl: number,
    checksumOffset: number,
    netns: string | null,
    onPacket: NativeOnPacket,
  ): object;
  openPacket(netns: string | null): object;
  send(sock: object, data: Uint8Array, dst: string, src: string | null, ifindex: number): number;
  send(sock: object, frame: Uint8Array, ifindex: number): number;
  membership(sock: object, join: boolean, group: string, ifindex: number): void;
  setTtl(sock: object, ttl: number): void;
  bind(sock: object, address: string, ifindex: number): void;
  close(sock: object): void;
}

type NativeOnPacket = (
  err: Error | null,
  packet?: Buffer,
  headerLength?: number,
  src?: string,
  dst?: string,
  ifindex?: number,
  ttl?: number,
  tos?: number,
) => void;

const load = () => loadAddon<Addon>();

/** VRRP's IP protocol number (RFC 5798 §5.1.1.4). */
export const IPPROTO_VRRP = 112;
/** IP protocol of an AH-authenticated VRRPv2 advert (keepalived's `auth_type AH`). */
export const IPPROTO_AH = 51;
/** Byte offset of the checksum inside a VRRP packet; over IPv6 the kernel fills it in there. */
export const VRRP_CHECKSUM_OFFSET = 6;

/** One packet as received. */
export interface RawPacket {
  /** Bytes after the IP header: the VRRP packet (or AH header and VRRP packet). */
  data: Buffer;
  /** IPv4 only: the IP header exactly as received (AH authenticates parts of it; lengths are checked against it). */
  ipHeader?: Buffer;
  src: string;
  dst: string;
  /** Interface the packet arrived on (IP_PKTINFO / IPV6_PKTINFO). */
  ifindex: number;
  /** TTL (IPv4, from the header) or hop limit (IPv6, IPV6_HOPLIMIT). */
  ttl: number;
  /** TOS byte (IPv4) or traffic class (IPv6). */
  tos: number;
}

export interface RawSocketOptions {
  family: 4 | 6;
  /** Default 112 (VRRP). */
  protocol?: number;
  /** SO_BINDTODEVICE: only packets arriving on this interface are received, and sends leave through it. */
  device?: string;
  /** TTL / hop limit of sent packets, unicast and multicast. Default 255, as RFC 5798 §5.1.1.3 requires. */
  ttl?: number;
  /**
   * IPv6 only: where the kernel writes (and on receive verifies) the checksum, pseudo-header included.
   * Default 6 for VRRP over IPv6, as keepalived does; null for none. IPv4 checksums are the codec's job.
   */
  checksumOffset?: number | null;
  /** Network namespace to open the socket in: a name under /run/netns or a path. Default: the process's own. */
  netns?: string;
  onPacket: (packet: RawPacket) => void;
  /** Receive errors; without a handler they are thrown (as uncaught exceptions). */
  onError?: (err: Error) => void;
}

export interface SendOptions {
  /** Destination: 224.0.0.18 / ff02::12 or a unicast peer. */
  dst: string;
  /** Source address (IP_PKTINFO / IPV6_PKTINFO); default: chosen by the kernel. */
  src?: string;
  /** Output interface (and the scope of a link-local destination). */
  ifindex?: number;
}

function netnsPath(netns: string | undefined): string | null {
  if (netns === undefined) return null;
  return netns.includes('/') ? netns : `/run/netns/${netns}`;
}

/** A raw IP socket for one protocol and family; receiving starts at once and runs until close(). */
export class RawSocket {
  readonly family: 4 | 6;
  #handle: object | null;

  private constructor(family: 4 | 6, handle: object) {
    this.family = family;
    this.#handle = handle;
  }

  static open(options: RawSocketOptions): RawSocket {
    const { family, onPacket, onError } = options;
    const protocol = options.protocol ?? IPPROTO_VRRP;
    const defaultOffset = family === 6 && protocol === IPPROTO_VRRP ? VRRP_CHECKSUM_OFFSET : -1;
    const offset = options.checksumOffset === undefined ? defaultOffset : (options.checksumOffset ?? -1);
    const native: NativeOnPacket = (err, packet, headerLength, src, dst, ifindex, ttl, tos) => {
      if (err) {
        if (onError) return onError(err);
        throw err;
      }
      const hl = headerLength!;
      onPacket({
        data: hl > 0 ? packet!.subarray(hl) : packet!,
        ...(hl > 0 ? { ipHeader: packet!.subarray(0, hl) } : {}),
        src: src!,
        dst: dst!,
        ifindex: ifindex!,
        ttl: ttl!,
        tos: tos!,
      });
    };
    const handle = load().openRaw(
      family,
      protocol,
      options.device ?? null,
      options.ttl ?? 255,
      offset,
      netnsPath(options.netns),
      native,
    );
    return new RawSocket(family, handle);
  }

  get closed(): boolean {
    return this.#handle === null;
  }

  /** Sends one packet; returns the bytes sent. IPv4: `data` is what follows the IP header, which the kernel builds. */
  send(data: Uint8Array, options: SendOptions): number {
    return load().send(this.#open(), data, options.dst, options.src ?? null, options.ifindex ?? 0);
  }

  /** Joins a multicast group on one interface (224.0.0.18 or ff02::12 for VRRP). */
  joinGroup(group: string, ifindex: number): void {
    load().membership(this.#open(), true, group, ifindex);
  }

  leaveGroup(group: string, ifindex: number): void {
    load().membership(this.#open(), false, group, ifindex);
  }

  /** TTL / hop limit of what this socket sends from now on (unicast and multicast alike). */
  setTtl(ttl: number): void {
    load().setTtl(this.#open(), ttl);
  }

  /**
   * Binds the receiving side to an address: keepalived binds to the VRRP group in multicast mode (no unicast
   * adverts get in) and to its unicast source in unicast mode. `ifindex` scopes a link-local IPv6 address.
   */
  bind(address: string, ifindex = 0): void {
    load().bind(this.#open(), address, ifindex);
  }

  /** Stops receiving and closes the descriptor; no packet is delivered after this returns. Idempotent. */
  close(): void {
    if (this.#handle === null) return;
    load().close(this.#handle);
    this.#handle = null;
  }

  #open(): object {
    if (this.#handle === null) throw Object.assign(new Error('socket is closed'), { code: 'EBADF' });
    return this.#handle;
  }
}

/**
 * An AF_PACKET socket that sends whole Ethernet frames (built by the caller) and receives nothing. Keep one
 * open: closing a packet socket waits for an RCU grace period in the kernel (about 15 ms measured here).
 */
export class PacketSocket {
  #handle: object | null;

  private constructor(handle: object) {
    this.#handle = handle;
  }

  static open(options: { netns?: string } = {}): PacketSocket {
    return new PacketSocket(load().openPacket(netnsPath(options.netns)));
  }

  get closed(): boolean {
    return this.#handle === null;
  }

  /** Sends `frame` (destination MAC first, at least 14 bytes) out of interface `ifindex`; returns the bytes sent. */
  send(frame: Uint8Array, ifindex: number): number {
    if (this.#handle === null) throw Object.assign(new Error('socket is closed'), { code: 'EBADF' });
    return load().send(this.#handle, frame, ifindex);
  }

  close(): void {
    if (this.#handle === null) return;
    load().close(this.#handle);
    this.#handle = null;
  }
}
