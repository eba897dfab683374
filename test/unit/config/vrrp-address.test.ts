import test from 'node:test';
import assert from 'node:assert/strict';
import { build, clean, fakeEnv, instance } from './vrrp-helper.js';

function vips(lines: string, extra = '', env = {}) {
  return build(instance(`${extra}  virtual_ipaddress {\n${lines}\n  }\n`), env);
}

test('VIP line: every option reaches the model', () => {
  const b = vips('    10.0.0.1/24 brd + dev eth1 scope link label eth1:1 no_track home -nodad noprefixroute');
  clean(b);
  const v = b.config.vrrp.instances[0].virtualIpaddress[0];
  assert.deepEqual([v.address.text, v.address.prefixLen, v.broadcast?.text, v.dev, v.devExplicit, v.scope, v.label, v.noTrack], ['10.0.0.1', 24, '10.0.0.255', 'eth1', true, 'link', 'eth1:1', true]);
  assert.deepEqual(v.flags, ['home', 'nodad', 'noprefixroute']);
  assert.deepEqual([v.pos.line, v.pos.col], [5, 5]);
});

test('VIP line: defaults (mask /32, instance interface, scope global, no broadcast)', () => {
  const b = vips('    10.0.0.1\n    10.0.0.2/25 brd -\n    10.0.0.3/24 broadcast 10.0.0.127');
  clean(b);
  const [a, c, d] = b.config.vrrp.instances[0].virtualIpaddress;
  assert.deepEqual([a.address.prefixLen, a.dev, a.scope, a.broadcast, a.devExplicit], [32, 'eth0', 'global', undefined, false]);
  assert.equal(c.broadcast?.text, '10.0.0.0');
  assert.equal(d.broadcast?.text, '10.0.0.127');
});

test('VIP line: peer replaces the prefix and excludes broadcast', () => {
  const b = vips('    10.0.0.5 peer 10.0.0.6\n    10.0.0.7/24 peer 10.0.0.8\n    10.0.0.9 peer 10.0.0.10 brd 10.0.0.255');
  const [a, c] = b.config.vrrp.instances[0].virtualIpaddress;
  assert.equal(a.peer?.text, '10.0.0.6');
  assert.ok(b.one('Cannot specify address prefix when specifying peer address - ignoring'));
  assert.equal(c.address.prefixLen, 32);
  assert.ok(b.one('Cannot specify broadcast and peer addresses - ignoring broadcast address'));
});

test('VIP line: errors are reported as keepalived reports them', () => {
  const b = vips(`    10.0.0.3/33
    10.0.0.4 bogus
    10.0.0.7 label
    2001:db8::1
    10.0.0.300
    10.0.0.8/31 brd +
    10.0.0.9 scope nowhere-land
    10.0.0.10 label abcdefghijklmnopq
    10.0.0.11 dev eth1 dev eth2`);
  assert.equal(b.rc, 5);
  assert.ok(b.one('Invalid address prefix len 33 for address 10.0.0.3/33 - using 32'));
  assert.ok(b.one("Unknown configuration entry 'bogus' for ip address - ignoring"));
  assert.ok(b.one('No label parameter specified for 10.0.0.7'));
  assert.ok(b.one('(VI_1): address family must match VRRP instance [2001:db8::1] - ignoring'));
  assert.ok(b.one('VRRP parsed invalid IP 10.0.0.300. skipping IP...'));
  assert.ok(b.one('Address prefix length 31 too long for broadcast'));
  assert.ok(b.one("Invalid scope 'nowhere-land' specified for 10.0.0.9 - ignoring"));
  assert.ok(b.one('Address label abcdefghijklmnopq is longer than maximum length 15 - removing address'));
  assert.ok(b.one('Cannot specify ipaddress device more than once for 10.0.0.11'));
  assert.deepEqual(b.config.vrrp.instances[0].virtualIpaddress.map((v) => v.address.text), ['10.0.0.3', '10.0.0.4', '10.0.0.8', '10.0.0.9']);
});

test('VIP line: IPv6 cannot have scope, label or broadcast', () => {
  const b = build(instance('  virtual_ipaddress_excluded {\n    2001:db8::5/64 preferred_lft 30\n    2001:db8::6 scope link label foo\n    2001:db8::7 brd +\n  }\n'));
  assert.ok(b.one('Cannot specify scope for IPv6 addresses (2001:db8::6) - ignoring scope'));
  assert.ok(b.one('Cannot specify label for IPv6 addresses (2001:db8::6) - ignoring label'));
  assert.ok(b.one('VRRP is trying to assign a broadcast brd to the IPv6 address 2001:db8::7'));
  const ex = b.config.vrrp.instances[0].virtualIpaddressExcluded;
  assert.equal(ex[0].preferredLft, 30);
  assert.equal(ex[1].scope, 'global');
  assert.equal(ex.length, 2);
});

test('virtual_ipaddress_excluded may mix families and defaults to the instance interface', () => {
  const b = build(instance('  virtual_ipaddress {\n    10.0.0.1\n  }\n  virtual_ipaddress_excluded {\n    2001:db8::5/64\n    10.9.9.9\n  }\n'));
  clean(b);
  assert.deepEqual(b.config.vrrp.instances[0].virtualIpaddressExcluded.map((v) => v.dev), ['eth0', 'eth0']);
});

test('VIP line: a dev missing on the host drops the address (rc 5)', () => {
  const b = vips('    10.0.0.2 dev eth9', '', fakeEnv());
  assert.equal(b.rc, 5);
  assert.ok(b.one("WARNING - interface eth9 for ip address 10.0.0.2 doesn't exist"));
  assert.ok(b.one('Non-existent interface specified in configuration', 'fatal'));
});

test('static_ipaddress: dev defaults to default_interface; track_group must come first', () => {
  const b = build(`track_group TG {\n  group {\n    VI_1\n  }\n}\nstatic_ipaddress {\n  10.1.0.1/24 dev eth1 scope link\n  10.1.0.2/24\n  10.1.0.3 track_group TG\n  10.1.0.4 track_group NOPE\n}\n${instance('')}`);
  assert.deepEqual(b.problems(), ['track_group NOPE not found']);
  const s = b.config.vrrp.staticIpaddress;
  assert.deepEqual(s.map((a) => [a.address.text, a.dev, a.scope, a.trackGroup]), [['10.1.0.1', 'eth1', 'link', undefined], ['10.1.0.2', 'eth0', 'global', undefined], ['10.1.0.3', 'eth0', 'global', 'TG'], ['10.1.0.4', 'eth0', 'global', undefined]]);
  assert.deepEqual(b.config.vrrp.trackGroups[0].group, ['VI_1']);
});

test('static_ipaddress: a missing default interface makes the configuration unusable (rc 4)', () => {
  const b = build('global_defs {\n  default_interface eth9\n}\nstatic_ipaddress {\n  10.1.0.2/24\n}\n', fakeEnv());
  assert.equal(b.rc, 4);
  assert.equal(b.one('Static address 10.1.0.2/24 requires either an interface or default interface must exist').severity, 'fatal');
});

test('static_ipaddress: use_vmac is not an option there', () => {
  const b = build('static_ipaddress {\n  10.1.0.1 use_vmac\n}\n');
  assert.ok(b.one("Unknown configuration entry 'use_vmac' for ip address - ignoring"));
});
