// The engine end to end on a fake clock with fake probes: start-up schedule, keepalived's lines,
// hanging probes that cannot hold the others up, sharing, reload, alpha, scripts, ha_suspend,
// onChange, omega, FILE_CHECK, BFD_CHECK.
import test from 'node:test';
import assert from 'node:assert/strict';
import type { LvsSection } from '../../../src/config/model/lvs.js';
import { desiredIpvs, type HealthView } from '../../../src/ipvs/desired.js';
import { harness, lvsOf } from './engine-harness.js';

function vsBlock(addr: string, port: number, body: string, realServers: string): string {
  return `virtual_server ${addr} ${port} {\n  protocol TCP\n  lb_algo rr\n  lb_kind NAT\n${body}\n${realServers}\n}\n`;
}

function tcp(extra = ''): string {
  return `    TCP_CHECK {\n${extra}    }\n`;
}

function rsBlock(addr: string, port: number, inner: string): string {
  return `  real_server ${addr} ${port} {\n${inner}  }\n`;
}

function view(h: ReturnType<typeof harness>, lvs: LvsSection) {
  const hv = h.engine.health();
  return lvs.virtualServers.flatMap((vs) => vs.realServers.map((rs) => `${rs.key} ${hv.realServer(vs, rs).alive ? 'up' : 'down'}`));
}

test('engine: start-up: "Activating healthchecker" per checker, first check at 1 s + random × warmup, then every delay_loop', async () => {
  const h = harness({ random: () => 0.25 });
  const lvs = lvsOf(vsBlock('10.0.0.1', 80, '  delay_loop 6', rsBlock('10.0.1.1', 80, tcp('      warmup 4\n')) + rsBlock('10.0.1.2', 80, tcp())));
  h.engine.start(lvs);
  assert.deepEqual(h.msgs(/ctivating/), [
    'Activating healthchecker for service [10.0.1.1]:tcp:80 for VS [10.0.0.1]:tcp:80',
    'Activating healthchecker for service [10.0.1.2]:tcp:80 for VS [10.0.0.1]:tcp:80',
  ]);
  await h.clock.advance(20000);
  // warmup 4 s → 1000 + 0.25 × 4000; default warmup = delay_loop (6 s) → 1000 + 1500.
  assert.deepEqual(h.targets.calls.filter((c) => c.target === '10.0.1.1:80').map((c) => c.at), [2000, 8000, 14000, 20000]);
  assert.deepEqual(h.targets.calls.filter((c) => c.target === '10.0.1.2:80').map((c) => c.at), [2500, 8500, 14500]);
  assert.deepEqual(h.msgs(/TCP/), ['TCP connection to [10.0.1.1]:tcp:80 success.', 'TCP connection to [10.0.1.2]:tcp:80 success.']);
});

test('engine: holdChecks decides the start-up health at once and starts no checker until released (keepalived programs the table first)', async () => {
  const h = harness({ random: () => 0 });
  const lvs = lvsOf(vsBlock('10.0.0.1', 80, '  delay_loop 6\n  warmup 0', rsBlock('10.0.1.1', 80, tcp())));
  h.engine.start(lvs, { holdChecks: true });
  assert.deepEqual(view(h, lvs), ['[10.0.1.1]:tcp:80 up']);
  assert.deepEqual(h.msgs(/ctivating/), []);
  await h.clock.advance(5000);
  assert.equal(h.targets.calls.length, 0);
  h.engine.releaseChecks();
  assert.deepEqual(h.msgs(/ctivating/), ['Activating healthchecker for service [10.0.1.1]:tcp:80 for VS [10.0.0.1]:tcp:80']);
  await h.clock.advance(8000);
  // the first run 1 s after the release, then every delay_loop
  assert.deepEqual(h.targets.calls.map((c) => c.at), [6000, 12000]);
});

test('engine: a thousand checks that hang until their deadline do not move an unrelated checker\'s schedule; deadlines fire on time', async (t) => {
  const h = harness();
  const dead = Array.from({ length: 1000 }, (_, i) => rsBlock(`10.1.${i >> 8}.${i & 255}`, 80, tcp('      connect_timeout 5\n'))).join('');
  const lvs = lvsOf(
    vsBlock('10.0.0.1', 80, '  delay_loop 10\n  warmup 0', dead) + vsBlock('10.0.0.2', 80, '  delay_loop 3\n  warmup 0', rsBlock('10.0.2.1', 80, tcp('      connect_timeout 1\n'))),
  );
  for (let i = 0; i < 1000; i++) h.targets.set(`10.1.${i >> 8}.${i & 255}:80`, 'hang');
  h.engine.start(lvs);
  const wall = performance.now();
  await h.clock.advance(12000);
  const wallMs = performance.now() - wall;
  assert.deepEqual(h.targets.calls.filter((c) => c.target === '10.0.2.1:80').map((c) => c.at), [1000, 4000, 7000, 10000]);
  // Every hanging probe was aborted exactly at its 5 s deadline (started at 1000).
  assert.equal(h.targets.aborts.length, 1000);
  assert.ok(h.targets.aborts.every((at) => at === 6000), `aborts at ${[...new Set(h.targets.aborts)].join(',')}`);
  assert.equal(h.msgs(/^TCP_CHECK on service \[10\.1\..*failed\.$/).length, 1000);
  assert.equal(h.engine.stats().running.socket, 0);
  t.diagnostic(`1001 checkers, 1000 timeouts in one instant: ${wallMs.toFixed(1)} ms of real time for 12 s of fake time`);
});

test('engine: a probe that never settles costs one timed-out check after deadline + grace, and the loop goes on', async () => {
  const h = harness();
  const lvs = lvsOf(vsBlock('10.0.0.1', 80, '  delay_loop 10\n  warmup 0', rsBlock('10.0.1.1', 80, tcp('      connect_timeout 2\n'))));
  h.targets.set('10.0.1.1:80', 'stuck');
  h.engine.start(lvs);
  await h.clock.advance(25000);
  // 1000 + 2 s deadline + 1 s grace → down at 4000, next at 14000; a down TCP checker retries (hung at 17000, retry at 18000).
  assert.deepEqual(h.targets.calls.map((c) => c.at), [1000, 14000, 18000]);
  assert.deepEqual(h.msgs(/^TCP_CHECK on/), ['TCP_CHECK on service [10.0.1.1]:tcp:80 failed.']);
  assert.equal(h.engine.stats().hung, 3, 'three probes given up: 1000, 14000, 18000');
});

test('engine: identical checks in two virtual servers share one probe; each keeps its own retries and lines', async () => {
  const h = harness();
  const check = (retry: number, logAll: boolean) => tcp(`      connect_port 8080\n      retry ${retry}\n      delay_before_retry 1\n${logAll ? '      log_all_failures\n' : ''}`);
  const lvs = lvsOf(
    vsBlock('10.0.0.1', 80, '  delay_loop 10\n  warmup 0', rsBlock('10.0.1.1', 80, check(0, false))) +
      vsBlock('10.0.0.1', 443, '  delay_loop 10\n  warmup 0', rsBlock('10.0.1.1', 443, check(1, true))),
  );
  h.engine.start(lvs);
  await h.clock.advance(1000);
  assert.equal(h.targets.callsTo('10.0.1.1:8080'), 1, 'one probe for both at start');
  assert.equal(h.engine.stats().joined, 1);
  h.targets.set('10.0.1.1:8080', 'down');
  await h.clock.advance(10000);
  assert.equal(h.targets.callsTo('10.0.1.1:8080'), 2, 'still one probe per cycle');
  await h.clock.advance(1000);
  assert.deepEqual(h.msgs(/TCP/), [
    'TCP connection to [10.0.1.1]:tcp:80 success.',
    'TCP connection to [10.0.1.1]:tcp:443 success.',
    'TCP_CHECK on service [10.0.1.1]:tcp:80 failed.',
    // the shared probe's detail line, in the words of the 443 checker
    'TCP_CHECK connection to [10.0.1.1]:tcp:443 failed.',
    'TCP_CHECK connection to [10.0.1.1]:tcp:443 failed.',
    'TCP_CHECK on service [10.0.1.1]:tcp:443 failed after 1 retries.',
  ]);
  assert.deepEqual(view(h, lvs), ['[10.0.1.1]:tcp:80 down', '[10.0.1.1]:tcp:443 down']);
});

test('engine: reload keeps the state of unchanged checkers (a failed server stays out), restarts the loops, resets changed ones', async () => {
  const h = harness();
  const text = (timeout: number, loop = 10) =>
    vsBlock('10.0.0.1', 80, `  delay_loop ${loop}\n  warmup 0`, rsBlock('10.0.1.1', 80, `    notify_up /bin/up\n${tcp(`      connect_timeout ${timeout}\n`)}`) + rsBlock('10.0.1.2', 80, tcp()));
  h.targets.set('10.0.1.1:80', 'down');
  h.engine.start(lvsOf(text(3)));
  await h.clock.advance(1000);
  assert.deepEqual(view(h, lvsOf(text(3))), ['[10.0.1.1]:tcp:80 down', '[10.0.1.2]:tcp:80 up']);
  h.targets.set('10.0.1.1:80', 'up');
  const before = h.log.lines.length;
  // delay_loop is not part of a checker's identity: the state carries over.
  const same = lvsOf(text(3, 20));
  h.engine.reload(same);
  assert.deepEqual(view(h, same), ['[10.0.1.1]:tcp:80 down', '[10.0.1.2]:tcp:80 up']);
  assert.equal(h.log.lines.slice(before).filter((l) => /^Activating/.test(l.msg)).length, 2, 'loops re-registered');
  assert.equal(h.ports.notified.length, 0);
  await h.clock.advance(1000);
  assert.deepEqual(view(h, same), ['[10.0.1.1]:tcp:80 up', '[10.0.1.2]:tcp:80 up']);
  assert.deepEqual(h.ports.notified.map((n) => n.command), ['/bin/up']);
  // A changed probe (connect_timeout) is a new checker: a failed server comes back at once, as in keepalived.
  h.targets.set('10.0.1.1:80', 'down');
  await h.clock.advance(21000);
  assert.deepEqual(view(h, same), ['[10.0.1.1]:tcp:80 down', '[10.0.1.2]:tcp:80 up'], 'failed at 22000, retried at 23000');
  const changed = lvsOf(text(4, 20));
  h.engine.reload(changed);
  assert.deepEqual(view(h, changed), ['[10.0.1.1]:tcp:80 up', '[10.0.1.2]:tcp:80 up']);
  // ...but on a server that was down, "one failure is enough" (migrate_checkers pre-loads its counter).
  await h.clock.advance(1000);
  assert.deepEqual(view(h, changed)[0], '[10.0.1.1]:tcp:80 down');
});

test('engine: alpha: the server is down until its first success', async () => {
  const h = harness();
  const lvs = lvsOf(vsBlock('10.0.0.1', 80, '  delay_loop 10\n  warmup 0\n  alpha', rsBlock('10.0.1.1', 80, tcp())));
  h.engine.start(lvs);
  assert.deepEqual(view(h, lvs), ['[10.0.1.1]:tcp:80 down']);
  assert.equal(h.engine.health().quorumUp(lvs.virtualServers[0]), false);
  await h.clock.advance(1000);
  assert.deepEqual(view(h, lvs), ['[10.0.1.1]:tcp:80 up']);
  assert.equal(h.engine.health().quorumUp(lvs.virtualServers[0]), true);
  assert.deepEqual(h.msgs(/TCP|quorum/), ['TCP connection to [10.0.1.1]:tcp:80 success.', 'Gained quorum 1+0=1 <= 1 for VS [10.0.0.1]:tcp:80']);
});

test('engine: notify_up/notify_down and quorum_up/quorum_down run with no arguments (keepalived passes none)', async () => {
  const h = harness();
  const lvs = lvsOf(
    vsBlock('10.0.0.1', 80, '  delay_loop 10\n  warmup 0\n  quorum_up "/bin/qup x"\n  quorum_down /bin/qdown', rsBlock('10.0.1.1', 80, `    notify_up "/bin/up a b"\n    notify_down /bin/down\n${tcp()}`)),
  );
  h.engine.start(lvs);
  await h.clock.advance(0);
  h.targets.set('10.0.1.1:80', 'down');
  await h.clock.advance(1000);
  h.targets.set('10.0.1.1:80', 'up');
  await h.clock.advance(10000);
  assert.deepEqual(
    h.ports.notified.map((n) => [n.command, n.args, n.at]),
    [
      ['/bin/qup x', [], 0],
      ['/bin/down', [], 1000],
      ['/bin/qdown', [], 1000],
      ['/bin/up a b', [], 11000],
      ['/bin/qup x', [], 11000],
    ],
  );
  assert.deepEqual(h.msgs(/quorum/), [
    'Gained quorum 1+0=1 <= 1 for VS [10.0.0.1]:tcp:80',
    'Lost quorum 1-0=1 > 0 for VS [10.0.0.1]:tcp:80',
    'Gained quorum 1+0=1 <= 1 for VS [10.0.0.1]:tcp:80',
  ]);
});

test('engine: ha_suspend: checkers deactivated while the address is absent, suspended and activated as it goes and comes', async () => {
  const h = harness();
  const lvs = lvsOf(vsBlock('10.0.0.1', 80, '  delay_loop 5\n  warmup 0\n  ha_suspend', rsBlock('10.0.1.1', 80, tcp())));
  h.engine.start(lvs, { vipPresent: () => false });
  assert.deepEqual(h.msgs(/healthchecker/), ['Deactivating healthchecker for service [10.0.1.1]:tcp:80 for VS [10.0.0.1]:tcp:80']);
  await h.clock.advance(10000);
  assert.equal(h.targets.calls.length, 0);
  h.engine.setHaSuspended('[10.0.0.1]:tcp:80', false);
  await h.clock.advance(5000);
  assert.deepEqual(h.targets.calls.map((c) => c.at), [11000]);
  h.engine.setHaSuspended('[10.0.0.1]:tcp:80', true);
  h.engine.setHaSuspended('[10.0.0.1]:tcp:80', true);
  await h.clock.advance(20000);
  assert.equal(h.targets.calls.length, 1);
  assert.deepEqual(h.msgs(/healthchecker/).slice(1), [
    'Activating healthchecker for service [10.0.1.1]:tcp:80 for VS [10.0.0.1]:tcp:80',
    'Suspending healthchecker for service [10.0.1.1]:tcp:80 for VS [10.0.0.1]:tcp:80',
  ]);
  assert.equal(h.engine.stats().suspended, 1);
});

test('engine: onChange fires once for changes in the same instant, not at all when nothing changed', async () => {
  const h = harness();
  const lvs = lvsOf(vsBlock('10.0.0.1', 80, '  delay_loop 10\n  warmup 0', rsBlock('10.0.1.1', 80, tcp()) + rsBlock('10.0.1.2', 80, tcp()) + rsBlock('10.0.1.3', 80, tcp())));
  h.engine.start(lvs);
  await h.clock.advance(0);
  assert.equal(h.changes(), 1, 'start-up');
  await h.clock.advance(1000);
  assert.equal(h.changes(), 1, 'first successes change nothing');
  h.targets.set('10.0.1.1:80', 'down');
  h.targets.set('10.0.1.2:80', 'down');
  await h.clock.advance(11000);
  assert.equal(h.changes(), 2, 'both down at 12000 (a failure, then its retry)');
});

test('engine: stop with omega runs notify_down and quorum_down and waits for them; the loops stop', async () => {
  const h = harness();
  const lvs = lvsOf(vsBlock('10.0.0.1', 80, '  delay_loop 10\n  warmup 0\n  omega\n  quorum_down /bin/qdown', rsBlock('10.0.1.1', 80, `    notify_down /bin/down\n${tcp()}`)));
  h.engine.start(lvs);
  await h.clock.advance(1000);
  await h.engine.stop();
  assert.deepEqual(h.ports.notified.map((n) => n.command).slice(-2), ['/bin/down', '/bin/qdown']);
  const calls = h.targets.calls.length;
  await h.clock.advance(60000);
  assert.equal(h.targets.calls.length, calls);
  assert.equal(h.clock.pending(), 0);
});

test('engine: MISC_CHECK: a script that never returns is a "timed out" check after misc_timeout + grace', async () => {
  const h = harness();
  const lvs = lvsOf(vsBlock('10.0.0.1', 80, '  delay_loop 10\n  warmup 0', rsBlock('10.0.1.1', 80, '    MISC_CHECK {\n      misc_path "/bin/chk 10.0.1.1"\n      misc_timeout 3\n    }\n')));
  h.targets.set('/bin/chk 10.0.1.1', 'stuck');
  h.engine.start(lvs);
  await h.clock.advance(5000);
  assert.deepEqual(h.msgs(/Misc/), ['Misc check for [[10.0.1.1]:tcp:80 VS [10.0.0.1]:tcp:80] by [/bin/chk] timed out with retry disabled.']);
  assert.deepEqual(h.targets.calls.map((c) => [c.kind, c.at]), [['MISC_CHECK', 1000]]);
  // The next run counts from the start of the last one.
  await h.clock.advance(6000);
  assert.deepEqual(h.targets.calls.map((c) => c.at), [1000, 11000]);
});

test('engine: MISC_CHECK misc_dynamic sets the weight the view reports', async () => {
  const h = harness();
  const lvs = lvsOf(vsBlock('10.0.0.1', 80, '  delay_loop 10\n  warmup 0', rsBlock('10.0.1.1', 80, '    weight 3\n    MISC_CHECK {\n      misc_path /bin/chk\n      misc_dynamic\n    }\n')));
  h.targets.miscWeight.set('/bin/chk', 7);
  h.engine.start(lvs);
  await h.clock.advance(1000);
  const [vs] = lvs.virtualServers;
  assert.deepEqual(h.engine.health().realServer(vs, vs.realServers[0]), { alive: true, weight: 7 });
});

test('engine: HTTP_GET probes one URL per transaction, one per delay_loop', async () => {
  const h = harness();
  const lvs = lvsOf(vsBlock('10.0.0.1', 80, '  delay_loop 10\n  warmup 0', rsBlock('10.0.1.1', 80, '    HTTP_GET {\n      url {\n        path /a\n      }\n      url {\n        path /b\n      }\n    }\n')));
  h.engine.start(lvs);
  await h.clock.advance(30000);
  assert.deepEqual(h.targets.calls.map((c) => `${c.url}@${c.at}`), ['/a@1000', '/b@11000', '/a@21000']);
  assert.deepEqual(h.msgs(/Web/), ['Remote Web server [10.0.1.1]:tcp:80 succeed on service.']);
});

test('engine: a local socket error is logged and retried after delay_loop, without counting as a failure', async () => {
  const h = harness();
  const lvs = lvsOf(vsBlock('10.0.0.1', 80, '  delay_loop 10\n  warmup 0', rsBlock('10.0.1.1', 80, tcp())));
  h.targets.set('10.0.1.1:80', async () => ({ ok: false, reason: 'bind', message: 'TCP socket bind failed. Rescheduling.' }));
  h.engine.start(lvs);
  await h.clock.advance(11000);
  assert.deepEqual(h.msgs(/TCP/), ['TCP socket bind failed. Rescheduling.', 'TCP socket bind failed. Rescheduling.']);
  assert.deepEqual(view(h, lvs), ['[10.0.1.1]:tcp:80 up']);
});

test('engine: FILE_CHECK follows its track_file: weight, then fault', async () => {
  const h = harness();
  const lvs = lvsOf(`track_file tf {\n  file /run/tf\n  weight 2\n}\n` + vsBlock('10.0.0.1', 80, '', rsBlock('10.0.1.1', 80, '    weight 1\n    FILE_CHECK {\n      track_file tf\n    }\n')));
  h.ports.files.set('/run/tf', 3);
  h.engine.start(lvs);
  const [vs] = lvs.virtualServers;
  const rs = () => h.engine.health().realServer(vs, vs.realServers[0]);
  assert.deepEqual(rs(), { alive: true, weight: 7 });
  assert.equal(h.msgs(/ctivating/).length, 0, 'FILE_CHECK has no checker loop to activate');
  h.ports.files.set('/run/tf', 0);
  await h.clock.advance(1000);
  assert.deepEqual(rs(), { alive: true });
  h.ports.files.set('/run/tf', -2147483648);
  await h.clock.advance(1000);
  assert.deepEqual(rs(), { alive: false });
  assert.ok(h.changes() >= 2);
});

test('engine: BFD_CHECK is logged once as not supported yet and counts as up', async () => {
  const h = harness();
  const lvs = lvsOf(
    `bfd_instance b1 {\n  neighbor_ip 10.0.1.1\n}\n` +
      vsBlock('10.0.0.1', 80, '  delay_loop 10\n  warmup 0', rsBlock('10.0.1.1', 80, '    BFD_CHECK {\n      name b1\n    }\n') + rsBlock('10.0.1.2', 80, '    BFD_CHECK {\n      name b1\n    }\n')),
  );
  h.engine.start(lvs);
  await h.clock.advance(30000);
  assert.deepEqual(h.log.lines.filter((l) => /BFD/.test(l.msg)).map((l) => [l.level, l.msg]), [['warn', 'BFD_CHECK is not supported yet - 2 checkers counted as up']]);
  assert.deepEqual(view(h, lvs), ['[10.0.1.1]:tcp:80 up', '[10.0.1.2]:tcp:80 up']);
  assert.equal(h.targets.calls.length, 0);
});

test('engine: health() is a HealthView: src/ipvs/desired.ts drops a failed server, and keeps it at weight 0 with inhibit_on_failure', async () => {
  const h = harness();
  const lvs = lvsOf(vsBlock('10.0.0.1', 80, '  delay_loop 10\n  warmup 0', rsBlock('10.0.1.1', 80, tcp()) + rsBlock('10.0.1.2', 80, `    inhibit_on_failure\n${tcp()}`)));
  h.engine.start(lvs);
  const hv: HealthView = h.engine.health();
  const dests = () => [...desiredIpvs(lvs, hv).table.values()].flatMap((e) => [...e.dests.values()].map((d) => `${d.addr} w${d.weight}`));
  assert.deepEqual(dests(), ['10.0.1.1 w1', '10.0.1.2 w1']);
  h.targets.set('10.0.1.1:80', 'down');
  h.targets.set('10.0.1.2:80', 'down');
  await h.clock.advance(1000);
  assert.deepEqual(dests(), ['10.0.1.2 w0']);
});

test('engine: the same MISC_CHECK on the same real server in two virtual servers runs one script per cycle; other servers\' do not share', async () => {
  const h = harness();
  const misc = '    MISC_CHECK {\n      misc_path "/bin/chk 10.0.1.1"\n      misc_timeout 5\n    }\n';
  const lvs = lvsOf(
    vsBlock('10.0.0.1', 80, '  delay_loop 10\n  warmup 0', rsBlock('10.0.1.1', 80, misc) + rsBlock('10.0.1.2', 80, misc)) +
      vsBlock('10.0.0.1', 443, '  delay_loop 10\n  warmup 0', rsBlock('10.0.1.1', 80, misc)),
  );
  h.engine.start(lvs);
  await h.clock.advance(11000);
  // 10.0.1.1:80 twice (one script each cycle), 10.0.1.2:80 on its own.
  assert.deepEqual(h.targets.calls.map((c) => c.at), [1000, 1000, 11000, 11000]);
  assert.deepEqual(h.msgs(/Misc/), [
    'Misc check for [[10.0.1.1]:tcp:80 VS [10.0.0.1]:tcp:80] by [/bin/chk] succeeded.',
    'Misc check for [[10.0.1.1]:tcp:80 VS [10.0.0.1]:tcp:443] by [/bin/chk] succeeded.',
    'Misc check for [[10.0.1.2]:tcp:80 VS [10.0.0.1]:tcp:80] by [/bin/chk] succeeded.',
  ]);
});
