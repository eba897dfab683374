// MISC_CHECK, as keepalived 2.2.7's check_misc.c: run the script, killing its process group at
// misc_timeout (SIGTERM, SIGKILL 2 s later). Exit 0 = up; with misc_dynamic, exit 2..255 = up with
// weight (status - 2); any other exit status = down, and so is a death by signal. keepalived's log
// line names the script by its first word and depends on the retry state, which the scheduler holds:
// miscCheckLine() builds it from a probe's result and miscRetrySuffix().
import type { MiscCheck } from '../../config/model/lvs.js';
import type { ProbeContext, ProbeResult, ScriptOutcome } from '../probe.js';
import { untilAborted } from './abort.js';

const TIMED_OUT: ScriptOutcome = { timedOut: true };

/**
 * How keepalived judges a finished script. Success without `weight` means the configured weight
 * (misc_dynamic's exit 0 resets a dynamic weight). Failure causes are keepalived's parenthesised
 * texts (`exited with status 1`, `due to signal 9`); a timeout has reason 'timeout', cause `timed out`.
 */
export type MiscVerdict = { ok: true; weight?: number } | { ok: false; reason: 'timeout' | 'signal' | 'exit'; cause: string };

export function judgeMiscOutcome(outcome: ScriptOutcome, dynamic: boolean): MiscVerdict {
  if ('timedOut' in outcome) return { ok: false, reason: 'timeout', cause: 'timed out' };
  if ('signal' in outcome) return { ok: false, reason: 'signal', cause: `due to signal ${outcome.signal}` };
  const status = outcome.exitCode;
  if (status === 0) return { ok: true };
  if (dynamic && status >= 2 && status <= 255) return { ok: true, weight: status - 2 };
  return { ok: false, reason: 'exit', cause: `exited with status ${status}` };
}

/**
 * The text keepalived puts after "failed"/"timed out" (check_misc.c), from its retry_it as updated for
 * this failure: 1 after a scheduled check failed, 2.. after a failed retry, 0 after the last one.
 */
export function miscRetrySuffix(retry: number, retryIt: number): string {
  const n = `${retry} ${retry === 1 ? 'retry' : 'retries'}`;
  if (retry === 0) return ' with retry disabled';
  if (retryIt === 1) return `, will do ${n}`;
  if (retryIt > 1) return ` on retry ${retryIt - 1}/${retry}`;
  return ` after ${n}`;
}

/**
 * keepalived's MISC_CHECK line: `Misc check for [RS VS VS] by [script] succeeded.`,
 * `... failed<suffix> (exited with status 1).`, `... failed<suffix> (due to signal 9).`,
 * `... timed out<suffix>.` (no parentheses).
 */
export function miscCheckLine(ctx: Pick<ProbeContext, 'rsKey' | 'vsKey'>, check: Pick<MiscCheck, 'script'>, result: MiscVerdict | ProbeResult, suffix = ''): string {
  const head = `Misc check for [${ctx.rsKey} VS ${ctx.vsKey}] by [${check.script.argv[0] ?? check.script.command}]`;
  if (result.ok) return `${head} succeeded.`;
  if (result.reason === 'timeout') return `${head} timed out${suffix}.`;
  return `${head} failed${suffix} (${result.cause}).`;
}

/** Runs the script through the port; `message` is the line without the retry suffix. */
export async function probeMisc(check: MiscCheck, ctx: ProbeContext): Promise<ProbeResult> {
  const run = Promise.resolve()
    .then(() => ctx.ports.runScript(check.script, ctx.timeoutMs))
    // a launch the port could not even attempt counts as a failed run, as keepalived's failed fork would
    .catch((): ScriptOutcome => ({ exitCode: 127 }));
  // the port kills the process group on its own timer; the deadline only stops the wait
  const outcome = await untilAborted(run, ctx.signal, () => TIMED_OUT);
  const v = judgeMiscOutcome(outcome, check.miscDynamic);
  return { ...v, message: miscCheckLine(ctx, check, v) };
}
