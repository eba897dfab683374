import test from 'node:test';
import assert from 'node:assert/strict';
import { build, clean, fakeEnv, instance } from './vrrp-helper.js';

test('vrrp_instance: defaults applied (BACKUP, priority 100, advert 1 s, v2, accept, multicast group)', () => {
  const b = build(instance(''));
  clean(b);
  const i = b.config.vrrp.instances[0];
  assert.equal(i.name, 'VI_1');
  assert.deepEqual([i.pos.line, i.pos.col], [1, 1]);
  assert.equal(i.state, 'BACKUP');
  assert.equal(i.priority, 100);
  assert.equal(i.advertInt, 1);
  assert.equal(i.version, 2);
  assert.equal(i.family, 4);
  assert.equal(i.interface, 'eth0');
  assert.equal(i.virtualRouterId, 1);
  assert.equal(i.accept, true);
  assert.equal(i.strictMode, false);
  assert.equal(i.nopreempt, false);
  assert.equal(i.preemptDelay, 0);
  assert.equal(i.mcastDstIp?.text, '224.0.0.18');
  assert.equal(i.unicast, false);
  assert.equal(i.unicastTtl, 255);
  assert.equal(i.garpMasterDelay, 5);
  assert.equal(i.garpMasterRepeat, 5);
  assert.equal(i.garpLowerPrioRepeat, 5);
  assert.equal(i.downTimerAdverts, 3);
  assert.equal(i.smtpAlert, false);
  assert.equal(i.authentication, undefined);
  assert.equal(i.virtualIpaddress[0].dev, 'eth0');
  assert.equal(i.virtualIpaddress[0].address.prefixLen, 32);
});

test('vrrp_instance: every common keyword reaches the model', () => {
  const b = build(instance(`  state BACKUP
  priority 150
  advert_int 2
  nopreempt
  dont_track_primary
  mcast_src_ip 192.168.200.10
  garp_master_delay 10
  garp_master_repeat 3
  garp_master_refresh 60
  garp_master_refresh_repeat 2
  garp_lower_prio_delay 4
  garp_lower_prio_repeat 1
  down_timer_adverts 4
  lower_prio_no_advert
  higher_prio_send_advert on
  no_accept
  promote_secondaries
  skip_check_adv_addr
  smtp_alert
  notify_priority_changes
  track_src_ip
  kernel_rx_buf_size 65536
  debug 2
  authentication {
    auth_type PASS
    auth_pass 1111
  }`));
  const i = b.config.vrrp.instances[0];
  assert.deepEqual(b.problems(), []);
  assert.equal(i.priority, 150);
  assert.equal(i.advertInt, 2);
  assert.equal(i.nopreempt, true);
  assert.equal(i.dontTrackPrimary, true);
  assert.equal(i.srcIp?.text, '192.168.200.10');
  assert.equal(i.trackSrcIp, true);
  assert.deepEqual([i.garpMasterDelay, i.garpMasterRepeat, i.garpMasterRefresh, i.garpMasterRefreshRepeat, i.garpLowerPrioDelay, i.garpLowerPrioRepeat], [10, 3, 60, 2, 4, 1]);
  assert.equal(i.downTimerAdverts, 4);
  assert.equal(i.lowerPrioNoAdvert, true);
  assert.equal(i.higherPrioSendAdvert, true);
  assert.equal(i.accept, false);
  assert.equal(i.promoteSecondaries, true);
  assert.equal(i.skipCheckAdvAddr, true);
  assert.equal(i.smtpAlert, true);
  assert.equal(i.notifyPriorityChanges, true);
  assert.equal(i.kernelRxBufSize, 65536);
  assert.deepEqual(i.authentication, { type: 'PASS', password: '1111' });
  // no_accept needs a firewall: nftables is chosen
  assert.deepEqual(b.config.global.nftables, { table: 'keepalived', priority: -1 });
});

test('vrrp_instance: state MASTER without priority means priority 255 (address owner)', () => {
  const b = build(instance('  state MASTER\n'));
  clean(b);
  assert.equal(b.config.vrrp.instances[0].priority, 255);
  assert.equal(b.config.vrrp.instances[0].state, 'MASTER');
  const p = build(instance('  state MASTER\n  priority 100\n'));
  assert.deepEqual([p.config.vrrp.instances[0].state, p.config.vrrp.instances[0].priority], ['MASTER', 100]);
  const o = build(instance('  priority 255\n'));
  assert.equal(o.config.vrrp.instances[0].state, 'MASTER');
});

test('vrrp_instance: state errors', () => {
  const b = build(instance('  state FOO\n'));
  assert.equal(b.rc, 5);
  assert.equal(b.one("(VI_1) unknown state 'FOO', defaulting to BACKUP").col, 9);
  const c = build(instance('  state MASTER\n  state BACKUP\n'));
  assert.ok(c.one('(VI_1) state previously set as MASTER - ignoring BACKUP'));
  assert.equal(c.config.vrrp.instances[0].state, 'MASTER');
});

test('vrrp_instance: VRID and priority ranges', () => {
  const b = build(instance('  priority 300\n  virtual_router_id 256\n'));
  assert.equal(b.rc, 5);
  const p = b.one('(VI_1) Priority not valid! must be between 1 & 255. Using default 100');
  assert.deepEqual([p.line, p.col], [6, 12]);
  assert.ok(b.one("(VI_1): VRID '256' not valid - must be between 1 & 255"));
  assert.ok(b.one('(VI_1) the virtual router id must be set'));
  assert.equal(b.config.vrrp.instances[0].priority, 100);
});

test('vrrp_instance: IPv6 VIPs make a VRRPv3 instance; global vrrp_version applies to IPv4', () => {
  const b = build(instance('  virtual_ipaddress {\n    fe80::1\n    2001:db8::1/64\n  }\n'));
  clean(b);
  const i = b.config.vrrp.instances[0];
  assert.deepEqual([i.family, i.version, i.mcastDstIp?.text], [6, 3, 'ff02::12']);
  assert.equal(i.virtualIpaddress[0].preferredLft, 0);
  assert.equal(i.virtualIpaddress[1].preferredLft, 'forever');
  const v3 = build(`global_defs {\n  vrrp_version 3\n}\n${instance('')}`);
  assert.equal(v3.config.vrrp.instances[0].version, 3);
  const v = build(instance('  version 3\n'));
  assert.equal(v.config.vrrp.instances[0].version, 3);
});

test('vrrp_instance: first IPv6 VIP not link-local is a notice (an error under strict mode)', () => {
  const b = build(instance('  virtual_ipaddress {\n    2001:db8::1\n  }\n'));
  clean(b);
  assert.equal(b.one('the first IPv6 VIP address should be link local').severity, 'notice');
});

test('vrrp_instance: version conflicts and IPv6 with version 2', () => {
  const b = build(instance('  virtual_ipaddress {\n    fe80::1\n  }\n  version 2\n'));
  assert.ok(b.one('(VI_1) vrrp_version 2 conflicts with configured or deduced version 0; ignoring.'));
  assert.equal(b.config.vrrp.instances[0].version, 3);
});

test('vrrp_instance: advert_int is rounded to whole seconds (v2) or 10 ms (v3)', () => {
  const b = build(instance('  advert_int 1.4\n'));
  assert.ok(b.one('(VI_1) VRRPv2 advertisement interval 1.400000s must be an integer. rounding'));
  assert.equal(b.config.vrrp.instances[0].advertInt, 1);
  const h = build(instance('  advert_int 0.5\n'));
  assert.equal(h.config.vrrp.instances[0].advertInt, 1);
  const c = build(instance('  version 3\n  advert_int 0.123\n'));
  assert.ok(c.one('(VI_1) VRRPv3 advertisement interval 0.123000s must be in units of 10ms - rounding'));
  assert.equal(c.config.vrrp.instances[0].advertInt, 0.12);
  const l = build(instance('  version 3\n  advert_int 50\n'));
  assert.ok(l.one('VRRPv3 advertisement interval 50.00s is out of range. Must be less than 40.96s. Setting to 40.95s'));
  assert.equal(l.config.vrrp.instances[0].advertInt, 40.95);
  const bad = build(instance('  advert_int 300\n'));
  assert.ok(bad.one('(VI_1) Advert interval (300) not valid! Must be > 0 - ignoring'));
  assert.equal(bad.config.vrrp.instances[0].advertInt, 1);
});

test('vrrp_instance: authentication is ignored for VRRPv3; passwords are truncated to 8 characters', () => {
  const b = build(instance('  version 3\n  authentication {\n    auth_type PASS\n    auth_pass secret123456\n  }\n'));
  assert.ok(b.one('Truncating auth_pass to 8 characters'));
  assert.ok(b.one('(VI_1) VRRP version 3 does not support authentication. Ignoring.'));
  assert.equal(b.config.vrrp.instances[0].authentication, undefined);
  const v2 = build(instance('  authentication {\n    auth_type PASS\n    auth_pass secret123456\n  }\n'));
  assert.equal(v2.config.vrrp.instances[0].authentication?.password, 'secret12');
});

test('vrrp_instance: authentication errors', () => {
  const b = build(instance('  authentication {\n    auth_type XX\n    auth_pass abc\n  }\n'));
  assert.ok(b.one("(VI_1) unknown authentication type 'XX'"));
  assert.equal(b.config.vrrp.instances[0].authentication, undefined);
  const n = build(instance('  authentication {\n    auth_type AH\n  }\n'));
  assert.ok(n.one('(VI_1) Authentication specified but no password given. Ignoring'));
  const ah = build(instance('  state MASTER\n  priority 100\n  authentication {\n    auth_type AH\n    auth_pass x\n  }\n'));
  assert.ok(ah.one('(VI_1) Initial state master is incompatible with AH authentication - clearing'));
  assert.equal(ah.config.vrrp.instances[0].state, 'BACKUP');
  const v6 = build(instance('  virtual_ipaddress {\n    fe80::1\n  }\n  version 3\n  authentication {\n    auth_type AH\n    auth_pass x\n  }\n'));
  assert.ok(v6.one('VRRP version 3 does not support authentication'));
});

test('vrrp_instance: nopreempt and preempt_delay rules', () => {
  const m = build(instance('  state MASTER\n  priority 100\n  nopreempt\n  preempt_delay 5\n'));
  assert.ok(m.one('(VI_1) Warning - nopreempt will not work with initial state MASTER - clearing'));
  assert.ok(m.one('(VI_1) Warning - preempt delay will not work with initial state MASTER - clearing'));
  assert.deepEqual([m.config.vrrp.instances[0].nopreempt, m.config.vrrp.instances[0].preemptDelay], [false, 0]);
  const o = build(instance('  priority 255\n  nopreempt\n'));
  assert.ok(o.one('(VI_1) nopreempt is incompatible with priority 255. resetting nopreempt'));
  const d = build(instance('  nopreempt\n  preempt_delay 10\n'));
  assert.ok(d.one('(VI_1) preempt_delay is incompatible with nopreempt mode - resetting'));
  const ok = build(instance('  preempt_delay 10.5\n'));
  clean(ok);
  assert.equal(ok.config.vrrp.instances[0].preemptDelay, 10.5);
  const bad = build(instance('  preempt_delay 2000\n'));
  assert.ok(bad.one('(VI_1) Preempt_delay not valid! must be between 0-1000'));
  const p = build(instance('  nopreempt\n  preempt\n'));
  assert.equal(p.config.vrrp.instances[0].nopreempt, false);
});

test('vrrp_instance: no VIP is a warning for VRRPv2 and an error for VRRPv3', () => {
  const v2 = build('vrrp_instance A {\n  interface eth0\n  virtual_router_id 1\n}\n');
  assert.equal(v2.rc, 5);
  assert.ok(v2.one('(A) No VIP specified; at least one is sensible'));
  const v3 = build('vrrp_instance A {\n  interface eth0\n  virtual_router_id 1\n  version 3\n}\n');
  assert.ok(v3.one('(A) No VIP specified; at least one is required'));
});

test('vrrp_instance: interface is required, even for unicast (keepalived 2.2.7)', () => {
  const b = build('vrrp_instance A {\n  virtual_router_id 1\n  unicast_src_ip 192.168.200.10\n  unicast_peer {\n    192.168.200.11\n  }\n  virtual_ipaddress {\n    10.0.0.1\n  }\n}\n');
  assert.equal(b.rc, 5);
  assert.match(b.one('(A) Unknown interface!').hint ?? '', /even for unicast/);
});

test('vrrp_instance: an interface missing on the host is reported as keepalived does (rc 5)', () => {
  const b = build(instance('  interface eth9\n'), fakeEnv());
  assert.equal(b.rc, 5);
  const d = b.one('WARNING - interface eth9 for vrrp_instance VI_1 doesn\'t exist');
  assert.deepEqual([d.severity, d.line, d.col], ['error', 6, 13]);
  assert.equal(b.one('Non-existent interface specified in configuration').severity, 'fatal');
  const dyn = build(`global_defs {\n  dynamic_interfaces\n}\n${instance('  interface eth9\n')}`, fakeEnv());
  clean(dyn);
  assert.ok(dyn.one('will use if created', 'notice'));
  const none = build(instance('  interface eth9\n'));
  clean(none);
});

test('vrrp_instance: a loopback interface is refused', () => {
  const b = build(instance('  interface lo\n'));
  assert.ok(b.one('(VI_1) cannot use a loopback interface (lo) for vrrp - ignoring'));
  assert.ok(b.one('(VI_1) Unknown interface!'));
});

test('vrrp_instance: duplicate name and missing name', () => {
  const b = build(`${instance('')}${instance('  virtual_router_id 2\n')}vrrp_instance {\n}\n`);
  assert.ok(b.one('vrrp instance VI_1 already defined'));
  assert.ok(b.one('vrrp_instance must have a name'));
  assert.equal(b.config.vrrp.instances.length, 1);
});

test('vrrp_instance: unicast peers, TTL window and unicast keywords', () => {
  const b = build(instance(`  unicast_src_ip 192.168.200.10
  unicast_ttl 10
  unicast_peer {
    192.168.200.11
    192.168.200.12 min_ttl 250 max_ttl 255
  }`));
  clean(b);
  const i = b.config.vrrp.instances[0];
  assert.equal(i.unicast, true);
  assert.equal(i.unicastTtl, 10);
  assert.equal(i.mcastDstIp, undefined);
  assert.deepEqual(i.unicastPeer.map((p) => [p.address.text, p.minTtl, p.maxTtl]), [['192.168.200.11', 0, 255], ['192.168.200.12', 250, 255]]);
  assert.equal(i.checkUnicastSrc, true);
  const e = build(instance(`  unicast_peer {
    192.168.201.11 min_ttl 3 max_ttl 2
    192.168.201.12 foo 2
    2001::1
    192.168.201.13 min_ttl
    bogus
  }`));
  assert.ok(e.one('(VI_1) min_ttl 3 > max_ttl 2 - all packets will be discarded'));
  assert.ok(e.one('(VI_1) unknown unicast_peer option foo'));
  assert.ok(e.one('Configuration error: VRRP instance[VI_1] and unicast peer address[2001::1] MUST be of the same family !!! Skipping...'));
  assert.ok(e.one('(VI_1) min_ttl is missing a value'));
  assert.ok(e.one('malformed unicast peer address[bogus]'));
});

test('vrrp_instance: unicast keyword without peers, unicast_ttl without peers', () => {
  const b = build(instance('  check_unicast_src\n  unicast_ttl 5\n'));
  assert.equal(b.one('A unicast keyword has been specified without any unicast peers').severity, 'warning');
  assert.ok(b.one('(VI_1): Cannot use unicast_ttl without unicast peers - resetting'));
  assert.equal(b.config.vrrp.instances[0].unicastTtl, 255);
});

test('vrrp_instance: mcast_dst_ip and source address checks', () => {
  const b = build(instance('  mcast_dst_ip 224.0.0.19\n'));
  clean(b);
  assert.equal(b.config.vrrp.instances[0].mcastDstIp?.text, '224.0.0.19');
  const e = build(instance('  mcast_dst_ip 10.0.0.9\n  mcast_src_ip 1.2.3\n'));
  assert.ok(e.one('(VI_1) mcast_dst_ip 10.0.0.9 not multicast. Skipping...'));
  assert.ok(e.one('Configuration error: VRRP instance[VI_1] malformed src address[1.2.3]. Skipping...'));
  const u = build(instance('  mcast_dst_ip 224.0.0.19\n  unicast_peer {\n    192.168.200.2\n  }\n'));
  assert.ok(u.one('(VI_1) multicast destination specified with unicast - ignoring'));
});

test('vrrp_instance: notify scripts become ScriptRefs (command from the first word; then user, group)', () => {
  const b = build(instance(`  notify_master "/usr/local/bin/vrrp.sh MASTER VI_1"
  notify_backup /usr/local/bin/backup.sh nobody nogroup
  notify_fault /f
  notify_stop /s
  notify /n
  notify_deleted
  notify_master_rx_lower_pri /r`));
  clean(b);
  const i = b.config.vrrp.instances[0];
  assert.deepEqual(i.notifyMaster?.argv, ['/usr/local/bin/vrrp.sh', 'MASTER', 'VI_1']);
  assert.equal(i.notifyMaster?.role, 'notify_master of VI_1');
  assert.deepEqual([i.notifyBackup?.command, i.notifyBackup?.user, i.notifyBackup?.group], ['/usr/local/bin/backup.sh', 'nobody', 'nogroup']);
  assert.equal(i.notify?.command, '/n');
  assert.equal(i.notifyDeletedState, true);
  assert.equal(i.notifyDeleted, undefined);
  assert.equal(b.config.vrrp.scripts.length, 6);
  const d = build(instance('  notify_master /a\n  notify_master /b\n'));
  assert.ok(d.one('(VI_1) notify_master script already specified - ignoring /b'));
});

test('vrrp_instance: deprecated per-instance lvs_sync_daemon_interface sets the global sync daemon', () => {
  const b = build(instance('  lvs_sync_daemon_interface eth1\n  virtual_router_id 51\n'));
  assert.equal(b.rc, 5);
  assert.ok(b.one('(VI_1) Specifying lvs_sync_daemon_interface against a vrrp is deprecated.'));
  assert.deepEqual([b.config.global.lvsSyncDaemon?.interface, b.config.global.lvsSyncDaemon?.instance, b.config.global.lvsSyncDaemon?.syncId], ['eth1', 'VI_1', 51]);
});

test('vrrp_instance: tier-3 keywords (VMAC, ipvlan, vrf, checksum, garp_extra_if)', () => {
  const b = build(instance('  use_vmac vrrp51 02:00:5e:00:01:33\n  vmac_xmit_base\n  use_vmac_addr\n  garp_extra_if all 30\n  old_unicast_checksum never\n'));
  assert.deepEqual(b.problems(), ['(VI_1) A unicast keyword has been specified without any unicast peers. Defaulting to multicast. This usage is deprecated - please update your configuration.']);
  const i = b.config.vrrp.instances[0];
  assert.deepEqual(i.useVmac, { name: 'vrrp51', nameExplicit: true, mac: '02:00:5e:00:01:33' });
  assert.equal(i.virtualIpaddress[0].dev, 'vrrp51');
  assert.deepEqual(i.garpExtraIf, { interval: 30, all: true });
  const d = build(instance('  use_vmac\n  virtual_router_id 7\n'));
  assert.equal(d.config.vrrp.instances[0].useVmac?.name, 'vrrp.7');
  const x = build(instance('  vmac_xmit_base\n  vmac_garp_intvl 5\n'));
  assert.ok(x.one('(VI_1) vmac_xmit_base is only valid with a vmac'));
  assert.equal(x.one('Keyword "vmac_garp_intvl" is deprecated').severity, 'warning');
  const l = build(instance('  linkbeat_use_polling\n'));
  assert.ok(l.one("'linkbeat_use_polling' in vrrp instance deprecated"));
});

test('vrrp_instance: skip_check_adv_addr is turned on by any valid value (keepalived 2.2.7)', () => {
  const b = build(instance('  skip_check_adv_addr off\n'));
  clean(b);
  assert.equal(b.config.vrrp.instances[0].skipCheckAdvAddr, true);
  const e = build(instance('  skip_check_adv_addr maybe\n'));
  assert.ok(e.one('(VI_1) invalid skip_check_adv_addr maybe specified'));
});

test('vrrp_instance: garp settings errors', () => {
  const b = build(instance('  garp_master_repeat 0\n  garp_master_delay x\n  garp_master_refresh y\n  down_timer_adverts 200\n'));
  assert.ok(b.one('(VI_1): garp_master_repeat must be greater than 0, setting to 1'));
  assert.ok(b.one("(VI_1): garp_master_delay 'x' invalid - ignoring"));
  assert.ok(b.one("(VI_1): Invalid garp_master_refresh 'y' - ignoring"));
  assert.ok(b.one("(VI_1): Invalid down_timer_adverts [1:100] '200'"));
  assert.equal(b.config.vrrp.instances[0].garpMasterRepeat, 1);
});

test('vrrp_instance: unknown keywords get a position and a hint', () => {
  const b = build(instance('  priorty 100\n  lb_algo rr\n'));
  const u = b.one("Unknown keyword 'priorty'");
  assert.deepEqual([u.line, u.col, u.hint], [7, 3, "did you mean 'priority'?"]);
});

test('vrrp_instance: VIP count is limited by the advert size (IPv6: 89 per advert)', () => {
  const vips = Array.from({ length: 91 }, (_, n) => `    fe80::${(n + 1).toString(16)}`).join('\n');
  const b = build(instance(`  virtual_ipaddress {\n${vips}\n  }\n`));
  assert.ok(b.one('(VI_1) Number of VIPs (91) exceeds maximum/space available in packet (max 89 addresses) - excess moved to eVIPs'));
  assert.equal(b.config.vrrp.instances[0].virtualIpaddress.length, 89);
  assert.equal(b.config.vrrp.instances[0].virtualIpaddressExcluded.length, 2);
});
