// A script configured anywhere (vrrp_script, notify_*, MISC_CHECK, quorum_up, ...), split into argv
// the way keepalived splits it: white space separates words, double and single quotes group them.
import type { Position } from '../issues.js';

export interface ScriptRef {
  /** The command line as configured. */
  readonly command: string;
  readonly argv: readonly string[];
  /** Per-script `user`/`group`, else the global script_user applies. */
  readonly user?: string;
  readonly group?: string;
  /** What configured it, e.g. "vrrp_script chk_haproxy", "notify_master of VI_1". */
  readonly role: string;
  readonly pos: Position;
}

export function splitCommand(command: string): string[] {
  const out: string[] = [];
  let cur = '';
  let have = false;
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < command.length; i++) {
    const c = command[i];
    if (quote) {
      if (c === quote) quote = undefined;
      else if (c === '\\' && quote === '"' && i + 1 < command.length) cur += command[++i];
      else cur += c;
      continue;
    }
    if (c === '"' || c === "'") { quote = c; have = true; continue; }
    if (c === '\\' && i + 1 < command.length) { cur += command[++i]; have = true; continue; }
    if (c === ' ' || c === '\t') {
      if (have) { out.push(cur); cur = ''; have = false; }
      continue;
    }
    cur += c;
    have = true;
  }
  if (have) out.push(cur);
  return out;
}
