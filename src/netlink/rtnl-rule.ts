// A virtual/static rule as RTM_NEWRULE / RTM_DELRULE, the way keepalived 2.2.7 (netlink_rule) sends
// it: a new rule is NLM_F_CREATE | NLM_F_EXCL, the preference always given. Pure: bytes out.
import { AttrStream, putU32 } from './netlink-package.js';
import { rt } from './netlink-rt.js';
import type { VirtualRule } from './rtnl-model.js';
import { RtnlUnsupportedError } from './rtnl-errors.js';
import { AF_INET, AF_INET6, ipProtoNumber, NLM_F_CREATE, NLM_F_EXCL, RT_TABLE_UNSPEC, ruleActionNumber } from './rtnl-names.js';

const FRA_TUN_ID = 12;
const FRA_SUPPRESS_IFGROUP = 13;
const FRA_SUPPRESS_PREFIXLEN = 14;

export interface RuleMessage {
  readonly body: Uint8Array;
  readonly flags: number;
}

const buf = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength);
const num = (t: string) => (/^(0x[0-9a-f]+|\d+)$/i.test(t) ? Number(t) : undefined);

/** The body (fib_rule_hdr and attributes) and flags of RTM_NEWRULE / RTM_DELRULE. */
export function ruleMessage(rule: VirtualRule, cmd: 'add' | 'del'): RuleMessage {
  const refuse = (opt: string, why?: string): never => {
    throw new RtnlUnsupportedError(cmd === 'add' ? 'NEWRULE' : 'DELRULE', describeRule(rule), opt, why);
  };
  const table = rule.action === 'table' && !rule.l3mdev ? rule.table ?? 254 : undefined;
  const header: rt.Rule = {
    family: rule.family === 6 ? AF_INET6 : AF_INET,
    dstLen: rule.to?.prefixLen ?? 0,
    srcLen: rule.from?.prefixLen ?? 0,
    tos: rule.tos ?? 0,
    table: table !== undefined && table < 256 ? table : RT_TABLE_UNSPEC,
    action: ruleActionNumber(rule.action),
    flags: rule.invert ? { invert: true } : {},
  };
  const a: rt.RuleAttrs = { priority: rule.priority };
  if (rule.from && rule.from.prefixLen > 0) a.src = buf(rule.from.bytes);
  if (rule.to && rule.to.prefixLen > 0) a.dst = buf(rule.to.bytes);
  if (table !== undefined && table >= 256) a.table = table;
  if (rule.action === 'goto') a.goto = rule.gotoTarget;
  if (rule.fwmark !== undefined) a.fwmark = rule.fwmark;
  if (rule.fwmask !== undefined) a.fwmask = rule.fwmask;
  if (rule.iif !== undefined) a.iifname = rule.iif;
  if (rule.oif !== undefined) a.oifname = rule.oif;
  if (rule.l3mdev) a.l3Mdev = 1;
  if (rule.uidrange) a.uidRange = rule.uidrange;
  if (rule.ipProto !== undefined) a.ipProto = ipProtoNumber(rule.ipProto);
  if (rule.sport) a.sportRange = rule.sport;
  if (rule.dport) a.dportRange = rule.dport;
  const raw: Array<[number, Buffer]> = [];
  for (const [name, value] of Object.entries(rule.options)) {
    switch (name) {
      case 'protocol':
        a.protocol = Number(value);
        break;
      case 'realms': {
        const [from, to] = value.includes('/') ? value.split('/').map(num) : [0, num(value)];
        if (from === undefined || to === undefined || from > 0xffff || to > 0xffff) refuse('realms', `'${value}': only numbers`);
        a.flow = ((from! << 16) | to!) >>> 0;
        break;
      }
      case 'suppress_prefixlength':
        raw.push([FRA_SUPPRESS_PREFIXLEN, putU32(Number(value))]);
        break;
      case 'suppress_ifgroup': {
        const g = value === 'default' ? 0 : num(value);
        if (g === undefined) refuse('suppress_ifgroup', `'${value}': only numbers and 'default'`);
        raw.push([FRA_SUPPRESS_IFGROUP, putU32(g!)]);
        break;
      }
      case 'tunnel-id': {
        const b = Buffer.alloc(8);
        b.writeBigUInt64BE(BigInt(value));
        raw.push([FRA_TUN_ID, b]);
        break;
      }
      default:
        refuse(name);
    }
  }
  const out = new AttrStream();
  out.emit(rt.formatRule(header));
  out.emit(rt.formatRuleAttrs(a));
  for (const [type, data] of raw) out.push(type, data);
  return { body: Buffer.concat(out.bufs), flags: cmd === 'add' ? NLM_F_CREATE | NLM_F_EXCL : 0 };
}

/** `from 10.0.0.0/24 fwmark 0x1/0xff iif eth0 lookup 100 pref 100` (as `ip rule` reads). */
export function describeRule(r: VirtualRule): string {
  const parts: string[] = [];
  if (r.invert) parts.push('not');
  parts.push('from', r.from ? `${r.from.text}/${r.from.prefixLen}` : 'all');
  if (r.to) parts.push('to', `${r.to.text}/${r.to.prefixLen}`);
  if (r.tos !== undefined) parts.push('tos', `0x${r.tos.toString(16)}`);
  if (r.fwmark !== undefined) parts.push('fwmark', `0x${r.fwmark.toString(16)}${r.fwmask !== undefined ? `/0x${r.fwmask.toString(16)}` : ''}`);
  if (r.iif) parts.push('iif', r.iif);
  if (r.oif) parts.push('oif', r.oif);
  if (r.uidrange) parts.push('uidrange', `${r.uidrange.start}-${r.uidrange.end}`);
  if (r.ipProto) parts.push('ipproto', r.ipProto);
  if (r.sport) parts.push('sport', `${r.sport.start}-${r.sport.end}`);
  if (r.dport) parts.push('dport', `${r.dport.start}-${r.dport.end}`);
  if (r.l3mdev) parts.push('l3mdev');
  else if (r.action === 'table') parts.push('lookup', String(r.table ?? 254));
  else if (r.action === 'goto') parts.push('goto', String(r.gotoTarget));
  else parts.push(r.action);
  parts.push('pref', String(r.priority));
  return parts.join(' ');
}
