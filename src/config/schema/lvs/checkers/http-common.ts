// What HTTP_GET and SSL_GET share (keepalived installs one table for both): the checker-level
// keywords (http_protocol, virtualhost, enable_sni, fast_recovery, deprecated nb_get_retry) and
// the `url { }` block (path, digest, status_code, virtualhost, regex*).
import type { HttpCheck, HttpProtocolVersion, HttpRegex, HttpUrl, RealServer, VirtualServer } from '../../../model/lvs.js';
import type { Position } from '../../../issues.js';
import type { Stmt } from '../../../syntax.js';
import { applyBlock, blockKeyword, type BuildContext, type KeywordSpec, type KeywordTable, type SchemaRegistry } from '../../types.js';
import type { RsDraft } from '../drafts.js';
import { needArg, parseUnsigned, quotedEscapedArgs, readOptionalBool, UINT_MAX } from '../read.js';
import { connectionKeywords, connectionUsable, newConnChecker, resolveConn, resolvePolled, timingKeywords, type ConnCheckerDraft } from './common.js';

const STATUS_MIN = 100;
const STATUS_MAX = 599;

/** PCRE2 options regex_options accepts (unknown words are silently ignored by keepalived). */
export const REGEX_OPTIONS = [
  'allow_empty_class', 'alt_bsux', 'auto_callout', 'caseless', 'dollar_endonly', 'dotall', 'dupnames', 'extended',
  'firstline', 'match_unset_backref', 'multiline', 'never_ucp', 'never_utf', 'no_auto_capture', 'no_auto_possess',
  'no_dotstar_anchor', 'no_start_optimize', 'ucp', 'ungreedy', 'utf', 'never_backslash_c', 'alt_circumflex',
  'alt_verbnames', 'use_offset_limit',
] as const;

interface UrlDraft {
  pos: Position;
  path?: string;
  digest?: string;
  status: Set<number>;
  virtualhost?: string;
  regex?: string;
  regexOptions: string[];
  noMatch: boolean;
  minOffset: number;
  maxOffset: number;
  stack?: { start: number; max: number };
}

export interface HttpDraft extends ConnCheckerDraft {
  kind: 'HTTP_GET' | 'SSL_GET';
  httpProtocol: HttpProtocolVersion;
  virtualhost?: string;
  enableSni: boolean;
  fastRecovery: boolean;
  urls: UrlDraft[];
}

function offsetValue(s: Stmt, ctx: BuildContext, type: string): number | undefined {
  if (s.args.length !== 1) {
    ctx.sink.notice(s.pos, `Missing or too may options for regex_${type}_offset - keepalived ignores it`);
    return 0;
  }
  if (!/^\d+$/.test(s.args[0].text)) {
    ctx.sink.notice(s.args[0].pos, `Invalid regex_${type}_offset ${s.args[0].text} specified - keepalived ignores it`);
    return 0;
  }
  return Number(s.args[0].text);
}

function urlTable(): KeywordTable<UrlDraft> {
  return {
    path: (s, u, ctx) => {
      const w = needArg(s, ctx);
      if (w) u.path = w.text;
    },
    digest: (s, u, ctx) => {
      const w = needArg(s, ctx);
      if (!w) return;
      const d = w.text;
      if (u.digest !== undefined) return ctx.sink.error(w.pos, `Digest '${d}' is a duplicate`);
      if (d.length !== 32) return ctx.sink.error(w.pos, `digest '${d}' character length should be 32 rather than ${d.length}`);
      for (let i = 15; i >= 0; i--) {
        if (!/^[0-9a-fA-F]{2}$/.test(d.slice(2 * i, 2 * i + 2))) {
          return ctx.sink.error(w.pos, `Unable to interpret hex digit in '${d}' at offset ${2 * i}/${2 * i + 1}`);
        }
      }
      u.digest = d.toLowerCase();
    },
    status_code: (s, u, ctx) => {
      for (const a of s.args) {
        const m = /^(\d*)(?:-(\d*))?$/.exec(a.text);
        const min = m ? Number(m[1] || 0) : NaN;
        const max = m ? (m[2] !== undefined ? Number(m[2] || 0) : min) : NaN;
        if (!m || min < STATUS_MIN || min > STATUS_MAX || max < STATUS_MIN || max > STATUS_MAX || min > max) {
          ctx.sink.error(a.pos, `Invalid HTTP_GET status code '${a.text}'`, `a code or range within ${STATUS_MIN}-${STATUS_MAX}`);
          continue;
        }
        for (let c = min; c <= max; c++) u.status.add(c);
      }
    },
    virtualhost: (s, u, ctx) => {
      if (!s.args[0]) return ctx.sink.error(s.pos, 'Missing HTTP_GET virtualhost name');
      u.virtualhost = s.args[0].text;
    },
    regex: (s, u, ctx) => {
      const words = quotedEscapedArgs(s);
      if (!words || words.length !== 1) {
        ctx.sink.notice(s.pos, 'regex missing or too many fields - keepalived ignores it', 'quote the pattern');
        return;
      }
      u.regex = words[0];
    },
    regex_no_match: (_s, u) => {
      u.noMatch = true;
    },
    regex_options: (s, u) => {
      for (const a of s.args) {
        if ((REGEX_OPTIONS as readonly string[]).includes(a.text) && !u.regexOptions.includes(a.text)) u.regexOptions.push(a.text);
      }
    },
    regex_min_offset: (s, u, ctx) => {
      u.minOffset = offsetValue(s, ctx, 'min') ?? 0;
    },
    regex_max_offset: (s, u, ctx) => {
      // Stored one beyond the last acceptable position, as keepalived does.
      u.maxOffset = (offsetValue(s, ctx, 'max') ?? 0) + 1;
    },
    regex_stack: (s, u, ctx) => {
      if (s.args.length !== 2) return ctx.sink.notice(s.pos, 'regex_stack requires start and max values - keepalived ignores it');
      const [a, b] = s.args;
      if (!/^\d+$/.test(a.text)) return ctx.sink.notice(a.pos, 'regex_stack invalid start value - keepalived ignores it');
      if (!/^\d+$/.test(b.text)) return ctx.sink.notice(b.pos, 'regex_stack invalid max value - keepalived ignores it');
      if (Number(a.text) > Number(b.text)) return ctx.sink.notice(s.pos, 'regex stack start cannot exceed max value - keepalived ignores it');
      u.stack = { start: Number(a.text), max: Number(b.text) };
    },
  };
}

/** keepalived's url_check at the end of a url block; false = the url is dropped. */
function finishUrl(u: UrlDraft, ctx: BuildContext): boolean {
  if (u.path === undefined) {
    ctx.sink.error(u.pos, 'HTTP/SSL_GET checker url has no path - ignoring');
    return false;
  }
  if (u.status.size === 0) for (let c = 200; c <= 299; c++) u.status.add(c);
  if (u.regex === undefined && (u.regexOptions.length || u.noMatch || u.minOffset || u.maxOffset || u.stack)) {
    ctx.sink.notice(u.pos, 'regex parameters specified without regex - keepalived ignores them');
    u.regexOptions = [];
    u.noMatch = false;
    u.minOffset = u.maxOffset = 0;
    u.stack = undefined;
  }
  if (u.maxOffset && u.minOffset >= u.maxOffset) {
    ctx.sink.notice(u.pos, `regex min offset ${u.minOffset} > regex_max_offset ${u.maxOffset - 1} - keepalived ignores both`);
    u.minOffset = u.maxOffset = 0;
  }
  return true;
}

function statusRanges(codes: Set<number>): Array<[number, number]> {
  const sorted = [...codes].sort((a, b) => a - b);
  const out: Array<[number, number]> = [];
  for (const c of sorted) {
    const last = out[out.length - 1];
    if (last && last[1] === c - 1) last[1] = c;
    else out.push([c, c]);
  }
  return out;
}

function httpTable(registry: SchemaRegistry): KeywordTable<HttpDraft> {
  const urls = registry.register<UrlDraft>('url', urlTable());
  return {
    ...connectionKeywords<HttpDraft>(),
    ...timingKeywords<HttpDraft>(),
    nb_get_retry: (s, d, ctx) => {
      ctx.sink.warning(s.pos, "nb_get_retry is deprecated - please use 'retry'");
      const w = needArg(s, ctx);
      if (!w) return;
      const r = parseUnsigned(w.text, 0, UINT_MAX);
      if (!r.ok) return ctx.sink.error(w.pos, `Invalid nb_get_retry value '${w.text}'`, r.reason);
      d.retry = r.value;
    },
    virtualhost: (s, d, ctx) => {
      if (!s.args[0]) return ctx.sink.error(s.pos, 'HTTP_GET virtualhost name missing');
      d.virtualhost = s.args[0].text;
    },
    http_protocol: (s, d, ctx) => {
      const w = s.args[0];
      if (!w) return ctx.sink.error(s.pos, 'Missing http_protocol version');
      if (w.text === '1.0') d.httpProtocol = '1.0';
      else if (w.text === '1.1') d.httpProtocol = '1.1';
      else if (w.text === '1.0C' || w.text === '1.0c') d.httpProtocol = '1.0C';
      else ctx.sink.error(w.pos, `Invalid http_protocol version ${w.text}`, '1.0, 1.0C or 1.1');
    },
    enable_sni: (s, d, ctx) => {
      const v = readOptionalBool(s, ctx, (t) => `Invalid enable_sni parameter ${t}`);
      if (v !== undefined) d.enableSni = v;
    },
    fast_recovery: (s, d, ctx) => {
      const v = readOptionalBool(s, ctx, (t) => `Invalid fast_recovery parameter ${t}`);
      if (v !== undefined) d.fastRecovery = v;
    },
    url: blockKeyword((s, d, ctx) => {
      const u: UrlDraft = { pos: s.pos, status: new Set(), regexOptions: [], noMatch: false, minOffset: 0, maxOffset: 0 };
      applyBlock(s.block, urls, u, ctx, 'url');
      if (finishUrl(u, ctx)) d.urls.push(u);
    }),
  };
}

function resolveUrl(u: UrlDraft, d: HttpDraft, rs: RealServer, vs: VirtualServer): HttpUrl {
  const effectiveVirtualhost = u.virtualhost ?? d.virtualhost ?? rs.virtualhost ?? vs.virtualhost;
  const sniName = d.enableSni ? u.virtualhost ?? d.virtualhost ?? vs.virtualhost : undefined;
  const regex: HttpRegex | undefined =
    u.regex === undefined
      ? undefined
      : {
          pattern: u.regex,
          options: u.regexOptions,
          noMatch: u.noMatch,
          minOffset: u.minOffset,
          maxOffset: u.maxOffset,
          ...(u.stack ? { stack: u.stack } : {}),
        };
  return {
    pos: u.pos,
    path: u.path!,
    ...(u.digest !== undefined ? { digest: u.digest } : {}),
    statusCodes: statusRanges(u.status),
    ...(u.virtualhost !== undefined ? { virtualhost: u.virtualhost } : {}),
    ...(effectiveVirtualhost !== undefined ? { effectiveVirtualhost } : {}),
    ...(sniName !== undefined ? { sniName } : {}),
    ...(regex ? { regex } : {}),
  };
}

export function httpLikeKeyword(registry: SchemaRegistry, kind: 'HTTP_GET' | 'SSL_GET'): KeywordSpec<RsDraft> {
  const table = registry.register<HttpDraft>(kind, httpTable(registry));
  return blockKeyword((s, rs, ctx) => {
    const d: HttpDraft = { ...newConnChecker(s, rs, 1, 3), kind, httpProtocol: '1.0', enableSni: false, fastRecovery: false, urls: [] };
    applyBlock(s.block, table, d, ctx, kind);
    if (d.urls.length === 0) {
      // keepalived 2.2.7 then touches the freed checker: `keepalived -t` crashed here (rc 139).
      ctx.sink.error(s.pos, 'HTTP/SSL_GET checker has no urls specified - ignoring', 'keepalived 2.2.7 crashes (SIGSEGV) on a checker without url { path ... }');
      return;
    }
    if (!connectionUsable(d.conn, ctx, s.pos)) return;
    rs.checkers.push({
      kind,
      pos: s.pos,
      resolve: (r, vs): HttpCheck => ({
        kind,
        ...resolvePolled(d, r),
        connection: resolveConn(d.conn, r),
        httpProtocol: d.httpProtocol,
        ...(d.virtualhost !== undefined ? { virtualhost: d.virtualhost } : {}),
        enableSni: d.enableSni,
        fastRecovery: d.fastRecovery,
        urls: d.urls.map((u) => resolveUrl(u, d, r, vs)),
      }),
    });
  });
}
