// keepalived 2.2.7's health checker log lines, word for word (check_tcp.c, check_http.c, check_smtp.c,
// check_dns.c, check_misc.c, check_udp.c, check_ping.c, check_api.c, ipwrapper.c). Pure.
// Servers are named as keepalived's FMT_CHK / FMT_RS / FMT_VS print them: the real server's and the
// virtual server's `key` (`[ip]:proto:port`), never the checker's connect_ip/connect_port.
// keepalived prints "%u retries" (always plural) for every kind but MISC_CHECK, which alone says
// "1 retry"; the bare "failed." form is printed when the checker had not run yet (first failure after
// start-up) or when retry is 0.

/** TCP_CHECK: the checker comes up (or its first check succeeds). */
export const tcpSuccess = (rs: string): string => `TCP connection to ${rs} success.`;

/** TCP_CHECK goes down; `retries` absent = the bare "failed." form. */
export const tcpFailed = (rs: string, retries?: number): string =>
  retries === undefined ? `TCP_CHECK on service ${rs} failed.` : `TCP_CHECK on service ${rs} failed after ${retries} retries.`;

export const udpSuccess = (rs: string): string => `UDP connection to ${rs} success.`;

export const udpFailed = (rs: string, retries?: number): string =>
  retries === undefined ? `UDP_CHECK on service ${rs} failed.` : `UDP_CHECK on service ${rs} failed after ${retries} retries.`;

export const icmpSuccess = (rs: string): string => `ICMP connection to ${rs} success.`;

/** PING_CHECK: keepalived names the virtual server only in the "after N retries" form. */
export const icmpFailed = (rs: string, vs: string, retries?: number): string =>
  retries === undefined ? `ICMP CHECK on service ${rs} failed.` : `ICMP CHECK on service ${rs} of ${vs} failed after ${retries} retries.`;

/** HTTP_GET and SSL_GET: every URL passed. */
export const httpSuccess = (rs: string): string => `Remote Web server ${rs} succeed on service.`;

/** HTTP_GET and SSL_GET (SSL_GET uses the same wording). */
export const httpFailed = (rs: string, retries?: number): string =>
  retries === undefined ? `HTTP_CHECK on service ${rs} failed.` : `HTTP_CHECK on service ${rs} failed after ${retries} retries.`;

export const smtpSuccess = (rs: string): string => `Remote SMTP server ${rs} succeed on service.`;

/** SMTP_CHECK logs its failure detail itself, prefixed; there is no "failed after N retries" line. */
export const smtpError = (detail: string): string => (detail.startsWith('SMTP_CHECK ') ? detail : `SMTP_CHECK ${detail}`);

/** DNS_CHECK: `DNS_CHECK ([rs]) <reason>[ after N retries]` (no final period). DNS has no success line. */
export function dnsFailure(rs: string, reason: string, retries?: number): string {
  const prefix = `DNS_CHECK (${rs}) `;
  const r = reason.startsWith(prefix) ? reason.slice(prefix.length) : reason.startsWith('DNS_CHECK ') ? reason.slice(10) : reason;
  return `${prefix}${r}${retries === undefined ? '' : ` after ${retries} retries`}`;
}

/** How a MISC_CHECK failure line continues after "failed"/"timed out". */
export type MiscProgress =
  | { kind: 'will-retry'; retry: number }
  | { kind: 'on-retry'; attempt: number; retry: number }
  | { kind: 'after'; retry: number }
  | { kind: 'retry-disabled' };

const plural = (n: number, one: string, many: string): string => (n === 1 ? one : many);

function miscProgressText(p: MiscProgress): string {
  switch (p.kind) {
    case 'will-retry': return `, will do ${p.retry} ${plural(p.retry, 'retry', 'retries')}`;
    case 'on-retry': return ` on retry ${p.attempt}/${p.retry}`;
    case 'after': return ` after ${p.retry} ${plural(p.retry, 'retry', 'retries')}`;
    case 'retry-disabled': return ' with retry disabled';
  }
}

/** `Misc check for [[rs] VS [vs]] by [script] succeeded.` — script is the first word of misc_path. */
export const miscSucceeded = (rs: string, vs: string, script: string): string => `Misc check for [${rs} VS ${vs}] by [${script}] succeeded.`;

/**
 * A MISC_CHECK failure: `timedOut` prints "timed out" without a cause; otherwise "failed" and, when known,
 * the cause in parentheses (`exited with status 1`, `due to signal 9`).
 */
export function miscFailed(rs: string, vs: string, script: string, progress: MiscProgress, timedOut: boolean, cause?: string): string {
  const head = `Misc check for [${rs} VS ${vs}] by [${script}] ${timedOut ? 'timed out' : 'failed'}${miscProgressText(progress)}`;
  return !timedOut && cause ? `${head} (${cause}).` : `${head}.`;
}

/** At start-up and after a reload, for each checker (ha_suspend with the VIP absent: "Deactivating"). */
export const activating = (rs: string, vs: string, active = true): string =>
  `${active ? 'A' : 'Dea'}ctivating healthchecker for service ${rs} for VS ${vs}`;

/** ha_suspend: the virtual server's address went away (suspend) or came back (activate). */
export const suspending = (rs: string, vs: string, suspend: boolean): string =>
  `${suspend ? 'Suspending' : 'Activating'} healthchecker for service ${rs} for VS ${vs}`;

/** update_quorum_state: quorum regained; `threshold` is quorum + hysteresis. */
export const gainedQuorum = (quorum: number, hysteresis: number, threshold: number, weight: number, vs: string): string =>
  `Gained quorum ${quorum}+${hysteresis}=${threshold} <= ${weight} for VS ${vs}`;

/**
 * update_quorum_state: quorum lost, or (start-up/reload) found down. keepalived prints "Q-H=" followed by the
 * threshold it compared against, which is quorum + hysteresis when quorum was already down (start-up).
 */
export const lostQuorum = (init: boolean, quorum: number, hysteresis: number, threshold: number, weight: number, vs: string): string =>
  `${init ? 'Starting with quorum down' : 'Lost quorum'} ${quorum}-${hysteresis}=${threshold} > ${weight} for VS ${vs}`;

export const sorryServerIn = (sorry: string, vs: string, inhibit: boolean): string => `${inhibit ? 'Enabling' : 'Adding'} sorry server ${sorry} to VS ${vs}`;

export const sorryServerOut = (sorry: string, vs: string, inhibit: boolean): string => `${inhibit ? 'Disabling' : 'Removing'} sorry server ${sorry} from VS ${vs}`;

export const alivePool = (vs: string, add: boolean): string => `${add ? 'Adding alive servers to' : 'Removing alive servers from'} the pool for VS ${vs}`;

/** A checker kind this engine does not run yet (BFD_CHECK); such checkers count as up. */
export const notSupported = (kind: string, count: number): string =>
  `${kind} is not supported yet - ${count} ${count === 1 ? 'checker' : 'checkers'} counted as up`;

/**
 * The detail line of a probe that never settled (the scheduler gave up on it), in the kind's own words
 * for a timeout, as log_all_failures would print it.
 */
export function hungProbeDetail(kind: string, rs: string, vs: string): string {
  switch (kind) {
    case 'TCP_CHECK': return `TCP connection to ${rs} timeout.`;
    case 'HTTP_GET':
    case 'SSL_GET': return `Timeout connecting server ${rs}.`;
    case 'SMTP_CHECK': return `Connection timeout to server ${rs}`;
    case 'DNS_CHECK': return 'connection timeout.';
    case 'UDP_CHECK': return `UDP connection to ${rs} failed.`;
    case 'PING_CHECK': return `ICMP connection to address ${rs} timeout.`;
    case 'MISC_CHECK': return `Misc check for [${rs} VS ${vs}] timed out.`;
    default: return `${kind} on service ${rs} timed out.`;
  }
}
