// Shared by the VRRP/global_defs tests: build a configuration text in memory and inspect the result.
import assert from 'node:assert/strict';
import { buildConfig } from '../../../src/config/build.js';
import { configTestExitCode, type Diagnostic, type Severity } from '../../../src/config/issues.js';
import type { ConfigEnv, FileInfo } from '../../../src/config/env.js';
import type { KeepalivedConfig } from '../../../src/config/model/index.js';
import { memoryHost } from './memory-host.js';

export const FILE = '/etc/keepalived/keepalived.conf';

export interface Built {
  config: KeepalivedConfig;
  diags: Diagnostic[];
  rc: number;
  /** Diagnostics whose message contains `text`. */
  find(text: string, severity?: Severity): Diagnostic[];
  /** The one diagnostic containing `text` (fails otherwise). */
  one(text: string, severity?: Severity): Diagnostic;
  /** Messages of error/warning/fatal/security diagnostics (those that change the exit code). */
  problems(): string[];
}

export function build(text: string, env: Partial<ConfigEnv> = {}, configId = 'testhost'): Built {
  const r = buildConfig(FILE, memoryHost({ [FILE]: text }), { configId, env: { hostname: 'testhost', ...env } });
  const diags = r.diagnostics;
  const find = (t: string, sev?: Severity) => diags.filter((d) => d.message.includes(t) && (!sev || d.severity === sev));
  return {
    config: r.config,
    diags,
    rc: configTestExitCode(diags),
    find,
    one(t, sev) {
      const f = find(t, sev);
      assert.equal(f.length, 1, `expected one diagnostic with "${t}"${sev ? ` (${sev})` : ''}, got:\n${diags.map((d) => `${d.line}:${d.col} ${d.severity}: ${d.message}`).join('\n')}`);
      return f[0];
    },
    problems: () => diags.filter((d) => d.severity !== 'notice').map((d) => d.message),
  };
}

/** Assert no diagnostic changes the exit code. */
export function clean(b: Built): void {
  assert.deepEqual(b.problems(), [], 'unexpected problems');
  assert.equal(b.rc, 0);
}

/** An instance block around `body` (interface eth0, VRID 1, one VIP unless `body` has its own). */
export function instance(body: string, name = 'VI_1'): string {
  const vip = body.includes('virtual_ipaddress') ? '' : '  virtual_ipaddress {\n    10.0.0.1\n  }\n';
  const ifc = /^\s*interface\s/m.test(body) ? '' : '  interface eth0\n';
  const vrid = body.includes('virtual_router_id') ? '' : '  virtual_router_id 1\n';
  return `vrrp_instance ${name} {\n${ifc}${vrid}${vip}${body}\n}\n`;
}

/** A fake machine: interfaces, files (path → FileInfo), users, PATH. */
export function fakeEnv(opts: {
  interfaces?: string[];
  files?: Record<string, Partial<FileInfo>>;
  users?: Record<string, number>;
  path?: Record<string, string>;
} = {}): Partial<ConfigEnv> {
  const ifs = new Set(opts.interfaces ?? ['lo', 'eth0', 'eth1', 'eth2', 'eth3']);
  const files = opts.files ?? {};
  const dir = (p: string): FileInfo => ({ exists: true, isFile: false, mode: 0o040755, uid: 0, gid: 0 });
  return {
    interfaceExists: (n) => ifs.has(n),
    fileInfo(p) {
      const f = files[p];
      if (f) return { exists: true, isFile: (f.mode ?? 0o100755) >> 12 === 8, mode: 0o100755, uid: 0, gid: 0, ...f };
      // every parent directory of a listed file is a root-owned 0755 directory unless listed
      if (p === '/' || Object.keys(files).some((k) => k.startsWith(p.endsWith('/') ? p : p + '/'))) return dir(p);
      return { exists: false, isFile: false, mode: 0, uid: -1, gid: -1 };
    },
    lookupUser: (n) => (opts.users && Object.hasOwn(opts.users, n) ? { uid: opts.users[n], gid: opts.users[n] } : n === 'root' ? { uid: 0, gid: 0 } : undefined),
    which: (n) => opts.path?.[n],
  };
}
