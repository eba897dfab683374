// Real servers and quorum (keepalived 2.2.7 ipwrapper.c): start-up, checker verdicts, hysteresis,
// sorry server, notify events, dynamic weights, reload. Pure: the model is stepped by hand.
import test from 'node:test';
import assert from 'node:assert/strict';
import type { LvsSection } from '../../../src/config/model/lvs.js';
import { HealthModel, applyStep, noEffects, type CheckerSlot, type Effects, type HealthEvent, type VsSpec } from '../../../src/check/health.js';
import { applyVerdict, initialFileState, initialState, type CheckerState } from '../../../src/check/policy.js';
import { checkerIdentities } from '../../../src/check/identity.js';
import { lvsOf } from './engine-harness.js';

const VS = '[10.0.0.1]:tcp:80';
const rsKey = (n: number) => `[10.0.1.${n}]:tcp:80`;

function conf(body: string, realServers: string): string {
  return `virtual_server 10.0.0.1 80 {\n  protocol TCP\n  lb_algo rr\n  lb_kind NAT\n${body}\n${realServers}\n}\n`;
}

/** `n` real servers 10.0.1.1.. with `inner` inside each (a checker, weight, ...). */
function servers(n: number, inner: (i: number) => string): string {
  return Array.from({ length: n }, (_, i) => `  real_server 10.0.1.${i + 1} 80 {\n${inner(i + 1)}\n  }`).join('\n');
}

const TCP = '    TCP_CHECK {\n    }';

function specs(lvs: LvsSection, startUp = true, files: Record<string, number> = {}): VsSpec[] {
  return lvs.virtualServers.map((vs) => ({
    vs,
    checkers: vs.realServers.map((rs) => {
      const ids = checkerIdentities(vs.key, rs);
      return rs.checkers.map((c, i): CheckerSlot => {
        if (c.kind === 'FILE_CHECK') return { id: ids[i], kind: c.kind, params: undefined, state: initialFileState(files[c.file] ? 'fault' : 0) };
        if (c.kind === 'BFD_CHECK') return { id: ids[i], kind: c.kind, params: undefined, state: { isUp: true, hasRun: true, retryIt: 0, urlIt: 0, failedUrl: null, curWeight: 0 } };
        const params = { kind: c.kind, alpha: c.alpha, retry: c.retry, miscDynamic: c.kind === 'MISC_CHECK' && c.miscDynamic, rsWeight: rs.weight };
        return { id: ids[i], kind: c.kind, params, state: initialState(params, startUp) };
      });
    }),
  }));
}

function start(text: string, opts = {}): { model: HealthModel; fx: Effects } {
  const { model, effects } = HealthModel.start(specs(lvsOf(text)), opts);
  return { model, fx: effects };
}

/** A checker's verdict (what policy.step hands over), applied to the model. */
function verdict(model: HealthModel, rs: number, alive: boolean, index = 0, patch: Partial<CheckerState> = {}): Effects {
  const vs = model.vs(VS)!;
  const r = model.rs(VS, rsKey(rs))!;
  const slot = r.checkers[index];
  const v = applyVerdict({ ...slot.state, ...patch }, slot.params?.alpha ?? false, alive);
  const fx = noEffects();
  applyStep(vs, r, index, { state: v.state, verdict: v.verdict }, fx);
  return fx;
}

function weight(model: HealthModel, rs: number, curWeight: number, index = 0): Effects {
  const vs = model.vs(VS)!;
  const r = model.rs(VS, rsKey(rs))!;
  const fx = noEffects();
  applyStep(vs, r, index, { state: { ...r.checkers[index].state, curWeight }, weight: { quiet: false } }, fx);
  return fx;
}

const lines = (fx: Effects) => fx.logs.map((l) => l.msg);
const events = (fx: Effects) =>
  fx.events.map((e: HealthEvent) => (e.type === 'rs' ? `rs ${e.rs} ${e.alive ? 'UP' : 'DOWN'}${e.script ? ` ${e.script.command}` : ''}` : `vs ${e.vs} ${e.up ? 'UP' : 'DOWN'}${e.script ? ` ${e.script.command}` : ''}`));

test('health: start-up: servers alive unless alpha (always without checkers); quorum is gained, logged, quorum_up runs', () => {
  const { model, fx } = start(conf('  quorum_up /bin/qup\n  quorum_down /bin/qdown', servers(3, (i) => (i === 1 ? '' : i === 2 ? TCP : `    alpha\n${TCP}`))));
  assert.deepEqual(model.vs(VS)!.realServers.map((r) => r.alive), [true, true, false]);
  assert.deepEqual(lines(fx), [`Gained quorum 1+0=1 <= 2 for VS ${VS}`]);
  assert.deepEqual(events(fx), [`vs ${VS} UP /bin/qup`]);
  assert.equal(fx.changed, true);
});

test('health: start-up below quorum with a sorry server: "Starting with quorum down", sorry server in, quorum_down', () => {
  const { model, fx } = start(conf('  quorum 2\n  hysteresis 1\n  sorry_server 10.0.9.9 80\n  quorum_down /bin/qdown', servers(2, () => `    alpha\n${TCP}`)));
  // keepalived prints "Q-H=" followed by the start-up threshold, quorum + hysteresis.
  assert.deepEqual(lines(fx), [
    `Starting with quorum down 2-1=3 > 0 for VS ${VS}`,
    `Adding sorry server [10.0.9.9]:tcp:80 to VS ${VS}`,
    `Removing alive servers from the pool for VS ${VS}`,
  ]);
  assert.deepEqual(events(fx), [`vs ${VS} DOWN /bin/qdown`]);
  assert.equal(model.vs(VS)!.sorryIn, true);
  assert.equal(model.view().quorumUp(lvsOf(conf('', servers(1, () => ''))).virtualServers[0]), false);
});

test('health: start-up below quorum without a sorry server: nothing is logged and no script runs', () => {
  const { model, fx } = start(conf('  quorum_down /bin/qdown', servers(2, () => `    alpha\n${TCP}`)));
  assert.deepEqual([lines(fx), events(fx), model.vs(VS)!.quorumUp], [[], [], false]);
});

test('health: quorum with hysteresis: lost when W < quorum − hysteresis, gained when W ≥ quorum + hysteresis', () => {
  const { model } = start(conf('  quorum 3\n  hysteresis 1\n  quorum_up /bin/qup\n  quorum_down /bin/qdown', servers(4, () => TCP)));
  // W: 4 → 3 → 2 (still up: not < 2) → 1 (lost) → 2 → 3 (still down: not ≥ 4) → 4 (gained)
  const table: Array<[number, boolean, string[], string[], boolean]> = [
    [1, false, [], [`rs ${rsKey(1)} DOWN`], true],
    [2, false, [], [`rs ${rsKey(2)} DOWN`], true],
    [3, false, [`Lost quorum 3-1=2 > 1 for VS ${VS}`], [`rs ${rsKey(3)} DOWN`, `vs ${VS} DOWN /bin/qdown`], false],
    [1, true, [], [`rs ${rsKey(1)} UP`], false],
    [2, true, [], [`rs ${rsKey(2)} UP`], false],
    [3, true, [`Gained quorum 3+1=4 <= 4 for VS ${VS}`], [`rs ${rsKey(3)} UP`, `vs ${VS} UP /bin/qup`], true],
  ];
  for (const [rs, alive, wantLines, wantEvents, quorum] of table) {
    const fx = verdict(model, rs, alive);
    assert.deepEqual([lines(fx), events(fx), model.vs(VS)!.quorumUp], [wantLines, wantEvents, quorum], `rs ${rs} ${alive ? 'up' : 'down'}`);
  }
});

test('health: losing quorum with a sorry server takes the pool out and the sorry server in; regaining reverses it', () => {
  const { model } = start(conf('  sorry_server 10.0.9.9 80\n  sorry_server_inhibit', servers(1, () => TCP)));
  let fx = verdict(model, 1, false);
  assert.deepEqual(lines(fx), [
    `Lost quorum 1-0=1 > 0 for VS ${VS}`,
    `Enabling sorry server [10.0.9.9]:tcp:80 to VS ${VS}`,
    `Removing alive servers from the pool for VS ${VS}`,
  ]);
  fx = verdict(model, 1, true);
  assert.deepEqual(lines(fx), [
    `Gained quorum 1+0=1 <= 1 for VS ${VS}`,
    `Disabling sorry server [10.0.9.9]:tcp:80 from VS ${VS}`,
    `Adding alive servers to the pool for VS ${VS}`,
  ]);
});

test('health: several checkers on one server: down when the first fails, up only when none has failed', () => {
  const { model } = start(conf('', servers(1, () => `    notify_up /bin/up\n    notify_down /bin/down\n${TCP}\n    TCP_CHECK {\n      connect_port 81\n    }`)));
  const steps: Array<[number, boolean, string[], boolean]> = [
    [0, false, [`rs ${rsKey(1)} DOWN /bin/down`], false],
    [1, false, [], false],
    [0, true, [], false],
    [1, true, [`rs ${rsKey(1)} UP /bin/up`], true],
  ];
  for (const [idx, alive, want, rsAlive] of steps) {
    const fx = verdict(model, 1, alive, idx);
    assert.deepEqual([events(fx).filter((e) => e.startsWith('rs')), model.rs(VS, rsKey(1))!.alive], [want, rsAlive], `checker ${idx} ${alive}`);
  }
});

test('health: an alpha checker\'s first failure re-runs notify_down (keepalived does); a non-alpha first success runs nothing', () => {
  const { model } = start(conf('', servers(2, (i) => `    notify_up /bin/up${i}\n    notify_down /bin/down${i}\n${i === 1 ? '    alpha\n' : ''}${TCP}`)));
  assert.deepEqual(events(verdict(model, 1, false)), [`rs ${rsKey(1)} DOWN /bin/down1`]);
  assert.deepEqual(events(verdict(model, 2, true)), []);
});

test('health: rs_init_notifies runs notify_up for each server alive at start-up', () => {
  const { fx } = start(conf('', servers(2, (i) => `    notify_up /bin/up${i}\n${i === 2 ? `    alpha\n${TCP}` : ''}`)), { rsInitNotifies: true });
  assert.deepEqual(events(fx).filter((e) => e.startsWith('rs')), [`rs ${rsKey(1)} UP /bin/up1`]);
});

test('health: dynamic weights: the view carries configured + checker weight; a change re-evaluates quorum', () => {
  const lvs = lvsOf(conf('  quorum 5', servers(2, (i) => `    weight ${i * 2}\n    MISC_CHECK {\n      misc_path /bin/chk\n      misc_dynamic\n    }`)));
  const { model } = HealthModel.start(specs(lvs));
  const [vs] = lvs.virtualServers;
  assert.equal(model.vs(VS)!.quorumUp, true, 'W = 2 + 4 ≥ 5');
  assert.deepEqual(model.view().realServer(vs, vs.realServers[0]), { alive: true });
  let fx = weight(model, 2, -3);
  assert.deepEqual(model.view().realServer(vs, vs.realServers[1]), { alive: true, weight: 1 });
  assert.deepEqual(lines(fx), [`Lost quorum 5-0=5 > 3 for VS ${VS}`]);
  assert.equal(fx.changed, true);
  fx = weight(model, 2, 100);
  assert.deepEqual([lines(fx), model.view().realServer(vs, vs.realServers[1])], [[`Gained quorum 5+0=5 <= 106 for VS ${VS}`], { alive: true, weight: 104 }]);
  // Clamped at 0 for IPVS and for the quorum sum.
  weight(model, 1, -50);
  assert.deepEqual(model.view().realServer(vs, vs.realServers[0]), { alive: true, weight: 0 });
});

test('health: FILE_CHECK in fault at start-up keeps its server out', () => {
  const text = `track_file tf {\n  file /run/tf\n}\n${conf('', servers(2, (i) => (i === 1 ? '    FILE_CHECK {\n      track_file tf\n      weight 0\n    }' : '')))}`;
  const { model } = HealthModel.start(specs(lvsOf(text), true, { '/run/tf': 1 }));
  assert.deepEqual(model.vs(VS)!.realServers.map((r) => r.alive), [false, true]);
});

test('health: reload keeps a failed server failed, re-adds nothing, and carries the quorum', () => {
  const text = conf('  quorum_up /bin/qup', servers(2, () => TCP));
  const { model } = start(text);
  verdict(model, 1, false);
  const { model: next, effects } = model.reload(specs(lvsOf(text), false));
  assert.deepEqual(next.vs(VS)!.realServers.map((r) => [r.alive, r.checkers[0].state.isUp, r.checkers[0].state.hasRun]), [[false, false, true], [true, true, false]]);
  assert.deepEqual([lines(effects), events(effects)], [[], []]);
});

test('health: reload with a changed checker: a failed server whose checker is new comes back (as keepalived does)', () => {
  const { model } = start(conf('', servers(1, () => `    notify_up /bin/up\n${TCP}`)));
  verdict(model, 1, false);
  const changed = conf('', servers(1, () => '    notify_up /bin/up\n    TCP_CHECK {\n      connect_timeout 2\n    }'));
  const { model: next, effects } = model.reload(specs(lvsOf(changed), false));
  const rs = next.rs(VS, rsKey(1))!;
  assert.deepEqual([rs.alive, rs.checkers[0].state], [true, { isUp: true, hasRun: false, retryIt: 1, urlIt: 0, failedUrl: null, curWeight: 0 }]);
  // Its quorum, lost with it, comes back too.
  assert.deepEqual(events(effects), [`rs ${rsKey(1)} UP /bin/up`, `vs ${VS} UP`]);
});

test('health: reload: a removed alive server runs notify_down; a new alpha server starts down; a new plain one up', () => {
  const { model } = start(conf('', servers(1, () => `    notify_down /bin/down\n${TCP}`)));
  const text = conf('', `  real_server 10.0.1.2 80 {\n    alpha\n${TCP}\n  }\n  real_server 10.0.1.3 80 {\n${TCP}\n  }`);
  const { model: next, effects } = model.reload(specs(lvsOf(text), false));
  assert.deepEqual(lines(effects), [`service ${rsKey(1)} no longer exist`]);
  assert.deepEqual(events(effects), [`rs ${rsKey(1)} DOWN /bin/down`]);
  assert.deepEqual(next.vs(VS)!.realServers.map((r) => [r.key, r.alive]), [[rsKey(2), false], [rsKey(3), true]]);
});

test('health: reload keeps the sorry server in while quorum stays lost; a removed virtual server loses its quorum', () => {
  const text = conf('  sorry_server 10.0.9.9 80\n  quorum_down /bin/qdown', servers(1, () => TCP));
  const { model } = start(text);
  verdict(model, 1, false);
  const { model: next, effects } = model.reload(specs(lvsOf(text), false));
  assert.deepEqual([next.vs(VS)!.sorryIn, next.vs(VS)!.quorumUp, lines(effects)], [true, false, []]);
  const other = `virtual_server 10.0.0.2 80 {\n  protocol TCP\n  lb_algo rr\n  lb_kind NAT\n  real_server 10.0.2.1 80 {\n  }\n}\n`;
  const { model: up } = start(conf('  quorum_down /bin/qdown', servers(1, () => '')));
  const gone = up.reload(specs(lvsOf(other), false)).effects;
  assert.deepEqual(events(gone), ['vs [10.0.0.2]:tcp:80 UP', `rs ${rsKey(1)} DOWN`, `vs ${VS} DOWN /bin/qdown`]);
});

test('health: stop with omega: notify_down for alive servers, then quorum_down; without omega nothing', () => {
  const { model } = start(conf('  omega\n  quorum_down /bin/qdown', servers(2, (i) => `    notify_down /bin/down${i}\n${i === 2 ? `    alpha\n${TCP}` : ''}`)));
  assert.deepEqual(events(model.stop()), [`rs ${rsKey(1)} DOWN /bin/down1`, `vs ${VS} DOWN /bin/qdown`]);
  const { model: plain } = start(conf('  quorum_down /bin/qdown', servers(1, () => '    notify_down /bin/down')));
  assert.deepEqual(events(plain.stop()), []);
});

test('health: the view falls back to start-up health for servers it does not know', () => {
  const { model } = start(conf('', servers(1, () => TCP)));
  const lvs = lvsOf(`virtual_server 10.0.0.3 80 {\n  protocol TCP\n  lb_algo rr\n  lb_kind NAT\n  quorum 2\n  real_server 10.0.3.1 80 {\n    alpha\n${TCP}\n  }\n  real_server 10.0.3.2 80 {\n  }\n}\n`);
  const [vs] = lvs.virtualServers;
  assert.deepEqual(vs.realServers.map((rs) => model.view().realServer(vs, rs).alive), [false, true]);
  assert.equal(model.view().quorumUp(vs), false);
});
