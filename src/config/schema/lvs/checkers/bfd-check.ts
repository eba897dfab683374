// BFD_CHECK: the real server follows a BFD session (`name` of a bfd_instance). Parsed fully;
// running it is not supported yet (reported as a notice).
import type { BfdCheck } from '../../../model/lvs.js';
import { applyBlock, blockKeyword, type KeywordSpec, type SchemaRegistry } from '../../types.js';
import type { RsDraft } from '../drafts.js';
import { serverKey } from '../keys.js';
import { readOptionalBool } from '../read.js';

/** BFD_INAME_MAX: instance names are shorter than this. */
const BFD_INAME_MAX = 32;

interface BfdDraft {
  rs: RsDraft;
  name?: string;
  alpha?: boolean;
  /** A name error makes keepalived ignore the rest of the block and drop the checker. */
  dropped: boolean;
}

export function bfdCheckKeyword(registry: SchemaRegistry): KeywordSpec<RsDraft> {
  const rsKeyOf = (rs: RsDraft) => serverKey(rs.address, rs.configuredPort, rs.vs.protocol);
  const table = registry.register<BfdDraft>('BFD_CHECK', {
    name: (s, d, ctx) => {
      if (d.dropped) return;
      const key = rsKeyOf(d.rs);
      let err: string | undefined;
      if (s.args.length !== 1) err = `(${key}) BFD_CHECK - No or too many names specified - skipping checker`;
      else if (d.name !== undefined) err = `(${key}) BFD_CHECK - BFD ${s.args[0].text} already specified as ${d.name}`;
      else if (s.args[0].text.length >= BFD_INAME_MAX) err = `(${key}) BFD_CHECK - BFD name ${s.args[0].text} too long`;
      else if (d.rs.checkers.some((c) => c.bfdName === s.args[0].text)) {
        err = `(${key}) BFD_CHECK - RS already monitoring ${s.args[0].text}`;
      }
      if (err) {
        ctx.sink.error(s.pos, err);
        d.dropped = true;
        return;
      }
      d.name = s.args[0].text;
    },
    alpha: (s, d, ctx) => {
      if (d.dropped) return;
      const v = readOptionalBool(s, ctx, (t) => `Invalid alpha parameter ${t}`);
      if (v !== undefined) d.alpha = v;
    },
  });
  return blockKeyword((s, rs, ctx) => {
    const d: BfdDraft = { rs, dropped: false };
    applyBlock(s.block, table, d, ctx, 'BFD_CHECK');
    if (d.dropped) return;
    if (d.name === undefined) {
      ctx.sink.error(s.pos, `(${rsKeyOf(rs)}) No name has been specified for BFD_CHECKER - skipping`);
      return;
    }
    ctx.sink.notice(s.pos, "'BFD_CHECK' is not supported yet by keepalived-ts; the real server is checked by its other checkers only");
    const name = d.name;
    rs.checkers.push({
      kind: 'BFD_CHECK',
      pos: s.pos,
      bfdName: name,
      resolve: (r): BfdCheck => ({ kind: 'BFD_CHECK', pos: s.pos, name, alpha: d.alpha ?? r.alpha }),
    });
  });
}
