// RTM_NEWLINK / RTM_NEWADDR bodies (dump answers and events) → the port's LinkInfo / InterfaceAddress.
// Only the attributes the engine needs are read, so new kernel attributes cannot break decoding.
// Pure; never throws: a garbled body gives an error string.
import { getU32, parseAttributes } from './netlink-package.js';
import { rt } from './netlink-rt.js';
import { formatIpv6 } from '../lib/ip.js';
import type { InterfaceAddress, LinkInfo } from '../vrrp/ports.js';
import { AF_INET, AF_INET6 } from './rtnl-names.js';

export type Decoded<T> = { ok: true; value: T } | { ok: false; error: string };

const IFLA_ADDRESS = 1;
const IFLA_IFNAME = 3;
const IFLA_MTU = 4;
const IFA_ADDRESS = 1;
const IFA_LOCAL = 2;
const IFA_LABEL = 3;
const IFF_UP = 0x1;
const IFF_RUNNING = 0x40;
const IFINFOMSG_LEN = 16;
const IFADDRMSG_LEN = 8;

/** A link as decoded, with its ifinfomsg family (AF_UNSPEC for real links; AF_BRIDGE for bridge port news). */
export interface DecodedLink extends LinkInfo {
  readonly family: number;
  readonly flags: number;
}

const asBuffer = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength);

function attrs(body: Buffer, from: number): Map<number, Buffer> {
  const m = new Map<number, Buffer>();
  parseAttributes(body.subarray(from), (a) => {
    if (!m.has(a.type)) m.set(a.type, a.data);
  });
  return m;
}

/** NUL-terminated string attribute. */
function str(b: Buffer | undefined): string | undefined {
  if (!b) return undefined;
  const nul = b.indexOf(0);
  return b.subarray(0, nul < 0 ? b.length : nul).toString('utf8');
}

function guard<T>(what: string, fn: () => T): Decoded<T> {
  try {
    return { ok: true, value: fn() };
  } catch (e) {
    return { ok: false, error: `${what}: ${(e as Error).message}` };
  }
}

export function decodeLink(body: Uint8Array): Decoded<DecodedLink> {
  return guard('link', () => {
    const b = asBuffer(body);
    if (b.length < IFINFOMSG_LEN) throw new Error(`${b.length} bytes, an ifinfomsg takes ${IFINFOMSG_LEN}`);
    const head = rt.parseLink(b.subarray(0, IFINFOMSG_LEN));
    const flags = rt.formatDeviceFlags(head.flags ?? {});
    const a = attrs(b, IFINFOMSG_LEN);
    const name = str(a.get(IFLA_IFNAME));
    if (name === undefined) throw new Error(`link ${head.index} has no IFLA_IFNAME`);
    const mtu = a.get(IFLA_MTU);
    return {
      family: head.family ?? 0,
      name,
      index: head.index ?? 0,
      flags,
      up: (flags & (IFF_UP | IFF_RUNNING)) === (IFF_UP | IFF_RUNNING),
      mac: Uint8Array.from(a.get(IFLA_ADDRESS) ?? []),
      mtu: mtu ? getU32(mtu) : 0,
    };
  });
}

function ipText(family: number, b: Buffer | undefined): string | undefined {
  if (!b) return undefined;
  if (family === AF_INET && b.length === 4) return [...b].join('.');
  if (family === AF_INET6 && b.length === 16) return formatIpv6(b);
  return undefined;
}

/** An address; IFA_LOCAL is the interface's own address (IFA_ADDRESS is the peer on point-to-point links). */
export function decodeAddress(body: Uint8Array): Decoded<InterfaceAddress> {
  return guard('address', () => {
    const b = asBuffer(body);
    if (b.length < IFADDRMSG_LEN) throw new Error(`${b.length} bytes, an ifaddrmsg takes ${IFADDRMSG_LEN}`);
    const head = rt.parseAddress(b.subarray(0, IFADDRMSG_LEN));
    const family = head.family;
    if (family !== AF_INET && family !== AF_INET6) throw new Error(`address family ${family}`);
    const a = attrs(b, IFADDRMSG_LEN);
    const address = ipText(family, a.get(IFA_LOCAL)) ?? ipText(family, a.get(IFA_ADDRESS));
    if (address === undefined) throw new Error(`no usable IFA_LOCAL/IFA_ADDRESS on ifindex ${head.index}`);
    const label = str(a.get(IFA_LABEL));
    const out: InterfaceAddress = {
      family: family === AF_INET ? 4 : 6,
      address,
      prefixLen: head.prefixlen ?? 0,
      ifindex: head.index ?? 0,
      scope: head.scope ?? 0,
      ...(label !== undefined ? { label } : {}),
    };
    return out;
  });
}
