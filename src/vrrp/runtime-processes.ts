// vrrp_track_process scheduling: one snapshot of the process table before start-up (keepalived reads
// /proc then too), then every snapshot the port delivers goes through the pure tracker
// (track-process.ts); a fork_delay / terminate_delay arms one timer on the runtime's clock. Quorum
// changes go to the state machine, which logs them and moves the instances.
import type { Log } from '../lib/log.js';
import type { Clock, ProcessPort, TimerHandle } from './runtime-ports.js';
import {
  expireProcessDelays, initialProcessTracking, needsArgv, nextProcessDeadline, observeProcesses, quorumOf,
  type ProcessInfo, type ProcessStep, type ProcessTrackParams, type ProcessTracking, type QuorumChange,
} from './track-process.js';

export class TrackProcesses {
  private tracking: ProcessTracking = {};
  private timer?: TimerHandle;
  private stopped = false;
  private readonly withArgv: boolean;

  constructor(
    private readonly defs: readonly ProcessTrackParams[],
    private readonly port: ProcessPort | undefined,
    private readonly clock: Clock,
    private readonly log: Log,
    private readonly report: (change: QuorumChange) => void,
  ) {
    this.withArgv = needsArgv(defs);
  }

  /** The first snapshot: every tracked process's quorum (empty when nothing is tracked). */
  async start(): Promise<Record<string, boolean>> {
    if (!this.defs.length || !this.port) return {};
    let procs: ProcessInfo[] = [];
    try {
      procs = await this.port.scan(this.withArgv);
    } catch (e) {
      // as keepalived when it cannot read the process table: nothing runs, so no quorum
      this.log.error(`track_process: cannot read the process table: ${(e as Error).message}`, { event: 'vrrp.track_process_error' });
    }
    this.tracking = initialProcessTracking(this.defs, procs);
    return quorumOf(this.tracking);
  }

  /** From now on, follow the port's snapshots. */
  watch(): void {
    if (!this.defs.length || !this.port || this.stopped) return;
    this.port.watch(
      this.withArgv,
      (procs) => {
        if (!this.stopped) this.apply(observeProcesses(this.defs, this.tracking, procs, this.clock.now()));
      },
      () => new Set(Object.values(this.tracking).flatMap((t) => t.pids)),
    );
  }

  stop(): void {
    this.stopped = true;
    this.disarm();
  }

  private apply(r: ProcessStep): void {
    this.tracking = r.tracking;
    for (const c of r.changes) this.report(c);
    this.disarm();
    const at = nextProcessDeadline(this.tracking);
    if (at === undefined || this.stopped) return;
    this.timer = this.clock.setTimer(at - this.clock.now(), () => {
      this.timer = undefined;
      if (!this.stopped) this.apply(expireProcessDelays(this.defs, this.tracking, this.clock.now()));
    });
  }

  private disarm(): void {
    if (this.timer !== undefined) this.clock.clearTimer(this.timer);
    this.timer = undefined;
  }
}
