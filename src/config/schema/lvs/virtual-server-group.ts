// `virtual_server_group NAME { ... }`: one service per line —
//   IP [PORT]               a single address
//   A.B.C.D-E [PORT]        IPv4 range in the last octet;  X::Y-Z  IPv6 range in the last group (hex)
//   IP-IP [PORT]            explicit first and last address
//   IP/PREFIX [PORT]        a whole network (host bits must be zero)
//   fwmark N [inet|inet6]   a firewall mark
// Each line is checked as keepalived's alloc_vsg_entry does; a bad line is skipped.
import type { Stmt } from '../../syntax.js';
import type { KeepalivedConfig } from '../../model/index.js';
import type { VirtualServerGroup, VirtualServerGroupEntry } from '../../model/lvs.js';
import { blockKeyword, type BuildContext, type KeywordSpec } from '../types.js';
import { compareIp, parseIp, type Family, type IpAddress } from '../../../lib/ip.js';
import { needArg, parseUnsigned, UINT_MAX } from './read.js';

function withBytes(a: IpAddress, bytes: Uint8Array): IpAddress {
  const p = a.family === 4 ? parseIp(Array.from(bytes).join('.')) : ipv6FromBytes(bytes);
  return p!;
}

function ipv6FromBytes(bytes: Uint8Array): IpAddress | undefined {
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i] << 8) | bytes[i + 1]).toString(16));
  return parseIp(groups.join(':'));
}

/** inet_stosockaddr without the port: family by ':', `-…` and `/…` suffixes dropped. */
function parseStart(text: string): IpAddress | undefined {
  const cut = text.search(/[-/]/);
  const ipText = cut < 0 ? text : text.slice(0, cut);
  const fam: Family = text.includes(':') ? 6 : 4;
  const a = parseIp(ipText);
  return a && a.family === fam && !ipText.includes('%') ? a : undefined;
}

type Parsed = { first: IpAddress; last: IpAddress } | { error: string; hint?: string };

function parseRange(text: string, first: IpAddress): Parsed {
  const slash = text.indexOf('/');
  if (slash >= 0) {
    const maskText = text.slice(slash + 1);
    const max = first.family === 4 ? 32 : 128;
    const m = /^\d*$/.test(maskText) ? Number(maskText || 0) : NaN;
    if (!(m >= 1 && m <= max)) return { error: `Invalid netmask - ${text} - skipping` };
    const last = Uint8Array.from(first.bytes);
    for (let bit = m; bit < max; bit++) {
      const byte = bit >> 3;
      const mask = 0x80 >> (bit & 7);
      if (first.bytes[byte] & mask) return { error: `Address mask bits not empty - ${text} - skipping`, hint: 'the host part of the address must be zero' };
      last[byte] |= mask;
    }
    return { first, last: withBytes(first, last) };
  }
  const dash = text.indexOf('-');
  if (dash < 0) return { first, last: first };
  const endText = text.slice(dash + 1);
  if ((first.family === 4 && endText.includes('.')) || (first.family === 6 && endText.includes(':'))) {
    const last = parseStart(endText);
    if (!last) return { error: `Invalid range end ${text} - skipping` };
    if (last.family !== first.family) return { error: `Range address families do not match ${text} - skipping` };
    if (compareIp(last, first) < 0) return { error: `Address range end is less than address range start - ${text} - skipping` };
    return { first, last };
  }
  // A range in the last octet (decimal) or the last IPv6 group (hex).
  const re = first.family === 4 ? /^[ \t]*[+]?(\d*)/ : /^[ \t]*[+]?(?:0[xX])?([0-9a-fA-F]*)/;
  const m = re.exec(endText)!;
  if (m[0].length !== endText.length) {
    return { error: `Virtual server group range '${text}' has extra characters at end '${endText.slice(m[0].length)}'` };
  }
  const end = m[1] === '' ? 0 : parseInt(m[1], first.family === 4 ? 10 : 16);
  if ((first.family === 4 && end > 255) || (first.family === 6 && end > 0xffff)) {
    return { error: `Virtual server group range '${text}' end '${endText}' too large` };
  }
  const last = Uint8Array.from(first.bytes);
  let start: number;
  if (first.family === 4) {
    start = first.bytes[3];
    last[3] = end;
  } else {
    start = (first.bytes[14] << 8) | first.bytes[15];
    last[14] = end >> 8;
    last[15] = end & 0xff;
  }
  if (start >= end) return { error: `Address range end is not greater than address range start - ${text} - skipping` };
  return { first, last: withBytes(first, last) };
}

function fwmarkEntry(s: Stmt, group: string, ctx: BuildContext): VirtualServerGroupEntry | undefined {
  const w = needArg(s, ctx);
  if (!w) return undefined;
  const r = parseUnsigned(w.text, 0, UINT_MAX);
  if (!r.ok) {
    ctx.sink.error(w.pos, `(${group}): fwmark '${w.text}' must be in [0, ${UINT_MAX}] - ignoring`, r.reason);
    return undefined;
  }
  const famWord = s.args[1];
  if (!famWord) return { kind: 'fwmark', pos: s.pos, fwmark: r.value };
  if (famWord.text !== 'inet' && famWord.text !== 'inet6') {
    ctx.sink.error(famWord.pos, `(${group}): fwmark '${r.value}' family ${famWord.text} unknown - ignoring`, 'inet or inet6');
    return undefined;
  }
  return { kind: 'fwmark', pos: s.pos, fwmark: r.value, family: famWord.text === 'inet' ? 4 : 6 };
}

function addressEntry(s: Stmt, ctx: BuildContext): VirtualServerGroupEntry | undefined {
  const text = s.keyword;
  const portWord = s.args[0];
  const portText = portWord && /[^0]/.test(portWord.text) ? portWord.text : undefined;
  let port = 0;
  const bad = (why?: string) =>
    ctx.sink.error(s.pos, `Invalid virtual server group IP address ${text} ${portText ? '/port/' + portText : ''} - skipping`, why);
  if (portText !== undefined) {
    const r = parseUnsigned(portText, 1, 65535);
    if (!r.ok) return void bad(r.reason);
    port = r.value;
  }
  const first = parseStart(text);
  if (!first) return void bad();
  const range = parseRange(text, first);
  if ('error' in range) return void ctx.sink.error(s.pos, range.error, range.hint);
  return { kind: 'range', pos: s.pos, text, family: first.family, first: range.first, last: range.last, port };
}

export function virtualServerGroupKeyword(): KeywordSpec<KeepalivedConfig> {
  return blockKeyword((s, config, ctx) => {
    const nameWord = needArg(s, ctx);
    if (!nameWord) return;
    const group: VirtualServerGroup = { name: nameWord.text, pos: s.pos, entries: [] };
    for (const e of s.block ?? []) {
      if (e.block) ctx.sink.error(e.blockPos ?? e.pos, `unexpected '{' after '${e.keyword}'`);
      const entry = e.keyword === 'fwmark' ? fwmarkEntry(e, group.name, ctx) : addressEntry(e, ctx);
      if (entry) group.entries.push(entry);
    }
    const v4 = group.entries.some((e) => e.family === 4);
    const v6 = group.entries.some((e) => e.family === 6);
    const fwmarkNoFamily = group.entries.some((e) => e.kind === 'fwmark' && e.family === undefined);
    if (!group.entries.length) {
      ctx.sink.error(s.pos, `virtual server group ${group.name} has no entries - removing`);
      return;
    }
    if (v4 && v6 && fwmarkNoFamily) {
      ctx.sink.error(s.pos, `virtual server group ${group.name} cannot have IPv4, IPv6 and fwmark without family - removing`, 'give each fwmark entry a family (inet or inet6)');
      return;
    }
    const earlier = config.lvs.virtualServerGroups.find((g) => g.name === group.name);
    if (earlier) {
      ctx.sink.extra('warning', s.pos, `virtual_server_group ${group.name} is already defined at line ${earlier.pos.line}: keepalived uses the first one`);
    }
    config.lvs.virtualServerGroups.push(group);
  });
}
