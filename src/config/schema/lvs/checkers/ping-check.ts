// PING_CHECK: ICMP/ICMPv6 echo to connect_ip. No keywords of its own (the connection keywords are
// accepted; only connect_ip, bindto/bind_if and the timers matter).
import type { KeywordSpec, SchemaRegistry } from '../../types.js';
import { applyBlock, blockKeyword } from '../../types.js';
import type { RsDraft } from '../drafts.js';
import { connectionKeywords, connectionUsable, newConnChecker, resolveConn, resolvePolled, timingKeywords, type ConnCheckerDraft } from './common.js';

export function pingCheckKeyword(registry: SchemaRegistry): KeywordSpec<RsDraft> {
  const table = registry.register<ConnCheckerDraft>('PING_CHECK', { ...connectionKeywords(), ...timingKeywords() });
  return blockKeyword((s, rs, ctx) => {
    const d = newConnChecker(s, rs);
    applyBlock(s.block, table, d, ctx, 'PING_CHECK');
    if (!connectionUsable(d.conn, ctx, s.pos)) return;
    rs.checkers.push({
      kind: 'PING_CHECK',
      pos: s.pos,
      resolve: (r) => ({ kind: 'PING_CHECK', ...resolvePolled(d, r), connection: resolveConn(d.conn, r) }),
    });
  });
}
