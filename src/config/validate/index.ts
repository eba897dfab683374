// Cross-object validation rules, one per file; each reports through the sink and never throws.
import type { KeepalivedConfig } from '../model/index.js';
import type { BuildContext } from '../schema/types.js';

export type Validator = (config: KeepalivedConfig, ctx: BuildContext) => void;

export const validators: Validator[] = [];
