// The SourceHost on the real file system: reads files and expands include globs
// (`*`, `?`, `[...]` and csh-style `{a,b}` braces, as glob(3) with GLOB_BRACE).
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import type { SourceHost } from './preprocess.js';

export const fsHost: SourceHost = {
  readFile(path) {
    try {
      const st = statSync(path);
      if (!st.isFile()) return undefined;
      return readFileSync(path, 'utf8');
    } catch {
      return undefined;
    }
  },
  glob: globPaths,
  dirname,
  isAbsolute,
  join: (dir, rel) => resolve(dir, rel),
};

export function expandBraces(pattern: string): string[] {
  const open = pattern.indexOf('{');
  if (open < 0) return [pattern];
  let depth = 0;
  const parts: string[] = [];
  let start = open + 1;
  for (let i = open; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '{') depth++;
    else if (c === '}') {
      depth--;
      if (depth === 0) {
        parts.push(pattern.slice(start, i));
        const head = pattern.slice(0, open);
        const tail = pattern.slice(i + 1);
        return parts.flatMap((p) => expandBraces(head + p + tail));
      }
    } else if (c === ',' && depth === 1) {
      parts.push(pattern.slice(start, i));
      start = i + 1;
    }
  }
  return [pattern];
}

function segmentRegex(seg: string): RegExp {
  let re = '';
  for (let i = 0; i < seg.length; i++) {
    const c = seg[i];
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const close = seg.indexOf(']', i + 1);
      if (close < 0) re += '\\[';
      else {
        let cls = seg.slice(i + 1, close);
        if (cls.startsWith('!')) cls = '^' + cls.slice(1);
        re += `[${cls.replace(/\\/g, '\\\\')}]`;
        i = close;
      }
    } else re += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

function globPaths(pattern: string): string[] {
  const results = new Set<string>();
  for (const p of expandBraces(pattern)) {
    if (!/[*?[]/.test(p)) {
      try {
        statSync(p);
        results.add(p);
      } catch { /* missing: no match */ }
      continue;
    }
    const segs = p.split('/');
    let bases = [segs[0] === '' ? '/' : segs[0]];
    for (let i = 1; i < segs.length; i++) {
      const seg = segs[i];
      if (seg === '') continue;
      const next: string[] = [];
      for (const base of bases) {
        if (!/[*?[]/.test(seg)) {
          next.push(join(base, seg));
          continue;
        }
        const re = segmentRegex(seg);
        let names: string[] = [];
        try { names = readdirSync(base); } catch { continue; }
        for (const n of names.sort()) if ((!n.startsWith('.') || seg.startsWith('.')) && re.test(n)) next.push(join(base, n));
      }
      bases = next;
    }
    for (const b of bases) {
      try { statSync(b); results.add(b); } catch { /* vanished */ }
    }
  }
  return [...results].sort();
}
