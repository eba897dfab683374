// The parent parses once and gives each child its part (src/core/config-handoff.ts): the parts hold what
// each side reads and nothing else, survive the structured clone whole, and the children's code never
// loads the parser (what makes a child start fast and stay small).
import test from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../../../src/config/index.js';
import { acceptConfig, childPart, configRunnable, decodeConfig, encodeConfig, readConfigFile } from '../../../src/core/config-handoff.js';
import type { Log } from '../../../src/lib/log.js';

const CONF = `
child_wait_time 7
global_defs {
  router_id lb1
}
vrrp_instance VI_1 {
  interface eth0
  virtual_router_id 51
  priority 150
  virtual_ipaddress {
    192.0.2.10/32
  }
}
virtual_server 192.0.2.10 80 {
  lb_algo wrr
  lb_kind NAT
  real_server 10.0.0.2 80 {
    weight 3
    TCP_CHECK {
      connect_timeout 2
    }
  }
}
`;

function load(text: string) {
  const dir = mkdtempSync(join(tmpdir(), 'kt-handoff-'));
  const file = join(dir, 'keepalived.conf');
  writeFileSync(file, text);
  return { file, loaded: loadConfig(file, { configId: 'lb1' }) };
}

test('the VRRP child gets the instances and no virtual servers; the checker the reverse; both the globals', () => {
  const { loaded } = load(CONF);
  const vrrp = childPart('vrrp', loaded);
  const checker = childPart('checker', loaded);
  assert.equal(vrrp.config.vrrp.instances.length, 1);
  assert.equal(vrrp.config.lvs.virtualServers.length, 0);
  assert.equal(checker.config.vrrp.instances.length, 0);
  assert.equal(checker.config.lvs.virtualServers.length, 1);
  assert.equal(vrrp.config.global.routerId, 'lb1');
  assert.equal(checker.config.global.childWaitTime, 7);
  // the parent's model is not changed by the cutting
  assert.equal(loaded.config.lvs.virtualServers.length, 1);
  assert.equal(loaded.config.vrrp.instances.length, 1);
});

test('a part survives the structured clone whole: addresses keep their bytes, diagnostics their positions', () => {
  const { loaded } = load(CONF + 'no_such_keyword 1\n');
  for (const kind of ['vrrp', 'checker'] as const) {
    const part = childPart(kind, loaded);
    const back = decodeConfig(encodeConfig(part));
    assert.deepEqual(back, part);
  }
  const vip = decodeConfig(encodeConfig(childPart('vrrp', loaded))).config.vrrp.instances[0]!.virtualIpaddress[0]!.address;
  assert.ok(vip.bytes instanceof Uint8Array);
  assert.deepEqual([...vip.bytes], [192, 0, 2, 10]);
  const d = decodeConfig(encodeConfig(loaded)).diagnostics.find((x) => /no_such_keyword/.test(x.message));
  assert.ok(d && d.line > 0 && d.col === 1, JSON.stringify(d));
});

test('runnable: what keepalived would run; on reload not with unbalanced braces', () => {
  assert.equal(configRunnable(load(CONF).loaded.diagnostics, true), true);
  const unbalanced = load(CONF + 'vrrp_instance VI_2 {\n').loaded.diagnostics;
  assert.equal(configRunnable(unbalanced, false), true);
  assert.equal(configRunnable(unbalanced, true), false);
  assert.equal(configRunnable(load('vrrp_instance VI_1 {\n  priority\n}\n').loaded.diagnostics, false), false);
});

test('a child logs the warnings it is given, and refuses what cannot run', () => {
  const lines: string[] = [];
  const log = { warn: (m: string) => lines.push(m) } as unknown as Log;
  const { loaded } = load(CONF + 'no_such_keyword 1\n');
  assert.ok(acceptConfig(loaded, log, false));
  assert.ok(lines.some((l) => /no_such_keyword/.test(l)), lines.join('\n'));
  assert.equal(acceptConfig(load(CONF + 'vrrp_instance VI_2 {\n').loaded, log, true), undefined);
});

test('without a parent a child reads the file itself', async () => {
  const { file, loaded } = load(CONF);
  assert.deepEqual((await readConfigFile(file, 'lb1')).config, loaded.config);
});

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');

/** Modules reached by static imports from `entry` (compiled JavaScript, so type-only imports are gone). */
function staticGraph(entry: string): Set<string> {
  const seen = new Set<string>();
  const walk = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/^(?:import|export)\s[^;]*?from\s+'([^']+)'|^import\s+'([^']+)'/gm)) {
      const spec = m[1] ?? m[2]!;
      if (spec.startsWith('.')) walk(resolve(dirname(file), spec));
      else seen.add(`package:${spec}`);
    }
  };
  walk(entry);
  return seen;
}

test('the command line, the daemon entry and the children load no parser until they need one', () => {
  const dist = join(ROOT, 'dist');
  for (const entry of ['src/cli/main.js', 'src/core/daemon.js', 'src/core/child.js']) {
    const graph = [...staticGraph(join(dist, entry))];
    const parser = graph.filter((m) => m === 'package:chevrotain' || /\/grammar\/|\/config\/(build|syntax|preprocess)\.js$/.test(m));
    assert.deepEqual(parser, [], `${entry} reaches the parser statically`);
  }
});
