// One datagram to an AF_UNIX SOCK_DGRAM socket — Node's dgram has no unix family. systemd's notify socket
// (sd_notify) is such a socket. Sent by a ~25-line function in our own addon (raw_socket.c) rather than a
// package: the maintained one (unix-dgram) copies the path with strncpy, so it cannot reach abstract
// sockets ("@name"), which NOTIFY_SOCKET may name; and `systemd-notify` needs NotifyAccess=all plus a process
// per message. See src/core/sd-notify.ts.
import { loadAddon } from './addon.js';

interface Addon {
  sendUnixDatagram(address: Buffer, data: Buffer): void;
}

const load = () => loadAddon<Addon>();

/** sun_path bytes for a socket name: a filesystem path, or `@name` for Linux's abstract namespace. */
export function unixAddress(name: string): Buffer {
  return name.startsWith('@') ? Buffer.concat([Buffer.from([0]), Buffer.from(name.slice(1))]) : Buffer.from(name);
}

/**
 * Sends `data` as one datagram to the socket `name` (path or `@abstract`). Never blocks; throws a Node-style
 * system error (code ENOENT, ECONNREFUSED, EAGAIN, …) when the datagram cannot be sent.
 */
export function sendUnixDatagram(name: string, data: Buffer | string): void {
  load().sendUnixDatagram(unixAddress(name), typeof data === 'string' ? Buffer.from(data) : data);
}
