// One checker's up/down policy: its state and a probe result → its new state, the delay before its next
// attempt, its log lines, and a verdict for the real server. Pure; a transcription of the epilogues of
// keepalived 2.2.7's checkers (tcp_epilog, udp_epilog, icmp_epilog, http epilog/timeout_epilog,
// smtp_final, dns_final, misc_check_child_thread, process_update_checker_track_file_status), because
// each kind counts retries a little differently and users' alerting depends on the exact lines:
// - a checker starts up (down with alpha), not yet "run"; the retry counter is pre-loaded at start-up, so
//   the first failure marks it down at once (SMTP_CHECK resets the counter every cycle, so it retries);
// - after retry + 1 consecutive failures it goes down; one success brings it back;
// - HTTP_GET/SSL_GET probe one URL per transaction: one URL per delay_loop, a failed URL re-polled every
//   max(delay_before_retry, delay_loop) until it passes, then the walk restarts (at once with fast_recovery).
// The real-server side of a verdict (num_failed_checkers, notify, quorum) is health.ts's business.
import type { ProbeResult } from './probe.js';
import * as m from './messages.js';

export type PolledKind = 'TCP_CHECK' | 'HTTP_GET' | 'SSL_GET' | 'SMTP_CHECK' | 'DNS_CHECK' | 'MISC_CHECK' | 'UDP_CHECK' | 'PING_CHECK';

export const POLLED_KINDS: readonly PolledKind[] = ['TCP_CHECK', 'HTTP_GET', 'SSL_GET', 'SMTP_CHECK', 'DNS_CHECK', 'MISC_CHECK', 'UDP_CHECK', 'PING_CHECK'];

/** A checker's effective settings, in the units the policy works in (ms). */
export interface PolicyParams {
  readonly kind: PolledKind;
  /** `[ip]:proto:port` of the real server and of the virtual server, as keepalived logs them. */
  readonly rsKey: string;
  readonly vsKey: string;
  readonly retry: number;
  readonly delayLoopMs: number;
  readonly delayBeforeRetryMs: number;
  readonly alpha: boolean;
  /** The checker's log_all_failures, or the global checker_log_all_failures. */
  readonly logAllFailures: boolean;
  /** HTTP_GET/SSL_GET. */
  readonly fastRecovery: boolean;
  readonly urlCount: number;
  /** MISC_CHECK: misc_dynamic, and the configured weight of the real server (keepalived's iweight). */
  readonly miscDynamic: boolean;
  readonly rsWeight: number;
  /** MISC_CHECK: the first word of misc_path, as keepalived names the script. */
  readonly script: string;
}

export interface CheckerState {
  readonly isUp: boolean;
  /** keepalived's has_run: the checker has reached a verdict (or a retry) since it was created. */
  readonly hasRun: boolean;
  readonly retryIt: number;
  /** HTTP_GET/SSL_GET: the URL the next transaction fetches. */
  readonly urlIt: number;
  /** HTTP_GET/SSL_GET: the URL that failed, re-polled until it passes. */
  readonly failedUrl: number | null;
  /** misc_dynamic / FILE_CHECK: this checker's addition to the real server's weight (keepalived's cur_weight). */
  readonly curWeight: number;
  /** misc_dynamic: the weight the last successful exit status set (status − 2), to carry across a reload. */
  readonly dynWeight?: number;
  /** FILE_CHECK: the last status (value × weight, or 'fault'). */
  readonly fileStatus?: number | 'fault';
}

export interface LogLine {
  readonly level: 'info' | 'debug';
  readonly msg: string;
  readonly fields: Readonly<Record<string, unknown>>;
}

/** What update_svr_checker_state does to the checker; health.ts applies the real-server side. */
export interface Verdict {
  readonly alive: boolean;
  /** The checker changed state (is_up flipped). */
  readonly changed: boolean;
  /** First verdict, state unchanged, and (alpha or down): keepalived re-runs the RS notify for its current state. */
  readonly notifyFirstRun: boolean;
}

export interface StepResult {
  readonly state: CheckerState;
  /** Before the next attempt. */
  readonly delayMs: number;
  /** MISC_CHECK: the delay counts from the start of the attempt, not its end. */
  readonly fromStart: boolean;
  readonly logs: readonly LogLine[];
  readonly verdict?: Verdict;
  /**
   * The checker's weight contribution changed before the verdict: `quiet` = keepalived adjusts the
   * effective weight without update_svr_wgt (no quorum re-evaluation of its own).
   */
  readonly weight?: { readonly quiet: boolean };
}

/** A checker as created at start-up (`preload`: retry counter pre-loaded) or on reload (not pre-loaded). */
export function initialState(p: Pick<PolicyParams, 'kind' | 'alpha' | 'retry'>, preload: boolean): CheckerState {
  return {
    isUp: preload ? !p.alpha : true,
    hasRun: false,
    // smtp_start_check_thread zeroes the counter at the start of every cycle, the first one included.
    retryIt: preload && p.kind !== 'SMTP_CHECK' ? p.retry : 0,
    urlIt: 0,
    failedUrl: null,
    curWeight: 0,
  };
}

/** The checker's half of update_svr_checker_state. */
export function applyVerdict(s: CheckerState, alpha: boolean, alive: boolean): { state: CheckerState; verdict: Verdict } {
  if (s.isUp === alive) {
    return { state: { ...s, hasRun: true }, verdict: { alive, changed: false, notifyFirstRun: !s.hasRun && (alpha || !alive) } };
  }
  return { state: { ...s, hasRun: true, isUp: alive }, verdict: { alive, changed: true, notifyFirstRun: false } };
}

class Step {
  s: CheckerState;
  logs: LogLine[] = [];
  verdict?: Verdict;
  weight?: { quiet: boolean };
  constructor(readonly p: PolicyParams, s: CheckerState) {
    this.s = s;
  }
  log(msg: string, event: string, extra: Record<string, unknown> = {}, level: 'info' | 'debug' = 'info'): void {
    this.logs.push({ level, msg, fields: { event, kind: this.p.kind, vs: this.p.vsKey, rs: this.p.rsKey, ...extra } });
  }
  detail(r: ProbeResult): void {
    if (!r.ok && r.message) this.log(r.message, 'check.attempt_failed', { reason: r.reason });
  }
  decide(alive: boolean): void {
    const v = applyVerdict(this.s, this.p.alpha, alive);
    this.s = v.state;
    this.verdict = v.verdict;
  }
  set(patch: Partial<CheckerState>): void {
    this.s = { ...this.s, ...patch };
  }
  done(delayMs: number, fromStart = false): StepResult {
    return { state: this.s, delayMs, fromStart, logs: this.logs, verdict: this.verdict, weight: this.weight };
  }
}

/** One probe result → the checker's next state. `r` is for URL `s.urlIt` on HTTP checkers. */
export function step(p: PolicyParams, s: CheckerState, r: ProbeResult): StepResult {
  switch (p.kind) {
    case 'TCP_CHECK': return stepTcp(new Step(p, s), r);
    case 'UDP_CHECK':
    case 'PING_CHECK': return stepUdpPing(new Step(p, s), r);
    case 'HTTP_GET':
    case 'SSL_GET': return stepHttp(new Step(p, s), r);
    case 'SMTP_CHECK': return stepSmtp(new Step(p, s), r);
    case 'DNS_CHECK': return stepDns(new Step(p, s), r);
    case 'MISC_CHECK': return stepMisc(new Step(p, s), r);
  }
}

// tcp_check_thread + tcp_epilog: retries happen even while the checker is down.
function stepTcp(x: Step, r: ProbeResult): StepResult {
  const { p } = x;
  if (!r.ok && x.s.isUp && p.logAllFailures) x.detail(r);
  let delay: number;
  if (r.ok || x.s.retryIt >= p.retry) {
    delay = p.delayLoopMs;
    x.set({ retryIt: 0 });
    if (r.ok && (!x.s.isUp || !x.s.hasRun)) {
      x.log(m.tcpSuccess(p.rsKey), 'check.success');
      x.decide(true);
    } else if (!r.ok && (x.s.isUp || !x.s.hasRun)) {
      x.log(m.tcpFailed(p.rsKey, p.retry && x.s.hasRun ? p.retry : undefined), 'check.failed', { reason: r.reason });
      x.decide(false);
    }
  } else {
    delay = p.delayBeforeRetryMs;
    x.set({ retryIt: x.s.retryIt + 1 });
  }
  x.set({ hasRun: true });
  return x.done(delay);
}

// udp_epilog / icmp_epilog: unlike TCP, a checker that is down does not retry.
function stepUdpPing(x: Step, r: ProbeResult): StepResult {
  const { p } = x;
  const udp = p.kind === 'UDP_CHECK';
  if (!r.ok && x.s.isUp && p.logAllFailures) x.detail(r);
  let delay = p.delayLoopMs;
  if (r.ok || ((x.s.isUp || !x.s.hasRun) && x.s.retryIt >= p.retry)) {
    x.set({ retryIt: 0 });
    if (r.ok && (!x.s.isUp || !x.s.hasRun)) {
      x.log(udp ? m.udpSuccess(p.rsKey) : m.icmpSuccess(p.rsKey), 'check.success');
      x.decide(true);
    } else if (!r.ok && (x.s.isUp || !x.s.hasRun)) {
      const retries = p.retry && x.s.hasRun ? p.retry : undefined;
      x.log(udp ? m.udpFailed(p.rsKey, retries) : m.icmpFailed(p.rsKey, p.vsKey, retries), 'check.failed', { reason: r.reason });
      x.decide(false);
    }
  } else if (x.s.isUp) {
    delay = p.delayBeforeRetryMs;
    x.set({ retryIt: x.s.retryIt + 1 });
  }
  x.set({ hasRun: true });
  return x.done(delay);
}

// http_handle_response / timeout_epilog / epilog.
function stepHttp(x: Step, r: ProbeResult): StepResult {
  const { p } = x;
  let method: 'new' | 'retry' | 'failed';
  if (r.ok) {
    // "HTTP status code success to X url(/)" and its MD5/regex variants, only while not up.
    if (!x.s.isUp && r.message) x.log(r.message, 'check.url_success');
    method = 'new';
  } else if (x.s.isUp || !x.s.hasRun) {
    if (p.logAllFailures) x.detail(r);
    x.set({ hasRun: true });
    method = 'retry';
  } else method = 'failed';

  let urlDone = false;
  if (method === 'new') {
    const next = x.s.urlIt + 1;
    urlDone = next >= p.urlCount;
    x.set({ urlIt: urlDone ? 0 : next, retryIt: 0 });
  } else if (method === 'retry') x.set({ retryIt: x.s.retryIt + 1 });

  if (method === 'new' && urlDone && x.s.failedUrl === null) {
    if (!x.s.isUp || !x.s.hasRun) {
      x.log(m.httpSuccess(p.rsKey), 'check.success');
      x.decide(true);
    }
    x.set({ urlIt: 0, retryIt: 0 });
  } else if (method === 'retry' && x.s.retryIt > p.retry) {
    if (x.s.isUp || !x.s.hasRun) {
      x.log(m.httpFailed(p.rsKey, x.s.hasRun && p.retry ? x.s.retryIt - 1 : undefined), 'check.failed', { reason: r.ok ? undefined : r.reason });
      x.decide(false);
    }
    x.set({ failedUrl: x.s.urlIt });
  } else if (method === 'new' && x.s.failedUrl !== null) {
    // The failed URL passes again: walk all of them from the first.
    x.set({ failedUrl: null, urlIt: 0, retryIt: 0 });
  }

  let delay: number;
  if (method === 'new') {
    delay = p.delayLoopMs;
    if (!x.s.hasRun) x.set({ retryIt: p.retry });
  } else if (x.s.failedUrl !== null) delay = Math.max(p.delayBeforeRetryMs, p.delayLoopMs);
  else delay = p.delayBeforeRetryMs;
  // fast_recovery: while not known failed, walk the URLs without waiting.
  if (p.fastRecovery && (!x.s.hasRun || (!x.s.isUp && x.s.failedUrl === null))) delay = 0;
  return x.done(delay);
}

// smtp_final: the detail line is the failure line; the counter is zeroed every cycle.
function stepSmtp(x: Step, r: ProbeResult): StepResult {
  const { p } = x;
  if (!r.ok) {
    if ((x.s.isUp || !x.s.hasRun) && (p.logAllFailures || x.s.retryIt >= p.retry)) {
      x.log(m.smtpError(r.message), 'check.failed', { reason: r.reason });
    }
    const retryIt = x.s.retryIt + 1;
    if (retryIt <= p.retry) {
      x.set({ retryIt });
      return x.done(p.delayBeforeRetryMs);
    }
    if (x.s.isUp || !x.s.hasRun) x.decide(false);
    x.set({ retryIt: 0 });
    return x.done(p.delayLoopMs);
  }
  x.set({ retryIt: 0 });
  if (!x.s.isUp || !x.s.hasRun) {
    x.log(m.smtpSuccess(p.rsKey), 'check.success');
    x.decide(true);
  }
  x.set({ hasRun: true });
  return x.done(p.delayLoopMs);
}

// dns_final: no success line; the failure line carries the reason.
function stepDns(x: Step, r: ProbeResult): StepResult {
  const { p } = x;
  if (!r.ok) {
    if (x.s.isUp || !x.s.hasRun) {
      if (p.logAllFailures || x.s.retryIt >= p.retry) {
        const last = x.s.hasRun && x.s.retryIt >= p.retry;
        x.log(m.dnsFailure(p.rsKey, r.message || r.reason, last ? p.retry : undefined), 'check.failed', { reason: r.reason });
      }
      if (x.s.retryIt < p.retry) {
        x.set({ retryIt: x.s.retryIt + 1, hasRun: true });
        return x.done(p.delayBeforeRetryMs);
      }
      x.decide(false);
    }
  } else if (!x.s.isUp || !x.s.hasRun) x.decide(true);
  x.set({ retryIt: 0 });
  return x.done(p.delayLoopMs);
}

// misc_check_child_thread: the next attempt counts from the script's start.
function stepMisc(x: Step, r: ProbeResult): StepResult {
  const { p } = x;
  if (r.ok) {
    // misc_dynamic: exit status 2..255 sets the weight to status - 2 (0 and legacy non-dynamic: the configured one).
    const dyn = p.miscDynamic ? r.weight : undefined;
    const cur = dyn !== undefined ? dyn - p.rsWeight : 0;
    x.set({ dynWeight: dyn });
    if (cur !== x.s.curWeight) {
      x.set({ curWeight: cur });
      x.weight = { quiet: false };
    }
    if (!x.s.isUp || !x.s.hasRun) {
      x.log(m.miscSucceeded(p.rsKey, p.vsKey, p.script), 'check.success');
      x.decide(true);
    }
    x.set({ retryIt: 0 });
  } else if (x.s.isUp || !x.s.hasRun) {
    const timedOut = r.reason === 'timeout' || r.cause === 'timed out';
    const cause = timedOut ? undefined : r.cause;
    if (x.s.retryIt < p.retry) {
      const retryIt = x.s.retryIt + 1;
      x.set({ retryIt });
      if (p.logAllFailures) {
        const progress: m.MiscProgress = retryIt === 1 ? { kind: 'will-retry', retry: p.retry } : { kind: 'on-retry', attempt: retryIt - 1, retry: p.retry };
        x.log(m.miscFailed(p.rsKey, p.vsKey, p.script, progress, timedOut, cause), 'check.attempt_failed', { reason: r.reason });
      }
    } else {
      x.set({ retryIt: 0 });
      x.set({ dynWeight: undefined });
      if (x.s.curWeight !== 0) {
        x.set({ curWeight: 0 });
        x.weight = { quiet: true };
      }
      const progress: m.MiscProgress = p.retry ? { kind: 'after', retry: p.retry } : { kind: 'retry-disabled' };
      x.log(m.miscFailed(p.rsKey, p.vsKey, p.script, progress, timedOut, cause), 'check.failed', { reason: r.reason });
      x.decide(false);
    }
  }
  const delay = x.s.retryIt ? p.delayBeforeRetryMs : p.delayLoopMs;
  x.set({ hasRun: true });
  return x.done(delay, true);
}

/**
 * Reload: the state a new checker takes over from an old one whose configuration compares equal
 * (migrate_checkers, migrate_misc_check). The schedule restarts; the verdicts and counters carry over.
 */
export function migrateState(old: CheckerState, fresh: CheckerState, p: Pick<PolicyParams, 'kind' | 'retry' | 'miscDynamic' | 'rsWeight'>): CheckerState {
  let s: CheckerState = { ...fresh, hasRun: old.hasRun };
  if (old.hasRun && old.isUp !== fresh.isUp) s = { ...s, isUp: old.isUp };
  // Enough failures already for the new retry value: one more failure is needed, not a fresh count.
  if (old.retryIt && p.retry) s = { ...s, retryIt: old.retryIt >= p.retry ? p.retry - 1 : old.retryIt };
  if (p.kind === 'SMTP_CHECK') s = { ...s, retryIt: 0 };
  if (p.kind === 'MISC_CHECK' && p.miscDynamic && old.dynWeight !== undefined) {
    s = { ...s, dynWeight: old.dynWeight, curWeight: old.dynWeight - p.rsWeight };
  }
  return s;
}

const INT_MIN = -2147483648;
const INT_MAX = 2147483647;

/**
 * FILE_CHECK: what a track_file value means to the checker (track_file.c): with weight 0 a non-zero value
 * (zero when reversed) is a fault; otherwise value × weight (× −1 reversed) is added to the real server's
 * weight, and only a product at or below INT_MIN is a fault.
 */
export function trackFileStatus(value: number, weight: number, reverse: boolean): number | 'fault' {
  if (weight === 0) return (value !== 0) !== reverse ? 'fault' : 0;
  const s = Math.max(INT_MIN, Math.min(INT_MAX, value * weight * (reverse ? -1 : 1)));
  return s <= INT_MIN ? 'fault' : s;
}

/** FILE_CHECK at start-up: its state is known at once (has_run set, never alpha). */
export function initialFileState(status: number | 'fault'): CheckerState {
  return { isUp: status !== 'fault', hasRun: true, retryIt: 0, urlIt: 0, failedUrl: null, curWeight: status === 'fault' ? 0 : status, fileStatus: status };
}

/** FILE_CHECK: the tracked value changed (process_update_checker_track_file_status). */
export function fileStep(s: CheckerState, status: number | 'fault', p: { rsKey: string; vsKey: string; file: string }): Omit<StepResult, 'delayMs' | 'fromStart'> {
  const prev = s.fileStatus ?? 0;
  if (prev === status) return { state: s, logs: [] };
  const fields = { kind: 'FILE_CHECK', vs: p.vsKey, rs: p.rsKey, file: p.file };
  if (status === 'fault') {
    const v = applyVerdict({ ...s, fileStatus: status }, false, false);
    const weight = s.curWeight !== 0 ? { quiet: true } : undefined;
    return {
      state: { ...v.state, curWeight: 0 },
      verdict: v.verdict,
      weight,
      logs: [{ level: 'debug', msg: `(${p.rsKey}): tracked file ${p.file} now FAULT state`, fields: { ...fields, event: 'check.file_fault' } }],
    };
  }
  if (prev === 'fault') {
    const v = applyVerdict({ ...s, fileStatus: status, curWeight: status }, false, true);
    return {
      state: v.state,
      verdict: v.verdict,
      weight: status !== s.curWeight ? { quiet: true } : undefined,
      logs: [{ level: 'debug', msg: `(${p.rsKey}): tracked file ${p.file} leaving FAULT state`, fields: { ...fields, event: 'check.file_ok' } }],
    };
  }
  return { state: { ...s, fileStatus: status, curWeight: status }, weight: { quiet: false }, logs: [] };
}
