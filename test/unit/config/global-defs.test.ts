import test from 'node:test';
import assert from 'node:assert/strict';
import { build, clean, fakeEnv, instance } from './vrrp-helper.js';

test('global_defs: defaults are keepalived 2.2.7 values', () => {
  const b = build('');
  clean(b);
  const g = b.config.global;
  assert.equal(g.routerId, 'testhost');
  assert.equal(g.notificationEmailFrom, 'root@testhost');
  assert.equal(g.smtpHeloName, 'testhost');
  assert.equal(g.smtpConnectTimeout, 30);
  assert.equal(g.vrrpVersion, 2);
  assert.equal(g.vrrpMcastGroup4.text, '224.0.0.18');
  assert.equal(g.vrrpMcastGroup6.text, 'ff02::12');
  assert.equal(g.vrrpGarpMasterDelay, 5);
  assert.equal(g.vrrpGarpMasterRepeat, 5);
  assert.equal(g.vrrpGarpMasterRefresh, 0);
  assert.equal(g.vrrpGarpMasterRefreshRepeat, 1);
  assert.equal(g.vrrpGarpLowerPrioDelay, 5);
  assert.equal(g.vrrpGarpLowerPrioRepeat, 5);
  assert.equal(g.vrrpGarpInterval, 0);
  assert.equal(g.vrrpDownTimerAdverts, 3);
  assert.equal(g.defaultInterface, 'eth0');
  assert.equal(g.enableScriptSecurity, false);
  assert.equal(g.scriptUser, undefined);
  assert.equal(g.lvsFlush, false);
  assert.equal(g.lvsFlushOnStop, 'none');
  assert.deepEqual(g.lvsTimeouts, {});
  assert.equal(g.childWaitTime, 5);
  assert.equal(g.umask, 0o177);
  assert.equal(g.vmacPrefix, 'vrrp');
  assert.equal(g.smtpAlert, undefined);
});

test('global_defs: mail settings', () => {
  const b = build(`global_defs {
  router_id LVS_DEVEL
  notification_email {
    acassen@firewall.loc
    failover@firewall.loc sysadmin@firewall.loc
  }
  notification_email_from Alexandre.Cassen@firewall.loc
  smtp_server 192.168.200.1 2525
  smtp_helo_name me.example
  smtp_connect_timeout 45
  smtp_alert
  smtp_alert_vrrp off
  smtp_alert_checker on
  no_email_faults
  no_checker_emails
  checker_log_all_failures
  rs_init_notifies yes
}`);
  clean(b);
  const g = b.config.global;
  assert.equal(g.routerId, 'LVS_DEVEL');
  assert.deepEqual(g.notificationEmail, ['acassen@firewall.loc', 'failover@firewall.loc', 'sysadmin@firewall.loc']);
  assert.equal(g.notificationEmailFrom, 'Alexandre.Cassen@firewall.loc');
  assert.equal(g.smtpServer?.address?.text, '192.168.200.1');
  assert.equal(g.smtpServer?.port, 2525);
  assert.equal(g.smtpHeloName, 'me.example');
  assert.equal(g.smtpConnectTimeout, 45);
  assert.equal(g.smtpAlert, true);
  assert.equal(g.smtpAlertVrrp, false);
  assert.equal(g.smtpAlertChecker, true);
  assert.equal(g.noEmailFaults, true);
  assert.equal(g.noCheckerEmails, true);
  assert.equal(g.checkerLogAllFailures, true);
  assert.equal(g.rsInitNotifies, true);
});

test('global_defs: smtp_server takes a host name and defaults to port 25', () => {
  const b = build('global_defs {\n  smtp_server mail.example.com\n}');
  clean(b);
  assert.deepEqual({ host: b.config.global.smtpServer?.host, port: b.config.global.smtpServer?.port }, { host: 'mail.example.com', port: 25 });
});

test('global_defs: value errors are reported with keepalived wording and positions', () => {
  const b = build(`global_defs {
  router_id
  smtp_connect_timeout 0
  vrrp_garp_master_repeat 0
  vrrp_garp_master_delay x
  vrrp_version 4
  vrrp_mcast_group4 10.0.0.1
  vrrp_mcast_group6 ff05::12
  vrrp_down_timer_adverts 0
  smtp_alert maybe
  dynamic_interfaces foo
}`);
  assert.equal(b.rc, 5);
  assert.deepEqual(b.one('routerid name missing').line, 2);
  assert.equal(b.one('smtp_conect_timeout must be greater than 0, setting to 1').line, 3);
  assert.equal(b.config.global.smtpConnectTimeout, 1);
  assert.equal(b.one('vrrp_garp_master_repeat must be greater than 0, setting to 1').line, 4);
  assert.equal(b.config.global.vrrpGarpMasterRepeat, 1);
  const d = b.one("vrrp_garp_master_delay 'x' invalid - ignoring");
  assert.deepEqual([d.line, d.col], [5, 26]);
  assert.equal(b.config.global.vrrpGarpMasterDelay, 5);
  assert.ok(b.one('VRRP Error: Version must be either 2 or 3'));
  assert.equal(b.config.global.vrrpVersion, 2);
  assert.ok(b.one('vrrp_mcast_group4 [10.0.0.1] is not multicast. Skipping'));
  assert.equal(b.one('should be link-local multicast').severity, 'warning');
  assert.equal(b.config.global.vrrpMcastGroup6.text, 'ff05::12');
  assert.ok(b.one("Invalid vrrp_down_timer_adverts [1:100] '0'"));
  assert.ok(b.one("Invalid value 'maybe' for global smtp_alert specified"));
  assert.ok(b.one("Unknown dynamic_interfaces option 'foo'"));
  assert.equal(b.config.global.dynamicInterfaces, true);
});

test('global_defs: vrrp_garp_interval 0 (stock sample) is rejected as keepalived does', () => {
  const b = build('global_defs {\n  vrrp_garp_interval 0\n  vrrp_gna_interval 0\n}');
  assert.equal(b.rc, 5);
  assert.equal(b.one("vrrp_garp_interval '0' is invalid").line, 2);
  assert.match(b.one("vrrp_gna_interval '0' is invalid").hint ?? '', /rejects 0/);
  assert.equal(b.config.global.vrrpGarpInterval, 0);
  const ok = build('global_defs {\n  vrrp_garp_interval 0.001\n  vrrp_gna_interval 0.5\n}');
  clean(ok);
  assert.equal(ok.config.global.vrrpGarpInterval, 0.001);
  assert.equal(ok.config.global.vrrpGnaInterval, 0.5);
});

test('global_defs: VRRP defaults and the lower-priority GARP values follow the master ones', () => {
  const b = build(`global_defs {
  vrrp_garp_master_delay 10
  vrrp_garp_master_repeat 3
  vrrp_garp_master_refresh 60
  vrrp_garp_master_refresh_repeat 2
  vrrp_version 3
  vrrp_mcast_group4 224.0.0.19
  vrrp_check_unicast_src
  vrrp_skip_check_adv_addr
  vrrp_strict
  vrrp_lower_prio_no_advert
  vrrp_higher_prio_send_advert on
  vrrp_startup_delay 2.5
  vrrp_notify_priority_changes
  vrrp_garp_extra_if all 30
  log_unknown_vrids
  default_interface eth1
  vmac_prefix vm
}`);
  clean(b);
  const g = b.config.global;
  assert.equal(g.vrrpGarpMasterDelay, 10);
  assert.equal(g.vrrpGarpLowerPrioDelay, 10);
  assert.equal(g.vrrpGarpLowerPrioRepeat, 3);
  assert.equal(g.vrrpGarpMasterRefresh, 60);
  assert.equal(g.vrrpGarpMasterRefreshRepeat, 2);
  assert.equal(g.vrrpVersion, 3);
  assert.equal(g.vrrpMcastGroup4.text, '224.0.0.19');
  assert.equal(g.vrrpCheckUnicastSrc && g.vrrpSkipCheckAdvAddr && g.vrrpStrict, true);
  assert.equal(g.vrrpLowerPrioNoAdvert, true);
  assert.equal(g.vrrpHigherPrioSendAdvert, true);
  assert.equal(g.vrrpStartupDelay, 2.5);
  assert.deepEqual(g.vrrpGarpExtraIf, { interval: 30, all: true });
  assert.equal(g.defaultInterface, 'eth1');
  assert.equal(g.vmacPrefix, 'vm');
  assert.equal(g.vmacAddrPrefix, 'vm');
});

test('global_defs: vrrp_min_garp changes only values still at their defaults', () => {
  const b = build('global_defs {\n  vrrp_garp_master_delay 7\n  vrrp_min_garp\n}');
  clean(b);
  assert.equal(b.config.global.vrrpGarpMasterRepeat, 1);
  assert.equal(b.config.global.vrrpGarpMasterRefreshRepeat, 0);
  assert.equal(b.config.global.vrrpGarpMasterDelay, 7);
});

test('global_defs: LVS globals (sync daemon, timeouts, flush)', () => {
  const b = build(`global_defs {
  lvs_sync_daemon eth1 inst VI_1 id 5 maxlen 1400 port 8849 ttl 2 group 224.0.0.82
  lvs_timeouts tcp 900 tcpfin 120 udp 300
  lvs_flush
  lvs_flush_on_stop VS
}
${instance('')}`);
  clean(b);
  const g = b.config.global;
  assert.deepEqual(
    { i: g.lvsSyncDaemon?.interface, inst: g.lvsSyncDaemon?.instance, id: g.lvsSyncDaemon?.syncId, m: g.lvsSyncDaemon?.maxlen, p: g.lvsSyncDaemon?.port, t: g.lvsSyncDaemon?.ttl, gr: g.lvsSyncDaemon?.group.text },
    { i: 'eth1', inst: 'VI_1', id: 5, m: 1400, p: 8849, t: 2, gr: '224.0.0.82' },
  );
  assert.deepEqual(g.lvsTimeouts, { tcp: 900, tcpfin: 120, udp: 300 });
  assert.equal(g.lvsFlush, true);
  assert.equal(g.lvsFlushOnStop, 'vs');
});

test('global_defs: lvs_sync_daemon defaults its sync id to the VRID of its instance (or 0)', () => {
  const b = build(`global_defs {\n  lvs_sync_daemon eth1 inst VI_1\n}\n${instance('  virtual_router_id 42\n')}`);
  clean(b);
  assert.equal(b.config.global.lvsSyncDaemon?.syncId, 42);
  assert.equal(b.config.global.lvsSyncDaemon?.port, 8848);
  assert.equal(b.config.global.lvsSyncDaemon?.group.text, '224.0.0.81');
  const c = build('global_defs {\n  lvs_sync_daemon eth1\n}');
  clean(c);
  assert.equal(c.config.global.lvsSyncDaemon?.syncId, 0);
});

test('global_defs: lvs_sync_daemon legacy positional form and its warnings', () => {
  const b = build(`global_defs {\n  lvs_sync_daemon eth1 VI_1 7\n}\n${instance('')}`);
  assert.equal(b.rc, 5);
  assert.ok(b.one('Please use keyword "id" before lvs_sync_daemon SYNCID'));
  assert.equal(b.config.global.lvsSyncDaemon?.instance, 'VI_1');
  assert.equal(b.config.global.lvsSyncDaemon?.syncId, 7);
});

test('global_defs: lvs_sync_daemon naming a missing instance is reported (extra check)', () => {
  const b = build('global_defs {\n  lvs_sync_daemon eth1 inst VI_9\n}');
  const d = b.one('Unable to find vrrp instance VI_9 for lvs_syncd');
  assert.equal(d.origin, 'extra');
  assert.equal(b.config.global.lvsSyncDaemon, undefined);
});

test('global_defs: lvs_timeouts and lvs_flush_on_stop errors', () => {
  const b = build('global_defs {\n  lvs_timeouts tcp 10 udp\n  lvs_timeouts\n  lvs_timeouts foo 1\n  lvs_flush_onstop\n  lvs_flush_on_stop ALL\n}');
  assert.ok(b.one('No value specified for lvs_timeout udp - ignoring'));
  assert.ok(b.one('lvs_timeouts requires at least one option'));
  assert.ok(b.one('Unknown option foo specified for lvs_timeouts'));
  assert.ok(b.one('Unknown lvs_flush_on_stop type ALL'));
  assert.equal(b.config.global.lvsTimeouts.tcp, 10);
  assert.equal(b.config.global.lvsFlushOnStop, 'full');
});

test('global_defs: FIFOs and their scripts', () => {
  const b = build(`global_defs {
  notify_fifo /run/k.fifo
  notify_fifo_script "/usr/bin/reader -v" nobody
  vrrp_notify_fifo /run/v.fifo root root
  lvs_notify_fifo /run/l.fifo
  fifo_write_vrrp_states_on_reload
}`);
  clean(b);
  const g = b.config.global;
  assert.equal(g.notifyFifo?.path, '/run/k.fifo');
  assert.deepEqual(g.notifyFifo?.script?.argv, ['/usr/bin/reader', '-v']);
  assert.equal(g.notifyFifo?.script?.user, 'nobody');
  assert.deepEqual([g.vrrpNotifyFifo?.path, g.vrrpNotifyFifo?.user, g.vrrpNotifyFifo?.group], ['/run/v.fifo', 'root', 'root']);
  assert.equal(g.lvsNotifyFifo?.path, '/run/l.fifo');
  assert.equal(g.fifoWriteVrrpStatesOnReload, true);
  const e = build('global_defs {\n  notify_fifo\n  vrrp_notify_fifo /a\n  vrrp_notify_fifo /b\n}');
  assert.ok(e.one('No notify_fifo name specified'));
  assert.ok(e.one('vrrp_notify_fifo already specified - ignoring /b'));
});

test('global_defs: scripts, users and security settings', () => {
  const b = build(`global_defs {
  script_user nobody nogroup
  enable_script_security
  startup_script /usr/local/bin/up
  startup_script_timeout 20
  shutdown_script "/usr/local/bin/down now"
}`);
  clean(b);
  const g = b.config.global;
  assert.deepEqual([g.scriptUser, g.scriptGroup, g.enableScriptSecurity], ['nobody', 'nogroup', true]);
  assert.equal(g.startupScript?.command, '/usr/local/bin/up');
  assert.equal(g.startupScriptTimeout, 20);
  assert.equal(g.shutdownScriptTimeout, 10);
  assert.deepEqual(g.shutdownScript?.argv, ['/usr/local/bin/down', 'now']);
  const e = build('global_defs {\n  script_user\n  startup_script_timeout 2000\n}');
  assert.ok(e.one('No script username specified'));
  assert.ok(e.one("startup_script_timeout '2000' must be in [1, 1000] - ignoring"));
});

test('global_defs: script_user naming a missing user is an error when users can be checked', () => {
  const b = build('global_defs {\n  script_user nosuchuser\n}', fakeEnv());
  assert.equal(b.rc, 5);
  assert.equal(b.one('Error setting global script uid/gid').line, 2);
  assert.equal(b.one("Script user 'nosuchuser' does not exist").severity, 'notice');
});

test('global_defs: nftables, iptables fallback, process names, umask and misc', () => {
  const b = build(`global_defs {
  nftables kv
  nftables_priority -5
  nftables_counters
  nftables_ipvs
  process_names
  process_name ka
  max_auto_priority
  umask IWGRP|IWOTH
  random_seed 42
  reload_check_config /tmp/check.log
  reload_time_file /tmp/t
  reload_repeat
  reload_file
  config_save_dir /tmp/save/
  tmp_config_directory /tmp/k
  data_use_instance
  enable_snmp_vrrp
  enable_traps
  snmp_socket udp:1.2.3.4:705
  enable_dbus
  dbus_service_name org.x
}`);
  clean(b);
  const g = b.config.global;
  assert.deepEqual(g.nftables, { table: 'kv', priority: -5 });
  assert.equal(g.nftablesCounters, true);
  assert.deepEqual(g.nftablesIpvs, { table: 'keepalived_ipvs', priority: -1, startFwmark: 1000 });
  assert.deepEqual(g.processNames, { vrrp: 'keepalived_vrrp', checker: 'keepalived_lvs', bfd: 'keepalived_bfd', parent: 'ka' });
  assert.equal(g.maxAutoPriority, 99);
  assert.equal(g.umask, 0o22);
  assert.equal(g.randomSeed, 42);
  assert.equal(g.reloadCheckConfig, '/tmp/check.log');
  assert.equal(g.reloadFile, '/run/keepalived.reload');
  assert.equal(g.configSaveDir, '/tmp/save');
  assert.equal(g.dataUseInstance, true);
  assert.equal(g.enableSnmpVrrp && g.enableTraps && g.enableDbus, true);
  assert.equal(g.dbusServiceName, 'org.x');
  const e = build('global_defs {\n  vrrp_iptables\n  nftables\n  umask 0999\n  process_name averyveryverylongname\n}');
  assert.ok(e.one("iptables not supported, using nftables instead"));
  assert.ok(e.one('nftables already specified - ignoring'));
  assert.ok(e.one('invalid umask value 0999'));
  assert.ok(e.one('more than 15 characters, truncating'));
  assert.equal(e.config.global.processNames.parent, 'averyveryverylo');
});

test('global_defs: deprecated keywords warn as keepalived does (or only log)', () => {
  const b = build('global_defs {\n  vrrp_vmac_garp_intvl 10\n  lvs_process_name x\n  enable_snmp_keepalived\n}');
  assert.equal(b.one('Keyword "vrrp_vmac_garp_intvl" is deprecated').severity, 'warning');
  assert.equal(b.one("'lvs_process_name' is deprecated").severity, 'notice');
  assert.equal(b.rc, 5);
});

test('global_defs: tier-3 tuning keywords are recognised, not unknown', () => {
  const b = build('global_defs {\n  vrrp_priority -10\n  checker_rt_priority 50\n  vrrp_rx_bufs_policy MTU\n  include_check\n}');
  clean(b);
  assert.equal(b.find('not supported yet', 'notice').length, 4);
});

test('global_defs: keywords keepalived only accepts at top level are unknown inside it', () => {
  const b = build('global_defs {\n  net_namespace foo\n  use_pid_dir\n  vrrp_ipsets x\n  bogus_global\n}');
  assert.equal(b.rc, 5);
  assert.equal(b.one("Unknown keyword 'net_namespace'").line, 2);
  assert.ok(b.one("Unknown keyword 'use_pid_dir'"));
  assert.ok(b.one("Unknown keyword 'vrrp_ipsets'"));
  assert.ok(b.one("Unknown keyword 'bogus_global'"));
});

test('top level: net_namespace, instance, use_pid_dir, child_wait_time, linkbeat_use_polling', () => {
  const b = build('net_namespace blue\nnet_namespace_ipvs\ninstance one\nchild_wait_time 3\nlinkbeat_use_polling\nnamespace_with_ipsets\n');
  clean(b);
  const g = b.config.global;
  assert.deepEqual([g.netNamespace, g.netNamespaceIpvs, g.instanceName, g.childWaitTime, g.linkbeatUsePolling, g.usePidDir, g.namespaceWithIpsets], ['blue', '', 'one', 3, true, true, true]);
  const e = build('net_namespace a\nnet_namespace b\ninstance\n');
  assert.ok(e.one('Duplicate net_namespace definition b - ignoring'));
  assert.ok(e.one('instance name missing - ignoring'));
});

test('top level: with net_namespace, machine checks are skipped (keepalived -t checks nothing there)', () => {
  const b = build(`net_namespace blue\n${instance('  interface eth9\n')}`, fakeEnv());
  clean(b);
});

test('global_defs before an instance: GARP settings are copied into it when it is read', () => {
  const after = build(`${instance('')}global_defs {\n  vrrp_garp_master_delay 9\n}`);
  assert.equal(after.config.vrrp.instances[0].garpMasterDelay, 5);
  const before = build(`global_defs {\n  vrrp_garp_master_delay 9\n  vrrp_garp_master_refresh 30\n}\n${instance('')}`);
  assert.equal(before.config.vrrp.instances[0].garpMasterDelay, 9);
  assert.equal(before.config.vrrp.instances[0].garpMasterRefresh, 30);
  assert.equal(before.config.vrrp.instances[0].garpLowerPrioDelay, 9);
});
