// Line preprocessing as keepalived 2.2.7 does it, before any keyword is looked at:
// comments, `@id`/`@^id` conditional lines, `$NAME=value` definitions (multi-line with `\`),
// `$NAME`/`${NAME}` expansion, `~SEQ(...)`/`~LST(...)` repetition and `include` with globs.
// Pure: files are read through an injected SourceHost, so it is tested without a disk.
import type { DiagnosticSink, Position } from './issues.js';
import { type SourceLine, makeLine, sliceLine, spliceLine, colAt, lineAt, appendLine } from './source-line.js';

export interface SourceHost {
  /** File text, or undefined when it cannot be read. */
  readFile(path: string): string | undefined;
  /** Absolute paths matching an absolute glob pattern (with `{a,b}` braces), sorted. */
  glob(pattern: string): string[];
  /** Directory part of a path. */
  dirname(path: string): string;
  /** Whether `path` is absolute. */
  isAbsolute(path: string): boolean;
  /** Join a directory and a relative path. */
  join(dir: string, rel: string): string;
}

export interface PreprocessOptions {
  /** `-i/--config-id`; keepalived's default is the host name up to the first dot. */
  configId: string;
  /** `-e/--all-config`: a missing configuration file makes the configuration unusable. */
  allConfig?: boolean;
  /** Source of `${_RANDOM}` values, for reproducible tests. */
  random?: () => number;
}

export interface PreprocessResult {
  lines: SourceLine[];
  /** Every file read, in order. */
  files: string[];
}

interface Definition {
  value: string;
  /** Lines of a multi-line definition; a single element otherwise. */
  lines: string[];
  multiline: boolean;
}

const MAX_EXPANSIONS = 64;
const MAX_INCLUDE_DEPTH = 32;
const MAX_SEQ_ITEMS = 100_000;
/** Expanded lines longer than this are refused (keepalived refuses lines over its buffer size too). */
const MAX_LINE = 65_536;
/** Bound on the preprocessed output, against nested ~SEQ blow-ups. */
const MAX_OUTPUT_LINES = 2_000_000;

export function preprocess(rootPath: string, host: SourceHost, opts: PreprocessOptions, sink: DiagnosticSink): PreprocessResult {
  const defs = new Map<string, Definition>();
  const out: SourceLine[] = [];
  const files: string[] = [];
  const includeStack: string[] = [];
  const random = opts.random ?? Math.random;
  let collecting: { name: string; def: Definition } | undefined;

  const pos = (l: SourceLine, i = 0): Position => ({ file: l.file, line: l.line, col: colAt(l, i) });

  function builtin(name: string, args: string[], l: SourceLine): string | undefined {
    switch (name) {
      case '_PWD': return host.dirname(l.file);
      case '_INSTANCE': return opts.configId;
      case '_HASH': return '#';
      case '_BANG': return '!';
      case '_RANDOM': {
        const min = args.length >= 2 ? Number(args[0]) : 0;
        const max = args.length >= 2 ? Number(args[1]) : args.length === 1 ? Number(args[0]) : 32767;
        return String(min + Math.floor(random() * (max - min + 1)));
      }
      default: return undefined;
    }
  }

  function readFileLines(path: string, at: Position | undefined): void {
    if (includeStack.includes(path)) {
      sink.error(at ?? { file: path, line: 1, col: 1 }, `circular include of '${path}' (${[...includeStack, path].join(' -> ')})`);
      return;
    }
    if (includeStack.length >= MAX_INCLUDE_DEPTH) {
      sink.error(at ?? { file: path, line: 1, col: 1 }, `includes nested deeper than ${MAX_INCLUDE_DEPTH}`);
      return;
    }
    const text = host.readFile(path);
    if (text === undefined) {
      const where = at ?? { file: path, line: 1, col: 1 };
      if (opts.allConfig || !at) {
        // keepalived: a missing file is only fatal with -e (and rc stays 0 without it)
        if (opts.allConfig) sink.fatal(where, `Config files missing '${path}'`);
        else sink.notice(where, `Config files missing '${path}'`);
      } else {
        sink.notice(where, `include: cannot read '${path}' (keepalived skips it silently)`);
      }
      return;
    }
    files.push(path);
    includeStack.push(path);
    const raw = text.split('\n');
    for (let i = 0; i < raw.length; i++) {
      let t = raw[i];
      if (t.endsWith('\r')) t = t.slice(0, -1);
      physicalLine(makeLine(t, path, i + 1));
    }
    if (collecting) finishDefinition();
    includeStack.pop();
  }

  function finishDefinition(): void {
    if (!collecting) return;
    const { def } = collecting;
    if (def.lines.length === 1 && def.lines[0] === '') def.multiline = false;
    def.value = def.lines.join('\n');
    collecting = undefined;
  }

  function physicalLine(l: SourceLine): void {
    const d = decomment(l);
    if (collecting) {
      const t = d.text;
      if (t.length === 0) { finishDefinition(); return; }
      if (t.endsWith('\\')) {
        const body = t.slice(0, -1).trimEnd();
        if (body.length) collecting.def.lines.push(body);
      } else {
        collecting.def.lines.push(t);
        finishDefinition();
      }
      return;
    }
    if (d.text.length === 0) return;
    logicalLine(d, 0);
  }

  /** Strip leading/trailing blanks and comments; unescape `\#` and `\!` outside quotes. */
  function decomment(l: SourceLine): SourceLine {
    let cur = l;
    const lead = cur.text.length - cur.text.replace(/^[ \t]+/, '').length;
    if (lead) cur = sliceLine(cur, lead);
    let quote = false;
    let cut = -1;
    let cont = false;
    for (let i = 0; i < cur.text.length; i++) {
      const c = cur.text[i];
      if (c === '"') { quote = !quote; continue; }
      if (c === '\\') {
        if (i + 1 >= cur.text.length) { cont = true; cur = sliceLine(cur, 0, i); break; }
        if (!quote && (cur.text[i + 1] === '#' || cur.text[i + 1] === '!')) {
          cur = spliceLine(cur, i, i + 1, '');
          continue;
        }
        i++;
        continue;
      }
      if (!quote && (c === '#' || c === '!')) { cut = i; break; }
    }
    if (cut >= 0) cur = sliceLine(cur, 0, cut);
    else if (quote) sink.error(pos(l, l.text.indexOf('"')), 'unterminated quote');
    const trail = cur.text.length - cur.text.replace(/[ \t]+$/, '').length;
    if (trail) cur = sliceLine(cur, 0, cur.text.length - trail);
    if (cont) cur = appendLine(cur, '\\');
    return cur;
  }

  function logicalLine(start: SourceLine, depth: number): void {
    let l = start;
    for (let round = 0; ; round++) {
      if (round > MAX_EXPANSIONS) {
        sink.error(pos(start), 'macro expansion does not terminate (recursive $definition?)');
        return;
      }
      if (l.text.startsWith('@')) {
        const rev = l.text[1] === '^';
        const ofs = rev ? 2 : 1;
        const m = /[ \t]/.exec(l.text.slice(ofs));
        if (!m) return; // nothing after the id: keepalived drops the line
        const id = l.text.slice(ofs, ofs + m.index);
        if ((id === opts.configId) === rev) return;
        let restAt = ofs + m.index;
        while (restAt < l.text.length && (l.text[restAt] === ' ' || l.text[restAt] === '\t')) restAt++;
        l = sliceLine(l, restAt);
      }
      if (l.text.startsWith('$') && defineFrom(l)) return;
      if (l.text.startsWith('~SEQ') || l.text.startsWith('~LST')) {
        repeat(l, depth);
        return;
      }
      if (l.text.startsWith('~')) break;
      if (!l.text.includes('$')) break;
      const r = expand(l);
      if (!r) break;
      l = decomment(r.line);
      if (r.more.length) {
        // A multi-line definition: its first line replaces the reference, the rest follow.
        emitOrInclude(l, depth);
        for (const extra of r.more) {
          const d = decomment(lineAt(extra, l, colAt(l, 0)));
          if (d.text.length) logicalLine(d, depth + 1);
        }
        return;
      }
      if (!(l.text.startsWith('@') || l.text.includes('$'))) break;
    }
    emitOrInclude(l, depth);
  }

  function emitOrInclude(l: SourceLine, _depth: number): void {
    if (l.text.length === 0) return;
    const m = /^include([rmwba])?[ \t]+(.*)$/.exec(l.text);
    if (m) {
      include(l, m[2].trim(), m[1]);
      return;
    }
    if (out.length >= MAX_OUTPUT_LINES) {
      if (out.length === MAX_OUTPUT_LINES) sink.error(pos(l), `configuration expands to more than ${MAX_OUTPUT_LINES} lines; the rest is ignored`);
      out.length = MAX_OUTPUT_LINES + 1;
      return;
    }
    out.push(l);
  }

  function include(l: SourceLine, spec: string, strictness: string | undefined): void {
    const at = pos(l, l.text.indexOf(spec));
    const pattern = host.isAbsolute(spec) ? spec : host.join(host.dirname(l.file), spec);
    const matches = host.glob(pattern);
    if (matches.length === 0) {
      const wild = /[*?[{]/.test(spec);
      // keepalived with -e stops at once with its "no config" status (6) when an include is missing.
      if (opts.allConfig) sink.add('fatal', at, `Config files missing '${spec}'`, { exitCode: 6 });
      else if (strictness && strictness !== 'r') sink.fatal(at, `${wild ? 'No config files matched' : 'Config files missing'} '${spec}'`);
      else sink.notice(at, `${wild ? 'no config files matched' : 'config file missing'} '${spec}' (skipped, as keepalived does)`);
      return;
    }
    for (const f of matches) readFileLines(f, at);
  }

  /** `$NAME=value` or `$NAME= \` starting a multi-line definition. */
  function defineFrom(l: SourceLine): boolean {
    const m = /^\$([A-Za-z_][A-Za-z0-9_]*)[ \t]*=[ \t]*(.*)$/.exec(l.text);
    if (!m) return false;
    const [, name, value] = m;
    if (value.endsWith('\\')) {
      const first = value.slice(0, -1).trimEnd();
      const def: Definition = { value: '', lines: first.length ? [first] : [], multiline: true };
      defs.set(name, def);
      collecting = { name, def };
    } else {
      defs.set(name, { value, lines: [value], multiline: false });
    }
    return true;
  }

  /** Replace every known `$NAME` / `${NAME}` once; undefined names stay as they are. */
  function expand(l: SourceLine): { line: SourceLine; more: string[] } | undefined {
    let cur = l;
    let changed = false;
    let more: string[] = [];
    let i = 0;
    while ((i = cur.text.indexOf('$', i)) >= 0 && i + 1 < cur.text.length) {
      const braces = cur.text[i + 1] === '{';
      const nameStart = i + (braces ? 2 : 1);
      const nm = /^[A-Za-z_][A-Za-z0-9_]*/.exec(cur.text.slice(nameStart));
      if (!nm) { i++; continue; }
      let end = nameStart + nm[0].length;
      let args: string[] = [];
      if (braces) {
        const close = cur.text.indexOf('}', end);
        if (close < 0) { i++; continue; }
        const inner = cur.text.slice(end, close);
        if (inner.length && !/^( +\d+)+$/.test(inner)) { i++; continue; }
        args = inner.trim().length ? inner.trim().split(/ +/) : [];
        end = close + 1;
      } else {
        const next = cur.text[end];
        if (next !== undefined && !' \t,)'.includes(next)) { i++; continue; }
      }
      const name = nm[0];
      const def = defs.get(name);
      let value: string | undefined;
      if (def) {
        if (def.multiline) {
          if (end !== cur.text.length) { i++; continue; } // multi-line only as the last thing on a line
          value = def.lines[0] ?? '';
          more = def.lines.slice(1);
        } else value = def.value;
      } else value = builtin(name, args, cur);
      if (value === undefined) { i++; continue; }
      if (cur.text.length - (end - i) + value.length > MAX_LINE) {
        sink.error(pos(l), `parameter substitution would make the line longer than ${MAX_LINE} characters`);
        return { line: sliceLine(cur, 0, 0), more: [] };
      }
      cur = spliceLine(cur, i, end, value);
      changed = true;
      i += value.length;
      if (more.length) break;
    }
    return changed ? { line: cur, more } : undefined;
  }

  /** `~SEQ(var, start, step, end) rest`, `~SEQx(...)`, `~LST(var, v1, v2, ...) rest`. */
  function repeat(l: SourceLine, depth: number): void {
    const isSeq = l.text.startsWith('~SEQ');
    const hex = isSeq && l.text[4] === 'x';
    const open = l.text.indexOf('(');
    const close = l.text.indexOf(')', open + 1);
    const kind = isSeq ? '~SEQ' : '~LST';
    if (open < 0 || close < 0 || l.text.slice(hex ? 5 : 4, open).trim() !== '') {
      sink.error(pos(l), `Invalid ${kind} specification '${l.text}'`);
      return;
    }
    const expandedParams = expand(sliceLine(l, open + 1, close));
    const params = (expandedParams ? expandedParams.line.text : l.text.slice(open + 1, close)).split(',').map((s) => s.trim());
    const rest = sliceLine(l, close + 1);
    const restTrim = decomment(rest);
    const name = params[0];
    if (!name || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
      sink.error(pos(l), `Invalid ${kind} specification '${l.text}'`);
      return;
    }
    let values: string[];
    if (isSeq) {
      const nums = params.slice(1).map((p) => (/^[-+]?(0x[0-9a-f]+|\d+)$/i.test(p) ? Number(p) : NaN));
      if (nums.length < 1 || nums.length > 3 || nums.some((n) => !Number.isFinite(n))) {
        sink.error(pos(l), `Invalid ~SEQ specification '${l.text}'`);
        return;
      }
      let start: number, step: number, end: number;
      if (nums.length === 1) { end = nums[0]; step = end < 1 ? -1 : 1; start = end < 0 ? -1 : 1; }
      else if (nums.length === 2) { [start, end] = nums; step = start <= end ? 1 : -1; }
      else {
        [start, step, end] = nums;
        if (!step || (start < end && step < 0) || (start > end && step > 0)) {
          sink.error(pos(l), `Invalid ~SEQ values '${l.text}'`);
          return;
        }
      }
      if (hex && (start < 0 || end < 0)) {
        sink.error(pos(l), `~SEQx is only valid for positive numbers '${l.text}'`);
        return;
      }
      const count = Math.floor((end - start) / step) + 1;
      if (count > MAX_SEQ_ITEMS) {
        sink.error(pos(l), `~SEQ would produce ${count} lines (limit ${MAX_SEQ_ITEMS})`);
        return;
      }
      values = [];
      for (let v = start; step > 0 ? v <= end : v >= end; v += step) values.push(hex ? v.toString(16) : String(v));
    } else {
      values = params.slice(1);
      if (values.length === 0 || values.some((v) => v.startsWith('{'))) {
        sink.error(pos(l), `Invalid ~LST specification '${l.text}'${values.some((v) => v.startsWith('{')) ? ' (tuple lists are not supported yet)' : ''}`);
        return;
      }
    }
    const saved = defs.get(name);
    for (const v of values) {
      defs.set(name, { value: v, lines: [v], multiline: false });
      if (restTrim.text.length) logicalLine(restTrim, depth + 1);
    }
    if (saved) defs.set(name, saved);
  }

  readFileLines(rootPath, undefined);
  if (out.length > MAX_OUTPUT_LINES) out.length = MAX_OUTPUT_LINES;
  return { lines: out, files };
}
