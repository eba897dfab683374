// What the VRRP runtime needs besides the network ports (ports.ts): a clock with timers, a way to run
// scripts, the notify FIFO, track_file reading and the process table (track_process). The process
// (src/core/vrrp.ts) binds them to Node; tests bind them to fakes with an explicit clock.
import type { ScriptRef } from '../config/model/script.js';
import type { ScriptOutcome } from './events.js';
import type { ProcessInfo } from './track-process.js';

export { systemClock, type Clock, type TimerHandle } from '../lib/clock.js';

export interface ScriptPort {
  /**
   * Launch a notify script with `args` appended to its argv, fire-and-forget. The promise settles when it
   * has exited (only shutdown waits for that, and only briefly); a launch failure is logged by the port.
   */
  notify(script: ScriptRef, args: readonly string[]): Promise<void>;
  /** Run a vrrp_script; kill it after `timeoutMs` and report how it ended. */
  check(script: ScriptRef, timeoutMs: number): Promise<ScriptOutcome>;
}

/** The notify FIFO(s): one line per state change, newline added by the port. */
export interface FifoPort {
  write(line: string): void;
  close(): void;
}

/** track_file: the integer a file holds (0 when missing, empty or not a number), and change notification. */
export interface TrackFilePort {
  read(path: string): number;
  watch(path: string, onChange: () => void): void;
  close(): void;
}

/** vrrp_track_process: snapshots of the process table (zombies left out), and a stream of them. */
export interface ProcessPort {
  /** Every running process now; `argv` filled only when `withArgv`. */
  scan(withArgv: boolean): Promise<ProcessInfo[]>;
  /**
   * A snapshot after every change the port can see (it may also repeat unchanged ones). `counted`: the
   * processes the tracker counts now, whose exit matters most.
   */
  watch(withArgv: boolean, onSnapshot: (procs: readonly ProcessInfo[]) => void, counted?: () => Iterable<number>): void;
  close(): void;
}
