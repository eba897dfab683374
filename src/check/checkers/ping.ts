// PING_CHECK, as keepalived 2.2.7's check_ping.c: one ICMP / ICMPv6 echo request to connect_ip; an echo
// reply within connect_timeout is success. keepalived uses an unbound ping socket, which only ever sees
// the replies (an unreachable host shows up as the timeout); the port may also report an ICMP error for
// our request, which ends the wait early with keepalived's "failed" wording. Unlike keepalived,
// bindto and bind_if are passed on as the source address and the output interface (keepalived 2.2.7
// ignores them for PING_CHECK; bind_if is needed to reach a link-local IPv6 address).
import type { PingCheck } from '../../config/model/lvs.js';
import type { ProbeContext, ProbeResult } from '../probe.js';
import { untilAborted } from './abort.js';

export async function probePing(check: PingCheck, ctx: ProbeContext): Promise<ProbeResult> {
  const co = check.connection;
  const echo = Promise.resolve()
    .then(() => ctx.ports.icmpEcho(co.connectIp.text, co.connectIp.family, {
      ...(co.bindto ? { source: co.bindto.text } : {}),
      ...(co.bindIf ? { device: co.bindIf } : {}),
      signal: ctx.signal,
    }))
    .catch(() => false);
  const answered = await untilAborted(echo, ctx.signal, () => false);
  if (answered) return { ok: true, message: `ICMP connection to ${ctx.rsKey} success.` };
  if (ctx.signal.aborted) return { ok: false, reason: 'timeout', message: `ICMP connection to address ${ctx.rsKey} timeout.` };
  return { ok: false, reason: 'failed', message: `ICMP connection to ${ctx.rsKey} of ${ctx.vsKey} failed.` };
}
