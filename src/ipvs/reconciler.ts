// Level-triggered IPVS reconciliation: dump the kernel, plan against the desired table, apply each
// operation, count and log it. A failed operation is logged and retried on the next pass while the
// rest of the table is still applied; nothing is ever flushed to recover. Entries changed or deleted
// behind our back are repaired by the next full pass (keepalived does not repair them). Between full
// passes the reconciler plans against the table it knows (the last dump plus what it applied since),
// so a reload or a health change costs its own operations and no reads; any doubt (a failed or
// refused operation) makes the next pass read the kernel again.
import type { Log } from '../lib/log.js';
import type { IpvsPort, IpvsServiceKey } from './types.js';
import { destText, serviceText } from './keys.js';
import { planIpvs, type IpvsOp } from './plan.js';
import { applyToKnown, destId, knownFrom, serviceId, tableFrom, type DestId, type IpvsTable, type KnownTable, type Ownership, type ServiceId } from './table.js';
import type { DesiredIpvs } from './desired.js';

export interface ReconcileResult {
  /** Operations planned in this pass. */
  readonly planned: number;
  readonly applied: number;
  readonly failed: number;
  /** Operations by kind, e.g. { 'add-dest': 3 }. */
  readonly byOp: Readonly<Record<string, number>>;
}

export interface OpCounters {
  passes: number;
  /** Passes that read the kernel's table. */
  reads: number;
  applied: Record<string, number>;
  failed: Record<string, number>;
}

function errCode(e: unknown): string | undefined {
  return (e as { code?: string }).code;
}

export class IpvsReconciler {
  /** Entries owned by an earlier configuration that a pass has not yet removed (reload, failed deletes). */
  private previouslyOwned: Ownership = { services: new Set(), dests: new Map() };
  /** The owned part of the kernel's table as last read and changed since; undefined: read it. */
  private known?: KnownTable;
  readonly counters: OpCounters = { passes: 0, applied: {}, failed: {}, reads: 0 };

  constructor(private readonly port: IpvsPort, private readonly log: Log) {}

  /** The kernel's table, limited to the services we own (an operator's services are not even read). */
  async observe(owned: Ownership): Promise<IpvsTable> {
    const services = await this.port.listServices();
    const mine = services.filter((s) => owned.services.has(serviceId(s)));
    // One dump at a time: the kernel refuses a second dump on a socket with EBUSY while one runs.
    const entries = [];
    for (const s of mine) entries.push({ service: s, dests: await this.port.listDests(s) });
    return tableFrom(entries);
  }

  /** One pass. `read`: read the kernel's table even if the known one is trusted (the periodic re-sync). */
  async reconcile(desired: DesiredIpvs, opts: { read?: boolean } = {}): Promise<ReconcileResult> {
    const owned = unionOwnership(desired.owned, this.previouslyOwned);
    const observed = await this.current(owned, opts.read ?? true);
    const ops = planIpvs(desired.table, observed, owned);
    // keepalived adds the real servers a configuration brings (start-up, reload) without a word; only a
    // server that was configured before and comes back is "Adding service"
    const before = this.previouslyOwned;
    const quiet = (op: IpvsOp) => op.op === 'add-dest' && !before.dests.get(serviceId(op.service))?.has(destId(op.dest));
    const result = await this.apply(ops, 'run', quiet);
    // Ours from now on: what this configuration names, plus what we failed to delete.
    this.previouslyOwned = unionOwnership(desired.owned, result.failedDeletes);
    return result.summary;
  }

  /**
   * Stop: remove every owned entry (keepalived without -I). Each owned destination is logged as keepalived
   * logs it ("Shutting down service"), but a service that goes as a whole is deleted with one request: the
   * kernel deletes its destinations with it, and the parent gives this only child_wait_time.
   */
  async removeOwned(desired: DesiredIpvs): Promise<ReconcileResult> {
    const owned = unionOwnership(desired.owned, this.previouslyOwned);
    const observed = await this.current(owned, false);
    const ops = planIpvs(new Map(), observed, owned);
    const wholeServices = new Set(ops.filter((op) => op.op === 'del-service').map((op) => serviceId(op.service)));
    const sent = ops.filter((op) => {
      if (op.op !== 'del-dest' || !wholeServices.has(serviceId(op.service))) return true;
      this.logApplied(op, 'stop');
      return false;
    });
    return (await this.apply(sent, 'stop')).summary;
  }

  /** The owned table to plan against: the known one, unless `read` or in doubt; services new to `owned` are read. */
  private async current(owned: Ownership, read: boolean): Promise<IpvsTable> {
    if (read || !this.known) {
      this.counters.reads++;
      this.known = undefined;
      const observed = await this.observe(owned);
      this.known = knownFrom(observed);
      return observed;
    }
    const known = this.known;
    const unknown = [...owned.services].filter((sid) => !known.has(sid));
    if (unknown.length > 0) {
      // a service a reload brought may already be in the kernel (a previous run, an operator): read just those
      const wanted = new Set(unknown);
      for (const s of await this.port.listServices()) {
        const sid = serviceId(s);
        if (wanted.has(sid)) known.set(sid, { service: s, dests: new Map((await this.port.listDests(s)).map((d) => [destId(d), d])) });
      }
    }
    return known;
  }

  private async apply(ops: IpvsOp[], phase: 'run' | 'stop' = 'run', quiet: (op: IpvsOp) => boolean = () => false): Promise<{ summary: ReconcileResult; failedDeletes: Ownership }> {
    // any doubt about what the kernel now holds: the next pass reads it
    let doubt = false;
    this.counters.passes++;
    const byOp: Record<string, number> = {};
    let applied = 0;
    let failed = 0;
    const failedServices = new Set<ServiceId>();
    const failedDests = new Map<ServiceId, Set<DestId>>();
    const brokenServices = new Set<ServiceId>();
    // The plan is ordered in phases (services, destination adds/edits, destination deletes, service
    // deletes); operations within a phase are independent, so each phase is sent as one pipelined batch.
    const phases: IpvsOp[][] = [];
    for (const op of ops) {
      const kind = op.op === 'add-service' || op.op === 'edit-service' ? 0 : op.op === 'del-service' ? 3 : op.op === 'del-dest' ? 2 : 1;
      (phases[kind] ??= []).push(op);
    }
    for (const batch of phases) {
      if (!batch) continue;
      const todo = batch.filter((op) => !((op.op === 'add-dest' || op.op === 'edit-dest') && brokenServices.has(serviceId(op.service))));
      const outcomes = await Promise.allSettled(todo.map((op) => this.run(op)));
      todo.forEach((op, i) => {
        const sid = serviceId(op.service);
        byOp[op.op] = (byOp[op.op] ?? 0) + 1;
        const o = outcomes[i];
        if (o.status === 'fulfilled') {
          applied++;
          this.counters.applied[op.op] = (this.counters.applied[op.op] ?? 0) + 1;
          if (this.known) applyToKnown(this.known, op);
          this.logApplied(op, phase, quiet(op));
          return;
        }
        const e = o.reason;
        const code = errCode(e);
        // Someone else already did it: the next dump shows the truth.
        if ((code === 'EEXIST' && op.op.startsWith('add')) || (code === 'ENOENT' && op.op.startsWith('del'))) {
          this.log.info(`IPVS ${op.op} ${this.describe(op)}: ${code}, treated as done`, { op: op.op, errno: code });
          applied++;
          doubt = true;
          return;
        }
        doubt = true;
        failed++;
        this.counters.failed[op.op] = (this.counters.failed[op.op] ?? 0) + 1;
        // A service the kernel refused cannot take destinations in this pass.
        if (op.op === 'add-service') brokenServices.add(sid);
        if (op.op === 'del-service') failedServices.add(sid);
        if (op.op === 'del-dest') {
          const set = failedDests.get(sid) ?? new Set<DestId>();
          set.add(destId(op.dest));
          failedDests.set(sid, set);
          failedServices.add(sid);
        }
        this.log.error(`IPVS ${op.op} ${this.describe(op)} failed, will retry: ${(e as Error).message}`, { op: op.op, errno: code });
      });
    }
    if (doubt) this.known = undefined;
    return { summary: { planned: ops.length, applied, failed, byOp }, failedDeletes: { services: failedServices, dests: failedDests } };
  }

  private run(op: IpvsOp): Promise<void> {
    switch (op.op) {
      case 'add-service': return this.port.addService(op.service);
      case 'edit-service': return this.port.editService(op.service);
      case 'del-service': return this.port.delService(op.service);
      case 'add-dest': return this.port.addDest(op.service, op.dest);
      case 'edit-dest': return this.port.editDest(op.service, op.dest);
      case 'del-dest': return this.port.delDest(op.service, op.dest);
    }
  }

  private describe(op: IpvsOp): string {
    return 'dest' in op ? `${destText(op.dest, op.service)} of VS ${serviceText(op.service)}` : serviceText(op.service);
  }

  private logApplied(op: IpvsOp, phase: 'run' | 'stop', quiet = false): void {
    const vs = serviceText(op.service as IpvsServiceKey);
    const fields = { op: op.op, vs };
    switch (op.op) {
      case 'add-dest':
        this.log[quiet ? 'debug' : 'info'](`Adding service ${destText(op.dest, op.service)} to VS ${vs}`, { ...fields, rs: destText(op.dest, op.service), weight: op.dest.weight });
        break;
      case 'del-dest':
        this.log.info(
          phase === 'stop' ? `Shutting down service ${destText(op.dest, op.service)} from VS ${vs}` : `Removing service ${destText(op.dest, op.service)} from VS ${vs}`,
          { ...fields, rs: destText(op.dest, op.service) },
        );
        break;
      case 'edit-dest':
        // keepalived's words: an inhibited server going to weight 0 is "Disabling", coming back "Enabling";
        // any other weight change is applied only to a live server, so it is an "active service".
        if (op.from.weight > 0 && op.dest.weight === 0) {
          this.log.info(`Disabling service ${destText(op.dest, op.service)} of VS ${vs}`, { ...fields, rs: destText(op.dest, op.service), from: op.from.weight, to: 0 });
        } else if (op.from.weight === 0 && op.dest.weight > 0) {
          this.log.info(`Enabling service ${destText(op.dest, op.service)} of VS ${vs}`, { ...fields, rs: destText(op.dest, op.service), from: 0, to: op.dest.weight });
        } else if (op.from.weight !== op.dest.weight) {
          this.log.info(`Changing weight from ${op.from.weight} to ${op.dest.weight} for active service ${destText(op.dest, op.service)} of VS ${vs}`, {
            ...fields, rs: destText(op.dest, op.service), from: op.from.weight, to: op.dest.weight,
          });
        } else this.log.info(`Updating service ${destText(op.dest, op.service)} of VS ${vs}`, { ...fields, rs: destText(op.dest, op.service) });
        break;
      case 'add-service':
        this.log.debug(`Adding virtual server ${vs}`, fields);
        break;
      case 'edit-service':
        this.log.info(`Updating virtual server ${vs}`, fields);
        break;
      case 'del-service':
        this.log.info(`Removing Virtual Server ${vs}`, fields);
        break;
    }
  }
}

function unionOwnership(a: Ownership, b: Ownership): Ownership {
  const services = new Set([...a.services, ...b.services]);
  const dests = new Map<ServiceId, Set<DestId>>();
  for (const o of [a, b]) for (const [sid, set] of o.dests) dests.set(sid, new Set([...(dests.get(sid) ?? []), ...set]));
  return { services, dests };
}

export type { IpvsTable };
