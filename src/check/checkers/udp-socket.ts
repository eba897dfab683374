// A connected UDP socket for UDP_CHECK and DNS_CHECK: bound to bindto[:bind_port] when configured,
// connected to connect_ip:connect_port, so the kernel filters replies to that peer and reports ICMP
// errors for it as socket errors (Node emits them as 'error' events with syscall 'recvmsg').
//
// keepalived's UDP_CHECK also sets IP_RECVERR / IPV6_RECVERR. Without it Linux reports only "hard" ICMP
// errors (port/protocol unreachable, administratively prohibited, ...) on a connected socket, not
// host/net unreachable — and a real server that stops answering ARP on the local link produces exactly a
// host unreachable. Node has no setsockopt, but libuv sets IP(V6)_RECVERR when uv_udp_bind gets its
// UV_UDP_LINUX_RECVERR flag, and Node passes dgram's bind flags straight to the handle: `recvErr` adds that
// flag to the handle's bind. Without it (a future Node that hides the handle) only hard errors count.
// The socket must be closed on the first error: with RECVERR the error queue keeps EPOLLERR raised and
// libuv would spin on it.
import { createSocket, type Socket } from 'node:dgram';
import { isLinkLocal6 } from '../../lib/ip.js';
import type { ConnectionOptions } from '../../config/model/lvs.js';

/** libuv's UV_UDP_LINUX_RECVERR (uv.h). */
const UV_UDP_LINUX_RECVERR = 32;

/** Where setting up the socket failed. */
export class UdpSetupError extends Error {
  constructor(readonly stage: 'bind' | 'connect', readonly error: NodeJS.ErrnoException) {
    super(`${stage}: ${error.message}`);
  }
}

/** An address as dgram takes it: link-local IPv6 carries its interface (bind_if) as the zone. */
function withZone(text: string, ll: boolean, bindIf: string | undefined): string {
  return ll && bindIf ? `${text}%${bindIf}` : text;
}

/** Makes libuv set IP(V6)_RECVERR when the socket is bound; false when Node's internals are not as expected. */
function requestRecvErr(socket: Socket): boolean {
  const sym = Object.getOwnPropertySymbols(socket).find((s) => s.description === 'state symbol');
  const handle = sym ? (socket as unknown as Record<symbol, { handle?: { bind?: (...a: unknown[]) => number } }>)[sym]?.handle : undefined;
  const bind = handle?.bind;
  if (!handle || typeof bind !== 'function') return false;
  handle.bind = function (this: unknown, ip: unknown, port: unknown, flags: unknown) {
    return bind.call(this, ip, port, (typeof flags === 'number' ? flags : 0) | UV_UDP_LINUX_RECVERR);
  };
  return true;
}

/**
 * Opens the socket and connects it. Rejects with a UdpSetupError, or with signal.reason when aborted
 * first (the socket is closed then).
 */
export function openConnectedUdp(co: ConnectionOptions, opts: { recvErr: boolean; signal: AbortSignal }): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = createSocket({ type: co.connectIp.family === 6 ? 'udp6' : 'udp4' });
    if (opts.recvErr) requestRecvErr(socket);
    let stage: 'bind' | 'connect' = co.bindto ? 'bind' : 'connect';
    const finish = (err?: unknown) => {
      socket.off('error', onError);
      opts.signal.removeEventListener('abort', onAbort);
      if (err === undefined) return resolve(socket);
      try { socket.close(); } catch { /* not running */ }
      reject(err);
    };
    const onError = (e: NodeJS.ErrnoException) => finish(new UdpSetupError(stage, e));
    const onAbort = () => finish(opts.signal.reason);
    socket.on('error', onError);
    opts.signal.addEventListener('abort', onAbort, { once: true });
    if (opts.signal.aborted) return onAbort();
    const connect = () => {
      stage = 'connect';
      try {
        socket.connect(co.connectPort, withZone(co.connectIp.text, isLinkLocal6(co.connectIp), co.bindIf), () => finish());
      } catch (e) {
        // dgram refuses some arguments synchronously (port 0, ...)
        finish(new UdpSetupError('connect', e as NodeJS.ErrnoException));
      }
    };
    if (co.bindto) {
      const address = withZone(co.bindto.text, isLinkLocal6(co.bindto), co.bindIf);
      try {
        socket.bind({ address, port: co.bindPort, exclusive: true }, connect);
      } catch (e) {
        finish(new UdpSetupError('bind', e as NodeJS.ErrnoException));
      }
    } else connect();
  });
}

/** glibc's strerror text for the errors a connected UDP socket reports (keepalived logs these). */
const STRERROR: Record<string, [number, string]> = {
  ECONNREFUSED: [111, 'Connection refused'],
  EHOSTUNREACH: [113, 'No route to host'],
  ENETUNREACH: [101, 'Network is unreachable'],
  EHOSTDOWN: [112, 'Host is down'],
  ENOPROTOOPT: [92, 'Protocol not available'],
  EMSGSIZE: [90, 'Message too long'],
  EOPNOTSUPP: [95, 'Operation not supported'],
  EACCES: [13, 'Permission denied'],
  EPROTO: [71, 'Protocol error'],
  ENONET: [64, 'Machine is not on the network'],
};

/** `errno N (text)` the way keepalived prints a failed call. */
export function errnoText(e: NodeJS.ErrnoException): string {
  const known = e.code !== undefined ? STRERROR[e.code] : undefined;
  if (known) return `errno ${known[0]} (${known[1]})`;
  return `errno ${Math.abs(e.errno ?? 0)} (${e.code ?? e.message})`;
}

/** Closes a probe's socket for good: no listener left, and an 'error' raised while closing is not uncaught. */
export function closeQuietly(socket: Socket | undefined): void {
  if (!socket) return;
  socket.removeAllListeners();
  socket.on('error', () => {});
  try { socket.close(); } catch { /* already closed */ }
}
