// What can happen to the VRRP state machine. Adverts arrive already decoded and validated
// (packet.ts, validate.ts): an advert that failed a check never becomes an event, so a backup's
// master-down timer keeps running through it, as in keepalived.
import type { IpAddress } from '../lib/ip.js';

export interface ReceivedAdvert {
  /** IP source address of the advert (the sender's primary address). */
  source: IpAddress;
  /** 0..255; 0 = the master is leaving. */
  priority: number;
  /** Advertisement interval in centiseconds (v2: the seconds field × 100). */
  advertIntCs: number;
  version: 2 | 3;
}

/** How one run of a vrrp_script ended. */
export type ScriptOutcome =
  | { exitCode: number }
  /** Killed by a signal we did not send. */
  | { signal: number }
  /** Ran past its timeout and was killed. */
  | { timedOut: true };

export type VrrpEvent =
  /** RFC 5798 Startup: every instance leaves Initialize (keepalived's vrrp_init_state). */
  | { type: 'startup' }
  /** The runtime's timer fired: every deadline at or before `now` is handled. */
  | { type: 'timer' }
  | { type: 'advert'; instance: string; advert: ReceivedAdvert }
  /** Link state of an interface (netlink). */
  | { type: 'interface'; name: string; up: boolean }
  /** The instance's source address (interface primary address) appeared, changed or vanished. */
  | { type: 'sourceAddress'; instance: string; address?: IpAddress }
  | { type: 'scriptResult'; name: string; outcome: ScriptOutcome }
  /** The integer read from a track_file (0 when unreadable or empty). */
  | { type: 'trackFile'; name: string; value: number }
  /** Whether a vrrp_track_process has its quorum. */
  | { type: 'trackProcess'; name: string; quorum: boolean }
  | { type: 'trackBfd'; name: string; up: boolean }
  /**
   * RFC 5798 Shutdown (SIGTERM/stop). `releaseVips: false` is keepalived's -V / --dont-release-vrrp:
   * no priority-0 advert, addresses left in place.
   */
  | { type: 'shutdown'; releaseVips?: boolean };

export type VrrpEventType = VrrpEvent['type'];
