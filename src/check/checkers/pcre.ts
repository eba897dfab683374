// HTTP_GET/SSL_GET `regex`: keepalived compiles it with PCRE2 (8-bit, no UTF) and matches it against
// the raw body bytes. Here the pattern is rewritten into a JS RegExp that is run on the body decoded as
// latin1 (one char per byte, so offsets are byte offsets). The rewrite keeps PCRE2's meaning where JS
// differs by default:
//   - `.` excludes only \n (JS also excludes \r, U+2028/9); `$` also matches before a final \n;
//     `^`/`$` in multiline mode see only \n as a line end; `\s` is ASCII white space (JS adds U+00A0);
//   - `\A`, `\z`, `\Z`, `\h`, `\H`, `\R`, `\Q…\E`, `\e`, `\x{hh}`, `\g{n}`, `\k{name}`, `(?P<name>…)`,
//     `(?P=name)`, `(?#…)`, POSIX classes `[[:alpha:]]`, a leading `]` in a class, and leading
//     whole-pattern option settings like `(?i)` are translated;
//   - regex_options: caseless, multiline, dotall, dollar_endonly, extended, ungreedy, no_auto_capture
//     and firstline are honoured; the rest (allow_empty_class aside) only tune PCRE2's optimiser or
//     syntax checks and change nothing here; utf/ucp are ignored (bytes are matched, not characters).
// What JS cannot express is refused with an error (the checker then fails): possessive quantifiers,
// atomic groups, scoped option groups `(?i:…)`, recursion, `\G`, `\K`, branch reset, callouts, `\p`.
// Known residual differences: caseless also folds latin1 letters (PCRE2 in the C locale folds ASCII only).
import type { HttpRegex } from '../../config/model/lvs.js';

export interface CompiledRegex {
  re: RegExp;
  /** firstline: a match must start before the first \n at or after the start offset. */
  firstline: boolean;
}

export type CompileResult = { ok: true; regex: CompiledRegex } | { ok: false; error: string };

const POSIX_CLASSES: Record<string, string> = {
  alnum: 'a-zA-Z0-9',
  alpha: 'a-zA-Z',
  ascii: '\\x00-\\x7f',
  blank: ' \\t',
  cntrl: '\\x00-\\x1f\\x7f',
  digit: '0-9',
  graph: '\\x21-\\x7e',
  lower: 'a-z',
  print: '\\x20-\\x7e',
  punct: '!-\\/:-@\\[-`{-~',
  space: '\\t\\n\\v\\f\\r ',
  upper: 'A-Z',
  word: 'a-zA-Z0-9_',
  xdigit: '0-9a-fA-F',
};
const SPACE = '\\t\\n\\v\\f\\r ';
const HSPACE = '\\t \\xa0';
const VSPACE = '\\n\\v\\f\\r\\x85';

const cache = new WeakMap<HttpRegex, CompileResult>();

/** The compiled form of a url's regex (cached per configuration object). */
export function compileHttpRegex(regex: HttpRegex): CompileResult {
  let r = cache.get(regex);
  if (!r) {
    r = compilePcre(regex.pattern, regex.options);
    cache.set(regex, r);
  }
  return r;
}

/** Pattern text (as written in keepalived.conf, UTF-8) and PCRE2 option names → a JS RegExp. */
export function compilePcre(pattern: string, options: readonly string[]): CompileResult {
  try {
    const t = new Translator(toLatin1(pattern), new Set(options));
    const source = t.translate();
    const flags = 'g' + (t.opts.has('caseless') ? 'i' : '');
    return { ok: true, regex: { re: new RegExp(source, flags), firstline: t.opts.has('firstline') } };
  } catch (e) {
    return { ok: false, error: e instanceof Error ? e.message : String(e) };
  }
}

/**
 * The first match starting at or after `from` in `subject` (latin1 text), or undefined.
 * With firstline, a match must start on the first line (before the first \n at or after `from`).
 */
export function execFrom(c: CompiledRegex, subject: string, from: number): { index: number; length: number } | undefined {
  c.re.lastIndex = from;
  const m = c.re.exec(subject);
  if (!m) return undefined;
  if (c.firstline) {
    const nl = subject.indexOf('\n', from);
    if (nl !== -1 && m.index > nl) return undefined;
  }
  return { index: m.index, length: m[0].length };
}

/** The UTF-8 bytes of a string, as a latin1 string (what PCRE2 sees of a non-ASCII pattern). */
function toLatin1(s: string): string {
  const bytes = new TextEncoder().encode(s);
  let out = '';
  for (const b of bytes) out += String.fromCharCode(b);
  return out;
}

function escapeLiteral(ch: string): string {
  return /[\\^$.*+?()[\]{}|/-]/.test(ch) ? '\\' + ch : ch;
}

class Translator {
  private i = 0;
  private out = '';
  readonly opts: Set<string>;

  constructor(
    private readonly p: string,
    opts: Set<string>,
  ) {
    this.opts = new Set(opts);
  }

  translate(): string {
    this.leadingOptions();
    while (this.i < this.p.length) this.atom();
    return this.out;
  }

  private fail(what: string): never {
    throw new Error(`regex ${JSON.stringify(this.p)}: ${what} at offset ${this.i} is not supported`);
  }

  /** `(?i)`, `(?m)`, `(?s)`, `(?x)`, `(?U)`… at the very start apply to the whole pattern. */
  private leadingOptions(): void {
    const names: Record<string, string> = { i: 'caseless', m: 'multiline', s: 'dotall', x: 'extended', U: 'ungreedy', n: 'no_auto_capture' };
    for (;;) {
      const m = /^\(\?([imsxUn]+)\)/.exec(this.p.slice(this.i));
      if (!m) return;
      for (const c of m[1]) this.opts.add(names[c]);
      this.i += m[0].length;
    }
  }

  private atom(): void {
    const p = this.p;
    const c = p[this.i];
    if (this.opts.has('extended')) {
      if (/[ \t\n\v\f\r]/.test(c)) {
        this.i++;
        return;
      }
      if (c === '#') {
        while (this.i < p.length && p[this.i] !== '\n') this.i++;
        return;
      }
    }
    switch (c) {
      case '\\':
        this.out += this.escape(false);
        this.quantifier();
        return;
      case '[':
        this.out += this.charClass();
        this.quantifier();
        return;
      case '.':
        this.i++;
        this.out += this.opts.has('dotall') ? '[\\s\\S]' : '[^\\n]';
        this.quantifier();
        return;
      case '^':
        this.i++;
        this.out += this.opts.has('multiline') ? '(?:(?<![\\s\\S])|(?<=\\n)(?=[\\s\\S]))' : '(?<![\\s\\S])';
        return;
      case '$':
        this.i++;
        this.out += this.opts.has('multiline')
          ? '(?=\\n|(?![\\s\\S]))'
          : this.opts.has('dollar_endonly')
            ? '(?![\\s\\S])'
            : '(?=\\n?(?![\\s\\S]))';
        return;
      case '(':
        this.group();
        return;
      case ')':
        this.i++;
        this.out += ')';
        this.quantifier();
        return;
      case '*':
      case '+':
      case '?':
        this.fail('a quantifier without an atom');
      // falls through (fail throws)
      default:
        this.i++;
        this.out += c === '/' ? '\\/' : c;
        this.quantifier();
    }
  }

  private group(): void {
    const rest = this.p.slice(this.i);
    let m: RegExpExecArray | null;
    if (rest.startsWith('(?#')) {
      const end = this.p.indexOf(')', this.i);
      if (end === -1) this.fail('an unterminated comment');
      this.i = end + 1;
      return;
    }
    if ((m = /^\(\?(?:P<|')([A-Za-z_]\w*)[>']/.exec(rest))) {
      this.i += m[0].length;
      this.out += `(?<${m[1]}>`;
      return;
    }
    if ((m = /^\(\?P=([A-Za-z_]\w*)\)/.exec(rest))) {
      this.i += m[0].length;
      this.out += `\\k<${m[1]}>`;
      this.quantifier();
      return;
    }
    if ((m = /^\(\?(?::|=|!|<=|<!|<[A-Za-z_]\w*>)/.exec(rest))) {
      this.i += m[0].length;
      this.out += m[0];
      return;
    }
    if (rest.startsWith('(?') || rest.startsWith('(*')) this.fail(`the group ${rest.slice(0, 4)}…`);
    this.i++;
    this.out += this.opts.has('no_auto_capture') ? '(?:' : '(';
  }

  /** After an atom: copy its quantifier; possessive ones cannot be expressed; ungreedy swaps laziness. */
  private quantifier(): void {
    const p = this.p;
    if (this.opts.has('extended')) {
      // with `extended`, white space and comments may sit between an atom and its quantifier
      for (;;) {
        if (/[ \t\n\v\f\r]/.test(p[this.i] ?? '')) this.i++;
        else if (p[this.i] === '#') while (this.i < p.length && p[this.i] !== '\n') this.i++;
        else break;
      }
    }
    let q = '';
    const c = p[this.i];
    if (c === '*' || c === '+' || c === '?') q = c;
    else if (c === '{') {
      const m = /^\{\d+(?:,\d*)?\}/.exec(p.slice(this.i));
      if (m) q = m[0];
    }
    if (!q) return;
    this.i += q.length;
    let lazy = false;
    if (p[this.i] === '+') this.fail('a possessive quantifier');
    if (p[this.i] === '?') {
      lazy = true;
      this.i++;
    }
    if (this.opts.has('ungreedy')) lazy = !lazy;
    this.out += q + (lazy ? '?' : '');
  }

  /** A backslash sequence; inClass selects the form usable inside [...]. */
  private escape(inClass: boolean): string {
    const p = this.p;
    const c = p[this.i + 1];
    if (c === undefined) this.fail('a trailing backslash');
    this.i += 2;
    switch (c) {
      case 'A':
        if (inClass) break;
        return '(?<![\\s\\S])';
      case 'z':
        if (inClass) break;
        return '(?![\\s\\S])';
      case 'Z':
        if (inClass) break;
        return '(?=\\n?(?![\\s\\S]))';
      case 's':
        return inClass ? SPACE : `[${SPACE}]`;
      case 'S':
        if (inClass) this.fail('\\S inside a class');
        return `[^${SPACE}]`;
      case 'h':
        return inClass ? HSPACE : `[${HSPACE}]`;
      case 'H':
        if (inClass) this.fail('\\H inside a class');
        return `[^${HSPACE}]`;
      case 'v':
        return inClass ? VSPACE : `[${VSPACE}]`;
      case 'V':
        if (inClass) this.fail('\\V inside a class');
        return `[^${VSPACE}]`;
      case 'R':
        if (inClass) break;
        return '(?:\\r\\n|[\\n\\v\\f\\r\\x85])';
      case 'e':
        return '\\x1b';
      case 'a':
        return '\\x07';
      case 'Q': {
        const end = p.indexOf('\\E', this.i);
        const lit = p.slice(this.i, end === -1 ? p.length : end);
        this.i = end === -1 ? p.length : end + 2;
        return [...lit].map(escapeLiteral).join('');
      }
      case 'E':
        return '';
      case 'x': {
        const m = /^\{([0-9a-fA-F]+)\}/.exec(p.slice(this.i));
        if (m) {
          this.i += m[0].length;
          const n = parseInt(m[1], 16);
          if (n > 0xff) this.fail('a character above \\xff in non-UTF mode');
          return '\\x' + n.toString(16).padStart(2, '0');
        }
        // PCRE2 takes up to two hex digits (none = NUL); JS needs exactly two
        const h = /^[0-9a-fA-F]{0,2}/.exec(p.slice(this.i))![0];
        this.i += h.length;
        return '\\x' + h.padStart(2, '0');
      }
      case 'o': {
        const m = /^\{([0-7]+)\}/.exec(p.slice(this.i));
        if (!m) break;
        this.i += m[0].length;
        const n = parseInt(m[1], 8);
        if (n > 0xff) this.fail('a character above \\xff in non-UTF mode');
        return '\\x' + n.toString(16).padStart(2, '0');
      }
      case 'g': {
        const m = /^(?:\{(\d+)\}|(\d+))/.exec(p.slice(this.i));
        if (m && !inClass) {
          this.i += m[0].length;
          return '\\' + (m[1] ?? m[2]);
        }
        const n = /^\{([A-Za-z_]\w*)\}/.exec(p.slice(this.i));
        if (n && !inClass) {
          this.i += n[0].length;
          return `\\k<${n[1]}>`;
        }
        break;
      }
      case 'k': {
        const m = /^(?:\{([A-Za-z_]\w*)\}|'([A-Za-z_]\w*)'|<([A-Za-z_]\w*)>)/.exec(p.slice(this.i));
        if (m && !inClass) {
          this.i += m[0].length;
          return `\\k<${m[1] ?? m[2] ?? m[3]}>`;
        }
        break;
      }
      case 'G':
      case 'K':
      case 'p':
      case 'P':
      case 'X':
      case 'C':
      case 'N':
        this.fail(`\\${c}`);
      // falls through (fail throws)
      default:
        return '\\' + c;
    }
    this.fail(`\\${c}${inClass ? ' inside a class' : ''}`);
  }

  /** [...] with PCRE2's rules: a leading `]` is literal, POSIX [:name:] classes. */
  private charClass(): string {
    const p = this.p;
    this.i++;
    let out = '[';
    if (p[this.i] === '^') {
      out += '^';
      this.i++;
    }
    if (p[this.i] === ']') {
      if (this.opts.has('allow_empty_class')) {
        this.i++;
        return out === '[^' ? '[\\s\\S]' : '[]';
      }
      out += '\\]';
      this.i++;
    }
    for (;;) {
      if (this.i >= p.length) this.fail('an unterminated character class');
      const c = p[this.i];
      if (c === ']') {
        this.i++;
        return out + ']';
      }
      if (c === '\\') {
        out += this.escape(true);
        continue;
      }
      if (c === '[') {
        const m = /^\[:(\^?)([a-z]+):\]/.exec(p.slice(this.i));
        if (m) {
          const set = POSIX_CLASSES[m[2]];
          if (!set) this.fail(`the POSIX class ${m[0]}`);
          if (m[1]) this.fail(`the negated POSIX class ${m[0]}`);
          out += set;
          this.i += m[0].length;
          continue;
        }
        out += '\\[';
        this.i++;
        continue;
      }
      out += c;
      this.i++;
    }
  }
}
