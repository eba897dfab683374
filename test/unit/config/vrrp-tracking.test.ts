import test from 'node:test';
import assert from 'node:assert/strict';
import { build, clean, fakeEnv, instance } from './vrrp-helper.js';

test('vrrp_script: every keyword and the defaults', () => {
  const b = build(`vrrp_script chk {
  script "killall -0 haproxy"
  interval 2
  timeout 3
  weight -4 reverse
  rise 2
  fall 3
  user nobody nogroup
  init_fail
}
vrrp_script dflt {
  script /bin/true
}`);
  clean(b);
  const [s, d] = b.config.vrrp.vrrpScripts;
  assert.deepEqual(s.script.argv, ['killall', '-0', 'haproxy']);
  assert.deepEqual([s.interval, s.timeout, s.weight, s.weightReverse, s.rise, s.fall, s.initFail, s.script.user, s.script.group], [2, 3, -4, true, 2, 3, true, 'nobody', 'nogroup']);
  assert.deepEqual([d.interval, d.timeout, d.weight, d.weightReverse, d.rise, d.fall, d.initFail], [1, 1, 0, false, 1, 1, false]);
  assert.equal(b.config.vrrp.scripts.length, 2);
  assert.equal(s.script.role, 'vrrp_script chk');
});

test('vrrp_script: timeout defaults to the interval', () => {
  const b = build('vrrp_script c {\n  script /bin/true\n  interval 5\n}');
  assert.equal(b.config.vrrp.vrrpScripts[0].timeout, 5);
});

test('vrrp_script: errors as keepalived reports them; no script removes it', () => {
  const b = build('vrrp_script s {\n  interval 0\n  timeout 0\n  weight 300 foo\n  rise 0\n  fall x\n}');
  assert.ok(b.one('(s): vrrp script interval must be greater than 0, setting to 1'));
  assert.ok(b.one('(s): vrrp script timeout must be greater than 0, setting to 1'));
  assert.ok(b.one('vrrp_script s weight 300 must be in [-253, 253]'));
  assert.ok(b.one('vrrp_script s unknown weight option foo'));
  assert.ok(b.one("(s): vrrp script rise value '0' invalid, defaulting to 1"));
  assert.ok(b.one("(s): vrrp script fall value 'x' invalid, defaulting to 1"));
  assert.equal(b.one('No script set for vrrp_script s - removing').line, 1);
  assert.equal(b.config.vrrp.vrrpScripts.length, 0);
});

test('vrrp_script: unquoted arguments are dropped by keepalived (notice with the fix)', () => {
  const b = build('vrrp_script s {\n  script killall -0 haproxy\n}');
  clean(b);
  assert.deepEqual(b.config.vrrp.vrrpScripts[0].script.argv, ['killall']);
  assert.match(b.one("keepalived uses only 'killall'", 'notice').hint ?? '', /script "killall -0 haproxy"/);
});

test('track_script: weights from the script, overridden per instance; reverse/noreverse', () => {
  const b = build(`vrrp_script a {\n  script /a\n  weight -4\n}\nvrrp_script b {\n  script /b\n  weight 2 reverse\n}
${instance('  track_script {\n    a\n    b weight 5 noreverse\n  }\n')}`);
  clean(b);
  assert.deepEqual(b.config.vrrp.instances[0].trackScript.map((t) => [t.name, t.weight, t.reverse]), [['a', -4, false], ['b', 5, false]]);
});

test('track_script: errors', () => {
  const b = build(`vrrp_script a {\n  script /a\n}
${instance('  track_script {\n    a\n    a\n    a foo\n    a weight\n    a weight 300\n    a weight 254\n  }\n')}`);
  // the duplicate check comes first, as in keepalived
  assert.equal(b.find('(VI_1) duplicate track_script a - ignoring').length, 5);
  assert.equal(b.config.vrrp.instances[0].trackScript.length, 1);
  const c = build(`vrrp_script a {\n  script /a\n}\n${instance('  track_script {\n    a foo\n  }\n')}`);
  assert.ok(c.one('(VI_1) unknown track script option foo - ignoring'));
  const d = build(`vrrp_script a {\n  script /a\n}\n${instance('  track_script {\n    a weight\n  }\n')}`);
  assert.ok(d.one('(VI_1) weight without value specified for track script a - ignoring'));
  const e = build(`vrrp_script a {\n  script /a\n}\n${instance('  track_script {\n    a weight 300\n  }\n')}`);
  assert.ok(e.one('(VI_1) track script a: weight must be between [-253..253] inclusive, ignoring...'));
  const f = build(`vrrp_script a {\n  script /a\n}\n${instance('  track_script {\n    a weight -254\n  }\n')}`);
  assert.ok(f.one('(VI_1) weight for a cannot be +/-254. Setting to +/-253'));
  assert.equal(f.config.vrrp.instances[0].trackScript[0].weight, -253);
});

test('track_script: an address owner cannot use weighted scripts', () => {
  const b = build(`vrrp_script a {\n  script /a\n  weight 10\n}\n${instance('  priority 255\n  track_script {\n    a\n  }\n')}`);
  assert.ok(b.one('(VI_1) ignoring tracked script a with weights due to address_owner'));
  assert.equal(b.config.vrrp.instances[0].trackScript.length, 0);
});

test('track_interface: weights, reverse and keepalived errors', () => {
  const b = build(instance('  track_interface {\n    eth1 weight 2\n    eth2 weight -2 reverse\n    eth3\n  }\n'));
  clean(b);
  assert.deepEqual(b.config.vrrp.instances[0].trackInterface.map((t) => [t.name, t.weight, t.reverse]), [['eth1', 2, false], ['eth2', -2, true], ['eth3', 0, false]]);
  const e = build(instance('  track_interface {\n    eth1 weight 254\n    eth2 foo\n    eth3 weight\n    eth3 weight 1 sideways\n    eth3\n    eth0\n  }\n'));
  assert.ok(e.one('(VI_1) weight for eth1 cannot be +/-254. Setting to +/-253'));
  assert.ok(e.one('(VI_1) unknown track_interface eth2 option foo - ignoring'));
  assert.ok(e.one('(VI_1) weight without value specified for track_interface eth3 - ignoring'));
  assert.ok(e.one('(VI_1) unknown track_interace eth3 weight option sideways - ignoring'));
  assert.ok(e.one('(VI_1) duplicate track_interface eth3 - ignoring'));
  assert.ok(e.one('(VI_1) Ignoring track_interface eth0 since own interface'));
  const o = build(instance('  priority 255\n  track_interface {\n    eth1 weight 5\n  }\n'));
  assert.ok(o.one('(VI_1) ignoring eth1 tracked interface due to address owner'));
  assert.equal(o.config.vrrp.instances[0].trackInterface.length, 0);
});

test('track_interface: a missing interface is reported (rc 5) when the machine is known', () => {
  const b = build(instance('  track_interface {\n    eth9\n  }\n'), fakeEnv());
  assert.equal(b.rc, 5);
  assert.ok(b.one("(VI_1) tracked interface eth9 doesn't exist"));
});

test('track_file and vrrp_track_file: definitions and tracking', () => {
  const b = build(`track_file tf {\n  file /tmp/tf.val\n  weight 5 reverse\n  init_file 3 overwrite\n}
vrrp_track_file tf2 {\n  file /tmp/tf2.val\n}
${instance('  track_file {\n    tf weight 2\n    tf2\n  }\n')}`);
  clean(b);
  assert.ok(b.one('"vrrp_track_file" is deprecated, please use "track_file"', 'notice'));
  const [f1, f2] = b.config.vrrp.trackFiles;
  assert.deepEqual([f1.file, f1.weight, f1.weightReverse, f1.initFile], ['/tmp/tf.val', 5, true, { value: 3, overwrite: true }]);
  assert.deepEqual([f2.weight, f2.initFile], [1, undefined]);
  assert.deepEqual(b.config.vrrp.instances[0].trackFile.map((t) => [t.name, t.weight, t.reverse]), [['tf', 2, true], ['tf2', 1, false]]);
  const e = build('track_file x {\n  weight 2\n  weight 3\n  init_file foo\n}\ntrack_file y {\n  file /a\n  file /b\n  weight 500\n}');
  assert.ok(e.one('Weight already set for track file x - ignoring 3'));
  assert.ok(e.one('Unknown track file init option foo'));
  assert.ok(e.one('No file set for track_file x - ignoring'));
  assert.ok(e.one('File already set for track file y - ignoring /b'));
  assert.ok(e.one('Weight (500) for track_file y must be between [-254..254] inclusive. Ignoring...'));
});

test('track_file in an address owner: the default weight 1 becomes 0', () => {
  const b = build(`track_file tf {\n  file /tmp/tf\n}\n${instance('  priority 255\n  track_file {\n    tf\n  }\n')}`);
  assert.ok(b.one('(VI_1) ignoring weight from tracked file tf due to address_owner. specify weight 0'));
  assert.equal(b.config.vrrp.instances[0].trackFile[0].weight, 0);
});

test('vrrp_track_process: definition, defaults and tracking', () => {
  const b = build(`vrrp_track_process tp {\n  process haproxy -f /etc/haproxy.cfg\n  param_match partial\n  weight 10 reverse\n  quorum 2\n  quorum_max 4\n  delay 0.5\n  fork_delay 2\n  full_command\n}
vrrp_track_process min {\n  process sshd\n}
${instance('  track_process {\n    tp\n    min weight -5\n  }\n')}`);
  clean(b);
  const [p, m] = b.config.vrrp.trackProcesses;
  assert.deepEqual([p.process, p.params, p.paramMatch, p.weight, p.weightReverse, p.quorum, p.quorumMax, p.terminateDelay, p.forkDelay, p.fullCommand], ['haproxy', ['-f', '/etc/haproxy.cfg'], 'partial', 10, true, 2, 4, 0.5, 2, true]);
  assert.deepEqual([m.paramMatch, m.weight, m.quorum, m.quorumMax, m.fullCommand], ['none', 0, 1, undefined, false]);
  assert.deepEqual(b.config.vrrp.instances[0].trackProcess.map((t) => [t.name, t.weight]), [['tp', 10], ['min', -5]]);
  const e = build('vrrp_track_process x {\n  quorum 0\n  param_match odd\n}');
  assert.ok(e.one('Quorum (0) for vrrp_track_process x must be between [1..65535] inclusive. Ignoring...'));
  assert.ok(e.one('Invalid param_match type odd - ignoring'));
  assert.ok(e.one("track process 'x' process name not specified"));
});

test('bfd_instance / track_bfd are recognised (not supported)', () => {
  const b = build(`bfd_instance b1 {\n  neighbor_ip 1.2.3.4\n}\n${instance('  track_bfd {\n    b1\n  }\n')}`);
  clean(b);
  assert.deepEqual(b.config.vrrp.bfdInstances, ['b1']);
  assert.equal(b.config.vrrp.instances[0].trackBfd[0].name, 'b1');
  assert.ok(b.find('not supported yet', 'notice').length >= 2);
});

test('garp_group, linkbeat_interfaces, interface_up_down_delays', () => {
  const b = build(`garp_group {\n  garp_interval 0.01\n  gna_interval 0.02\n  interface eth1\n}
garp_group {\n  garp_interval 0.5\n  interfaces {\n    eth2\n    eth3\n  }\n}
linkbeat_interfaces {\n  eth1 MII\n  eth2\n}
interface_up_down_delays {\n  eth1 2 3\n  eth2 1.5\n}\n`);
  clean(b);
  assert.deepEqual(b.config.vrrp.garpGroups.map((g) => [g.garpInterval, g.gnaInterval, g.interfaces]), [[0.01, 0.02, ['eth1']], [0.5, undefined, ['eth2', 'eth3']]]);
  assert.deepEqual(b.config.vrrp.linkbeatInterfaces.map((l) => [l.name, l.type]), [['eth1', 'MII'], ['eth2', 'default']]);
  assert.deepEqual(b.config.vrrp.interfaceUpDownDelays.map((d) => [d.name, d.down, d.up]), [['eth1', 2, 3], ['eth2', 1.5, 0]]);
  const e = build('garp_group {\n  interface eth1\n}\ngarp_group {\n  garp_interval 1\n  interface eth1\n}\ninterface_up_down_delays {\n  eth1 300\n}\nlinkbeat_interfaces {\n  eth1 FOO\n}\n');
  assert.ok(e.one('garp group 0 does not have any delay set - removing'));
  assert.ok(e.one('The garp_interval is very large - 1 seconds', 'notice'));
  assert.ok(e.one("number '300' outside range [0.000000, 255.000000]"));
  assert.ok(e.one('extra characters FOO in linkbeat interface'));
});

test('linkbeat_interfaces / interface_up_down_delays: a missing interface is fatal (rc 4)', () => {
  const b = build('linkbeat_interfaces {\n  eth9\n}\n', fakeEnv());
  assert.equal(b.rc, 4);
  assert.ok(b.one('unknown interface eth9 specified for linkbeat interface', 'fatal'));
});
