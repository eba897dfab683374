// The IPVS client lab scenario as data: the driver (inside UML) performs it, the lab test (on the
// host) replays it on a small model of the table to know what the kernel must show after each step.
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
  IP_VS_SVC_F_SCHED_MH_FALLBACK,
  IP_VS_SVC_F_SCHED_MH_PORT,
  IP_VS_SVC_F_SCHED_SH_FALLBACK,
  IP_VS_SVC_F_SCHED_SH_PORT,
  IP_VS_TUNNEL_ENCAP_FLAG_CSUM,
  IP_VS_TUNNEL_ENCAP_FLAG_REMCSUM,
  IPPROTO_SCTP,
  IPPROTO_TCP,
  IPPROTO_UDP,
  type IpvsDest,
  type IpvsDestKey,
  type IpvsService,
  type IpvsServiceKey,
} from '../../src/ipvs/types.js';

export type Op =
  | { readonly op: 'addService' | 'editService'; readonly svc: IpvsService }
  | { readonly op: 'delService'; readonly svc: IpvsServiceKey }
  | { readonly op: 'addDest' | 'editDest'; readonly svc: IpvsServiceKey; readonly dest: IpvsDest }
  | { readonly op: 'delDest'; readonly svc: IpvsServiceKey; readonly dest: IpvsDestKey };

/** An operation, and the errno name the kernel must refuse it with (none: it must succeed). */
export type ScenarioOp = Op & { readonly refuse?: string };

export interface Step {
  readonly name: string;
  readonly ops: readonly ScenarioOp[];
}

const ALL = 0xffffffff;
const svc = (af: 2 | 10, protocol: number, addr: string, port: number, schedName: string, more: Partial<IpvsService> = {}): IpvsService => ({
  af, protocol, addr, port, fwmark: 0, schedName, flags: 0, timeout: 0, netmask: af === AF_INET ? ALL : 128, ...more,
});
const fwm = (af: 2 | 10, fwmark: number, schedName: string, more: Partial<IpvsService> = {}): IpvsService => ({
  af, protocol: 0, addr: af === AF_INET ? '0.0.0.0' : '::', port: 0, fwmark, schedName, flags: 0, timeout: 0,
  netmask: af === AF_INET ? ALL : 128, ...more,
});
const dest = (addr: string, port: number, fwdMethod: IpvsDest['fwdMethod'], more: Partial<IpvsDest> = {}): IpvsDest => ({
  af: addr.includes(':') ? AF_INET6 : AF_INET, addr, port, fwdMethod, weight: 1, uThreshold: 0, lThreshold: 0, ...more,
});

export const S = {
  tcp: svc(AF_INET, IPPROTO_TCP, '10.0.0.1', 80, 'wlc'),
  udp: svc(AF_INET, IPPROTO_UDP, '10.0.0.1', 53, 'rr'),
  sctp: svc(AF_INET, IPPROTO_SCTP, '10.0.0.2', 3868, 'lc'),
  tcp6: svc(AF_INET6, IPPROTO_TCP, 'fd00::1', 443, 'sh', { flags: IP_VS_SVC_F_SCHED_SH_FALLBACK | IP_VS_SVC_F_SCHED_SH_PORT }),
  fwm4: fwm(AF_INET, 7, 'wrr'),
  fwm6: fwm(AF_INET6, 8, 'mh', { flags: IP_VS_SVC_F_SCHED_MH_FALLBACK | IP_VS_SVC_F_SCHED_MH_PORT }),
  persist: svc(AF_INET, IPPROTO_TCP, '10.0.0.3', 80, 'rr', { flags: IP_VS_SVC_F_PERSISTENT, timeout: 300, netmask: 0xffffff00 }),
  onePacket: svc(AF_INET, IPPROTO_UDP, '10.0.0.4', 53, 'rr', { flags: IP_VS_SVC_F_ONEPACKET }),
  persist6: svc(AF_INET6, IPPROTO_TCP, 'fd00::2', 80, 'wrr', { flags: IP_VS_SVC_F_PERSISTENT, timeout: 60, netmask: 64 }),
  sip: svc(AF_INET, IPPROTO_UDP, '10.0.0.5', 5060, 'rr', { flags: IP_VS_SVC_F_PERSISTENT, timeout: 30, peName: 'sip' }),
} as const;

export const SCHEDULERS = ['rr', 'wrr', 'lc', 'wlc', 'lblc', 'lblcr', 'dh', 'sh', 'sed', 'nq', 'fo', 'ovf', 'mh'] as const;
const perScheduler = SCHEDULERS.map((s, i) => svc(AF_INET, IPPROTO_TCP, `10.0.3.${i + 1}`, 80, s));

export const D = {
  masq: dest('10.0.1.1', 80, IP_VS_CONN_F_MASQ),
  masqThresh: dest('10.0.1.2', 8080, IP_VS_CONN_F_MASQ, { weight: 5, uThreshold: 100, lThreshold: 10 }),
  route: dest('10.0.1.3', 80, IP_VS_CONN_F_DROUTE, { weight: 2 }),
  ipip: dest('10.0.1.4', 80, IP_VS_CONN_F_TUNNEL, { tunType: IP_VS_CONN_F_TUNNEL_TYPE_IPIP }),
  gue: dest('10.0.1.5', 80, IP_VS_CONN_F_TUNNEL, {
    tunType: IP_VS_CONN_F_TUNNEL_TYPE_GUE, tunPort: 6080, tunFlags: IP_VS_TUNNEL_ENCAP_FLAG_REMCSUM,
  }),
  gre: dest('10.0.1.6', 80, IP_VS_CONN_F_TUNNEL, { tunType: IP_VS_CONN_F_TUNNEL_TYPE_GRE, tunFlags: IP_VS_TUNNEL_ENCAP_FLAG_CSUM }),
  maxWeight: dest('10.0.1.7', 80, IP_VS_CONN_F_MASQ, { weight: 2 ** 31 - 1 }),
  udpQuiesced: dest('10.0.1.9', 53, IP_VS_CONN_F_MASQ, { weight: 0 }),
  sctp: dest('10.0.1.10', 3868, IP_VS_CONN_F_DROUTE),
  v6masq: dest('fd00::10', 443, IP_VS_CONN_F_MASQ, { weight: 4 }),
  v6route: dest('fd00::11', 443, IP_VS_CONN_F_DROUTE),
  /** Mixed family: only tunnels may, and only while no sync daemon runs. */
  v4in6tunnel: dest('10.0.1.8', 443, IP_VS_CONN_F_TUNNEL, { tunType: IP_VS_CONN_F_TUNNEL_TYPE_IPIP }),
  fwmRoute: dest('10.0.1.11', 0, IP_VS_CONN_F_DROUTE, { weight: 3 }),
  fwm6Route: dest('fd00::12', 0, IP_VS_CONN_F_DROUTE),
  persist: dest('10.0.1.12', 80, IP_VS_CONN_F_DROUTE),
  sip: dest('10.0.1.13', 5060, IP_VS_CONN_F_DROUTE),
} as const;

const missingSvc = svc(AF_INET, IPPROTO_TCP, '10.0.9.9', 80, 'rr');

export const STEPS: readonly Step[] = [
  {
    name: 'add services: TCP/UDP/SCTP, IPv4/IPv6, fwmark, persistence + netmask, one-packet, pe sip, each scheduler',
    ops: [...Object.values(S), ...perScheduler].map((s) => ({ op: 'addService', svc: s })),
  },
  {
    name: 'add dests: masq, route, tunnel ipip/gue/gre, weights, thresholds, IPv6, mixed-family tunnel, fwmark',
    ops: [
      ...[D.masq, D.masqThresh, D.route, D.ipip, D.gue, D.gre, D.maxWeight].map((d) => ({ op: 'addDest', svc: S.tcp, dest: d }) as const),
      { op: 'addDest', svc: S.udp, dest: D.udpQuiesced },
      { op: 'addDest', svc: S.sctp, dest: D.sctp },
      ...[D.v6masq, D.v6route, D.v4in6tunnel].map((d) => ({ op: 'addDest', svc: S.tcp6, dest: d }) as const),
      { op: 'addDest', svc: S.fwm4, dest: D.fwmRoute },
      { op: 'addDest', svc: S.fwm6, dest: D.fwm6Route },
      { op: 'addDest', svc: S.persist, dest: D.persist },
      { op: 'addDest', svc: S.sip, dest: D.sip },
    ],
  },
  {
    name: 'edit with SET: weight, thresholds, forwarding, tunnel type; scheduler, persistence, flags',
    ops: [
      { op: 'editDest', svc: S.tcp, dest: { ...D.masq, weight: 7, uThreshold: 50, lThreshold: 5 } },
      { op: 'editDest', svc: S.tcp, dest: { ...D.route, fwdMethod: IP_VS_CONN_F_MASQ } },
      { op: 'editDest', svc: S.tcp, dest: { ...D.ipip, tunType: IP_VS_CONN_F_TUNNEL_TYPE_GRE, tunFlags: IP_VS_TUNNEL_ENCAP_FLAG_CSUM } },
      { op: 'editDest', svc: S.udp, dest: { ...D.udpQuiesced, weight: 1 } },
      { op: 'editService', svc: { ...S.tcp, schedName: 'rr' } },
      { op: 'editService', svc: { ...S.tcp, schedName: 'rr', flags: IP_VS_SVC_F_PERSISTENT, timeout: 600, netmask: 0xffff0000 } },
      { op: 'editService', svc: { ...S.persist, flags: 0, timeout: 0, netmask: ALL } },
      { op: 'editService', svc: { ...S.onePacket, flags: 0 } },
      { op: 'editService', svc: { ...S.tcp6, flags: IP_VS_SVC_F_SCHED_SH_PORT } },
      { op: 'editService', svc: { ...S.persist6, timeout: 120, netmask: 48 } },
    ],
  },
  {
    name: 'refusals: the kernel says no, and says why',
    ops: [
      { op: 'addService', svc: S.udp, refuse: 'EEXIST' },
      { op: 'addService', svc: { ...missingSvc, schedName: 'nosuch' }, refuse: 'ENOENT' },
      { op: 'addService', svc: { ...S.persist6, addr: 'fd00::9', netmask: 0 }, refuse: 'EINVAL' },
      { op: 'editService', svc: missingSvc, refuse: 'ESRCH' },
      { op: 'delService', svc: missingSvc, refuse: 'ESRCH' },
      { op: 'addDest', svc: S.tcp, dest: D.gre, refuse: 'EEXIST' },
      { op: 'addDest', svc: missingSvc, dest: D.masq, refuse: 'ESRCH' },
      { op: 'addDest', svc: S.tcp6, dest: { ...D.v4in6tunnel, addr: '10.0.1.99', fwdMethod: IP_VS_CONN_F_MASQ }, refuse: 'EINVAL' },
      { op: 'addDest', svc: S.tcp, dest: { ...D.gue, addr: '10.0.1.98', tunPort: 0 }, refuse: 'EINVAL' },
      { op: 'editDest', svc: S.tcp, dest: { ...D.masq, addr: '10.0.1.97' }, refuse: 'ENOENT' },
      { op: 'delDest', svc: S.tcp, dest: { ...D.masq, addr: '10.0.1.97' }, refuse: 'ENOENT' },
    ],
  },
  {
    name: 'delete dests and services',
    ops: [
      { op: 'delDest', svc: S.tcp, dest: D.gre },
      { op: 'delDest', svc: S.tcp6, dest: D.v4in6tunnel },
      { op: 'delDest', svc: S.fwm4, dest: D.fwmRoute },
      { op: 'delService', svc: S.udp },
      { op: 'delService', svc: S.fwm6 },
      ...perScheduler.slice(0, 6).map((s) => ({ op: 'delService', svc: s }) as const),
    ],
  },
];

// ---- the model: what the table must hold after each step ----

export const serviceKeyText = (k: IpvsServiceKey) => `${k.af}|${k.protocol}|${k.addr}|${k.port}|${k.fwmark}`;
export const destKeyText = (d: IpvsDestKey) => `${d.af}|${d.addr}|${d.port}`;

export interface ModelService {
  readonly svc: IpvsService;
  readonly dests: Map<string, IpvsDest>;
}

/** Applies the operations meant to succeed; returns the table the kernel must then list. */
export function applyOps(table: Map<string, ModelService>, ops: readonly ScenarioOp[]): void {
  for (const o of ops) {
    if (o.refuse) continue;
    const k = serviceKeyText(o.svc);
    switch (o.op) {
      case 'addService':
        table.set(k, { svc: o.svc, dests: new Map() });
        break;
      case 'editService':
        table.set(k, { svc: o.svc, dests: table.get(k)!.dests });
        break;
      case 'delService':
        table.delete(k);
        break;
      case 'addDest':
      case 'editDest':
        table.get(k)!.dests.set(destKeyText(o.dest), o.dest);
        break;
      case 'delDest':
        table.get(k)!.dests.delete(destKeyText(o.dest));
        break;
    }
  }
}
