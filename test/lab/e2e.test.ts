// End to end in the kernel lab (User-Mode Linux with IPVS), in ONE boot (e2e-run.ts, e2e-driver.ts): a
// client sends a steady stream of requests, each on a new connection, through the VIP of an LVS-DR and of
// an LVS-NAT virtual server that one director pair serves (e2e-scenario.ts), and keeps one long-lived
// connection open through each. With ours on both directors: zero failed requests across a reload changing
// a weight, a reload adding a real server, a reload with a broken file (refused; nothing changes), kill -9
// of the master's checker child (restarted; VRRP and the table untouched) and the graceful removal of a
// real server (weight 0, drain, remove); the master dying costs at most the failover time in failed
// requests, and with lvs_sync_daemon the long-lived connections carry on through the backup.
// Then migration: keepalived 2.2.7 on one director, ours on the other, reloaded and failed over in both
// directions, keep exactly one master and serve traffic throughout.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { runE2eLab, type E2eLabRun } from './e2e-run.js';
import { DIRS, NET, STREAMS, TIMING } from './e2e-scenario.js';
import type { E2eResult, StepRecord } from './e2e-record.js';
import {
  echoVerdict, failed, logged, masterCount, sent, step, stepTally, tableChanges, tally, transitions, vipChanges,
} from './e2e-judge.js';

const dist = (p: string) => fileURLToPath(new URL(p, import.meta.url));

/** The zero-failure events, in order: each step's own window (event + settle) must have no failed request. */
const ZERO_STEPS = ['reload-weight', 'reload-add-rs3', 'reload-broken', 'kill-checker', 'drain-rs2', 'remove-rs2'] as const;
const MIGRATION_STEPS = [
  'mig-keepalived-joins', 'mig-reload-both', 'mig-keepalived-stops', 'mig-keepalived-restarts', 'mig-keepalived-lowered',
  'mig-ours-stops', 'mig-ours-restarts',
] as const;

/** The backup's master-down interval at priority 100: 3 × advert_int + (256 − 100) / 256 s. */
const MASTER_DOWN_MS = 3 * TIMING.advertS * 1000 + Math.round(((256 - 100) / 256) * TIMING.advertS * 1000);
/**
 * UML slowness on top of VRRP's own timing, for the failover and the VIP samples (polled every 100 ms).
 * Measured over nine runs: the VIPs were on the backup 2.7–3.3 s after the kill (master-down 3.61 s after
 * the last advert, which came up to 1 s before the kill).
 */
const FAILOVER_MARGIN_MS = 1500;
/**
 * Failed requests during the failover, as time: failed × request interval ≤ failover + this. A request sent
 * while nobody holds the VIP fails unless TCP's SYN retry (1 s, then 3 s: past the 3 s request timeout)
 * lands after the takeover, so in practice it is about failover − 1 s (measured: 1.4–2.0 s of requests for
 * 2.7–3.3 s failovers); the margin covers requests in flight at the kill and the polling's resolution.
 */
const FAILED_MARGIN_MS = 1000;
/** Two directors holding VIPs at once (a preemption: the new master adds, the old one drops on its advert). */
const BOTH_MAX_MS = 1500;
/** Nobody holding every VIP (a stopping master's priority-0 advert: the backup waits its skew time, ≤ 0.8 s here). */
const NONE_MAX_MS = 2500;
/** After a migration step's VRRP change has shown, requests sent this much later must all succeed. */
const MIGRATION_CALM_MS = 1500;

function fmt(t: ReturnType<typeof stepTally>): string {
  return STREAMS.map((s) => `${s} ${t[s].total} sent, ${t[s].failed} failed ${JSON.stringify(t[s].by)}`).join('; ');
}

describe('end to end in UML: a DR and a NAT VIP through reloads, a checker crash, a drain, a master crash, and a migration to and from keepalived', { timeout: 10 * 60_000 }, () => {
  let lab: E2eLabRun;
  let r: E2eResult;

  before(async () => {
    lab = await runE2eLab({
      main: dist('../../src/cli/main.js'),
      driver: dist('./e2e-driver.js'),
      server: dist('./fixtures/e2e-server.js'),
      keep: process.env.KT_LAB_KEEP === '1',
    });
    r = lab.result;
    // for debugging: the whole record (requests, tables, VIPs, every daemon's log) as JSON
    if (process.env.KT_E2E_RECORD) await writeFile(process.env.KT_E2E_RECORD, JSON.stringify({ ...lab, run: { ...lab.run, console: '' } }, null, 1));
  });

  test('the lab ran every step to its end', (t) => {
    t.diagnostic(`UML boot ${lab.run.timings.bootMs} ms, script ${lab.run.timings.scriptMs} ms, total ${lab.run.timings.totalMs} ms; instance CPU ${r.busyPct}% busy`);
    for (const s of r.steps) {
      t.diagnostic(`${s.name}: ${s.endMs - s.startMs} ms (effect after ${s.appliedMs === null ? '-' : s.appliedMs - s.startMs} ms), CPU ${s.busyPct}%: ${fmt(stepTally(r, s))}`);
    }
    assert.deepEqual(r.errors, [], `the scenario stopped early:\n${r.errors.join('\n')}\n${tail(r)}`);
    assert.deepEqual(r.steps.map((s) => s.name), ['start', ...ZERO_STEPS, 'crash-master', ...MIGRATION_STEPS]);
    for (const s of r.steps) assert.notEqual(s.appliedMs, null, `${s.name} never took effect`);
    for (const d of r.daemons) {
      // the crashed director was killed on purpose; every other daemon ends by our SIGTERM, with 0
      if (d.exitSignal === 'SIGKILL' && d.id === 'ours@dir1#1') continue;
      assert.equal(d.exitCode, 0, `${d.id} exited with ${d.exitCode ?? d.exitSignal}\n${d.log.slice(-20).map((l) => l.line).join('\n')}`);
    }
  });

  test('zero failed requests through DR and NAT across the reloads, the broken file, the checker kill and the graceful removal', (t) => {
    const from = step(r, ZERO_STEPS[0]).startMs;
    const to = step(r, 'crash-master').startMs;
    const report: string[] = [];
    for (const name of ZERO_STEPS) {
      const tl = stepTally(r, step(r, name));
      t.diagnostic(`${name}: ${fmt(tl)}`);
      for (const s of STREAMS) if (tl[s].failed > 0) report.push(`${name}/${s}: ${tl[s].failed} failed ${JSON.stringify(tl[s].failures)}`);
    }
    // the whole stretch, settle periods included, and enough traffic in it to mean something
    for (const s of STREAMS) {
      const all = tally(sent(r, s, from, to));
      assert.ok(all.total >= ((to - from) / TIMING.requestMs) * 0.7, `${s}: only ${all.total} requests in ${to - from} ms`);
      if (all.failed > 0) report.push(`${s}: ${all.failed} of ${all.total} failed between the first reload and the crash`);
    }
    assert.deepEqual(report, []);
  });

  test('the main events never touched VRRP: no transition, the VIPs stayed on dir1', () => {
    const from = step(r, ZERO_STEPS[0]).startMs;
    const to = step(r, 'crash-master').startMs;
    assert.deepEqual(transitions(r, from, to), []);
    for (const d of DIRS) assert.deepEqual(vipChanges(r, d, from, to), [], `${d}'s VIPs changed`);
  });

  test('a reload changing a weight, then one adding rs3: both tables follow, rs3 takes requests', (t) => {
    for (const name of ['reload-weight', 'reload-add-rs3']) {
      const s = step(r, name);
      t.diagnostic(`${name}: both tables as the file says ${s.notes.reloadMs} ms after SIGHUP`);
    }
    const add = step(r, 'reload-add-rs3');
    for (const s of STREAMS) {
      const after = tally(sent(r, s, add.appliedMs!, add.endMs));
      assert.ok((after.by.rs3 ?? 0) > 0, `${s}: rs3 answered none of ${after.total} requests after it was added`);
    }
  });

  test('a reload with a broken file: refused by both parents, and nothing changes', () => {
    const s = step(r, 'reload-broken');
    for (const d of r.daemons.filter((x) => x.kind === 'ours' && x.spawnedMs < s.startMs)) {
      assert.ok(logged(r, d.id, 'New configuration refused', s.startMs, s.endMs).length === 1, `${d.id} did not log the refusal`);
      assert.deepEqual(logged(r, d.id, 'Reload complete', s.startMs, s.endMs), [], `${d.id} reloaded the broken file`);
    }
    for (const d of DIRS) assert.deepEqual(tableChanges(r, d, s.startMs, s.endMs), [], `${d}'s table changed`);
  });

  test('kill -9 of the master\'s checker child: restarted, the VRRP child and the table untouched', (t) => {
    const s = step(r, 'kill-checker');
    const n = s.notes as {
      checkerPid: number; newCheckerPid: number; vrrpPid: number; vrrpPidAfter: number; vrrpAliveAfter: boolean; checkerAliveAfter: boolean;
      killedMs: number; restartedMs: number; statsBefore: Record<string, number>; statsAfter: Record<string, number>;
    };
    t.diagnostic(
      `checker ${n.checkerPid} killed; ${n.newCheckerPid} started ${n.restartedMs - n.killedMs} ms later, its checkers ${s.appliedMs! - n.killedMs} ms later; ` +
        `watched until ${s.endMs - n.killedMs} ms; VRRP child ${n.vrrpPid} → ${n.vrrpPidAfter}`,
    );
    assert.notEqual(n.newCheckerPid, n.checkerPid);
    assert.ok(n.checkerAliveAfter, 'the new checker child is gone again');
    assert.equal(n.vrrpPidAfter, n.vrrpPid, 'the VRRP child changed');
    assert.ok(n.vrrpAliveAfter, 'the VRRP child is gone');
    assert.equal(logged(r, 'ours@dir1#1', `Healthcheck child process(${n.checkerPid}) died: Respawning`, s.startMs, s.endMs).length, 1);
    for (const d of DIRS) assert.deepEqual(tableChanges(r, d, s.startMs, s.endMs), [], `${d}'s table changed`);
    // the samples every 100 ms could miss a delete and re-add; the kernel's counters cannot (a re-added
    // destination starts again from 0)
    const dropped = Object.entries(n.statsBefore).filter(([k, v]) => (n.statsAfter[k] ?? -1) < v);
    assert.deepEqual(dropped, [], 'connection counters went down: destinations were deleted and added again');
  });

  test('graceful removal of rs2 (weight 0, drain, remove): no new connection to rs2 once inhibited, no failure', (t) => {
    const drain = step(r, 'drain-rs2');
    const remove = step(r, 'remove-rs2');
    t.diagnostic(`rs2 at weight 0 on both ${drain.appliedMs! - drain.startMs} ms after SIGHUP; drained ${(drain.notes.drainedMs as number) - drain.appliedMs!} ms later; removed ${remove.appliedMs! - remove.startMs} ms after SIGHUP`);
    for (const s of STREAMS) {
      const after = tally(sent(r, s, drain.appliedMs!, remove.endMs));
      assert.equal(after.by.rs2 ?? 0, 0, `${s}: rs2 answered requests sent after it was inhibited`);
      assert.equal(after.failed, 0);
      assert.ok(after.total > 50, `${s}: only ${after.total} requests`);
      // the hazard of a removal: a later connection from a source port rs2 once served, steered to rs2 by a
      // leftover entry and dropped (to the end of the run, whichever director is master). TIME_WAIT entries
      // do not steer: a new SYN on one is scheduled afresh (conn_reuse_mode 1).
      const rs2 = [`${NET.rs[1]!.lan}:${NET.httpPort}`, `${NET.rs[1]!.nat}:${NET.httpPort}`];
      const steered = r.requests[s]
        .filter((q) => q.s > remove.appliedMs! && failed(q) && (q.c ?? []).some((c) => rs2.some((d) => c.includes(`-> ${d} `)) && !c.endsWith(' TIME_WAIT')))
        .map((q) => `${q.s} port ${q.p}: ${q.o} ${JSON.stringify(q.c)}`);
      t.diagnostic(`${s}: ${r.requests[s].filter((q) => q.s > remove.appliedMs!).length} requests after the removal`);
      assert.deepEqual(steered, [], `${s}: connections steered to the removed rs2 by a leftover entry`);
    }
  });

  test('the master dies: the backup takes over within VRRP\'s bound; failed requests bounded by the failover time', (t) => {
    const s = step(r, 'crash-master');
    const failoverMs = s.appliedMs! - (s.notes.killedMs as number);
    t.diagnostic(`VIPs on dir2 ${failoverMs} ms after the kill (master-down interval ${MASTER_DOWN_MS} ms after the last advert)`);
    assert.ok(failoverMs <= MASTER_DOWN_MS + FAILOVER_MARGIN_MS, `failover took ${failoverMs} ms`);
    for (const st of STREAMS) {
      const window = sent(r, st, (s.notes.killedMs as number) - TIMING.requestTimeoutMs, s.endMs);
      const tl = tally(window);
      const lastFailure = Math.max(...window.filter(failed).map((x) => x.s));
      const last = lastFailure - s.appliedMs!;
      t.diagnostic(`${st}: ${tl.failed} failed (${tl.failed * TIMING.requestMs} ms of requests) of ${tl.total}; the last failed one sent ${Math.abs(last)} ms ${last < 0 ? 'before' : 'after'} the takeover; ${JSON.stringify(tl.failures)}`);
      assert.ok(tl.failed * TIMING.requestMs <= failoverMs + FAILED_MARGIN_MS, `${st}: ${tl.failed} failed requests × ${TIMING.requestMs} ms > failover ${failoverMs} ms + ${FAILED_MARGIN_MS} ms`);
      const late = tally(sent(r, st, s.appliedMs! + 500, s.endMs));
      assert.equal(late.failed, 0, `${st}: requests sent after the takeover failed ${JSON.stringify(late.failures)}`);
      assert.ok(late.total > 20);
    }
  });

  test('lvs_sync_daemon: the long-lived connections, known to the backup before the crash, carry on after it', (t) => {
    const s = step(r, 'crash-master');
    const failoverMs = s.appliedMs! - (s.notes.killedMs as number);
    t.diagnostic(`both connections in dir2's table ${s.notes.syncedMs === null ? 'NEVER' : `${(s.notes.syncedMs as number) - s.startMs} ms into the step`}: ${JSON.stringify(s.notes.dir2EchoConns)}`);
    assert.ok(s.notes.syncedMs !== null, `dir2 never learnt the long-lived connections: ${s.notes.syncError}`);
    for (const st of STREAMS) {
      // from the first line to the end of the crash step: every line echoed, by one real server, and the
      // longest wait is the failover's
      const v = echoVerdict(r, st, r.traffic.startMs!, s.endMs, s.appliedMs!);
      t.diagnostic(`${st}: longest echo wait ${v.longestMs} ms (failover ${failoverMs} ms), served by ${v.servers.join(',')}, ${v.echoedAfter} echoes after the takeover`);
      assert.equal(v.ended, null, `${st}: the connection ended`);
      assert.deepEqual(v.servers.length, 1, `${st}: answered by ${v.servers.join(', ')}`);
      assert.ok(v.echoedAfter > 10, `${st}: ${v.echoedAfter} echoes after the takeover`);
      // TCP retransmits with exponential backoff: the first retransmission after the takeover can come up to
      // one more failover's length later
      assert.ok(v.longestMs <= 2 * failoverMs + FAILOVER_MARGIN_MS, `${st}: an echo took ${v.longestMs} ms`);
      assert.equal(v.unanswered, 0, `${st}: lines never echoed`);
    }
  });

  test('migration: keepalived on dir1, ours on dir2, reloaded and failed over both ways, keep exactly one master', (t) => {
    const from = step(r, MIGRATION_STEPS[0]).startMs;
    const to = step(r, MIGRATION_STEPS.at(-1)!).endMs;
    const m = masterCount(r, from, to);
    t.diagnostic(`two directors with VIPs: at most ${m.longestBothMs} ms; nobody with every VIP: at most ${m.longestNoneMs} ms (± ${TIMING.pollMs} ms)`);
    for (const e of m.episodes) t.diagnostic(`  ${e.kind} ${e.fromMs}–${e.toMs} (${e.toMs - e.fromMs} ms)`);
    for (const name of MIGRATION_STEPS) {
      const s = step(r, name);
      t.diagnostic(`${name}: took effect ${s.appliedMs! - s.startMs} ms after the action; ${transitions(r, s.startMs, s.endMs).join(' | ')}`);
    }
    assert.ok(m.longestBothMs <= BOTH_MAX_MS, `two masters for ${m.longestBothMs} ms`);
    assert.ok(m.longestNoneMs <= NONE_MAX_MS, `no master for ${m.longestNoneMs} ms`);
    // the reload of both reached both tables; each failover landed where it should (the step's effect)
    // not asserted (the issue asks it of the crash only): how the long-lived connections fared meanwhile
    for (const st of STREAMS) {
      const v = echoVerdict(r, st, from, to, from);
      t.diagnostic(`long-lived ${st} connection during the migration: ${v.ended ?? 'still open'}, ${v.unanswered} lines unanswered, longest wait ${v.longestMs} ms`);
    }
    const reload = step(r, 'mig-reload-both');
    assert.equal(transitions(r, reload.startMs, reload.endMs).length, 0, 'a reload of both moved mastership');
  });

  test('migration: traffic served throughout — failures only around a change of master, none once it has settled', (t) => {
    const report: string[] = [];
    for (const name of MIGRATION_STEPS) {
      const s: StepRecord = step(r, name);
      const m = masterCount(r, s.startMs, s.endMs);
      for (const st of STREAMS) {
        const all = tally(sent(r, st, s.startMs, s.endMs));
        const calm = tally(sent(r, st, s.appliedMs! + MIGRATION_CALM_MS, s.endMs));
        t.diagnostic(`${name}/${st}: ${all.failed} of ${all.total} failed ${JSON.stringify(all.failures)}; answered ${JSON.stringify(all.by)}`);
        if (calm.failed > 0) report.push(`${name}/${st}: ${calm.failed} failed after the change settled ${JSON.stringify(calm.failures)}`);
        if (calm.total - calm.failed < 10) report.push(`${name}/${st}: only ${calm.total - calm.failed} answered after the change settled`);
        const bound = m.longestBothMs + m.longestNoneMs + FAILED_MARGIN_MS;
        if (all.failed * TIMING.requestMs > bound) report.push(`${name}/${st}: ${all.failed} failed × ${TIMING.requestMs} ms > ${bound} ms of master change`);
      }
    }
    assert.deepEqual(report, []);
  });
});

function tail(r: E2eResult): string {
  return r.daemons.map((d) => `--- ${d.id} (exit ${d.exitCode ?? d.exitSignal})\n${d.log.slice(-15).map((l) => `${l.t} ${l.line}`).join('\n')}`).join('\n');
}

