// The daemon's logging: which sink is chosen (journald, -l, syslog format, -G, json), syslog priorities,
// identifiers, detail lines, JSON fields, journald detection, no line lost on exit, and the CLI under a
// journald-like stream.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { closeSync, fstatSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { consoleLog } from '../../../src/core/console-log.js';
import { createLog, IDENT, journaldStream, parseFacility, type LogOptions } from '../../../src/core/logging.js';
import { chooseSink, syslogTimestamp } from '../../../src/core/log-format.js';
import { startDaemon } from './daemon-in-netns.js';

const AT = new Date(2026, 10, 1, 7, 5, 9); // Sun Nov  1 07:05:09 2026, local time

function capture(o: Partial<LogOptions> & { ident?: string }) {
  const out: string[] = [];
  const log = createLog({ ident: IDENT.parent, detail: false, console: false, destination: { write: (s: string) => out.push(s) }, now: () => AT, pid: 4242, journald: false, ...o });
  const all = (l: typeof log) => {
    l.debug('a debug line', { event: 'd' });
    l.info('an info line', { event: 'i' });
    l.warn('a warning line', { event: 'w' });
    l.error('an error line', { event: 'e' });
  };
  return { log, out, all };
}

describe('logging: sinks', () => {
  test('journald, -l, neither, -G: the sink keepalived would have used', () => {
    assert.equal(chooseSink({ journald: true, console: false, syslog: true }), 'journal');
    assert.equal(chooseSink({ journald: true, console: true, syslog: true }), 'journal');
    assert.equal(chooseSink({ journald: true, console: true, syslog: false }), 'journal');
    assert.equal(chooseSink({ journald: true, console: false, syslog: false }), 'none');
    assert.equal(chooseSink({ journald: false, console: true, syslog: true }), 'console');
    assert.equal(chooseSink({ journald: false, console: true, syslog: false }), 'console');
    assert.equal(chooseSink({ journald: false, console: false, syslog: true }), 'syslog');
    assert.equal(chooseSink({ journald: false, console: false, syslog: false }), 'none');
  });

  test('journald: sd-daemon priority prefixes <3> err, <4> warning, <6> info, <7> debug; no timestamp', () => {
    const c = capture({ journald: true, detail: true });
    c.all(c.log);
    assert.equal(c.log.sink, 'journal');
    assert.deepEqual(c.out, ['<7>a debug line\n', '<6>an info line\n', '<4>a warning line\n', '<3>an error line\n']);
  });

  test('journald: a child\'s ident rides as a prefix, the parent\'s does not (the unit names the stream)', () => {
    for (const ident of [IDENT.vrrp, IDENT.checker]) {
      const c = capture({ journald: true, ident });
      c.log.info('(VI_1) Entering MASTER STATE', { instance: 'VI_1' });
      assert.deepEqual(c.out, [`<6>${ident}: (VI_1) Entering MASTER STATE\n`]);
    }
    const p = capture({ journald: true });
    p.log.info('Startup complete');
    assert.deepEqual(p.out, ['<6>Startup complete\n']);
  });

  test('journald: every line of a multi-line message keeps its priority', () => {
    const c = capture({ journald: true, ident: IDENT.vrrp });
    c.log.error('VRRP start-up failed: Error: x\n    at f (a.js:1)');
    assert.deepEqual(c.out, ['<3>Keepalived_vrrp: VRRP start-up failed: Error: x\n<3>Keepalived_vrrp:     at f (a.js:1)\n']);
  });

  test('-l outside journald: exactly keepalived\'s console format, as before', () => {
    const c = capture({ console: true, detail: true, ident: IDENT.vrrp });
    c.all(c.log);
    const before: string[] = [];
    const old = consoleLog({ detail: true, write: (l) => before.push(l), now: () => AT });
    old.debug('a debug line');
    old.info('an info line');
    old.warn('a warning line');
    old.error('an error line');
    assert.deepEqual(c.out, before);
    assert.equal(c.out[1], 'Sun Nov  1 07:05:09 2026: an info line\n');
  });

  test('neither journald nor -l: syslog\'s own line on stderr, PRI = facility * 8 + severity, ident[pid]', () => {
    const c = capture({ detail: true, ident: IDENT.checker });
    c.all(c.log);
    assert.equal(c.log.sink, 'syslog');
    assert.deepEqual(c.out, [
      '<31>Nov  1 07:05:09 Keepalived_healthcheckers[4242]: a debug line\n',
      '<30>Nov  1 07:05:09 Keepalived_healthcheckers[4242]: an info line\n',
      '<28>Nov  1 07:05:09 Keepalived_healthcheckers[4242]: a warning line\n',
      '<27>Nov  1 07:05:09 Keepalived_healthcheckers[4242]: an error line\n',
    ]);
    const local3 = capture({ facility: parseFacility('local3') });
    local3.log.warn('x');
    assert.deepEqual(local3.out, ['<156>Nov  1 07:05:09 Keepalived[4242]: x\n']);
    assert.equal(syslogTimestamp(new Date(2026, 0, 31, 23, 59, 0)), 'Jan 31 23:59:00');
  });

  test('-G without -l outside journald logs nothing, as keepalived; -G -l still logs to the console', () => {
    const g = capture({ syslog: false });
    g.all(g.log);
    assert.deepEqual(g.out, []);
    const gl = capture({ syslog: false, console: true });
    gl.log.info('x');
    assert.equal(gl.out.length, 1);
  });

  test('-S: 0-7 and local0-7 are local0-7, user and daemon by name, anything else refused', () => {
    assert.equal(parseFacility('0'), 16);
    assert.equal(parseFacility('7'), 23);
    assert.equal(parseFacility('local5'), 21);
    assert.equal(parseFacility('LOCAL5'), 21);
    assert.equal(parseFacility('daemon'), 3);
    assert.equal(parseFacility('user'), 1);
    for (const bad of ['8', 'local8', 'foo', '', '-1', 'kern']) assert.equal(parseFacility(bad), undefined, bad);
  });
});

describe('logging: levels', () => {
  test('without -D debug (detail) lines are dropped; with -D they are written', () => {
    const off = capture({ journald: true });
    off.all(off.log);
    assert.deepEqual(off.out.map((l) => l.slice(0, 3)), ['<6>', '<4>', '<3>']);
    const on = capture({ journald: true, detail: true });
    on.all(on.log);
    assert.deepEqual(on.out.map((l) => l.slice(0, 3)), ['<7>', '<6>', '<4>', '<3>']);
  });

  test('--log-level overrides -D either way', () => {
    const warn = capture({ journald: true, detail: true, level: 'warn' });
    warn.all(warn.log);
    assert.deepEqual(warn.out.map((l) => l.slice(0, 3)), ['<4>', '<3>']);
    const debug = capture({ journald: true, detail: false, level: 'debug' });
    debug.all(debug.log);
    assert.equal(debug.out.length, 4);
  });
});

describe('logging: --log-format json', () => {
  test('pino JSON lines: msg in keepalived wording, the structured fields beside it, ident as name', () => {
    const c = capture({ json: true, ident: IDENT.vrrp });
    c.log.info('(VI_1) Entering MASTER STATE', { event: 'vrrp.state', instance: 'VI_1', vrid: 51, state: 'MASTER' });
    c.log.warn('Removing service [10.0.0.2]:tcp:80 from VS [10.0.0.1]:tcp:80', { vs: '[10.0.0.1]:tcp:80', rs: '[10.0.0.2]:tcp:80' });
    assert.equal(c.log.sink, 'json');
    const [a, b] = c.out.map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.deepEqual(a, { level: 30, time: AT.getTime(), pid: 4242, name: 'Keepalived_vrrp', event: 'vrrp.state', instance: 'VI_1', vrid: 51, state: 'MASTER', msg: '(VI_1) Entering MASTER STATE' });
    assert.equal(b.level, 40);
    assert.equal(b.vs, '[10.0.0.1]:tcp:80');
    assert.equal(b.rs, '[10.0.0.2]:tcp:80');
    assert.ok(c.out.every((l) => l.endsWith('\n') && !l.slice(0, -1).includes('\n')));
  });

  test('a field named like one of pino\'s own keys is renamed, never shadowing it', () => {
    const c = capture({ json: true });
    c.log.info('x', { name: 'chk_a', pid: 7, level: 'high', msg: 'm' });
    const j = JSON.parse(c.out[0]) as Record<string, unknown>;
    assert.equal(j.name, 'Keepalived');
    assert.equal(j.pid, 4242);
    assert.equal(j.level, 30);
    assert.equal(j.msg, 'x');
    assert.deepEqual([j.name_, j.pid_, j.level_, j.msg_], ['chk_a', 7, 'high', 'm']);
  });

  test('detail and --log-level apply to JSON too; under journald each JSON line carries <N>', () => {
    const off = capture({ json: true });
    off.log.debug('hidden');
    assert.deepEqual(off.out, []);
    const j = capture({ json: true, journald: true, detail: true });
    j.all(j.log);
    assert.deepEqual(j.out.map((l) => l.slice(0, 3)), ['<7>', '<6>', '<4>', '<3>']);
    assert.equal((JSON.parse(j.out[3].slice(3)) as { msg: string }).msg, 'an error line');
  });
});

describe('logging: journald detection (JOURNAL_STREAM=dev:inode of our stderr)', () => {
  const dir = mkdtempSync(join(tmpdir(), `kt-log-${process.pid}-`));
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('matches only the very stream the variable names', () => {
    const fd = openSync(join(dir, 'f'), 'w');
    try {
      const st = fstatSync(fd, { bigint: true });
      assert.equal(journaldStream({ JOURNAL_STREAM: `${st.dev}:${st.ino}` }, fd), true);
      assert.equal(journaldStream({ JOURNAL_STREAM: `${st.dev}:${st.ino + 1n}` }, fd), false);
      assert.equal(journaldStream({ JOURNAL_STREAM: `${st.dev + 1n}:${st.ino}` }, fd), false);
      assert.equal(journaldStream({ JOURNAL_STREAM: 'garbage' }, fd), false);
      assert.equal(journaldStream({}, fd), false);
      assert.equal(journaldStream({ JOURNAL_STREAM: `${st.dev}:${st.ino}` }, 987654), false); // no such fd
    } finally {
      closeSync(fd);
    }
  });
});

describe('logging: the real destination', () => {
  test('no line is lost when the process exits right after logging (synchronous writes)', () => {
    const script = `
      import { createLog } from ${JSON.stringify(new URL('../../../src/core/logging.js', import.meta.url).href)};
      const log = createLog({ ident: 'Keepalived_vrrp', detail: true, console: false, journald: true });
      for (let i = 0; i < 20000; i++) log.info('line ' + i, { i });
      process.exit(0);
    `;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', maxBuffer: 64 << 20, timeout: 30_000 });
    assert.equal(r.status, 0, r.stderr.slice(-500));
    const lines = r.stderr.split('\n').filter(Boolean);
    assert.equal(lines.length, 20000);
    assert.equal(lines[19999], '<6>Keepalived_vrrp: line 19999');
  });

  test('the CLI under a journald-like stream: every line <N>-prefixed, the VRRP side as Keepalived_vrrp', async () => {
    const d = startDaemon(['-n', '-D'], {}, { journald: true });
    try {
      await d.waitLine(/^<6>Startup complete$/);
      assert.equal(await d.stop(), 0);
      assert.ok(d.lines.includes('<6>Starting keepalived-ts (VRRP)'), d.lines.join('\n'));
      assert.ok(d.lines.includes('<6>Keepalived_vrrp: (VI_1) Entering BACKUP STATE (init)'), d.lines.join('\n'));
      assert.ok(d.lines.some((l) => /^<4>Keepalived_vrrp: .*Unknown keyword 'foo_bar_unknown'/.test(l)), d.lines.join('\n'));
      assert.ok(d.lines.includes('<7>Keepalived_vrrp: (VI_1) removing VIPs.'), d.lines.join('\n'));
      assert.ok(d.lines.includes('<6>Stopping') && d.lines.includes('<6>Stopped'), d.lines.join('\n'));
      assert.deepEqual(d.lines.filter((l) => !/^<[3467]>/.test(l)), []);
    } finally {
      d.cleanup();
    }
  });

  test('the CLI with -l and the same environment but another stderr: the console format, unchanged', async () => {
    // JOURNAL_STREAM inherited but naming some other stream: not journald
    const d = startDaemon(['-n', '-l'], { JOURNAL_STREAM: '1:2' });
    try {
      await d.waitLine(/: Startup complete$/);
      await d.stop();
      assert.ok(d.lines.every((l) => /^\w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4}: /.test(l)), d.lines.join('\n'));
    } finally {
      d.cleanup();
    }
  });
});
