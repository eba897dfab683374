// What a keepalived.conf needs from the namespace it runs in: the interface names it
// mentions and the `net_namespace` names it asks for. A text scan, not a parser: it
// follows `include` lines (globs, csh braces, paths relative to the including file) and
// keeps both sides of `@id` conditionals, so `-i high` and `-i low` both find what they need.

import { readFile, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { DEFAULT_INTERFACES, isValidIfName } from './netns.js';

export interface ConfigNeeds {
  /** Interface names named by the config (DEFAULT_INTERFACES first), de-duplicated. */
  interfaces: string[];
  /** Names given to `net_namespace` / `net_namespace_ipvs`. */
  namespaces: string[];
  /** Every file read, main file first. */
  files: string[];
}

// Keywords whose next word is an interface.
const IF_ARG_KEYWORDS = new Set([
  'interface',
  'dev',
  'oif',
  'iif',
  'bind_if',
  'lvs_sync_daemon',
  'lvs_sync_daemon_interface',
  'default_interface',
]);
// Blocks whose lines each start with an interface name.
const IF_LIST_BLOCKS = new Set(['track_interface', 'linkbeat_interfaces', 'interface_up_down_delays', 'interfaces']);
const INCLUDE_KEYWORDS = new Set(['include', 'includer', 'includem', 'includew', 'includeb', 'includea']);

/** Drop `#`/`!` comments outside double quotes (a backslash escapes them). */
export function stripComment(line: string): string {
  let inQuote = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === '\\') {
      i++;
      continue;
    }
    if (c === '"') inQuote = !inQuote;
    else if (!inQuote && (c === '#' || c === '!')) return line.slice(0, i);
  }
  return line;
}

function tokenize(line: string): string[] {
  // Braces are tokens of their own, as in keepalived's reader.
  return line.replace(/[{}]/g, ' $& ').split(/\s+/).filter(Boolean);
}

/** Expand csh-style braces: a{b,c}d -> abd, acd. */
export function expandBraces(pattern: string): string[] {
  const m = /\{([^{}]*)\}/.exec(pattern);
  if (!m) return [pattern];
  const out: string[] = [];
  for (const alt of m[1].split(',')) {
    out.push(...expandBraces(pattern.slice(0, m.index) + alt + pattern.slice(m.index + m[0].length)));
  }
  return out;
}

function globSegmentToRegExp(seg: string): RegExp {
  let re = '';
  for (let i = 0; i < seg.length; i++) {
    const c = seg[i];
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const end = seg.indexOf(']', i + 1);
      if (end < 0) re += '\\[';
      else {
        re += '[' + seg.slice(i + 1, end).replace(/^!/, '^') + ']';
        i = end;
      }
    } else re += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

async function exists(p: string): Promise<boolean> {
  return stat(p).then(
    () => true,
    () => false,
  );
}

/** Files matching a glob (`*`, `?`, `[...]` per path segment), sorted like glob(3). */
export async function expandGlob(pattern: string): Promise<string[]> {
  const results: string[] = [];
  for (const pat of expandBraces(pattern)) {
    if (!/[*?[]/.test(pat)) {
      if (await exists(pat)) results.push(pat);
      continue;
    }
    const abs = path.isAbsolute(pat);
    const segs = pat.split('/').filter((s, i) => s !== '' || i === 0);
    let bases = [abs ? '/' : '.'];
    for (const seg of segs.slice(abs ? 1 : 0)) {
      const next: string[] = [];
      for (const base of bases) {
        if (!/[*?[]/.test(seg)) {
          const p = path.join(base, seg);
          if (await exists(p)) next.push(p);
          continue;
        }
        const re = globSegmentToRegExp(seg);
        const names = await readdir(base).catch(() => [] as string[]);
        for (const n of names.sort()) if (re.test(n) && (seg.startsWith('.') || !n.startsWith('.'))) next.push(path.join(base, n));
      }
      bases = next;
    }
    results.push(...bases);
  }
  return results;
}

export async function scanConfigNeeds(file: string): Promise<ConfigNeeds> {
  const interfaces = new Set<string>(DEFAULT_INTERFACES);
  const namespaces = new Set<string>();
  const files: string[] = [];
  const visiting = new Set<string>();

  async function scanFile(f: string, depth: number): Promise<void> {
    const abs = path.resolve(f);
    if (visiting.has(abs) || depth > 20) return; // circular include: keepalived reports it, we just stop
    visiting.add(abs);
    files.push(abs);
    const text = await readFile(abs, 'utf8').catch(() => null);
    if (text === null) return;

    const blockStack: string[] = [];
    let pendingBlock: string | null = null;
    for (const raw of text.split('\n')) {
      let line = stripComment(raw).trim();
      // Keep both branches of `@id` / `@^id` conditionals.
      line = line.replace(/^@\^?\S+\s*/, '');
      const toks = tokenize(line);
      if (toks.length === 0) continue;

      if (INCLUDE_KEYWORDS.has(toks[0]) && toks[1]) {
        const pat = toks[1].replace(/^"(.*)"$/, '$1');
        const full = path.isAbsolute(pat) ? pat : path.join(path.dirname(abs), pat);
        for (const inc of await expandGlob(full)) await scanFile(inc, depth + 1);
        continue;
      }

      const inIfList = blockStack.length > 0 && IF_LIST_BLOCKS.has(blockStack[blockStack.length - 1]);
      if (inIfList && toks[0] !== '}' && toks[0] !== '{') addIf(toks[0]);

      for (let i = 0; i < toks.length; i++) {
        const t = toks[i];
        if (t === '{') {
          blockStack.push(pendingBlock ?? '');
          pendingBlock = null;
          // `track_interface { eth1 eth2 }` on one line
          if (IF_LIST_BLOCKS.has(blockStack[blockStack.length - 1]) && toks[i + 1] && toks[i + 1] !== '}') {
            addIf(toks[i + 1]);
          }
          continue;
        }
        if (t === '}') {
          blockStack.pop();
          continue;
        }
        if (i === 0 || toks[i - 1] === '{') pendingBlock = t;
        const next = toks[i + 1];
        if (next === undefined) continue;
        if (IF_ARG_KEYWORDS.has(t)) addIf(next);
        if (t === 'net_namespace' || t === 'net_namespace_ipvs') namespaces.add(next);
      }
    }
    visiting.delete(abs);
  }

  function addIf(name: string): void {
    const n = name.replace(/^"(.*)"$/, '$1');
    // Aliases like eth0:1 are labels, not interfaces; $VAR and ~SEQ are not expanded here.
    if (n === 'lo' || /[$~:@]/.test(n) || !isValidIfName(n)) return;
    interfaces.add(n);
  }

  await scanFile(file, 0);
  return { interfaces: [...interfaces], namespaces: [...namespaces], files };
}
