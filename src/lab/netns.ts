// Bash text that builds lab networks inside UML: namespaces, veth pairs, bridges, addresses, routes.
// Each function returns one or more shell lines; tests join them into the batch script given to runInUml.
// A namespace argument of undefined means the instance's root namespace (the director, usually).
import { shq } from './shell.js';

/** Linux interface names: at most 15 bytes (IFNAMSIZ - 1). */
export function checkIfName(name: string): string {
  if (name.length === 0 || name.length > 15 || /[\s/:]/.test(name)) throw new Error(`invalid interface name: ${JSON.stringify(name)}`);
  return name;
}

function ip(ns: string | undefined): string {
  return ns === undefined ? 'ip' : `ip -n ${shq(ns)}`;
}

/** Runs shell text inside a namespace. */
export function nsExec(ns: string | undefined, command: string): string {
  return ns === undefined ? command : `ip netns exec ${shq(ns)} bash -c ${shq(command)}`;
}

export function netnsAdd(ns: string): string {
  return `ip netns add ${shq(ns)}\n${ip(ns)} link set lo up`;
}

export function netnsDel(ns: string): string {
  return `ip netns del ${shq(ns)}`;
}

export interface LinkEnd {
  name: string;
  ns?: string;
}

/** A veth pair whose ends may sit in different namespaces; both ends come up. */
export function vethPair(a: LinkEnd, b: LinkEnd): string {
  const where = (e: LinkEnd) => (e.ns === undefined ? '' : ` netns ${shq(e.ns)}`);
  return [
    `ip link add ${shq(checkIfName(a.name))}${where(a)} type veth peer name ${shq(checkIfName(b.name))}${where(b)}`,
    linkUp(a.name, a.ns),
    linkUp(b.name, b.ns),
  ].join('\n');
}

export function bridgeAdd(name: string, ns?: string): string {
  // forward_delay 0: ports forward at once instead of after 15 s of STP listening/learning.
  return `${ip(ns)} link add ${shq(checkIfName(name))} type bridge forward_delay 0\n${linkUp(name, ns)}`;
}

export function linkMaster(dev: string, bridge: string, ns?: string): string {
  return `${ip(ns)} link set ${shq(dev)} master ${shq(bridge)}`;
}

export function linkUp(dev: string, ns?: string): string {
  return `${ip(ns)} link set ${shq(dev)} up`;
}

export function dummyAdd(name: string, ns?: string): string {
  return `${ip(ns)} link add ${shq(checkIfName(name))} type dummy\n${linkUp(name, ns)}`;
}

/** `cidr` like 10.0.0.1/24 or fd00::1/64; `nodad` so IPv6 addresses are usable at once. */
export function addrAdd(dev: string, cidr: string, ns?: string): string {
  const nodad = cidr.includes(':') ? ' nodad' : '';
  return `${ip(ns)} addr add ${shq(cidr)} dev ${shq(dev)}${nodad}`;
}

export function routeAdd(dest: string, via: string, ns?: string): string {
  return `${ip(ns)} route add ${shq(dest)} via ${shq(via)}`;
}

export function sysctlSet(key: string, value: string | number, ns?: string): string {
  return nsExec(ns, `sysctl -qw ${shq(`${key}=${value}`)}`);
}

export function ipForward(ns?: string): string {
  return [sysctlSet('net.ipv4.ip_forward', 1, ns), sysctlSet('net.ipv6.conf.all.forwarding', 1, ns)].join('\n');
}

/**
 * LVS-DR real server: the VIP on lo, and ARP for it neither answered nor announced; the sysctls must be
 * set before the VIP is added or the kernel answers ARP for it in between.
 */
export function drRealServer(ns: string | undefined, vip: string): string {
  const lines = [
    sysctlSet('net.ipv4.conf.all.arp_ignore', 1, ns),
    sysctlSet('net.ipv4.conf.all.arp_announce', 2, ns),
    sysctlSet('net.ipv4.conf.lo.arp_ignore', 1, ns),
    sysctlSet('net.ipv4.conf.lo.arp_announce', 2, ns),
    addrAdd('lo', vip.includes('/') ? vip : `${vip}/${vip.includes(':') ? 128 : 32}`, ns),
  ];
  return lines.join('\n');
}

export interface LanHost {
  /** namespace of the host; created by lan() */
  ns: string;
  /** interface name inside the host's namespace */
  dev?: string;
  addrs: string[];
  /** default gateway */
  gateway?: string;
}

export interface LanSpec {
  /** bridge name, in the root namespace unless bridgeNs is given */
  bridge: string;
  bridgeNs?: string;
  /** addresses of the bridge itself (the root namespace joins the LAN through it) */
  bridgeAddrs?: string[];
  hosts: LanHost[];
}

/**
 * One broadcast domain: a bridge and hosts, each in its own namespace, each attached by a veth pair whose
 * bridge-side end is named `<bridge>.<n>`.
 */
export function lan(spec: LanSpec): string {
  const lines = [bridgeAdd(spec.bridge, spec.bridgeNs)];
  for (const a of spec.bridgeAddrs ?? []) lines.push(addrAdd(spec.bridge, a, spec.bridgeNs));
  spec.hosts.forEach((h, i) => {
    const dev = h.dev ?? 'eth0';
    const port = checkIfName(`${spec.bridge}.${i}`);
    lines.push(netnsAdd(h.ns));
    lines.push(vethPair({ name: dev, ns: h.ns }, { name: port, ...(spec.bridgeNs ? { ns: spec.bridgeNs } : {}) }));
    lines.push(linkMaster(port, spec.bridge, spec.bridgeNs));
    for (const a of h.addrs) lines.push(addrAdd(dev, a, h.ns));
    if (h.gateway !== undefined) lines.push(`${ip(h.ns)} route add default via ${shq(h.gateway)}`);
  });
  return lines.join('\n');
}
