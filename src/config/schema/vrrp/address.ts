// One address line of `virtual_ipaddress`, `virtual_ipaddress_excluded` or `static_ipaddress`:
// IP[/LEN] [dev IF] [scope S] [brd IP|+|-] [label L] [peer IP] [home] [-nodad] [mngtmpaddr]
// [noprefixroute] [autojoin] [no_track] [preferred_lft N|forever] [use_vmac] [track_group G]
import { parseIp, type IpAddress, type IpPrefix } from '../../../lib/ip.js';
import type { KeepalivedConfig, VirtualIpAddress } from '../../model/index.js';
import type { Stmt } from '../../syntax.js';
import type { BuildContext } from '../types.js';
import { scopeName } from './rttables.js';
import { checkInterface, parseUnsigned } from './util.js';

const FLAG_WORDS: Record<string, string> = {
  home: 'home', '-nodad': 'nodad', mngtmpaddr: 'mngtmpaddr', noprefixroute: 'noprefixroute', autojoin: 'autojoin',
};

/**
 * keepalived's parse_ipaddress(): the family is IPv6 when the text has a ':'; a bad prefix length is
 * reported and replaced by the full length; a bad address is reported and the line dropped.
 */
export function parseKaAddress(text: string, pos: Stmt['pos'], ctx: BuildContext, allowPrefix: boolean): IpPrefix | undefined {
  const family = text.includes(':') ? 6 : 4;
  const max = family === 6 ? 128 : 32;
  const slash = allowPrefix ? text.indexOf('/') : -1;
  let prefixLen = max;
  let explicitPrefix = false;
  if (slash >= 0) {
    const lenText = text.slice(slash + 1);
    const len = parseUnsigned(lenText, 0, max);
    if (len === undefined) ctx.sink.error(pos, `Invalid address prefix len ${lenText} for address ${text} - using ${max}`, `the prefix length must be in [0, ${max}]`);
    else {
      prefixLen = len;
      explicitPrefix = true;
    }
  }
  const addr = parseIp(slash >= 0 ? text.slice(0, slash) : text);
  if (!addr || addr.family !== family || (family === 6 && text.includes('%'))) {
    ctx.sink.error(pos, `VRRP parsed invalid IP ${text}. skipping IP...`);
    return undefined;
  }
  return { ...addr, prefixLen, explicitPrefix };
}

/** IPv4 broadcast with host bits set (+) or cleared (-). */
function broadcastOf(base: IpAddress, prefixLen: number, set: boolean): IpAddress {
  const n = ((base.bytes[0] << 24) | (base.bytes[1] << 16) | (base.bytes[2] << 8) | base.bytes[3]) >>> 0;
  const host = prefixLen >= 32 ? 0 : (0xffffffff >>> prefixLen) >>> 0;
  const v = (set ? n | host : n & ~host) >>> 0;
  const bytes = Uint8Array.from([v >>> 24, (v >>> 16) & 255, (v >>> 8) & 255, v & 255]);
  return { family: 4, text: bytes.join('.'), bytes };
}

export interface AddressContext {
  config: KeepalivedConfig;
  /** static_ipaddress: `track_group` allowed, `use_vmac` not, dev defaults to default_interface. */
  isStatic: boolean;
}

export function parseAddressLine(s: Stmt, ctx: BuildContext, ac: AddressContext): VirtualIpAddress | undefined {
  const addrText = s.keyword;
  const address = parseKaAddress(addrText, s.pos, ctx, true);
  if (!address) return undefined;
  const vip: VirtualIpAddress = {
    address, dev: '', devExplicit: false, scope: 'global', noTrack: false, flags: [], useVmac: false, pos: s.pos,
  };
  let brd: '+' | '-' | undefined;
  let haveBroadcast = false;
  let preferredSet = false;
  const args = s.args;
  for (let i = 0; i < args.length; i++) {
    const w = args[i];
    const word = w.text;
    const takesValue = ['dev', 'scope', 'broadcast', 'brd', 'label', 'peer', 'preferred_lft'].includes(word) || (ac.isStatic && word === 'track_group');
    if (takesValue && i + 1 >= args.length) {
      ctx.sink.error(w.pos, `No ${word} parameter specified for ${addrText}`, 'the address is ignored');
      return undefined;
    }
    const val = args[i + 1];
    switch (word) {
      case 'dev':
        i++;
        if (vip.devExplicit) {
          ctx.sink.error(val.pos, `Cannot specify ipaddress device more than once for ${addrText}`, 'the address is ignored');
          return undefined;
        }
        if (!checkInterface(ac.config, ctx, val.text, val.pos, `WARNING - interface ${val.text} for ip address ${addrText} doesn't exist`)) return undefined;
        vip.dev = val.text;
        vip.devExplicit = true;
        break;
      case 'scope': {
        i++;
        const sc = scopeName(val.text);
        if (sc === undefined) ctx.sink.error(val.pos, `Invalid scope '${val.text}' specified for ${addrText} - ignoring`, 'scopes: global, site, link, host, nowhere or 0..255');
        else vip.scope = sc;
        break;
      }
      case 'broadcast':
      case 'brd': {
        i++;
        if (address.family === 6) {
          ctx.sink.error(w.pos, `VRRP is trying to assign a broadcast ${word} to the IPv6 address ${addrText} !!?? WTF... skipping VIP...`, 'IPv6 has no broadcast addresses');
          return undefined;
        }
        haveBroadcast = true;
        if (val.text === '+' || val.text === '-') brd = val.text;
        else {
          const b = parseIp(val.text);
          if (!b || b.family !== 4) {
            ctx.sink.error(val.pos, `VRRP is trying to assign invalid broadcast ${val.text}. skipping VIP...`);
            return undefined;
          }
          vip.broadcast = b;
        }
        break;
      }
      case 'label':
        i++;
        if (val.text.length >= 16) {
          ctx.sink.error(val.pos, `Address label ${val.text} is longer than maximum length 15 - removing address`);
          return undefined;
        }
        vip.label = val.text;
        break;
      case 'peer': {
        i++;
        if (vip.peer) {
          ctx.sink.error(val.pos, `Peer ${val.text} - another peer has already been specified`);
          break;
        }
        const p = parseIp(val.text);
        if (!p || p.family !== (val.text.includes(':') ? 6 : 4)) ctx.sink.error(val.pos, `Invalid peer address ${val.text}`);
        else if (p.family !== address.family) ctx.sink.error(val.pos, `Peer address ${val.text} does not match address family`);
        else {
          const full = address.family === 6 ? 128 : 32;
          if (vip.address.prefixLen !== full) ctx.sink.error(val.pos, 'Cannot specify address prefix when specifying peer address - ignoring', `the prefix of ${addrText} is replaced by /${full}`);
          vip.peer = { ...p, prefixLen: full, explicitPrefix: false };
          vip.address = { ...vip.address, prefixLen: full };
        }
        break;
      }
      case 'no_track':
        vip.noTrack = true;
        break;
      case 'preferred_lft':
        i++;
        if (val.text === 'forever') {
          vip.preferredLft = 'forever';
          preferredSet = true;
        } else {
          const n = parseUnsigned(val.text, 0, 0xffffffff);
          if (n === undefined) ctx.sink.error(val.pos, `preferred_lft ${val.text} is invalid`, 'use a number of seconds or forever');
          else {
            vip.preferredLft = n;
            preferredSet = true;
          }
        }
        break;
      default:
        if (Object.hasOwn(FLAG_WORDS, word)) {
          if (!vip.flags.includes(FLAG_WORDS[word])) vip.flags.push(FLAG_WORDS[word]);
        } else if (ac.isStatic && word === 'track_group') {
          i++;
          if (vip.trackGroup) {
            ctx.sink.error(val.pos, `track_group ${val.text} is a duplicate`);
            i = args.length;
            break;
          }
          if (!ac.config.vrrp.trackGroups.some((g) => g.name === val.text)) {
            ctx.sink.error(val.pos, `track_group ${val.text} not found`, 'a track_group must be defined before it is used');
          } else vip.trackGroup = val.text;
        } else if (!ac.isStatic && word === 'use_vmac') {
          vip.useVmac = true;
        } else {
          ctx.sink.error(w.pos, `Unknown configuration entry '${word}' for ip address - ignoring`);
        }
    }
  }

  if (haveBroadcast && vip.peer) {
    ctx.sink.error(s.pos, 'Cannot specify broadcast and peer addresses - ignoring broadcast address');
    vip.broadcast = undefined;
  } else if (brd && vip.address.prefixLen <= 30) {
    vip.broadcast = broadcastOf(vip.peer ?? vip.address, vip.address.prefixLen, brd === '+');
  } else if (brd) {
    ctx.sink.error(s.pos, `Address prefix length ${vip.address.prefixLen} too long for broadcast`);
  }

  if (ac.isStatic && !vip.devExplicit) {
    const def = ac.config.global.defaultInterface;
    if (!checkInterface(ac.config, ctx, def, s.pos, `Static address ${addrText} requires either an interface or default interface must exist`, 'fatal')) return undefined;
    vip.dev = def;
  }

  if (address.family === 6) {
    if (vip.scope !== 'global') {
      ctx.sink.error(s.pos, `Cannot specify scope for IPv6 addresses (${addrText}) - ignoring scope`);
      vip.scope = 'global';
    }
    if (vip.label !== undefined) {
      ctx.sink.error(s.pos, `Cannot specify label for IPv6 addresses (${addrText}) - ignoring label`);
      vip.label = undefined;
    }
    if (!preferredSet) vip.preferredLft = vip.address.prefixLen === 128 ? 0 : 'forever';
  }

  if (vip.trackGroup && !vip.devExplicit && !ac.isStatic) vip.trackGroup = undefined;
  return vip;
}
