// Per-instance counters: keepalived's statistics (what its SIGUSR2 dump prints), every advert drop by
// reason, and the GARP/NA sent per VIP (USER-PAINS item 4). Pure bookkeeping plus the dump's text.
import type { FsmCounter } from './effects.js';
import type { AdvertDropReason, VrrpStatCounter } from './validate.js';

export type StatName = FsmCounter | VrrpStatCounter;

export interface InstanceStats {
  readonly counters: Record<string, number>;
  readonly drops: Partial<Record<AdvertDropReason, number>>;
  /** Announcements (ARP or NA) sent, by VIP. */
  readonly announcements: Record<string, number>;
}

export class VrrpStats {
  private readonly byInstance = new Map<string, InstanceStats>();
  /** Packets no instance could be charged with: unknown VRID, too short to carry one. */
  readonly unattributed: Record<string, number> = {};

  private of(instance: string): InstanceStats {
    let s = this.byInstance.get(instance);
    if (!s) {
      s = { counters: {}, drops: {}, announcements: {} };
      this.byInstance.set(instance, s);
    }
    return s;
  }

  count(instance: string, counter: StatName, by = 1): void {
    const c = this.of(instance).counters;
    c[counter] = (c[counter] ?? 0) + by;
  }

  drop(instance: string, reason: AdvertDropReason, stat?: VrrpStatCounter): void {
    const d = this.of(instance).drops;
    d[reason] = (d[reason] ?? 0) + 1;
    if (stat) this.count(instance, stat);
  }

  announced(instance: string, address: string): void {
    const a = this.of(instance).announcements;
    a[address] = (a[address] ?? 0) + 1;
  }

  countUnattributed(what: 'unknown-vrid' | 'too-short' | 'bad-address'): void {
    this.unattributed[what] = (this.unattributed[what] ?? 0) + 1;
  }

  get(instance: string): InstanceStats {
    return this.of(instance);
  }

  clear(): void {
    this.byInstance.clear();
    for (const k of Object.keys(this.unattributed)) delete this.unattributed[k];
  }

  /**
   * keepalived's /tmp/keepalived.stats layout, instance by instance in `order`, followed per instance by our
   * own lines (drops by reason, announcements by VIP), indented under a heading keepalived never prints.
   */
  format(order: readonly string[]): string {
    const out: string[] = [];
    for (const name of order) {
      const s = this.of(name);
      const n = (k: StatName) => s.counters[k] ?? 0;
      out.push(
        `VRRP Instance: ${name}`,
        '  Advertisements:',
        `    Received: ${n('advert_rcvd')}`,
        `    Sent: ${n('advert_sent')}`,
        `  Became master: ${n('become_master')}`,
        `  Released master: ${n('release_master')}`,
        '  Packet Errors:',
        `    Length: ${n('packet_len_err')}`,
        `    TTL: ${n('ip_ttl_err')}`,
        `    Invalid Type: ${n('invalid_type_rcvd')}`,
        `    Advertisement Interval: ${s.drops['advert-interval'] ?? 0}`,
        `    Address List: ${n('addr_list_err')}`,
        '  Authentication Errors:',
        `    Invalid Type: ${n('invalid_authtype')}`,
        `    Type Mismatch: ${n('authtype_mismatch')}`,
        `    Failure: ${n('auth_failure')}`,
        '  Priority Zero:',
        `    Received: ${n('pri_zero_rcvd')}`,
        `    Sent: ${n('pri_zero_sent')}`,
        '  keepalived-ts:',
        `    Checksum errors: ${n('chk_err')}`,
        `    Version errors: ${n('vers_err')}`,
        `    Dual master seen: ${n('dual_master_seen')}`,
        `    Dropped: ${Object.entries(s.drops).map(([k, v]) => `${k}=${v}`).join(' ') || 'none'}`,
        `    Announcements: ${Object.entries(s.announcements).map(([k, v]) => `${k}=${v}`).join(' ') || 'none'}`,
      );
    }
    const other = Object.entries(this.unattributed);
    if (other.length) out.push('keepalived-ts: packets for no instance', ...other.map(([k, v]) => `  ${k}: ${v}`));
    return out.join('\n') + (out.length ? '\n' : '');
  }

  /** Everything as plain data (for JSON dumps and tests). */
  toJSON(): { instances: Record<string, InstanceStats>; unattributed: Record<string, number> } {
    return { instances: Object.fromEntries(this.byInstance), unattributed: { ...this.unattributed } };
  }
}
