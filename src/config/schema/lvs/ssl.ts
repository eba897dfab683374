// Top-level `SSL { password; ca; certificate; key }`: the TLS context of SSL_GET checkers.
// Without it (or with none of the files) keepalived generates a context.
import type { KeepalivedConfig } from '../../model/index.js';
import type { SslContext } from '../../model/lvs.js';
import { applyBlock, blockKeyword, type KeywordSpec, type KeywordTable, type SchemaRegistry } from '../types.js';

type SslField = 'password' | 'ca' | 'certificate' | 'key';

/** keepalived's names for each file in its messages. */
const LABEL: Record<SslField, string> = { password: 'password', ca: 'cafile', certificate: 'certfile', key: 'keyfile' };

function sslTable(): KeywordTable<SslContext> {
  const table: KeywordTable<SslContext> = {};
  for (const field of Object.keys(LABEL) as SslField[]) {
    table[field] = (s, ssl, ctx) => {
      if (!s.args[0]) return ctx.sink.error(s.pos, `SSL ${LABEL[field]} missing`);
      if (ssl[field] !== undefined) ctx.sink.error(s.pos, `SSL ${LABEL[field]} already specified - replacing`);
      ssl[field] = s.args[0].text;
    };
  }
  return table;
}

export function sslKeyword(registry: SchemaRegistry): KeywordSpec<KeepalivedConfig> {
  const table = registry.register<SslContext>('SSL', sslTable());
  return blockKeyword((s, config, ctx) => {
    if (config.lvs.ssl) ctx.sink.error(s.pos, 'SSL context already specified - replacing');
    const ssl: SslContext = { pos: s.pos };
    applyBlock(s.block, table, ssl, ctx, 'SSL');
    config.lvs.ssl = ssl;
  });
}
