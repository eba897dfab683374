// Removes health-checker blocks from a keepalived.conf text, for the IPVS side-by-side test. Our daemon
// has no health checks yet (every real server is up), while keepalived's checkers would fail against the
// lab's unreachable real servers and change its table: both daemons are given the same stripped copy.
// Pure. Comments (`#`, `!`) and double-quoted strings are honoured, so braces in them do not count.

/** Every checker keyword keepalived 2.2.7 installs (check_*.c). */
export const CHECKER_KEYWORDS = [
  'TCP_CHECK', 'HTTP_GET', 'SSL_GET', 'MISC_CHECK', 'SMTP_CHECK',
  'DNS_CHECK', 'UDP_CHECK', 'PING_CHECK', 'FILE_CHECK', 'BFD_CHECK',
] as const;

export interface StripResult {
  text: string;
  /** Blocks removed, by keyword, e.g. { TCP_CHECK: 3 }. */
  removed: Record<string, number>;
}

interface Token {
  /** `{`, `}` or a word */
  text: string;
  start: number;
  end: number;
}

/** Words and braces outside comments; a quoted string is part of its word. */
function tokens(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    if (c === '#' || c === '!') {
      while (i < src.length && src[i] !== '\n') i++;
    } else if (c === '{' || c === '}') {
      out.push({ text: c, start: i, end: i + 1 });
      i++;
    } else if (/\s/.test(c)) {
      i++;
    } else {
      const start = i;
      let quoted = false;
      while (i < src.length) {
        const d = src[i];
        if (d === '\\' && i + 1 < src.length && src[i + 1] !== '\n') {
          i += 2;
          continue;
        }
        if (d === '"') quoted = !quoted;
        else if (!quoted && (/\s/.test(d) || d === '{' || d === '}' || d === '#' || d === '!')) break;
        else if (quoted && d === '\n') break;
        i++;
      }
      out.push({ text: src.slice(start, i), start, end: i });
    }
  }
  return out;
}

/**
 * The text with every checker block (keyword through its matching `}`) removed. Newlines inside a
 * removed block are kept so line numbers in both daemons' messages still point into the original file.
 */
export function stripCheckers(src: string): StripResult {
  const toks = tokens(src);
  const cuts: Array<[number, number]> = [];
  const removed: Record<string, number> = {};
  const keywords = new Set<string>(CHECKER_KEYWORDS);
  for (let i = 0; i < toks.length; i++) {
    if (!keywords.has(toks[i].text) || toks[i + 1]?.text !== '{') continue;
    let depth = 0;
    let j = i + 1;
    for (; j < toks.length; j++) {
      if (toks[j].text === '{') depth++;
      else if (toks[j].text === '}' && --depth === 0) break;
    }
    if (j >= toks.length) throw new Error(`unclosed ${toks[i].text} block at offset ${toks[i].start}`);
    cuts.push([toks[i].start, toks[j].end]);
    removed[toks[i].text] = (removed[toks[i].text] ?? 0) + 1;
    i = j;
  }
  let text = '';
  let at = 0;
  for (const [a, b] of cuts) {
    text += src.slice(at, a) + src.slice(a, b).replace(/[^\n]/g, '');
    at = b;
  }
  text += src.slice(at);
  return { text, removed };
}
