// One line of `virtual_routes` / `static_routes` in `ip route` syntax, read the way keepalived 2.2.7
// reads it (including its quirks: the word after `inet`/`inet6` is skipped, `gw`/`or` are deprecated,
// a tracked route needs `dev`). Common options become fields; tier-3 metrics are kept as text.
import { parseIp, type IpAddress, type IpPrefix } from '../../../lib/ip.js';
import type { KeepalivedConfig, RouteNexthop, RouteType, VirtualRoute } from '../../model/index.js';
import type { Position } from '../../issues.js';
import type { Stmt } from '../../syntax.js';
import type { BuildContext } from '../types.js';
import { parseKaAddress } from './address.js';
import { dsfield, protocolName, ROUTE_TYPES, scopeName, tableId } from './rttables.js';
import { checkInterface, parseUnsigned } from './util.js';

interface W { text: string; pos: Position }

/** u32 metrics, some accepting a leading `lock`. */
const METRICS: Record<string, { lock: boolean; max: number; what: string }> = {
  mtu: { lock: true, max: 0xffffffff, what: 'MTU' },
  advmss: { lock: true, max: 0xffffffff, what: 'advmss' },
  reordering: { lock: true, max: 0xffffffff, what: 'reordering value' },
  window: { lock: false, max: 0xffffffff, what: 'window value' },
  cwnd: { lock: true, max: 0xffffffff, what: 'cwnd value' },
  ssthresh: { lock: true, max: 0xffffffff, what: 'ssthresh value' },
  initcwnd: { lock: false, max: 0xffffffff, what: 'initcwnd value' },
  initrwnd: { lock: false, max: 0xffffffff, what: 'initrwnd value' },
  hoplimit: { lock: false, max: 255, what: 'hoplimit' },
  quickack: { lock: false, max: 1, what: 'quickack value' },
  fastopen_no_cookie: { lock: false, max: 1, what: 'fastopen_no_cookie value' },
  expires: { lock: false, max: 0xffffffff, what: 'expires time' },
};
/** Times (rtt units), kept as written. */
const TIMES = new Set(['rtt', 'rttvar', 'rto_min']);

function defaultPrefix(family: 4 | 6): IpPrefix {
  const bytes = new Uint8Array(family === 4 ? 4 : 16);
  return { family, bytes, text: family === 4 ? '0.0.0.0' : '::', prefixLen: 0, explicitPrefix: true };
}

class Fail extends Error {}

export interface RouteContext {
  config: KeepalivedConfig;
  isStatic: boolean;
}

export function parseRouteLine(s: Stmt, ctx: BuildContext, rc: RouteContext): VirtualRoute | undefined {
  const words: W[] = [{ text: s.keyword, pos: s.pos }, ...s.args.map((a) => ({ text: a.text, pos: a.pos }))];
  let family: 4 | 6 | undefined;
  let dst: IpPrefix | 'default' | undefined;
  let dstText = '';
  const route: Omit<VirtualRoute, 'to' | 'family'> = {
    type: 'unicast', table: 254, scope: 'global', onlink: false, mode: 'prepend', nexthops: [], noTrack: false, options: {}, pos: s.pos,
  };
  let protocolExplicit = false;
  const err = (pos: Position, msg: string, hint?: string): never => {
    ctx.sink.error(pos, msg, hint);
    throw new Fail();
  };
  const setFamily = (f: 4 | 6, pos: Position, msg = 'Cannot mix IPv4 and IPv6 addresses for route'): void => {
    if (family === undefined) family = f;
    else if (family !== f) err(pos, msg);
  };
  const value = (i: number): W => words[i] ?? err(words[i - 1].pos, `No value given for '${words[i - 1].text}' in route`, 'the route is ignored');
  const ip = (w: W, what: string): IpAddress => {
    const a = parseIp(w.text);
    if (!a || w.text.includes('/')) err(w.pos, `invalid route ${what} address ${w.text}`);
    return a!;
  };

  try {
    let i = 0;
    for (; i < words.length; i++) {
      const w = words[i];
      const t = w.text;
      switch (t) {
        case 'inet':
        case 'inet6':
          setFamily(t === 'inet' ? 4 : 6, w.pos, `${t} specified for IPv${t === 'inet' ? 6 : 4} route`);
          // keepalived 2.2.7 advances twice here, so the word after inet/inet6 is never read
          if (words[i + 1]) ctx.sink.notice(words[i + 1].pos, `keepalived 2.2.7 skips '${words[i + 1].text}' after '${t}'`);
          i++;
          break;
        case 'src': {
          const v = value(++i);
          const a = ip(v, 'src');
          setFamily(a.family, v.pos);
          route.src = a;
          break;
        }
        case 'as': {
          if (words[i + 1]?.text === 'to') i++;
          i++;
          ctx.sink.error(w.pos, '"as to" for MPLS only - ignoring');
          break;
        }
        case 'via':
        case 'gw': {
          if (t === 'gw') ctx.sink.error(w.pos, '"gw" for routes is deprecated. Please use "via"');
          let v = value(++i);
          let viaFamily: 4 | 6 | undefined = family;
          if (v.text === 'inet' || v.text === 'inet6') {
            viaFamily = v.text === 'inet' ? 4 : 6;
            v = value(++i);
          }
          if (viaFamily !== undefined) setFamily(viaFamily, v.pos);
          const a = ip(v, 'via');
          setFamily(a.family, v.pos);
          route.via = a;
          break;
        }
        case 'from': {
          const v = value(++i);
          const p = parseKaAddress(v.text, v.pos, ctx, true) ?? err(v.pos, `invalid route from address ${v.text}`);
          if (p.family !== 6) err(v.pos, `route from address only supported with IPv6 (${v.text})`);
          setFamily(6, v.pos);
          route.from = p;
          break;
        }
        case 'tos':
        case 'dsfield': {
          const v = value(++i);
          const n = dsfield(v.text);
          if (n === undefined) err(v.pos, `TOS value ${v.text} is invalid`);
          route.options.tos = String(n);
          break;
        }
        case 'table': {
          const v = value(++i);
          const n = tableId(v.text);
          if (n === undefined) err(v.pos, `Routing table ${v.text} not found for route`, 'only default, main, local and numbers are known');
          route.table = n!;
          break;
        }
        case 'protocol': {
          const v = value(++i);
          const p = protocolName(v.text);
          if (p === undefined) err(v.pos, `Protocol ${v.text} not found or invalid for route`);
          route.protocol = p;
          protocolExplicit = true;
          break;
        }
        case 'scope': {
          const v = value(++i);
          const sc = scopeName(v.text);
          if (sc === undefined) err(v.pos, `Scope ${v.text} not found or invalid for route`);
          route.scope = sc!;
          break;
        }
        case 'metric':
        case 'priority':
        case 'preference': {
          const v = value(++i);
          const n = parseUnsigned(v.text, 0, 0xffffffff);
          if (n === undefined) err(v.pos, `Invalid metric ${v.text} specified for route`);
          route.metric = n;
          break;
        }
        case 'dev':
        case 'oif': {
          const v = value(++i);
          if (!checkInterface(rc.config, ctx, v.text, v.pos, `WARNING - interface ${v.text} for VROUTE nexthop doesn't exist`)) throw new Fail();
          route.dev = v.text;
          break;
        }
        case 'onlink':
          route.onlink = true;
          break;
        case 'encap':
          ctx.sink.notice(w.pos, "'encap' routes are not supported yet by keepalived-ts; kept as written");
          route.options.encap = words.slice(i + 1).map((x) => x.text).join(' ');
          i = words.length;
          break;
        case 'realms': {
          const v = value(++i);
          if (family === 6) err(v.pos, 'realms are only valid for IPv4');
          family = 4;
          route.options.realms = v.text;
          break;
        }
        case 'features': {
          const v = value(++i);
          if (v.text === 'ecn') route.options.features = 'ecn';
          else ctx.sink.error(v.pos, `feature ${v.text} not supported`);
          break;
        }
        case 'congctl': {
          let v = value(++i);
          let lock = '';
          if (v.text === 'lock') {
            lock = 'lock ';
            v = value(++i);
          }
          route.options.congctl = lock + v.text;
          break;
        }
        case 'pref': {
          const v = value(++i);
          if (family === 4) err(v.pos, 'pref is only valid for IPv6');
          family = 6;
          if (!['low', 'medium', 'high'].includes(v.text) && parseUnsigned(v.text, 0, 255) === undefined) err(v.pos, `Invalid pref value ${v.text} specified for route`);
          route.options.pref = v.text;
          break;
        }
        case 'ttl-propagate': {
          const v = value(++i);
          if (v.text !== 'enabled' && v.text !== 'disabled') ctx.sink.error(v.pos, `ttl-propagate value ${v.text} not recognised`);
          else route.options['ttl-propagate'] = v.text;
          break;
        }
        case 'vrf': {
          const v = value(++i);
          if (!checkInterface(rc.config, ctx, v.text, v.pos, `VRF ${v.text} not found for route`)) throw new Fail();
          route.options.vrf = v.text;
          break;
        }
        case 'add':
          route.mode = 'add';
          break;
        case 'prepend':
          route.mode = 'prepend';
          break;
        case 'append':
          route.mode = 'append';
          break;
        case 'or': {
          ctx.sink.error(w.pos, '"or" for routes is deprecated. Please use "nexthop"');
          if (route.nexthops.length) {
            ctx.sink.error(w.pos, '"or" route already specified - ignoring subsequent');
            i++;
            break;
          }
          const v = value(++i);
          const a = parseIp(v.text) ?? err(v.pos, `Invalid "or" address ${v.text}`);
          route.nexthops.push({ via: route.via, onlink: false, options: {} }, { via: a, onlink: false, options: {} });
          route.via = undefined;
          break;
        }
        case 'nexthop':
          if (route.nexthops.length) ctx.sink.error(w.pos, 'Cannot specify nexthops with "or" route');
          else i = parseNexthops(words, i, route.nexthops, ctx, rc, (f, pos) => setFamily(f, pos, 'IPv4/6 mismatch for nexthop'));
          i = words.length;
          break;
        case 'no_track':
          route.noTrack = true;
          break;
        default: {
          if (rc.isStatic && t === 'track_group') {
            const v = value(++i);
            if (route.trackGroup) {
              ctx.sink.error(v.pos, `track_group ${v.text} is a duplicate`);
              i = words.length;
              break;
            }
            if (!rc.config.vrrp.trackGroups.some((g) => g.name === v.text)) ctx.sink.error(v.pos, `track_group ${v.text} not found`, 'a track_group must be defined before it is used');
            else route.trackGroup = v.text;
            break;
          }
          if (Object.hasOwn(METRICS, t)) {
            const m = METRICS[t];
            let v = value(++i);
            let lock = '';
            if (m.lock && v.text === 'lock') {
              lock = 'lock ';
              v = value(++i);
            }
            if (parseUnsigned(v.text, 0, m.max) === undefined) err(v.pos, `Invalid ${m.what} ${v.text} specified for route`);
            if (t === 'expires') {
              if (family === 4) err(v.pos, 'expires is only valid for IPv6');
              family = 6;
            }
            route.options[t] = lock + v.text;
            break;
          }
          if (TIMES.has(t)) {
            let v = value(++i);
            let lock = '';
            if (v.text === 'lock') {
              lock = 'lock ';
              v = value(++i);
            }
            if (!/^\d+(\.\d+)?(s|sec|secs|ms|msec|msecs|us|usec|usecs)?$/.test(v.text)) err(v.pos, `Invalid ${t} ${v.text} for route`);
            route.options[t] = lock + v.text;
            break;
          }
          // the destination, optionally preceded by `to` or a route type
          let dw = w;
          if (t === 'to') dw = value(++i);
          else if ((ROUTE_TYPES as readonly string[]).includes(t)) {
            route.type = (t === 'brd' ? 'broadcast' : t) as RouteType;
            // keepalived 2.2.7's IPROUTE_BIT_ADD expands to the same bit as IPROUTE_BIT_TYPE (a macro
            // IPROUTE_ADD 1 shadows the enum), so a written type makes the route `add` (NLM_F_EXCL)
            // unless a later prepend/append clears the bit again
            route.mode = 'add';
            dw = value(++i);
          }
          dstText = dw.text;
          if (dw.text === 'default' || dw.text === 'any' || dw.text === 'all') dst = 'default';
          else if (dw.text === 'default6') {
            ctx.sink.notice(dw.pos, "'default6' is deprecated - please replace with 'inet6 default'");
            dst = defaultPrefix(6);
            setFamily(6, dw.pos);
          } else {
            const p = parseKaAddress(dw.text, dw.pos, ctx, true) ?? err(dw.pos, `unknown route keyword ${dw.text}`);
            setFamily(p.family, dw.pos, `Cannot mix IPv4 and IPv6 addresses for route (${dw.text})`);
            dst = p;
          }
        }
      }
    }

    if (!dst) err(s.pos, 'Route must have a destination');

    if (!route.noTrack) {
      if (protocolExplicit && route.protocol !== 'keepalived') ctx.sink.error(s.pos, 'Route cannot be tracked if protocol is not RTPROT_KEEPALIVED(18), resetting protocol', 'add no_track to keep your protocol');
      route.protocol = 'keepalived';
      if (!route.dev) {
        ctx.sink.error(s.pos, `Warning - cannot track route ${dstText} with no interface specified, not tracking`, 'add "dev IF" (or no_track) to the route');
        route.noTrack = true;
      }
    }
    if (route.trackGroup && !route.dev) {
      ctx.sink.error(s.pos, 'Static route cannot have track group if no oif specified');
      route.trackGroup = undefined;
    }
    const fam: 4 | 6 = family ?? 4;
    const to = dst === 'default' ? defaultPrefix(fam) : dst!;
    return { ...route, family: fam, to };
  } catch (e) {
    if (e instanceof Fail) return undefined;
    throw e;
  }
}

/** `nexthop via IP [dev IF] [weight N] [onlink] ...` repeated; returns the index reached. */
function parseNexthops(words: W[], start: number, out: RouteNexthop[], ctx: BuildContext, rc: RouteContext, family: (f: 4 | 6, pos: Position) => void): number {
  let i = start;
  while (i < words.length && words[i].text === 'nexthop') {
    i++;
    const nh: RouteNexthop = { onlink: false, options: {} };
    for (; i < words.length; i++) {
      const t = words[i].text;
      const next = (): W => {
        const v = words[++i];
        if (!v) {
          ctx.sink.error(words[i - 1].pos, `No value given for '${t}' in nexthop`);
          throw new Fail();
        }
        return v;
      };
      if (t === 'via') {
        let v = next();
        if (v.text === 'inet' || v.text === 'inet6') {
          family(v.text === 'inet' ? 4 : 6, v.pos);
          v = next();
        }
        const a = parseIp(v.text);
        if (!a) {
          ctx.sink.error(v.pos, `invalid nexthop address ${v.text}`);
          throw new Fail();
        }
        family(a.family, v.pos);
        nh.via = a;
      } else if (t === 'dev') {
        const v = next();
        if (!checkInterface(rc.config, ctx, v.text, v.pos, `WARNING - interface ${v.text} for VROUTE nexthop doesn't exist`)) throw new Fail();
        nh.dev = v.text;
      } else if (t === 'weight') {
        const v = next();
        const n = parseUnsigned(v.text, 1, 256);
        if (n === undefined) {
          ctx.sink.error(v.pos, `Invalid weight ${v.text} specified for route`, 'nexthop weights are 1..256');
          throw new Fail();
        }
        nh.weight = n;
      } else if (t === 'onlink') nh.onlink = true;
      else if (t === 'realms') nh.options.realms = next().text;
      else if (t === 'encap') {
        nh.options.encap = words.slice(i + 1).map((x) => x.text).join(' ');
        i = words.length;
      } else break;
    }
    out.push(nh);
  }
  if (i < words.length) {
    ctx.sink.error(words[i].pos, `Route has trailing nonsense after nexthops - ${words[i].text}`);
    throw new Fail();
  }
  return i;
}
