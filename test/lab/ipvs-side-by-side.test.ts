// "The same ipvsadm -Ln as keepalived": every Debian sample and example with a virtual_server, and the
// fixtures in test/fixtures/ipvs, run through keepalived 2.2.7's checker (-C) and through our daemon,
// each in a fresh network namespace of ONE UML boot. While running, every ipvsadm view must be equal
// (after canonical sorting); after SIGTERM both tables must be empty.
//
// Health checkers are stripped from a COPY of each file for both daemons alike (TCP_CHECK, HTTP_GET,
// SSL_GET, MISC_CHECK, SMTP_CHECK, DNS_CHECK, UDP_CHECK, PING_CHECK, FILE_CHECK, BFD_CHECK): ours has
// none yet, and keepalived's would fail against the lab's unreachable real servers and change its table.
// The sorry server is brought in without a checker, by weight: a virtual server whose real servers all
// weigh 0 has lost quorum in keepalived and in our model alike.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO, sideBySideCases, type SideBySideCase } from './side-by-side-cases.js';
import { stripCheckers } from './side-by-side-strip.js';
import { runSideBySide, type SideBySideRun } from './side-by-side-run.js';
import { compareCase, formatDifference, tableEntries, type ExpectedDifference } from './side-by-side-compare.js';
import { SCHEDULER_MODULES } from './uml.js';

/**
 * Real differences that are keepalived's bugs or quirks, each with its reason. `ours` rewrites one of our
 * canonical lines (side-by-side-compare.ts: `S <service line>` / `D <key> <dest line>` for listings, the
 * raw line for -S) into what keepalived shows; the test fails if an expectation no longer rewrites anything.
 */
export const EXPECTED_DIFFERENCES: readonly ExpectedDifference[] = [
  {
    case: 'fixture.groups',
    reason:
      'keepalived 2.2.7 drops persistence_granularity on every virtual_server_group entry: ipvs_set_srule() sets ' +
      'the netmask, then ipvs_group_range_cmd() (address entries) and the fwmark loop of ipvs_group_cmd() reset ' +
      'it to /32 or /128 (unchanged upstream at HEAD). We program the granularity the configuration asks for, ' +
      'as keepalived does for a virtual server that is not a group.',
    ours: (line, view) => (view === 'save' ? line.replace(/ -M \S+/, '') : /^S /.test(line) ? line.replace(/ mask \S+$/, '') : line),
  },
];

const SAMPLE_COUNT_AT_LEAST = 16; // Debian 2.2.7 ships 16 samples with a virtual_server

describe('IPVS side by side with keepalived 2.2.7 (UML)', { timeout: 30 * 60_000 }, () => {
  let cases: SideBySideCase[] = [];
  let dir = '';
  let result: SideBySideRun;
  const stripped = new Map<string, Record<string, number>>();

  before(async () => {
    cases = sideBySideCases();
    dir = await mkdtemp(join(tmpdir(), 'kt-sbs-'));
    const inputs = [];
    for (const c of cases) {
      const { text, removed } = stripCheckers(await readFile(c.file, 'utf8'));
      const file = join(dir, `${c.name}.conf`);
      await writeFile(file, text);
      stripped.set(c.name, removed);
      inputs.push({ name: c.name, file, ...(c.configId ? { configId: c.configId } : {}) });
    }
    result = await runSideBySide(inputs, {
      main: join(REPO, 'dist/src/cli/main.js'),
      parallel: process.env.KT_SBS_SERIAL !== '1',
    });
  });

  after(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('the inputs: every sample and example with a virtual_server, and the fixtures', () => {
    const names = cases.map((c) => c.name);
    assert.ok(names.filter((n) => n.startsWith('sample.')).length >= SAMPLE_COUNT_AT_LEAST, `samples: ${names.join(' ')}`);
    for (const n of ['example.dr-pair-wrr-persistence', 'example.fwmark-and-groups', 'example.ipv6', 'example.nat-http-get']) {
      assert.ok(names.includes(n), `${n} is missing from ${names.join(' ')}`);
    }
    assert.equal(cases.find((c) => c.name === 'example.dr-pair-wrr-persistence')?.configId, 'director1');
    for (const n of ['schedulers', 'lb-kinds', 'persistence', 'families-fwmark', 'groups', 'sorry-quorum']) {
      assert.ok(names.includes(`fixture.${n}`), `fixture ${n} is missing`);
    }
    // The checkers really were taken out of the copies (the samples are full of them).
    const total = [...stripped.values()].reduce((n, r) => n + Object.values(r).reduce((a, b) => a + b, 0), 0);
    assert.ok(total > 20, `only ${total} checker blocks stripped`);
  });

  test('both daemons start, settle and stop on every file', () => {
    const problems: string[] = [];
    for (const c of cases) {
      const pair = result.runs.get(c.name)!;
      for (const [who, r] of Object.entries(pair)) {
        if (!r.started) problems.push(`${c.name}: ${who} never logged its start-up marker\n${r.log}`);
        if (r.unstable) problems.push(`${c.name}: ${who}'s table never settled`);
        if (r.killed) problems.push(`${c.name}: ${who} ignored SIGTERM for 20 s`);
        if (r.exitCode !== 0) problems.push(`${c.name}: ${who} exited with ${r.exitCode}\n${r.log}`);
      }
    }
    assert.deepEqual(problems, []);
  });

  test('the running tables are the same, and both are empty after SIGTERM', () => {
    const report: string[] = [];
    for (const c of cases) {
      const { keepalived, ours } = result.runs.get(c.name)!;
      const { differences, rewritten } = compareCase(c.name, keepalived, ours, EXPECTED_DIFFERENCES);
      report.push(...differences.map(formatDifference));
      for (const [e, n] of rewritten) if (n === 0) report.push(`expected difference not seen in ${e.case}: ${e.reason}`);
    }
    for (const e of EXPECTED_DIFFERENCES) {
      if (!cases.some((c) => c.name === e.case)) report.push(`expected difference for an unknown case ${e.case}`);
    }
    for (const c of cases) {
      for (const [who, r] of Object.entries(result.runs.get(c.name)!)) {
        const left = tableEntries(r.stopped.save);
        if (left.length) report.push(`${c.name}: ${who} left ${left.length} entries after SIGTERM:\n  ${left.join('\n  ')}`);
      }
    }
    assert.equal(report.length, 0, `${report.length} difference(s):\n${report.join('\n')}`);
  });

  test('the kernel saw every feature the fixtures are there for', () => {
    // Read off keepalived's own tables: proves the files exercise these in the kernel, not just parse.
    const all = cases.flatMap((c) => {
      const k = result.runs.get(c.name)!.keepalived.running;
      return [k.save, k.thresholds];
    }).join('\n');
    const want: Array<[string, RegExp]> = [
      ...SCHEDULER_MODULES.map((m): [string, RegExp] => [`scheduler ${m.slice(6)}`, new RegExp(`-s ${m.slice(6)}( |$)`, 'm')]),
      ['IPv4 TCP', /^-A -t \d+\.\d+\.\d+\.\d+:\d+/m],
      ['IPv6 TCP', /^-A -t \[[0-9a-f:]+\]:\d+/m],
      ['UDP', /^-A -u /m],
      ['SCTP', /^-A --sctp-service /m],
      ['fwmark IPv4', /^-A -f \d+ -s /m],
      ['fwmark IPv6', /^-A -f \d+ -6 /m],
      ['NAT', / -m -w/],
      ['DR', / -g -w/],
      ['TUN ipip', /--tun-type ipip/],
      ['TUN gue', /--tun-type gue --tun-port \d+/],
      ['TUN gre', /--tun-type gre/],
      ['tunnel checksum', /--tun-csum/],
      ['tunnel remote checksum', /--tun-remcsum/],
      ['IPv4 persistence granularity', /-p \d+ -M 255\.255\.255\.0/],
      ['IPv6 persistence granularity', /-p \d+ -M 64/],
      ['persistence engine', /--pe sip/],
      ['one-packet scheduling', /^-A .* -o\b/m],
      ['sh flags', /-b sh-fallback,sh-port/],
      ['mh flags', /-b mh-fallback,mh-port/],
      ['weight 0', / -w 0\b/],
      ['thresholds', /^\s+-> \S+\s+100\s+10\s/m],
      ['sorry server in (quorum lost)', /-r 10\.50\.1\.9:8080 -m -w 1/],
      ['inhibited sorry server', /-r 10\.50\.1\.9:8080 -m -w 0/],
    ];
    const missing = want.filter(([, re]) => !re.test(all)).map(([n]) => n);
    assert.deepEqual(missing, [], `not in any keepalived table:\n${all}`);
  });

  test('timings', (t) => {
    const lines = [`UML: boot ${result.timings.bootMs} ms, modules ${result.timings.modulesMs} ms, script ${result.timings.scriptMs} ms, total ${result.timings.totalMs} ms`];
    for (const c of cases) {
      const { keepalived: k, ours: o } = result.runs.get(c.name)!;
      lines.push(`${c.name}: ${result.perFileMs.get(c.name)} ms (keepalived start ${k.startMs} stop ${k.stopMs}; ours start ${o.startMs} stop ${o.stopMs})`);
    }
    for (const l of lines) t.diagnostic(l);
    assert.ok(result.timings.totalMs > 0);
  });
});
