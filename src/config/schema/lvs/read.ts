// Argument readers with keepalived 2.2.7's exact acceptance rules for the checker-side keywords
// (strtoul-style unsigned numbers, <TIMER> decimals with 6 places, case-sensitive booleans,
// `ip[-range|/mask] [port]` addresses). Each failure is one positioned diagnostic whose text is
// keepalived's handler message, with the number parser's reason in brackets.
import type { Position } from '../../issues.js';
import type { Stmt, Word } from '../../syntax.js';
import type { BuildContext } from '../types.js';
import { parseIp, type Family, type IpAddress } from '../../../lib/ip.js';

export const UINT_MAX = 4294967295;
/** IPVS_WEIGHT_LIMIT (INT_MAX). */
export const WEIGHT_LIMIT = 2147483647;
/** keepalived's TIMER_MAXIMUM, in µs. */
const TIMER_MAX_US = 18446744073709551614n;

export function argPos(s: Stmt, i: number): Position {
  return s.args[i]?.pos ?? s.args[s.args.length - 1]?.pos ?? s.pos;
}

/**
 * The argument keepalived reads unconditionally. When it is missing keepalived stops parsing at
 * once (`keepalived -t` exits 2): reported with that exit code and keepalived's text.
 */
export function needArg(s: Stmt, ctx: BuildContext, i = 0): Word | undefined {
  const w = s.args[i];
  if (w) return w;
  const after = i === 0 ? s.keyword : s.args[i - 1]?.text ?? s.keyword;
  ctx.sink.add(
    'error',
    argPos(s, i),
    `*** Configuration line starting \`${s.keyword}\` is missing a parameter after keyword \`${after}\` at word position ${i + 2}`,
    { hint: 'keepalived stops reading the configuration here', exitCode: 2 },
  );
  return undefined;
}

type NumResult = { ok: true; value: number } | { ok: false; reason: string; value?: number };

/** keepalived's read_unsigned: leading blanks, optional '+', decimal digits, range check. */
export function parseUnsigned(text: string, min: number, max: number): NumResult {
  const t = text.replace(/^[ \t\n\r\f\v]+/, '');
  if (t.startsWith('-')) return { ok: false, reason: `negative number '${text}'` };
  const m = /^\+?(\d*)/.exec(t)!;
  if (m[0].length !== t.length) return { ok: false, reason: `invalid number '${text}'` };
  const v = m[1] === '' ? 0 : Number(m[1]);
  if (v > UINT_MAX) return { ok: false, reason: `number '${text}' outside unsigned integer range` };
  if (v < min || v > max) return { ok: false, reason: `number '${text}' outside range [${min}, ${max}]` };
  return { ok: true, value: v };
}

/** keepalived's read_int (strtol, base 10). */
export function parseSigned(text: string, min: number, max: number): NumResult {
  const m = /^[ \t\n\r\f\v]*([-+]?)(\d*)/.exec(text)!;
  if (m[0].length !== text.length) return { ok: false, reason: `invalid number '${text}'` };
  const v = (m[2] === '' ? 0 : Number(m[2])) * (m[1] === '-' ? -1 : 1);
  if (v < -2147483648 || v > 2147483647) return { ok: false, reason: `number '${text}' outside integer range` };
  if (v < min || v > max) return { ok: false, reason: `number '${text}' outside range [${min}, ${max}]` };
  return { ok: true, value: v };
}

/**
 * keepalived's read_timer: a decimal number of seconds with up to 6 places, returned in seconds.
 * Too many places is reported but the rounded value is still used (as keepalived does).
 */
export function parseTimer(text: string, minUs: number, maxUs?: number): NumResult {
  if (text.startsWith('-')) return { ok: false, reason: `negative number '${text}'` };
  const dot = text.indexOf('.');
  const intPart = dot < 0 ? text : text.slice(0, dot);
  let frac = dot < 0 ? '' : text.slice(dot + 1);
  let roundUp = false;
  let tooMany = false;
  if (frac.length > 6) {
    tooMany = true;
    roundUp = frac[6] >= '5';
    frac = frac.slice(0, 6);
  }
  const digits = (intPart + frac.padEnd(6, '0')).replace(/^[ \t]+/, '');
  if (!/^\+?\d*$/.test(digits)) return { ok: false, reason: `invalid number '${text}'` };
  const us = BigInt(digits.replace('+', '') || '0') + (roundUp ? 1n : 0n);
  if (us > 18446744073709551615n) return { ok: false, reason: `number '${text}' outside unsigned decimal range` };
  const max = maxUs === undefined ? TIMER_MAX_US : BigInt(maxUs);
  if (us < BigInt(minUs) || us > max) {
    return { ok: false, reason: `number '${text}' outside range [${fmtUs(BigInt(minUs))}, ${fmtUs(max)}]` };
  }
  const value = Number(us) / 1e6;
  if (tooMany) return { ok: false, reason: `number '${text}' has too many decimal places`, value };
  return { ok: true, value };
}

function fmtUs(us: bigint): string {
  return `${us / 1000000n}.${(us % 1000000n).toString().padStart(6, '0')}`;
}

/**
 * Report a number problem: keepalived's handler message, with the parser's reason as hint.
 * Returns the value to use (keepalived keeps a rounded timer despite "too many decimal places").
 */
export function numberOrReport(r: NumResult, ctx: BuildContext, at: Position, message: string): number | undefined {
  if (r.ok) return r.value;
  if (r.value !== undefined) {
    ctx.sink.error(at, r.reason);
    return r.value;
  }
  ctx.sink.error(at, message, r.reason);
  return undefined;
}

/** An unsigned argument read unconditionally (missing → fatal). */
export function readUnsignedArg(s: Stmt, ctx: BuildContext, i: number, min: number, max: number, message: (t: string) => string): number | undefined {
  const w = needArg(s, ctx, i);
  if (!w) return undefined;
  return numberOrReport(parseUnsigned(w.text, min, max), ctx, w.pos, message(w.text));
}

/** A <TIMER> argument read unconditionally (missing → fatal). `maxUs` undefined = keepalived's maximum. */
export function readTimerArg(s: Stmt, ctx: BuildContext, i: number, minUs: number, maxUs: number | undefined, message: (t: string) => string): number | undefined {
  const w = needArg(s, ctx, i);
  if (!w) return undefined;
  return numberOrReport(parseTimer(w.text, minUs, maxUs), ctx, w.pos, message(w.text));
}

/** keepalived's check_true_false: exact lower-case words. */
export function parseBool(text: string): boolean | undefined {
  if (text === 'true' || text === 'on' || text === 'yes') return true;
  if (text === 'false' || text === 'off' || text === 'no') return false;
  return undefined;
}

/** An optional <BOOL> (no argument = true); an invalid word keeps the old value. */
export function readOptionalBool(s: Stmt, ctx: BuildContext, message: (t: string) => string): boolean | undefined {
  const w = s.args[0];
  if (!w) return true;
  const b = parseBool(w.text);
  if (b === undefined) ctx.sink.error(w.pos, message(w.text));
  return b;
}

/** A keyword keepalived takes without arguments; an argument is ignored, which can invert intent. */
export function flagIgnoringArgs(s: Stmt, ctx: BuildContext): true {
  const w = s.args[0];
  if (w && parseBool(w.text) === false) {
    ctx.sink.extra('warning', w.pos, `'${s.keyword}' takes no argument here: keepalived ignores '${w.text}' and turns '${s.keyword}' ON`, `remove the line to keep '${s.keyword}' off`);
  }
  return true;
}

/** An address as keepalived's inet_stosockaddr reads it: family by ':', any `-range` or `/mask` suffix dropped. */
export function parseServerAddress(text: string): { address: IpAddress; suffix: string } | undefined {
  const cut = text.search(/[-/]/);
  const ipText = cut < 0 ? text : text.slice(0, cut);
  const family: Family = text.includes(':') ? 6 : 4;
  const a = parseIp(ipText);
  if (!a || a.family !== family || ipText.includes('%')) return undefined;
  return { address: a, suffix: cut < 0 ? '' : text.slice(cut) };
}

/**
 * `IP [PORT]` of a virtual/real/sorry server. A port of only zeros counts as none (keepalived
 * ≥ 2.0.7). Returns the reason when keepalived would skip the server.
 */
export function parseServerEndpoint(
  ctx: BuildContext,
  ipWord: Word,
  portWord: Word | undefined,
): { address: IpAddress; port: number } | { error: string } {
  let port = 0;
  if (portWord && /[^0]/.test(portWord.text)) {
    const r = parseUnsigned(portWord.text, 1, 65535);
    if (!r.ok) return { error: r.reason };
    port = r.value;
  }
  const a = parseServerAddress(ipWord.text);
  if (!a) return { error: `'${ipWord.text}' is not a valid IP address` };
  if (a.suffix) {
    ctx.sink.extra('warning', ipWord.pos, `'${ipWord.text}': keepalived ignores '${a.suffix}' and uses the single address ${a.address.text}`);
  }
  return { address: a.address, port };
}

/** An IPv4 address in inet_aton's liberal syntax (1-4 parts, octal/hex parts), as getaddrinfo reads a numeric host. */
export function parseInetAton(text: string): IpAddress | undefined {
  const parts = text.split('.');
  if (parts.length < 1 || parts.length > 4) return undefined;
  const nums: number[] = [];
  for (const p of parts) {
    let v: number;
    if (/^0[xX][0-9a-fA-F]*$/.test(p)) v = p.length === 2 ? 0 : parseInt(p.slice(2), 16);
    else if (/^0[0-7]*$/.test(p)) v = parseInt(p, 8);
    else if (/^[1-9]\d*$/.test(p)) v = Number(p);
    else return undefined;
    nums.push(v);
  }
  let n = 0;
  for (let i = 0; i < nums.length - 1; i++) {
    if (nums[i] > 255) return undefined;
    n = n * 256 + nums[i];
  }
  const restBytes = 4 - (nums.length - 1);
  const last = nums[nums.length - 1];
  if (last >= 2 ** (8 * restBytes)) return undefined;
  n = n * 2 ** (8 * restBytes) + last;
  const bytes = Uint8Array.from([(n / 2 ** 24) & 0xff, (n / 2 ** 16) & 0xff, (n / 2 ** 8) & 0xff, n & 0xff]);
  return { family: 4, bytes, text: bytes.join('.') };
}

/**
 * keepalived's alloc_strvec_quoted_escaped: words separated by blanks; '…' and "…" group;
 * backslash escapes (\n \t \xHH \0oo \cX, anything else stands for itself). Returns undefined
 * on an unterminated quote or a trailing backslash (keepalived then ignores the line).
 */
export function splitQuotedEscaped(src: string): string[] | undefined {
  const out: string[] = [];
  let i = 0;
  const n = src.length;
  const blank = (c: string) => c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f' || c === '\v';
  while (i < n) {
    while (i < n && blank(src[i])) i++;
    if (i >= n) break;
    let cur = '';
    let quote = '';
    for (;;) {
      if (i >= n) {
        if (quote) return undefined;
        break;
      }
      const c = src[i];
      if (c === '\\') {
        i++;
        if (i >= n) return undefined;
        const e = src[i];
        if (e === 'x' && /[0-9a-fA-F]/.test(src[i + 1] ?? '')) {
          let v = 0;
          i++;
          while (i < n && /[0-9a-fA-F]/.test(src[i])) v = ((v << 4) | parseInt(src[i++], 16)) & 0xff;
          cur += String.fromCharCode(v);
        } else if (e === 'c' && i + 1 < n) {
          cur += String.fromCharCode(src.charCodeAt(i + 1) & 0x1f);
          i += 2;
        } else if (e >= '0' && e <= '7') {
          let v = 0;
          for (let k = 0; k < 3 && i < n && src[i] >= '0' && src[i] <= '7'; k++) v = ((v << 3) + Number(src[i++])) & 0xff;
          cur += String.fromCharCode(v);
        } else {
          const map: Record<string, string> = { a: '\x07', b: '\b', E: '\x1b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v' };
          cur += map[e] ?? e;
          i++;
        }
        continue;
      }
      if (quote) {
        if (c === quote) quote = '';
        else cur += c;
        i++;
        continue;
      }
      if (c === '"' || c === "'") {
        quote = c;
        i++;
        continue;
      }
      if (blank(c)) break;
      cur += c;
      i++;
    }
    out.push(cur);
  }
  return out;
}

/** A statement's arguments re-read the way keepalived re-reads script and regex lines. */
export function quotedEscapedArgs(s: Stmt): string[] | undefined {
  return splitQuotedEscaped(s.args.map((a) => a.raw).join(' '));
}
