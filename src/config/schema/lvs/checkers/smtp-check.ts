// SMTP_CHECK: expect a 220 banner, send HELO <helo_name>, expect 250, QUIT. Target: the real
// server (port as written) unless connect_* say otherwise. The deprecated `host { }` sub-blocks
// each become one more checker with the same timing; when the checker itself sets no connection
// option, the first host replaces its target (keepalived's smtp_check_end_handler). A host block's
// connect timeout does not inherit: keepalived leaves it 0 unless the block sets it.
import type { SmtpCheck } from '../../../model/lvs.js';
import { applyBlock, blockKeyword, type Handler, type KeywordSpec, type KeywordTable, type SchemaRegistry } from '../../types.js';
import type { RsDraft } from '../drafts.js';
import { connectionKeywords, connectionUsable, newConn, newPolled, resolveConn, resolvePolled, timingKeywords, type ConnDraft, type PolledDraft } from './common.js';

export const SMTP_DEFAULT_HELO = 'smtpchecker.keepalived.org';

interface SmtpDraft extends PolledDraft {
  rs: RsDraft;
  conn: ConnDraft;
  /** Whether any connection keyword was given at checker level. */
  connSet: boolean;
  heloName?: string;
  hosts: ConnDraft[];
}

interface HostDraft {
  conn: ConnDraft;
  parent: SmtpDraft;
}

function markingConnectionKeywords(): KeywordTable<SmtpDraft> {
  const out: KeywordTable<SmtpDraft> = {};
  for (const [k, h] of Object.entries(connectionKeywords<SmtpDraft>())) {
    const handler = h as Handler<SmtpDraft>;
    out[k] = (s, d, ctx) => {
      d.connSet = true;
      handler(s, d, ctx);
    };
  }
  return out;
}

/** In a host block the connection keywords set the host's target, the timing ones the checker's. */
function hostTable(): KeywordTable<HostDraft> {
  const out: KeywordTable<HostDraft> = {};
  for (const [k, h] of Object.entries(connectionKeywords<HostDraft>())) out[k] = h;
  for (const [k, h] of Object.entries(timingKeywords<SmtpDraft>())) {
    const handler = h as Handler<SmtpDraft>;
    out[k] = (s, host, ctx) => handler(s, host.parent, ctx);
  }
  return out;
}

export function smtpCheckKeyword(registry: SchemaRegistry): KeywordSpec<RsDraft> {
  const hosts = registry.register<HostDraft>('host', hostTable());
  const table = registry.register<SmtpDraft>('SMTP_CHECK', {
    ...markingConnectionKeywords(),
    ...timingKeywords<SmtpDraft>(),
    helo_name: (s, d, ctx) => {
      if (!s.args[0]) return ctx.sink.error(s.pos, 'SMTP_CHECK helo name missing');
      d.heloName = s.args[0].text;
    },
    host: blockKeyword((s, d, ctx) => {
      const h: HostDraft = { conn: newConn(d.rs), parent: d };
      applyBlock(s.block, hosts, h, ctx, 'host');
      if (!connectionUsable(h.conn, ctx, s.pos)) return;
      if (h.conn.connectTimeout === undefined) {
        // keepalived allocates a host's options zeroed, so its timeout is 0, not the RS/VS value.
        h.conn.connectTimeout = 0;
        ctx.sink.notice(s.pos, 'this SMTP_CHECK host has a connect timeout of 0 in keepalived 2.2.7 (it does not inherit connect_timeout)', 'add connect_timeout to the host block');
      }
      d.hosts.push(h.conn);
    }),
  });
  return blockKeyword((s, rs, ctx) => {
    const d: SmtpDraft = { ...newPolled(s), rs, conn: newConn(rs), connSet: false, hosts: [] };
    applyBlock(s.block, table, d, ctx, 'SMTP_CHECK');
    if (d.hosts.length) ctx.sink.notice(s.pos, 'The SMTP_CHECK host block is deprecated. Please define additional checkers.');
    const targets: ConnDraft[] = [];
    if (d.connSet || d.hosts.length === 0) {
      if (!connectionUsable(d.conn, ctx, s.pos)) return;
      targets.push(d.conn, ...d.hosts);
    } else {
      targets.push(...d.hosts);
    }
    // keepalived fixes the timeout here, from the RS/VS values read so far.
    const connectTimeout = rs.connectTimeout ?? rs.vs.connectTimeout;
    const heloName = d.heloName ?? SMTP_DEFAULT_HELO;
    for (const conn of targets) {
      conn.connectTimeout ??= connectTimeout;
      rs.checkers.push({
        kind: 'SMTP_CHECK',
        pos: s.pos,
        resolve: (r): SmtpCheck => ({ kind: 'SMTP_CHECK', ...resolvePolled(d, r), connection: resolveConn(conn, r), heloName }),
      });
    }
  });
}
