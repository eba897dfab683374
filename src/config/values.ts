// Typed readers of keyword arguments. Each reports a positioned diagnostic and returns undefined
// when the argument is missing or invalid, so a handler keeps the default and goes on.
import { parseIp, parsePrefix, type IpAddress, type IpPrefix } from '../lib/ip.js';
import type { BuildContext } from './schema/types.js';
import type { Stmt } from './syntax.js';

const BOOL_TRUE = new Set(['on', 'true', 'yes']);
const BOOL_FALSE = new Set(['off', 'false', 'no']);

function argPos(s: Stmt, i: number) {
  return s.args[i]?.pos ?? s.args[s.args.length - 1]?.pos ?? s.pos;
}

export function word(s: Stmt, i: number): string | undefined {
  return s.args[i]?.text;
}

/** The argument, or a "missing parameter" error. */
export function readWord(s: Stmt, ctx: BuildContext, i = 0, what?: string): string | undefined {
  const w = s.args[i];
  if (!w) {
    // keepalived stops parsing with exit status 2 here ("... is missing a parameter after keyword").
    ctx.sink.add('error', argPos(s, i), `'${s.keyword}' is missing ${what ?? 'a parameter'}`, { exitCode: 2 });
    return undefined;
  }
  return w.text;
}

/** Report arguments beyond `max` (keepalived mostly ignores them; we say so). */
export function noExtraArgs(s: Stmt, ctx: BuildContext, max: number): void {
  if (s.args.length > max) ctx.sink.warning(s.args[max].pos, `'${s.keyword}': extra parameter '${s.args[max].text}' ignored`);
}

export function readInt(s: Stmt, ctx: BuildContext, i: number, min: number, max: number, what?: string): number | undefined {
  const t = readWord(s, ctx, i, what);
  if (t === undefined) return undefined;
  if (!/^[-+]?\d+$/.test(t)) {
    ctx.sink.error(argPos(s, i), `'${s.keyword}': '${t}' is not a valid integer${rangeText(min, max)}`);
    return undefined;
  }
  const n = Number(t);
  if (n < min || n > max) {
    ctx.sink.error(argPos(s, i), `'${s.keyword}': ${t} is outside range [${min}, ${max}]`);
    return undefined;
  }
  return n;
}

/** A decimal number (fractions allowed), e.g. keepalived's <TIMER> in seconds. */
export function readDecimal(s: Stmt, ctx: BuildContext, i: number, min: number, max: number, what?: string): number | undefined {
  const t = readWord(s, ctx, i, what);
  if (t === undefined) return undefined;
  if (!/^[-+]?(\d+(\.\d*)?|\.\d+)$/.test(t)) {
    ctx.sink.error(argPos(s, i), `'${s.keyword}': '${t}' is not a valid number${rangeText(min, max)}`);
    return undefined;
  }
  const n = Number(t);
  if (n < min || n > max) {
    ctx.sink.error(argPos(s, i), `'${s.keyword}': ${t} is outside range [${min}, ${max}]`);
    return undefined;
  }
  return n;
}

/** keepalived <TIMER>: seconds with microsecond resolution. Returned in seconds. */
export function readTimer(s: Stmt, ctx: BuildContext, i = 0, min = 0, max = 2147483647 / 1e6 * 1e6): number | undefined {
  const v = readDecimal(s, ctx, i, min, max, 'a time in seconds');
  return v === undefined ? undefined : Math.round(v * 1e6) / 1e6;
}

/** keepalived <BOOL>: no argument means on. */
export function readBool(s: Stmt, ctx: BuildContext, i = 0): boolean | undefined {
  const t = word(s, i);
  if (t === undefined) return true;
  const l = t.toLowerCase();
  if (BOOL_TRUE.has(l)) return true;
  if (BOOL_FALSE.has(l)) return false;
  ctx.sink.error(argPos(s, i), `'${s.keyword}': '${t}' is not a valid boolean (on|off|true|false|yes|no)`);
  return undefined;
}

export function readEnum<E extends string>(s: Stmt, ctx: BuildContext, i: number, allowed: readonly E[], opts?: { caseInsensitive?: boolean }): E | undefined {
  const t = readWord(s, ctx, i);
  if (t === undefined) return undefined;
  const found = allowed.find((a) => (opts?.caseInsensitive ? a.toLowerCase() === t.toLowerCase() : a === t));
  if (!found) {
    ctx.sink.error(argPos(s, i), `'${s.keyword}': invalid value '${t}', expected one of ${allowed.join(', ')}`);
    return undefined;
  }
  return found;
}

export function readIp(s: Stmt, ctx: BuildContext, i: number, family?: 4 | 6): IpAddress | undefined {
  const t = readWord(s, ctx, i, 'an IP address');
  if (t === undefined) return undefined;
  const a = parseIp(t);
  if (!a || (family && a.family !== family)) {
    ctx.sink.error(argPos(s, i), `'${s.keyword}': '${t}' is not a valid ${family ? `IPv${family} ` : ''}address`);
    return undefined;
  }
  return a;
}

export function readPrefix(s: Stmt, ctx: BuildContext, i: number): IpPrefix | undefined {
  const t = readWord(s, ctx, i, 'an IP address');
  if (t === undefined) return undefined;
  const a = parsePrefix(t);
  if (!a) {
    ctx.sink.error(argPos(s, i), `'${s.keyword}': '${t}' is not a valid address[/prefix]`);
    return undefined;
  }
  return a;
}

export function readPort(s: Stmt, ctx: BuildContext, i: number): number | undefined {
  return readInt(s, ctx, i, 0, 65535, 'a port');
}

/** The arguments from `from` on, as written (quotes kept), joined by single spaces: script command lines. */
export function rawRest(s: Stmt, from = 0): string {
  return s.args.slice(from).map((a) => a.raw).join(' ');
}

/** Arguments from `from` on with quotes removed, joined by spaces. */
export function textRest(s: Stmt, from = 0): string {
  return s.args.slice(from).map((a) => a.text).join(' ');
}

function rangeText(min: number, max: number): string {
  return Number.isFinite(min) && Number.isFinite(max) ? ` in [${min}, ${max}]` : '';
}
