// The daemon's Log (src/lib/log.ts), written with pino's destination and, for --log-format json, pino itself.
//
// Where lines go (keepalived logs through syslog(3) to /dev/log, a unix datagram socket Node cannot write):
// - under journald (JOURNAL_STREAM names our stderr): one line per event, `<N>` severity prefix (sd-daemon(3))
//   so `journalctl -p` filters; the unit's SyslogIdentifier= names the stream, and a child's ident rides as a
//   `Keepalived_vrrp: ` prefix (a stream cannot set SYSLOG_IDENTIFIER per line; journald's native socket
//   could, but every process would then need the addon to log at all);
// - `-l` outside journald: keepalived's console format, unchanged;
// - neither, without -G: what syslog(3) would have sent, `<PRI>Mmm dd hh:mm:ss ident[pid]: text`, on stderr
//   (PRI carries the -S facility), so a supervisor or `logger` can forward it;
// - -G without -l (outside journald): nothing, as keepalived;
// - --log-format json: pino JSON lines with the structured fields beside `msg` (under journald with `<N>`
//   before each, which journald strips, so MESSAGE is the JSON and PRIORITY is right).
// Writes are synchronous (sonic-boom sync mode retries EAGAIN on a non-blocking pipe), so nothing is lost
// on exit or crash and there is nothing to flush; worker threads write fd 2 directly, not through the
// main thread's stream.
import { fstatSync } from 'node:fs';
import { pino, type DestinationStream, type Logger } from 'pino';
import type { Log, LogFields } from '../lib/log.js';
import { ctime } from './console-log.js';
import { chooseSink, DEFAULT_FACILITY, journalText, SEVERITY, syslogText, type LogSink } from './log-format.js';
import { enabled, thresholdOf, type LogLevel } from './log-levels.js';

export { IDENT, parseFacility } from './log-format.js';
export type { LogLevel } from './log-levels.js';

/** The command line's logging choices: plain data, so they cross into worker threads and child processes. */
export interface LogSettings {
  /** -D: keepalived's detail lines (our debug level). */
  detail: boolean;
  /** -S, already parsed (parseFacility); default LOG_DAEMON. */
  facility?: number;
  /** -l. */
  console: boolean;
  /** false with -G. */
  syslog?: boolean;
  /** --log-format json. */
  json?: boolean;
  /** --log-level: overrides -D's threshold. */
  level?: LogLevel;
}

export interface Writer {
  write(text: string): unknown;
}

export interface LogOptions extends LogSettings {
  /** Keepalived, Keepalived_vrrp, Keepalived_healthcheckers (IDENT). */
  ident: string;
  /** A file descriptor (default 2) or a writer (tests). */
  destination?: number | Writer;
  /** Whether stderr is journald's stream; detected from the environment when absent. */
  journald?: boolean;
  env?: NodeJS.ProcessEnv;
  now?: () => Date;
  pid?: number;
}

export interface DaemonLog extends Log {
  /** Where this log's lines go: a text sink, or json. */
  readonly sink: LogSink | 'json';
}

/**
 * systemd sets JOURNAL_STREAM=dev:inode of the stream it connected to stdout/stderr; it counts only while
 * our stderr still is that stream (systemd.exec(5)), not when a child inherited the variable but not the fd.
 */
export function journaldStream(env: NodeJS.ProcessEnv = process.env, fd = 2): boolean {
  const m = /^(\d+):(\d+)$/.exec(env.JOURNAL_STREAM ?? '');
  if (!m) return false;
  try {
    const st = fstatSync(fd, { bigint: true });
    return st.dev === BigInt(m[1]) && st.ino === BigInt(m[2]);
  } catch {
    return false;
  }
}

// One synchronous destination per fd per thread, shared by every Log on it.
const destinations = new Map<number, Writer>();

function fdWriter(fd: number): Writer {
  let d = destinations.get(fd);
  if (!d) {
    // maxLength: if the fd stays unwritable (reader gone), drop lines rather than buffer without bound.
    const boom = pino.destination({ fd, sync: true, maxLength: 1 << 20 });
    // A dead stderr (EPIPE) must never throw out of a log call.
    boom.on('error', () => {});
    d = boom;
    destinations.set(fd, d);
  }
  return d;
}

// Field names pino writes itself; an engine's field of the same name is renamed rather than shadowing it.
const RESERVED = new Set(['level', 'time', 'pid', 'name', 'msg', 'hostname']);

function safeFields(f: LogFields): LogFields {
  let out: LogFields | undefined;
  for (const k of Object.keys(f)) {
    if (!RESERVED.has(k)) continue;
    out ??= { ...f };
    out[`${k}_`] = out[k];
    delete out[k];
  }
  return out ?? f;
}

// pino's numeric levels → syslog severities, for `<N>` before JSON lines under journald.
const PINO_SEVERITY: Record<string, number> = { '10': 7, '20': 7, '30': 6, '40': 4, '50': 3, '60': 2 };

function jsonLog(o: LogOptions, out: Writer, journald: boolean, threshold: LogLevel): DaemonLog {
  const stream: DestinationStream = journald
    ? { write: (s: string) => void out.write(`<${PINO_SEVERITY[s.slice(9, 11)] ?? 6}>${s}`) } // s starts {"level":NN
    : { write: (s: string) => void out.write(s) };
  const logger: Logger = pino(
    { name: o.ident, level: threshold, base: { pid: o.pid ?? process.pid }, ...(o.now ? { timestamp: () => `,"time":${o.now!().getTime()}` } : {}) },
    stream,
  );
  const at = (level: LogLevel) => (msg: string, fields?: LogFields) => {
    if (fields) logger[level](safeFields(fields), msg);
    else logger[level](msg);
  };
  return { sink: 'json', debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

export function createLog(o: LogOptions): DaemonLog {
  const out = typeof o.destination === 'object' ? o.destination : fdWriter(o.destination ?? 2);
  const journald = o.journald ?? journaldStream(o.env ?? process.env, typeof o.destination === 'number' ? o.destination : 2);
  const threshold = thresholdOf(o);
  if (o.json) return jsonLog(o, out, journald, threshold);

  const sink = chooseSink({ journald, console: o.console, syslog: o.syslog !== false });
  const now = o.now ?? (() => new Date());
  const pid = o.pid ?? process.pid;
  const facility = o.facility ?? DEFAULT_FACILITY;
  const text: (level: LogLevel, msg: string) => string =
    sink === 'journal' ? (level, msg) => journalText(level, o.ident, msg)
    : sink === 'console' ? (_level, msg) => `${ctime(now())}: ${msg}\n`
    : (level, msg) => syslogText(level, facility, o.ident, pid, now(), msg);
  const at = (level: LogLevel) =>
    sink === 'none' || !enabled(level, threshold) ? () => {} : (msg: string) => void out.write(text(level, msg));
  return { sink, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

export { SEVERITY };
