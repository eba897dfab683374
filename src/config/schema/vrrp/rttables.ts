// Names iproute2 knows without /etc/iproute2 files (the ones keepalived has built in), or numbers.
const SCOPES: Record<string, number> = { global: 0, universe: 0, site: 200, link: 253, host: 254, nowhere: 255 };
const TABLES: Record<string, number> = { default: 253, main: 254, local: 255 };
const PROTOCOLS: Record<string, number> = {
  none: 0, redirect: 1, kernel: 2, boot: 3, static: 4, gated: 8, ra: 9, mrt: 10, zebra: 11, bird: 12,
  dnrouted: 13, xorp: 14, ntk: 15, dhcp: 16, keepalived: 18, babel: 42,
};
export const ROUTE_TYPES = [
  'local', 'nat', 'broadcast', 'brd', 'anycast', 'multicast', 'prohibit', 'unreachable', 'blackhole',
  'xresolve', 'unicast', 'throw',
] as const;

/** strtoul(base 0) of the whole text, as keepalived's find_entry() accepts numbers. */
function number0(text: string): number | undefined {
  if (/^0[xX][0-9a-fA-F]+$/.test(text)) return parseInt(text, 16);
  if (/^0[0-7]*$/.test(text)) return parseInt(text, 8);
  if (/^[1-9]\d*$/.test(text)) return Number(text);
  return undefined;
}

function lookup(text: string, names: Record<string, number>, max: number): number | undefined {
  const n = number0(text);
  if (n !== undefined) return n <= max ? n : undefined;
  return Object.hasOwn(names, text) ? names[text] : undefined;
}

/** Scope name → canonical name ('global' for 0); undefined if unknown. */
export function scopeName(text: string): string | undefined {
  const n = lookup(text, SCOPES, 255);
  if (n === undefined) return undefined;
  const name = Object.entries(SCOPES).find(([k, v]) => v === n && k !== 'universe');
  return name ? name[0] : String(n);
}

export function tableId(text: string): number | undefined {
  return lookup(text, TABLES, 0xffffffff);
}

export function protocolName(text: string): string | undefined {
  const n = lookup(text, PROTOCOLS, 255);
  if (n === undefined) return undefined;
  const name = Object.entries(PROTOCOLS).find(([, v]) => v === n);
  return name ? name[0] : String(n);
}

/** TOS/dsfield: a number (hex allowed) up to 255. */
export function dsfield(text: string): number | undefined {
  const n = /^0[xX][0-9a-fA-F]+$/.test(text) ? parseInt(text, 16) : /^[0-9a-fA-F]{1,2}$/.test(text) ? parseInt(text, 16) : undefined;
  return n !== undefined && n <= 255 ? n : undefined;
}
