// An in-memory SourceHost for preprocessing tests.
import { posix } from 'node:path';
import type { SourceHost } from '../../../src/config/preprocess.js';

export function memoryHost(files: Record<string, string>): SourceHost {
  const names = Object.keys(files);
  return {
    readFile: (p) => files[p],
    glob(pattern) {
      const re = new RegExp('^' + pattern.replace(/[.+^$()|\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]').replace(/\{([^}]*)\}/g, (_, alts: string) => `(${alts.split(',').join('|')})`) + '$');
      return names.filter((n) => re.test(n)).sort();
    },
    dirname: posix.dirname,
    isAbsolute: posix.isAbsolute,
    join: (d, r) => posix.resolve(d, r),
  };
}
