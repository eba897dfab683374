import test from 'node:test';
import assert from 'node:assert/strict';
import { load, vsConf } from './lvs-helpers.js';

test('a real server that becomes a duplicate after keepalived fills in its port: our error, both kept', () => {
  const r = load(vsConf('  real_server 10.0.1.1 {\n  }\n  real_server 10.0.1.1 80 {\n  }'));
  assert.deepEqual(r.problems(), [
    `7:3 real server [10.0.1.1]:tcp:80 is listed twice in virtual server [10.0.0.1]:tcp:80 (${r.file}:5 and line 7)`,
  ]);
  assert.equal(r.diags[0].origin, 'extra');
  assert.equal(r.diags[0].severity, 'error');
  assert.equal(r.vs().realServers.length, 2);
});

test('DR real servers whose ports keepalived resets to the same value', () => {
  const r = load(vsConf('  real_server 10.0.1.1 8080 {\n  }\n  real_server 10.0.1.1 8081 {\n  }').replace('lb_kind NAT', 'lb_kind DR'));
  const extra = r.diags.filter((d) => d.origin === 'extra').map((d) => `${d.line} ${d.message}`);
  assert.deepEqual(extra, [`7 real server [10.0.1.1]:tcp:80 is listed twice in virtual server [10.0.0.1]:tcp:80 (${r.file}:5 and line 7)`]);
});

test('an exact repeat is keepalived\'s own error (removed), not ours', () => {
  const r = load(vsConf('  real_server 10.0.1.1 80 {\n  }\n  real_server 10.0.1.1 80 {\n  }'));
  assert.deepEqual(r.diags.map((d) => d.origin ?? 'keepalived'), ['keepalived']);
});

test('a checker aimed at port 0 (real server without port, no connect_port): our warning', () => {
  const r = load(vsConf('  real_server 10.0.1.1 {\n    TCP_CHECK {\n    }\n    PING_CHECK {\n    }\n    TCP_CHECK {\n      connect_port 80\n    }\n  }'));
  assert.deepEqual(r.problems(), [
    '6:5 TCP_CHECK of real server [10.0.1.1]:tcp:80 would connect to port 0: the real_server line has no port and the checker has no connect_port',
  ]);
  assert.equal(r.diags[0].hint, 'add "connect_port 80" to the TCP_CHECK block');
  const c = r.checker();
  assert.ok(c.kind === 'TCP_CHECK');
  assert.equal(c.connection.connectPort, 0);
});
