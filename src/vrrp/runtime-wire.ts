// The runtime's side of the wire: one raw socket per address family and interface (shared by the instances
// on it, as keepalived's socket pool), multicast groups joined on the instance interface, received packets
// matched to an instance by VRID and checked (validate.ts) before they become advert events — a dropped one
// is logged with keepalived's line and counted by reason — and our adverts encoded and sent per destination.
import type { GlobalDefs } from '../config/model/global.js';
import type { VrrpInstance } from '../config/model/vrrp.js';
import type { IpAddress } from '../lib/ip.js';
import type { Log } from '../lib/log.js';
import type { ReceivedAdvert } from './events.js';
import type { InstanceState } from './fsm-state.js';
import { peekHeader } from './packet.js';
import type { PacketPort, ReceivedPacket, VrrpSocket } from './ports.js';
import { advertDestinations, encodeAdvert, receiptOf, type AdvertGroups } from './runtime-adverts.js';
import type { InterfaceTable } from './runtime-interfaces.js';
import type { VrrpStats } from './runtime-stats.js';
import { checkAdvert } from './validate.js';

export interface WireDeps {
  packets: PacketPort;
  interfaces: InterfaceTable;
  global: Pick<GlobalDefs, 'vrrpMcastGroup4' | 'vrrpMcastGroup6' | 'vrrpCheckUnicastSrc' | 'logUnknownVrids'>;
  stats: VrrpStats;
  log: Log;
  /** The instance's current record (packets are read only in BACKUP and MASTER). */
  stateOf(name: string): InstanceState;
  /** A packet that passed every check. */
  advert(instance: string, advert: ReceivedAdvert): void;
}

interface SocketEntry {
  socket: VrrpSocket;
  family: 4 | 6;
  device?: string;
  instances: VrrpInstance[];
  /** Groups joined, as "group/ifindex". */
  joined: Set<string>;
}

export class AdvertWire {
  private readonly sockets = new Map<string, SocketEntry>();
  /** Instances whose socket could not be opened yet (their interface did not exist). */
  private pending: VrrpInstance[] = [];
  readonly groups: AdvertGroups;
  private receiving = false;

  constructor(private readonly d: WireDeps) {
    this.groups = { group4: d.global.vrrpMcastGroup4, group6: d.global.vrrpMcastGroup6 };
  }

  /** Opens the sockets the instances need and joins their groups; packets are handled once receiving is on. */
  open(instances: readonly VrrpInstance[]): void {
    for (const cfg of instances) {
      const key = keyOf(cfg);
      let entry = this.sockets.get(key);
      if (!entry) {
        try {
          const socket = this.d.packets.openVrrpSocket(cfg.family, { device: cfg.interface });
          const e: SocketEntry = { socket, family: cfg.family, device: cfg.interface, instances: [], joined: new Set() };
          socket.onPacket((pkt) => this.receive(e, pkt));
          this.sockets.set(key, e);
          entry = e;
        } catch (err) {
          this.d.log.error(`(${cfg.name}) cannot open a VRRP socket on ${cfg.interface ?? 'any interface'}: ${(err as Error).message}`);
          this.pending.push(cfg);
          continue;
        }
      }
      entry.instances.push(cfg);
      this.join(entry, cfg);
    }
  }

  /** Packets are handed on only between start() and close(). */
  set listening(on: boolean) {
    this.receiving = on;
  }

  /** An interface (re)appeared: open what could not be opened, and join the groups of the multicast instances on it. */
  rejoin(ifname: string): void {
    const waiting = this.pending.filter((c) => c.interface === ifname);
    if (waiting.length) {
      this.pending = this.pending.filter((c) => c.interface !== ifname);
      this.open(waiting);
    }
    for (const entry of this.sockets.values()) for (const cfg of entry.instances) if (cfg.interface === ifname) this.join(entry, cfg);
  }

  send(cfg: VrrpInstance, priority: number, src: IpAddress | undefined): void {
    const entry = this.sockets.get(keyOf(cfg));
    if (!entry) return;
    const ifindex = this.d.interfaces.index(cfg.interface);
    for (const dst of advertDestinations(cfg, this.groups)) {
      try {
        entry.socket.send(encodeAdvert(cfg, priority, src, dst.to, this.groups), dst.to.text, { src: src?.text, ifindex, ttl: dst.ttl });
      } catch (err) {
        this.d.log.debug(`(${cfg.name}) advert to ${dst.to.text} not sent: ${(err as Error).message}`, { event: 'vrrp.send_failed', instance: cfg.name });
      }
    }
  }

  close(): void {
    this.receiving = false;
    this.pending = [];
    for (const s of this.sockets.values()) s.socket.close();
    this.sockets.clear();
  }

  private join(entry: SocketEntry, cfg: VrrpInstance): void {
    if (cfg.unicast) return;
    const ifindex = this.d.interfaces.index(cfg.interface);
    if (!ifindex) return;
    for (const dst of advertDestinations(cfg, this.groups)) {
      const key = `${dst.to.text}/${ifindex}`;
      if (entry.joined.has(key)) continue;
      try {
        entry.socket.join(dst.to.text, ifindex);
        entry.joined.add(key);
      } catch (err) {
        this.d.log.error(`(${cfg.name}) cannot join ${dst.to.text} on ${cfg.interface}: ${(err as Error).message}`);
      }
    }
  }

  private receive(entry: SocketEntry, pkt: ReceivedPacket): void {
    if (!this.receiving) return;
    const { stats, log } = this.d;
    const hd = peekHeader(pkt.payload);
    if (!hd) {
      stats.countUnattributed('too-short');
      log.debug(`IPv${entry.family} VRRP packet too short - ${pkt.payload.length} bytes`);
      return;
    }
    const cfg = entry.instances.find((i) => i.virtualRouterId === hd.vrid);
    if (!cfg) {
      stats.countUnattributed('unknown-vrid');
      if (this.d.global.logUnknownVrids) log.info(`Unknown VRID(${hd.vrid}) received on interface(${entry.device ?? pkt.ifindex}). ignoring...`);
      return;
    }
    // FAULT, INIT and STOP do not listen (keepalived discards before any check or counter)
    const s = this.d.stateOf(cfg.name);
    if (s.state !== 'BACKUP' && s.state !== 'MASTER') return;
    const rx = receiptOf(pkt);
    if (!rx) {
      stats.countUnattributed('bad-address');
      return;
    }
    const verdict = checkAdvert(pkt.payload, rx, cfg, {
      lastMasterAddress: s.state === 'BACKUP' ? s.masterAddress : undefined,
      checkUnicastSrcGlobal: this.d.global.vrrpCheckUnicastSrc,
      mcastGroup4: this.groups.group4,
    });
    if (!verdict.ok) {
      stats.drop(cfg.name, verdict.drop.reason, verdict.drop.stat);
      const fields = { event: 'vrrp.advert_dropped', instance: cfg.name, reason: verdict.drop.reason, from: rx.src.text };
      if (verdict.drop.detailOnly) log.debug(verdict.drop.log, fields);
      else log.info(verdict.drop.log, fields);
      return;
    }
    const a = verdict.advert;
    this.d.advert(cfg.name, { source: rx.src, priority: a.priority, advertIntCs: a.version === 2 ? a.adverInt * 100 : a.maxAdverInt, version: a.version });
  }
}

const keyOf = (cfg: VrrpInstance) => `${cfg.family}/${cfg.interface ?? ''}`;
