// What a keepalived.conf needs from the namespace it runs in: the interface names it
// mentions and the `net_namespace` names it asks for. A text scan, not a parser: it
// follows `include` lines (globs, csh braces, paths relative to the including file) and
// keeps both sides of `@id` conditionals, so `-i high` and `-i low` both find what they need.

import { fsHost } from '../../src/config/fs-host.js';
import { readFile } from 'node:fs/promises';
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

// Braces and globs are expanded exactly as the loader expands include patterns.
export { expandBraces } from '../../src/config/fs-host.js';

/** Files matching a glob (`*`, `?`, `[...]` per path segment, `{a,b}`), sorted like glob(3). */
export async function expandGlob(pattern: string): Promise<string[]> {
  return fsHost.glob(path.resolve(pattern));
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
