// One line of `virtual_rules` / `static_rules` in `ip rule` syntax, read as keepalived 2.2.7 does
// (including its quirks: the word after `inet`/`inet6` is skipped, a single `sport`/`dport` number is
// refused, a rule without preference gets 16384, 16383, ... with a warning).
import type { IpPrefix } from '../../../lib/ip.js';
import type { KeepalivedConfig, RuleAction, VirtualRule } from '../../model/index.js';
import type { Position } from '../../issues.js';
import type { Stmt } from '../../syntax.js';
import type { BuildContext } from '../types.js';
import { parseKaAddress } from './address.js';
import { vrrpParseState } from './parse-state.js';
import { dsfield, tableId } from './rttables.js';
import { checkInterface, parseUnsigned } from './util.js';

interface W { text: string; pos: Position }
class Fail extends Error {}

const IP_PROTOS = new Set(['tcp', 'udp', 'icmp', 'sctp', 'ipv6-icmp', 'gre', 'esp', 'ah', 'udplite', 'dccp']);

export interface RuleContext {
  config: KeepalivedConfig;
  isStatic: boolean;
}

function anyPrefix(): IpPrefix {
  return { family: 4, bytes: new Uint8Array(4), text: '0.0.0.0', prefixLen: 0, explicitPrefix: true };
}

export function parseRuleLine(s: Stmt, ctx: BuildContext, rc: RuleContext): VirtualRule | undefined {
  const words: W[] = [{ text: s.keyword, pos: s.pos }, ...s.args.map((a) => ({ text: a.text, pos: a.pos }))];
  let family: 4 | 6 | undefined;
  let action: RuleAction | undefined;
  let tableOption = false;
  let fromAny = false;
  let toAny = false;
  const rule: Omit<VirtualRule, 'family' | 'action' | 'priority' | 'priorityExplicit'> & { priority?: number } = {
    invert: false, l3mdev: false, noTrack: false, options: {}, pos: s.pos,
  };
  const err = (pos: Position, msg: string, hint?: string): never => {
    ctx.sink.error(pos, msg, hint);
    throw new Fail();
  };
  const value = (i: number): W => words[i] ?? err(words[i - 1].pos, `No value given for '${words[i - 1].text}' in rule`, 'the rule is ignored');
  const setAction = (a: RuleAction, pos: Position, msg = 'Cannot specify more than one of table/nop/goto/blackhole/prohibit/unreachable for rule'): void => {
    if (action !== undefined) err(pos, msg);
    action = a;
  };
  const addr = (w: W, what: string): IpPrefix | 'any' => {
    if (w.text === 'default' || w.text === 'any' || w.text === 'all') return 'any';
    const p = parseKaAddress(w.text, w.pos, ctx, true) ?? err(w.pos, `Invalid rule ${what} address ${w.text}`);
    if (family === undefined) family = p.family;
    else if (family !== p.family) err(w.pos, 'rule specification has mixed IPv4 and IPv6');
    return p;
  };
  const range = (w: W, what: string): { start: number; end: number } | undefined => {
    const m = /^(\d+)-(\d+)$/.exec(w.text);
    if (!m || Number(m[1]) > 65535 || Number(m[2]) > 65535) {
      ctx.sink.error(w.pos, `invalid ${what} range ${w.text}`, /^\d+$/.test(w.text) ? `keepalived 2.2.7 needs a range: ${w.text}-${w.text}` : undefined);
      return undefined;
    }
    return { start: Number(m[1]), end: Number(m[2]) };
  };

  try {
    for (let i = 0; i < words.length; i++) {
      const w = words[i];
      const t = w.text;
      switch (t) {
        case 'inet':
        case 'inet6': {
          const f = t === 'inet' ? 4 : 6;
          if (family !== undefined && family !== f) err(w.pos, `${t} specified for IPv${f === 4 ? 6 : 4} rule`);
          family = f;
          // keepalived 2.2.7 advances twice here, so the word after inet/inet6 is never read
          if (words[i + 1]) ctx.sink.notice(words[i + 1].pos, `keepalived 2.2.7 skips '${words[i + 1].text}' after '${t}'`);
          i++;
          break;
        }
        case 'from': {
          const a = addr(value(++i), 'from');
          if (a === 'any') fromAny = true;
          else rule.from = a;
          break;
        }
        case 'to': {
          const a = addr(value(++i), 'to');
          if (a === 'any') toAny = true;
          else rule.to = a;
          break;
        }
        case 'table':
        case 'lookup': {
          const v = value(++i);
          const n = tableId(v.text);
          if (n === undefined) err(v.pos, `Routing table ${v.text} not found for rule`, 'only default, main, local and numbers are known');
          if (n === 0) err(v.pos, 'Table 0 is not valid');
          rule.table = n;
          setAction('table', v.pos);
          break;
        }
        case 'not':
          rule.invert = true;
          break;
        case 'preference':
        case 'order':
        case 'priority': {
          const v = value(++i);
          const n = parseUnsigned(v.text, 0, 0xffffffff, 0);
          if (n === undefined) err(v.pos, `Invalid rule preference ${t} specified`, `'${v.text}' is not a 32-bit number`);
          rule.priority = n;
          break;
        }
        case 'tos':
        case 'dsfield': {
          const v = value(++i);
          const n = dsfield(v.text);
          if (n === undefined) err(v.pos, `TOS value ${v.text} is invalid`);
          rule.tos = n;
          break;
        }
        case 'fwmark': {
          const v = value(++i);
          const m = /^([^/]+)(?:\/(.+))?$/.exec(v.text);
          const mark = m ? parseUnsigned(m[1], 0, 0xffffffff, 0) : undefined;
          const mask = m?.[2] !== undefined ? parseUnsigned(m[2], 0, 0xffffffff, 0) : 0;
          if (mark === undefined || mask === undefined) err(v.pos, `Invalid rule fwmark ${v.text} specified`);
          rule.fwmark = mark;
          if (m?.[2] !== undefined) rule.fwmask = mask;
          break;
        }
        case 'realms': {
          const v = value(++i);
          rule.options.realms = v.text;
          tableOption = true;
          if (family === 6) err(v.pos, 'realms is only valid for IPv4');
          family = 4;
          break;
        }
        case 'suppress_prefixlength':
        case 'sup_pl': {
          const v = value(++i);
          if (parseUnsigned(v.text, 0, 0x7fffffff) === undefined) err(v.pos, `Invalid suppress_prefixlength ${t} specified`);
          rule.options.suppress_prefixlength = v.text;
          tableOption = true;
          break;
        }
        case 'suppress_ifgroup':
        case 'sup_group':
          rule.options.suppress_ifgroup = value(++i).text;
          tableOption = true;
          break;
        case 'dev':
        case 'iif': {
          const v = value(++i);
          if (!checkInterface(rc.config, ctx, v.text, v.pos, `WARNING - interface ${v.text} for rule doesn't exist`)) throw new Fail();
          rule.iif = v.text;
          break;
        }
        case 'oif': {
          const v = value(++i);
          if (!checkInterface(rc.config, ctx, v.text, v.pos, `WARNING - interface ${v.text} for rule doesn't exist`)) throw new Fail();
          rule.oif = v.text;
          break;
        }
        case 'tunnel-id': {
          const v = value(++i);
          if (!/^\d+$/.test(v.text)) err(v.pos, `Invalid tunnel-id ${t} specified`);
          rule.options['tunnel-id'] = v.text;
          break;
        }
        case 'uidrange': {
          const v = value(++i);
          const m = /^(\d+)-(\d+)/.exec(v.text);
          if (!m) err(v.pos, `Invalid uidrange ${t} specified`, 'use START-END');
          rule.uidrange = { start: Number(m![1]), end: Number(m![2]) };
          break;
        }
        case 'l3mdev':
          rule.l3mdev = true;
          setAction('table', w.pos, 'Cannot specify l3mdev with other action');
          break;
        case 'protocol': {
          const v = value(++i);
          if (parseUnsigned(v.text, 0, 255) === undefined) ctx.sink.error(v.pos, `Invalid protocol ${v.text}`);
          else rule.options.protocol = v.text;
          break;
        }
        case 'ipproto': {
          const v = value(++i);
          if (!IP_PROTOS.has(v.text) && parseUnsigned(v.text, 0, 255) === undefined) ctx.sink.error(v.pos, `Invalid ipproto ${v.text}`);
          else rule.ipProto = v.text;
          break;
        }
        case 'sport':
        case 'dport': {
          const r = range(value(++i), t);
          if (r) rule[t] = r;
          break;
        }
        case 'no_track':
          rule.noTrack = true;
          break;
        default: {
          if (rc.isStatic && t === 'track_group') {
            const v = value(++i);
            if (rule.trackGroup) {
              ctx.sink.error(v.pos, `track_group ${v.text} is a duplicate`);
              i = words.length;
              break;
            }
            if (!rc.config.vrrp.trackGroups.some((g) => g.name === v.text)) ctx.sink.error(v.pos, `track_group ${v.text} not found`, 'a track_group must be defined before it is used');
            else rule.trackGroup = v.text;
            break;
          }
          let aw = w;
          if (t === 'type') aw = value(++i);
          if (aw.text === 'goto') {
            const v = value(++i);
            const n = parseUnsigned(v.text, 0, 0xffffffff);
            if (n === undefined) err(v.pos, `Invalid target ${aw.text} specified`);
            rule.gotoTarget = n;
            setAction('goto', aw.pos);
          } else if (aw.text === 'nop') setAction('nop', aw.pos);
          else if (aw.text === 'blackhole' || aw.text === 'unreachable' || aw.text === 'prohibit') setAction(aw.text, aw.pos);
          else if (['local', 'nat', 'broadcast', 'brd', 'anycast', 'multicast', 'xresolve', 'unicast', 'throw'].includes(aw.text)) err(aw.pos, `Invalid rule action ${aw.text}`);
          else err(aw.pos, `Unknown rule option ${aw.text}`);
        }
      }
    }

    if (action === 'goto') {
      if (rule.priority === undefined) err(s.pos, `Invalid rule - goto target ${rule.gotoTarget} specified without preference`);
      if (rule.priority! >= rule.gotoTarget!) err(s.pos, `Invalid rule - preference ${rule.priority} >= goto target ${rule.gotoTarget}`);
    }
    if (action === undefined) err(s.pos, 'No action specified for rule - ignoring', 'add table N, goto N, nop, blackhole, unreachable or prohibit');
    if (action !== 'table' && tableOption) err(s.pos, 'suppressor/realm specified for non table action - skipping');
    if (rule.table !== undefined && rule.l3mdev) err(s.pos, 'table cannot be specified for l3mdev rules');
    if (!rule.noTrack) {
      if (rule.options.protocol !== undefined && rule.options.protocol !== '18') ctx.sink.error(s.pos, 'Rule cannot be tracked if protocol is not RTPROT_KEEPALIVED(18), resetting protocol', 'add no_track to keep your protocol');
      rule.options.protocol = '18';
    }
    if (rule.trackGroup && !rule.iif) {
      ctx.sink.error(s.pos, 'Static rule cannot have track_group if dev/iif not specified');
      rule.trackGroup = undefined;
    }
    const fam: 4 | 6 = family ?? 4;
    if (fromAny && !rule.from) rule.from = fam === 4 ? anyPrefix() : { family: 6, bytes: new Uint8Array(16), text: '::', prefixLen: 0, explicitPrefix: true };
    if (toAny && !rule.to) rule.to = fam === 4 ? anyPrefix() : { family: 6, bytes: new Uint8Array(16), text: '::', prefixLen: 0, explicitPrefix: true };
    let priority = rule.priority;
    const priorityExplicit = priority !== undefined;
    if (priority === undefined) {
      const next = vrrpParseState(rc.config).nextRulePriority;
      priority = next[fam]--;
      ctx.sink.error(s.pos, `Rule has no preference specified - setting to ${priority}. This is probably not what you want.`, 'add "preference N" to the rule');
    }
    return { ...rule, family: fam, action: action!, priority, priorityExplicit };
  } catch (e) {
    if (e instanceof Fail) return undefined;
    throw e;
  }
}
