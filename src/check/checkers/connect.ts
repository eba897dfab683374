// Opening a checker's TCP (or TLS) connection per its ConnectionOptions, the way keepalived's
// layer4.c socket_bind_connect/socket_state classify the outcome:
//   connect_success  → { ok: true }
//   connect_timeout  → 'timeout' (the deadline passed, or the kernel gave up with ETIMEDOUT)
//   connect_fail     → 'failed' (refused, unreachable, reset...). keepalived words it differently
//                      when connect() itself failed at once ("network unreachable") rather than
//                      later; Node reports both the same way, so `immediate` is a guess from the
//                      errno: ENETUNREACH/ENETDOWN come from the route lookup inside connect().
//   connect_error    → 'local-error' (bind failure, bad address...): keepalived logs
//                      "... socket bind failed. Rescheduling." and counts no failure.
// Source selection: bindto → localAddress, bind_port → localPort; an IPv6 link-local target or
// source takes bind_if as its scope id.
// Not settable from Node's net module (known gaps, nothing is logged for them):
//   - fwmark (SO_MARK on the check socket);
//   - bind_if for a non-link-local address (SO_BINDTODEVICE);
//   - keepalived's SO_LINGER of 5 s on check sockets.
import net from 'node:net';
import tls from 'node:tls';
import type { ConnectionOptions } from '../../config/model/lvs.js';
import { isLinkLocal6, type IpAddress } from '../../lib/ip.js';
import { SocketReader, errCode } from './socket-reader.js';

export type ConnectFailure =
  | { kind: 'timeout' }
  | { kind: 'aborted' }
  | { kind: 'failed'; code: string; immediate: boolean }
  | { kind: 'local-error'; code: string }
  | { kind: 'tls-error'; code: string };

export type ConnectResult = { ok: true; conn: SocketReader } | { ok: false; failure: ConnectFailure };

export interface ConnectRequest {
  connection: ConnectionOptions;
  /** The probe's transaction signal (the scheduler's deadline). */
  signal: AbortSignal;
  /** This connect's own deadline (keepalived: connect_timeout), TLS handshake included. */
  timeoutMs: number;
  /** Set for SSL_GET: the TLS options of the handshake made after the TCP connect. */
  tls?: tls.ConnectionOptions;
}

/** errnos keepalived's socket_bind_connect treats as "failed to connect" rather than a local error. */
const CONNECT_FAIL = new Set(['ENETUNREACH', 'EHOSTUNREACH', 'ECONNREFUSED', 'EHOSTDOWN', 'ENETDOWN', 'ECONNRESET', 'ECONNABORTED', 'EPIPE']);
const IMMEDIATE = new Set(['ENETUNREACH', 'ENETDOWN']);

/** The host string Node needs for an address, with the scope id for IPv6 link-local. */
export function socketHost(ip: IpAddress, bindIf: string | undefined): string {
  return isLinkLocal6(ip) && bindIf ? `${ip.text}%${bindIf}` : ip.text;
}

export function openConnection(req: ConnectRequest): Promise<ConnectResult> {
  const { connection: co, signal } = req;
  return new Promise<ConnectResult>((resolve) => {
    if (signal.aborted) return resolve({ ok: false, failure: { kind: 'aborted' } });
    let settled = false;
    let socket: net.Socket | undefined;
    let secure: tls.TLSSocket | undefined;
    const finish = (r: ConnectResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      if (!r.ok) {
        secure?.destroy();
        socket?.destroy();
      }
      resolve(r);
    };
    const onAbort = (): void => finish({ ok: false, failure: { kind: 'aborted' } });
    const timer = setTimeout(() => finish({ ok: false, failure: { kind: 'timeout' } }), Math.max(0, req.timeoutMs));
    signal.addEventListener('abort', onAbort, { once: true });

    const opts: net.TcpNetConnectOpts = { host: socketHost(co.connectIp, co.bindIf), port: co.connectPort };
    if (co.bindto) opts.localAddress = socketHost(co.bindto, co.bindIf);
    if (co.bindPort) opts.localPort = co.bindPort;
    try {
      socket = net.connect(opts);
    } catch (e) {
      return finish({ ok: false, failure: { kind: 'local-error', code: errCode(e) } });
    }
    const raw = socket;
    raw.on('error', (e) => {
      if (secure) return; // the TLS layer reports it
      const code = errCode(e);
      if (code === 'ETIMEDOUT') finish({ ok: false, failure: { kind: 'timeout' } });
      else if (CONNECT_FAIL.has(code)) finish({ ok: false, failure: { kind: 'failed', code, immediate: IMMEDIATE.has(code) } });
      else finish({ ok: false, failure: { kind: 'local-error', code } });
    });
    raw.once('connect', () => {
      if (settled) return;
      if (!req.tls) return finish({ ok: true, conn: new SocketReader(raw, signal) });
      const s = tls.connect({ ...req.tls, socket: raw });
      secure = s;
      s.on('error', (e) => finish({ ok: false, failure: { kind: 'tls-error', code: errCode(e) } }));
      s.once('secureConnect', () => {
        if (!settled) finish({ ok: true, conn: new SocketReader(s, signal) });
      });
    });
  });
}
