// The health-check engine (keepalived's Keepalived_healthcheckers minus IPVS): one loop per checker on
// the injected clock — first check 1 s + random(0..warmup) after start-up or reload, then whatever delay
// its policy asks for — probes through the ProbeRunner (cap, deadline, sharing), verdicts into the
// HealthModel, notify scripts through the ports, and onChange() whenever what IPVS should hold changed.
//
// Sharing: checkers whose probes are identical (same kind, target and every probe parameter: see
// identity.ts) share the transaction, not their state. Each keeps its own retry counter, alpha, up/down
// and log lines, as keepalived keeps one checker_t per real server per virtual server; the servers may
// differ in retry, delay_loop or alpha, so one shared state would change what users configured. So that
// equal checkers actually meet, those with the same delay_loop and warmup draw one start-up offset: they
// then fire in the same tick and the later ones join the earlier one's probe.
import type { Checker, HttpCheck, LvsSection, RealServer, VirtualServer } from '../config/model/lvs.js';
import type { ScriptRef } from '../config/model/script.js';
import type { Log, LogFields } from '../lib/log.js';
import type { Clock, TimerHandle } from './clock.js';
import type { CheckPorts, ProbeContext, ProbeResult } from './probe.js';
import { createProbeRegistry, type ProbeFn, type ProbeRegistry } from './registry.js';
import { ProbeRunner, firstDelayMs, type Delivery, type Lane, type ProbeJob, type RunnerStats, type Ticket } from './scheduler.js';
import { HealthModel, applyStep, initialView, noEffects, type CheckerSlot, type Effects, type HealthEvent, type HealthViewLike, type RsRecord, type VsRecord, type VsSpec } from './health.js';
import { fileStep, initialFileState, initialState, step, trackFileStatus, type CheckerState, type LogLine, type PolicyParams, type PolledKind } from './policy.js';
import { checkerIdentities, oneUrl, shareKey } from './identity.js';
import * as m from './messages.js';

export interface EnginePorts extends CheckPorts {
  /** Launch a notify script (notify_up/down, quorum_up/down) with `args` appended; fire-and-forget. */
  notify(script: ScriptRef, args: readonly string[]): Promise<void>;
}

export interface CheckEngineOptions {
  clock: Clock;
  /** In [0, 1): the warmup draw. */
  random: () => number;
  log: Log;
  ports: EnginePorts;
  /** Replace some or all probes (tests). Default: createProbeRegistry(). */
  probes?: Partial<ProbeRegistry>;
  /** Cap on probes running at once; a number caps sockets only. Default 1024 sockets, 64 scripts. */
  maxConcurrent?: number | { sockets?: number; scripts?: number };
  /** How long past its deadline a probe may take to settle before it is declared hung. Default 1000. */
  graceMs?: number;
  /** See RunnerOptions.deferAbort (scheduler.ts); the daemon passes setImmediate. */
  deferAbort?: (fn: () => void) => void;
  /** FILE_CHECK: how often track files are re-read (keepalived uses inotify). Default 1000 ms. */
  trackFilePollMs?: number;
}

export interface StartOptions {
  /** ha_suspend: whether the virtual server's address is configured on this host now. Default: yes. */
  vipPresent?: (vs: VirtualServer) => boolean;
  /** global_defs checker_log_all_failures. */
  logAllFailures?: boolean;
  /** global_defs rs_init_notifies. */
  rsInitNotifies?: boolean;
  /**
   * Start-up only: decide the initial health but start no checker until releaseChecks(). keepalived programs
   * the table before it activates a checker; a thousand checks firing meanwhile would starve that work.
   */
  holdChecks?: boolean;
}

export interface EngineStats extends RunnerStats {
  checkers: number;
  /** Checker loops currently paused by ha_suspend. */
  suspended: number;
}

const POLLED = new Set<string>(['TCP_CHECK', 'HTTP_GET', 'SSL_GET', 'SMTP_CHECK', 'DNS_CHECK', 'MISC_CHECK', 'UDP_CHECK', 'PING_CHECK']);
/** How long stop() waits for omega notify scripts (keepalived gives them TIMER_HZ). */
const STOP_NOTIFY_MS = 1000;

/** One checker's loop. */
interface Run {
  readonly vs: VirtualServer;
  readonly rs: RealServer;
  readonly checker: Checker;
  readonly index: number;
  readonly vsRec: VsRecord;
  readonly rsRec: RsRecord;
  readonly slot: CheckerSlot;
  readonly params?: PolicyParams;
  timer?: TimerHandle;
  ticket?: Ticket;
  enabled: boolean;
  stopped: boolean;
  /** Its transactions, per HTTP URL index (0 for the other kinds): built once, their keys are not cheap. */
  readonly jobs: Map<number, EngineJob>;
}

interface EngineJob extends ProbeJob {
  readonly rsKey: string;
  readonly vsKey: string;
}

export class CheckEngine {
  private readonly clock: Clock;
  private readonly log: Log;
  private readonly ports: EnginePorts;
  private readonly probes: Partial<ProbeRegistry>;
  private readonly runner: ProbeRunner;
  private readonly filePollMs: number;
  private model?: HealthModel;
  private runs: Run[] = [];
  private fileTimer?: TimerHandle;
  /** ha_suspend virtual servers whose address is absent. */
  private readonly suspendedVs = new Set<string>();
  private readonly changeListeners = new Set<() => void>();
  private readonly eventListeners = new Set<(e: HealthEvent) => void>();
  private changePending = false;
  /** The launch a start-up held back (holdChecks). */
  private held?: () => void;
  /** Health changes so far: two equal counts, the same health. */
  private changes = 0;
  private opts: StartOptions = {};
  private running = false;

  constructor(private readonly o: CheckEngineOptions) {
    this.clock = o.clock;
    this.log = o.log;
    this.ports = o.ports;
    this.probes = o.probes ?? createProbeRegistry();
    const cap = typeof o.maxConcurrent === 'number' ? { sockets: o.maxConcurrent } : o.maxConcurrent ?? {};
    this.runner = new ProbeRunner(o.clock, { maxSockets: cap.sockets, maxScripts: cap.scripts, graceMs: o.graceMs, deferAbort: o.deferAbort });
    this.filePollMs = o.trackFilePollMs ?? 1000;
  }

  /** Start-up: every real server as keepalived has it at start, then the checker loops. */
  start(lvs: LvsSection, opts: StartOptions = {}): void {
    if (this.running) return this.reload(lvs, opts);
    this.running = true;
    this.opts = opts;
    const specs = this.specs(lvs, true);
    const { model, effects } = HealthModel.start(specs, { rsInitNotifies: opts.rsInitNotifies });
    this.model = model;
    this.suspendedVs.clear();
    for (const vs of lvs.virtualServers) if (vs.haSuspend && opts.vipPresent && !opts.vipPresent(vs)) this.suspendedVs.add(vs.key);
    if (opts.holdChecks) this.held = () => this.launch(lvs, specs);
    else this.launch(lvs, specs);
    this.emit(effects);
  }

  /** Starts the checkers a start-up held back (holdChecks); their first runs count from now. */
  releaseChecks(): void {
    const launch = this.held;
    this.held = undefined;
    if (this.running) launch?.();
  }

  /**
   * Reload: checkers whose configuration is unchanged (same virtual server, real server and probe)
   * keep their state; new ones start as at start-up; removed ones stop. Every loop restarts with its
   * start-up delay, as keepalived re-registers all checkers.
   */
  reload(lvs: LvsSection, opts: StartOptions = {}): void {
    if (!this.running || !this.model) return this.start(lvs, opts);
    this.opts = opts;
    // a reload before the held checkers were released launches the new set at once
    this.held = undefined;
    this.halt();
    const specs = this.specs(lvs, false);
    const { model, effects } = this.model.reload(specs, { rsInitNotifies: opts.rsInitNotifies });
    this.model = model;
    // ha_suspend carries over for virtual servers that keep it; the others are asked afresh.
    const before = new Set(this.suspendedVs);
    this.suspendedVs.clear();
    for (const vs of lvs.virtualServers) {
      if (!vs.haSuspend) continue;
      const absent = opts.vipPresent ? !opts.vipPresent(vs) : before.has(vs.key);
      if (absent) this.suspendedVs.add(vs.key);
    }
    this.launch(lvs, specs);
    this.emit(effects);
  }

  /**
   * Stop every loop and probe; with omega, run notify_down for the alive real servers and quorum_down,
   * waiting for those scripts at most 1 s.
   */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.held = undefined;
    this.halt();
    this.runner.abortAll();
    const fx = this.model ? this.model.stop() : noEffects();
    const launched = this.emit(fx, false);
    if (launched.length === 0) return;
    let timer: TimerHandle | undefined;
    await Promise.race([
      Promise.allSettled(launched),
      new Promise<void>((resolve) => {
        timer = this.clock.setTimer(STOP_NOTIFY_MS, resolve);
      }),
    ]);
    if (timer !== undefined) this.clock.clearTimer(timer);
  }

  /** Counts health changes: a listener that already read the health at this count has nothing new to do. */
  get healthVersion(): number {
    return this.changes;
  }

  /** What IPVS should reflect: structurally src/ipvs/desired.ts's HealthView. Live. */
  health(): HealthViewLike {
    const initial = initialView();
    const view = () => this.model?.view() ?? initial;
    return {
      realServer: (vs, rs) => view().realServer(vs, rs),
      quorumUp: (vs) => view().quorumUp(vs),
    };
  }

  /** Called (coalesced, on the next clock turn) when the alive set, a weight or a quorum changed. */
  onChange(cb: () => void): () => void {
    this.changeListeners.add(cb);
    return () => this.changeListeners.delete(cb);
  }

  /** Every notify event (for the notify FIFO: `RS <rs> <vs> UP|DOWN`, `VS <vs> UP|DOWN`). */
  onEvent(cb: (e: HealthEvent) => void): () => void {
    this.eventListeners.add(cb);
    return () => this.eventListeners.delete(cb);
  }

  /**
   * ha_suspend: pause (suspended) or resume the checkers of a virtual server, as keepalived does when
   * its address leaves or reaches this host. Ignored for virtual servers without ha_suspend.
   */
  setHaSuspended(vsKey: string, suspended: boolean): void {
    const runs = this.runs.filter((r) => r.vs.key === vsKey && r.vs.haSuspend);
    if (runs.length === 0) return;
    if (suspended) this.suspendedVs.add(vsKey);
    else this.suspendedVs.delete(vsKey);
    for (const r of runs) {
      if (!r.params || r.enabled === !suspended) continue;
      r.enabled = !suspended;
      this.info(m.suspending(r.rs.key, r.vs.key, suspended), { event: suspended ? 'check.suspended' : 'check.activated', vs: r.vs.key, rs: r.rs.key, kind: r.checker.kind });
    }
  }

  /** Re-read every track_file now (FILE_CHECK), e.g. when a watcher saw one change. */
  refreshTrackFiles(): void {
    for (const r of this.runs) if (r.checker.kind === 'FILE_CHECK' && !r.stopped) this.evaluateFile(r);
  }

  stats(): EngineStats {
    return { ...this.runner.stats(), checkers: this.runs.length, suspended: this.runs.filter((r) => r.params && !r.enabled).length };
  }

  // ---------------------------------------------------------------- building

  private specs(lvs: LvsSection, startUp: boolean): VsSpec[] {
    return lvs.virtualServers.map((vs) => ({
      vs,
      checkers: vs.realServers.map((rs) => {
        const ids = checkerIdentities(vs.key, rs);
        return rs.checkers.map((c, i): CheckerSlot => {
          const params = POLLED.has(c.kind) ? this.params(vs, rs, c) : undefined;
          return { id: ids[i], kind: c.kind, params, state: this.initial(c, params, startUp) };
        });
      }),
    }));
  }

  private params(vs: VirtualServer, rs: RealServer, c: Checker): PolicyParams {
    if (c.kind === 'FILE_CHECK' || c.kind === 'BFD_CHECK') throw new Error(`${c.kind} is not polled`);
    return {
      kind: c.kind,
      rsKey: rs.key,
      vsKey: vs.key,
      retry: c.retry,
      delayLoopMs: c.delayLoop * 1000,
      delayBeforeRetryMs: c.delayBeforeRetry * 1000,
      alpha: c.alpha,
      logAllFailures: c.logAllFailures || this.opts.logAllFailures === true,
      fastRecovery: c.kind === 'HTTP_GET' || c.kind === 'SSL_GET' ? c.fastRecovery : false,
      urlCount: c.kind === 'HTTP_GET' || c.kind === 'SSL_GET' ? c.urls.length : 0,
      miscDynamic: c.kind === 'MISC_CHECK' ? c.miscDynamic : false,
      rsWeight: rs.weight,
      script: c.kind === 'MISC_CHECK' ? c.script.argv[0] ?? c.script.command : '',
    };
  }

  private initial(c: Checker, params: PolicyParams | undefined, startUp: boolean): CheckerState {
    if (params) return initialState(params, startUp);
    if (c.kind === 'FILE_CHECK') return initialFileState(this.fileStatus(c));
    // BFD_CHECK: not supported yet, counted as up.
    return { isUp: true, hasRun: true, retryIt: 0, urlIt: 0, failedUrl: null, curWeight: 0 };
  }

  private fileStatus(c: Extract<Checker, { kind: 'FILE_CHECK' }>): number | 'fault' {
    let value = 0;
    try {
      value = this.ports.readTrackFile(c.file);
    } catch {
      // keepalived reads an unreadable file as 0
    }
    return trackFileStatus(Number.isFinite(value) ? value : 0, c.weight, c.weightReverse);
  }

  /** Create the loops and schedule their first checks. */
  private launch(lvs: LvsSection, specs: VsSpec[]): void {
    const model = this.model!;
    const runs: Run[] = [];
    const offsets = new Map<string, number>();
    let bfd = 0;
    specs.forEach((_spec, v) => {
      const vs = lvs.virtualServers[v];
      // By position: records are built in the order of the specs (and a duplicated key must not mix them up).
      const vsRec = model.records[v];
      vs.realServers.forEach((rs, r) => {
        const rsRec = vsRec.realServers[r];
        rs.checkers.forEach((checker, index) => {
          const slot = rsRec.checkers[index];
          const run: Run = { vs, rs, checker, index, vsRec, rsRec, slot, params: slot.params as PolicyParams | undefined, enabled: true, stopped: false, jobs: new Map() };
          runs.push(run);
          if (checker.kind === 'BFD_CHECK') bfd++;
          if (!run.params) return;
          run.enabled = !this.suspendedVs.has(vs.key);
          this.info(m.activating(rs.key, vs.key, run.enabled), { event: run.enabled ? 'check.activated' : 'check.deactivated', vs: vs.key, rs: rs.key, kind: checker.kind });
          // Equal probes on the same schedule draw one offset, so that they meet and share.
          const p = run.params;
          const warmupMs = (checker as { warmup: number }).warmup * 1000;
          const group = `${this.probeOf(run).key}|${p.delayLoopMs}|${warmupMs}`;
          let delay = offsets.get(group);
          if (delay === undefined) {
            delay = firstDelayMs(warmupMs, this.o.random);
            offsets.set(group, delay);
          }
          this.schedule(run, delay);
        });
      });
    });
    this.runs = runs;
    if (bfd > 0) this.log.warn(m.notSupported('BFD_CHECK', bfd), { event: 'check.unsupported', kind: 'BFD_CHECK', count: bfd });
    if (runs.some((r) => r.checker.kind === 'FILE_CHECK')) this.scheduleFilePoll();
  }

  /** Stop every loop (reload, stop): timers cleared, probe requests withdrawn. */
  private halt(): void {
    for (const r of this.runs) {
      r.stopped = true;
      if (r.timer !== undefined) this.clock.clearTimer(r.timer);
      r.timer = undefined;
      r.ticket?.cancel();
      r.ticket = undefined;
    }
    this.runs = [];
    if (this.fileTimer !== undefined) this.clock.clearTimer(this.fileTimer);
    this.fileTimer = undefined;
  }

  // ---------------------------------------------------------------- the loop

  private schedule(run: Run, delayMs: number): void {
    if (run.stopped) return;
    run.timer = this.clock.setTimer(Math.max(0, delayMs), () => this.fire(run));
  }

  private fire(run: Run): void {
    run.timer = undefined;
    if (run.stopped || !run.params) return;
    // A suspended checker keeps its rhythm without probing (keepalived re-arms delay_loop).
    if (!run.enabled) return this.schedule(run, run.params.delayLoopMs);
    if ((run.checker.kind === 'HTTP_GET' || run.checker.kind === 'SSL_GET') && run.checker.urls.length === 0) {
      // keepalived brings a checker without urls up without checking anything
      const now = this.clock.now();
      return this.handle(run, { result: { ok: true }, startedAt: now, settledAt: now, job: this.probeOf(run), hung: false });
    }
    const job = this.probeOf(run);
    run.ticket = this.runner.request(job, (d) => this.handle(run, d));
  }

  /** The transaction this checker's next attempt is. */
  private probeOf(run: Run): EngineJob {
    const { checker: c } = run;
    const url = c.kind === 'HTTP_GET' || c.kind === 'SSL_GET' ? run.slot.state.urlIt : 0;
    let job = run.jobs.get(url);
    if (!job) {
      job = this.buildJob(run, url);
      run.jobs.set(url, job);
    }
    return job;
  }

  private buildJob(run: Run, url: number): EngineJob {
    const { checker: c, rs, vs } = run;
    const probed: Checker = c.kind === 'HTTP_GET' || c.kind === 'SSL_GET' ? oneUrl(c as HttpCheck, url) : c;
    const lane: Lane = c.kind === 'MISC_CHECK' ? 'script' : 'socket';
    const timeoutMs = c.kind === 'MISC_CHECK' ? c.miscTimeout * 1000 : 'connection' in c ? c.connection.connectTimeout * 1000 : 5000;
    const fn = this.probes[c.kind as PolledKind] as ProbeFn<Checker> | undefined;
    const ports = this.ports;
    return {
      key: shareKey(probed, rs),
      lane,
      timeoutMs,
      rsKey: rs.key,
      vsKey: vs.key,
      run: (signal) => {
        if (!fn) return Promise.resolve({ ok: false, reason: 'unsupported', message: `${c.kind} has no probe` });
        const ctx: ProbeContext = { signal, timeoutMs, ports, rsKey: rs.key, vsKey: vs.key };
        return fn(probed, ctx);
      },
      hung: () => ({ ok: false, reason: 'timeout', message: m.hungProbeDetail(c.kind, rs.key, vs.key), cause: 'timed out' }),
    };
  }

  private handle(run: Run, d: Delivery): void {
    run.ticket = undefined;
    if (run.stopped || !run.params) return;
    const p = run.params;
    let r = rekey(d.result, d.job as EngineJob, run);
    const extra = r as { notices?: unknown; urlMessages?: unknown };
    // HTTP: the probe's own success message is the all-URLs line the policy logs itself; the URL's
    // "HTTP status code success to ..." line is its urlMessages[0].
    if (r.ok && (p.kind === 'HTTP_GET' || p.kind === 'SSL_GET') && Array.isArray(extra.urlMessages)) {
      const line: unknown = extra.urlMessages[0];
      r = { ...r, message: typeof line === 'string' ? line : undefined };
    }
    if (Array.isArray(extra.notices)) for (const n of extra.notices) if (typeof n === 'string') this.info(n, { event: 'check.notice', vs: run.vs.key, rs: run.rs.key, kind: p.kind });
    if (d.hung) this.log.debug(`${p.kind} probe of ${run.rs.key} did not settle ${d.settledAt - d.startedAt} ms after it started; given up`, { event: 'check.probe_hung', vs: run.vs.key, rs: run.rs.key, kind: p.kind });
    // A local error (socket/bind) is not the server's fault: keepalived logs it and tries again after delay_loop.
    if (!r.ok && r.reason === 'bind') {
      this.info(r.message, { event: 'check.local_error', vs: run.vs.key, rs: run.rs.key, kind: p.kind });
      return this.schedule(run, p.delayLoopMs);
    }
    const st = step(p, run.slot.state, r);
    const fx = noEffects();
    applyStep(run.vsRec, run.rsRec, run.index, st, fx);
    this.emitLogs(st.logs);
    this.emit(fx);
    const delay = st.fromStart ? d.startedAt + st.delayMs - this.clock.now() : st.delayMs;
    this.schedule(run, delay);
  }

  // ---------------------------------------------------------------- FILE_CHECK

  private scheduleFilePoll(): void {
    this.fileTimer = this.clock.setTimer(this.filePollMs, () => {
      this.fileTimer = undefined;
      this.refreshTrackFiles();
      if (this.running && this.runs.some((r) => r.checker.kind === 'FILE_CHECK')) this.scheduleFilePoll();
    });
  }

  private evaluateFile(run: Run): void {
    const c = run.checker;
    if (c.kind !== 'FILE_CHECK') return;
    const st = fileStep(run.slot.state, this.fileStatus(c), { rsKey: run.rs.key, vsKey: run.vs.key, file: c.trackFile });
    if (st.state === run.slot.state) return;
    const fx = noEffects();
    applyStep(run.vsRec, run.rsRec, run.index, st, fx);
    this.emitLogs(st.logs);
    this.emit(fx);
  }

  // ---------------------------------------------------------------- effects

  private info(msg: string, fields: LogFields): void {
    this.log.info(msg, fields);
  }

  private emitLogs(lines: readonly LogLine[]): void {
    for (const l of lines) this.log[l.level](l.msg, { ...l.fields });
  }

  /** Log, run scripts, tell listeners; returns the launched scripts' promises. */
  private emit(fx: Effects, notifyChange = true): Promise<void>[] {
    this.emitLogs(fx.logs);
    const launched: Promise<void>[] = [];
    for (const e of fx.events) {
      if (e.script) {
        const script = e.script;
        let p: Promise<void>;
        try {
          p = Promise.resolve(this.ports.notify(script, []));
        } catch (err) {
          p = Promise.reject(err);
        }
        launched.push(
          p.catch((err: unknown) => {
            this.log.warn(`Failed to run ${script.role} script ${script.command}: ${err instanceof Error ? err.message : String(err)}`, { event: 'check.notify_failed', script: script.command });
          }),
        );
      }
      for (const l of this.eventListeners) {
        try {
          l(e);
        } catch {
          // a listener's bug must not stop the checks
        }
      }
    }
    if (fx.changed) this.changes++;
    if (fx.changed && notifyChange) this.changed();
    return launched;
  }

  private changed(): void {
    if (this.changePending) return;
    this.changePending = true;
    this.clock.setTimer(0, () => {
      this.changePending = false;
      for (const cb of this.changeListeners) {
        try {
          cb();
        } catch (err) {
          this.log.error(`health change listener failed: ${err instanceof Error ? err.message : String(err)}`, { event: 'check.listener_failed' });
        }
      }
    });
  }
}

/** A shared probe's result in the words of another checker (its real and virtual server keys). */
function rekey(r: ProbeResult, job: EngineJob, run: Run): ProbeResult {
  if (job.rsKey === run.rs.key && job.vsKey === run.vs.key) return r;
  const fix = (s: string): string => {
    let out = s;
    if (job.rsKey !== run.rs.key) out = out.split(job.rsKey).join(run.rs.key);
    if (job.vsKey !== run.vs.key) out = out.split(job.vsKey).join(run.vs.key);
    return out;
  };
  const copy: Record<string, unknown> = { ...r };
  if (typeof copy.message === 'string') copy.message = fix(copy.message);
  if (Array.isArray(copy.notices)) copy.notices = copy.notices.map((n) => (typeof n === 'string' ? fix(n) : n));
  if (Array.isArray(copy.urlMessages)) copy.urlMessages = copy.urlMessages.map((n) => (typeof n === 'string' ? fix(n) : n));
  return copy as ProbeResult;
}
