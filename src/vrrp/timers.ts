// VRRP timer arithmetic (RFC 3768 §6.1, RFC 5798 §6.1), computed the way keepalived 2.2.7 does: in
// integer microseconds with its rounding, so a skew or master-down time here equals keepalived's to
// the microsecond. Results are returned in milliseconds (the unit of the state machine's clock).
// Advertisement intervals are centiseconds throughout: a v2 interval of 1 s is 100.

const US_PER_S = 1_000_000;
const US_PER_CS = 10_000;

/** Seconds as configured (`advert_int`) → centiseconds (v3 resolution; v2 intervals are whole seconds). */
export function advertIntervalCs(seconds: number): number {
  return Math.round(seconds * 100);
}

export function csToMs(cs: number): number {
  return cs * 10;
}

/**
 * Skew_Time in µs for a priority value `256 - priority` (keepalived's VRRP_TIMER_SKEW_CALC):
 * v2: (256 − priority) / 256 s, independent of the advert interval (RFC 3768);
 * v3: ((256 − priority) × Master_Adver_Interval) / 256 (RFC 5798), from the interval in centiseconds.
 */
function skewUs(version: 2 | 3, priorityValue: number, masterAdverIntCs: number): number {
  if (version === 3) return Math.floor((priorityValue * masterAdverIntCs * 625) / 16);
  return Math.floor((priorityValue * US_PER_S) / 256);
}

/** Skew_Time (ms) of a router with `priority`. */
export function skewTime(version: 2 | 3, priority: number, masterAdverIntCs: number): number {
  return skewUs(version, 256 - priority, masterAdverIntCs) / 1000;
}

/** The smallest skew (priority 255's): what keepalived waits past one interval when a sync group holds it back. */
export function minSkewTime(version: 2 | 3, masterAdverIntCs: number): number {
  return skewUs(version, 1, masterAdverIntCs) / 1000;
}

/** Master_Down_Interval (ms) = down_timer_adverts × Master_Adver_Interval + Skew_Time. */
export function masterDownInterval(version: 2 | 3, priority: number, masterAdverIntCs: number, downTimerAdverts = 3): number {
  return (downTimerAdverts * masterAdverIntCs * US_PER_CS + skewUs(version, 256 - priority, masterAdverIntCs)) / 1000;
}

/**
 * The Master_Adver_Interval a backup uses after hearing an advert: a v3 backup adopts the master's
 * advertised interval (RFC 5798 §6.4.2); v2 intervals must match (a mismatch is dropped by validation).
 */
export function adoptMasterAdverInt(version: 2 | 3, currentCs: number, advertisedCs: number): number {
  if (version !== 3 || advertisedCs <= 0) return currentCs;
  return advertisedCs;
}
