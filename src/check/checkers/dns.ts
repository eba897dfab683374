// DNS_CHECK, as keepalived 2.2.7's check_dns.c: one query (type, name; RD set; random id) over a
// connected UDP socket; replies with another id, or that are queries, are skipped; the first answer
// passes when its RCODE is 0. keepalived sets no IP_RECVERR here, so only hard ICMP errors (port
// unreachable, ...) end the wait early. Messages are keepalived's detail texts behind `DNS_CHECK (rs) `;
// keepalived logs nothing on success. (bind_if's SO_BINDTODEVICE and fwmark's SO_MARK cannot be set on
// a Node socket: bind_if only scopes link-local addresses here.)
import { randomInt } from 'node:crypto';
import type { Socket } from 'node:dgram';
import type { DnsCheck } from '../../config/model/lvs.js';
import type { ProbeContext, ProbeResult } from '../probe.js';
import { buildDnsQuery, judgeDnsResponse } from './dns-packet.js';
import { closeQuietly, errnoText, openConnectedUdp, UdpSetupError } from './udp-socket.js';

/** The connect() errors keepalived calls a failure to connect (connect_fail) rather than a failure to run. */
const CONNECT_FAIL = new Set(['ENETUNREACH', 'EHOSTUNREACH', 'ECONNREFUSED', 'EHOSTDOWN', 'ENETDOWN', 'ECONNRESET', 'ECONNABORTED', 'ETIMEDOUT']);

export function probeDns(check: DnsCheck, ctx: ProbeContext, randomId: () => number = () => randomInt(0x10000)): Promise<ProbeResult> {
  const failed = (reason: string, detail: string): ProbeResult => ({ ok: false, reason, message: `DNS_CHECK (${ctx.rsKey}) ${detail}` });
  const co = check.connection;
  const id = randomId() & 0xffff;
  const query = buildDnsQuery(check.name, check.type, id);

  return new Promise((resolve) => {
    let socket: Socket | undefined;
    let settled = false;
    const settle = (r: ProbeResult) => {
      if (settled) return;
      settled = true;
      ctx.signal.removeEventListener('abort', onDeadline);
      closeQuietly(socket);
      resolve(r);
    };
    const onDeadline = () => settle(failed('timeout', 'read timeout from socket'));

    openConnectedUdp(co, { recvErr: false, signal: ctx.signal }).then(
      (s) => {
        socket = s;
        s.on('error', (e: NodeJS.ErrnoException) =>
          settle(failed(e.code === 'ECONNREFUSED' ? 'refused' : 'unreachable', `failed to read socket; ${errnoText(e)}`)));
        s.on('message', (reply: Buffer) => {
          const v = judgeDnsResponse(id, reply);
          if (v.kind === 'error') settle(failed('rcode', `read error occurred. (rcode = ${v.rcode})`));
          else if (v.kind === 'ok') settle({ ok: true });
          // 'ignore': keep waiting for our answer until the deadline
        });
        ctx.signal.addEventListener('abort', onDeadline, { once: true });
        if (ctx.signal.aborted) return onDeadline();
        s.send(query, (err) => {
          if (err) settle(failed('send', 'failed to write socket.'));
        });
      },
      (err: unknown) => {
        if (!(err instanceof UdpSetupError)) return onDeadline();
        if (err.stage === 'connect' && CONNECT_FAIL.has(err.error.code ?? '')) {
          settle(failed('unreachable', `network unreachable for [${co.connectIp.text}]:${co.connectPort}`));
        } else {
          // keepalived reschedules without a verdict here; a probe must give one
          settle(failed(err.stage, 'UDP socket bind failed. Rescheduling.'));
        }
      },
    );
  });
}
