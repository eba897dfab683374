// Drives the VRRP state machine in tests with an explicit clock: configuration text → parameters,
// a Router that steps events and fires its own deadlines up to a given time, a Lan that carries the
// adverts of several routers to each other, and small readers for the effects.
import assert from 'node:assert/strict';
import { buildConfig } from '../../../src/config/build.js';
import type { KeepalivedConfig } from '../../../src/config/model/index.js';
import { parseIp, type IpAddress } from '../../../src/lib/ip.js';
import type { VrrpEffect } from '../../../src/vrrp/effects.js';
import type { ReceivedAdvert, VrrpEvent } from '../../../src/vrrp/events.js';
import { initialFsmState, nextDeadline, step, type FsmState } from '../../../src/vrrp/fsm.js';
import type { Observed } from '../../../src/vrrp/fsm-state.js';
import { vrrpParams, type ParamOptions, type VrrpParams } from '../../../src/vrrp/params.js';
import { memoryHost } from '../config/memory-host.js';

export const ip = (text: string): IpAddress => {
  const a = parseIp(text);
  assert.ok(a, `bad address ${text}`);
  return a;
};

const FILE = '/etc/keepalived/keepalived.conf';

export function configOf(text: string): KeepalivedConfig {
  const r = buildConfig(FILE, memoryHost({ [FILE]: text }), { configId: 'test', env: { hostname: 'test' } });
  const bad = r.diagnostics.filter((d) => d.severity === 'fatal');
  assert.deepEqual(bad.map((d) => d.message), [], 'configuration does not load');
  return r.config;
}

export function paramsOf(text: string, opts: ParamOptions = {}): VrrpParams {
  return vrrpParams(configOf(text), opts);
}

/** A vrrp_instance block: interface eth0, VRID 51, one VIP, plus `body`. */
export function instanceConf(body: string, name = 'VI_1', vips = '10.0.0.100'): string {
  const vip = /^\s*virtual_ipaddress\s*\{/m.test(body) ? '' : `  virtual_ipaddress {\n    ${vips.split(' ').join('\n    ')}\n  }\n`;
  const ifc = /^\s*interface\s/m.test(body) ? '' : '  interface eth0\n';
  const vrid = body.includes('virtual_router_id') ? '' : '  virtual_router_id 51\n';
  return `vrrp_instance ${name} {\n${ifc}${vrid}${vip}${body}\n}\n`;
}

export interface AdvertOpts {
  priority?: number;
  advertIntCs?: number;
  version?: 2 | 3;
}

export function advertFrom(source: string, o: AdvertOpts = {}): ReceivedAdvert {
  return { source: ip(source), priority: o.priority ?? 100, advertIntCs: o.advertIntCs ?? 100, version: o.version ?? 2 };
}

/** One keepalived-ts VRRP process: state + clock + everything it emitted. */
export class Router {
  state: FsmState;
  now = 0;
  readonly effects: Array<VrrpEffect & { at: number }> = [];

  constructor(readonly params: VrrpParams, observed: Partial<Observed> = {}, readonly name = 'r') {
    this.state = initialFsmState(params, observed);
  }

  static fromConfig(text: string, address = '10.0.0.1', opts: ParamOptions & { observed?: Partial<Observed> } = {}): Router {
    const params = paramsOf(text, opts);
    const sourceAddresses = Object.fromEntries(params.instances.map((p) => [p.name, ip(address)]));
    return new Router(params, { sourceAddresses, ...opts.observed });
  }

  /** Step one event at the current time (or at `at`, which must not go back). */
  send(event: VrrpEvent, at = this.now): VrrpEffect[] {
    assert.ok(at >= this.now, `clock went back from ${this.now} to ${at}`);
    this.now = at;
    const r = step(this.state, event, at);
    this.state = r.state;
    for (const e of r.effects) this.effects.push({ ...e, at });
    return r.effects;
  }

  start(at = this.now): VrrpEffect[] {
    return this.send({ type: 'startup' }, at);
  }

  advert(source: string, o: AdvertOpts = {}, instance = 'VI_1'): VrrpEffect[] {
    return this.send({ type: 'advert', instance, advert: advertFrom(source, o) });
  }

  /** Fire every deadline up to and including `until`; returns the effects of those timer steps. */
  runUntil(until: number): VrrpEffect[] {
    const out: VrrpEffect[] = [];
    for (;;) {
      const d = nextDeadline(this.state);
      if (d === undefined || d > until) break;
      out.push(...this.send({ type: 'timer' }, Math.max(d, this.now)));
    }
    this.now = Math.max(this.now, until);
    return out;
  }

  inst(name = 'VI_1') {
    return this.state.instances[name];
  }

  /** Effects emitted since `from` (ms). */
  since(from: number): VrrpEffect[] {
    return this.effects.filter((e) => e.at >= from);
  }
}

// --- effect readers

export const logs = (effects: readonly VrrpEffect[], withDetail = true): string[] =>
  effects.flatMap((e) => (e.kind === 'log' && (withDetail || !e.detail) ? [e.message] : []));

export const adverts = (effects: readonly VrrpEffect[], instance?: string): number[] =>
  effects.flatMap((e) => (e.kind === 'sendAdvert' && (!instance || e.instance === instance) ? [e.priority] : []));

export const notifies = (effects: readonly VrrpEffect[]): string[] =>
  effects.flatMap((e) => (e.kind === 'notify' ? [e.fifoLine] : []));

/** A compact, ordered summary of the non-log effects: "advert 100", "add vip", "garp master x5", "notify MASTER". */
export function actions(effects: readonly VrrpEffect[]): string[] {
  const out: string[] = [];
  for (const e of effects) {
    switch (e.kind) {
      case 'sendAdvert': out.push(`advert ${e.priority}`); break;
      case 'addresses': out.push(`${e.op} ${e.which}${e.stale ? ' stale' : ''}`); break;
      case 'routes': out.push(`${e.op} routes`); break;
      case 'rules': out.push(`${e.op} rules`); break;
      case 'firewall': out.push(`${e.op} firewall`); break;
      case 'garp': out.push(`garp ${e.reason} x${e.repeat}`); break;
      case 'garpSource': out.push(`garp source ${e.address.text}`); break;
      case 'notify': out.push(`notify ${e.target === 'group' ? 'group ' : ''}${e.state}${e.rerun ? ' (rerun)' : ''}`); break;
      default: break;
    }
  }
  return out;
}

export const counters = (effects: readonly VrrpEffect[]): string[] =>
  effects.flatMap((e) => (e.kind === 'count' ? [e.counter] : []));

/** Routers on one segment: every advert one sends reaches all the others `latency` ms later. */
export class Lan {
  private queue: Array<{ at: number; to: Router; event: VrrpEvent; seq: number }> = [];
  private seq = 0;
  private readonly sourceOf = new Map<Router, string>();
  /** Routers whose adverts are currently not delivered (a partition). */
  readonly cut = new Set<Router>();
  now = 0;

  constructor(readonly latency = 1) {}

  add(r: Router, address: string): Router {
    this.sourceOf.set(r, address);
    return r;
  }

  get routers(): Router[] {
    return [...this.sourceOf.keys()];
  }

  private deliver(from: Router, effects: readonly VrrpEffect[], at: number): void {
    for (const e of effects) {
      if (e.kind !== 'sendAdvert') continue;
      const p = from.params.instances.find((i) => i.name === e.instance)!;
      for (const to of this.routers) {
        if (to === from || this.cut.has(from) || this.cut.has(to)) continue;
        const target = to.params.instances.find((i) => i.vrid === p.vrid);
        if (!target) continue;
        const advert = { source: ip(this.sourceOf.get(from)!), priority: e.priority, advertIntCs: p.advertIntCs, version: p.version };
        this.queue.push({ at: at + this.latency, to, event: { type: 'advert', instance: target.name, advert }, seq: this.seq++ });
      }
    }
  }

  /** Apply an event to one router now and carry its adverts. */
  send(r: Router, event: VrrpEvent): VrrpEffect[] {
    const fx = r.send(event, Math.max(this.now, r.now));
    this.deliver(r, fx, r.now);
    return fx;
  }

  /** Run every router's timers and every delivery, in time order, up to `until`. */
  runUntil(until: number): void {
    for (;;) {
      let best: { at: number; kind: 'timer'; r: Router } | { at: number; kind: 'packet'; i: number } | undefined;
      for (const r of this.routers) {
        const d = nextDeadline(r.state);
        if (d !== undefined && d <= until && (!best || d < best.at)) best = { at: d, kind: 'timer', r };
      }
      this.queue.forEach((q, i) => {
        if (q.at <= until && (!best || q.at < best.at || (q.at === best.at && best.kind === 'packet' && q.seq < this.queue[best.i].seq))) {
          best = { at: q.at, kind: 'packet', i };
        }
      });
      if (!best) break;
      this.now = Math.max(this.now, best.at);
      if (best.kind === 'timer') {
        const r = best.r;
        this.deliver(r, r.send({ type: 'timer' }, Math.max(best.at, r.now)), r.now);
      } else {
        const q = this.queue.splice(best.i, 1)[0];
        this.deliver(q.to, q.to.send(q.event, Math.max(q.at, q.to.now)), q.to.now);
      }
    }
    this.now = Math.max(this.now, until);
    for (const r of this.routers) r.now = Math.max(r.now, until);
  }
}
