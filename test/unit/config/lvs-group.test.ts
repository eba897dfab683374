import test from 'node:test';
import assert from 'node:assert/strict';
import { load, vsConf } from './lvs-helpers.js';
import { expandVirtualServerGroup, type VirtualServerGroup } from '../../../src/config/model/lvs.js';

const RS = '  real_server 10.0.1.1 80 {\n  }';
const use = (name: string) => vsConf(RS, `virtual_server group ${name}`).replace('lb_kind NAT', 'lb_kind NAT\n  persistence_timeout 60');

function group(text: string): { g: VirtualServerGroup; r: ReturnType<typeof load> } {
  const r = load(`virtual_server_group G {\n${text}\n}\n`);
  return { g: r.config.lvs.virtualServerGroups[0], r };
}

const expand = (g: VirtualServerGroup) =>
  expandVirtualServerGroup(g).map((e) => (e.kind === 'fwmark' ? `fwm${e.fwmark}/${e.family}` : `${e.address.text}:${e.port}`));

test('entries: single address, last-octet range, address-address range, prefix, IPv6 hex range, fwmarks', () => {
  const { g, r } = group(
    [
      '  10.0.0.1 8080',
      '  192.168.200.3-10 80',
      '  10.0.0.250-10.0.1.2 81',
      '  10.1.0.0/30 82',
      '  ae00::2-b 80',
      '  fwmark 1 inet',
      '  fwmark 2 inet6',
      '  10.0.0.9',
    ].join('\n'),
  );
  assert.deepEqual(r.problems(), []);
  assert.equal(g.name, 'G');
  assert.deepEqual(
    g.entries.map((e) => (e.kind === 'fwmark' ? ['fwmark', e.fwmark, e.family] : [e.text, e.first.text, e.last.text, e.port, e.family])),
    [
      ['10.0.0.1 8080'.split(' ')[0], '10.0.0.1', '10.0.0.1', 8080, 4],
      ['192.168.200.3-10', '192.168.200.3', '192.168.200.10', 80, 4],
      ['10.0.0.250-10.0.1.2', '10.0.0.250', '10.0.1.2', 81, 4],
      ['10.1.0.0/30', '10.1.0.0', '10.1.0.3', 82, 4],
      ['ae00::2-b', 'ae00::2', 'ae00::b', 80, 6],
      ['fwmark', 1, 4],
      ['fwmark', 2, 6],
      ['10.0.0.9', '10.0.0.9', '10.0.0.9', 0, 4],
    ],
  );
  assert.deepEqual(g.entries[0].pos, { file: r.file, line: 2, col: 3 });
});

test('expandVirtualServerGroup: every concrete service, addresses first then fwmarks (keepalived\'s order)', () => {
  const { g } = group('  fwmark 7\n  10.0.0.1 80\n  10.0.0.254-10.0.1.1 81\n  10.2.0.0/31 82');
  assert.deepEqual(expand(g), [
    '10.0.0.1:80',
    '10.0.0.254:81', '10.0.0.255:81', '10.0.1.0:81', '10.0.1.1:81',
    '10.2.0.0:82', '10.2.0.1:82',
    'fwm7/4',
  ]);
  assert.deepEqual(expandVirtualServerGroup(g, 6).at(-1), { kind: 'fwmark', family: 6, fwmark: 7 });
  // IPv6: only the last 16-bit group is walked, as keepalived's IPVS code does.
  assert.deepEqual(expand(group('  ae00::fffe-ffff 443\n  ae00::1:0/127 80').g), ['ae00::fffe:443', 'ae00::ffff:443', 'ae00::1:0:80', 'ae00::1:1:80']);
});

test('the sample group: 3 addresses, 8 in a range, 2 fwmarks', () => {
  const { g } = group('  10.0.0.1 8080\n  10.0.0.2 80\n  192.168.200.1 1358\n  192.168.200.3-10 80\n  fwmark 1\n  fwmark 2');
  assert.equal(expand(g).length, 13);
});

test('bad entries are skipped with keepalived\'s messages', () => {
  const { g, r } = group(
    [
      '  10.0.0.5-4 80',
      '  10.0.0.5-300 80',
      '  10.0.0.5-7x 80',
      '  10.0.0.1/24 82',
      '  10.0.0.0/33 82',
      '  10.0.0.0/0 82',
      '  fwmark 5 bogus',
      '  fwmark -1',
      '  garbage 80',
      '  10.0.0.11 99999',
      '  10.0.0.9-10.0.0.2 80',
      '  ae00::9-2 80',
      '  10.0.0.12 80',
    ].join('\n'),
  );
  assert.deepEqual(r.problems(), [
    '2:3 Address range end is not greater than address range start - 10.0.0.5-4 - skipping',
    "3:3 Virtual server group range '10.0.0.5-300' end '300' too large",
    "4:3 Virtual server group range '10.0.0.5-7x' has extra characters at end 'x'",
    '5:3 Address mask bits not empty - 10.0.0.1/24 - skipping',
    '6:3 Invalid netmask - 10.0.0.0/33 - skipping',
    '7:3 Invalid netmask - 10.0.0.0/0 - skipping',
    "8:12 (G): fwmark '5' family bogus unknown - ignoring",
    "9:10 (G): fwmark '-1' must be in [0, 4294967295] - ignoring",
    '10:3 Invalid virtual server group IP address garbage /port/80 - skipping',
    '11:3 Invalid virtual server group IP address 10.0.0.11 /port/99999 - skipping',
    '12:3 Address range end is less than address range start - 10.0.0.9-10.0.0.2 - skipping',
    '13:3 Address range end is not greater than address range start - ae00::9-2 - skipping',
  ]);
  assert.equal(g.entries.length, 1);
});

test('a group with no entries, or IPv4 + IPv6 + fwmark without family, is removed', () => {
  const empty = load('virtual_server_group E {\n}\n');
  assert.deepEqual(empty.problems(), ['1:1 virtual server group E has no entries - removing']);
  assert.equal(empty.config.lvs.virtualServerGroups.length, 0);
  const mixed = load('virtual_server_group M {\n  10.0.0.1 80\n  ae00::1 80\n  fwmark 3\n}\n');
  assert.deepEqual(mixed.messages(), ['virtual server group M cannot have IPv4, IPv6 and fwmark without family - removing']);
  const ok = load('virtual_server_group M {\n  10.0.0.1 80\n  ae00::1 80\n  fwmark 3 inet\n}\n');
  assert.deepEqual(ok.problems(), []);
});

test('virtual_server group NAME: linked, keyed [NAME]:n by order of use, family from the group', () => {
  const r = load('virtual_server_group G {\n  10.0.0.1 80\n}\n' + use('G') + use('G'));
  assert.deepEqual(r.problems(), []);
  const [a, b] = r.config.lvs.virtualServers;
  assert.deepEqual([a.key, b.key], ['[G]:0', '[G]:1']);
  assert.ok(a.service.kind === 'group' && a.service.group === r.config.lvs.virtualServerGroups[0]);
  assert.deepEqual(a.service.kind === 'group' && [a.service.groupName, a.service.memberIndex], ['G', 0]);
  assert.equal(a.family, 4);
  assert.equal(a.protocol, 'TCP');
  // A group VS keeps its real servers' ports (no single port to copy).
  assert.equal(a.realServers[0].port, 80);
  // Group defined after its use: fine (keepalived links after reading everything).
  assert.equal(load(use('H') + 'virtual_server_group H {\n  10.0.0.1 80\n}\n').rc, 0);
});

test('a group that does not exist: keepalived drops the VS silently; we report it', () => {
  const r = load(use('NOPE'));
  assert.deepEqual(r.problems(), ['1:1 Virtual server group NOPE specified but not configured - ignoring virtual server [NOPE]:0']);
  assert.equal(r.diags[0].origin, 'extra');
  assert.equal(r.config.lvs.virtualServers.length, 0);
});

test('group and virtual server families must agree', () => {
  const r = load('virtual_server_group G6 {\n  ae00::1 80\n}\n' + use('G6'));
  assert.deepEqual(r.messages(), ["G6: address family doesn't match virtual server [G6]:0 - ignoring"]);
  const both = load('virtual_server_group B {\n  10.0.0.1 80\n  ae00::1 80\n}\n' + use('B'));
  assert.deepEqual(both.messages(), ["B: virtual server group with IPv4 & IPv6 doesn't match virtual server [B]:0 - ignoring"]);
});

test('fwmark-only group: protocol ignored with warning, ha_suspend cleared, RS ports only warned about', () => {
  const r = load('virtual_server_group F {\n  fwmark 9\n}\n' + use('F').replace('lb_kind NAT', 'lb_kind DR\n  ha_suspend'));
  assert.deepEqual(r.messages(), [
    'Virtual server [F]:0: cannot use ha_suspend with fwmarks - clearing ha_suspend',
    'Warning: Virtual server [F]:0: protocol specified for fwmark - protocol will be ignored',
    'WARNING - fwmark virtual server [F]:0, real server [10.0.1.1]:none:80 has port specified - port will be ignored',
  ]);
  assert.deepEqual([r.vs().protocol, r.vs().haSuspend, r.rs().port], [null, false, 80]);
});

test('address group: port-less entries make the service persistent; DR ports that differ are reported', () => {
  const r = load(
    'virtual_server_group A {\n  10.0.0.1 80\n  10.0.0.2\n}\n' +
      vsConf('  real_server 10.0.1.1 81 {\n  }', 'virtual_server group A').replace('lb_kind NAT', 'lb_kind DR'),
  );
  assert.deepEqual(r.messages(), [
    'Virtual server [A]:0: zero port only valid for persistent services - setting',
    "virtual server [A]:0:[10.0.0.1,80] and real server [10.0.1.1]:tcp:81 ports don't match",
    "virtual server [A]:0:[10.0.0.2,0] and real server [10.0.1.1]:tcp:81 ports don't match",
  ]);
  assert.equal(r.vs().persistenceTimeout, 360);
});

test('a group defined twice: keepalived uses the first (our warning)', () => {
  const r = load('virtual_server_group G {\n  10.0.0.1 80\n}\nvirtual_server_group G {\n  10.0.0.2 80\n}\n');
  assert.deepEqual(r.problems(), ['4:1 virtual_server_group G is already defined at line 1: keepalived uses the first one']);
});
