// A monotonic clock in milliseconds and one-shot timers on it: the time source of the VRRP and check
// engines. src/core binds them to systemClock; tests to a fake clock they advance by hand.
export type TimerHandle = unknown;

export interface Clock {
  now(): number;
  setTimer(delayMs: number, fn: () => void): TimerHandle;
  clearTimer(handle: TimerHandle): void;
}

/** The process's own clock: performance.now() and setTimeout. */
export const systemClock: Clock = {
  now: () => performance.now(),
  setTimer: (ms, fn) => setTimeout(fn, Math.max(0, ms)),
  clearTimer: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};
