// The checker engine's time source: a monotonic clock in milliseconds and one-shot timers on it. The same
// shape as the VRRP side's Clock (src/vrrp/runtime-ports.ts), declared here because engines never import
// each other; src/core binds either to systemClock, tests to a fake clock they advance by hand.
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
