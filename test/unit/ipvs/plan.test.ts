import test from 'node:test';
import assert from 'node:assert/strict';
import { planIpvs } from '../../../src/ipvs/plan.js';
import { ownershipOf, tableFrom, serviceId, destId } from '../../../src/ipvs/table.js';
import { AF_INET, IPPROTO_TCP, IP_VS_CONN_F_DROUTE, IP_VS_CONN_F_MASQ, IP_VS_SVC_F_HASHED, IP_VS_SVC_F_PERSISTENT, type IpvsDest, type IpvsService } from '../../../src/ipvs/types.js';

const svc = (addr: string, over: Partial<IpvsService> = {}): IpvsService => ({
  af: AF_INET, protocol: IPPROTO_TCP, addr, port: 80, fwmark: 0, schedName: 'wlc', flags: 0, timeout: 0, netmask: 0xffffffff, ...over,
});
const dest = (addr: string, over: Partial<IpvsDest> = {}): IpvsDest => ({
  af: AF_INET, addr, port: 80, fwdMethod: IP_VS_CONN_F_MASQ, weight: 1, uThreshold: 0, lThreshold: 0, ...over,
});
const ops = (p: ReturnType<typeof planIpvs>) => p.map((o) => `${o.op} ${'dest' in o ? o.dest.addr : o.service.addr}`);

test('empty kernel: each service is created before its destinations', () => {
  const want = tableFrom([{ service: svc('10.0.0.1'), dests: [dest('10.1.0.1'), dest('10.1.0.2')] }]);
  assert.deepEqual(ops(planIpvs(want, new Map(), ownershipOf(want))), ['add-service 10.0.0.1', 'add-dest 10.1.0.1', 'add-dest 10.1.0.2']);
});

test('a table equal to the desired one needs nothing, whatever bookkeeping flags the kernel adds', () => {
  const want = tableFrom([{ service: svc('10.0.0.1'), dests: [dest('10.1.0.1')] }]);
  const have = tableFrom([{ service: svc('10.0.0.1', { flags: IP_VS_SVC_F_HASHED }), dests: [dest('10.1.0.1')] }]);
  assert.deepEqual(planIpvs(want, have, ownershipOf(want)), []);
});

test('a weight change is one edit-dest and no delete', () => {
  const want = tableFrom([{ service: svc('10.0.0.1'), dests: [dest('10.1.0.1', { weight: 5 })] }]);
  const have = tableFrom([{ service: svc('10.0.0.1'), dests: [dest('10.1.0.1')] }]);
  assert.deepEqual(ops(planIpvs(want, have, ownershipOf(want))), ['edit-dest 10.1.0.1']);
});

test('scheduler or persistence changes edit the service in place', () => {
  const want = tableFrom([{ service: svc('10.0.0.1', { schedName: 'rr', flags: IP_VS_SVC_F_PERSISTENT, timeout: 300 }), dests: [] }]);
  const have = tableFrom([{ service: svc('10.0.0.1'), dests: [] }]);
  assert.deepEqual(ops(planIpvs(want, have, ownershipOf(want))), ['edit-service 10.0.0.1']);
});

test('a forwarding-method change is an edit, not a re-add', () => {
  const want = tableFrom([{ service: svc('10.0.0.1'), dests: [dest('10.1.0.1', { fwdMethod: IP_VS_CONN_F_DROUTE })] }]);
  const have = tableFrom([{ service: svc('10.0.0.1'), dests: [dest('10.1.0.1')] }]);
  assert.deepEqual(ops(planIpvs(want, have, ownershipOf(want))), ['edit-dest 10.1.0.1']);
});

test('adding or removing one real server is one operation', () => {
  const both = tableFrom([{ service: svc('10.0.0.1'), dests: [dest('10.1.0.1'), dest('10.1.0.2')] }]);
  const one = tableFrom([{ service: svc('10.0.0.1'), dests: [dest('10.1.0.1')] }]);
  assert.deepEqual(ops(planIpvs(both, one, ownershipOf(both))), ['add-dest 10.1.0.2']);
  assert.deepEqual(ops(planIpvs(one, both, ownershipOf(both))), ['del-dest 10.1.0.2']);
});

test('an owned service no longer wanted: destinations deleted first, then the service', () => {
  const old = tableFrom([{ service: svc('10.0.0.1'), dests: [dest('10.1.0.1')] }]);
  assert.deepEqual(ops(planIpvs(new Map(), old, ownershipOf(old))), ['del-dest 10.1.0.1', 'del-service 10.0.0.1']);
});

test("an operator's own service and an unknown destination in it are left alone", () => {
  const want = tableFrom([{ service: svc('10.0.0.1'), dests: [dest('10.1.0.1')] }]);
  const have = tableFrom([
    { service: svc('10.0.0.1'), dests: [dest('10.1.0.1'), dest('10.9.9.9')] },
    { service: svc('10.0.0.99'), dests: [dest('10.1.0.7')] },
  ]);
  assert.deepEqual(planIpvs(want, have, ownershipOf(want)), []);
});

test('an owned entry deleted behind our back is planned again', () => {
  const want = tableFrom([{ service: svc('10.0.0.1'), dests: [dest('10.1.0.1'), dest('10.1.0.2')] }]);
  const have = tableFrom([{ service: svc('10.0.0.1'), dests: [dest('10.1.0.1')] }]);
  assert.deepEqual(ops(planIpvs(want, have, ownershipOf(want))), ['add-dest 10.1.0.2']);
});

test('keys: fwmark services ignore address and port', () => {
  assert.equal(serviceId({ af: AF_INET, protocol: 0, addr: '0.0.0.0', port: 0, fwmark: 7 }), serviceId({ af: AF_INET, protocol: 6, addr: '1.2.3.4', port: 9, fwmark: 7 }));
  assert.notEqual(destId({ af: AF_INET, addr: '1.1.1.1', port: 80 }), destId({ af: AF_INET, addr: '1.1.1.1', port: 81 }));
});
