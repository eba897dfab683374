// Top-level keywords of the LVS side: virtual_server, virtual_server_group, SSL; and
// keepalived's post-processing of them once the whole configuration is read.
import type { KeepalivedConfig } from '../../model/index.js';
import type { BuildContext, KeywordTable, SchemaRegistry } from '../types.js';
import { virtualServerKeyword } from './virtual-server.js';
import { virtualServerGroupKeyword } from './virtual-server-group.js';
import { sslKeyword } from './ssl.js';
import { completeVirtualServers } from './complete.js';

export function lvsTopLevel(registry: SchemaRegistry): KeywordTable<KeepalivedConfig> {
  return {
    virtual_server_group: virtualServerGroupKeyword(),
    virtual_server: virtualServerKeyword(registry),
    SSL: sslKeyword(registry),
  };
}

export function completeLvs(config: KeepalivedConfig, ctx: BuildContext): void {
  completeVirtualServers(config, ctx);
}
