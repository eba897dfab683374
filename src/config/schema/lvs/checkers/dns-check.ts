// DNS_CHECK: a UDP query of `type` (default SOA) for `name` (default the root); up on a reply.
// Defaults differ from other checkers: retry 3, delay_before_retry = delay_loop.
import { DNS_TYPES, type DnsCheck, type DnsType } from '../../../model/lvs.js';
import { applyBlock, blockKeyword, type KeywordSpec, type SchemaRegistry } from '../../types.js';
import type { RsDraft } from '../drafts.js';
import { needArg } from '../read.js';
import { connectionKeywords, connectionUsable, newConnChecker, resolveConn, resolvePolled, timingKeywords, type ConnCheckerDraft } from './common.js';

interface DnsDraft extends ConnCheckerDraft {
  type: DnsType;
  name?: string;
}

/** keepalived rejects an empty label, and (a quirk) any name whose second character is a dot. */
function hasEmptyLabel(name: string): boolean {
  if (name[0] === '.' && name.length > 1) return true;
  for (let p = 0; p >= 0 && p < name.length; p = name.indexOf('.', p + 1)) {
    if (name[p + 1] === '.') return true;
  }
  return false;
}

export function dnsCheckKeyword(registry: SchemaRegistry): KeywordSpec<RsDraft> {
  const table = registry.register<DnsDraft>('DNS_CHECK', {
    ...connectionKeywords<DnsDraft>(),
    ...timingKeywords<DnsDraft>(),
    type: (s, d, ctx) => {
      const w = needArg(s, ctx);
      if (!w) return;
      const t = DNS_TYPES.find((x) => x.toLowerCase() === w.text.toLowerCase());
      if (!t) return ctx.sink.error(w.pos, `Unknown DNS check type ${w.text} - ignoring`, `one of ${DNS_TYPES.join(', ')}`);
      d.type = t;
    },
    name: (s, d, ctx) => {
      const w = needArg(s, ctx);
      if (!w) return;
      if (d.name !== undefined) return ctx.sink.error(w.pos, 'DNS_CHECK name already specified - ignoring');
      if (hasEmptyLabel(w.text)) {
        const quirk = w.text[1] === '.' && w.text[0] !== '.';
        return ctx.sink.error(w.pos, `DNS_CHECK name '${w.text}' has empty label - ignoring`, quirk ? 'keepalived 2.2.7 also rejects a one-character first label' : undefined);
      }
      d.name = w.text;
    },
  });
  return blockKeyword((s, rs, ctx) => {
    const d: DnsDraft = { ...newConnChecker(s, rs, 3, 0), type: 'SOA' };
    applyBlock(s.block, table, d, ctx, 'DNS_CHECK');
    if (!connectionUsable(d.conn, ctx, s.pos)) return;
    rs.checkers.push({
      kind: 'DNS_CHECK',
      pos: s.pos,
      resolve: (r): DnsCheck => ({
        kind: 'DNS_CHECK',
        ...resolvePolled(d, r),
        connection: resolveConn(d.conn, r),
        type: d.type,
        name: d.name === undefined || d.name === '' ? '.' : d.name,
      }),
    });
  });
}
