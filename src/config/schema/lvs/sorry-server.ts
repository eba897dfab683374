// `sorry_server IP [PORT]`, `sorry_server_inhibit`, `sorry_server_lvs_method ...` of a
// virtual_server: the destination installed when quorum is lost.
import type { KeywordTable } from '../types.js';
import type { VsDraft } from './drafts.js';
import { readLvsMethod } from './lvs-method.js';
import { needArg, parseServerEndpoint } from './read.js';

export function sorryServerKeywords(): KeywordTable<VsDraft> {
  return {
    sorry_server: (s, vs, ctx) => {
      const ipWord = needArg(s, ctx);
      if (!ipWord) return;
      const ep = parseServerEndpoint(ctx, ipWord, s.args[1]);
      if ('error' in ep) return ctx.sink.error(ipWord.pos, `Invalid sorry server IP address ${ipWord.text} - skipping`, ep.error);
      if (vs.sorry) {
        ctx.sink.extra('warning', s.pos, `a second sorry_server replaces ${vs.sorry.address.text} (line ${vs.sorry.pos.line}): keepalived keeps only the last one`);
      }
      vs.sorry = {
        pos: s.pos,
        address: ep.address,
        port: ep.port,
        // The VS method known so far; an unset one is filled in at the end.
        ...(vs.lbKind ? { lvsMethod: { ...vs.lbKind } } : {}),
        inhibit: false,
      };
    },
    sorry_server_inhibit: (s, vs, ctx) => {
      if (vs.sorry) vs.sorry.inhibit = true;
      else ctx.sink.error(s.pos, 'Ignoring sorry_server inhibit used before or without sorry_server');
    },
    sorry_server_lvs_method: (s, vs, ctx) => {
      if (vs.sorry) vs.sorry.lvsMethod = readLvsMethod(s, ctx, vs.sorry.lvsMethod, 'sorry');
      else ctx.sink.error(s.pos, 'sorry_server forwarding used without sorry_server');
    },
  };
}
