// Options shared by the checkers: the connection keywords (connect_ip … fwmark) and the timing
// keywords (retry … log_all_failures), and keepalived's inheritance of unset values from the real
// server (which itself inherits from the virtual server) — see validate_check_config.
import type { Stmt } from '../../../syntax.js';
import type { Position } from '../../../issues.js';
import type { ConnectionOptions, PolledCheckerBase, RealServer } from '../../../model/lvs.js';
import type { BuildContext, KeywordTable } from '../../types.js';
import type { RsDraft } from '../drafts.js';
import { isLinkLocal6, type IpAddress } from '../../../../lib/ip.js';
import { needArg, parseServerAddress, readOptionalBool, readTimerArg, readUnsignedArg, UINT_MAX } from '../read.js';

export interface ConnDraft {
  connectIp: IpAddress;
  connectPort: number;
  bindto?: IpAddress;
  bindPort: number;
  bindIf?: string;
  /** Unset = the RS/VS connect_timeout. */
  connectTimeout?: number;
  fwmark: number;
}

export interface PolledDraft {
  pos: Position;
  alpha?: boolean;
  retry?: number;
  delayBeforeRetry?: number;
  delayLoop?: number;
  warmup?: number;
  logAllFailures: boolean;
  /** The kind's own defaults when neither checker nor RS/VS set them. */
  defaultRetry: number;
  /** Seconds; 0 = the checker's delay_loop (DNS_CHECK). */
  defaultDelayBeforeRetry: number;
}

export interface ConnCheckerDraft extends PolledDraft {
  conn: ConnDraft;
}

/** keepalived points a new checker at the real server as written (its port, or 0 when it had none). */
export function newConn(rs: RsDraft): ConnDraft {
  return { connectIp: rs.address, connectPort: rs.configuredPort, bindPort: 0, fwmark: 0 };
}

export function newPolled(s: Stmt, defaultRetry = 1, defaultDelayBeforeRetry = 1): PolledDraft {
  return { pos: s.pos, logAllFailures: false, defaultRetry, defaultDelayBeforeRetry };
}

export function newConnChecker(s: Stmt, rs: RsDraft, defaultRetry = 1, defaultDelayBeforeRetry = 1): ConnCheckerDraft {
  return { ...newPolled(s, defaultRetry, defaultDelayBeforeRetry), conn: newConn(rs) };
}

const IFNAMSIZ = 16;

/** connect_ip, connect_port, bindto, bind_port, bind_if, connect_timeout, fwmark. */
export function connectionKeywords<T extends { conn: ConnDraft }>(): KeywordTable<T> {
  return {
    connect_ip: (s, d, ctx) => {
      const w = needArg(s, ctx);
      if (!w) return;
      const a = parseServerAddress(w.text);
      if (!a) return ctx.sink.error(w.pos, `Invalid connect_ip address ${w.text} - ignoring`);
      if (d.conn.bindto && d.conn.bindto.family !== a.address.family) {
        return ctx.sink.error(w.pos, `connect_ip address ${w.text} does not match address family of bindto - skipping`);
      }
      d.conn.connectIp = a.address;
    },
    connect_port: (s, d, ctx) => {
      const v = readUnsignedArg(s, ctx, 0, 1, 65535, (t) => `Invalid checker connect_port '${t}'`);
      if (v !== undefined) d.conn.connectPort = v;
    },
    bindto: (s, d, ctx) => {
      const w = needArg(s, ctx);
      if (!w) return;
      const a = parseServerAddress(w.text);
      if (!a) return ctx.sink.error(w.pos, `Invalid bindto address ${w.text} - ignoring`);
      if (d.conn.connectIp.family !== a.address.family) {
        return ctx.sink.error(w.pos, `bindto address ${w.text} does not match address family of connect_ip - skipping`);
      }
      d.conn.bindto = a.address;
    },
    bind_port: (s, d, ctx) => {
      const v = readUnsignedArg(s, ctx, 0, 1, 65535, (t) => `Invalid checker bind_port '${t}'`);
      if (v !== undefined) d.conn.bindPort = v;
    },
    bind_if: (s, d, ctx) => {
      const w = needArg(s, ctx);
      if (!w) return;
      if (w.text.length > IFNAMSIZ - 1) return ctx.sink.error(w.pos, `Interface name ${w.text} is too long - ignoring`);
      d.conn.bindIf = w.text;
    },
    connect_timeout: (s, d, ctx) => {
      const v = readTimerArg(s, ctx, 0, 1, UINT_MAX, (t) => `connect_timeout ${t} invalid - ignoring`);
      if (v !== undefined) d.conn.connectTimeout = v;
    },
    fwmark: (s, d, ctx) => {
      const v = readUnsignedArg(s, ctx, 0, 0, UINT_MAX, (t) => `Invalid fwmark connection value '${t}'`);
      if (v !== undefined) d.conn.fwmark = v;
    },
  };
}

/** retry, delay_before_retry, warmup, delay_loop, alpha, log_all_failures. */
export function timingKeywords<T extends PolledDraft>(): KeywordTable<T> {
  return {
    retry: (s, d, ctx) => {
      const v = readUnsignedArg(s, ctx, 0, 0, UINT_MAX, (t) => `Invalid retry connection value '${t}'`);
      if (v !== undefined) d.retry = v;
    },
    delay_before_retry: (s, d, ctx) => {
      const v = readTimerArg(s, ctx, 0, 0, undefined, (t) => `Invalid delay_before_retry connection value '${t}'`);
      if (v !== undefined) d.delayBeforeRetry = v;
    },
    warmup: (s, d, ctx) => {
      const v = readTimerArg(s, ctx, 0, 0, undefined, (t) => `Invalid warmup connection value '${t}'`);
      if (v !== undefined) d.warmup = v;
    },
    delay_loop: (s, d, ctx) => {
      const v = readTimerArg(s, ctx, 0, 1, undefined, (t) => `delay_loop '${t}' is invalid - ignoring`);
      if (v !== undefined) d.delayLoop = v;
    },
    alpha: (s, d, ctx) => {
      const v = readOptionalBool(s, ctx, (t) => `Invalid alpha parameter ${t}`);
      if (v !== undefined) d.alpha = v;
    },
    log_all_failures: (s, d, ctx) => {
      const v = readOptionalBool(s, ctx, (t) => `Invalid log_all_failures parameter ${t}`);
      if (v !== undefined) d.logAllFailures = v;
    },
  };
}

/** keepalived drops a checker whose IPv6 link-local target has no bind_if. */
export function connectionUsable(conn: ConnDraft, ctx: BuildContext, at: Position): boolean {
  if (isLinkLocal6(conn.connectIp) && !conn.bindIf) {
    ctx.sink.error(at, `Checker link local address ${conn.connectIp.text} requires a bind_if`);
    return false;
  }
  return true;
}

/** Effective timing of a polled checker (keepalived's validate_check_config). */
export function resolvePolled(d: PolledDraft, rs: RealServer): Omit<PolledCheckerBase, never> {
  const delayLoop = d.delayLoop ?? rs.delayLoop;
  return {
    pos: d.pos,
    alpha: d.alpha ?? rs.alpha,
    retry: d.retry ?? rs.retry ?? d.defaultRetry,
    delayBeforeRetry: d.delayBeforeRetry ?? rs.delayBeforeRetry ?? (d.defaultDelayBeforeRetry || delayLoop),
    delayLoop,
    warmup: d.warmup ?? rs.warmup ?? delayLoop,
    logAllFailures: d.logAllFailures,
  };
}

export function resolveConn(c: ConnDraft, rs: RealServer): ConnectionOptions {
  return {
    connectIp: c.connectIp,
    connectPort: c.connectPort,
    ...(c.bindto ? { bindto: c.bindto } : {}),
    bindPort: c.bindPort,
    ...(c.bindIf !== undefined ? { bindIf: c.bindIf } : {}),
    connectTimeout: c.connectTimeout ?? rs.connectTimeout,
    fwmark: c.fwmark,
  };
}
