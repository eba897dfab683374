// A netlink datagram socket as the clients need it (IPVS over generic netlink, rtnetlink requests and
// events), and the real one from the `netlink` package. Tests pass fakes of the interface.
import { RawNetlinkSocket } from './netlink-package.js';

export interface NetlinkChannel {
  /** Our netlink port id (nlmsg_pid). */
  readonly port: number;
  send(bytes: Uint8Array, done: (err?: Error) => void): void;
  onDatagram(handler: (bytes: Uint8Array) => void): void;
  onError(handler: (err: Error & { code?: string }) => void): void;
  /** Keep the event loop alive (true while requests are outstanding). */
  hold(on: boolean): void;
  close(): void;
}

export interface NetlinkChannelOptions {
  /** Multicast groups to join (rtnetlink events: RTNLGRP_*). */
  readonly groups?: readonly number[];
  /** SO_RCVBUF in bytes (the kernel caps it at net.core.rmem_max); default 1 MiB. */
  readonly recvBufferSize?: number;
}

/** A socket of `protocol` (Protocol.GENERIC, Protocol.ROUTE) from the `netlink` package. */
export function openNetlinkChannel(protocol: number, opts: NetlinkChannelOptions = {}): NetlinkChannel {
  const sock = new RawNetlinkSocket(protocol, { recvBufferSize: opts.recvBufferSize ?? 1 << 20, sendBufferSize: 1 << 20 });
  sock.unref();
  // `closed`: closed for us, from close() on. `gone`: the package's socket is closed (it throws from
  // ref/unref then), which close() brings about one turn later.
  let closed = false;
  let gone = false;
  sock.on('close', () => (gone = closed = true));
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
    send: (bytes, done) => {
      if (closed) throw new Error('Netlink socket is closed'); // the package's own words for it
      sock.send(bytes, {}, (err) => done(err));
    },
    onDatagram: (h) => void sock.on('message', (msg) => closed || h(msg)),
    onError: (h) => void errorHandlers.push(h),
    hold: (on) => {
      if (!closed) on ? sock.ref() : sock.unref();
    },
    close: () => {
      if (closed) return;
      closed = true;
      // Not now: close() is mostly called from inside one of the package's native callbacks (an error,
      // a datagram, a send's completion, or a promise they settle), and the native code can go on after
      // the callback with the poll watcher that closing has freed, which takes the process down.
      setImmediate(() => gone || sock.close());
    },
  };
}
