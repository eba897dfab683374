// Top-level keywords of the VRRP side and global_defs. (Placeholder: being written.)
import type { KeepalivedConfig } from '../../model/index.js';
import type { BuildContext, KeywordTable, SchemaRegistry } from '../types.js';

export function vrrpTopLevel(_registry: SchemaRegistry): KeywordTable<KeepalivedConfig> {
  return {};
}

export function completeVrrp(_config: KeepalivedConfig, _ctx: BuildContext): void {}
