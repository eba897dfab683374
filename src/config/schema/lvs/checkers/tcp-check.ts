// TCP_CHECK: up when a TCP connection to connect_ip:connect_port completes within connect_timeout.
// No keywords of its own.
import type { KeywordSpec, SchemaRegistry } from '../../types.js';
import { applyBlock, blockKeyword } from '../../types.js';
import type { RsDraft } from '../drafts.js';
import { connectionKeywords, connectionUsable, newConnChecker, resolveConn, resolvePolled, timingKeywords, type ConnCheckerDraft } from './common.js';

export function tcpCheckKeyword(registry: SchemaRegistry): KeywordSpec<RsDraft> {
  const table = registry.register<ConnCheckerDraft>('TCP_CHECK', { ...connectionKeywords(), ...timingKeywords() });
  return blockKeyword((s, rs, ctx) => {
    const d = newConnChecker(s, rs);
    applyBlock(s.block, table, d, ctx, 'TCP_CHECK');
    if (!connectionUsable(d.conn, ctx, s.pos)) return;
    rs.checkers.push({
      kind: 'TCP_CHECK',
      pos: s.pos,
      resolve: (r) => ({ kind: 'TCP_CHECK', ...resolvePolled(d, r), connection: resolveConn(d.conn, r) }),
    });
  });
}
