// `lb_kind` / `lvs_method` / `sorry_server_lvs_method`:
//   NAT | DR | TUN [type ipip|gue|gre] [port N] [nocsum|csum|remcsum]
// Upper-case method names only (keepalived compares exactly). Tunnel options keep the previous
// values unless given; an invalid line changes nothing after the method itself.
import type { Stmt } from '../../syntax.js';
import type { LvsMethod, TunnelChecksum, TunnelType } from '../../model/lvs.js';
import type { BuildContext } from '../types.js';
import { needArg, parseUnsigned } from './read.js';

export function defaultLvsMethod(kind: LvsMethod['kind'] = 'NAT'): LvsMethod {
  return { kind, tunnelType: 'ipip', tunnelPort: 0, tunnelChecksum: 'nocsum' };
}

/**
 * Read a forwarding method. `prev` is the current setting (keepalived edits in place, so a
 * tunnel-option error after a valid method still changes the method but keeps old tunnel options).
 * `serverType` is `virtual`, `real` or `sorry` as in keepalived's messages.
 */
export function readLvsMethod(s: Stmt, ctx: BuildContext, prev: LvsMethod | undefined, serverType: string): LvsMethod | undefined {
  const w = needArg(s, ctx, 0);
  if (!w) return prev;
  if (w.text !== 'NAT' && w.text !== 'DR' && w.text !== 'TUN') {
    ctx.sink.error(w.pos, `PARSER : unknown [${w.text}] routing method for ${serverType} server.`, 'NAT, DR or TUN (upper case)');
    return prev;
  }
  const base = prev ?? defaultLvsMethod();
  const withMethod: LvsMethod = { ...base, kind: w.text };
  let tunnelType: TunnelType = 'ipip';
  let port = 0;
  let csum: TunnelChecksum = 'nocsum';
  const args = s.args;
  for (let i = 1; i < args.length; i++) {
    const a = args[i];
    if (a.text === 'type') {
      const t = args[i + 1];
      if (!t) {
        ctx.sink.error(a.pos, `Missing tunnel type for ${serverType} server.`);
        return withMethod;
      }
      if (t.text === 'ipip' || t.text === 'gue' || t.text === 'gre') tunnelType = t.text;
      else {
        ctx.sink.error(t.pos, `Unknown tunnel type ${t.text} for ${serverType} server.`, 'ipip, gue or gre');
        return withMethod;
      }
      i++;
    } else if (a.text === 'port') {
      const p = args[i + 1];
      if (!p) {
        ctx.sink.error(a.pos, `Missing port for ${serverType} server gue tunnel.`);
        return withMethod;
      }
      const r = parseUnsigned(p.text, 1, 65535);
      if (!r.ok) {
        ctx.sink.error(p.pos, `Invalid gue tunnel port ${p.text} for ${serverType} server.`, r.reason);
        return withMethod;
      }
      port = r.value;
      i++;
    } else if (a.text === 'nocsum' || a.text === 'csum' || a.text === 'remcsum') {
      csum = a.text;
    } else {
      ctx.sink.error(a.pos, `Invalid tunnel option ${a.text} for ${serverType} server.`);
      return withMethod;
    }
  }
  if ((tunnelType === 'gue') !== (port !== 0)) {
    ctx.sink.error(s.pos, 'gue tunnels require port, otherwise cannot have port.');
    return withMethod;
  }
  if (tunnelType === 'ipip' && csum !== 'nocsum') {
    ctx.sink.error(s.pos, 'ipip tunnels do not support checksum option.');
    return withMethod;
  }
  if (tunnelType === 'gre' && csum === 'remcsum') {
    ctx.sink.error(s.pos, 'gre tunnels do not support remote checksum option.');
    return withMethod;
  }
  return { kind: w.text, tunnelType, tunnelPort: port, tunnelChecksum: csum };
}
