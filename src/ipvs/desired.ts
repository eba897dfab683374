// Configuration + health → the IPVS table keepalived would program, and the entries this daemon owns.
// Pure. Rules (keepalived 2.2.7, KEEPALIVED.md §3.3–3.5): a dead real server is removed, or kept at
// weight 0 with inhibit_on_failure; when quorum is lost and a sorry server exists, the alive real
// servers leave and the sorry server comes in; sorry_server_inhibit keeps it at weight 0 otherwise;
// every entry of a virtual_server_group is its own service with the same destinations.
import type { LvsMethod, LvsSection, RealServer, SorryServer, VirtualServer } from '../config/model/lvs.js';
import { iterateVirtualServerGroup } from '../config/model/lvs.js';
import {
  AF_INET,
  AF_INET6,
  IP_VS_CONN_F_DROUTE,
  IP_VS_CONN_F_MASQ,
  IP_VS_CONN_F_TUNNEL,
  IP_VS_CONN_F_TUNNEL_TYPE_GRE,
  IP_VS_CONN_F_TUNNEL_TYPE_GUE,
  IP_VS_CONN_F_TUNNEL_TYPE_IPIP,
  IP_VS_SVC_F_ONEPACKET,
  IP_VS_SVC_F_PERSISTENT,
  IP_VS_SVC_F_SCHED1,
  IP_VS_SVC_F_SCHED2,
  IP_VS_SVC_F_SCHED3,
  IP_VS_TUNNEL_ENCAP_FLAG_CSUM,
  IP_VS_TUNNEL_ENCAP_FLAG_NOCSUM,
  IP_VS_TUNNEL_ENCAP_FLAG_REMCSUM,
  IPPROTO_SCTP,
  IPPROTO_TCP,
  IPPROTO_UDP,
  type IpvsAf,
  type IpvsDest,
  type IpvsService,
} from './types.js';
import { destId, serviceId, type DestId, type IpvsTable, type Ownership, type ServiceEntry, type ServiceId } from './table.js';

/** Health of one real server as the checkers see it. */
export interface RealServerHealth {
  readonly alive: boolean;
  /** A weight set by misc_dynamic / FILE_CHECK, replacing the configured one while alive. */
  readonly weight?: number;
}

export interface HealthView {
  realServer(vs: VirtualServer, rs: RealServer): RealServerHealth;
  /** Whether the virtual server has quorum (hysteresis is the health engine's business). */
  quorumUp(vs: VirtualServer): boolean;
}

/** Start-up health as keepalived has it: servers without checkers are up; with checkers, up unless alpha. */
export function initialHealth(): HealthView {
  const rsHealth = (rs: RealServer): RealServerHealth => ({ alive: rs.checkers.length === 0 || !rs.alpha });
  return {
    realServer: (_vs, rs) => rsHealth(rs),
    // keepalived starts a virtual server with quorum only if the alive weight reaches quorum + hysteresis
    // (set_quorum_states; unsigned int sum), so a hysteresis can start it with the sorry server in.
    quorumUp: (vs) => aliveWeight(vs, (rs) => rsHealth(rs)) >= ((vs.quorum + vs.hysteresis) >>> 0),
  };
}

/** Σ weight of the alive real servers (keepalived's quorum measure). */
export function aliveWeight(vs: VirtualServer, health: (rs: RealServer) => RealServerHealth): number {
  let w = 0;
  for (const rs of vs.realServers) {
    const h = health(rs);
    if (h.alive) w += h.weight ?? rs.weight;
  }
  return w;
}

export interface DesiredIpvs {
  readonly table: IpvsTable;
  readonly owned: Ownership;
}

export function desiredIpvs(lvs: LvsSection, health: HealthView = initialHealth()): DesiredIpvs {
  const table = new Map<ServiceId, ServiceEntry>();
  const ownedServices = new Set<ServiceId>();
  const ownedDests = new Map<ServiceId, Set<DestId>>();

  for (const vs of lvs.virtualServers) {
    const quorumUp = health.quorumUp(vs);
    const sorryIn = !quorumUp && vs.sorryServer !== undefined;
    const rsHealth = vs.realServers.map((rs) => health.realServer(vs, rs));
    // Each service gets its own destinations: a non-NAT destination takes the port of the service it is
    // added to, which differs between the entries of a virtual_server_group.
    for (const service of servicesOf(vs)) {
      const dests = new Map<DestId, IpvsDest>();
      const named = new Set<DestId>();
      vs.realServers.forEach((rs, i) => {
        const d = toDest(service, rs.address.family, rs.address.text, rs.port, rs.lvsMethod, rs.weight, rs.uthreshold, rs.lthreshold);
        named.add(destId(d));
        const h = rsHealth[i];
        if (h.alive && !sorryIn) dests.set(destId(d), { ...d, weight: clampWeight(h.weight ?? rs.weight) });
        // keepalived turns the removal of an inhibited server into weight 0: when it fails, and when
        // quorum is lost and the sorry server takes over (perform_quorum_state → ipvs_cmd DELDEST).
        else if (rs.inhibitOnFailure) dests.set(destId(d), { ...d, weight: 0 });
      });
      if (vs.sorryServer) {
        const d = sorryDest(service, vs.sorryServer);
        named.add(destId(d));
        if (sorryIn) dests.set(destId(d), d);
        else if (vs.sorryServer.inhibit && !dests.has(destId(d))) dests.set(destId(d), { ...d, weight: 0 });
      }
      const sid = serviceId(service);
      table.set(sid, { service, dests });
      ownedServices.add(sid);
      ownedDests.set(sid, named);
    }
  }
  return { table, owned: { services: ownedServices, dests: ownedDests } };
}

function clampWeight(w: number): number {
  return Math.max(0, Math.min(w, 2147483647));
}

function sorryDest(service: IpvsService, s: SorryServer): IpvsDest {
  return toDest(service, s.address.family, s.address.text, s.port, s.lvsMethod, 1, 0, 0);
}

function toDest(service: IpvsService, family: 4 | 6, addr: string, port: number, method: LvsMethod, weight: number, u: number, l: number): IpvsDest {
  const fwd = method.kind === 'NAT' ? IP_VS_CONN_F_MASQ : method.kind === 'DR' ? IP_VS_CONN_F_DROUTE : IP_VS_CONN_F_TUNNEL;
  // keepalived (ipvs_cmd, ipvs_group_cmd): unless NAT, a destination gets the service's port, 0 on a
  // fwmark service; for group entries that is the entry's port, whatever the real_server line says.
  const p = method.kind === 'NAT' ? port : service.fwmark ? 0 : service.port;
  const d: IpvsDest = { af: afOf(family), addr, port: p, fwdMethod: fwd, weight: clampWeight(weight), uThreshold: u, lThreshold: l };
  if (method.kind !== 'TUN') return d;
  return {
    ...d,
    tunType: method.tunnelType === 'gue' ? IP_VS_CONN_F_TUNNEL_TYPE_GUE : method.tunnelType === 'gre' ? IP_VS_CONN_F_TUNNEL_TYPE_GRE : IP_VS_CONN_F_TUNNEL_TYPE_IPIP,
    tunPort: method.tunnelType === 'gue' ? method.tunnelPort : 0,
    tunFlags:
      method.tunnelChecksum === 'csum' ? IP_VS_TUNNEL_ENCAP_FLAG_CSUM : method.tunnelChecksum === 'remcsum' ? IP_VS_TUNNEL_ENCAP_FLAG_REMCSUM : IP_VS_TUNNEL_ENCAP_FLAG_NOCSUM,
  };
}

function afOf(family: 4 | 6): IpvsAf {
  return family === 6 ? AF_INET6 : AF_INET;
}

function protocolNumber(vs: VirtualServer): number {
  switch (vs.protocol) {
    case 'TCP': return IPPROTO_TCP;
    case 'SCTP': return IPPROTO_SCTP;
    case 'UDP': return IPPROTO_UDP;
    default: return 0;
  }
}

/** Scheduler, flags, persistence: the same for every service a virtual server (or its group) makes. */
function serviceSettings(vs: VirtualServer, family: 4 | 6): Omit<IpvsService, 'af' | 'protocol' | 'addr' | 'port' | 'fwmark'> {
  let flags = 0;
  if (vs.persistenceTimeout > 0) flags |= IP_VS_SVC_F_PERSISTENT;
  if (vs.serviceFlags.ops) flags |= IP_VS_SVC_F_ONEPACKET;
  if (vs.serviceFlags.flag1) flags |= IP_VS_SVC_F_SCHED1;
  if (vs.serviceFlags.flag2) flags |= IP_VS_SVC_F_SCHED2;
  if (vs.serviceFlags.flag3) flags |= IP_VS_SVC_F_SCHED3;
  const g = vs.persistenceGranularity;
  let netmask = family === 4 ? 0xffffffff : 128;
  if (g.family === 4 && family === 4) netmask = ((g.netmask.bytes[0] << 24) | (g.netmask.bytes[1] << 16) | (g.netmask.bytes[2] << 8) | g.netmask.bytes[3]) >>> 0;
  if (g.family === 6 && family === 6) netmask = g.prefixLen;
  return {
    schedName: vs.lbAlgo,
    flags,
    timeout: vs.persistenceTimeout,
    netmask,
    ...(vs.persistenceEngine ? { peName: vs.persistenceEngine } : {}),
  };
}

function servicesOf(vs: VirtualServer): IpvsService[] {
  const svc = vs.service;
  if (svc.kind === 'address') {
    const family = svc.address.family;
    return [{ af: afOf(family), protocol: protocolNumber(vs), addr: svc.address.text, port: svc.port, fwmark: 0, ...serviceSettings(vs, family) }];
  }
  if (svc.kind === 'fwmark') {
    return [{ af: afOf(vs.family), protocol: 0, addr: vs.family === 6 ? '::' : '0.0.0.0', port: 0, fwmark: svc.fwmark, ...serviceSettings(vs, vs.family) }];
  }
  const out: IpvsService[] = [];
  for (const e of iterateVirtualServerGroup(svc.group, vs.family)) {
    if (e.kind === 'address') out.push({ af: afOf(e.family), protocol: protocolNumber(vs), addr: e.address.text, port: e.port, fwmark: 0, ...serviceSettings(vs, e.family) });
    else out.push({ af: afOf(e.family), protocol: 0, addr: e.family === 6 ? '::' : '0.0.0.0', port: 0, fwmark: e.fwmark, ...serviceSettings(vs, e.family) });
  }
  return out;
}
