// Small readers with keepalived's own acceptance rules and wording, shared by the VRRP tables.
// Each reports one positioned diagnostic (keepalived's message, our detail as the hint) and
// returns undefined on bad input so the caller keeps keepalived's default.
import type { KeepalivedConfig } from '../../model/index.js';
import type { ScriptRef } from '../../model/script.js';
import { splitCommand } from '../../model/script.js';
import type { Position } from '../../issues.js';
import type { Stmt } from '../../syntax.js';
import type { BuildContext } from '../types.js';
import { vrrpParseState } from './parse-state.js';

/** keepalived stops reading with exit status 2 when a keyword lacks the value it always reads. */
export const MISSING_PARAMETER_EXIT = 2;

export function argPos(s: Stmt, i: number): Position {
  return s.args[i]?.pos ?? s.args[s.args.length - 1]?.pos ?? s.pos;
}

/** keepalived's check_true_false(): exactly true/on/yes or false/off/no. */
export function trueFalse(text: string): boolean | undefined {
  if (text === 'true' || text === 'on' || text === 'yes') return true;
  if (text === 'false' || text === 'off' || text === 'no') return false;
  return undefined;
}

/** A `<BOOL>` keyword: no argument means on; a bad argument is reported with `message`. */
export function kaBool(s: Stmt, ctx: BuildContext, message: string, i = 0): boolean | undefined {
  const w = s.args[i];
  if (!w) return true;
  const v = trueFalse(w.text);
  if (v === undefined) ctx.sink.error(w.pos, message, `'${w.text}' is not one of on|off|true|false|yes|no`);
  return v;
}

/** Unsigned decimal integer text in [min, max] (keepalived's strtoul: leading '+' and blanks allowed). */
export function parseUnsigned(text: string, min: number, max: number, base: 10 | 0 = 10): number | undefined {
  const t = text.trim();
  let n: number;
  if (base === 0 && /^\+?0[xX][0-9a-fA-F]+$/.test(t)) n = parseInt(t.replace('+', ''), 16);
  else if (base === 0 && /^\+?0[0-7]+$/.test(t)) n = parseInt(t.replace('+', ''), 8);
  else if (/^\+?\d+$/.test(t)) n = Number(t);
  else return undefined;
  return n >= min && n <= max ? n : undefined;
}

export function parseSigned(text: string, min: number, max: number): number | undefined {
  const t = text.trim();
  if (!/^[-+]?\d+$/.test(t)) return undefined;
  const n = Number(t);
  return n >= min && n <= max ? n : undefined;
}

/** keepalived decimal: up to 6 fractional digits (µs); returns microseconds. */
export function parseDecimalUs(text: string, minUs: number, maxUs: number): number | undefined {
  const m = /^\+?(\d*)(?:\.(\d*))?$/.exec(text.trim());
  if (!m || (m[1] === '' && (m[2] ?? '') === '')) return undefined;
  const frac = (m[2] ?? '').padEnd(6, '0');
  if (frac.length > 6 && /[1-9]/.test(frac.slice(6))) return undefined;
  const us = Number(m[1] || '0') * 1e6 + Number(frac.slice(0, 6));
  return us >= minUs && us <= maxUs ? us : undefined;
}

function rangeHint(text: string, min: number, max: number, unit = ''): string {
  return `'${text}' is not a whole number in [${min}${unit}, ${max}${unit}]`;
}

/** Read an unsigned integer argument; on error report `message` (keepalived's words). */
export function kaUnsigned(s: Stmt, ctx: BuildContext, i: number, min: number, max: number, message: string): number | undefined {
  const w = s.args[i];
  if (!w) {
    ctx.sink.add('error', argPos(s, i), message, { exitCode: MISSING_PARAMETER_EXIT, hint: `'${s.keyword}' needs a value` });
    return undefined;
  }
  const v = parseUnsigned(w.text, min, max);
  if (v === undefined) ctx.sink.error(w.pos, message, rangeHint(w.text, min, max));
  return v;
}

export function kaSigned(s: Stmt, ctx: BuildContext, i: number, min: number, max: number, message: string): number | undefined {
  const w = s.args[i];
  if (!w) {
    ctx.sink.add('error', argPos(s, i), message, { exitCode: MISSING_PARAMETER_EXIT, hint: `'${s.keyword}' needs a value` });
    return undefined;
  }
  const v = parseSigned(w.text, min, max);
  if (v === undefined) ctx.sink.error(w.pos, message, rangeHint(w.text, min, max));
  return v;
}

/** Read a decimal number of seconds; returns seconds (µs resolution). */
export function kaSeconds(s: Stmt, ctx: BuildContext, i: number, minS: number, maxS: number, message: string): number | undefined {
  const w = s.args[i];
  if (!w) {
    ctx.sink.add('error', argPos(s, i), message, { exitCode: MISSING_PARAMETER_EXIT, hint: `'${s.keyword}' needs a time in seconds` });
    return undefined;
  }
  const us = parseDecimalUs(w.text, Math.round(minS * 1e6), Math.round(maxS * 1e6));
  if (us === undefined) {
    ctx.sink.error(w.pos, message, `'${w.text}' is not a number of seconds in [${minS}, ${maxS}]`);
    return undefined;
  }
  return us / 1e6;
}

/** The single argument as text, or an error with keepalived's message. */
export function kaWord(s: Stmt, ctx: BuildContext, i: number, message: string): string | undefined {
  const w = s.args[i];
  if (!w) {
    ctx.sink.error(argPos(s, i), message);
    return undefined;
  }
  return w.text;
}

/** Whether checks against the running machine apply (keepalived -t with `net_namespace` checks nothing). */
export function machineChecks(config: KeepalivedConfig, ctx: BuildContext): boolean {
  return ctx.env.interfaceExists !== undefined;
}

/**
 * keepalived's lookup of a configured interface. Missing (without dynamic_interfaces): `message` is
 * reported as an error, and the VRRP process would refuse to run the configuration
 * ("Non-existent interface specified in configuration"). Returns whether the name can be used.
 */
export function checkInterface(config: KeepalivedConfig, ctx: BuildContext, name: string, pos: Position, message: string, severity: 'error' | 'fatal' = 'error'): boolean {
  if (!machineChecks(config, ctx) || ctx.env.interfaceExists!(name)) return true;
  if (config.global.dynamicInterfaces) {
    ctx.sink.notice(pos, `Configuration specifies interface ${name} which doesn't currently exist - will use if created`);
    return true;
  }
  ctx.sink.add(severity, pos, message);
  const st = vrrpParseState(config);
  if (!st.missingInterface) {
    st.missingInterface = true;
    ctx.sink.fatal(pos, 'Non-existent interface specified in configuration', 'keepalived refuses to run a configuration naming an interface that does not exist (see dynamic_interfaces)');
  }
  return false;
}

/**
 * A notify-style script line: `KEYWORD "CMD ARGS" [USER [GROUP]]`. keepalived takes the command
 * from the first word only (quote it to pass arguments); further words are the user and group.
 */
export function notifyScript(s: Stmt, ctx: BuildContext, role: string): ScriptRef | undefined {
  const w = s.args[0];
  if (!w) {
    ctx.sink.error(s.pos, `'${s.keyword}' is missing its script`);
    return undefined;
  }
  const argv = splitCommand(w.text);
  if (!argv.length) {
    ctx.sink.error(w.pos, `'${s.keyword}': empty script`);
    return undefined;
  }
  if (s.args.length > 3) ctx.sink.error(s.args[3].pos, `'${s.keyword}': extra parameter '${s.args[3].text}'`, 'syntax: KEYWORD "command args" [user [group]]');
  return { command: w.text, argv, user: s.args[1]?.text, group: s.args[2]?.text, role, pos: s.pos };
}

/** Hint for a script line whose arguments were not quoted (the second word becomes the user). */
export function unquotedArgsHint(s: Stmt): string | undefined {
  const w = s.args[0];
  if (w && !w.quoted && s.args.length >= 2 && s.args[1].text.startsWith('-')) {
    return `quote the command to pass arguments: ${s.keyword} "${s.args.map((a) => a.text).join(' ')}"`;
  }
  return undefined;
}

/** Record a tracked-object reference keepalived could not resolve (it is ignored). */
export function pendingTrack(config: KeepalivedConfig, kind: 'script' | 'file' | 'process' | 'bfd', name: string, owner: string, pos: Position): void {
  vrrpParseState(config).unresolvedTrack.push({ kind, name, owner, pos });
}
