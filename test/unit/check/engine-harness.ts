// Drives the health-check engine without sockets or sleeping: a fake clock whose advance() fires the
// timers in order and lets promises settle between them, configuration text → LvsSection, fake probes
// steered per target, and ports that record notify scripts.
import assert from 'node:assert/strict';
import { buildConfig } from '../../../src/config/build.js';
import type { LvsSection } from '../../../src/config/model/lvs.js';
import type { ScriptRef } from '../../../src/config/model/script.js';
import type { Clock, TimerHandle } from '../../../src/check/clock.js';
import type { ProbeContext, ProbeResult, ScriptOutcome } from '../../../src/check/probe.js';
import type { ProbeRegistry } from '../../../src/check/registry.js';
import { CheckEngine, type EnginePorts } from '../../../src/check/engine.js';
import { recordingLog } from '../../../src/lib/log.js';
import { memoryHost } from '../config/memory-host.js';

interface Timer {
  at: number;
  seq: number;
  fn: () => void;
  cancelled: boolean;
}

/** Lets every pending promise callback run (no time passes). */
export const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export class FakeClock implements Clock {
  private t = 0;
  private seq = 0;
  private timers: Timer[] = [];

  now(): number {
    return this.t;
  }

  setTimer(delayMs: number, fn: () => void): TimerHandle {
    const timer: Timer = { at: this.t + Math.max(0, delayMs), seq: this.seq++, fn, cancelled: false };
    this.timers.push(timer);
    return timer;
  }

  clearTimer(handle: TimerHandle): void {
    (handle as Timer).cancelled = true;
  }

  pending(): number {
    return this.timers.filter((t) => !t.cancelled).length;
  }

  /** Fire every timer due up to now + ms, in time order, letting promises settle after each instant. */
  async advance(ms: number): Promise<void> {
    const end = this.t + ms;
    await settle();
    for (;;) {
      this.timers = this.timers.filter((t) => !t.cancelled);
      let next: Timer | undefined;
      for (const t of this.timers) if (t.at <= end && (!next || t.at < next.at || (t.at === next.at && t.seq < next.seq))) next = t;
      if (!next) break;
      this.t = next.at;
      // Everything due at this instant, then the promises it released.
      const due = this.timers.filter((t) => t.at === next!.at).sort((a, b) => a.seq - b.seq);
      for (const t of due) {
        if (t.cancelled) continue;
        t.cancelled = true;
        t.fn();
      }
      await settle();
    }
    this.t = end;
    await settle();
  }
}

const FILE = '/etc/keepalived/keepalived.conf';

export function lvsOf(text: string): LvsSection {
  const r = buildConfig(FILE, memoryHost({ [FILE]: text }), { configId: 'test', env: { hostname: 'test' } });
  const bad = r.diagnostics.filter((d) => d.severity === 'fatal' || d.severity === 'error');
  assert.deepEqual(bad.map((d) => d.message), [], 'configuration does not load');
  return r.config.lvs;
}

/** How a fake target answers. */
export type Behaviour = 'up' | 'down' | 'hang' | 'stuck' | ((ctx: ProbeContext) => Promise<ProbeResult>);

/**
 * Fake probes for every kind, steered per target (`ip:port` of the connection, or the MISC script
 * command). 'hang' settles with a timeout when the deadline aborts the signal; 'stuck' never settles.
 */
export class FakeTargets {
  readonly behaviour = new Map<string, Behaviour>();
  /** Every probe call: target, clock time, and the signal it got. */
  readonly calls: Array<{ target: string; at: number; signal: AbortSignal; kind: string; url?: string }> = [];
  /** Clock time at which each aborted signal fired. */
  readonly aborts: number[] = [];
  miscWeight = new Map<string, number>();

  constructor(private readonly clock: FakeClock) {}

  set(target: string, b: Behaviour): void {
    this.behaviour.set(target, b);
  }

  callsTo(target: string): number {
    return this.calls.filter((c) => c.target === target).length;
  }

  private answer(kind: string, target: string, ctx: ProbeContext, url?: string): Promise<ProbeResult> {
    this.calls.push({ target, at: this.clock.now(), signal: ctx.signal, kind, url });
    ctx.signal.addEventListener('abort', () => this.aborts.push(this.clock.now()), { once: true });
    const b = this.behaviour.get(target) ?? 'up';
    if (typeof b === 'function') return b(ctx);
    if (b === 'up') {
      const w = this.miscWeight.get(target);
      return Promise.resolve(kind === 'HTTP_GET' ? { ok: true, message: `HTTP status code success to ${ctx.rsKey} url(${url})` } : w !== undefined ? { ok: true, weight: w } : { ok: true });
    }
    if (b === 'down') {
      return Promise.resolve(
        kind === 'MISC_CHECK'
          ? { ok: false, reason: 'exit', message: 'exit 1', cause: 'exited with status 1' }
          : { ok: false, reason: 'refused', message: `${kind} connection to ${ctx.rsKey} failed.` },
      );
    }
    if (b === 'stuck') return new Promise<ProbeResult>(() => {});
    return new Promise<ProbeResult>((resolve) => {
      ctx.signal.addEventListener('abort', () => resolve({ ok: false, reason: 'timeout', message: `${kind} connection to ${ctx.rsKey} timeout.`, cause: 'timed out' }), { once: true });
    });
  }

  registry(): ProbeRegistry {
    const co = (c: { connection: { connectIp: { text: string }; connectPort: number } }) => `${c.connection.connectIp.text}:${c.connection.connectPort}`;
    return {
      TCP_CHECK: (c, ctx) => this.answer('TCP_CHECK', co(c), ctx),
      HTTP_GET: (c, ctx) => {
        assert.equal(c.urls.length, 1, 'one URL per transaction');
        return this.answer('HTTP_GET', `${co(c)}${c.urls[0].path}`, ctx, c.urls[0].path);
      },
      SSL_GET: (c, ctx) => this.answer('SSL_GET', `${co(c)}${c.urls[0].path}`, ctx, c.urls[0].path),
      SMTP_CHECK: (c, ctx) => this.answer('SMTP_CHECK', co(c), ctx),
      DNS_CHECK: (c, ctx) => this.answer('DNS_CHECK', co(c), ctx),
      MISC_CHECK: (c, ctx) => this.answer('MISC_CHECK', c.script.command, ctx),
      UDP_CHECK: (c, ctx) => this.answer('UDP_CHECK', co(c), ctx),
      PING_CHECK: (c, ctx) => this.answer('PING_CHECK', c.connection.connectIp.text, ctx),
    };
  }
}

export class RecordingPorts implements EnginePorts {
  readonly notified: Array<{ command: string; args: readonly string[]; at: number }> = [];
  readonly files = new Map<string, number>();

  constructor(private readonly clock: FakeClock) {}

  notify(script: ScriptRef, args: readonly string[]): Promise<void> {
    this.notified.push({ command: script.command, args, at: this.clock.now() });
    return Promise.resolve();
  }

  runScript(): Promise<ScriptOutcome> {
    throw new Error('runScript is the MISC probe\'s business');
  }

  icmpEcho(): Promise<boolean> {
    throw new Error('icmpEcho is the PING probe\'s business');
  }

  readTrackFile(path: string): number {
    return this.files.get(path) ?? 0;
  }
}

/** An engine on a fake clock with fake probes; random() = 0.5 unless told. */
export function harness(opts: { random?: () => number; maxSockets?: number; maxScripts?: number } = {}) {
  const clock = new FakeClock();
  const targets = new FakeTargets(clock);
  const ports = new RecordingPorts(clock);
  const log = recordingLog();
  const engine = new CheckEngine({
    clock,
    random: opts.random ?? (() => 0.5),
    log,
    ports,
    probes: targets.registry(),
    maxConcurrent: { sockets: opts.maxSockets, scripts: opts.maxScripts },
  });
  let changes = 0;
  engine.onChange(() => changes++);
  const msgs = (re?: RegExp) => log.lines.map((l) => l.msg).filter((m) => !re || re.test(m));
  return { clock, targets, ports, log, engine, msgs, changes: () => changes };
}
