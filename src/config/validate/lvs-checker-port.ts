// A checker that would connect to port 0. keepalived points a checker at the real server's port
// as written on its line, before copying the virtual server's port into a port-less real
// server: without connect_port such a TCP/HTTP/SSL/SMTP/UDP/DNS check targets port 0 and always
// fails. keepalived accepts this silently.
import type { KeepalivedConfig } from '../model/index.js';
import type { BuildContext } from '../schema/types.js';
import type { Validator } from './index.js';

export const lvsCheckerPort: Validator = (config: KeepalivedConfig, ctx: BuildContext) => {
  for (const vs of config.lvs.virtualServers) {
    for (const rs of vs.realServers) {
      for (const c of rs.checkers) {
        if (c.kind === 'PING_CHECK' || !('connection' in c)) continue;
        if (c.connection.connectPort !== 0) continue;
        ctx.sink.extra(
          'warning',
          c.pos,
          `${c.kind} of real server ${rs.key} would connect to port 0: the real_server line has no port and the checker has no connect_port`,
          `add "connect_port ${rs.port || 'PORT'}" to the ${c.kind} block`,
        );
      }
    }
  }
};
