// The layering rules of the design, checked on the sources: imports point one way
// (grammar → config → engines → adapters; core wires; cli on top), engines never import each other,
// and the pure modules import no Node I/O.
import test from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

function sources(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

function imports(file: string): string[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  return [...text.matchAll(/^\s*(?:import|export)\s[^'"]*?from\s+'([^']+)'|^\s*import\s+'([^']+)'|import\('([^']+)'\)/gm)].map((m) => m[1] ?? m[2] ?? m[3]);
}

/** The layer a repository path belongs to: grammar, lib, config, vrrp, ipvs, check, netlink, native, core, cli, lab, test. */
function layer(path: string): string {
  const p = path.split('/');
  if (p[0] === 'grammar') return 'grammar';
  if (p[0] === 'src') return p[1];
  return p[0];
}

const MAY_IMPORT: Record<string, string[]> = {
  grammar: ['grammar'],
  lib: ['lib'],
  config: ['grammar', 'lib', 'config'],
  vrrp: ['lib', 'config', 'vrrp'],
  ipvs: ['lib', 'config', 'ipvs'],
  check: ['lib', 'config', 'check'],
  netlink: ['lib', 'netlink', 'ipvs', 'vrrp'],
  native: ['lib', 'native', 'vrrp'],
  core: ['lib', 'config', 'vrrp', 'ipvs', 'check', 'netlink', 'native', 'core'],
  lab: ['lab'],
  cli: ['lib', 'config', 'core', 'cli'],
};

/** Modules that must stay pure: bytes/values in, values out, no I/O. */
const PURE = [
  /^src\/config\/(?!host-env|fs-host|index)[^/]+\.ts$/,
  /^src\/config\/(schema|model|validate)\//,
  /^src\/vrrp\/(packet|validate|fsm|fsm-|timers|track|sync-group|events|effects|log-events|params|instance|ipv4-header|garp|reload|firewall|runtime-(adverts|dumps|stats|interfaces))/,
  /^src\/ipvs\/(plan|desired|table|keys|types|sync-daemon)\.ts$/,
  /^src\/check\/(policy|messages|health|identity|probe)\.ts$/,
  /^src\/check\/checkers\/dns-packet\.ts$/,
  /^src\/netlink\/(ipvs-attrs|rtnl-(address|route|rule|decode|names))\.ts$/,
  /^src\/check\/checkers\/(http-response|pcre|smtp-reply)\.ts$/,
  /^src\/lib\//,
  /^src\/core\/log-(format|levels)\.ts$/,
  /^grammar\//,
];
const IO = /^node:(fs|net|dgram|child_process|http|https|tls|os|worker_threads)(\/|$)/;

test('imports point one way between layers, and engines never import each other', () => {
  const bad: string[] = [];
  for (const file of [...sources('grammar'), ...sources('src')]) {
    const from = layer(file);
    for (const spec of imports(file)) {
      if (!spec.startsWith('.')) continue;
      const target = relative(ROOT, resolve(ROOT, dirname(file), spec)).replace(/\.js$/, '.ts');
      const to = layer(target);
      if (to === 'test') bad.push(`${file} imports test code ${target}`);
      else if (!(MAY_IMPORT[from] ?? []).includes(to)) bad.push(`${file} (${from}) imports ${target} (${to})`);
    }
  }
  assert.deepEqual(bad, []);
});

test('pure modules import no Node I/O', () => {
  const bad: string[] = [];
  for (const file of [...sources('grammar'), ...sources('src')]) {
    if (!PURE.some((re) => re.test(file))) continue;
    const text = readFileSync(join(ROOT, file), 'utf8');
    for (const spec of imports(file)) {
      // node:net's address syntax checks (isIP, isIPv4, isIPv6) are pure functions
      if (spec === 'node:net' && /import\s*\{\s*(isIP(v4|v6)?\s*,?\s*)+\}\s*from\s*'node:net'/.test(text)) continue;
      if (IO.test(spec)) bad.push(`${file} imports ${spec}`);
    }
  }
  assert.deepEqual(bad, []);
});
