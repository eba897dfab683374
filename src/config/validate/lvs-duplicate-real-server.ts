// A real server listed twice in one virtual server. keepalived removes exact repeats itself
// ("is duplicated - removing second rs", reported by schema/lvs/complete.ts); it compares the
// lines as written, so `real_server 10.0.0.1` and `real_server 10.0.0.1 80` on a port-80 VS, or
// two DR real servers whose ports it resets to the VS port, stay as two entries for one IPVS
// destination: the second add fails and either checker can remove the shared destination.
// keepalived says nothing about those; we report them with both positions.
import type { KeepalivedConfig } from '../model/index.js';
import type { RealServer } from '../model/lvs.js';
import type { BuildContext } from '../schema/types.js';
import type { Validator } from './index.js';

export const lvsDuplicateRealServer: Validator = (config: KeepalivedConfig, ctx: BuildContext) => {
  for (const vs of config.lvs.virtualServers) {
    const seen = new Map<string, RealServer>();
    for (const rs of vs.realServers) {
      const id = `${rs.address.text}|${rs.port}`;
      const first = seen.get(id);
      if (!first) {
        seen.set(id, rs);
        continue;
      }
      ctx.sink.extra(
        'error',
        rs.pos,
        `real server ${rs.key} is listed twice in virtual server ${vs.key} (${first.pos.file}:${first.pos.line} and line ${rs.pos.line})`,
        'keepalived keeps both entries for one IPVS destination; remove one of them',
      );
    }
  }
};
