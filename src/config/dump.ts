// The effective configuration, with every default applied, as JSON or as indented text.
import type { KeepalivedConfig } from './model/index.js';

/** A plain JSON value: addresses as their text, positions as "file:line:col" (or dropped). */
export function configToJson(config: KeepalivedConfig, opts: { positions?: boolean } = {}): unknown {
  const seen = new WeakSet<object>();
  const conv = (v: unknown): unknown => {
    if (v === null || typeof v !== 'object') return v;
    if (v instanceof Uint8Array) return undefined;
    if (seen.has(v)) return '[circular]';
    seen.add(v);
    if (Array.isArray(v)) return v.map(conv);
    const o = v as Record<string, unknown>;
    // IpAddress / IpPrefix: print the address text (with /len for explicit prefixes)
    if (typeof o.text === 'string' && (o.family === 4 || o.family === 6) && o.bytes instanceof Uint8Array) {
      return typeof o.prefixLen === 'number' ? `${o.text}/${o.prefixLen}` : o.text;
    }
    if (typeof o.file === 'string' && typeof o.line === 'number' && typeof o.col === 'number' && Object.keys(o).length === 3) {
      return opts.positions ? `${o.file}:${o.line}:${o.col}` : undefined;
    }
    const out: Record<string, unknown> = {};
    for (const [k, val] of Object.entries(o)) {
      const c = conv(val);
      if (c !== undefined) out[k] = c;
    }
    return out;
  };
  return conv(config);
}

/** Indented `key: value` text of the same data, lists as `- ` items. */
export function configToText(config: KeepalivedConfig, opts: { positions?: boolean } = {}): string {
  const lines: string[] = [];
  const scalar = (v: unknown) => (typeof v === 'string' ? (/^[\w./:@\[\]-]+$/.test(v) ? v : JSON.stringify(v)) : String(v));
  const walk = (v: unknown, indent: string, key?: string): void => {
    const head = key === undefined ? indent : `${indent}${key}:`;
    if (v === null || typeof v !== 'object') {
      lines.push(key === undefined ? `${indent}${scalar(v)}` : `${head} ${scalar(v)}`);
      return;
    }
    if (Array.isArray(v)) {
      if (v.length === 0) { lines.push(`${head} []`); return; }
      if (key !== undefined) lines.push(head);
      for (const item of v) {
        if (item !== null && typeof item === 'object') {
          lines.push(`${indent}  -`);
          walk(item, indent + '    ');
        } else lines.push(`${indent}  - ${scalar(item)}`);
      }
      return;
    }
    const entries = Object.entries(v as Record<string, unknown>);
    if (key !== undefined) {
      if (entries.length === 0) { lines.push(`${head} {}`); return; }
      lines.push(head);
      indent += '  ';
    }
    for (const [k, val] of entries) walk(val, indent, k);
  };
  walk(configToJson(config, opts), '');
  return lines.join('\n') + '\n';
}
