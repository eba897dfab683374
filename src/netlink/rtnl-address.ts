// A VIP as RTM_NEWADDR / RTM_DELADDR, the way keepalived 2.2.7 (netlink_ipaddress) and `ip addr` put
// it on the wire. Pure: bytes out, no socket.
import { AttrStream } from './netlink-package.js';
import { rt } from './netlink-rt.js';
import type { VirtualIpAddress } from './rtnl-model.js';
import { AF_INET, AF_INET6, scopeNumber } from './rtnl-names.js';

/** IFA_F_* bits (linux/if_addr.h). */
export const IFA_F = {
  SECONDARY: 0x01,
  NODAD: 0x02,
  HOMEADDRESS: 0x10,
  DEPRECATED: 0x20,
  TENTATIVE: 0x40,
  PERMANENT: 0x80,
  MANAGETEMPADDR: 0x100,
  NOPREFIXROUTE: 0x200,
  MCAUTOJOIN: 0x400,
} as const;

/** "Forever" in struct ifa_cacheinfo. */
const INFINITY_LIFE_TIME = 0xffffffff;

/** The model's flag words (config spelling, `-nodad` stored as 'nodad') → IFA_F_* bits they set. */
const FLAG_BITS: Record<string, number> = {
  home: IFA_F.HOMEADDRESS,
  mngtmpaddr: IFA_F.MANAGETEMPADDR,
  noprefixroute: IFA_F.NOPREFIXROUTE,
  autojoin: IFA_F.MCAUTOJOIN,
};

/**
 * IFA_FLAGS of an add. keepalived marks every IPv6 VIP `nodad` (VRRP is its own duplicate detection,
 * and a VIP must not end in dadfailed after a split brain) unless the line says `-nodad`, which the
 * model records as the flag word 'nodad'.
 */
export function addressFlags(vip: VirtualIpAddress): number {
  let bits = 0;
  for (const f of vip.flags) bits |= FLAG_BITS[f] ?? 0;
  if (vip.address.family === 6 && !vip.flags.includes('nodad')) bits |= IFA_F.NODAD;
  return bits;
}

/**
 * IPv6 preferred lifetime in seconds, or undefined for forever. An unset value takes keepalived's
 * default: /128 deprecated (0: never chosen as a source address), other prefixes forever.
 */
export function preferredLifetime(vip: VirtualIpAddress): number | undefined {
  if (vip.address.family !== 6) return undefined;
  const lft = vip.preferredLft ?? (vip.address.prefixLen === 128 ? 0 : 'forever');
  return lft === 'forever' || lft === INFINITY_LIFE_TIME ? undefined : lft;
}

const buf = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength);

/** The body (ifaddrmsg and attributes) of RTM_NEWADDR or RTM_DELADDR for `vip` on interface `ifindex`. */
export function addressBody(vip: VirtualIpAddress, ifindex: number, cmd: 'add' | 'del'): Uint8Array {
  const v6 = vip.address.family === 6;
  const out = new AttrStream();
  out.emit(
    rt.formatAddress({
      family: v6 ? AF_INET6 : AF_INET,
      prefixlen: vip.address.prefixLen,
      // The kernel chooses IPv6 scopes itself; the model keeps IPv6 at global.
      scope: v6 ? 0 : scopeNumber(vip.scope),
      index: ifindex,
    }),
  );
  const local = buf(vip.address.bytes);
  // IFA_ADDRESS is the peer on a point-to-point address, else the address itself (as `ip addr` sends it).
  const attrs: rt.AddressAttrs = { local, address: vip.peer ? buf(vip.peer.bytes) : local };
  if (cmd === 'add') {
    if (!v6 && vip.broadcast) attrs.broadcast = buf(vip.broadcast.bytes);
    if (!v6 && vip.label !== undefined) attrs.label = vip.label;
    const flags = addressFlags(vip);
    if (flags) attrs.flags = { __unknown: flags };
    const preferred = preferredLifetime(vip);
    if (preferred !== undefined) attrs.cacheInfo = { ifaPrefered: preferred, ifaValid: INFINITY_LIFE_TIME };
  }
  out.emit(rt.formatAddressAttrs(attrs));
  return Buffer.concat(out.bufs);
}

/** `10.0.0.1/24 brd 10.0.0.255 dev eth0 scope global label eth0:1` (what `ip addr add` would be given). */
export function describeAddress(vip: VirtualIpAddress): string {
  const a = vip.address;
  const parts = [vip.peer ? a.text : `${a.text}/${a.prefixLen}`];
  if (vip.peer) parts.push('peer', `${vip.peer.text}/${a.prefixLen}`);
  if (vip.broadcast) parts.push('brd', vip.broadcast.text);
  parts.push('dev', vip.dev || '(none)');
  if (a.family === 4 && vip.scope !== 'global') parts.push('scope', vip.scope);
  if (vip.label !== undefined) parts.push('label', vip.label);
  parts.push(...vip.flags.map((f) => (f === 'nodad' ? '-nodad' : f)));
  if (a.family === 6 && vip.preferredLft !== undefined) parts.push('preferred_lft', String(vip.preferredLft));
  return parts.join(' ');
}
