import test from 'node:test';
import assert from 'node:assert/strict';
import { build, clean, instance } from './vrrp-helper.js';

const two = instance('', 'VI_1') + instance('  virtual_router_id 2\n  virtual_ipaddress {\n    10.0.0.2\n  }\n', 'VI_2');

test('vrrp_sync_group: members, scripts and options', () => {
  const b = build(`vrrp_sync_group G1 {
  group {
    VI_1 VI_2
  }
  notify_master "/usr/local/bin/vrrp.mast arg1 arg2"
  notify_backup /b
  notify_fault /f
  notify_stop /s
  notify /n
  smtp_alert
  sync_group_tracking_weight
  notify_priority_changes off
}
${two}`);
  clean(b);
  const g = b.config.vrrp.syncGroups[0];
  assert.deepEqual(g.group, ['VI_1', 'VI_2']);
  assert.deepEqual(g.notifyMaster?.argv, ['/usr/local/bin/vrrp.mast', 'arg1', 'arg2']);
  assert.equal(g.notifyMaster?.role, 'notify_master of sync group G1');
  assert.equal(g.smtpAlert, true);
  assert.equal(g.syncGroupTrackingWeight, true);
  assert.equal(g.notifyPriorityChanges, false);
  assert.deepEqual(b.config.vrrp.instances.map((i) => i.syncGroup), ['G1', 'G1']);
  assert.equal(b.config.vrrp.scripts.length, 5);
});

test('vrrp_sync_group: old syntax (members without group {}) is rejected as keepalived does', () => {
  const b = build(`vrrp_sync_group VG1 {\n  VI_1\n  VI_2\n}\n${two}`);
  assert.equal(b.rc, 5);
  const u = b.one("Unknown keyword 'VI_1'");
  assert.deepEqual([u.line, u.col], [2, 3]);
  assert.match(u.hint ?? '', /group \{ VI_1/);
  assert.ok(b.one("Unknown keyword 'VI_2'"));
  assert.ok(b.one('Sync group VG1 has no virtual router(s). removing'));
  assert.equal(b.config.vrrp.syncGroups.length, 0);
});

test('vrrp_sync_group: missing members, duplicates, single member, empty groups', () => {
  const b = build(`vrrp_sync_group G {\n  group {\n    VI_1\n    VI_X\n  }\n}
vrrp_sync_group H {\n  group {\n    VI_1\n  }\n}
vrrp_sync_group E {\n}
vrrp_sync_group F {\n  group {\n  }\n}
vrrp_sync_group G {\n}
${instance('')}`);
  assert.ok(b.one("Virtual router VI_X specified in sync group G doesn't exist - ignoring"));
  assert.ok(b.one("Sync group G has only 1 virtual router(s) - this probably isn't what you want"));
  assert.ok(b.one('Virtual router VI_1 cannot exist in more than one sync group; ignoring H'));
  assert.ok(b.one('Sync group H, no matching virtual router found in group declaration - removing'));
  assert.ok(b.one('Sync group E has no virtual router(s). removing'));
  assert.ok(b.one('Warning - sync group F has empty group block'));
  assert.ok(b.one('Sync group F has no virtual router(s). removing'));
  assert.ok(b.one('vrrp sync group G already defined'));
  assert.deepEqual(b.config.vrrp.syncGroups.map((g) => [g.name, g.group]), [['G', ['VI_1']]]);
});

test('vrrp_sync_group: members cannot keep weighted tracking (unless sync_group_tracking_weight)', () => {
  const b = build(`vrrp_script s {\n  script "/bin/true"\n  weight 10\n}
vrrp_sync_group G {\n  group {\n    VI_1\n    VI_2\n  }\n}
${instance('  track_script {\n    s\n  }\n  track_interface {\n    eth1 weight 5\n  }\n')}${instance('  virtual_router_id 2\n  virtual_ipaddress {\n    10.0.0.2\n  }\n  track_script {\n    s weight -3\n  }\n', 'VI_2')}`);
  assert.ok(b.one('(VI_1) ignoring eth1 tracked interface weight due to SYNC group'));
  assert.ok(b.one('(VI_1) ignoring tracked script s with weights due to SYNC group'));
  assert.ok(b.one('(VI_2) ignoring tracked script s with weights due to SYNC group'));
  const [a] = b.config.vrrp.instances;
  assert.deepEqual(a.trackInterface.map((t) => [t.name, t.weight]), [['eth1', 0]]);
  assert.deepEqual(a.trackScript, []);
});

test('vrrp_sync_group: a group with an address owner cannot have weighted group tracking', () => {
  const b = build(`vrrp_script s {\n  script "/bin/true"\n}
vrrp_sync_group G {\n  group {\n    VI_1\n    VI_2\n  }\n  track_script {\n    s weight 5\n  }\n  track_interface {\n    eth1 weight -10\n  }\n}
${instance('  priority 255\n')}${instance('  virtual_router_id 2\n  virtual_ipaddress {\n    10.0.0.2\n  }\n', 'VI_2')}`);
  assert.ok(b.one("(G) Cannot have weighted track script 's' with member having priority 255 - clearing weight"));
  assert.ok(b.one("(G) Cannot have weighted track interface 'eth1' with member having priority 255 - clearing weight"));
  assert.equal(b.config.vrrp.syncGroups[0].trackScript[0].weight, 0);
});

test('vrrp_sync_group: address owner and non-owner members in state MASTER', () => {
  const b = build(`vrrp_sync_group G {\n  group {\n    VI_1\n    VI_2\n  }\n}
${instance('  state MASTER\n  priority 255\n')}${instance('  state BACKUP\n  virtual_router_id 2\n  virtual_ipaddress {\n    10.0.0.2\n  }\n', 'VI_2')}`);
  assert.ok(b.one("Sync group G has some member(s) as address owner and some not as address owner. This won't work."));
});

test('vrrp_sync_group: smtp_alert and notify_priority_changes defaults come from globals', () => {
  const b = build(`global_defs {\n  smtp_alert_vrrp\n}\nvrrp_sync_group G {\n  group {\n    VI_1\n    VI_2\n  }\n  notify_priority_changes\n}\n${two}`);
  clean(b);
  assert.equal(b.config.vrrp.syncGroups[0].smtpAlert, true);
  assert.deepEqual(b.config.vrrp.instances.map((i) => [i.smtpAlert, i.notifyPriorityChanges]), [[true, true], [true, true]]);
});

test('track_group: members are checked (keepalived only logs)', () => {
  const b = build(`track_group TG {\n  group {\n    VI_1 VI_X\n  }\n}\ntrack_group TG {\n}\ntrack_group E {\n  group {\n  }\n}\n${instance('')}`);
  assert.deepEqual(b.problems(), ['track_group TG already defined', 'Warning - track group E has empty group block']);
  assert.ok(b.one("vrrp instance VI_X specified in track group TG doesn't exist - ignoring", 'notice'));
  assert.deepEqual(b.config.vrrp.trackGroups[0].group, ['VI_1']);
});
