// The contract between the check scheduler and the checker modules (one per keepalived checker kind).
// A probe is one transaction against one target: connect, send, receive, judge. It never throws and
// never outlives its deadline: the scheduler aborts `signal` at connect_timeout (MISC_CHECK: misc_timeout)
// and the probe must then settle at once with a failure. What a probe needs from the machine beyond
// Node's sockets (running a script, ICMP echo, reading a track_file) comes through CheckPorts, which
// src/core binds, so this engine imports no other engine and no adapter.
import type { ScriptRef } from '../config/model/script.js';

/** How one probe ended. */
export type ProbeResult =
  | {
      ok: true;
      /** misc_dynamic / FILE_CHECK: the weight the real server should carry while up. */
      weight?: number;
      /** keepalived's success line for this kind, e.g. `TCP connection to [10.0.0.1]:tcp:80 success.` */
      message?: string;
    }
  | {
      ok: false;
      /** Short machine reason: 'timeout', 'refused', 'status', 'digest', 'regex', 'exit', 'killed', ... */
      reason: string;
      /** keepalived's failure detail line (logged with log_all_failures), e.g. `TCP connection to [..] timeout.` */
      message: string;
      /**
       * MISC_CHECK only: the text keepalived puts in parentheses on the final failure line,
       * e.g. `exited with status 1`, `timed out`.
       */
      cause?: string;
    };

/** How a script ended (the same shape the VRRP side uses, so one script runner serves both). */
export type ScriptOutcome = { exitCode: number } | { signal: number } | { timedOut: true };

export interface CheckPorts {
  /** Run a MISC_CHECK script; kill its whole process group after `timeoutMs`. */
  runScript(script: ScriptRef, timeoutMs: number): Promise<ScriptOutcome>;
  /**
   * One ICMP / ICMPv6 echo to `address` (optionally from `source`, out of `device`); resolves true on a
   * matching echo reply, false on a timeout or an ICMP error. Aborted by `signal`.
   */
  icmpEcho(address: string, family: 4 | 6, opts: { source?: string; device?: string; signal: AbortSignal }): Promise<boolean>;
  /** The integer a track_file holds (0 when missing, empty or not a number). */
  readTrackFile(path: string): number;
}

/** What every probe gets besides its checker's configuration. */
export interface ProbeContext {
  /** Aborted at the transaction's deadline; the probe then resolves a failure with reason 'timeout'. */
  readonly signal: AbortSignal;
  /** The deadline in ms (connect_timeout or misc_timeout), for messages. */
  readonly timeoutMs: number;
  readonly ports: CheckPorts;
  /** `[ip]:proto:port` of the real server as keepalived logs it. */
  readonly rsKey: string;
  /** `[ip]:proto:port` of the virtual server as keepalived logs it. */
  readonly vsKey: string;
}
