// IpvsClient against a real kernel's IPVS, in one UML boot and one node process (ipvs-driver.ts):
// after each step of the scenario, what the kernel lists must be what the model says was written,
// and ipvsadm must read the same table as our client. Also refusals, timeouts, sync daemons,
// flush, timings, and the golden bytes (KT_WRITE_GOLDEN=1 rewrites test/golden/ipvs/*.json).
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { DEFAULT_MODULES, runNodeInUml, type UmlResult } from './uml.js';
import type { DriverResult, Snapshot } from './ipvs-driver.js';
import { applyOps, destKeyText, serviceKeyText, STEPS, type ModelService } from './ipvs-scenario.js';
import { destRule, parseListing, parseSave, serviceRule, sortRules } from './ipvs-ipvsadm.js';
import { goldenFile, type GoldenFile } from './ipvs-golden-format.js';
import { decodeFrames, decodeIpvsFrame } from '../../src/netlink/ipvs-attrs.js';
import { describeService, formatAddrPort, IP_VS_SVC_F_HASHED, type IpvsDestEntry, type IpvsServiceEntry } from '../../src/ipvs/types.js';

const DRIVER = fileURLToPath(new URL('./ipvs-driver.js', import.meta.url));
const GOLDEN_DIR = fileURLToPath(new URL('../../../test/golden/ipvs/', import.meta.url));

/** The kernel's view, reduced to configuration, keyed like the model. */
function kernelTable(s: Snapshot): Map<string, { svc: object; dests: Map<string, object> }> {
  return new Map(s.ours.map(({ svc, dests }) => [
    serviceKeyText(svc),
    {
      svc: { ...svc, flags: svc.flags & ~IP_VS_SVC_F_HASHED },
      dests: new Map(dests.map((d: IpvsDestEntry) => {
        assert.deepEqual([d.activeConns, d.inactConns, d.persistConns], [0, 0, 0], 'no traffic, no connections');
        const { activeConns: _a, inactConns: _i, persistConns: _p, ...conf } = d;
        return [destKeyText(d), conf];
      })),
    },
  ]));
}

/** The model, as the kernel reports it: tunnel fields read back 0 when never set. */
function modelTable(m: Map<string, ModelService>): Map<string, { svc: object; dests: Map<string, object> }> {
  const table = new Map<string, { svc: object; dests: Map<string, object> }>();
  for (const [k, { svc, dests }] of m) {
    table.set(k, {
      svc,
      dests: new Map([...dests].map(([dk, d]) => [dk, { ...d, tunType: d.tunType ?? 0, tunPort: d.tunPort ?? 0, tunFlags: d.tunFlags ?? 0 }])),
    });
  }
  return table;
}

const dropUndefined = (o: object) => JSON.parse(JSON.stringify(o)) as object;

function assertSameTable(snapshot: Snapshot, model: Map<string, ModelService>): void {
  const got = kernelTable(snapshot);
  const want = modelTable(model);
  assert.deepEqual([...got.keys()].sort(), [...want.keys()].sort(), 'the same services');
  for (const [k, w] of want) {
    const g = got.get(k)!;
    assert.deepEqual(dropUndefined(g.svc), dropUndefined(w.svc), `service ${k}`);
    assert.deepEqual([...g.dests.keys()].sort(), [...w.dests.keys()].sort(), `dests of ${k}`);
    for (const [dk, wd] of w.dests) assert.deepEqual(dropUndefined(g.dests.get(dk)!), dropUndefined(wd), `dest ${dk} of ${k}`);
  }
}

/** ipvsadm, reading the same kernel, must see what our client listed. */
function assertIpvsadmAgrees(s: Snapshot): void {
  const ours = s.ours.flatMap(({ svc, dests }) => [serviceRule(svc), ...dests.map((d) => destRule(svc, d))]);
  assert.deepEqual(sortRules(parseSave(s.save)), sortRules(ours), 'ipvsadm -S -n');
  const key = (service: string, dest: string) => `${service} -> ${dest}`;
  const thresholds = new Map(parseListing(s.thresholds).map((r) => [key(r.service, r.dest), r.columns]));
  const persistent = new Map(parseListing(s.persistent).map((r) => [key(r.service, r.dest), r.columns]));
  assert.equal(thresholds.size, s.ours.reduce((n, x) => n + x.dests.length, 0));
  for (const { svc, dests } of s.ours) {
    for (const d of dests) {
      const k = key(describeService(svc), formatAddrPort(d.af, d.addr, d.port));
      assert.deepEqual(thresholds.get(k), [d.uThreshold, d.lThreshold, d.activeConns, d.inactConns], `thresholds ${k}`);
      assert.deepEqual(persistent.get(k), [d.weight, d.persistConns, d.activeConns, d.inactConns], `persistent-conn ${k}`);
    }
  }
}

describe('IpvsClient in UML: a real kernel, checked against a model and against ipvsadm', () => {
  let result: DriverResult;
  let run: UmlResult;

  before(async () => {
    const r = await runNodeInUml<DriverResult>(DRIVER, [], { modules: [...DEFAULT_MODULES, 'ip_vs_pe_sip'], timeoutMs: 300_000 });
    result = r.result;
    run = r.run;
    const t = run.timings;
    console.log(`UML: boot ${t.bootMs} ms, modules ${t.modulesMs} ms, driver ${t.scriptMs} ms, shutdown ${t.shutdownMs} ms, total ${t.totalMs} ms`);
  });

  test('the table starts empty; GET_INFO reads as ipvsadm prints it', () => {
    assert.deepEqual(result.initial.ours, []);
    assert.equal(result.initial.save.trim(), '');
    assert.equal(result.infoText, `IP Virtual Server version ${result.info.versionText} (size=${result.info.connTabSize})`);
  });

  const model = new Map<string, ModelService>();
  STEPS.forEach((step, i) => {
    test(`step ${i + 1}, ${step.name}: the kernel holds what the model says; ipvsadm agrees`, () => {
      applyOps(model, step.ops);
      const done = result.steps[i]!;
      assert.equal(done.name, step.name);
      step.ops.forEach((op, j) => {
        const o = done.outcomes[j]!;
        if (op.refuse) {
          assert.ok(!o.ok, `${op.op} #${j} must be refused with ${op.refuse}`);
          assert.equal(o.name, 'IpvsError');
          assert.equal(o.code, op.refuse, o.message);
          assert.match(o.message, new RegExp(`^IPVS [A-Z_]+ .+: ${op.refuse} \\(${o.errno}\\)$`));
        } else {
          assert.ok(o.ok, `${op.op} #${j}: ${!o.ok ? o.message : ''}`);
        }
      });
      assertSameTable(done.snapshot, model);
      assertIpvsadmAgrees(done.snapshot);
    });
  });

  test('a refusal names command, entry and errno: IPVS NEW_DEST TCP 10.0.0.1:80 -> 10.0.1.6:80: EEXIST (17)', () => {
    const refusals = result.steps[3]!.outcomes;
    assert.ok(refusals.some((o) => !o.ok && o.message === 'IPVS NEW_DEST TCP 10.0.0.1:80 -> 10.0.1.6:80: EEXIST (17)'));
    assert.ok(refusals.some((o) => !o.ok && o.message === 'IPVS SET_SERVICE TCP 10.0.9.9:80: ESRCH (3)'));
  });

  test('getService finds a service, answers undefined for a missing one; listDests of a missing service is empty', () => {
    assert.equal(result.lookups.found.schedName, 'rr');
    assert.equal(result.lookups.found.flags & ~IP_VS_SVC_F_HASHED, 1);
    assert.equal(result.lookups.missing, 'undefined');
    assert.equal(result.lookups.missingDests, 0);
  });

  test('timeouts: SET_CONFIG changes only what is given; ipvsadm --set is read back', () => {
    const t = result.timeouts;
    assert.deepEqual(t.initial, { tcp: 900, tcpFin: 120, udp: 300 });
    assert.equal(t.initialText.trim(), 'Timeout (tcp tcpfin udp): 900 120 300');
    assert.deepEqual(t.afterOurs, { tcp: 1000, tcpFin: 120, udp: 300 });
    assert.equal(t.afterOursText.trim(), 'Timeout (tcp tcpfin udp): 1000 120 300');
    assert.deepEqual(t.afterIpvsadm, { tcp: 901, tcpFin: 121, udp: 301 });
  });

  test('sync daemons: started by us, read by ipvsadm; started by ipvsadm, read by us; stop twice is ESRCH', () => {
    const d = result.daemons;
    assert.deepEqual(d.started[0], { state: 1, mcastIfn: 'kt-sync0', syncId: 5, syncMaxlen: 1400, mcastGroup: '224.0.0.82', mcastPort: 8850, mcastTtl: 2 });
    assert.equal(d.started[1]!.state, 2);
    assert.match(d.startedText, /^master sync daemon \(mcast=kt-sync0, syncid=5, maxlen=1400, group=224\.0\.0\.82, port=8850, ttl=2\)$/m);
    assert.match(d.startedText, /^backup sync daemon \(mcast=kt-sync1, syncid=5, maxlen=1472, group=224\.0\.0\.81, port=8848, ttl=1\)$/m);
    assert.deepEqual(d.stopped, []);
    assert.ok(!d.stopAgain.ok && d.stopAgain.code === 'ESRCH');
    assert.deepEqual(d.fromIpvsadm, [{ state: 1, mcastIfn: 'kt-sync1', syncId: 9, syncMaxlen: 1300, mcastGroup: '224.0.0.83', mcastPort: 8870, mcastTtl: 3 }]);
  });

  test('flush empties the table', () => {
    assert.deepEqual(result.flushed.ours, []);
    assert.equal(result.flushed.save.trim(), '');
  });

  test('a socket that breaks under the client: the next call fails with IpvsSocketError, the one after works on a new socket', () => {
    assert.deepEqual(result.reopen, { firstError: 'IpvsSocketError', thenListed: 0, sockets: 2 });
  });

  test('ip_vs unloaded: IpvsFamilyMissingError, new and old clients; reloaded under a new id: the old client follows it', () => {
    const u = result.unloaded;
    assert.ok(!u.newClient.ok && u.newClient.name === 'IpvsFamilyMissingError', JSON.stringify(u.newClient));
    assert.ok(!u.oldClient.ok && u.oldClient.name === 'IpvsFamilyMissingError', JSON.stringify(u.oldClient));
    assert.notEqual(u.familyAfterReload, u.familyBefore);
    assert.ok(u.oldClientAfterReload.ok, JSON.stringify(u.oldClientAfterReload));
  });

  test('1,000 dests: added one by one, listed by us and by ipvsadm, edited, deleted', () => {
    const b = result.bench;
    assert.equal(b.listedDests, 1000);
    assert.equal(b.ipvsadmListedDests, 1000);
    console.log(`inside UML, 1,000 operations: add-dest ${b.addDestSequentialMs} ms sequential, ${b.addDestPipelinedMs} ms pipelined ` +
      `(ipvsadm -R: ${b.ipvsadmRestoreMs} ms); edit-dest ${b.editDestSequentialMs} ms; del-dest ${b.delDestSequentialMs} ms; ` +
      `GET_DEST dump of 1,000: ${b.listDestsMs} ms cold, ${b.listDestsIpvsadmRestoredMs} ms warm`);
  });

  test('golden bytes: every captured datagram decodes and re-encodes byte for byte; the stored files hold the same table', () => {
    const files = result.golden.map(goldenFile);
    assert.deepEqual(files.map((f) => f.name), ['services', 'dests-tcp', 'dests-udp6', 'dests-fwmark6', 'service-get', 'info', 'config', 'daemons']);
    for (const f of files) {
      // The request we sent decodes too.
      const req = decodeFrames(Buffer.from(f.request.hex, 'hex'));
      assert.ok(req.ok && req.value[0]!.kind === 'genl' && decodeIpvsFrame(req.value[0]!).ok);
    }
    // Against ipvsadm: the decoded services and dests are the table ipvsadm built and reads back.
    const saved = parseSave(result.golden[0]!.ipvsadmSave);
    const services = files[0]!.datagrams.flatMap((d) => d.messages.filter((m) => m.valueKind === 'service').map((m) => m.value as IpvsServiceEntry));
    assert.deepEqual(sortRules(services.map(serviceRule)), sortRules(saved.filter((r) => r.kind === 'service')));
    const dumps: Array<[number, string]> = [[1, 'TCP 10.0.0.1:80'], [2, 'UDP [fd00::1]:53'], [3, 'FWM 7 IPv6']];
    for (const [i, name] of dumps) {
      const svc = services.find((x) => describeService(x) === name)!;
      const dests = files[i]!.datagrams.flatMap((d) => d.messages.filter((m) => m.valueKind === 'dest').map((m) => m.value as IpvsDestEntry));
      assert.deepEqual(sortRules(dests.map((d) => destRule(svc, d))), sortRules(saved.filter((r) => r.kind === 'dest' && r.service === name)), name);
      const listed = parseListing(result.golden[i]!.ipvsadmThresholds).filter((r) => r.service === name);
      for (const d of dests) {
        const row = listed.find((r) => r.dest === formatAddrPort(d.af, d.addr, d.port));
        assert.deepEqual(row?.columns, [d.uThreshold, d.lThreshold, d.activeConns, d.inactConns], `${name} -> ${d.addr}`);
      }
    }
    const tcpDests = files[1]!.datagrams.flatMap((d) => d.messages.filter((m) => m.valueKind === 'dest').map((m) => m.value as IpvsDestEntry));
    assert.ok(tcpDests.some((d) => d.activeConns === 1), 'the connection made for the capture is counted');
    assert.ok(services.some((x) => x.stats && Number(x.stats.conns) > 0), 'and shows in the service counters');
    if (process.env.KT_WRITE_GOLDEN === '1') {
      mkdirSync(GOLDEN_DIR, { recursive: true });
      for (const f of files) writeFileSync(`${GOLDEN_DIR}${f.name}.json`, JSON.stringify(f, null, 1) + '\n');
      console.log(`wrote ${files.length} golden files to ${GOLDEN_DIR}`);
    }
    for (const f of files) {
      const path = `${GOLDEN_DIR}${f.name}.json`;
      assert.ok(existsSync(path), `${path} is missing: run this test with KT_WRITE_GOLDEN=1`);
      const stored = JSON.parse(readFileSync(path, 'utf8')) as GoldenFile;
      // Sequence numbers, port ids, counters and the kernel's hash order differ per boot; the messages must not.
      const shape = (g: GoldenFile) => g.datagrams.flatMap((d) => d.messages.map((m) => JSON.stringify({
        kind: m.kind, cmd: m.cmd, len: m.header.len, flags: m.header.flags, valueKind: m.valueKind,
        value: m.value && typeof m.value === 'object' ? withoutCounters(m.value) : m.value,
      }))).sort();
      assert.deepEqual(shape(f), shape(stored), `${f.name}: fresh capture differs from ${path}`);
      assert.equal(f.pad64, stored.pad64);
    }
  });
});

function withoutCounters(v: object): object {
  const { stats: _s, stats64: _s64, activeConns: _a, inactConns: _i, persistConns: _p, ...rest } = v as Record<string, unknown>;
  return rest;
}
