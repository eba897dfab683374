import test from 'node:test';
import assert from 'node:assert/strict';
import { build, clean, instance } from './vrrp-helper.js';

test('duplicate VRID on the same interface and family: keepalived refuses it (error)', () => {
  const b = build(instance('') + instance('  virtual_ipaddress {\n    10.0.0.2\n  }\n', 'VI_2'));
  assert.equal(b.rc, 5);
  const d = b.one('VI_1 and VI_2 both use VRID 1 with IPv4 on interface eth0');
  assert.equal(d.origin, undefined);
  assert.equal(d.line, 11); // the second instance's virtual_router_id
});

test('same VRID is fine on another interface, another family or another multicast group', () => {
  clean(build(instance('') + instance('  interface eth1\n  virtual_ipaddress {\n    10.0.0.2\n  }\n', 'VI_2')));
  clean(build(instance('') + instance('  virtual_ipaddress {\n    fe80::1\n  }\n', 'VI_2')));
  clean(build(instance('') + instance('  mcast_dst_ip 224.0.0.19\n  virtual_ipaddress {\n    10.0.0.2\n  }\n', 'VI_2')));
});

test('unicast instances conflict only with the same source and a shared peer', () => {
  const u = (name: string, vip: string, peer: string) => instance(`  unicast_src_ip 192.168.200.10\n  unicast_peer {\n    ${peer}\n  }\n  virtual_ipaddress {\n    ${vip}\n  }\n`, name);
  const b = build(u('A', '10.0.0.1', '192.168.200.11') + u('B', '10.0.0.2', '192.168.200.11'));
  assert.ok(b.one('(A) duplicate VRID conflict with B VRID 1'));
  clean(build(u('A', '10.0.0.1', '192.168.200.11') + u('B', '10.0.0.2', '192.168.200.12')));
});

test('the same VIP in two instances is reported (extra check)', () => {
  const b = build(instance('') + instance('  virtual_router_id 2\n', 'VI_2'));
  const d = b.one('(VI_2) address 10.0.0.1 is also managed by vrrp_instance VI_1');
  assert.deepEqual([d.severity, d.origin, d.line], ['error', 'extra', 12]);
});

test('a VIP listed twice in one instance is only a notice (keepalived\'s own sample does it)', () => {
  const b = build(instance('  virtual_ipaddress {\n    10.0.0.5\n    10.0.0.5 label eth0:1\n  }\n'));
  clean(b);
  assert.ok(b.one('(VI_1) address 10.0.0.5 is listed twice', 'notice'));
});

test('a unicast peer equal to the own unicast_src_ip is reported (extra check)', () => {
  const b = build(instance('  unicast_src_ip 192.168.200.10\n  unicast_peer {\n    192.168.200.10\n    192.168.200.11\n  }\n'));
  const d = b.one("(VI_1) unicast peer 192.168.200.10 is this instance's own unicast_src_ip");
  assert.deepEqual([d.severity, d.origin, d.line, d.col], ['error', 'extra', 9, 5]);
});

test('track_script naming an undefined script: keepalived\'s error, with a hint', () => {
  const b = build(`vrrp_script chk_http {\n  script /a\n}\n${instance('  track_script {\n    chk_htp\n  }\n')}`);
  const d = b.one('(VI_1) track script chk_htp not found, ignoring...');
  assert.deepEqual([d.severity, d.origin, d.line, d.col, d.hint], ['error', undefined, 11, 5, "did you mean 'chk_http'?"]);
  assert.equal(b.config.vrrp.instances[0].trackScript.length, 0);
});

test('track_script naming a script defined later: keepalived ignores it; the hint says why', () => {
  const b = build(`${instance('  track_script {\n    chk\n  }\n')}vrrp_script chk {\n  script /a\n}\n`);
  const d = b.one('(VI_1) track script chk not found, ignoring...');
  assert.match(d.hint ?? '', /defined later \(.*:12\)/);
});

test('track_file / track_process / track_bfd naming undefined objects', () => {
  const b = build(instance('  track_file {\n    nofile\n  }\n  track_process {\n    noproc\n  }\n  track_bfd {\n    nobfd\n  }\n'));
  assert.ok(b.one('(VI_1) track file nofile not found, ignoring...'));
  assert.ok(b.one('(VI_1) track process noproc not found, ignoring...'));
  assert.ok(b.one('(VI_1) track bfd nobfd not found, ignoring...'));
});
