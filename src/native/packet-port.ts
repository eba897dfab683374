// The VRRP engine's PacketPort over the native addon: one raw protocol-112 socket per interface and family
// (TTL/hop limit 255, multicast loop off, IPv6 checksum by the kernel) and one AF_PACKET socket for GARP/NA.
import type { FrameSender, PacketPort, ReceivedPacket, VrrpSocket } from '../vrrp/ports.js';
import { PacketSocket, RawSocket } from './raw-socket.js';

export interface NativePacketPortOptions {
  /** Open the sockets in this network namespace (default: the process's own). */
  netns?: string;
  /** Receive errors (the socket keeps going). */
  onError?: (err: Error) => void;
}

const DEFAULT_TTL = 255;

export class NativePacketPort implements PacketPort {
  constructor(private readonly opts: NativePacketPortOptions = {}) {}

  openVrrpSocket(family: 4 | 6, opts: { device?: string }): VrrpSocket {
    let handler: ((p: ReceivedPacket) => void) | undefined;
    const onError = this.opts.onError ?? (() => undefined);
    const socket = RawSocket.open({
      family,
      device: opts.device,
      netns: this.opts.netns,
      ttl: DEFAULT_TTL,
      onError,
      onPacket: (p) => handler?.({ payload: p.data, family, src: p.src, dst: p.dst, ifindex: p.ifindex, ttl: p.ttl }),
    });
    let ttl = DEFAULT_TTL;
    return {
      join: (group, ifindex) => socket.joinGroup(group, ifindex),
      leave: (group, ifindex) => socket.leaveGroup(group, ifindex),
      send(payload, to, o) {
        // unicast_ttl may differ from the multicast 255; the socket keeps whatever was set last
        if (o.ttl !== undefined && o.ttl !== ttl) {
          socket.setTtl(o.ttl);
          ttl = o.ttl;
        }
        socket.send(payload, { dst: to, src: o.src, ifindex: o.ifindex });
      },
      onPacket(h) {
        handler = h;
      },
      close: () => socket.close(),
    };
  }

  openFrameSender(): FrameSender {
    const socket = PacketSocket.open({ netns: this.opts.netns });
    return {
      send: (ifindex, frame) => void socket.send(frame, ifindex),
      close: () => socket.close(),
    };
  }
}
