// Checker kind → the probe that runs one transaction of it (src/check/checkers/*). The engine takes a
// registry so tests can put fakes in; the daemon uses createProbeRegistry().
// FILE_CHECK is not here: its value is read synchronously through CheckPorts.readTrackFile (the engine
// needs it at start-up, before anything could await) and judged by policy.trackFileStatus, the same
// rule checkers/file.ts implements. BFD_CHECK is not supported yet.
import type { DnsCheck, HttpCheck, MiscCheck, PingCheck, SmtpCheck, TcpCheck, UdpCheck } from '../config/model/lvs.js';
import type { ProbeContext, ProbeResult } from './probe.js';
import { probeTcp } from './checkers/tcp.js';
import { probeHttp } from './checkers/http.js';
import { probeSmtp } from './checkers/smtp.js';
import { probeDns } from './checkers/dns.js';
import { probeUdp } from './checkers/udp.js';
import { probePing } from './checkers/ping.js';
import { probeMisc } from './checkers/misc.js';
import type { TlsClientMaterial } from './checkers/tls-context.js';

export type ProbeFn<C> = (check: C, ctx: ProbeContext) => Promise<ProbeResult>;

export interface ProbeRegistry {
  TCP_CHECK: ProbeFn<TcpCheck>;
  /** HTTP_GET and SSL_GET: the engine hands over a checker narrowed to the one URL of this transaction. */
  HTTP_GET: ProbeFn<HttpCheck>;
  SSL_GET: ProbeFn<HttpCheck>;
  SMTP_CHECK: ProbeFn<SmtpCheck>;
  DNS_CHECK: ProbeFn<DnsCheck>;
  MISC_CHECK: ProbeFn<MiscCheck>;
  UDP_CHECK: ProbeFn<UdpCheck>;
  PING_CHECK: ProbeFn<PingCheck>;
}

export interface RegistryOptions {
  /**
   * SSL_GET client credentials from the top-level SSL block (checkers/tls-context.ts loadSslMaterial),
   * read at every transaction so a reload can swap them.
   */
  tls?: () => TlsClientMaterial | undefined;
}

export function createProbeRegistry(opts: RegistryOptions = {}): ProbeRegistry {
  const http: ProbeFn<HttpCheck> = (check, ctx) => {
    const tls = check.kind === 'SSL_GET' ? opts.tls?.() : undefined;
    return probeHttp(check, ctx, tls ? { tls } : {});
  };
  return {
    TCP_CHECK: probeTcp,
    HTTP_GET: http,
    SSL_GET: http,
    SMTP_CHECK: probeSmtp,
    DNS_CHECK: (check, ctx) => probeDns(check, ctx),
    MISC_CHECK: probeMisc,
    UDP_CHECK: probeUdp,
    PING_CHECK: probePing,
  };
}
