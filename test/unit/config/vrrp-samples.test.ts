// keepalived's own sample configurations (read where Debian installs them, never copied) must give
// the same `keepalived -t` exit code as keepalived 2.2.7 in a namespace with eth0..eth3 and eth0.1
// (codes recorded from the real binary). The machine is faked so the result does not depend on it.
import test from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { loadConfig, configTestExitCode, formatDiagnostic } from '../../../src/config/index.js';
import { fakeEnv } from './vrrp-helper.js';

const DIR = '/usr/share/doc/keepalived/samples';

const EXPECTED: [file: string, configId: string, rc: number][] = [
  ['keepalived.conf.HTTP_GET.port', 'testhost', 0],
  ['keepalived.conf.IPv6', 'testhost', 0],
  ['keepalived.conf.PING_CHECK', 'testhost', 0],
  ['keepalived.conf.SMTP_CHECK', 'testhost', 0],
  ['keepalived.conf.SSL_GET', 'testhost', 5],
  ['keepalived.conf.UDP_CHECK', 'testhost', 0],
  ['keepalived.conf.conditional_conf', 'testhost', 5],
  ['keepalived.conf.conditional_conf', 'high', 0],
  ['keepalived.conf.conditional_conf', 'low', 0],
  ['keepalived.conf.fwmark', 'testhost', 5],
  ['keepalived.conf.inhibit', 'testhost', 0],
  ['keepalived.conf.misc_check', 'testhost', 0],
  ['keepalived.conf.misc_check_arg', 'testhost', 0],
  ['keepalived.conf.quorum', 'testhost', 0],
  ['keepalived.conf.sample', 'testhost', 0],
  ['keepalived.conf.status_code', 'testhost', 0],
  ['keepalived.conf.track_interface', 'testhost', 5],
  ['keepalived.conf.virtual_server_group', 'testhost', 0],
  ['keepalived.conf.virtualhost', 'testhost', 0],
  ['keepalived.conf.vrrp', 'testhost', 0],
  ['keepalived.conf.vrrp.localcheck', 'testhost', 6],
  ['keepalived.conf.vrrp.lvs_syncd', 'testhost', 5],
  ['keepalived.conf.vrrp.routes', 'testhost', 5],
  ['keepalived.conf.vrrp.rules', 'testhost', 5],
  ['keepalived.conf.vrrp.scripts', 'testhost', 0],
  ['keepalived.conf.vrrp.static_ipaddress', 'testhost', 5],
  ['keepalived.conf.vrrp.sync', 'testhost', 0],
];

const env = {
  hostname: 'testhost',
  ...fakeEnv({
    interfaces: ['lo', 'eth0', 'eth1', 'eth2', 'eth3', 'eth0.1'],
    files: { '/usr/bin/killall': { mode: 0o100755 } },
    path: { killall: '/usr/bin/killall' },
  }),
};

for (const [file, id, rc] of EXPECTED) {
  const path = `${DIR}/${file}`;
  test(`sample ${file}${id === 'testhost' ? '' : ` -i ${id}`}: keepalived -t exit code ${rc}`, () => {
    assert.ok(existsSync(path), `${path} is missing: install Debian's keepalived (bash .ci/setup)`);
    const r = loadConfig(path, { configId: id, env });
    assert.equal(configTestExitCode(r.diagnostics), rc, r.diagnostics.map(formatDiagnostic).join('\n'));
  });
}

test('stock /etc/keepalived/keepalived.conf.sample: rc 5 for the garp/gna 0 values and strict-mode fix-ups', () => {
  assert.ok(existsSync('/etc/keepalived/keepalived.conf.sample'), "the stock keepalived.conf.sample is missing: install Debian's keepalived (bash .ci/setup)");
  const r = loadConfig('/etc/keepalived/keepalived.conf.sample', { configId: 'testhost', env });
  assert.equal(configTestExitCode(r.diagnostics), 5);
  const m = r.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message);
  for (const want of ["vrrp_garp_interval '0' is invalid", "vrrp_gna_interval '0' is invalid", '(VI_1) State MASTER must match being address owner', '(VI_1) Strict mode does not support authentication. Ignoring.']) {
    assert.ok(m.includes(want), want);
  }
});

test('sample keepalived.conf.vrrp.lvs_syncd: old sync-group syntax reported as keepalived does', () => {
  assert.ok(existsSync(`${DIR}/keepalived.conf.vrrp.lvs_syncd`), `${DIR} is missing: install Debian's keepalived (bash .ci/setup)`);
  const r = loadConfig(`${DIR}/keepalived.conf.vrrp.lvs_syncd`, { configId: 'testhost', env });
  const m = r.diagnostics.map((d) => `${d.line} ${d.message}`);
  for (const want of ["4 Unknown keyword 'VI_2' in vrrp_sync_group", "5 Unknown keyword 'VI_3' in vrrp_sync_group", '3 Sync group VG1 has no virtual router(s). removing']) {
    assert.ok(m.includes(want), `${want}\n${m.join('\n')}`);
  }
  assert.equal(r.config.global.lvsSyncDaemon?.interface, 'eth1');
});
