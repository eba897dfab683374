// vrrp_script scheduling: each tracked script runs at start-up and then every `interval`, killed after
// `timeout`; a run still going when the next is due is skipped with keepalived's log line. How a run
// ended goes back to the state machine, which does the rise/fall counting.
import type { VrrpScript } from '../config/model/vrrp.js';
import type { Log } from '../lib/log.js';
import type { ScriptOutcome } from './events.js';
import type { Clock, ScriptPort, TimerHandle } from './runtime-ports.js';

export class TrackScripts {
  private readonly timers = new Map<string, TimerHandle>();
  private readonly running = new Set<string>();
  private stopped = false;

  constructor(
    private readonly scripts: readonly VrrpScript[],
    private readonly port: ScriptPort,
    private readonly clock: Clock,
    private readonly log: Log,
    private readonly result: (name: string, outcome: ScriptOutcome) => void,
  ) {}

  start(): void {
    for (const s of this.scripts) this.tick(s);
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.timers.values()) this.clock.clearTimer(t);
    this.timers.clear();
  }

  private tick(s: VrrpScript): void {
    if (this.stopped) return;
    this.timers.set(s.name, this.clock.setTimer(s.interval * 1000, () => this.tick(s)));
    if (this.running.has(s.name)) {
      this.log.info(`Track script ${s.name} is already running, expect idle - skipping run`, { event: 'vrrp.script_skipped', script: s.name });
      return;
    }
    this.running.add(s.name);
    const timeoutMs = (s.timeout > 0 ? s.timeout : s.interval) * 1000;
    this.port.check(s.script, timeoutMs).then(
      (outcome) => this.done(s.name, outcome),
      (e: unknown) => {
        this.log.error(`VRRP_Script(${s.name}) could not run: ${(e as Error).message}`, { event: 'vrrp.script_error', script: s.name });
        this.done(s.name, { exitCode: 127 });
      },
    );
  }

  private done(name: string, outcome: ScriptOutcome): void {
    this.running.delete(name);
    if (!this.stopped) this.result(name, outcome);
  }
}
