// Health checks side by side with keepalived 2.2.7, in ONE UML boot (check-run.ts, check-driver.ts):
// real TCP, HTTP, HTTPS, SMTP, DNS and UDP servers (fixtures/check-fleet.ts) and MISC_CHECK scripts,
// which the test starts, stops, slows and breaks, while keepalived -C and our -C run the same
// configuration (check-scenario.ts), each in its own namespace. After each event, once both have
// settled: keepalived's table is what the scenario says (the scenario's own sanity), ours equals
// keepalived's, each reacted within delay_loop + retry × (delay_before_retry + timeout) + timeout of
// the event plus MARGIN_MS, and each logged keepalived's lines for it.
// Also: quorum lost and regained with hysteresis, the sorry server in and out, inhibit_on_failure,
// alpha, misc_dynamic weights, ha_suspend.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { REPO } from './side-by-side-cases.js';
import { runCheckLab, type CheckLabRun } from './check-run.js';
import { canonicalSave, describeVerdict, judgeRun, problems, type EventVerdict } from './check-judge.js';
import { LAB, STEP_COUNT, TRACKS } from './check-scenario.js';

/**
 * UML slowness on top of the bound. Measured over six runs on a 2-core machine, the instance's one CPU
 * 60–95 % busy: keepalived overran the bound by at most 0.45 s, ours by at most 0.81 s (accept-then-hang
 * and silent-UDP cases: each attempt's timer starts after the previous check's own run time, and
 * everything shares one emulated CPU). The margin leaves room for a loaded host.
 */
const MARGIN_MS = 2000;
/** A step ends once nothing changed in either table for this long (after its bound + margin). */
const SETTLE_MS = 1500;

describe('health checks side by side with keepalived 2.2.7 (UML)', { timeout: 10 * 60_000 }, () => {
  let lab: CheckLabRun;
  let verdicts: EventVerdict[] = [];

  before(async () => {
    lab = await runCheckLab({
      main: join(REPO, 'dist/src/cli/main.js'),
      driver: join(REPO, 'dist/test/lab/check-driver.js'),
      marginMs: MARGIN_MS,
      settleMs: SETTLE_MS,
      keep: process.env.KT_LAB_KEEP === '1',
    });
    verdicts = judgeRun(lab.result, lab.miscScript);
    // for debugging: the whole record (tables, changes, both logs, probes, ps) as JSON
    if (process.env.KT_CHECK_LAB_RECORD) await writeFile(process.env.KT_CHECK_LAB_RECORD, JSON.stringify({ ...lab, run: { ...lab.run, console: '' } }, null, 1));
  });

  test('the lab ran: every step settled, the driver saw no errors, both daemons started and stopped cleanly', (t) => {
    const r = lab.result;
    t.diagnostic(`UML boot ${lab.run.timings.bootMs} ms, script ${lab.run.timings.scriptMs} ms, total ${lab.run.timings.totalMs} ms; instance CPU ${r.busyPct}% busy`);
    if (lab.run.labDir) t.diagnostic(`lab directory kept: ${lab.run.labDir}`);
    for (const s of r.steps) t.diagnostic(`step ${s.index}: ${s.endMs - s.startMs} ms, CPU ${s.busyPct}%${s.capped ? ', did not settle' : ''}`);
    const bad: string[] = [...r.errors];
    if (r.steps.length !== STEP_COUNT + 1) bad.push(`${r.steps.length} steps recorded, ${STEP_COUNT + 1} expected`);
    for (const s of r.steps) if (s.capped) bad.push(`step ${s.index} never settled (a table kept changing)`);
    for (const [who, d] of Object.entries(r.daemons)) {
      if (d.startedMs === null) bad.push(`${who} never logged its start-up marker`);
      if (d.exitCode !== 0) bad.push(`${who} exited with ${d.exitCode ?? d.exitSignal} at ${d.exitedMs} ms`);
      if (d.afterStop.trim().split('\n').some((l) => /^-[Aa] /.test(l))) bad.push(`${who} left entries after SIGTERM:\n${d.afterStop}`);
    }
    assert.deepEqual(bad, []);
  });

  test("keepalived does what the scenario says: its tables, reaction times and log lines (the scenario's sanity)", (t) => {
    const report: string[] = [];
    for (const v of verdicts) {
      const issues = problems(v, 'keepalived', MARGIN_MS);
      if (issues.length) report.push(describeVerdict(v, 'keepalived', issues));
      else if (v.step > 0) t.diagnostic(`${v.track}/${v.event}: ${v.reactionMs.keepalived === null ? 'no change (as expected)' : `${v.reactionMs.keepalived} ms`} (bound ${v.boundMs} ms)`);
    }
    // the scenario covers every track at every step it has events for
    assert.equal(verdicts.length, TRACKS.length + TRACKS.reduce((n, tr) => n + tr.events.length, 0));
    assert.equal(report.length, 0, report.join('\n'));
  });

  test("ours: after start-up and after every event, its table equals keepalived's", () => {
    const report: string[] = [];
    for (const s of lab.result.steps) {
      // services with a deliberate difference in this step are compared with the scenario below instead
      const differing = verdicts.filter((v) => v.step === s.index && v.ours).map((v) => TRACKS.find((t) => t.name === v.track)!);
      const skip = (l: string) => differing.some((t) => l.includes(` ${t.vip}:${t.port} `) || l.endsWith(` ${t.vip}:${t.port}`));
      const k = canonicalSave(s.tables.keepalived.save).filter((l) => !skip(l));
      const o = canonicalSave(s.tables.ours.save).filter((l) => !skip(l));
      const kOnly = k.filter((l) => !o.includes(l));
      const oOnly = o.filter((l) => !k.includes(l));
      if (kOnly.length || oOnly.length) {
        const events = s.events.map((e) => `${e.track}/${e.event}`).join(' ') || 'start-up';
        report.push([`step ${s.index} (${events}):`, ...kOnly.map((l) => `  keepalived only: ${l}`), ...oOnly.map((l) => `  ours only:       ${l}`)].join('\n'));
      }
    }
    assert.equal(report.length, 0, report.join('\n'));
  });

  test('ours: reacts to every event within the bound, and only where keepalived does', () => {
    const report: string[] = [];
    for (const v of verdicts) {
      const issues = v.ours
        ? problems({ ...v, expectChange: v.ours.expectChange, missingLogs: { ...v.missingLogs, ours: [] } }, 'ours', MARGIN_MS, v.ours.table)
        : problems({ ...v, missingLogs: { ...v.missingLogs, ours: [] } }, 'ours', MARGIN_MS, v.dests.keepalived);
      if (issues.length) report.push(describeVerdict(v, 'ours', issues));
    }
    assert.equal(report.length, 0, `${report.length} event(s):\n${report.join('\n')}`);
  });

  test("ours: logs keepalived's lines for every event", () => {
    const report = verdicts
      .filter((v) => v.missingLogs.ours.length)
      .map((v) => `step ${v.step} ${v.track}/${v.event}: did not log ${v.missingLogs.ours.map((l) => JSON.stringify(l)).join(', ')}`);
    assert.equal(report.length, 0, `${report.length} event(s):\n${report.join('\n')}`);
  });

  test('deliberate differences: each still holds, both ways (keepalived as the scenario says, ours as documented)', (t) => {
    const differing = verdicts.filter((v) => v.ours);
    assert.ok(differing.length > 0);
    for (const v of differing) {
      t.diagnostic(`${v.track}/${v.event}: ${v.ours!.why}`);
      assert.deepEqual(v.dests.keepalived, v.expected, `${v.track}/${v.event}: keepalived`);
      assert.deepEqual(v.dests.ours, v.ours!.table, `${v.track}/${v.event}: ours`);
    }
  });

  test('ours: probes every real server, as keepalived does', () => {
    // the fleet counts probes by source address, which tells the two directors apart
    const k = LAB.directors.keepalived.addr;
    const o = LAB.directors.ours.addr;
    const unprobed = Object.entries(lab.result.probes)
      .filter(([, by]) => (by[k] ?? 0) > 0 && (by[o] ?? 0) === 0)
      .map(([id, by]) => `${id} (keepalived ${by[k]} probes, ours 0)`);
    assert.deepEqual(unprobed, []);
  });
});
