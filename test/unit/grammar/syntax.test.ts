import test from 'node:test';
import assert from 'node:assert/strict';
import { buildSyntax, type Stmt } from '../../../src/config/syntax.js';
import { DiagnosticSink } from '../../../src/config/issues.js';
import { makeLine } from '../../../src/config/source-line.js';

function parse(text: string) {
  const sink = new DiagnosticSink();
  const lines = text.split('\n').map((t, i) => makeLine(t, 'k.conf', i + 1));
  return { stmts: buildSyntax(lines, sink), diags: sink.items };
}

const shape = (s: readonly Stmt[]): unknown =>
  s.map((x) => (x.block ? [x.keyword, ...x.args.map((a) => a.text), shape(x.block)] : [x.keyword, ...x.args.map((a) => a.text)]));

test('braces on the same line, on the next line, and a whole block on one line give the same tree', () => {
  const a = parse('vrrp_instance VI_1 {\n  state MASTER\n  virtual_ipaddress {\n    10.0.0.1/24 dev eth0\n  }\n}\n');
  const b = parse('vrrp_instance VI_1\n{\n  state MASTER\n  virtual_ipaddress\n  {\n    10.0.0.1/24 dev eth0\n  }\n}\n');
  const c = parse('vrrp_instance VI_1 { state MASTER\nvirtual_ipaddress { 10.0.0.1/24 dev eth0 } }\n');
  const want = [['vrrp_instance', 'VI_1', [['state', 'MASTER'], ['virtual_ipaddress', [['10.0.0.1/24', 'dev', 'eth0']]]]]];
  for (const r of [a, b, c]) {
    assert.deepEqual(r.diags, []);
    assert.deepEqual(shape(r.stmts), want);
  }
});

test('quoted strings are one word, quotes removed, raw kept', () => {
  const { stmts } = parse('notify_master "/usr/bin/x.sh MASTER \\"q\\"" extra');
  assert.equal(stmts[0].args[0].text, '/usr/bin/x.sh MASTER \\"q\\"');
  assert.equal(stmts[0].args[0].raw, '"/usr/bin/x.sh MASTER \\"q\\""');
  assert.equal(stmts[0].args[0].quoted, true);
  assert.equal(stmts[0].args[1].text, 'extra');
});

test('every word keeps its line and column', () => {
  const { stmts } = parse('global_defs {\n   router_id   LVS_1\n}');
  const rid = stmts[0].block![0];
  assert.deepEqual([rid.pos.line, rid.pos.col, rid.args[0].pos.col], [2, 4, 16]);
});

test("a missing '}' is reported at the end of the file and at the block left open", () => {
  const { diags } = parse('vrrp_instance VI_1 {\n  priority 100\n');
  assert.deepEqual(diags.map((d) => [d.line, d.message]), [
    [2, "missing '}' at end of file"],
    [1, "'vrrp_instance' block is not closed: missing '}'"],
  ]);
});

test("an extra '}' is reported at its position", () => {
  const { diags, stmts } = parse('a {\n}\n}\nb\n');
  assert.deepEqual(diags.map((d) => [d.line, d.message]), [[3, "Extra '}' found"]]);
  assert.deepEqual(shape(stmts), [['a', []], ['b']]);
});

test('a stray block with no keyword is reported', () => {
  const { diags } = parse('{\n x\n}\n');
  assert.match(diags[0].message, /unexpected '\{'/);
});
