// SMTP_CHECK (keepalived check_smtp.c): connect, expect a 220 greeting, send `HELO <helo_name>\r\n`,
// expect 250, send `QUIT\r\n`, wait for any reply line (a close instead fails), done. Every step has
// its own connect_timeout timer, as keepalived's read/write threads do.
//
// Failure lines are keepalived's, "SMTP_CHECK " + text naming the connect target as [ip]:port
// (keepalived logs them when log_all_failures is set and also on the attempt that exhausts the
// retries). The success line names the real server.
import type { SmtpCheck } from '../../config/model/lvs.js';
import type { ProbeContext, ProbeResult } from '../probe.js';
import { openConnection } from './connect.js';
import { SmtpLineBuffer, smtpStatus } from './smtp-reply.js';

/** `notices`: buffer-overflow lines keepalived logs whatever the outcome. */
export type SmtpProbeResult = ProbeResult & { notices: string[] };

export async function probeSmtp(check: SmtpCheck, ctx: ProbeContext): Promise<SmtpProbeResult> {
  const co = check.connection;
  // inet_sockaddrtopair
  const target = `[${co.connectIp.text}]:${co.connectPort}`;
  const notices: string[] = [];
  const fail = (reason: string, text: string): SmtpProbeResult => ({ ok: false, reason, message: `SMTP_CHECK ${text}`, notices });
  const timeoutMs = co.connectTimeout * 1000;

  const opened = await openConnection({ connection: co, signal: ctx.signal, timeoutMs });
  if (!opened.ok) {
    switch (opened.failure.kind) {
      case 'timeout':
      case 'aborted':
        return fail('timeout', `Connection timeout to server ${target}`);
      case 'failed':
        return opened.failure.immediate
          ? fail('refused', `Network unreachable for server ${co.connectIp.text} - real server ${rsPair(ctx.rsKey)}`)
          : fail('refused', `Could not connect to server ${target}`);
      default:
        return { ok: false, reason: 'bind', message: 'SMTP_CHECK socket bind failed. Rescheduling.', notices };
    }
  }
  const conn = opened.conn;
  const lines = new SmtpLineBuffer();
  const overflowNotices = (): void => {
    for (; lines.overflows > 0; lines.overflows--) {
      notices.push(`SMTP_CHECK Buffer overflow reading from server ${target}. Increase SMTP_BUFF_MAX in check_smtp.h`);
    }
  };
  /** smtp_get_line: a reply line, or the failure to report. */
  const getLine = async (): Promise<{ line: string } | { failure: SmtpProbeResult }> => {
    lines.expectLine();
    let line = lines.drain();
    while (line === undefined) {
      const ev = await conn.read(timeoutMs);
      if (ev.kind === 'timeout' || ev.kind === 'aborted') return { failure: fail('timeout', `Read timeout from server ${target}`) };
      if (ev.kind !== 'data') return { failure: fail('read', `Read failure from server ${target}`) };
      line = lines.push(ev.chunk);
      overflowNotices();
    }
    return { line };
  };
  const putLine = async (text: string): Promise<SmtpProbeResult | undefined> => {
    const w = await conn.write(text, timeoutMs);
    if (w.ok) return undefined;
    return w.code === 'timeout' || w.code === 'aborted' ? fail('timeout', `Write timeout to server ${target}`) : fail('write', `Write failure to server ${target}`);
  };

  try {
    let r = await getLine();
    if ('failure' in r) return r.failure;
    if (smtpStatus(r.line) !== 220) return fail('banner', `Bad greeting banner from server ${target}`);
    const helo = await putLine(`HELO ${check.heloName}\r\n`);
    if (helo) return helo;
    r = await getLine();
    if ('failure' in r) return r.failure;
    if (smtpStatus(r.line) !== 250) return fail('helo', `Bad HELO response from server ${target}`);
    const quit = await putLine('QUIT\r\n');
    if (quit) return quit;
    r = await getLine();
    if ('failure' in r) return r.failure;
    return { ok: true, message: `Remote SMTP server ${ctx.rsKey} succeed on service.`, notices };
  } finally {
    conn.close();
  }
}

/** The real server as `[ip]:port`, from its `[ip]:proto:port` key. */
function rsPair(rsKey: string): string {
  const m = /^(\[.*\]):[^:]*:(\d+)$/.exec(rsKey);
  return m ? `${m[1]}:${m[2]}` : rsKey;
}
