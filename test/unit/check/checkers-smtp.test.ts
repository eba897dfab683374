// SMTP_CHECK against scripted servers on 127.0.0.1: the dialogue bytes and keepalived's lines.
import test from 'node:test';
import assert from 'node:assert/strict';
import type net from 'node:net';
import { probeSmtp } from '../../../src/check/checkers/smtp.js';
import { closedPort, connection, hangingListener, probeContext, smtpCheck, startServer } from './checker-helpers.js';

const RS = '[10.2.2.2]:tcp:25';

/**
 * A server that sends `banner`, then answers each line it receives with the next of `replies`
 * (closing when they run out), recording what the client sent.
 */
async function smtpServer(banner: string | null, replies: string[]) {
  const received: string[] = [];
  const srv = await startServer((s: net.Socket) => {
    let buf = '';
    let i = 0;
    if (banner !== null) s.write(banner);
    s.on('data', (d: Buffer) => {
      buf += d.toString('latin1');
      let nl: number;
      while ((nl = buf.indexOf('\n')) !== -1) {
        received.push(buf.slice(0, nl + 1));
        buf = buf.slice(nl + 1);
        if (i < replies.length) s.write(replies[i++]);
        else s.end();
      }
    });
  });
  return Object.assign(srv, { received });
}

test('SMTP_CHECK: 220, HELO, 250, QUIT, 221 — exact bytes sent and the success line', async () => {
  const srv = await smtpServer('220 mx.example ESMTP\r\n', ['250 mx.example\r\n', '221 bye\r\n']);
  try {
    const r = await probeSmtp(smtpCheck(connection(srv.port)), probeContext(RS));
    assert.deepEqual(r, { ok: true, message: 'Remote SMTP server [10.2.2.2]:tcp:25 succeed on service.', notices: [] });
    assert.deepEqual(srv.received, ['HELO smtpchecker.keepalived.org\r\n', 'QUIT\r\n']);
    const named = await probeSmtp(smtpCheck(connection(srv.port), 'checker.example'), probeContext(RS));
    assert.equal(named.ok, true);
    assert.equal(srv.received[2], 'HELO checker.example\r\n');
  } finally {
    await srv.close();
  }
});

test('SMTP_CHECK: wrong banner, multi-line banner, wrong HELO reply', async () => {
  const target = (port: number) => `[127.0.0.1]:${port}`;
  const s1 = await smtpServer('554 go away\r\n', []);
  const s2 = await smtpServer('220-mx.example first line\r\n220 mx.example\r\n', ['250 ok\r\n', '221 bye\r\n']);
  const s3 = await smtpServer('220 mx.example\r\n', ['501 bad HELO\r\n']);
  try {
    const r1 = await probeSmtp(smtpCheck(connection(s1.port)), probeContext(RS));
    assert.deepEqual(r1, { ok: false, reason: 'banner', message: `SMTP_CHECK Bad greeting banner from server ${target(s1.port)}`, notices: [] });
    assert.deepEqual(s1.received, []);
    // keepalived reads only the first line and needs "220 ": a "220-" continuation line fails
    const r2 = await probeSmtp(smtpCheck(connection(s2.port)), probeContext(RS));
    assert.equal(r2.message, `SMTP_CHECK Bad greeting banner from server ${target(s2.port)}`);
    const r3 = await probeSmtp(smtpCheck(connection(s3.port)), probeContext(RS));
    assert.deepEqual(r3, { ok: false, reason: 'helo', message: `SMTP_CHECK Bad HELO response from server ${target(s3.port)}`, notices: [] });
  } finally {
    await s1.close();
    await s2.close();
    await s3.close();
  }
});

test('SMTP_CHECK: a close instead of the QUIT reply fails; refused; silent server; hanging connect', async () => {
  const noBye = await smtpServer('220 mx\r\n', ['250 ok\r\n']);
  const silent = await startServer(() => {});
  const l = await hangingListener();
  try {
    const r1 = await probeSmtp(smtpCheck(connection(noBye.port)), probeContext(RS));
    assert.equal(r1.message, `SMTP_CHECK Read failure from server [127.0.0.1]:${noBye.port}`);
    const port = await closedPort();
    const r2 = await probeSmtp(smtpCheck(connection(port)), probeContext(RS));
    assert.deepEqual(r2, { ok: false, reason: 'refused', message: `SMTP_CHECK Could not connect to server [127.0.0.1]:${port}`, notices: [] });
    const t0 = performance.now();
    const r3 = await probeSmtp(smtpCheck(connection(silent.port, { timeout: 0.3 })), probeContext(RS));
    assert.deepEqual(r3, { ok: false, reason: 'timeout', message: `SMTP_CHECK Read timeout from server [127.0.0.1]:${silent.port}`, notices: [] });
    const r4 = await probeSmtp(smtpCheck(connection(l.port, { timeout: 0.3 })), probeContext(RS));
    assert.equal(r4.message, `SMTP_CHECK Connection timeout to server [127.0.0.1]:${l.port}`);
    assert.ok(performance.now() - t0 < 1500);
    // the transaction deadline ends a dialogue whose every step is within connect_timeout
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 100);
    const r5 = await probeSmtp(smtpCheck(connection(silent.port, { timeout: 10 })), probeContext(RS, { signal: ac.signal }));
    assert.equal(!r5.ok && r5.reason, 'timeout');
  } finally {
    await noBye.close();
    await silent.close();
    l.stop();
  }
});

test('SMTP_CHECK: IPv6 target is written [addr]:port', async () => {
  const port = await new Promise<number>((resolve) => {
    // find a closed port on ::1
    void startServer(() => {}, '::1').then(async (s) => {
      await s.close();
      resolve(s.port);
    });
  });
  const r = await probeSmtp(smtpCheck(connection(port, { ip: '::1' })), probeContext('[::1]:tcp:25'));
  assert.equal(r.message, `SMTP_CHECK Could not connect to server [::1]:${port}`);
});
