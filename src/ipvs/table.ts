// The IPVS table as data: what the configuration and health want (desired), what the kernel has
// (observed), and the keys this daemon owns. Keys are strings so tables diff with Map lookups.
import type { IpvsDest, IpvsDestKey, IpvsService, IpvsServiceKey } from './types.js';

export type ServiceId = string;
export type DestId = string;

export function serviceId(k: IpvsServiceKey): ServiceId {
  return k.fwmark ? `fwm|${k.af}|${k.fwmark}` : `${k.af}|${k.protocol}|${k.addr}|${k.port}`;
}

export function destId(k: IpvsDestKey): DestId {
  return `${k.af}|${k.addr}|${k.port}`;
}

export interface ServiceEntry {
  readonly service: IpvsService;
  readonly dests: ReadonlyMap<DestId, IpvsDest>;
}

/** A whole table keyed by service, each with its destinations keyed by address. */
export type IpvsTable = ReadonlyMap<ServiceId, ServiceEntry>;

/** What this daemon may touch: the services its configuration names, and in each the destinations it names. */
export interface Ownership {
  readonly services: ReadonlySet<ServiceId>;
  /** Destinations owned per service (a service's real servers and sorry server, alive or not). */
  readonly dests: ReadonlyMap<ServiceId, ReadonlySet<DestId>>;
}

export function tableFrom(entries: Iterable<{ service: IpvsService; dests: Iterable<IpvsDest> }>): Map<ServiceId, ServiceEntry> {
  const t = new Map<ServiceId, ServiceEntry>();
  for (const e of entries) t.set(serviceId(e.service), { service: e.service, dests: new Map([...e.dests].map((d) => [destId(d), d])) });
  return t;
}

/** The ownership implied by a table: every service and destination in it. */
export function ownershipOf(...tables: IpvsTable[]): Ownership {
  const services = new Set<ServiceId>();
  const dests = new Map<ServiceId, Set<DestId>>();
  for (const t of tables) {
    for (const [sid, e] of t) {
      services.add(sid);
      const set = dests.get(sid) ?? new Set<DestId>();
      for (const did of e.dests.keys()) set.add(did);
      dests.set(sid, set);
    }
  }
  return { services, dests };
}
