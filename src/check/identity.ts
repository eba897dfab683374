// Stable names for checkers and probes. Pure.
// - A checker's identity (vs key, rs key, kind, what it probes) decides whether a reloaded checker keeps
//   its state: keepalived migrates a checker when the old and new definitions compare equal, and its
//   compare functions look at what is probed (target, timeout, URLs, script), not at delay_loop/retry/
//   alpha. Config objects are rebuilt on every reload, so identity is a string, never an object.
// - A probe's share key (kind + everything the probe reads) decides which checkers may share one
//   transaction: the same target probed the same way gives the same answer whoever asked.
import type { Checker, HttpCheck, HttpUrl, RealServer } from '../config/model/lvs.js';

/**
 * Fields that steer the policy or the schedule, not the probe; and descriptions (a script's `role` names
 * the virtual server it was configured in).
 */
const POLICY_FIELDS = new Set(['pos', 'role', 'alpha', 'retry', 'delayBeforeRetry', 'delayLoop', 'warmup', 'logAllFailures', 'fastRecovery']);

/** JSON with sorted keys, without positions and policy fields; addresses by their text. */
export function canonical(value: unknown): string {
  return JSON.stringify(normalise(value));
}

function normalise(v: unknown): unknown {
  if (v === null || typeof v !== 'object') return v;
  if (v instanceof Uint8Array) return Array.from(v);
  if (Array.isArray(v)) return v.map(normalise);
  const o = v as Record<string, unknown>;
  // An IpAddress: its text names it.
  if (typeof o.text === 'string' && o.bytes instanceof Uint8Array) return o.text;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(o).sort()) {
    if (POLICY_FIELDS.has(k) || o[k] === undefined) continue;
    out[k] = normalise(o[k]);
  }
  return out;
}

/** What the probe of `c` reads, as a string (equal strings = the same probe). */
export function probeFingerprint(c: Checker): string {
  return `${c.kind} ${canonical(c)}`;
}

/**
 * A checker's identity across reloads. Several equal checkers on one real server are told apart by
 * their rank among equals (`#n`).
 */
export function checkerIdentity(vsKey: string, rsKey: string, c: Checker, rank: number): string {
  return `${vsKey}|${rsKey}|${probeFingerprint(c)}#${rank}`;
}

/** Identities of all checkers of a real server, in order. */
export function checkerIdentities(vsKey: string, rs: RealServer): string[] {
  const seen = new Map<string, number>();
  return rs.checkers.map((c) => {
    const fp = probeFingerprint(c);
    const n = seen.get(fp) ?? 0;
    seen.set(fp, n + 1);
    return checkerIdentity(vsKey, rs.key, c, n);
  });
}

/** HTTP_GET/SSL_GET probe one URL per transaction: the checker narrowed to URL `i`. */
export function oneUrl(c: HttpCheck, i: number): HttpCheck {
  const url: HttpUrl | undefined = c.urls[i];
  return { ...c, urls: url ? [url] : [] };
}

/**
 * The share key of one transaction. MISC_CHECK scripts are shared only between checkers of the same
 * real server address and port (the same server in several virtual servers): a script that names no
 * server in its arguments may still be meant for the one it is configured under.
 */
export function shareKey(probed: Checker, rs: Pick<RealServer, 'address' | 'port'>): string {
  const fp = probeFingerprint(probed);
  return probed.kind === 'MISC_CHECK' ? `${fp} @${rs.address.text}:${rs.port}` : fp;
}
