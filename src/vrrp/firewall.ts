// keepalived's no_accept firewall (vrrp_nftables.c; measured with Debian's 2.2.7, KEEPALIVED.md §3.10).
// While a non-owner instance without `accept` is MASTER, its VIPs and eVIPs are elements of nftables sets
// that input/output hook chains (priority filter - 1) drop: RFC 5798 Accept_Mode off. A family's table is
// set up the first time one of its addresses goes in (a residue of an earlier run deleted first); it stays
// while the daemon runs (with empty sets once no instance is master) and is deleted at stop.
//
// This module is the plan, without I/O: the elements an instance contributes, the `nft -f` batch that
// takes the installed elements to the desired ones, the batch that removes everything, and the ruleset
// `nft list ruleset` then shows (normalised). src/core/nftables.ts runs Debian's nft with these batches.
import type { GlobalDefs } from '../config/model/global.js';
import type { VrrpInstance } from '../config/model/vrrp.js';
import { isLinkLocal6 } from '../lib/ip.js';

/** `nftables [TABLE]`, `nftables_priority`, `nftables_counters`, `nftables_ifindex`. */
export interface FirewallSettings {
  table: string;
  priority: number;
  counters: boolean;
  /** Link-local VIPs always keyed by interface index, never by name. */
  ifindex: boolean;
}

export type NftFamily = 'ip' | 'ip6';
export type LinkLocalSet = 'vips_link_local' | 'vips_link_local_name';
export type VipSet = 'vips' | LinkLocalSet;

/** One address in one of the drop sets. Link-local IPv6 addresses are keyed with their interface. */
export interface FirewallElement {
  family: NftFamily;
  set: VipSet;
  /** Canonical address text. */
  address: string;
  /** Interface (link-local sets). */
  dev?: string;
  /** vips_link_local: the interface index when known (nft resolves `dev` otherwise). */
  ifindex?: number;
}

/** The rules for an instance: set to its addresses, or cleared (undefined). Errors are the port's to log. */
export interface FirewallPort {
  instance(name: string, elements: readonly FirewallElement[] | undefined): Promise<void>;
}

/** What is in the kernel: tables and link-local sets set up (in that order), elements installed. */
export interface FirewallState {
  readonly tables: readonly NftFamily[];
  readonly linkLocalSets: readonly LinkLocalSet[];
  readonly elements: readonly FirewallElement[];
}

export const emptyFirewall: FirewallState = { tables: [], linkLocalSets: [], elements: [] };

/** The settings when the configuration uses nftables (some instance needs it); else undefined. */
export function firewallSettings(g: GlobalDefs): FirewallSettings | undefined {
  if (!g.nftables) return undefined;
  return { table: g.nftables.table, priority: g.nftables.priority, counters: g.nftablesCounters, ifindex: g.nftablesIfindex };
}

/**
 * The elements of an instance's drop rules: its VIPs then eVIPs, each in the set of its family. A
 * link-local IPv6 address is keyed by interface name when the instance has dont_track_primary and the
 * address is on the instance's interface or `no_track` (and not `nftables_ifindex`), else by index.
 */
export function firewallElements(
  inst: VrrpInstance,
  settings: FirewallSettings,
  ifindexOf: (dev: string) => number | undefined = () => undefined,
): FirewallElement[] {
  const out: FirewallElement[] = [];
  for (const vip of [...inst.virtualIpaddress, ...inst.virtualIpaddressExcluded]) {
    const a = vip.address;
    if (a.family === 4) out.push({ family: 'ip', set: 'vips', address: a.text });
    else if (!isLinkLocal6(a)) out.push({ family: 'ip6', set: 'vips', address: a.text });
    else if (!settings.ifindex && inst.dontTrackPrimary && (vip.dev === inst.interface || vip.noTrack)) {
      out.push({ family: 'ip6', set: 'vips_link_local_name', address: a.text, dev: vip.dev });
    } else {
      const ifindex = ifindexOf(vip.dev);
      out.push({ family: 'ip6', set: 'vips_link_local', address: a.text, dev: vip.dev, ...(ifindex ? { ifindex } : {}) });
    }
  }
  return out;
}

/** The union of every instance's elements, first occurrence first. */
export function desiredElements(byInstance: Iterable<readonly FirewallElement[]>): FirewallElement[] {
  const seen = new Set<string>();
  const out: FirewallElement[] = [];
  for (const list of byInstance) {
    for (const e of list) {
      const k = elementId(e);
      if (seen.has(k)) continue;
      seen.add(k);
      out.push(e);
    }
  }
  return out;
}

/** Identity of an element in the kernel. */
export function elementId(e: FirewallElement): string {
  return `${e.family} ${e.set} ${batchElement(e)}`;
}

// --- nft syntax

function quote(s: string): string {
  return `"${s.replace(/["\\]/g, '')}"`;
}

/** A table name as nft reads it (quoted unless a plain identifier). */
function tableName(t: string): string {
  return /^[A-Za-z_.][A-Za-z0-9_./-]*$/.test(t) ? t : quote(t);
}

function batchElement(e: FirewallElement): string {
  if (e.set === 'vips') return e.address;
  if (e.set === 'vips_link_local' && e.ifindex) return `${e.address} . ${e.ifindex}`;
  return `${e.address} . ${quote(e.dev ?? '')}`;
}

/** As `nft list` shows it (an interface index is shown by its name). */
function listedElement(e: FirewallElement): string {
  return e.set === 'vips' ? e.address : `${e.address} . ${quote(e.dev ?? String(e.ifindex ?? ''))}`;
}

const SET_ORDER: ReadonlyArray<[NftFamily, VipSet]> = [['ip', 'vips'], ['ip6', 'vips'], ['ip6', 'vips_link_local'], ['ip6', 'vips_link_local_name']];

/**
 * The objects keepalived creates for a family, in its order (the listing order follows it): chains out
 * and in, then the sets, then the rules. `ip6 nexthdr ipv6-icmp` and `fe80::/10` give the same bytecode as
 * keepalived's rules (a next-header compare and a masked compare), which nft lists as keepalived's do.
 */
function tableSetup(family: NftFamily, s: FirewallSettings): string[] {
  const t = `${family} ${tableName(s.table)}`;
  const c = s.counters ? 'counter ' : '';
  const hook = (name: string, h: string) => `add chain ${t} ${name} { type filter hook ${h} priority ${s.priority}; policy accept; }`;
  // an earlier run's table (a crash) goes first; add+delete so that a missing one is no error
  const lines = [`add table ${t}`, `delete table ${t}`, `add table ${t}`, hook('out', 'output'), hook('in', 'input')];
  if (family === 'ip') {
    lines.push(
      `add set ${t} vips { type ipv4_addr; }`,
      `add rule ${t} in ip daddr @vips ${c}drop`,
      `add rule ${t} out ip saddr @vips ${c}drop`,
    );
  } else {
    lines.push(
      `add chain ${t} in_link_local`,
      `add chain ${t} out_link_local`,
      `add set ${t} vips { type ipv6_addr; }`,
      `add set ${t} neighbor-discovery { type icmpv6_type; flags constant; elements = { nd-neighbor-solicit, nd-neighbor-advert }; }`,
      // neighbour discovery for the VIPs must still pass, or the master could not answer for them
      `add rule ${t} in ip6 nexthdr ipv6-icmp icmpv6 type @neighbor-discovery ${c}accept`,
      `add rule ${t} in ip6 daddr fe80::/10 ${c}goto in_link_local`,
      `add rule ${t} out ip6 nexthdr ipv6-icmp icmpv6 type @neighbor-discovery ${c}accept`,
      `add rule ${t} out ip6 saddr fe80::/10 ${c}goto out_link_local`,
      `add rule ${t} in ip6 daddr @vips ${c}drop`,
      `add rule ${t} out ip6 saddr @vips ${c}drop`,
    );
  }
  return lines;
}

function linkLocalSetup(set: LinkLocalSet, s: FirewallSettings): string[] {
  const t = `ip6 ${tableName(s.table)}`;
  const c = s.counters ? 'counter ' : '';
  const byName = set === 'vips_link_local_name';
  return [
    `add set ${t} ${set} { type ipv6_addr . ${byName ? 'ifname' : 'iface_index'}; }`,
    `add rule ${t} in_link_local ip6 daddr . ${byName ? 'iifname' : 'iif'} @${set} ${c}drop`,
    `add rule ${t} out_link_local ip6 saddr . ${byName ? 'oifname' : 'oif'} @${set} ${c}drop`,
  ];
}

function elementLines(verb: 'add' | 'delete', list: readonly FirewallElement[], s: FirewallSettings): string[] {
  const lines: string[] = [];
  for (const [family, set] of SET_ORDER) {
    const of = list.filter((e) => e.family === family && e.set === set);
    if (of.length) lines.push(`${verb} element ${family} ${tableName(s.table)} ${set} { ${of.map(batchElement).join(', ')} }`);
  }
  return lines;
}

export interface FirewallPlan {
  /** The `nft -f` batch (one transaction); empty when nothing changes. */
  script: string;
  /** The state once the batch has been applied. */
  state: FirewallState;
}

/**
 * The batch from `state` to `desired` elements: removed elements deleted, tables and link-local sets set
 * up before their first element (in the order elements need them), added elements inserted. With
 * `rebuild`, everything `state` had set up is set up afresh and every desired element added (recovery
 * after a failed batch, when the kernel's contents are unknown).
 */
export function planFirewall(state: FirewallState, desired: readonly FirewallElement[], s: FirewallSettings, opts: { rebuild?: boolean } = {}): FirewallPlan {
  const want = desiredElements([desired]);
  const base: FirewallState = opts.rebuild ? emptyFirewall : state;
  const has = new Set(base.elements.map(elementId));
  const keep = new Set(want.map(elementId));
  const removed = base.elements.filter((e) => !keep.has(elementId(e)));
  const added = want.filter((e) => !has.has(elementId(e)));
  const tables = [...base.tables];
  const linkLocalSets = [...base.linkLocalSets];
  const lines: string[] = [...elementLines('delete', removed, s)];
  const ensureTable = (f: NftFamily) => {
    if (tables.includes(f)) return;
    tables.push(f);
    lines.push(...tableSetup(f, s));
  };
  const ensureSet = (set: LinkLocalSet) => {
    if (linkLocalSets.includes(set)) return;
    linkLocalSets.push(set);
    lines.push(...linkLocalSetup(set, s));
  };
  if (opts.rebuild) {
    for (const f of state.tables) ensureTable(f);
    for (const set of state.linkLocalSets) ensureSet(set);
  }
  for (const e of added) {
    ensureTable(e.family);
    if (e.set !== 'vips') ensureSet(e.set);
  }
  lines.push(...elementLines('add', added, s));
  const elements = [...base.elements.filter((e) => keep.has(elementId(e))), ...added];
  return { script: lines.length ? lines.join('\n') + '\n' : '', state: { tables, linkLocalSets, elements } };
}

/** The batch that removes our tables (keepalived at stop, also with -V); empty when none was set up. */
export function cleanupScript(state: FirewallState, s: FirewallSettings): string {
  // add first: a table someone else deleted must not fail the batch
  const lines = state.tables.flatMap((f) => [`add table ${f} ${tableName(s.table)}`, `delete table ${f} ${tableName(s.table)}`]);
  return lines.length ? lines.join('\n') + '\n' : '';
}

// --- what `nft list ruleset` shows

/** nft's listing of a filter chain priority: a standard name within 10 of it, else the number. */
function listedPriority(p: number): string {
  for (const [name, v] of [['raw', -300], ['mangle', -150], ['filter', 0], ['security', 50]] as const) {
    if (Math.abs(p - v) > 10) continue;
    const off = p - v;
    return off === 0 ? name : `${name} ${off > 0 ? '+' : '-'} ${Math.abs(off)}`;
  }
  return String(p);
}

function setBlock(name: string, type: string, elements: string[], flags?: string): string[] {
  const lines = [`\tset ${name} {`, `\t\ttype ${type}`];
  if (flags) lines.push(`\t\tflags ${flags}`);
  if (elements.length) lines.push(`\t\telements = { ${elements.join(', ')} }`);
  lines.push('\t}', '');
  return lines;
}

function chainBlock(name: string, rules: string[], hook?: string, priority?: number): string[] {
  const lines = [`\tchain ${name} {`];
  if (hook) lines.push(`\t\ttype filter hook ${hook} priority ${listedPriority(priority!)}; policy accept;`);
  lines.push(...rules.map((r) => `\t\t${r}`), '\t}', '');
  return lines;
}

/**
 * The ruleset `nft list ruleset` shows for `state` (only our tables), in normaliseRuleset's form: no
 * handles, counters without values, every set's elements sorted on one line.
 */
export function rulesetText(state: FirewallState, s: FirewallSettings): string {
  const c = s.counters ? 'counter ' : '';
  const listed = (family: NftFamily, set: VipSet) =>
    state.elements.filter((e) => e.family === family && e.set === set).map(listedElement).sort();
  const out: string[] = [];
  for (const family of state.tables) {
    const body: string[] = [];
    if (family === 'ip') {
      body.push(...setBlock('vips', 'ipv4_addr', listed('ip', 'vips')));
      body.push(...chainBlock('out', [`ip saddr @vips ${c}drop`], 'output', s.priority));
      body.push(...chainBlock('in', [`ip daddr @vips ${c}drop`], 'input', s.priority));
    } else {
      body.push(...setBlock('vips', 'ipv6_addr', listed('ip6', 'vips')));
      body.push(...setBlock('neighbor-discovery', 'icmpv6_type', ['nd-neighbor-advert', 'nd-neighbor-solicit'], 'constant'));
      for (const set of state.linkLocalSets) {
        body.push(...setBlock(set, `ipv6_addr . ${set === 'vips_link_local' ? 'iface_index' : 'ifname'}`, listed('ip6', set)));
      }
      const ll = (dir: 'in' | 'out') => state.linkLocalSets.map((set) => {
        const meta = set === 'vips_link_local' ? (dir === 'in' ? 'iif' : 'oif') : (dir === 'in' ? 'iifname' : 'oifname');
        return `ip6 ${dir === 'in' ? 'daddr' : 'saddr'} . ${meta} @${set} ${c}drop`;
      });
      const hooked = (dir: 'in' | 'out') => {
        const addr = dir === 'in' ? 'daddr' : 'saddr';
        return [`icmpv6 type @neighbor-discovery ${c}accept`, `ip6 ${addr} fe80::/10 ${c}goto ${dir}_link_local`, `ip6 ${addr} @vips ${c}drop`];
      };
      body.push(...chainBlock('out', hooked('out'), 'output', s.priority));
      body.push(...chainBlock('in', hooked('in'), 'input', s.priority));
      body.push(...chainBlock('in_link_local', ll('in')));
      body.push(...chainBlock('out_link_local', ll('out')));
    }
    body.pop(); // no blank line before the table's closing brace
    out.push(`table ${family} ${s.table} {`, ...body, '}');
  }
  return out.length ? out.join('\n') + '\n' : '';
}

/**
 * `nft list ruleset` text in a comparable form: `# handle N` comments dropped, counter values dropped,
 * every `elements = { … }` (nft wraps long ones over lines) sorted on one line.
 */
export function normaliseRuleset(text: string): string {
  const joined = text
    .replace(/\s*# handle \d+/g, '')
    .replace(/counter packets \d+ bytes \d+/g, 'counter')
    .replace(/elements = \{([^}]*)\}/g, (_m, inner: string) => {
      const items = inner.split(',').map((x) => x.trim()).filter(Boolean).sort();
      return `elements = { ${items.join(', ')} }`;
    });
  return joined.split('\n').map((l) => l.replace(/\s+$/, '')).join('\n').replace(/\n*$/, joined.trim() ? '\n' : '');
}
