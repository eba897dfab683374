// The config model's VIP, route and rule, as the port hands them over. Derived from AddressPort so the
// adapter depends on the engine's port (netlink may import vrrp), not on the config layer directly.
import type { AddressPort } from '../vrrp/ports.js';

export type VirtualIpAddress = Parameters<AddressPort['addAddress']>[0];
export type VirtualRoute = Parameters<AddressPort['addRoute']>[0];
export type VirtualRule = Parameters<AddressPort['addRule']>[0];
export type RouteNexthop = VirtualRoute['nexthops'][number];
export type RouteType = VirtualRoute['type'];
export type RuleAction = VirtualRule['action'];
