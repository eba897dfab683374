// Loading small configuration texts for the LVS tests: written to a temp file, loaded with a fixed
// host name and no machine checks, so positions and diagnostics are predictable.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, configTestExitCode, type Diagnostic } from '../../../src/config/index.js';
import type { ConfigEnv } from '../../../src/config/env.js';
import type { Checker, RealServer, VirtualServer } from '../../../src/config/model/lvs.js';

const dir = mkdtempSync(join(tmpdir(), 'kt-lvs-test-'));
let n = 0;

export interface Loaded {
  file: string;
  config: ReturnType<typeof loadConfig>['config'];
  diags: Diagnostic[];
  rc: number;
  /** Messages of the given severities (default: errors, warnings, fatal), as "line:col message". */
  problems(severities?: string[]): string[];
  /** Just the message texts of errors/warnings/fatal. */
  messages(): string[];
  vs(i?: number): VirtualServer;
  rs(vsIndex?: number, rsIndex?: number): RealServer;
  checker(vsIndex?: number, rsIndex?: number, cIndex?: number): Checker;
}

export function load(text: string, env: Partial<ConfigEnv> = {}): Loaded {
  const file = join(dir, `t${++n}.conf`);
  writeFileSync(file, text);
  const r = loadConfig(file, { configId: 'testhost', env: { hostname: 'testhost', ...env } });
  const bad = ['error', 'warning', 'fatal', 'security'];
  return {
    file,
    config: r.config,
    diags: r.diagnostics,
    rc: configTestExitCode(r.diagnostics),
    problems: (sev = bad) => r.diagnostics.filter((d) => sev.includes(d.severity)).map((d) => `${d.line}:${d.col} ${d.message}`),
    messages: () => r.diagnostics.filter((d) => bad.includes(d.severity)).map((d) => d.message),
    vs: (i = 0) => r.config.lvs.virtualServers[i],
    rs: (v = 0, i = 0) => r.config.lvs.virtualServers[v].realServers[i],
    checker: (v = 0, i = 0, c = 0) => r.config.lvs.virtualServers[v].realServers[i].checkers[c],
  };
}

/** A complete, clean virtual server around `body` (real servers, checkers, extra keywords). */
export function vsConf(body: string, head = 'virtual_server 10.0.0.1 80'): string {
  return `${head} {\n  protocol TCP\n  lb_algo rr\n  lb_kind NAT\n${body}\n}\n`;
}
