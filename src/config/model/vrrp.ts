// VRRP side of the model: instances, sync groups, scripts, tracking, static addresses/routes/rules.
// (Owned by the VRRP/global schema work.)
import type { Position } from '../issues.js';
import type { ScriptRef } from './script.js';

export interface VrrpInstance {
  name: string;
  pos: Position;
  virtualRouterId?: number;
  priority: number;
}

export interface VrrpSection {
  instances: VrrpInstance[];
  /** Every script the VRRP side may run, for script-security checks. */
  scripts: ScriptRef[];
}

export function emptyVrrpSection(): VrrpSection {
  return { instances: [], scripts: [] };
}
