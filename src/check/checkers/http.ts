// HTTP_GET and SSL_GET (keepalived check_http.c, check_ssl.c). Each url is one connection:
// connect (+ TLS handshake), send keepalived's GET request, read until the server closes, judge.
//
// Timers follow keepalived's threads, each connect_timeout long:
//   connect (SSL: connect + handshake together)           → "Timeout connecting"
//   writing the request                                   → "Timeout WEB write"
//   waiting for the first response bytes                  → "Timeout WEB read"
//   HTTP: every further read (an idle timer)              → "Timeout HTTP read"
//   SSL: the whole rest of the response, from its first bytes → "Timeout SSL read"
// The transaction's own deadline (ctx.signal, set by the scheduler) ends whatever phase is running
// with that phase's line, so a body that trickles in past it fails as a timeout.
//
// keepalived walks the urls one per checker run (the next url after delay_loop). `probeHttpUrl`
// is that single step; `probeHttp` runs all urls in order in one transaction and stops at the
// first failure.
//
// TLS: the server certificate is never verified (keepalived sets no verify mode even with a `ca`);
// SNI is sent only with enable_sni (servername = url.sniName). TLS 1.0+ is allowed, since keepalived
// does not load the system OpenSSL configuration that would raise the floor.
import type { HttpCheck, HttpUrl } from '../../config/model/lvs.js';
import type { ProbeContext, ProbeResult } from '../probe.js';
import { openConnection } from './connect.js';
import { HttpResponseReader, judgeHttpResponse, type RegexSpec } from './http-response.js';
import { compileHttpRegex } from './pcre.js';
import type { ReadEvent } from './socket-reader.js';
import type { TlsClientMaterial } from './tls-context.js';

export interface HttpProbeOptions {
  /** SSL_GET client credentials from the top-level SSL block (see loadSslMaterial). */
  tls?: TlsClientMaterial;
}

/**
 * One url's outcome. `notices` are lines keepalived logs whatever the outcome (the
 * Content-Length mismatch line, an unusable regex); log them at info level.
 */
export type HttpUrlResult = ProbeResult & { notices: string[] };

export type HttpProbeResult = ProbeResult & {
  notices: string[];
  /** keepalived's per-url success lines (`HTTP status code success to [..] url(/)`), in order. */
  urlMessages: string[];
  /** Index of the url that failed. */
  failedUrl?: number;
};

/** Last Content-Length difference reported per url, so the line is logged once per new difference. */
const lengthMismatch = new WeakMap<HttpUrl, bigint>();

/** The request bytes keepalived 2.2.7 sends (request_template / request_template_ipv6). */
export function httpRequest(check: HttpCheck, url: HttpUrl): string {
  const co = check.connection;
  const vhost = url.effectiveVirtualhost;
  const host =
    vhost !== undefined ? vhost : co.connectIp.family === 6 ? `[${co.connectIp.text}]:${co.connectPort}` : `${co.connectIp.text}:${co.connectPort}`;
  const minor = check.httpProtocol === '1.1' ? 1 : 0;
  const close = check.httpProtocol === '1.0' ? '' : 'Connection: close\r\n';
  return `GET ${url.path} HTTP/1.${minor}\r\nUser-Agent: KeepAliveClient\r\n${close}Host: ${host}\r\n\r\n`;
}

export async function probeHttp(check: HttpCheck, ctx: ProbeContext, opts: HttpProbeOptions = {}): Promise<HttpProbeResult> {
  const notices: string[] = [];
  const urlMessages: string[] = [];
  for (let i = 0; i < check.urls.length; i++) {
    const r = await probeHttpUrl(check, check.urls[i], ctx, opts);
    notices.push(...r.notices);
    if (!r.ok) return { ...r, notices, urlMessages, failedUrl: i };
    if (r.message) urlMessages.push(r.message);
  }
  // keepalived brings a checker without urls up without checking anything
  return { ok: true, message: `Remote Web server ${ctx.rsKey} succeed on service.`, notices, urlMessages };
}

export async function probeHttpUrl(check: HttpCheck, url: HttpUrl, ctx: ProbeContext, opts: HttpProbeOptions = {}): Promise<HttpUrlResult> {
  const notices: string[] = [];
  const fail = (reason: string, detail: string): HttpUrlResult => ({ ok: false, reason, message: `${detail} server ${ctx.rsKey}.`, notices });
  const timeoutMs = check.connection.connectTimeout * 1000;
  const ssl = check.kind === 'SSL_GET';

  let regex: RegexSpec | undefined;
  if (url.regex) {
    const c = compileHttpRegex(url.regex);
    if (!c.ok) {
      notices.push(`Invalid regex: '${url.regex.pattern}': ${c.error}`);
      return fail('regex', 'Regex match failed');
    }
    regex = { compiled: c.regex, minOffset: url.regex.minOffset, maxOffset: url.regex.maxOffset };
  }

  const opened = await openConnection({
    connection: check.connection,
    signal: ctx.signal,
    timeoutMs,
    ...(ssl
      ? {
          tls: {
            rejectUnauthorized: false,
            minVersion: 'TLSv1',
            ...(check.enableSni && url.sniName ? { servername: url.sniName } : {}),
            ...opts.tls,
          },
        }
      : {}),
  });
  if (!opened.ok) {
    switch (opened.failure.kind) {
      case 'timeout':
      case 'aborted':
        return fail('timeout', 'Timeout connecting');
      case 'failed':
        return fail('refused', opened.failure.immediate ? 'HTTP_CHECK - network unreachable' : 'Connection failed');
      case 'tls-error':
        return fail('tls', 'SSL handshake/communication error connecting to');
      case 'local-error':
        return { ok: false, reason: 'bind', message: 'WEB socket bind failed. Rescheduling', notices };
    }
  }
  const conn = opened.conn;
  try {
    const w = await conn.write(httpRequest(check, url), timeoutMs);
    if (!w.ok) return w.code === 'timeout' || w.code === 'aborted' ? fail('timeout', 'Timeout WEB write') : fail('send', 'Cannot send get request to');

    const reader = new HttpResponseReader({ digest: url.digest !== undefined, ...(regex ? { regex } : {}) });
    let ev: ReadEvent = await conn.read(timeoutMs);
    if (ev.kind === 'timeout' || ev.kind === 'aborted') return fail('timeout', 'Timeout WEB read');
    const sslDeadline = performance.now() + timeoutMs;
    for (;;) {
      if (ev.kind === 'data') {
        if (reader.push(ev.chunk) === 'full') break;
      } else if (ev.kind === 'end') break;
      else if (ev.kind === 'error') {
        // a plain read error fails the url; for SSL any SSL_read error just ends the stream
        if (!ssl) return fail('read', 'Read error with');
        break;
      } else return fail('timeout', ssl ? 'Timeout SSL read' : 'Timeout HTTP read');
      ev = await conn.read(ssl ? sslDeadline - performance.now() : timeoutMs);
    }
    const summary = reader.finish();
    // SSL: a clean TLS close (close_notify) before any header is its own failure
    if (ssl && !summary.headerComplete && ev.kind === 'end') return fail('no-data', 'SSL read error from');

    const j = judgeHttpResponse(url, summary);
    if (j.lengthMismatch) {
      const diff = j.lengthMismatch.contentLength - BigInt(j.lengthMismatch.rxBytes);
      if (lengthMismatch.get(url) !== diff) {
        notices.push(
          `http_check for RS ${ctx.rsKey} VS ${ctx.vsKey} url ${url.virtualhost ?? ''}${url.path}:` +
            ` content_length (${j.lengthMismatch.contentLength}) does not match received bytes (${j.lengthMismatch.rxBytes})`,
        );
        lengthMismatch.set(url, diff);
      }
    } else if (summary.headerComplete && (j.verdict.ok || j.verdict.reason !== 'status')) lengthMismatch.delete(url);
    if (!j.verdict.ok) return fail(j.verdict.reason, j.verdict.detail);
    return { ok: true, message: `${j.verdict.what} success to ${ctx.rsKey} url(${url.path})`, notices };
  } finally {
    conn.close();
  }
}
