// The numbers behind the names the config model keeps (scopes, protocols, route types, rule actions,
// IP protocols): iproute2's built-in tables, which are also keepalived's. Pure.
import type { RouteType, RuleAction } from './rtnl-model.js';

export const AF_INET = 2;
export const AF_INET6 = 10;

/** RTM_* message types (linux/rtnetlink.h). */
export const RTM = {
  NEWLINK: 16,
  DELLINK: 17,
  GETLINK: 18,
  NEWADDR: 20,
  DELADDR: 21,
  GETADDR: 22,
  NEWROUTE: 24,
  DELROUTE: 25,
  GETROUTE: 26,
  NEWRULE: 32,
  DELRULE: 33,
  GETRULE: 34,
} as const;

export function rtmName(type: number): string {
  return Object.entries(RTM).find(([, v]) => v === type)?.[0] ?? `RTM_${type}`;
}

/** Netlink request flags for new objects (linux/netlink.h). */
export const NLM_F_REPLACE = 0x100;
export const NLM_F_EXCL = 0x200;
export const NLM_F_CREATE = 0x400;
export const NLM_F_APPEND = 0x800;

/** RTNLGRP_* multicast groups. */
export const RTNLGRP = { LINK: 1, IPV4_IFADDR: 5, IPV6_IFADDR: 9 } as const;

export const RT_SCOPE_NOWHERE = 255;
export const RTPROT_KEEPALIVED = 18;
export const RT_TABLE_UNSPEC = 0;

const SCOPES: Record<string, number> = { global: 0, universe: 0, site: 200, link: 253, host: 254, nowhere: 255 };
const PROTOCOLS: Record<string, number> = {
  none: 0, redirect: 1, kernel: 2, boot: 3, static: 4, gated: 8, ra: 9, mrt: 10, zebra: 11, bird: 12,
  dnrouted: 13, xorp: 14, ntk: 15, dhcp: 16, keepalived: 18, babel: 42,
};
const ROUTE_TYPES: Record<RouteType, number> = {
  unicast: 1, local: 2, broadcast: 3, anycast: 4, multicast: 5, blackhole: 6, unreachable: 7, prohibit: 8,
  throw: 9, nat: 10, xresolve: 11,
};
const RULE_ACTIONS: Record<RuleAction, number> = { table: 1, goto: 2, nop: 3, blackhole: 6, unreachable: 7, prohibit: 8 };
const IP_PROTOS: Record<string, number> = {
  icmp: 1, tcp: 6, udp: 17, dccp: 33, gre: 47, esp: 50, ah: 51, 'ipv6-icmp': 58, sctp: 132, udplite: 136,
};

/** A name from `table`, or a decimal number; undefined when it is neither. */
function lookup(table: Record<string, number>, text: string, max: number): number | undefined {
  if (Object.hasOwn(table, text)) return table[text];
  if (!/^\d+$/.test(text)) return undefined;
  const n = Number(text);
  return n <= max ? n : undefined;
}

/** Scope name or number → number (the model has validated it; unknown text is a programming error). */
export function scopeNumber(text: string): number {
  const n = lookup(SCOPES, text, 255);
  if (n === undefined) throw new RangeError(`unknown scope '${text}'`);
  return n;
}

export function protocolNumber(text: string): number {
  const n = lookup(PROTOCOLS, text, 255);
  if (n === undefined) throw new RangeError(`unknown route protocol '${text}'`);
  return n;
}

export function routeTypeNumber(type: RouteType): number {
  return ROUTE_TYPES[type];
}

export function ruleActionNumber(action: RuleAction): number {
  return RULE_ACTIONS[action];
}

export function ipProtoNumber(text: string): number {
  const n = lookup(IP_PROTOS, text, 255);
  if (n === undefined) throw new RangeError(`unknown IP protocol '${text}'`);
  return n;
}
