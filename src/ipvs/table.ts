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

/** A table that follows the operations applied to the kernel (the reconciler's picture between reads). */
export type KnownTable = Map<ServiceId, { service: IpvsService; dests: Map<DestId, IpvsDest> }>;

export function knownFrom(table: IpvsTable): KnownTable {
  const t: KnownTable = new Map();
  for (const [sid, e] of table) t.set(sid, { service: e.service, dests: new Map(e.dests) });
  return t;
}

/**
 * The kernel after `op` succeeded. A destination's counters are not modelled, only what a plan compares;
 * deleting a service deletes its destinations, as the kernel does.
 */
export function applyToKnown(t: KnownTable, op: KnownOp): void {
  switch (op.op) {
    case 'add-service':
    case 'edit-service': {
      const sid = serviceId(op.service);
      t.set(sid, { service: op.service, dests: t.get(sid)?.dests ?? new Map() });
      break;
    }
    case 'del-service':
      t.delete(serviceId(op.service));
      break;
    case 'add-dest':
    case 'edit-dest':
      t.get(serviceId(op.service))?.dests.set(destId(op.dest), op.dest);
      break;
    case 'del-dest':
      t.get(serviceId(op.service))?.dests.delete(destId(op.dest));
      break;
  }
}

/** The operations of plan.ts, as far as the known table needs them (kept here so the table needs no plan). */
export type KnownOp =
  | { readonly op: 'add-service' | 'edit-service'; readonly service: IpvsService }
  | { readonly op: 'del-service'; readonly service: IpvsServiceKey }
  | { readonly op: 'add-dest' | 'edit-dest'; readonly service: IpvsServiceKey; readonly dest: IpvsDest }
  | { readonly op: 'del-dest'; readonly service: IpvsServiceKey; readonly dest: IpvsDestKey };
