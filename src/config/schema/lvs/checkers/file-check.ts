// FILE_CHECK: follow a value written to a top-level track_file; `weight N [reverse|noreverse]`
// scales it (default: the track_file's own weight). None of the common checker options apply.
// (The man page's `dynamic` is not in keepalived 2.2.7's parser: it is an unknown keyword there.)
import type { FileCheck } from '../../../model/lvs.js';
import { applyBlock, blockKeyword, type KeywordSpec, type SchemaRegistry } from '../../types.js';
import type { RsDraft } from '../drafts.js';
import { needArg, parseSigned, WEIGHT_LIMIT } from '../read.js';

interface FileDraft {
  trackFile?: string;
  weight?: number;
  weightReverse?: boolean;
}

export function fileCheckKeyword(registry: SchemaRegistry): KeywordSpec<RsDraft> {
  const table = registry.register<FileDraft>('FILE_CHECK', {
    track_file: (s, d, ctx) => {
      const w = needArg(s, ctx);
      if (!w) return;
      d.trackFile = w.text;
    },
    weight: (s, d, ctx) => {
      const w = s.args[0];
      if (!w) return ctx.sink.error(s.pos, 'track file weight missing');
      const r = parseSigned(w.text, -WEIGHT_LIMIT, WEIGHT_LIMIT);
      if (!r.ok) return ctx.sink.error(w.pos, `weight for track file must be in [${-WEIGHT_LIMIT}..${WEIGHT_LIMIT}] inclusive. Ignoring...`, r.reason);
      let reverse = false;
      const opt = s.args[1];
      if (opt) {
        if (opt.text === 'reverse') reverse = true;
        else if (opt.text !== 'noreverse') return ctx.sink.error(opt.pos, `unknown track file weight option ${opt.text} - ignoring`, 'reverse or noreverse');
      }
      d.weight = r.value;
      d.weightReverse = reverse;
    },
  });
  return blockKeyword((s, rs, ctx) => {
    const d: FileDraft = {};
    applyBlock(s.block, table, d, ctx, 'FILE_CHECK');
    if (d.trackFile === undefined) {
      ctx.sink.error(s.pos, 'FILE_CHECK has no track_file specified - ignoring');
      return;
    }
    const trackFile = d.trackFile;
    rs.checkers.push({
      kind: 'FILE_CHECK',
      pos: s.pos,
      resolve: (_r, _vs, config): FileCheck => {
        const tf = config.vrrp.trackFiles.find((t) => t.name === trackFile);
        return {
          kind: 'FILE_CHECK',
          pos: s.pos,
          trackFile,
          // a checker whose track_file is missing is dropped later (complete.ts)
          file: tf?.file ?? '',
          weight: d.weight ?? tf?.weight ?? 1,
          weightReverse: d.weight !== undefined ? d.weightReverse ?? false : tf?.weightReverse ?? false,
        };
      },
    });
  });
}
