// TCP_CHECK (keepalived check_tcp.c): success when the TCP connect completes within connect_timeout;
// the socket is closed at once. keepalived names the real server (FMT_CHK), not the connect target,
// in its lines:
//   TCP connection to [ip]:tcp:port success.   (on the way up)
//   TCP connection to [ip]:tcp:port timeout.   (log_all_failures)
//   TCP connection to [ip]:tcp:port failed.    (log_all_failures)
// A local error (bind failure, unusable address) is reason 'bind': keepalived logs
// "TCP socket bind failed. Rescheduling." and tries again after delay_loop without counting a failure.
import type { TcpCheck } from '../../config/model/lvs.js';
import type { ProbeContext, ProbeResult } from '../probe.js';
import { openConnection } from './connect.js';

export async function probeTcp(check: TcpCheck, ctx: ProbeContext): Promise<ProbeResult> {
  const r = await openConnection({ connection: check.connection, signal: ctx.signal, timeoutMs: check.connection.connectTimeout * 1000 });
  if (r.ok) {
    r.conn.close();
    return { ok: true, message: `TCP connection to ${ctx.rsKey} success.` };
  }
  switch (r.failure.kind) {
    case 'timeout':
    case 'aborted':
      return { ok: false, reason: 'timeout', message: `TCP connection to ${ctx.rsKey} timeout.` };
    case 'local-error':
      return { ok: false, reason: 'bind', message: 'TCP socket bind failed. Rescheduling.' };
    default:
      return { ok: false, reason: 'refused', message: `TCP connection to ${ctx.rsKey} failed.` };
  }
}
