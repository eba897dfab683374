// MISC_CHECK: run `misc_path` (a command line, quoted if it has arguments); exit 0 = up, 1 = down,
// with misc_dynamic 2..255 = up with weight status-2. Killed after misc_timeout, else the VS
// delay_loop. Only the timing options apply (no connection keywords); retry defaults to 0.
import type { MiscCheck, RealServer, VirtualServer } from '../../../model/lvs.js';
import { applyBlock, blockKeyword, type KeywordSpec, type SchemaRegistry } from '../../types.js';
import { cmdStr, toScriptRef, type RsDraft, type ScriptDraft } from '../drafts.js';
import { quotedEscapedArgs, readUnsignedArg, splitQuotedEscaped, UINT_MAX } from '../read.js';
import { newPolled, resolvePolled, timingKeywords, type PolledDraft } from './common.js';

interface MiscDraft extends PolledDraft {
  script?: ScriptDraft;
  /** Seconds; 0 = the VS delay_loop. */
  timeout: number;
  dynamic: boolean;
  user?: string;
  group?: string;
  /** `user` named an unknown account: keepalived removes the checker. */
  dropped: boolean;
}

export function miscRole(rs: RealServer, vs: VirtualServer): string {
  return `MISC_CHECK of real_server ${rs.key} in virtual_server ${vs.key}`;
}

export function miscCheckKeyword(registry: SchemaRegistry): KeywordSpec<RsDraft> {
  const table = registry.register<MiscDraft>('MISC_CHECK', {
    ...timingKeywords<MiscDraft>(),
    misc_path: (s, d) => {
      const words = quotedEscapedArgs(s);
      const cmd = words?.[0];
      if (cmd !== undefined && splitQuotedEscaped(cmd)?.length) d.script = { command: cmd, pos: s.pos };
    },
    misc_timeout: (s, d, ctx) => {
      const v = readUnsignedArg(s, ctx, 0, 0, Math.floor(UINT_MAX / 1e6), (t) => `Invalid misc_timeout value '${t}'`);
      if (v !== undefined) d.timeout = v;
    },
    misc_dynamic: (_s, d) => {
      d.dynamic = true;
    },
    user: (s, d, ctx) => {
      const script = d.script ? cmdStr(d.script.command) : '';
      if (!s.args[0]) return ctx.sink.error(s.pos, `No user specified for misc checker script ${script}`);
      const user = s.args[0].text;
      const group = s.args[1]?.text;
      if (ctx.env.lookupUser && !ctx.env.lookupUser(user)) {
        ctx.sink.error(s.args[0].pos, `Failed to set uid/gid for misc checker script ${script} - removing`, `no user '${user}' on this machine`);
        d.dropped = true;
        return;
      }
      d.user = user;
      d.group = group;
    },
  });
  return blockKeyword((s, rs, ctx) => {
    const d: MiscDraft = { ...newPolled(s, 0, 1), timeout: 0, dynamic: false, dropped: false };
    applyBlock(s.block, table, d, ctx, 'MISC_CHECK');
    if (d.dropped) return;
    if (!d.script) {
      ctx.sink.error(s.pos, 'No script path has been specified for MISC_CHECKER - skipping');
      return;
    }
    const script: ScriptDraft = { ...d.script, user: d.user, group: d.group };
    rs.checkers.push({
      kind: 'MISC_CHECK',
      pos: s.pos,
      resolve: (r, vs): MiscCheck => ({
        kind: 'MISC_CHECK',
        ...resolvePolled(d, r),
        script: toScriptRef(script, miscRole(r, vs)),
        miscTimeout: d.timeout || vs.delayLoop,
        miscDynamic: d.dynamic,
      }),
      scripts: (_r, _vs, c) => [(c as MiscCheck).script],
    });
  });
}
