// Top-level keywords of the LVS side. (Placeholder: being written.)
import type { KeepalivedConfig } from '../../model/index.js';
import type { BuildContext, KeywordTable, SchemaRegistry } from '../types.js';

export function lvsTopLevel(_registry: SchemaRegistry): KeywordTable<KeepalivedConfig> {
  return {};
}

export function completeLvs(_config: KeepalivedConfig, _ctx: BuildContext): void {}
