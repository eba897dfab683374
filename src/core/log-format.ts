// How one log event becomes text on stderr, for each place it can end up (pure: no I/O). keepalived logs
// through syslog(3) with an ident per process; we write stderr, and these formats carry what syslog would.
import type { LogLevel } from './log-levels.js';

/** syslog(3) severities for the Log interface's levels: LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG. */
export const SEVERITY: Readonly<Record<LogLevel, number>> = { error: 3, warn: 4, info: 6, debug: 7 };

/** keepalived's syslog identifiers (KEEPALIVED.md §2.4); the parent is the unit's own identity. */
export const IDENT = {
  parent: 'Keepalived',
  vrrp: 'Keepalived_vrrp',
  checker: 'Keepalived_healthcheckers',
  bfd: 'Keepalived_bfd',
} as const;

/** LOG_DAEMON: keepalived's default facility. */
export const DEFAULT_FACILITY = 3;

const NAMED_FACILITIES: Record<string, number> = { user: 1, daemon: 3 };

/**
 * `-S` as keepalived reads it: 0-7 mean local0-7, or local0-7, user, daemon. Anything else is undefined
 * (keepalived then warns `Invalid log facility 'X'` and keeps the default).
 */
export function parseFacility(text: string): number | undefined {
  const t = text.trim().toLowerCase();
  const m = /^(?:local)?([0-7])$/.exec(t);
  if (m) return 16 + Number(m[1]); // LOG_LOCAL0 is facility 16
  return NAMED_FACILITIES[t];
}

/** Where lines go. */
export type LogSink =
  /** stderr is journald's stream: `<N>` prefixes, no timestamp (the journal stamps each line). */
  | 'journal'
  /** `-l`: keepalived's console format, `ctime: text`. */
  | 'console'
  /** No journald, no `-l`, no `-G`: syslog's wire format on stderr (Node cannot write to /dev/log). */
  | 'syslog'
  /** `-G` without `-l` outside journald: keepalived then logs nothing, and so do we. */
  | 'none';

export function chooseSink(o: { journald: boolean; console: boolean; syslog: boolean }): LogSink {
  // Under journald the stream *is* the log: it replaces both syslog and the console, one line per event.
  if (o.journald) return o.syslog || o.console ? 'journal' : 'none';
  if (o.console) return 'console';
  return o.syslog ? 'syslog' : 'none';
}

/**
 * Journal stream lines. sd-daemon(3): a `<N>` prefix (severity only; journald's stream reader takes no
 * facility) sets PRIORITY, so `journalctl -p warning` works. The stream's identifier is the unit's
 * (SyslogIdentifier=), one per stream, so a child's ident is carried as a `Keepalived_vrrp: ` prefix. Each
 * line of a multi-line message gets its own prefix: journald makes one entry per line.
 */
export function journalText(level: LogLevel, ident: string, msg: string): string {
  const head = `<${SEVERITY[level]}>${ident === IDENT.parent ? '' : `${ident}: `}`;
  return msg.includes('\n') ? msg.split('\n').map((l) => head + l).join('\n') + '\n' : `${head}${msg}\n`;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** RFC 3164's timestamp, as syslog(3) writes it: `Nov  1 07:05:09`. */
export function syslogTimestamp(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${MONTHS[d.getMonth()]} ${String(d.getDate()).padStart(2, ' ')} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

/**
 * What syslog(3) would have sent to /dev/log: `<PRI>Nov 21 17:49:01 Keepalived_vrrp[1234]: text`, with
 * PRI = facility * 8 + severity, so the line can be fed to a syslog daemon as is.
 */
export function syslogText(level: LogLevel, facility: number, ident: string, pid: number, at: Date, msg: string): string {
  const head = `<${facility * 8 + SEVERITY[level]}>${syslogTimestamp(at)} ${ident}[${pid}]: `;
  return msg.includes('\n') ? msg.split('\n').map((l) => head + l).join('\n') + '\n' : `${head}${msg}\n`;
}
