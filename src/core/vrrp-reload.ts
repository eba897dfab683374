// Whether a reload changes anything the VRRP side reads: the vrrp section and the global settings other
// than the LVS ones, compared as values with positions (file:line) left out, so moving a block or adding
// a comment is no change.
import type { KeepalivedConfig } from '../config/index.js';

function isPositionKey(k: string): boolean {
  return k === 'pos' || k.endsWith('Pos') || k === 'memberPos' || k === 'files';
}

function canonical(v: unknown): unknown {
  if (v instanceof Uint8Array) return Array.from(v);
  if (Array.isArray(v)) return v.map(canonical);
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) {
      if (isPositionKey(k)) continue;
      out[k] = canonical((v as Record<string, unknown>)[k]);
    }
    return out;
  }
  return v;
}

function vrrpView(c: KeepalivedConfig): unknown {
  const global = Object.fromEntries(Object.entries(c.global).filter(([k]) => !k.startsWith('lvs')));
  return canonical({ global, vrrp: c.vrrp });
}

export function sameVrrpConfig(a: KeepalivedConfig, b: KeepalivedConfig): boolean {
  return JSON.stringify(vrrpView(a)) === JSON.stringify(vrrpView(b));
}
