// The checker engine's time source (shared with the VRRP engine through src/lib).
export { systemClock, type Clock, type TimerHandle } from '../lib/clock.js';
