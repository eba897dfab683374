// LVS side of the model: virtual servers, groups, real servers, checkers. (Owned by the LVS schema work.)
import type { Position } from '../issues.js';
import type { ScriptRef } from './script.js';

export interface VirtualServer {
  pos: Position;
}

export interface LvsSection {
  virtualServers: VirtualServer[];
  /** Every script the checker side may run (MISC_CHECK, notify_up/down, quorum_up/down). */
  scripts: ScriptRef[];
}

export function emptyLvsSection(): LvsSection {
  return { virtualServers: [], scripts: [] };
}
