// A virtual/static route as RTM_NEWROUTE / RTM_DELROUTE, the way keepalived 2.2.7 (netlink_route)
// sends it: scope universe unless written, protocol keepalived (18) unless written, the model's mode
// as NLM_F_EXCL / NLM_F_APPEND. Options with no mapping yet are refused by name. Pure: bytes out.
import { AttrStream, putU32, putU8 } from './netlink-package.js';
import { rt } from './netlink-rt.js';
import type { RouteNexthop, VirtualRoute } from './rtnl-model.js';
import type { IpAddress } from '../lib/ip.js';
import { RtnlUnsupportedError } from './rtnl-errors.js';
import {
  AF_INET,
  AF_INET6,
  NLM_F_APPEND,
  NLM_F_CREATE,
  NLM_F_EXCL,
  protocolNumber,
  routeTypeNumber,
  RT_SCOPE_NOWHERE,
  RT_TABLE_UNSPEC,
  RTPROT_KEEPALIVED,
  scopeNumber,
} from './rtnl-names.js';

const RTA_VIA = 18;
const RTNH_F_ONLINK = 4;
const RTNH_HDRLEN = 8;
/** RTAX_* whose bit a `lock` sets in RTAX_LOCK. */
const RTAX = {
  mtu: 2, window: 3, ssthresh: 6, cwnd: 7, advmss: 8, reordering: 9, hoplimit: 10, initcwnd: 11,
  initrwnd: 14, quickack: 15, congctl: 16, fastopen_no_cookie: 17,
} as const;
type MetricName = Exclude<keyof typeof RTAX, 'congctl'>;
const METRIC_KEYS: Record<MetricName, Exclude<keyof rt.RouteMetrics, '__unparsed'>> = {
  mtu: 'mtu', window: 'window', ssthresh: 'ssthresh', cwnd: 'cwnd', advmss: 'advmss', reordering: 'reordering',
  hoplimit: 'hoplimit', initcwnd: 'initcwnd', initrwnd: 'initrwnd', quickack: 'quickack', fastopen_no_cookie: 'fastopenNoCookie',
};
const PREFS: Record<string, number> = { low: 3, medium: 0, high: 1 };
const HOST_LE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

export interface RouteMessage {
  readonly body: Uint8Array;
  /** NLM_F_CREATE etc. for an add; 0 for a delete. */
  readonly flags: number;
}

const buf = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength);
const familyOf = (f: 4 | 6) => (f === 6 ? AF_INET6 : AF_INET);

/** struct rtvia: a gateway of the other family (an IPv4 route via an IPv6 neighbour). */
function via(a: IpAddress): Buffer {
  const b = Buffer.alloc(2 + a.bytes.length);
  // rtvia_family is a host-order u16 like every netlink integer.
  if (HOST_LE) b.writeUInt16LE(familyOf(a.family), 0);
  else b.writeUInt16BE(familyOf(a.family), 0);
  b.set(a.bytes, 2);
  return b;
}

/** A realms value `N` or `FROM/TO` (numbers only: /etc/iproute2/rt_realms names are not read). */
function realms(text: string): number | undefined {
  const num = (t: string) => (/^(0x[0-9a-f]+|\d+)$/i.test(t) ? Number(t) : undefined);
  const [a, b] = text.split('/');
  if (b === undefined) return num(a) !== undefined && num(a)! <= 0xffff ? num(a) : undefined;
  const from = num(a);
  const to = num(b);
  return from !== undefined && to !== undefined && from <= 0xffff && to <= 0xffff ? ((from << 16) | to) >>> 0 : undefined;
}

/** Splits `lock N` → { lock: true, value: 'N' }. */
function lockable(text: string): { lock: boolean; value: string } {
  return text.startsWith('lock ') ? { lock: true, value: text.slice(5) } : { lock: false, value: text };
}

/** The RTA_MULTIPATH payload: one struct rtnexthop and its attributes per nexthop. */
function multipath(route: VirtualRoute, ifindex: (dev: string) => number, refuse: (opt: string, why?: string) => never): Buffer {
  const parts: Buffer[] = [];
  for (const nh of route.nexthops) {
    const attrs = new AttrStream();
    const a: rt.RouteAttrs = {};
    if (nh.via && nh.via.family === route.family) a.gateway = buf(nh.via.bytes);
    attrs.emit(rt.formatRouteAttrs(nexthopOptions(nh, a, refuse)));
    if (nh.via && nh.via.family !== route.family) attrs.push(RTA_VIA, via(nh.via));
    const body = Buffer.concat(attrs.bufs);
    const head = rt.formatRouteNextHop({
      len: RTNH_HDRLEN + body.length,
      flags: nh.onlink ? { onlink: true } : {},
      hops: nh.weight !== undefined ? nh.weight - 1 : 0,
      ifindex: nh.dev ? ifindex(nh.dev) : 0,
    });
    const pad = Buffer.alloc((4 - (body.length % 4)) % 4);
    parts.push(head, body, pad);
  }
  return Buffer.concat(parts);
}

function nexthopOptions(nh: RouteNexthop, a: rt.RouteAttrs, refuse: (opt: string, why?: string) => never): rt.RouteAttrs {
  for (const [name, value] of Object.entries(nh.options)) {
    if (name === 'realms') a.flow = realms(value) ?? refuse('nexthop realms', `'${value}': only numbers`);
    else refuse(`nexthop ${name}`);
  }
  return a;
}

/**
 * The body (rtmsg and attributes) and flags of RTM_NEWROUTE / RTM_DELROUTE. `ifindex` resolves the
 * route's and its nexthops' devices. Throws RtnlUnsupportedError, naming the option, for what cannot
 * be sent yet (encap, vrf, rtt, rttvar, rto_min, realm names).
 */
export function routeMessage(route: VirtualRoute, ifindex: (dev: string) => number, cmd: 'add' | 'del'): RouteMessage {
  const refuse = (opt: string, why?: string): never => {
    throw new RtnlUnsupportedError(cmd === 'add' ? 'NEWROUTE' : 'DELROUTE', describeRoute(route), opt, why);
  };
  const family = familyOf(route.family);
  const scope = scopeNumber(route.scope);
  const header: rt.Route = {
    family,
    dstLen: route.to.prefixLen,
    srcLen: route.from?.prefixLen ?? 0,
    table: route.table < 256 ? route.table : RT_TABLE_UNSPEC,
    protocol: route.protocol !== undefined ? protocolNumber(route.protocol) : RTPROT_KEEPALIVED,
    // A delete matches any scope (and any type) unless the line gave one, as keepalived does.
    scope: cmd === 'add' || scope !== 0 ? scope : RT_SCOPE_NOWHERE,
    type: cmd === 'add' || route.type !== 'unicast' ? routeTypeNumber(route.type) : 0,
    flags: route.onlink ? { __unknown: RTNH_F_ONLINK } : {},
  };
  const a: rt.RouteAttrs = {};
  if (route.to.prefixLen > 0) a.dst = buf(route.to.bytes);
  if (route.from && route.from.prefixLen > 0) a.src = buf(route.from.bytes);
  if (route.src) a.prefsrc = buf(route.src.bytes);
  if (route.via && route.via.family === route.family) a.gateway = buf(route.via.bytes);
  if (route.dev) a.oif = ifindex(route.dev);
  if (route.metric !== undefined) a.priority = route.metric;
  if (route.table >= 256) a.table = route.table;

  const metrics: rt.RouteMetrics = {};
  let lock = 0;
  for (const [name, text] of Object.entries(route.options)) {
    const { lock: locked, value } = lockable(text);
    if (Object.hasOwn(METRIC_KEYS, name)) {
      metrics[METRIC_KEYS[name as MetricName]] = putU32(Number(value));
      if (locked) lock |= 1 << RTAX[name as MetricName];
      continue;
    }
    switch (name) {
      case 'tos':
        header.tos = Number(value);
        break;
      case 'realms':
        a.flow = realms(value) ?? refuse('realms', `'${value}': only numbers`);
        break;
      case 'features':
        metrics.features = putU32(rt.formatRouteMetricsFeatures({ ecn: true }));
        break;
      case 'congctl':
        metrics.ccAlgo = Buffer.from(value);
        if (locked) lock |= 1 << RTAX.congctl;
        break;
      case 'pref':
        a.pref = putU8(PREFS[value] ?? Number(value));
        break;
      case 'ttl-propagate':
        a.ttlPropagate = value === 'enabled' ? 1 : 0;
        break;
      case 'expires':
        a.expires = putU32(Number(value));
        break;
      default:
        refuse(name); // encap, vrf, rtt, rttvar, rto_min
    }
  }
  if (lock) metrics.lock = putU32(lock);
  if (Object.keys(metrics).length) a.metrics = metrics;
  if (route.nexthops.length) a.multipath = multipath(route, ifindex, refuse);

  const out = new AttrStream();
  out.emit(rt.formatRoute(header));
  out.emit(rt.formatRouteAttrs(a));
  if (route.via && route.via.family !== route.family) out.push(RTA_VIA, via(route.via));
  const flags = cmd === 'del' ? 0 : NLM_F_CREATE | (route.mode === 'add' ? NLM_F_EXCL : route.mode === 'append' ? NLM_F_APPEND : 0);
  return { body: Buffer.concat(out.bufs), flags };
}

/** `blackhole 10.2.0.0/16 via 10.0.0.1 dev eth0 table 100 metric 5 proto keepalived` (as `ip route` reads). */
export function describeRoute(r: VirtualRoute): string {
  const parts: string[] = [];
  if (r.type !== 'unicast') parts.push(r.type);
  parts.push(r.to.prefixLen === 0 ? 'default' : `${r.to.text}/${r.to.prefixLen}`);
  if (r.from) parts.push('from', `${r.from.text}/${r.from.prefixLen}`);
  if (r.via) parts.push('via', r.via.text);
  if (r.dev) parts.push('dev', r.dev);
  if (r.src) parts.push('src', r.src.text);
  if (r.table !== 254) parts.push('table', String(r.table));
  if (r.metric !== undefined) parts.push('metric', String(r.metric));
  if (r.scope !== 'global') parts.push('scope', r.scope);
  if (r.protocol !== undefined) parts.push('proto', r.protocol);
  if (r.onlink) parts.push('onlink');
  for (const nh of r.nexthops) {
    parts.push('nexthop');
    if (nh.via) parts.push('via', nh.via.text);
    if (nh.dev) parts.push('dev', nh.dev);
    if (nh.weight !== undefined) parts.push('weight', String(nh.weight));
    if (nh.onlink) parts.push('onlink');
  }
  return parts.join(' ');
}
