// Fuzzing the loader: thousands of mutated configurations (tokens deleted, duplicated, swapped,
// random bytes, huge numbers, deep nesting). Nothing may throw, nothing may hang, and every
// rejection must be a diagnostic with a position.
import test from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { buildConfig } from '../../../src/config/build.js';
import { memoryHost } from './memory-host.js';
import { prng } from '../netlink/prng.js';

const SAMPLES = '/usr/share/doc/keepalived/samples';
const EXAMPLES = new URL('../../../../examples/', import.meta.url).pathname;

function seeds(): string[] {
  assert.ok(existsSync(SAMPLES), `${SAMPLES} is missing: install Debian's keepalived package (bash .ci/setup)`);
  const files = readdirSync(SAMPLES).filter((f) => f.startsWith('keepalived.conf')).map((f) => join(SAMPLES, f));
  if (existsSync(EXAMPLES)) files.push(...readdirSync(EXAMPLES).filter((f) => f.endsWith('.conf')).map((f) => join(EXAMPLES, f)));
  return files.map((f) => readFileSync(f, 'utf8'));
}

const NASTY = ['{', '}', '"', '$X', '${', '@', '@^', '~SEQ(', '~SEQ(N,1,3)', 'include', '\\', '#', '!', '99999999999999999999', '-1', '0', '1e309', '::', '1.2.3.4/99', '\u0000', '\u00ff', '$A=$A$A', 'virtual_server', 'vrrp_instance', 'real_server', 'TCP_CHECK', 'HTTP_GET', 'url'];

function mutate(text: string, rnd: () => number): string {
  const toks = text.split(/(\s+)/);
  const pick = () => Math.floor(rnd() * toks.length);
  const ops = 1 + Math.floor(rnd() * 4);
  for (let k = 0; k < ops; k++) {
    const op = Math.floor(rnd() * 7);
    const i = pick();
    const j = pick();
    if (op === 0) toks.splice(i, 1);
    else if (op === 1) toks.splice(i, 0, toks[j] ?? '');
    else if (op === 2) [toks[i], toks[j]] = [toks[j], toks[i]];
    else if (op === 3) toks.splice(i, 0, ' ' + String.fromCharCode(...Array.from({ length: 1 + Math.floor(rnd() * 8) }, () => Math.floor(rnd() * 256))) + ' ');
    else if (op === 4) toks.splice(i, 0, ' ' + NASTY[Math.floor(rnd() * NASTY.length)] + ' ');
    else if (op === 5) toks.splice(i, 0, ' ' + '9'.repeat(1 + Math.floor(rnd() * 40)) + ' ');
    else toks.splice(i, 0, ' x {\n'.repeat(Math.floor(rnd() * 300)));
  }
  return toks.join('');
}

test('thousands of mutated configurations: no throw, no hang, every diagnostic has a position', () => {
  const base = seeds();
  const rnd = prng(20261121);
  const runs = 4000;
  let rejected = 0;
  let slowest = 0;
  for (let n = 0; n < runs; n++) {
    const text = mutate(base[n % base.length], rnd);
    const host = memoryHost({ '/k/keepalived.conf': text, '/k/x.conf': 'include keepalived.conf\n' });
    const t0 = performance.now();
    let result;
    try {
      result = buildConfig('/k/keepalived.conf', host, { configId: 'fuzz', env: { hostname: 'fuzz' } });
    } catch (e) {
      assert.fail(`run ${n} threw ${(e as Error).stack}\n--- input ---\n${text}`);
    }
    slowest = Math.max(slowest, performance.now() - t0);
    for (const d of result.diagnostics) {
      assert.ok(d.file && d.line >= 1 && d.col >= 1, `run ${n}: diagnostic without a position: ${JSON.stringify(d)}`);
      assert.ok(d.message.length > 0);
    }
    if (result.diagnostics.some((d) => d.severity !== 'notice')) rejected++;
  }
  // Not a timing assertion on speed, only a guard against a hang: one input must not take seconds.
  assert.ok(slowest < 5000, `one input took ${slowest.toFixed(0)} ms`);
  assert.ok(rejected > runs / 2, `only ${rejected} of ${runs} mutations were reported`);
});

test('deep nesting and huge inputs are bounded', () => {
  const deep = 'a {\n'.repeat(100_000) + '}\n'.repeat(100_000);
  const r = buildConfig('/k/keepalived.conf', memoryHost({ '/k/keepalived.conf': deep }), { configId: 'x', env: { hostname: 'x' } });
  assert.ok(r.diagnostics.some((d) => /nested deeper/.test(d.message)));
  const bomb = '$A=xxxxxxxxxxxxxxxx\n$B=$A $A $A $A $A $A $A $A\n$C=$B $B $B $B $B $B $B $B\n$D=$C $C $C $C $C $C $C $C\n$E=$D $D $D $D $D $D $D $D\n$F=$E $E $E $E $E $E $E $E\nv $F $F $F $F\n';
  const r2 = buildConfig('/k/keepalived.conf', memoryHost({ '/k/keepalived.conf': bomb }), { configId: 'x', env: { hostname: 'x' } });
  assert.ok(r2.diagnostics.some((d) => /longer than/.test(d.message)));
});
