// The VRRP runtime: the thin I/O shell around the pure state machine. It turns what happens (timers,
// packets, link and address changes, script results, track files) into events for fsm.step(), and
// executes the effects step() returns, in order, through the ports: adverts out of raw sockets, VIPs,
// routes and rules through rtnetlink, GARP/NA bursts as whole frames, notify scripts and FIFO lines,
// log lines and counters. It owns no policy: every decision is the state machine's.
//
// One timer is armed for nextDeadline(state). Effects run through one serial queue, so a GARP never
// leaves before the VIP it announces is installed, and an advert never overtakes the step that asked
// for it; synchronous effects (adverts, logs) run at once when the queue is idle.
import type { GlobalDefs } from '../config/model/global.js';
import type { VirtualIpAddress, VrrpInstance, VrrpSection } from '../config/model/vrrp.js';
import type { IpAddress } from '../lib/ip.js';
import type { Log } from '../lib/log.js';
import type { NotifyState, VrrpEffect } from './effects.js';
import type { VrrpEvent } from './events.js';
import { firewallElements, firewallSettings, type FirewallElement, type FirewallPort } from './firewall.js';
import { initialFsmState, nextDeadline, step, type FsmState } from './fsm.js';
import type { InstanceStateName } from './fsm-state.js';
import { vrrpParams, type ParamOptions, type VrrpParams } from './params.js';
import { carryOver, planReload, releaseInstances, reloadFifoStates, type ReloadPlan } from './reload.js';
import type { AddressPort, AddressEvent, FrameSender, LinkEvent, PacketPort } from './ports.js';
import { formatData, toJson } from './runtime-dumps.js';
import { Announcer } from './runtime-garp.js';
import { InterfaceTable } from './runtime-interfaces.js';
import { TrackProcesses } from './runtime-processes.js';
import { systemClock, type Clock, type FifoPort, type ProcessPort, type ScriptPort, type TimerHandle, type TrackFilePort } from './runtime-ports.js';
import { TrackScripts } from './runtime-scripts.js';
import { processTrackParams } from './track-process.js';
import { VrrpStats } from './runtime-stats.js';
import { AdvertWire } from './runtime-wire.js';

export type VrrpRuntimeConfig = { global: GlobalDefs; vrrp: VrrpSection };

/** What a runtime hands its successor on reload. */
export interface HandOver {
  state: FsmState;
  instances: readonly VrrpInstance[];
  plan: ReloadPlan;
}

export interface VrrpRuntimeOptions {
  config: VrrpRuntimeConfig;
  addresses: AddressPort;
  packets: PacketPort;
  scripts: ScriptPort;
  log: Log;
  clock?: Clock;
  fifo?: FifoPort;
  trackFiles?: TrackFilePort;
  /** The process table, for vrrp_track_process. */
  processes?: ProcessPort;
  /** Whether an interface forwards IPv6 (sets the Router flag of our NAs); default: no. */
  ipv6Forwarding?: (dev: string) => boolean;
  params?: ParamOptions;
  /** How long shutdown waits for notify_stop scripts (keepalived: about 1 s). */
  stopScriptWaitMs?: number;
  /** no_accept drop rules (nftables); without it they are only warned about. */
  firewall?: FirewallPort;
  /** Told of every instance notify, when keepalived runs notify scripts (lvs_sync_daemon follows it). */
  onInstanceState?: (instance: string, state: NotifyState) => void;
  /** Each state a sync group enters (smtp_alert for groups). */
  onGroupState?: (group: string, state: NotifyState) => void;
}

export class VrrpRuntime {
  private stateValue: FsmState;
  readonly stats = new VrrpStats();
  private readonly clock: Clock;
  private readonly log: Log;
  private readonly interfaces = new InterfaceTable();
  private readonly config: VrrpRuntimeConfig;
  private readonly params: VrrpParams;
  private readonly instances: Map<string, VrrpInstance>;
  private readonly ownAddresses: Set<string>;
  private readonly wire: AdvertWire;
  private frames?: FrameSender;
  private readonly announcer: Announcer;
  private scriptsRunner?: TrackScripts;
  private processTracker?: TrackProcesses;
  private timer?: TimerHandle;
  private armedAt?: number;
  private readonly queue: VrrpEffect[] = [];
  private draining = false;
  private drained: Array<() => void> = [];
  private readonly stopScripts: Promise<void>[] = [];
  private phase: 'new' | 'starting' | 'running' | 'stopping' | 'stopped' = 'new';
  private buffered: Array<LinkEvent | AddressEvent> = [];
  private firewallWarned = false;

  constructor(private readonly o: VrrpRuntimeOptions) {
    this.clock = o.clock ?? systemClock;
    this.log = o.log;
    this.config = o.config;
    this.params = vrrpParams(o.config, o.params);
    this.instances = new Map(o.config.vrrp.instances.map((i) => [i.name, i]));
    this.ownAddresses = new Set(
      o.config.vrrp.instances.flatMap((i) => [...i.virtualIpaddress, ...i.virtualIpaddressExcluded].map((v) => v.address.text)),
    );
    this.stateValue = initialFsmState(this.params);
    this.wire = new AdvertWire({
      packets: o.packets,
      interfaces: this.interfaces,
      global: o.config.global,
      stats: this.stats,
      log: this.log,
      stateOf: (name) => this.stateValue.instances[name],
      advert: (instance, advert) => this.dispatch({ type: 'advert', instance, advert }),
    });
    const garpGroups = o.config.vrrp.garpGroups;
    this.announcer = new Announcer({
      frames: () => this.frames,
      interfaces: this.interfaces,
      clock: this.clock,
      log: this.log,
      intervalOverride: (dev) => {
        const g = garpGroups.find((x) => x.interfaces.includes(dev));
        if (!g) return undefined;
        return {
          arpMs: g.garpInterval !== undefined ? g.garpInterval * 1000 : undefined,
          naMs: g.gnaInterval !== undefined ? g.gnaInterval * 1000 : undefined,
        };
      },
      ipv6Forwarding: (dev) => o.ipv6Forwarding?.(dev) ?? false,
      sent: (vip) => {
        for (const i of this.o.config.vrrp.instances) {
          if ([...i.virtualIpaddress, ...i.virtualIpaddressExcluded].includes(vip)) this.stats.announced(i.name, vip.address.text);
        }
      },
    });
  }

  /** The state machine's current state (read-only). */
  get state(): FsmState {
    return this.stateValue;
  }

  /** Every instance's state, by name. */
  instanceStates(): Record<string, InstanceStateName> {
    return Object.fromEntries(Object.values(this.stateValue.instances).map((s) => [s.name, s.state]));
  }

  /** Instance names in configuration order. */
  get instanceNames(): string[] {
    return this.params.instances.map((p) => p.name);
  }

  /** Reads the machine, opens sockets and starts every instance (RFC 5798 Startup). */
  async start(opts: { carry?: HandOver } = {}): Promise<void> {
    if (this.phase !== 'new') throw new Error('the VRRP runtime was already started');
    this.phase = 'starting';
    // subscribe before the dump, so nothing that changes in between is missed
    this.o.addresses.subscribe((e) => this.onNetlink(e));
    // one after the other: a netlink socket serves one dump at a time
    const links = await this.o.addresses.links();
    const addresses = await this.o.addresses.addresses();
    this.interfaces.load(links, addresses);
    this.frames = this.o.packets.openFrameSender();
    this.wire.open(this.o.config.vrrp.instances);

    const interfaces: Record<string, boolean> = {};
    for (const p of this.params.instances) for (const t of p.tracking.interfaces) interfaces[t.name] = this.interfaces.isUp(t.name);
    const sourceAddresses: Record<string, IpAddress | undefined> = {};
    for (const p of this.params.instances) sourceAddresses[p.name] = this.primaryAddress(p.name);
    const files: Record<string, number> = {};
    for (const f of this.trackedFiles()) {
      files[f.name] = this.o.trackFiles?.read(f.file) ?? 0;
      this.o.trackFiles?.watch(f.file, () => this.dispatch({ type: 'trackFile', name: f.name, value: this.o.trackFiles!.read(f.file) }));
    }
    const trackedProcesses = new Set(this.params.instances.flatMap((p) => p.tracking.processes.map((t) => t.name)));
    this.processTracker = new TrackProcesses(
      this.config.vrrp.trackProcesses.filter((t) => trackedProcesses.has(t.name)).map(processTrackParams),
      this.o.processes, this.clock, this.log, (c) => this.dispatch({ type: 'trackProcess', name: c.name, quorum: c.quorum }),
    );
    const processes = await this.processTracker.start();
    const observed = { interfaces, sourceAddresses, files, processes };
    this.phase = 'running';
    this.wire.listening = true;
    if (opts.carry) {
      const c = opts.carry;
      const r = carryOver({
        old: c.state, oldInstances: c.instances, params: this.params, instances: this.o.config.vrrp.instances, plan: c.plan, observed,
        now: this.clock.now(), fifoStates: this.config.global.fifoWriteVrrpStatesOnReload,
      });
      this.stateValue = r.state;
      // carried masters keep drop rules for the addresses the new configuration gives them
      for (const p of this.params.instances) void this.o.firewall?.instance(p.name, p.firewall && r.state.instances[p.name]?.vipsSet ? this.firewallElements(p.name) : undefined);
      this.enqueue(r.effects);
      this.arm();
      // the carried instances still hold the old observations: report what is true now
      for (const [name, up] of Object.entries(interfaces)) this.dispatch({ type: 'interface', name, up });
      for (const [instance, address] of Object.entries(sourceAddresses)) {
        if (address?.text !== this.stateValue.observed.sourceAddresses[instance]?.text) this.dispatch({ type: 'sourceAddress', instance, address });
      }
      for (const [name, value] of Object.entries(files)) this.dispatch({ type: 'trackFile', name, value });
      for (const [name, quorum] of Object.entries(processes)) this.dispatch({ type: 'trackProcess', name, quorum });
    } else {
      this.stateValue = initialFsmState(this.params, observed);
      this.dispatch({ type: 'startup' });
    }
    const buffered = this.buffered;
    this.buffered = [];
    for (const e of buffered) this.onNetlink(e);

    const tracked = new Set(this.params.instances.flatMap((p) => p.tracking.scripts.map((s) => s.name)));
    const scripts = this.config.vrrp.vrrpScripts.filter((s) => tracked.has(s.name));
    this.scriptsRunner = new TrackScripts(scripts, this.o.scripts, this.clock, this.log, (name, outcome) =>
      this.dispatch({ type: 'scriptResult', name, outcome }),
    );
    this.scriptsRunner.start();
    this.processTracker.watch();
    await this.idle();
  }

  /**
   * RFC 5798 Shutdown: masters send priority 0 and release their addresses (unless `releaseVips` is
   * false, keepalived's -V), every instance announces STOP; then everything is closed.
   */
  async stop(opts: { releaseVips?: boolean } = {}): Promise<void> {
    if (this.phase === 'stopped' || this.phase === 'stopping') return;
    const wasRunning = this.phase === 'running';
    this.phase = 'stopping';
    this.scriptsRunner?.stop();
    this.processTracker?.stop();
    if (wasRunning) {
      const r = step(this.stateValue, { type: 'shutdown', releaseVips: opts.releaseVips ?? true }, this.clock.now());
      this.stateValue = r.state;
      this.enqueue(r.effects);
      await this.idle();
      await this.waitStopScripts();
    }
    this.close();
  }

  private close(): void {
    this.disarm();
    this.announcer.close();
    this.wire.close();
    this.frames?.close();
    this.frames = undefined;
    this.o.trackFiles?.close();
    this.o.processes?.close();
    this.o.fifo?.close();
    this.o.addresses.close();
    this.phase = 'stopped';
  }

  /**
   * Reload, old side: give up the instances `config` no longer has (priority 0 and release if MASTER,
   * DELETED/FAULT), then close everything without touching the rest, and hand the state to the successor.
   */
  async handOver(config: VrrpRuntimeConfig, params: ParamOptions | undefined = this.o.params): Promise<HandOver> {
    if (this.phase !== 'running') throw new Error('only a running VRRP runtime can hand over');
    const plan = planReload(this.stateValue, this.o.config.vrrp.instances, vrrpParams(config, params), config.vrrp.instances);
    this.scriptsRunner?.stop();
    this.processTracker?.stop();
    const r = releaseInstances(this.stateValue, plan, this.clock.now());
    this.stateValue = r.state;
    this.enqueue(r.effects);
    this.phase = 'stopping';
    await this.idle();
    await this.waitStopScripts();
    this.close();
    return { state: this.stateValue, instances: this.o.config.vrrp.instances, plan };
  }

  /** A reload that changed nothing here, with fifo_write_vrrp_states_on_reload: every state to the FIFO. */
  writeStatesToFifo(): Promise<void> {
    this.enqueue(reloadFifoStates(this.stateValue));
    return this.idle();
  }

  /** Resolves once every effect queued so far has been executed. */
  idle(): Promise<void> {
    if (!this.draining && this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.drained.push(resolve));
  }

  /** keepalived's statistics dump (SIGUSR2), instance by instance. */
  formatStats(): string {
    return this.stats.format(this.instanceNames);
  }

  /** keepalived.data (SIGUSR1): a readable picture of every instance; like keepalived's, not a stable format. */
  formatData(): string {
    return formatData(this.stateValue, this.params, this.instances);
  }

  /** keepalived.json (SIGRTMIN+2). */
  toJSON(): unknown[] {
    return toJson(this.stateValue, this.params, this.instances, this.stats);
  }

  /** Feeds one event to the state machine and executes what it asks for. */
  dispatch(event: VrrpEvent): void {
    if (this.phase !== 'running') return;
    const r = step(this.stateValue, event, this.clock.now());
    this.stateValue = r.state;
    this.enqueue(r.effects);
    this.arm();
  }

  // --- timers

  private arm(): void {
    const at = nextDeadline(this.stateValue);
    if (at === this.armedAt && this.timer !== undefined) return;
    this.disarm();
    if (at === undefined || this.phase !== 'running') return;
    this.armedAt = at;
    this.timer = this.clock.setTimer(at - this.clock.now(), () => {
      this.timer = undefined;
      this.armedAt = undefined;
      this.dispatch({ type: 'timer' });
      this.arm();
    });
  }

  private disarm(): void {
    if (this.timer !== undefined) this.clock.clearTimer(this.timer);
    this.timer = undefined;
    this.armedAt = undefined;
  }

  // --- links and addresses

  private onNetlink(e: LinkEvent | AddressEvent): void {
    if (this.phase === 'starting') {
      this.buffered.push(e);
      return;
    }
    if (this.phase !== 'running') return;
    const name = this.interfaces.apply(e);
    if (e.kind === 'link' || e.kind === 'link-removed') {
      const tracked = name !== undefined && this.params.instances.some((p) => p.tracking.interfaces.some((t) => t.name === name));
      if (tracked) this.dispatch({ type: 'interface', name: name!, up: this.interfaces.isUp(name!) });
      if (e.kind === 'link') this.wire.rejoin(e.link.name);
    }
    this.refreshSources();
  }

  /** The address an instance advertises from when none is configured. */
  private primaryAddress(name: string): IpAddress | undefined {
    const cfg = this.instances.get(name)!;
    if (cfg.srcIp || !cfg.interface) return cfg.srcIp;
    return this.interfaces.primary(cfg.interface, cfg.family, this.ownAddresses);
  }

  private refreshSources(): void {
    for (const p of this.params.instances) {
      const now = this.primaryAddress(p.name);
      const was = this.stateValue.observed.sourceAddresses[p.name];
      if (now?.text !== was?.text) this.dispatch({ type: 'sourceAddress', instance: p.name, address: now });
    }
  }

  private trackedFiles(): Array<{ name: string; file: string }> {
    const names = new Set(this.params.instances.flatMap((p) => p.tracking.files.map((f) => f.name)));
    return this.config.vrrp.trackFiles.filter((f) => names.has(f.name)).map((f) => ({ name: f.name, file: f.file }));
  }

  // --- effects

  private enqueue(effects: readonly VrrpEffect[]): void {
    if (!effects.length) return;
    this.queue.push(...effects);
    if (!this.draining) void this.drain();
  }

  private async drain(): Promise<void> {
    this.draining = true;
    try {
      while (this.queue.length) {
        const e = this.queue.shift()!;
        try {
          const r = this.execute(e);
          if (r) await r;
        } catch (err) {
          this.log.error(`VRRP: ${e.kind} for ${'instance' in e ? e.instance : ''} failed: ${(err as Error).message}`, { event: 'vrrp.effect_failed', kind: e.kind });
        }
      }
    } finally {
      this.draining = false;
      const waiters = this.drained;
      this.drained = [];
      for (const w of waiters) w();
    }
  }

  private execute(e: VrrpEffect): Promise<void> | void {
    switch (e.kind) {
      case 'log':
        if (e.detail) this.log.debug(e.message, e.fields);
        else this.log[e.level](e.message, e.fields);
        return;
      case 'count':
        this.stats.count(e.instance, e.counter);
        return;
      case 'sendAdvert':
        return this.sendAdvert(e.instance, e.priority);
      case 'addresses':
        return this.addresses(e.instance, e.op, e.addresses, e.stale ?? false);
      case 'routes':
        return this.each(e.instance, e.routes, (r) => (e.op === 'add' ? this.o.addresses.addRoute(r) : this.o.addresses.delRoute(r)), `${e.op} route`);
      case 'rules':
        return this.each(e.instance, e.rules, (r) => (e.op === 'add' ? this.o.addresses.addRule(r) : this.o.addresses.delRule(r)), `${e.op} rule`);
      case 'firewall':
        if (this.o.firewall) return this.o.firewall.instance(e.instance, e.op === 'add' ? this.firewallElements(e.instance) : undefined);
        if (!this.firewallWarned) {
          this.firewallWarned = true;
          this.log.warn(`(${e.instance}) no_accept/strict mode: no nftables here; VIP traffic is NOT being filtered as keepalived would`);
        }
        return;
      case 'garp':
        this.announcer.burst(e);
        return;
      case 'garpSource': {
        const dev = e.dev ?? this.instances.get(e.instance)?.interface;
        if (dev) this.announcer.burst({ addresses: [sourceVip(e.address, dev)], repeat: 1, arpIntervalMs: 0, naIntervalMs: 0 });
        return;
      }
      case 'notify': {
        for (const c of e.scripts) {
          const p = this.o.scripts.notify(c.script, c.args).catch(() => undefined);
          // keepalived gives notify_stop scripts about a second before it exits
          if (this.phase === 'stopping' && e.state === 'STOP') this.stopScripts.push(p);
        }
        this.o.fifo?.write(e.fifoLine);
        if (e.target === 'instance') this.o.onInstanceState?.(e.name, e.state);
        else this.o.onGroupState?.(e.name, e.state);
        return;
      }
    }
  }

  private firewallElements(name: string): FirewallElement[] {
    const settings = firewallSettings(this.config.global);
    return settings ? firewallElements(this.instances.get(name)!, settings, (dev) => this.interfaces.link(dev)?.index) : [];
  }

  private sendAdvert(name: string, priority: number): void {
    const cfg = this.instances.get(name)!;
    this.wire.send(cfg, priority, cfg.srcIp ?? this.stateValue.observed.sourceAddresses[name]);
  }

  private async addresses(name: string, op: 'add' | 'remove', list: readonly VirtualIpAddress[], stale: boolean): Promise<void> {
    for (const vip of list) {
      if (stale && !this.interfaces.hasAddress(vip.dev, vip.address)) continue;
      try {
        if (op === 'add') await this.o.addresses.addAddress(vip);
        else await this.o.addresses.delAddress(vip);
      } catch (err) {
        this.log.error(`(${name}) cannot ${op} ${vip.address.text}/${vip.address.prefixLen} dev ${vip.dev}: ${(err as Error).message}`, {
          event: 'vrrp.address_failed', instance: name, op, address: vip.address.text,
        });
      }
    }
  }

  private async each<T>(name: string, list: readonly T[], fn: (x: T) => Promise<void>, what: string): Promise<void> {
    for (const x of list) {
      try {
        await fn(x);
      } catch (err) {
        this.log.error(`(${name}) cannot ${what}: ${(err as Error).message}`, { event: 'vrrp.effect_failed', instance: name, what });
      }
    }
  }

  private async waitStopScripts(): Promise<void> {
    if (!this.stopScripts.length) return;
    let timer: TimerHandle | undefined;
    const limit = new Promise<void>((resolve) => (timer = this.clock.setTimer(this.o.stopScriptWaitMs ?? 1000, resolve)));
    await Promise.race([Promise.all(this.stopScripts).then(() => undefined), limit]);
    if (timer !== undefined) this.clock.clearTimer(timer);
  }
}

/** The instance's own source address dressed as a VIP, for the one GARP/NA a unicast instance sends coming up. */
function sourceVip(address: IpAddress, dev: string): VirtualIpAddress {
  const prefix = { ...address, prefixLen: address.family === 4 ? 32 : 128, explicitPrefix: false };
  return { address: prefix, dev, devExplicit: true, scope: 'global', noTrack: true, flags: [], useVmac: false, pos: { file: '', line: 0, col: 0 } };
}
