import test from 'node:test';
import assert from 'node:assert/strict';
import { build, clean, fakeEnv, instance } from './vrrp-helper.js';

const SCRIPT = '/usr/local/bin/notify.sh';
const safe = { [SCRIPT]: { mode: 0o100755 } };

test('script security: an existing script without enable_script_security is a SECURITY VIOLATION (rc 6)', () => {
  const b = build(instance(`  notify_master ${SCRIPT}\n`), fakeEnv({ files: safe }));
  assert.equal(b.rc, 6);
  const d = b.one('SECURITY VIOLATION - scripts are being executed but script_security not enabled.');
  assert.deepEqual([d.severity, d.line], ['security', 7]);
  assert.ok(b.one("Script user 'keepalived_script' does not exist", 'notice'));
});

test('script security: missing scripts do not count (keepalived.conf.vrrp.scripts gives rc 0)', () => {
  const b = build(instance(`  notify_master "/nonexistent/vrrp.sh MASTER"\n`), fakeEnv({ files: safe }));
  clean(b);
  assert.ok(b.one('does not exist - it will not run', 'notice'));
  assert.equal(b.config.vrrp.instances[0].notifyMaster, undefined);
});

test('script security: "</dev/tcp/..." checks are not scripts; bare names are looked up in PATH', () => {
  const tcp = build(`vrrp_script p {\n  script "</dev/tcp/127.0.0.1/80"\n}\n${instance('  track_script {\n    p\n  }\n')}`, fakeEnv());
  clean(tcp);
  const k = build(`vrrp_script k {\n  script "killall -0 haproxy"\n}\n${instance('  track_script {\n    k\n  }\n')}`, fakeEnv({ files: { '/usr/bin/killall': {} }, path: { killall: '/usr/bin/killall' } }));
  assert.equal(k.rc, 6);
  assert.ok(k.one('resolved by path search to `/usr/bin/killall`', 'notice'));
  const n = build(`vrrp_script s {\n  script "nosuchcmd arg"\n}\n${instance('  track_script {\n    s\n  }\n')}`, fakeEnv());
  assert.equal(n.rc, 5);
  assert.ok(n.one('Disabling track script s since not found/accessible'));
  assert.deepEqual(n.config.vrrp.instances[0].trackScript, []);
  assert.deepEqual(n.config.vrrp.vrrpScripts, []);
});

test('script security: insecure scripts are flagged, naming the path component and its mode', () => {
  const files = { '/tmp/unsafe': { mode: 0o040777 }, '/tmp/unsafe/chk.sh': { mode: 0o100755 } };
  const b = build(`vrrp_script t {\n  script /tmp/unsafe/chk.sh\n}\n${instance('  track_script {\n    t\n  }\n')}`, fakeEnv({ files }));
  assert.equal(b.rc, 6);
  assert.ok(b.one('SECURITY VIOLATION - scripts are being executed but script_security not enabled. There are insecure scripts.'));
  assert.match(b.one('Unsafe permissions found', 'notice').message, /\/tmp\/unsafe is writable by everyone \(mode 0777\)/);
});

test('script security: with enable_script_security an insecure track script is disabled (error)', () => {
  const files = { '/tmp/unsafe': { mode: 0o040775, gid: 100 }, '/tmp/unsafe/chk.sh': { mode: 0o100755 } };
  const b = build(`global_defs {\n  enable_script_security\n  script_user root\n}\nvrrp_script s {\n  script /tmp/unsafe/chk.sh\n}\n${instance('  notify_master /tmp/unsafe/chk.sh\n  track_script {\n    s\n  }\n')}`, fakeEnv({ files }));
  assert.equal(b.rc, 5);
  const d = b.one('Disabling track script s due to insecure');
  assert.match(d.hint ?? '', /\/tmp\/unsafe is writable by group 100 \(mode 0775\)/);
  const n = b.one("unsafe permissions for script '/tmp/unsafe/chk.sh' - it will not run");
  assert.equal(n.origin, 'extra');
  assert.equal(b.config.vrrp.instances[0].notifyMaster, undefined);
  assert.deepEqual(b.config.vrrp.instances[0].trackScript, []);
});

test('script security: a directory owned by a non-root user is unsafe; a sticky world-writable one is not', () => {
  const owned = build(instance(`  notify_master /home/u/n.sh\n`), fakeEnv({ files: { '/home/u': { mode: 0o040755, uid: 1000 }, '/home/u/n.sh': {} } }));
  assert.match(owned.one('Unsafe permissions found', 'notice').message, /\/home\/u is owned by uid 1000/);
  const sticky = build(instance(`  notify_master /tmp/n.sh\n`), fakeEnv({ files: { '/tmp': { mode: 0o041777 }, '/tmp/n.sh': {} } }));
  assert.equal(sticky.find('Unsafe permissions').length, 0);
  assert.equal(sticky.rc, 6);
});

test('script security: enabled, no keepalived_script user and no script_user is an error (rc 5)', () => {
  const b = build(`global_defs {\n  enable_script_security\n}\n${instance(`  notify_master ${SCRIPT}\n`)}`, fakeEnv({ files: safe }));
  assert.equal(b.rc, 5);
  assert.ok(b.one('Unable to set default user keepalived_script for script'));
  assert.equal(b.config.vrrp.instances[0].notifyMaster, undefined);
});

test('script security: enabled with a safe script and a script user is clean', () => {
  const b = build(`global_defs {\n  enable_script_security\n}\n${instance(`  notify_master ${SCRIPT}\n`)}`, fakeEnv({ files: safe, users: { keepalived_script: 990 } }));
  clean(b);
  assert.ok(b.config.vrrp.instances[0].notifyMaster);
});

test('script security: a per-script user that does not exist disables the script', () => {
  const n = build(instance(`  notify_master ${SCRIPT} nobodyxx\n`), fakeEnv({ files: safe }));
  clean(n);
  assert.ok(n.one("Invalid user/group for notify_master of VI_1 script /usr/local/bin/notify.sh - ignoring", 'notice'));
  const t = build(`vrrp_script s {\n  script ${SCRIPT}\n  user nosuchuser\n}\n${instance('  track_script {\n    s\n  }\n')}`, fakeEnv({ files: safe }));
  assert.ok(t.one(`Unable to set uid/gid for script '${SCRIPT}'`));
});

test('script security: a non-executable script is disabled', () => {
  const b = build(instance(`  notify_master ${SCRIPT}\n`), fakeEnv({ files: { [SCRIPT]: { mode: 0o100644 } } }));
  assert.ok(b.one('is not executable for uid:gid 0:0 - disabling.', 'notice'));
  assert.equal(b.rc, 6);
});

test('script security: start/shutdown scripts count even without instances', () => {
  const b = build(`global_defs {\n  startup_script ${SCRIPT}\n}\n`, fakeEnv({ files: safe }));
  assert.equal(b.rc, 6);
  assert.ok(b.one('SECURITY VIOLATION - start/shutdown scripts are being executed but script_security not enabled.'));
});

test('script security: VRRP scripts only count when there are instances; not checked with a missing interface', () => {
  const none = build(`vrrp_script s {\n  script ${SCRIPT}\n}\n`, fakeEnv({ files: safe }));
  clean(none);
  const halted = build(instance(`  interface eth9\n  notify_master ${SCRIPT}\n`), fakeEnv({ files: safe }));
  assert.equal(halted.rc, 5);
  assert.equal(halted.find('SECURITY VIOLATION').length, 0);
});

test('script security: no checks without machine access (offline build)', () => {
  clean(build(instance(`  notify_master ${SCRIPT}\n`)));
});
