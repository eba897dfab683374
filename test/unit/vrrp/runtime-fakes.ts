// Fakes for the VRRP runtime's ports, with an explicit clock: time moves only when a test says so, and
// every timer the runtime arms fires in order, with the runtime's async effect queue drained after each.
import { recordingLog } from '../../../src/lib/log.js';
import type { ScriptRef } from '../../../src/config/model/script.js';
import type { VirtualIpAddress, VirtualRoute, VirtualRule } from '../../../src/config/model/vrrp.js';
import type { ScriptOutcome } from '../../../src/vrrp/events.js';
import type {
  AddressEvent, AddressPort, FrameSender, InterfaceAddress, LinkEvent, LinkInfo, PacketPort, ReceivedPacket, VrrpSocket,
} from '../../../src/vrrp/ports.js';
import type { Clock, FifoPort, ProcessPort, ScriptPort, TimerHandle, TrackFilePort } from '../../../src/vrrp/runtime-ports.js';
import { VrrpRuntime } from '../../../src/vrrp/runtime.js';
import { configOf } from './fsm-harness.js';

const flush = () => new Promise<void>((r) => setImmediate(r));

export class FakeClock implements Clock {
  private t = 0;
  private seq = 0;
  private timers = new Map<number, { at: number; fn: () => void; seq: number }>();

  now(): number {
    return this.t;
  }

  setTimer(delayMs: number, fn: () => void): TimerHandle {
    const id = ++this.seq;
    this.timers.set(id, { at: this.t + Math.max(0, delayMs), fn, seq: id });
    return id;
  }

  clearTimer(h: TimerHandle): void {
    this.timers.delete(h as number);
  }

  /** Moves time to `until`, firing each due timer at its own time and letting the runtime settle after it. */
  async runUntil(until: number): Promise<void> {
    await flush();
    for (;;) {
      let best: [number, { at: number; fn: () => void; seq: number }] | undefined;
      for (const e of this.timers) if (e[1].at <= until && (!best || e[1].at < best[1].at || (e[1].at === best[1].at && e[1].seq < best[1].seq))) best = e;
      if (!best) break;
      this.timers.delete(best[0]);
      this.t = Math.max(this.t, best[1].at);
      best[1].fn();
      await flush();
    }
    this.t = Math.max(this.t, until);
    await flush();
  }

  advance(ms: number): Promise<void> {
    return this.runUntil(this.t + ms);
  }
}

export type AddressCall =
  | { op: 'addAddress' | 'delAddress'; vip: VirtualIpAddress; at: number }
  | { op: 'addRoute' | 'delRoute'; route: VirtualRoute; at: number }
  | { op: 'addRule' | 'delRule'; rule: VirtualRule; at: number };

export class FakeAddressPort implements AddressPort {
  readonly calls: AddressCall[] = [];
  private handler?: (e: LinkEvent | AddressEvent) => void;
  closed = false;

  constructor(private readonly clock: FakeClock, public linksNow: LinkInfo[], public addrsNow: InterfaceAddress[]) {}

  async link(name: string) { return this.linksNow.find((l) => l.name === name); }
  async links() { return [...this.linksNow]; }
  async addresses(ifindex?: number) { return this.addrsNow.filter((a) => ifindex === undefined || a.ifindex === ifindex); }
  async addAddress(vip: VirtualIpAddress) { this.calls.push({ op: 'addAddress', vip, at: this.clock.now() }); }
  async delAddress(vip: VirtualIpAddress) { this.calls.push({ op: 'delAddress', vip, at: this.clock.now() }); }
  async addRoute(route: VirtualRoute) { this.calls.push({ op: 'addRoute', route, at: this.clock.now() }); }
  async delRoute(route: VirtualRoute) { this.calls.push({ op: 'delRoute', route, at: this.clock.now() }); }
  async addRule(rule: VirtualRule) { this.calls.push({ op: 'addRule', rule, at: this.clock.now() }); }
  async delRule(rule: VirtualRule) { this.calls.push({ op: 'delRule', rule, at: this.clock.now() }); }
  subscribe(h: (e: LinkEvent | AddressEvent) => void) { this.handler = h; }
  close() { this.closed = true; }

  emit(e: LinkEvent | AddressEvent): void {
    this.handler?.(e);
  }

  setLink(name: string, up: boolean): void {
    const l = this.linksNow.find((x) => x.name === name)!;
    const next = { ...l, up };
    this.linksNow = this.linksNow.map((x) => (x === l ? next : x));
    this.emit({ kind: 'link', link: next });
  }

  /** "add 10.0.0.100/24 dev eth0" per address call, in order. */
  summary(): string[] {
    return this.calls.map((c) =>
      'vip' in c ? `${c.op === 'addAddress' ? 'add' : 'del'} ${c.vip.address.text}/${c.vip.address.prefixLen} dev ${c.vip.dev}`
        : 'route' in c ? `${c.op} ${c.route.to.text}` : `${c.op} ${c.rule.priority}`,
    );
  }
}

export interface SentPacket {
  family: 4 | 6;
  device?: string;
  payload: Uint8Array;
  to: string;
  src?: string;
  ifindex: number;
  ttl?: number;
  at: number;
}

export class FakeSocket implements VrrpSocket {
  readonly joined: string[] = [];
  handler?: (p: ReceivedPacket) => void;
  closed = false;

  constructor(readonly port: FakePacketPort, readonly family: 4 | 6, readonly device?: string) {}

  join(group: string, ifindex: number) { this.joined.push(`${group}/${ifindex}`); }
  leave() {}
  send(payload: Uint8Array, to: string, o: { src?: string; ifindex: number; ttl?: number }) {
    if (this.closed) throw new Error('socket is closed');
    this.port.sent.push({ family: this.family, device: this.device, payload: Uint8Array.from(payload), to, src: o.src, ifindex: o.ifindex, ttl: o.ttl, at: this.port.clock.now() });
  }
  onPacket(h: (p: ReceivedPacket) => void) { this.handler = h; }
  close() { this.closed = true; }
}

export class FakePacketPort implements PacketPort {
  readonly sockets: FakeSocket[] = [];
  readonly sent: SentPacket[] = [];
  readonly frames: Array<{ ifindex: number; frame: Uint8Array; at: number }> = [];
  /** Devices SO_BINDTODEVICE would refuse (ENODEV). */
  readonly missing = new Set<string>();

  constructor(readonly clock: FakeClock) {}

  openVrrpSocket(family: 4 | 6, opts: { device?: string }): VrrpSocket {
    if (opts.device && this.missing.has(opts.device)) throw Object.assign(new Error(`no such device ${opts.device}`), { code: 'ENODEV' });
    const s = new FakeSocket(this, family, opts.device);
    this.sockets.push(s);
    return s;
  }

  openFrameSender(): FrameSender {
    return { send: (ifindex, frame) => void this.frames.push({ ifindex, frame: Uint8Array.from(frame), at: this.clock.now() }), close() {} };
  }

  /** Delivers a packet to the open socket of this family (and device). */
  deliver(p: Partial<ReceivedPacket> & { payload: Uint8Array; src: string }, device?: string): void {
    const family = p.family ?? (p.src.includes(':') ? 6 : 4);
    const s = this.sockets.find((x) => x.family === family && !x.closed && (device === undefined || x.device === device));
    if (!s?.handler) throw new Error(`no open IPv${family} socket`);
    s.handler({ family, dst: family === 4 ? '224.0.0.18' : 'ff02::12', ifindex: 2, ttl: 255, ...p });
  }
}

export class FakeScripts implements ScriptPort {
  readonly notified: Array<{ command: string; args: readonly string[]; at: number }> = [];
  readonly checks: Array<{ command: string; at: number }> = [];
  /** Outcome of each vrrp_script by its command line (default exit 0). */
  outcomes = new Map<string, ScriptOutcome>();

  constructor(private readonly clock: FakeClock) {}

  async notify(script: ScriptRef, args: readonly string[]): Promise<void> {
    this.notified.push({ command: script.command, args, at: this.clock.now() });
  }

  async check(script: ScriptRef): Promise<ScriptOutcome> {
    this.checks.push({ command: script.command, at: this.clock.now() });
    return this.outcomes.get(script.command) ?? { exitCode: 0 };
  }
}

export class FakeFifo implements FifoPort {
  readonly lines: string[] = [];
  write(line: string) { this.lines.push(line); }
  close() {}
}

export class FakeTrackFiles implements TrackFilePort {
  readonly values = new Map<string, number>();
  private readonly watchers = new Map<string, () => void>();
  read(path: string) { return this.values.get(path) ?? 0; }
  watch(path: string, onChange: () => void) { this.watchers.set(path, onChange); }
  close() {}
  set(path: string, value: number) {
    this.values.set(path, value);
    this.watchers.get(path)?.();
  }
}

export const MAC_ETH0 = Uint8Array.of(2, 0, 0, 0, 0, 1);

export interface Rig {
  clock: FakeClock;
  addresses: FakeAddressPort;
  packets: FakePacketPort;
  scripts: FakeScripts;
  fifo: FakeFifo;
  files: FakeTrackFiles;
  log: ReturnType<typeof recordingLog>;
  runtime: VrrpRuntime;
  /** Log messages so far. */
  messages(): string[];
}

/** A runtime on one machine with eth0 (ifindex 2, 10.0.0.1/24, fe80::1) unless `links`/`addrs` say otherwise. */
export function rig(conf: string, opts: { links?: LinkInfo[]; addrs?: InterfaceAddress[]; processes?: ProcessPort } = {}): Rig {
  const clock = new FakeClock();
  const links = opts.links ?? [{ name: 'eth0', index: 2, up: true, mac: MAC_ETH0, mtu: 1500 }];
  const addrs = opts.addrs ?? [
    { family: 4, address: '10.0.0.1', prefixLen: 24, ifindex: 2, scope: 0 },
    { family: 6, address: 'fd00::1', prefixLen: 64, ifindex: 2, scope: 0 },
    { family: 6, address: 'fe80::1', prefixLen: 64, ifindex: 2, scope: 253 },
  ];
  const addresses = new FakeAddressPort(clock, links, addrs);
  const packets = new FakePacketPort(clock);
  const scripts = new FakeScripts(clock);
  const fifo = new FakeFifo();
  const files = new FakeTrackFiles();
  const log = recordingLog();
  const runtime = new VrrpRuntime({ config: configOf(conf), addresses, packets, scripts, fifo, trackFiles: files, processes: opts.processes, clock, log, stopScriptWaitMs: 1000 });
  return { clock, addresses, packets, scripts, fifo, files, log, runtime, messages: () => log.lines.map((l) => l.msg) };
}
