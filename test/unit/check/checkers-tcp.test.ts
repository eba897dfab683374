// TCP_CHECK against real sockets on 127.0.0.1: keepalived's three outcomes and their lines.
import test from 'node:test';
import assert from 'node:assert/strict';
import { probeTcp } from '../../../src/check/checkers/tcp.js';
import { closedPort, connection, hangingListener, probeContext, startServer, tcpCheck } from './checker-helpers.js';
import { parseIp } from '../../../src/lib/ip.js';

test('TCP_CHECK: a listening port is a success, named by the real server key', async () => {
  let accepted = 0;
  const srv = await startServer(() => accepted++);
  try {
    const r = await probeTcp(tcpCheck(connection(srv.port)), probeContext('[192.168.1.10]:tcp:80'));
    assert.deepEqual(r, { ok: true, message: 'TCP connection to [192.168.1.10]:tcp:80 success.' });
    await new Promise((res) => setTimeout(res, 20));
    assert.equal(accepted, 1);
  } finally {
    await srv.close();
  }
});

test('TCP_CHECK: IPv6 ::1', async () => {
  const srv = await startServer(() => {}, '::1');
  try {
    const r = await probeTcp(tcpCheck(connection(srv.port, { ip: '::1' })), probeContext('[::1]:tcp:80'));
    assert.equal(r.ok, true);
  } finally {
    await srv.close();
  }
});

test('TCP_CHECK: a closed port fails with "failed."', async () => {
  const port = await closedPort();
  const r = await probeTcp(tcpCheck(connection(port)), probeContext('[127.0.0.1]:tcp:80'));
  assert.deepEqual(r, { ok: false, reason: 'refused', message: 'TCP connection to [127.0.0.1]:tcp:80 failed.' });
});

test('TCP_CHECK: a connect that hangs times out at connect_timeout with "timeout."', async () => {
  const l = await hangingListener();
  try {
    const co = { ...connection(l.port), connectTimeout: 0.3 };
    const t0 = performance.now();
    const r = await probeTcp(tcpCheck(co), probeContext('[127.0.0.1]:tcp:80'));
    const ms = performance.now() - t0;
    assert.deepEqual(r, { ok: false, reason: 'timeout', message: 'TCP connection to [127.0.0.1]:tcp:80 timeout.' });
    assert.ok(ms >= 280 && ms < 1000, `took ${ms} ms`);
  } finally {
    l.stop();
  }
});

test('TCP_CHECK: the transaction signal ends a hanging connect promptly', async () => {
  const l = await hangingListener();
  try {
    const ac = new AbortController();
    const t0 = performance.now();
    setTimeout(() => ac.abort(), 100);
    const r = await probeTcp(tcpCheck(connection(l.port, { timeout: 10 })), probeContext('[127.0.0.1]:tcp:80', { signal: ac.signal }));
    const ms = performance.now() - t0;
    assert.equal(r.ok, false);
    assert.equal(!r.ok && r.reason, 'timeout');
    assert.ok(ms < 300, `took ${ms} ms`);
    // an already aborted signal: no connection attempt at all
    const r2 = await probeTcp(tcpCheck(connection(l.port)), probeContext('[127.0.0.1]:tcp:80', { signal: AbortSignal.abort() }));
    assert.equal(!r2.ok && r2.reason, 'timeout');
  } finally {
    l.stop();
  }
});

test('TCP_CHECK: bindto and bind_port choose the source; an unusable source is a local error', async () => {
  let peer: { address?: string; port?: number } = {};
  const srv = await startServer((s) => (peer = { address: s.remoteAddress, port: s.remotePort }));
  try {
    const src = await closedPort();
    const co = { ...connection(srv.port), bindto: parseIp('127.0.0.2')!, bindPort: src };
    const r = await probeTcp(tcpCheck(co), probeContext('[127.0.0.1]:tcp:80'));
    assert.equal(r.ok, true);
    await new Promise((res) => setTimeout(res, 20));
    assert.deepEqual(peer, { address: '127.0.0.2', port: src });
    // 192.0.2.1 (TEST-NET-1) is not a local address: bind() fails, nothing is sent
    const bad = { ...connection(srv.port), bindto: parseIp('192.0.2.1')! };
    const r2 = await probeTcp(tcpCheck(bad), probeContext('[127.0.0.1]:tcp:80'));
    assert.deepEqual(r2, { ok: false, reason: 'bind', message: 'TCP socket bind failed. Rescheduling.' });
  } finally {
    await srv.close();
  }
});
