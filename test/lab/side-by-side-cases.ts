// The configurations the IPVS side-by-side test runs through keepalived and through our daemon: every
// Debian sample and every example with a virtual_server, and the fixtures under test/fixtures/ipvs that
// cover what the samples do not (see the comment at the top of each fixture).
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const SAMPLES_DIR = '/usr/share/doc/keepalived/samples';
/** The repository root (this file runs as dist/test/lab/side-by-side-cases.js). */
export const REPO = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');
export const EXAMPLES_DIR = join(REPO, 'examples');
export const FIXTURES_DIR = join(REPO, 'test/fixtures/ipvs');

export interface SideBySideCase {
  /** unique, usable as a file and namespace name */
  name: string;
  file: string;
  /** `-i` for files that use `@ID` conditionals */
  configId?: string;
}

/** A `virtual_server` keyword outside comments. */
export function hasVirtualServer(text: string): boolean {
  return /^[ \t]*(?:@\^?\S+[ \t]+)?virtual_server[ \t]/m.test(text);
}

function usesConditionals(text: string): boolean {
  return /^[ \t]*@\^?\S/m.test(text);
}

function casesIn(dir: string, prefix: string, filter: (f: string) => boolean): SideBySideCase[] {
  return readdirSync(dir)
    .filter(filter)
    .sort()
    .flatMap((f) => {
      const file = join(dir, f);
      const text = readFileSync(file, 'utf8');
      if (!hasVirtualServer(text)) return [];
      const name = `${prefix}.${basename(f).replace(/^keepalived\.conf\./, '').replace(/\.conf$/, '')}`.replace(/[^A-Za-z0-9_.-]/g, '_');
      return [{ name, file, ...(usesConditionals(text) ? { configId: 'director1' } : {}) }];
    });
}

export function sideBySideCases(): SideBySideCase[] {
  return [
    ...casesIn(SAMPLES_DIR, 'sample', (f) => f.startsWith('keepalived.conf')),
    ...casesIn(EXAMPLES_DIR, 'example', (f) => f.endsWith('.conf')),
    ...casesIn(FIXTURES_DIR, 'fixture', (f) => f.endsWith('.conf')),
  ];
}
