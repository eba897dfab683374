// keepalived's respawn rate limit for a child that died (KEEPALIVED.md §2.4), as a pure function: a child
// that had run for more than a minute is restarted at once; after a quick death the first restart is
// immediate too, and each further quick death doubles the delay (1, 2, 4 ... s) up to a minute.
export interface RespawnState {
  /** Quick deaths in a row (reset by a child that ran longer than RESPAWN_WINDOW_MS). */
  readonly quickDeaths: number;
}

export const RESPAWN_WINDOW_MS = 60_000;
export const RESPAWN_MAX_DELAY_MS = 60_000;

export const initialRespawn: RespawnState = { quickDeaths: 0 };

export interface RespawnDecision {
  readonly state: RespawnState;
  readonly delayMs: number;
  /** keepalived logs "Restart of ... delayed N seconds to limit respawn rate" only after a quick death. */
  readonly rateLimited: boolean;
}

/** When to restart a child that ran for `ranMs` before it died. */
export function nextRespawn(state: RespawnState, ranMs: number): RespawnDecision {
  if (ranMs > RESPAWN_WINDOW_MS) return { state: initialRespawn, delayMs: 0, rateLimited: false };
  const quickDeaths = state.quickDeaths + 1;
  const delayMs = quickDeaths === 1 ? 0 : Math.min(RESPAWN_MAX_DELAY_MS, 1000 * 2 ** (quickDeaths - 2));
  return { state: { quickDeaths }, delayMs, rateLimited: true };
}
