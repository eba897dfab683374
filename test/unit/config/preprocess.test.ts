import test from 'node:test';
import assert from 'node:assert/strict';
import { preprocess } from '../../../src/config/preprocess.js';
import { DiagnosticSink } from '../../../src/config/issues.js';
import { memoryHost } from './memory-host.js';
import { colAt } from '../../../src/config/source-line.js';

function run(files: Record<string, string>, configId = 'nodeA', extra: { allConfig?: boolean } = {}) {
  const sink = new DiagnosticSink();
  const r = preprocess('/etc/k/keepalived.conf', memoryHost(files), { configId, random: () => 0.5, ...extra }, sink);
  return { lines: r.lines.map((l) => l.text), src: r.lines, diags: sink.items, files: r.files };
}

test('comments: # and ! start a comment outside quotes; \\# is a literal', () => {
  const r = run({ '/etc/k/keepalived.conf': 'a b # c\n"x # y" ! z\nfoo\\#bar\n   \n! whole line\n' });
  assert.deepEqual(r.lines, ['a b', '"x # y"', 'foo#bar']);
});

test('@id keeps the line only for the matching config-id; @^id reverses it', () => {
  const text = '@nodeA priority 150\n@nodeB priority 100\n@^nodeA state BACKUP\n@^nodeB state MASTER\n';
  assert.deepEqual(run({ '/etc/k/keepalived.conf': text }).lines, ['priority 150', 'state MASTER']);
  assert.deepEqual(run({ '/etc/k/keepalived.conf': text }, 'nodeB').lines, ['priority 100', 'state BACKUP']);
});

test('@id keeps the original column of the rest of the line', () => {
  const r = run({ '/etc/k/keepalived.conf': '@nodeA   priority 150\n' });
  assert.equal(colAt(r.src[0], 0), 10);
});

test('$NAME=value definitions expand as $NAME and ${NAME}; undefined names stay', () => {
  const r = run({ '/etc/k/keepalived.conf': '$IF=eth0\n$PRIO = 150\ninterface $IF\npriority ${PRIO}0\nx $UNDEF\n' });
  assert.deepEqual(r.lines, ['interface eth0', 'priority 1500', 'x $UNDEF']);
});

test('expansion is recursive and evaluated at use time', () => {
  const r = run({ '/etc/k/keepalived.conf': '$A=$B\n$B=one\nv $A\n$B=two\nv $A\n' });
  assert.deepEqual(r.lines, ['v one', 'v two']);
});

test('a self-referencing definition is reported, not looped on', () => {
  const r = run({ '/etc/k/keepalived.conf': '$A=x $A\nv $A\n' });
  assert.ok(r.diags.some((d) => /does not terminate/.test(d.message)));
});

test('multi-line definitions expand to several lines', () => {
  const r = run({ '/etc/k/keepalived.conf': '$RS= \\\nreal_server 10.0.0.1 80 { \\\n  weight 1 \\\n}\n$RS\n' });
  assert.deepEqual(r.lines, ['real_server 10.0.0.1 80 {', 'weight 1', '}']);
});

test('~SEQ repeats the rest of the line with the variable set', () => {
  const r = run({ '/etc/k/keepalived.conf': '~SEQ(N,150,2,154) 10.0.0.$N\n~SEQ(I, 3) x$I\n~SEQx(H,9,11) ::$H\n' });
  assert.deepEqual(r.lines, ['10.0.0.150', '10.0.0.152', '10.0.0.154', 'x1', 'x2', 'x3', '::9', '::a', '::b']);
});

test('~LST repeats for each listed value', () => {
  assert.deepEqual(run({ '/etc/k/keepalived.conf': '~LST(V, a, b) item $V\n' }).lines, ['item a', 'item b']);
});

test('a bad ~SEQ is an error with its position', () => {
  const r = run({ '/etc/k/keepalived.conf': 'x\n~SEQ(N,1,-1,5) y\n' });
  assert.equal(r.diags[0].line, 2);
  assert.match(r.diags[0].message, /Invalid ~SEQ values/);
});

test('include with a glob, relative to the including file, keeps each file\'s own positions', () => {
  const r = run({
    '/etc/k/keepalived.conf': 'top\ninclude conf.d/*.conf\nend\n',
    '/etc/k/conf.d/a.conf': '\n  inner_a\n',
    '/etc/k/conf.d/b.conf': 'inner_b\n',
  });
  assert.deepEqual(r.lines, ['top', 'inner_a', 'inner_b', 'end']);
  assert.deepEqual([r.src[1].file, r.src[1].line, colAt(r.src[1], 0)], ['/etc/k/conf.d/a.conf', 2, 3]);
  assert.deepEqual(r.files, ['/etc/k/keepalived.conf', '/etc/k/conf.d/a.conf', '/etc/k/conf.d/b.conf']);
});

test('include with braces', () => {
  const r = run({ '/etc/k/keepalived.conf': 'include {a,b}.conf\n', '/etc/k/a.conf': 'A\n', '/etc/k/b.conf': 'B\n' });
  assert.deepEqual(r.lines, ['A', 'B']);
});

test('a missing include is skipped as keepalived does; with -e it makes the config unusable', () => {
  const files = { '/etc/k/keepalived.conf': 'include nothere.conf\nx\n' };
  assert.deepEqual(run(files).diags.map((d) => d.severity), ['notice']);
  assert.deepEqual(run(files, 'n', { allConfig: true }).diags.map((d) => [d.severity, d.line]), [['fatal', 1]]);
});

test('a circular include is reported at the include line', () => {
  const r = run({ '/etc/k/keepalived.conf': 'include b.conf\n', '/etc/k/b.conf': 'x\ninclude keepalived.conf\n' });
  assert.deepEqual(r.lines, ['x']);
  const d = r.diags.find((x) => /circular/.test(x.message));
  assert.ok(d);
  assert.deepEqual([d.file, d.line], ['/etc/k/b.conf', 2]);
});

test('predefined definitions: ${_INSTANCE}, ${_HASH}, ${_BANG}, ${_PWD}, ${_RANDOM min max}', () => {
  const r = run({ '/etc/k/keepalived.conf': 'a ${_INSTANCE}\nb "${_HASH}${_BANG}"\nc ${_PWD}\nd ${_RANDOM 10 20}\n' });
  assert.deepEqual(r.lines, ['a nodeA', 'b "#!"', 'c /etc/k', 'd 15']);
});

test('an unterminated quote is reported', () => {
  const r = run({ '/etc/k/keepalived.conf': 'notify "/bin/x arg\n' });
  assert.equal(r.diags[0].message, 'unterminated quote');
  assert.deepEqual([r.diags[0].line, r.diags[0].col], [1, 8]);
});
