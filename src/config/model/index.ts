// The typed configuration: what every engine reads. Built by ../build.ts with all defaults applied.
import type { GlobalDefs } from './global.js';
import type { VrrpSection } from './vrrp.js';
import type { LvsSection } from './lvs.js';

export interface KeepalivedConfig {
  global: GlobalDefs;
  vrrp: VrrpSection;
  lvs: LvsSection;
  /** Every configuration file read, root first. */
  files: string[];
}

export type * from './global.js';
export type * from './vrrp.js';
export type * from './lvs.js';
export type * from './script.js';
