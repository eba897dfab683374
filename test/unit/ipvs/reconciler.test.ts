import test from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../../src/config/index.js';
import { desiredIpvs } from '../../../src/ipvs/desired.js';
import { IpvsReconciler } from '../../../src/ipvs/reconciler.js';
import { recordingLog } from '../../../src/lib/log.js';
import { AF_INET, IPPROTO_TCP } from '../../../src/ipvs/types.js';
import { FakeIpvs } from './fake-ipvs.js';

const dir = mkdtempSync(join(tmpdir(), 'kt-rec-'));
function config(body: string) {
  const f = join(dir, `c${Math.random().toString(36).slice(2)}.conf`);
  writeFileSync(f, body);
  const r = loadConfig(f, { configId: 'x', env: { hostname: 'x' } });
  return r.config;
}
const vs = (rs: string, extra = '') => `virtual_server 10.0.0.1 80 {\n  protocol TCP\n  lb_algo wrr\n  lb_kind NAT\n${extra}${rs}}\n`;
const rs = (ip: string, w = 1) => `  real_server ${ip} 80 {\n    weight ${w}\n  }\n`;

test('first pass programs the whole table; a second pass finds nothing to do', async () => {
  const k = new FakeIpvs();
  const r = new IpvsReconciler(k, recordingLog());
  const want = desiredIpvs(config(vs(rs('10.1.0.1') + rs('10.1.0.2', 3))).lvs);
  assert.deepEqual((await r.reconcile(want)).byOp, { 'add-service': 1, 'add-dest': 2 });
  assert.deepEqual((await r.reconcile(want)).planned, 0);
  const [svc] = await k.listServices();
  assert.equal(svc.schedName, 'wrr');
  assert.deepEqual((await k.listDests(svc)).map((d) => [d.addr, d.weight]), [['10.1.0.1', 1], ['10.1.0.2', 3]]);
});

test('a reload that changes one weight is one edit-dest, logged in keepalived words', async () => {
  const k = new FakeIpvs();
  const log = recordingLog();
  const r = new IpvsReconciler(k, log);
  await r.reconcile(desiredIpvs(config(vs(rs('10.1.0.1') + rs('10.1.0.2'))).lvs));
  k.calls.length = 0;
  await r.reconcile(desiredIpvs(config(vs(rs('10.1.0.1') + rs('10.1.0.2', 7))).lvs));
  assert.deepEqual(k.calls, ['edit-dest']);
  assert.ok(log.lines.some((l) => l.msg === 'Changing weight from 1 to 7 for active service [10.1.0.2]:tcp:80 of VS [10.0.0.1]:tcp:80'));
});

test('a reload that drops a virtual server removes its real servers, then the service', async () => {
  const k = new FakeIpvs();
  const r = new IpvsReconciler(k, recordingLog());
  await r.reconcile(desiredIpvs(config(vs(rs('10.1.0.1')) + vs(rs('10.1.0.9')).replace('10.0.0.1 80', '10.0.0.2 80')).lvs));
  k.calls.length = 0;
  await r.reconcile(desiredIpvs(config(vs(rs('10.1.0.1'))).lvs));
  assert.deepEqual(k.calls, ['del-dest', 'del-service']);
  assert.equal(k.services.size, 1);
});

test("an operator's service is never touched, and an owned entry deleted behind our back comes back", async () => {
  const k = new FakeIpvs();
  const r = new IpvsReconciler(k, recordingLog());
  const foreign = { af: AF_INET, protocol: IPPROTO_TCP, addr: '10.9.9.9', port: 443, fwmark: 0, schedName: 'rr', flags: 0, timeout: 0, netmask: 0xffffffff } as const;
  await k.addService(foreign);
  const want = desiredIpvs(config(vs(rs('10.1.0.1') + rs('10.1.0.2'))).lvs);
  await r.reconcile(want);
  const [, mine] = [...k.services.values()];
  await k.delDest(mine.s, { af: AF_INET, addr: '10.1.0.2', port: 80 });
  k.calls.length = 0;
  await r.reconcile(want);
  assert.deepEqual(k.calls, ['add-dest']);
  assert.ok(k.services.has(`${AF_INET}|6|10.9.9.9|443`));
});

test('a failed operation is logged and retried on the next pass while the rest is applied', async () => {
  const k = new FakeIpvs();
  const log = recordingLog();
  const r = new IpvsReconciler(k, log);
  k.refuse.set('add-dest', 'ENOMEM');
  const want = desiredIpvs(config(vs(rs('10.1.0.1') + rs('10.1.0.2'))).lvs);
  const first = await r.reconcile(want);
  assert.deepEqual([first.applied, first.failed], [2, 1]);
  assert.ok(log.lines.some((l) => l.level === 'error' && /add-dest .* failed, will retry/.test(l.msg)));
  const second = await r.reconcile(want);
  assert.deepEqual([second.planned, second.failed], [1, 0]);
  assert.equal(k.calls.includes('flush'), false);
});

test('stop removes every owned entry and nothing else: a whole service in one request, each real server logged', async () => {
  const k = new FakeIpvs();
  const log = recordingLog();
  const r = new IpvsReconciler(k, log);
  const foreign = { af: AF_INET, protocol: IPPROTO_TCP, addr: '10.9.9.9', port: 443, fwmark: 0, schedName: 'rr', flags: 0, timeout: 0, netmask: 0xffffffff } as const;
  await k.addService(foreign);
  const want = desiredIpvs(config(vs(rs('10.1.0.1') + rs('10.1.0.2'))).lvs);
  await r.reconcile(want);
  k.calls.length = 0;
  await r.removeOwned(want);
  // the kernel deletes a service's destinations with it (keepalived deletes them one by one first)
  assert.deepEqual(k.calls, ['del-service']);
  assert.deepEqual(log.lines.filter((l) => /Shutting down/.test(l.msg)).map((l) => l.msg), [
    'Shutting down service [10.1.0.1]:tcp:80 from VS [10.0.0.1]:tcp:80',
    'Shutting down service [10.1.0.2]:tcp:80 from VS [10.0.0.1]:tcp:80',
  ]);
  assert.deepEqual([...k.services.keys()], [`${AF_INET}|6|10.9.9.9|443`]);
});

test('stop of a service kept by the configuration with a real server dropped: that destination alone', async () => {
  const k = new FakeIpvs();
  const r = new IpvsReconciler(k, recordingLog());
  await r.reconcile(desiredIpvs(config(vs(rs('10.1.0.1') + rs('10.1.0.2'))).lvs));
  // an operator's destination in our service: deleted with the service, as keepalived's DEL_SERVICE does
  const [mine] = [...k.services.values()];
  await k.addDest(mine.s, { af: AF_INET, addr: '10.1.0.77', port: 80, fwdMethod: 0, weight: 1, uThreshold: 0, lThreshold: 0 });
  k.calls.length = 0;
  await r.removeOwned(desiredIpvs(config(vs(rs('10.1.0.1') + rs('10.1.0.2'))).lvs));
  assert.deepEqual(k.calls, ['del-service']);
  assert.equal(k.services.size, 0);
});

test('between re-syncs a pass plans against the table it knows: a reload costs its edit and no read', async () => {
  const k = new FakeIpvs();
  const r = new IpvsReconciler(k, recordingLog());
  await r.reconcile(desiredIpvs(config(vs(rs('10.1.0.1') + rs('10.1.0.2'))).lvs));
  assert.equal(r.counters.reads, 1);
  k.calls.length = 0;
  await r.reconcile(desiredIpvs(config(vs(rs('10.1.0.1') + rs('10.1.0.2', 7))).lvs), { read: false });
  assert.deepEqual(k.calls, ['edit-dest']);
  assert.equal(r.counters.reads, 1);
  // what it applied is in what it knows: the same again is nothing to do
  assert.equal((await r.reconcile(desiredIpvs(config(vs(rs('10.1.0.1') + rs('10.1.0.2', 7))).lvs), { read: false })).planned, 0);
  // the re-sync reads, and repairs what was changed behind its back
  const [mine] = [...k.services.values()];
  await k.delDest(mine.s, { af: AF_INET, addr: '10.1.0.1', port: 80 });
  k.calls.length = 0;
  await r.reconcile(desiredIpvs(config(vs(rs('10.1.0.1') + rs('10.1.0.2', 7))).lvs), { read: true });
  assert.deepEqual(k.calls, ['add-dest']);
  assert.equal(r.counters.reads, 2);
});

test('a refused operation puts the known table in doubt: the next pass reads the kernel', async () => {
  const k = new FakeIpvs();
  const r = new IpvsReconciler(k, recordingLog());
  const want = desiredIpvs(config(vs(rs('10.1.0.1') + rs('10.1.0.2'))).lvs);
  k.refuse.set('add-dest', 'EEXIST');
  await r.reconcile(want);
  assert.equal(r.counters.reads, 1);
  await r.reconcile(want, { read: false });
  assert.equal(r.counters.reads, 2);
});

test('a service a reload brings that is already in the kernel is read before planning', async () => {
  const k = new FakeIpvs();
  const r = new IpvsReconciler(k, recordingLog());
  await r.reconcile(desiredIpvs(config(vs(rs('10.1.0.1'))).lvs));
  // left by an earlier run, with a weight the new configuration changes
  const other = { af: AF_INET, protocol: IPPROTO_TCP, addr: '10.0.0.2', port: 80, fwmark: 0, schedName: 'wrr', flags: 0, timeout: 0, netmask: 0xffffffff } as const;
  await k.addService(other);
  await k.addDest(other, { af: AF_INET, addr: '10.1.0.9', port: 80, fwdMethod: 0, weight: 1, uThreshold: 0, lThreshold: 0 });
  k.calls.length = 0;
  await r.reconcile(desiredIpvs(config(vs(rs('10.1.0.1')) + vs(rs('10.1.0.9', 5)).replace('10.0.0.1 80', '10.0.0.2 80')).lvs), { read: false });
  assert.deepEqual(k.calls, ['edit-dest']);
});

test("real servers a configuration brings are added quietly (as keepalived); one configured before that comes back is 'Adding service'", async () => {
  const k = new FakeIpvs();
  const log = recordingLog();
  const r = new IpvsReconciler(k, log);
  const cfg = config(vs(rs('10.1.0.1') + rs('10.1.0.2')));
  await r.reconcile(desiredIpvs(cfg.lvs));
  const adding = () => log.lines.filter((l) => l.level === 'info' && /^Adding service/.test(l.msg)).map((l) => l.msg);
  assert.deepEqual(adding(), []);
  const down = { realServer: (_v: unknown, s: { address: { text: string } }) => ({ alive: s.address.text !== '10.1.0.2' }), quorumUp: () => true };
  await r.reconcile(desiredIpvs(cfg.lvs, down as never), { read: false });
  await r.reconcile(desiredIpvs(cfg.lvs), { read: false });
  assert.deepEqual(adding(), ['Adding service [10.1.0.2]:tcp:80 to VS [10.0.0.1]:tcp:80']);
});

test('inhibit_on_failure keeps a dead real server at weight 0; a sorry server replaces lost quorum', async () => {
  const cfg = config(vs(`  real_server 10.1.0.1 80 {\n    inhibit_on_failure\n    TCP_CHECK {\n      connect_timeout 1\n    }\n  }\n`, '  sorry_server 10.2.0.1 80\n'));
  const dead = { realServer: () => ({ alive: false }), quorumUp: () => false };
  const t = desiredIpvs(cfg.lvs, dead).table;
  const [entry] = [...t.values()];
  assert.deepEqual([...entry.dests.values()].map((d) => [d.addr, d.weight]), [['10.1.0.1', 0], ['10.2.0.1', 1]]);
});
