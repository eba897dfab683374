// The checker policy as a table: a kind, its settings and a sequence of probe results → per attempt,
// keepalived 2.2.7's log lines, the verdict and the delay before the next attempt. Each row is what
// the checker's epilogue in keepalived's source does for that sequence (check_tcp.c tcp_epilog,
// check_udp.c, check_ping.c, check_http.c epilog/timeout_epilog, check_smtp.c smtp_final,
// check_dns.c dns_final, check_misc.c misc_check_child_thread).
import test from 'node:test';
import assert from 'node:assert/strict';
import {
  fileStep,
  initialFileState,
  initialState,
  migrateState,
  step,
  trackFileStatus,
  type CheckerState,
  type PolicyParams,
  type PolledKind,
} from '../../../src/check/policy.js';
import type { ProbeResult } from '../../../src/check/probe.js';

const RS = '[10.0.1.1]:tcp:80';
const VS = '[10.0.0.1]:tcp:80';

function params(kind: PolledKind, o: Partial<PolicyParams> = {}): PolicyParams {
  return {
    kind, rsKey: RS, vsKey: VS, retry: 1, delayLoopMs: 60000, delayBeforeRetryMs: 1000, alpha: false, logAllFailures: false,
    fastRecovery: false, urlCount: 1, miscDynamic: false, rsWeight: 1, script: '/bin/chk', ...o,
  };
}

type R = 'ok' | 'fail' | ProbeResult;

const FAIL: Record<PolledKind, ProbeResult> = {
  TCP_CHECK: { ok: false, reason: 'timeout', message: `TCP connection to ${RS} timeout.` },
  UDP_CHECK: { ok: false, reason: 'refused', message: `UDP connection to ${RS} failed.` },
  PING_CHECK: { ok: false, reason: 'timeout', message: `ICMP connection to address ${RS} timeout.` },
  HTTP_GET: { ok: false, reason: 'status', message: `HTTP status code error to server ${RS}.` },
  SSL_GET: { ok: false, reason: 'status', message: `HTTP status code error to server ${RS}.` },
  SMTP_CHECK: { ok: false, reason: 'refused', message: 'SMTP_CHECK Error connecting to server [10.0.1.1]:25' },
  DNS_CHECK: { ok: false, reason: 'timeout', message: `DNS_CHECK (${RS}) read timeout from socket` },
  MISC_CHECK: { ok: false, reason: 'exit', message: 'exit 1', cause: 'exited with status 1' },
};
const OK: Record<PolledKind, ProbeResult> = {
  TCP_CHECK: { ok: true }, UDP_CHECK: { ok: true }, PING_CHECK: { ok: true }, SMTP_CHECK: { ok: true }, DNS_CHECK: { ok: true }, MISC_CHECK: { ok: true },
  HTTP_GET: { ok: true, message: `HTTP status code success to ${RS} url(/)` },
  SSL_GET: { ok: true, message: `HTTP status code success to ${RS} url(/)` },
};

/**
 * One line per attempt: `<result> [<log lines>] <verdict> +<delay>`; verdict UP/DOWN = the checker
 * changed, (up)/(down) = a verdict that changed nothing, `!` = keepalived re-runs the notify script.
 */
function trace(p: PolicyParams, results: R[], start: CheckerState = initialState(p, true)): string[] {
  let s = start;
  return results.map((r) => {
    const res = r === 'ok' ? OK[p.kind] : r === 'fail' ? FAIL[p.kind] : r;
    const st = step(p, s, res);
    s = st.state;
    const v = st.verdict;
    const verdict = !v ? '' : v.changed ? (v.alive ? ' UP' : ' DOWN') : `${v.alive ? ' (up)' : ' (down)'}${v.notifyFirstRun ? '!' : ''}`;
    const w = st.weight ? ` w${st.weight.quiet ? '~' : '='}${st.state.curWeight}` : '';
    const label = r === 'ok' || r === 'fail' ? r : r.ok ? 'ok' : 'fail';
    return `${label} [${st.logs.map((l) => l.msg).join(' | ')}]${verdict}${w} +${st.delayMs}${st.fromStart ? ' from start' : ''}`;
  });
}

interface Row {
  name: string;
  p: PolicyParams;
  results: R[];
  expect: string[];
  start?: CheckerState;
}

const rows: Row[] = [
  // TCP_CHECK
  {
    name: 'TCP: the first failure after start-up marks it down at once, "failed." without retries',
    p: params('TCP_CHECK'),
    results: ['fail'],
    expect: [`fail [TCP_CHECK on service ${RS} failed.] DOWN +60000`],
  },
  {
    name: 'TCP: first success logged once; retry + 1 failures to go down; a down checker still retries; one success up',
    p: params('TCP_CHECK'),
    results: ['ok', 'fail', 'fail', 'fail', 'fail', 'ok'],
    expect: [
      `ok [TCP connection to ${RS} success.] (up) +60000`,
      'fail [] +1000',
      `fail [TCP_CHECK on service ${RS} failed after 1 retries.] DOWN +60000`,
      'fail [] +1000',
      'fail [] +60000',
      `ok [TCP connection to ${RS} success.] UP +60000`,
    ],
  },
  {
    name: 'TCP alpha: starts down; its first failure re-runs notify_down; the first success brings it up',
    p: params('TCP_CHECK', { alpha: true }),
    results: ['fail', 'ok'],
    expect: [`fail [TCP_CHECK on service ${RS} failed.] (down)! +60000`, `ok [TCP connection to ${RS} success.] UP +60000`],
  },
  {
    name: 'TCP alpha: a first success brings it up',
    p: params('TCP_CHECK', { alpha: true }),
    results: ['ok'],
    expect: [`ok [TCP connection to ${RS} success.] UP +60000`],
  },
  {
    name: 'TCP retry 0: one failure, the bare "failed." line',
    p: params('TCP_CHECK', { retry: 0 }),
    results: ['ok', 'fail'],
    expect: [`ok [TCP connection to ${RS} success.] (up) +60000`, `fail [TCP_CHECK on service ${RS} failed.] DOWN +60000`],
  },
  {
    name: 'TCP retry 3: four failures, "after 3 retries"',
    p: params('TCP_CHECK', { retry: 3 }),
    results: ['ok', 'fail', 'fail', 'fail', 'fail'],
    expect: [`ok [TCP connection to ${RS} success.] (up) +60000`, 'fail [] +1000', 'fail [] +1000', 'fail [] +1000', `fail [TCP_CHECK on service ${RS} failed after 3 retries.] DOWN +60000`],
  },
  {
    name: 'TCP: a success between failures resets the count, silently while up',
    p: params('TCP_CHECK'),
    results: ['ok', 'fail', 'ok', 'fail', 'fail'],
    expect: [`ok [TCP connection to ${RS} success.] (up) +60000`, 'fail [] +1000', 'ok [] +60000', 'fail [] +1000', `fail [TCP_CHECK on service ${RS} failed after 1 retries.] DOWN +60000`],
  },
  {
    name: 'TCP log_all_failures: each failed attempt while up logs the probe\'s line',
    p: params('TCP_CHECK', { logAllFailures: true }),
    results: ['ok', 'fail', 'fail', 'fail'],
    expect: [
      `ok [TCP connection to ${RS} success.] (up) +60000`,
      `fail [TCP connection to ${RS} timeout.] +1000`,
      `fail [TCP connection to ${RS} timeout. | TCP_CHECK on service ${RS} failed after 1 retries.] DOWN +60000`,
      'fail [] +1000',
    ],
  },
  {
    name: 'TCP created by a reload (no pre-loaded counter): the first failure is retried',
    p: params('TCP_CHECK'),
    start: initialState(params('TCP_CHECK'), false),
    results: ['fail', 'fail'],
    expect: ['fail [] +1000', `fail [TCP_CHECK on service ${RS} failed after 1 retries.] DOWN +60000`],
  },
  // UDP_CHECK, PING_CHECK
  {
    name: 'UDP: like TCP, but a down checker does not retry',
    p: params('UDP_CHECK'),
    results: ['ok', 'fail', 'fail', 'fail', 'fail', 'ok'],
    expect: [
      `ok [UDP connection to ${RS} success.] (up) +60000`,
      'fail [] +1000',
      `fail [UDP_CHECK on service ${RS} failed after 1 retries.] DOWN +60000`,
      'fail [] +60000',
      'fail [] +60000',
      `ok [UDP connection to ${RS} success.] UP +60000`,
    ],
  },
  {
    name: 'PING: the VS is named only in the "after N retries" line',
    p: params('PING_CHECK'),
    results: ['fail', 'ok', 'fail', 'fail'],
    expect: [
      `fail [ICMP CHECK on service ${RS} failed.] DOWN +60000`,
      `ok [ICMP connection to ${RS} success.] UP +60000`,
      'fail [] +1000',
      `fail [ICMP CHECK on service ${RS} of ${VS} failed after 1 retries.] DOWN +60000`,
    ],
  },
  // HTTP_GET / SSL_GET
  {
    name: 'HTTP, two URLs: one URL per delay_loop; a failed URL is re-polled at max(dbr, delay_loop) until it passes, then all URLs again',
    p: params('HTTP_GET', { urlCount: 2, delayBeforeRetryMs: 3000 }),
    results: ['ok', 'ok', 'fail', 'fail', 'fail', 'ok', 'ok', 'ok'],
    expect: [
      'ok [] +60000',
      `ok [Remote Web server ${RS} succeed on service.] (up) +60000`,
      'fail [] +3000',
      `fail [HTTP_CHECK on service ${RS} failed after 1 retries.] DOWN +60000`,
      'fail [] +60000',
      `ok [HTTP status code success to ${RS} url(/)] +60000`,
      `ok [HTTP status code success to ${RS} url(/)] +60000`,
      `ok [HTTP status code success to ${RS} url(/) | Remote Web server ${RS} succeed on service.] UP +60000`,
    ],
  },
  {
    name: 'HTTP fast_recovery: the start-up walk and the walk after the failed URL passes do not wait',
    p: params('HTTP_GET', { urlCount: 2, delayBeforeRetryMs: 3000, fastRecovery: true }),
    results: ['ok', 'ok', 'fail', 'fail', 'fail', 'ok', 'ok', 'ok'],
    expect: [
      'ok [] +0',
      `ok [Remote Web server ${RS} succeed on service.] (up) +60000`,
      'fail [] +3000',
      `fail [HTTP_CHECK on service ${RS} failed after 1 retries.] DOWN +60000`,
      'fail [] +60000',
      `ok [HTTP status code success to ${RS} url(/)] +0`,
      `ok [HTTP status code success to ${RS} url(/)] +0`,
      `ok [HTTP status code success to ${RS} url(/) | Remote Web server ${RS} succeed on service.] UP +60000`,
    ],
  },
  {
    name: 'HTTP: the first failure after start-up marks it down at once, yet says "after N retries" (has_run is set first)',
    p: params('HTTP_GET', { delayBeforeRetryMs: 3000 }),
    results: ['fail'],
    expect: [`fail [HTTP_CHECK on service ${RS} failed after 1 retries.] DOWN +60000`],
  },
  {
    name: 'HTTP alpha: a first failure is silent and marks the URL failed, so two successes are needed',
    p: params('HTTP_GET', { alpha: true, logAllFailures: true }),
    results: ['fail', 'ok', 'ok'],
    expect: [
      `fail [HTTP status code error to server ${RS}.] +60000`,
      `ok [HTTP status code success to ${RS} url(/)] +60000`,
      `ok [HTTP status code success to ${RS} url(/) | Remote Web server ${RS} succeed on service.] UP +60000`,
    ],
  },
  {
    name: 'HTTP retry 0: "failed." at the first failure',
    p: params('SSL_GET', { retry: 0, delayBeforeRetryMs: 3000 }),
    results: ['ok', 'fail'],
    expect: [`ok [Remote Web server ${RS} succeed on service.] (up) +60000`, `fail [HTTP_CHECK on service ${RS} failed.] DOWN +60000`],
  },
  // SMTP_CHECK
  {
    name: 'SMTP: the counter restarts every cycle, so even the first failure after start-up is retried; the error is the failure line',
    p: params('SMTP_CHECK'),
    results: ['fail', 'fail', 'ok', 'fail', 'fail'],
    expect: [
      'fail [] +1000',
      'fail [SMTP_CHECK Error connecting to server [10.0.1.1]:25] DOWN +60000',
      `ok [Remote SMTP server ${RS} succeed on service.] UP +60000`,
      'fail [] +1000',
      'fail [SMTP_CHECK Error connecting to server [10.0.1.1]:25] DOWN +60000',
    ],
  },
  // DNS_CHECK
  {
    name: 'DNS (retry 3): first failure down at once; comes up silently; "after 3 retries" on the 4th failure',
    p: params('DNS_CHECK', { retry: 3, delayBeforeRetryMs: 2000 }),
    results: ['fail', 'ok', 'fail', 'fail', 'fail', 'fail'],
    expect: [
      `fail [DNS_CHECK (${RS}) read timeout from socket] DOWN +60000`,
      'ok [] UP +60000',
      'fail [] +2000',
      'fail [] +2000',
      'fail [] +2000',
      `fail [DNS_CHECK (${RS}) read timeout from socket after 3 retries] DOWN +60000`,
    ],
  },
  // MISC_CHECK
  {
    name: 'MISC (retry 0): "with retry disabled", and the next run counts from the start of this one',
    p: params('MISC_CHECK', { retry: 0 }),
    results: ['fail'],
    expect: [`fail [Misc check for [${RS} VS ${VS}] by [/bin/chk] failed with retry disabled (exited with status 1).] DOWN +60000 from start`],
  },
  {
    name: 'MISC log_all_failures, retry 2: "will do 2 retries", "on retry 1/2", "after 2 retries"',
    p: params('MISC_CHECK', { retry: 2, logAllFailures: true }),
    results: ['ok', 'fail', 'fail', 'fail', 'ok'],
    expect: [
      `ok [Misc check for [${RS} VS ${VS}] by [/bin/chk] succeeded.] (up) +60000 from start`,
      `fail [Misc check for [${RS} VS ${VS}] by [/bin/chk] failed, will do 2 retries (exited with status 1).] +1000 from start`,
      `fail [Misc check for [${RS} VS ${VS}] by [/bin/chk] failed on retry 1/2 (exited with status 1).] +1000 from start`,
      `fail [Misc check for [${RS} VS ${VS}] by [/bin/chk] failed after 2 retries (exited with status 1).] DOWN +60000 from start`,
      `ok [Misc check for [${RS} VS ${VS}] by [/bin/chk] succeeded.] UP +60000 from start`,
    ],
  },
  {
    name: 'MISC retry 1: singular "retry"; a timed-out script says "timed out", without a cause',
    p: params('MISC_CHECK', { retry: 1 }),
    results: [{ ok: false, reason: 'timeout', message: 'timed out', cause: 'timed out' }],
    expect: [`fail [Misc check for [${RS} VS ${VS}] by [/bin/chk] timed out after 1 retry.] DOWN +60000 from start`],
  },
  {
    name: 'MISC misc_dynamic: exit 2..255 sets the weight (status − 2), exit 0 the configured one, a failure drops it',
    p: params('MISC_CHECK', { miscDynamic: true, rsWeight: 1, retry: 0 }),
    results: [{ ok: true, weight: 10 }, { ok: true, weight: 10 }, { ok: true }, { ok: true, weight: 5 }, 'fail'],
    expect: [
      `ok [Misc check for [${RS} VS ${VS}] by [/bin/chk] succeeded.] (up) w=9 +60000 from start`,
      'ok [] +60000 from start',
      'ok [] w=0 +60000 from start',
      'ok [] w=4 +60000 from start',
      `fail [Misc check for [${RS} VS ${VS}] by [/bin/chk] failed with retry disabled (exited with status 1).] DOWN w~0 +60000 from start`,
    ],
  },
];

for (const row of rows) {
  test(`policy: ${row.name}`, () => {
    assert.deepEqual(trace(row.p, row.results, row.start), row.expect);
  });
}

test('policy: track_file values → FILE_CHECK status (weight 0 = verdict; otherwise value × weight, INT_MIN = fault)', () => {
  const cases: Array<[number, number, boolean, number | 'fault']> = [
    [0, 0, false, 0],
    [1, 0, false, 'fault'],
    [-3, 0, false, 'fault'],
    [0, 0, true, 'fault'],
    [5, 0, true, 0],
    [3, 2, false, 6],
    [3, 2, true, -6],
    [-2147483648, 1, false, 'fault'],
    [2 ** 40, 1, false, 2147483647],
    [2 ** 40, -1, false, 'fault'],
  ];
  for (const [v, w, rev, want] of cases) assert.equal(trackFileStatus(v, w, rev), want, `value ${v} weight ${w}${rev ? ' reverse' : ''}`);
});

test('policy: FILE_CHECK value changes: weight moves, fault downs the checker, leaving fault brings it up with the weight', () => {
  const p = { rsKey: RS, vsKey: VS, file: 'tf' };
  let s = initialFileState(0);
  assert.equal(s.isUp, true);
  assert.equal(s.hasRun, true);
  let st = fileStep(s, 5, p);
  assert.deepEqual([st.verdict, st.weight, st.state.curWeight], [undefined, { quiet: false }, 5]);
  s = st.state;
  assert.equal(fileStep(s, 5, p).state, s, 'no change, same state');
  st = fileStep(s, 'fault', p);
  assert.deepEqual([st.verdict, st.state.curWeight, st.logs.map((l) => l.msg)], [{ alive: false, changed: true, notifyFirstRun: false }, 0, [`(${RS}): tracked file tf now FAULT state`]]);
  s = st.state;
  st = fileStep(s, 2, p);
  assert.deepEqual([st.verdict, st.state.curWeight, st.state.isUp], [{ alive: true, changed: true, notifyFirstRun: false }, 2, true]);
  assert.equal(initialFileState('fault').isUp, false);
});

test('policy: reload migration of a checker whose configuration compares equal (migrate_checkers)', () => {
  const fresh = (kind: PolledKind = 'TCP_CHECK') => initialState({ kind, alpha: false, retry: 1 }, false);
  const old = (o: Partial<CheckerState>): CheckerState => ({ ...initialState({ kind: 'TCP_CHECK', alpha: false, retry: 1 }, true), ...o });
  const mp = (retry: number, kind: PolledKind = 'TCP_CHECK', extra: Partial<PolicyParams> = {}) => ({ kind, retry, miscDynamic: false, rsWeight: 1, ...extra });
  const cases: Array<[string, CheckerState, CheckerState, ReturnType<typeof mp>, Partial<CheckerState>]> = [
    ['a failed checker stays failed', old({ isUp: false, hasRun: true, retryIt: 0 }), fresh(), mp(1), { isUp: false, hasRun: true, retryIt: 0 }],
    ['an up checker stays up', old({ isUp: true, hasRun: true, retryIt: 0 }), fresh(), mp(1), { isUp: true, hasRun: true, retryIt: 0 }],
    ['retries already spent for the new retry value: one more failure needed', old({ hasRun: true, retryIt: 2 }), fresh(), mp(1), { retryIt: 0 }],
    ['retries below the new retry value carry over', old({ hasRun: true, retryIt: 1 }), fresh(), mp(3), { retryIt: 1 }],
    ['an alpha checker that never ran starts over as a fresh one', old({ isUp: false, hasRun: false, retryIt: 1 }), fresh(), mp(1), { isUp: true, hasRun: false, retryIt: 0 }],
    ['SMTP: the cycle counter starts at 0', old({ hasRun: true, retryIt: 1 }), fresh('SMTP_CHECK'), mp(3, 'SMTP_CHECK'), { retryIt: 0 }],
    ['misc_dynamic: the weight carries over, against the new configured weight', old({ hasRun: true, dynWeight: 10, curWeight: 9 }), fresh('MISC_CHECK'), mp(0, 'MISC_CHECK', { miscDynamic: true, rsWeight: 3 }), { curWeight: 7, dynWeight: 10 }],
  ];
  for (const [name, o, f, p, want] of cases) {
    const got = migrateState(o, f, p);
    for (const [k, v] of Object.entries(want)) assert.deepEqual(got[k as keyof CheckerState], v, `${name}: ${k}`);
  }
});

test('policy: start-up state: up unless alpha, retry counter pre-loaded (SMTP excepted); reload: up, not pre-loaded', () => {
  assert.deepEqual(initialState({ kind: 'TCP_CHECK', alpha: false, retry: 2 }, true), { isUp: true, hasRun: false, retryIt: 2, urlIt: 0, failedUrl: null, curWeight: 0 });
  assert.equal(initialState({ kind: 'TCP_CHECK', alpha: true, retry: 2 }, true).isUp, false);
  assert.equal(initialState({ kind: 'SMTP_CHECK', alpha: false, retry: 2 }, true).retryIt, 0);
  assert.deepEqual(initialState({ kind: 'TCP_CHECK', alpha: true, retry: 2 }, false), { isUp: true, hasRun: false, retryIt: 0, urlIt: 0, failedUrl: null, curWeight: 0 });
});
