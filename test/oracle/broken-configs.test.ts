// Runs keepalived 2.2.7 `-t` on every file of test/fixtures/broken and prints its verdict
// (exit status and first diagnostic) as a table. It asserts only that keepalived ran and
// that each fixture is well-formed; comparing our own exit codes is another test's job.
// Set KT_WRITE_BROKEN_README=1 to rewrite the table in test/fixtures/broken/README.md.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  brokenDir,
  formatVerdictTable,
  listBrokenConfigs,
  recordedKeepalivedStatus,
  writeVerdictTable,
  type BrokenConfig,
  type OracleVerdict,
} from './broken-corpus.js';
import { keepalivedConfigTest, requireKeepalived, type ConfigTestResult } from './keepalived.js';
import { createNetns, type OwnedNetns } from './netns.js';
import { mapLimit } from './pool.js';

let ns: OwnedNetns | undefined;
let cases: BrokenConfig[] = [];
const results = new Map<string, ConfigTestResult>();

before(async () => {
  requireKeepalived();
  cases = listBrokenConfigs();
  // One namespace for the whole corpus; -t does not touch the network, so two runs may share it.
  ns = await createNetns();
  const dir = brokenDir();
  await mapLimit(cases, 2, async (c) => {
    const res = await keepalivedConfigTest(c.name, {
      cwd: dir, // relative name: diagnostics read "(x.conf: Line N)"
      ns,
      interfaces: c.interfaces,
      extraArgs: c.extraArgs,
    });
    results.set(c.name, res);
  });
});

after(async () => {
  await ns?.destroy();
});

test('the corpus has at least 45 cases, each with a problem and a location inside the file', () => {
  assert.ok(cases.length >= 45, `only ${cases.length} cases`);
  for (const c of cases) {
    const lines = readFileSync(c.file, 'utf8').split('\n');
    assert.ok(c.line >= 1 && c.line <= lines.length, `${c.name}: at ${c.at} outside the file`);
    if (c.col !== null) assert.ok(c.col <= lines[c.line - 1].length + 1, `${c.name}: column ${c.col} past end of line`);
  }
});

test('keepalived -t ran on every broken config', () => {
  const rows: OracleVerdict[] = [];
  for (const c of cases) {
    const r = results.get(c.name);
    assert.ok(r, `${c.name}: no result`);
    assert.equal(r.timedOut, false, `${c.name}: keepalived -t timed out`);
    assert.ok(r.code !== null || r.signal !== null, `${c.name}: no exit status`);
    rows.push({ name: c.name, status: r.status, signal: r.signal, firstDiagnostic: r.lines[0] ?? '' });
  }
  console.log(`keepalived -t verdicts for ${rows.length} broken configs:\n${formatVerdictTable(rows)}`);

  // Drift against the table the lead reads is reported, not failed: the table is documentation.
  const recorded = recordedKeepalivedStatus();
  const drift = rows.filter((r) => recorded.get(r.name) !== r.status);
  if (drift.length > 0) {
    console.log(
      `README.md table differs for: ${drift.map((d) => `${d.name} (now ${d.status}, recorded ${recorded.get(d.name)})`).join(', ')}`,
    );
  }
  if (process.env.KT_WRITE_BROKEN_README === '1') writeVerdictTable(rows);
});
