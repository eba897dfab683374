// A stateful in-memory IpvsPort for reconciler tests: behaves like the kernel's table (EEXIST, ENOENT),
// records every call, and can be told to refuse an operation.
import type { IpvsDaemon, IpvsDest, IpvsDestEntry, IpvsDestKey, IpvsPort, IpvsService, IpvsServiceEntry, IpvsServiceKey, IpvsTimeouts } from '../../../src/ipvs/types.js';
import { destId, serviceId } from '../../../src/ipvs/table.js';

class Errno extends Error {
  constructor(readonly code: string) { super(code); }
}

export class FakeIpvs implements IpvsPort {
  readonly services = new Map<string, { s: IpvsService; dests: Map<string, IpvsDest> }>();
  readonly calls: string[] = [];
  /** op name → errno code to answer once */
  readonly refuse = new Map<string, string>();

  private check(op: string): void {
    this.calls.push(op);
    const code = this.refuse.get(op);
    if (code) { this.refuse.delete(op); throw new Errno(code); }
  }
  async listServices(): Promise<IpvsServiceEntry[]> { return [...this.services.values()].map((e) => ({ ...e.s, flags: e.s.flags | 2 })); }
  async getService(k: IpvsServiceKey) { const e = this.services.get(serviceId(k)); return e ? { ...e.s } : undefined; }
  async addService(s: IpvsService) { this.check('add-service'); if (this.services.has(serviceId(s))) throw new Errno('EEXIST'); this.services.set(serviceId(s), { s, dests: new Map() }); }
  async editService(s: IpvsService) { this.check('edit-service'); const e = this.services.get(serviceId(s)); if (!e) throw new Errno('ENOENT'); e.s = s; }
  async delService(k: IpvsServiceKey) { this.check('del-service'); if (!this.services.delete(serviceId(k))) throw new Errno('ENOENT'); }
  async listDests(k: IpvsServiceKey): Promise<IpvsDestEntry[]> {
    return [...(this.services.get(serviceId(k))?.dests.values() ?? [])].map((d) => ({ ...d, activeConns: 0, inactConns: 0, persistConns: 0 }));
  }
  async addDest(k: IpvsServiceKey, d: IpvsDest) { this.check('add-dest'); const e = this.services.get(serviceId(k)); if (!e) throw new Errno('ESRCH'); if (e.dests.has(destId(d))) throw new Errno('EEXIST'); e.dests.set(destId(d), d); }
  async editDest(k: IpvsServiceKey, d: IpvsDest) { this.check('edit-dest'); const e = this.services.get(serviceId(k)); if (!e?.dests.has(destId(d))) throw new Errno('ENOENT'); e.dests.set(destId(d), d); }
  async delDest(k: IpvsServiceKey, d: IpvsDestKey) { this.check('del-dest'); const e = this.services.get(serviceId(k)); if (!e?.dests.delete(destId(d))) throw new Errno('ENOENT'); }
  async getDaemons(): Promise<IpvsDaemon[]> { return []; }
  async startDaemon() {}
  async stopDaemon() {}
  async getTimeouts(): Promise<IpvsTimeouts> { return { tcp: 900, tcpFin: 120, udp: 300 }; }
  async setTimeouts() {}
  async getInfo() { return { version: 0x010201, versionText: '1.2.1', connTabSize: 4096 }; }
  async zero() {}
  async flush() { this.calls.push('flush'); this.services.clear(); }
}
