// One datagram to an AF_UNIX SOCK_DGRAM socket — Node's dgram has no unix family. systemd's notify socket
// (sd_notify) is such a socket. Sent by a ~25-line function in our own addon (raw_socket.c) rather than a
// package: the maintained one (unix-dgram) copies the path with strncpy, so it cannot reach abstract
// sockets ("@name"), which NOTIFY_SOCKET may name; and `systemd-notify` needs NotifyAccess=all plus a process
// per message. See src/core/sd-notify.ts.
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

interface Addon {
  sendUnixDatagram(address: Buffer, data: Buffer): void;
}

let addon: Addon | undefined;

function load(): Addon {
  if (addon) return addon;
  // dist/src/native/ -> repo root, where node-gyp leaves build/Release (the same module raw-socket.ts loads).
  const path = fileURLToPath(new URL('../../../build/Release/raw_socket.node', import.meta.url));
  try {
    addon = createRequire(import.meta.url)(path) as Addon;
  } catch (e) {
    throw new Error(`cannot load the native addon at ${path} (run \`npm ci\` or \`npx node-gyp rebuild\`): ${(e as Error).message}`);
  }
  return addon;
}

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
