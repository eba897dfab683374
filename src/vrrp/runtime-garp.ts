// Sends GARP/NA bursts: `repeat` rounds over the addresses, each frame out of the VIP's own interface
// with that interface's MAC. With vrrp_garp_interval / vrrp_gna_interval (or a garp_group's) at 0 the whole
// burst leaves at once, as keepalived sends it; otherwise frames on one interface and family are spaced by
// the interval, without holding up anything else the runtime does.
import type { VirtualIpAddress } from '../config/model/vrrp.js';
import type { Log } from '../lib/log.js';
import { announcementFrame } from './garp.js';
import type { FrameSender } from './ports.js';
import type { Clock } from './runtime-ports.js';
import type { InterfaceTable } from './runtime-interfaces.js';

export interface Burst {
  addresses: readonly VirtualIpAddress[];
  repeat: number;
  arpIntervalMs: number;
  naIntervalMs: number;
}

export interface AnnouncerDeps {
  frames: () => FrameSender | undefined;
  interfaces: InterfaceTable;
  clock: Clock;
  log: Log;
  /** garp_group intervals by interface name, overriding the instance's. */
  intervalOverride?: (dev: string) => { arpMs?: number; naMs?: number } | undefined;
  ipv6Forwarding: (dev: string) => boolean;
  /** Called once per frame sent (per-VIP counters). */
  sent: (address: VirtualIpAddress) => void;
}

interface Planned {
  vip: VirtualIpAddress;
  intervalMs: number;
  key: string;
}

export class Announcer {
  /** Earliest time the next frame may leave, per interface and family. */
  private readonly nextAt = new Map<string, number>();
  private readonly pending = new Set<unknown>();
  private closed = false;

  constructor(private readonly d: AnnouncerDeps) {}

  burst(b: Burst): void {
    const plan: Planned[] = [];
    for (let round = 0; round < b.repeat; round++) {
      for (const vip of b.addresses) {
        const v4 = vip.address.family === 4;
        const o = this.d.intervalOverride?.(vip.dev);
        const intervalMs = v4 ? (o?.arpMs ?? b.arpIntervalMs) : (o?.naMs ?? b.naIntervalMs);
        plan.push({ vip, intervalMs, key: `${vip.dev}/${vip.address.family}` });
      }
    }
    this.run(plan);
  }

  /** Stops queued frames (at shutdown). */
  close(): void {
    this.closed = true;
    for (const t of this.pending) this.d.clock.clearTimer(t);
    this.pending.clear();
  }

  private run(plan: Planned[]): void {
    while (plan.length && !this.closed) {
      const p = plan[0];
      const now = this.d.clock.now();
      const at = p.intervalMs > 0 ? (this.nextAt.get(p.key) ?? 0) : 0;
      if (at > now) {
        const t = this.d.clock.setTimer(at - now, () => {
          this.pending.delete(t);
          this.run(plan);
        });
        this.pending.add(t);
        return;
      }
      plan.shift();
      this.send(p.vip);
      if (p.intervalMs > 0) this.nextAt.set(p.key, now + p.intervalMs);
    }
  }

  private send(vip: VirtualIpAddress): void {
    const link = this.d.interfaces.link(vip.dev);
    const frames = this.d.frames();
    if (!link || !frames) return;
    const v4 = vip.address.family === 4;
    this.d.log.debug(`Sending ${v4 ? 'gratuitous ARP' : 'unsolicited Neighbour Advert'} on ${vip.dev} for ${vip.address.text}`, {
      event: 'vrrp.garp_sent', dev: vip.dev, address: vip.address.text,
    });
    try {
      frames.send(link.index, announcementFrame(link.mac, vip.address, { router: !v4 && this.d.ipv6Forwarding(vip.dev) }));
      this.d.sent(vip);
    } catch (e) {
      this.d.log.info(`Error sending ${v4 ? 'gratuitous ARP' : 'ndisc unsolicited neighbour advert'} on ${vip.dev} for ${vip.address.text}: ${(e as Error).message}`);
    }
  }
}
