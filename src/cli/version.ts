import { readFileSync } from 'node:fs';

/** Our version from package.json, and the keepalived release we follow. */
export const KEEPALIVED_COMPAT = 'Keepalived v2.2.7 (01/16,2022)';

export function ourVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version?: string };
    return pkg.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}
