// FILE_CHECK, as keepalived 2.2.7 (check_file.c, track_file.c): the integer in the track_file's file,
// times the weight (negated with `reverse`), is an adjustment to the real server's weight; clamped to
// 32 bits, INT32_MIN means fault (down). With weight 0 the value is a verdict instead: non-zero = down
// (reversed: zero = down). Nothing is polled: the scheduler re-runs this when the file changes.
import type { FileCheck } from '../../config/model/lvs.js';
import type { ProbeContext, ProbeResult } from '../probe.js';

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

/** keepalived's view of one value: fault, or the weight adjustment (its checker cur_weight). */
export type FileCheckStatus = { fault: true } | { fault: false; weightDelta: number };

export function fileCheckStatus(value: number, weight: number, reverse: boolean): FileCheckStatus {
  if (weight === 0) return (value !== 0) !== reverse ? { fault: true } : { fault: false, weightDelta: 0 };
  const s = Math.min(INT32_MAX, Math.max(INT32_MIN, value * weight * (reverse ? -1 : 1)));
  return s === INT32_MIN ? { fault: true } : { fault: false, weightDelta: s || 0 };
}

/**
 * On success `weight` is the ADJUSTMENT keepalived adds to the real server's configured weight (its
 * effective weight is the configured one plus every checker's adjustment), not an absolute weight.
 * The messages are the lines keepalived logs with -D (LOG_DETAIL) when the file enters/leaves fault.
 */
export async function probeFile(check: FileCheck, ctx: ProbeContext): Promise<ProbeResult> {
  let value = 0;
  try {
    value = ctx.ports.readTrackFile(check.file);
  } catch { /* unreadable reads as 0, as keepalived */ }
  const st = fileCheckStatus(value, check.weight, check.weightReverse);
  if (st.fault) return { ok: false, reason: 'fault', message: `(${ctx.rsKey}): tracked file ${check.trackFile} now FAULT state` };
  return { ok: true, weight: st.weightDelta, message: `(${ctx.rsKey}): tracked file ${check.trackFile} leaving FAULT state` };
}
