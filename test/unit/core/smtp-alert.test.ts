// smtp_alert against a real SMTP listener on 127.0.0.1: keepalived's dialogue and message, its subjects for a
// VRRP instance going MASTER (once per state), and a refusing server costing only a log line.
import test from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { recordingLog } from '../../../src/lib/log.js';
import { alertMessage, rfc822, SmtpAlerter, type SmtpSettings } from '../../../src/core/smtp-alert.js';
import { vrrpAlert } from '../../../src/vrrp/smtp-alerts.js';
import { VrrpProcess } from '../../../src/core/vrrp.js';
import { FakeAddressPort, FakeClock, FakePacketPort, MAC_ETH0 } from '../vrrp/runtime-fakes.js';
import { instanceConf } from '../vrrp/fsm-harness.js';

/** A minimal SMTP server: records each session's lines; `refuse` answers RCPT with 550. */
function smtpServer(refuse = false): Promise<{ server: Server; port: number; sessions: string[][] }> {
  const sessions: string[][] = [];
  const server = createServer((c) => {
    const lines: string[] = [];
    sessions.push(lines);
    let data = false;
    let buf = '';
    c.write('220 test ESMTP\r\n');
    c.on('data', (d) => {
      buf += d.toString();
      for (let nl = buf.indexOf('\r\n'); nl >= 0; nl = buf.indexOf('\r\n')) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 2);
        lines.push(line);
        if (data) {
          if (line === '.') { data = false; c.write('250 queued\r\n'); }
        } else if (line.startsWith('HELO')) c.write('250-test\r\n250 hello\r\n');
        else if (line.startsWith('MAIL')) c.write('250 ok\r\n');
        else if (line.startsWith('RCPT')) c.write(refuse ? '550 no such user\r\n' : '250 ok\r\n');
        else if (line === 'DATA') { data = true; c.write('354 go on\r\n'); }
        else if (line === 'QUIT') { c.write('221 bye\r\n'); c.end(); }
      }
    });
    c.on('error', () => undefined);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, port: (server.address() as AddressInfo).port, sessions })));
}

const settings = (port: number): SmtpSettings => ({
  notificationEmail: ['ops@example.org', 'oncall@example.org'],
  notificationEmailFrom: 'lb1@example.org',
  smtpServer: { host: '127.0.0.1', port, pos: { file: 'x', line: 1, col: 1 } },
  smtpHeloName: 'lb1',
  smtpConnectTimeout: 5,
  routerId: 'lb1',
});

test('rfc822 dates as strftime("%a, %d %b %Y %H:%M:%S %z")', () => {
  assert.match(rfc822(new Date(2026, 10, 21, 9, 4, 5)), /^Sat, 21 Nov 2026 09:04:05 [+-]\d{4}$/);
});

test("keepalived's dialogue: HELO, MAIL FROM, RCPT TO per address, DATA with its headers, QUIT", async () => {
  const { server, port, sessions } = await smtpServer();
  try {
    const log = recordingLog();
    await new SmtpAlerter(() => settings(port), log).send('[lb1] VRRP Instance VI_1 - Entering MASTER state', '=> VRRP Instance is now owning VRRP VIPs <=');
    const s = sessions[0]!;
    assert.deepEqual(s.slice(0, 5), ['HELO lb1', 'MAIL FROM:<lb1@example.org>', 'RCPT TO:<ops@example.org>', 'RCPT TO:<oncall@example.org>', 'DATA']);
    assert.match(s[5]!, /^Date: \w{3}, \d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2} [+-]\d{4}$/);
    assert.deepEqual(s.slice(6), [
      'From: lb1@example.org', 'Subject: [lb1] VRRP Instance VI_1 - Entering MASTER state', 'X-Mailer: Keepalived',
      'To: ops@example.org, oncall@example.org', '', '=> VRRP Instance is now owning VRRP VIPs <=', '', '.', 'QUIT',
    ]);
    assert.ok(!log.lines.some((l) => l.level !== 'debug'), JSON.stringify(log.lines));
  } finally {
    server.close();
  }
});

test('a refused recipient, or no server listening, is one log line in keepalived words and nothing else', async () => {
  const { server, port } = await smtpServer(true);
  try {
    const log = recordingLog();
    await new SmtpAlerter(() => settings(port), log).send('s', 'b');
    assert.deepEqual(log.lines.map((l) => l.msg), [`Error processing RCPT cmd on SMTP server [127.0.0.1]:${port}. SMTP status code = 550`]);
  } finally {
    server.close();
  }
  const log = recordingLog();
  await new SmtpAlerter(() => settings(port), log).send('s', 'b');
  assert.deepEqual(log.lines.map((l) => l.msg), [`SMTP connection ERROR to [127.0.0.1]:${port}.`]);
});

test('no address or no server configured: nothing is sent', async () => {
  const log = recordingLog();
  await new SmtpAlerter(() => ({ ...settings(1), notificationEmail: [] }), log).send('s', 'b');
  await new SmtpAlerter(() => ({ ...settings(1), smtpServer: undefined }), log).send('s', 'b');
  assert.deepEqual(log.lines, []);
});

test('which VRRP states are mailed: once per state, faults not with no_email_faults', () => {
  assert.equal(vrrpAlert('instance', 'MASTER', undefined, false)?.body, '=> VRRP Instance is now owning VRRP VIPs <=');
  assert.equal(vrrpAlert('instance', 'MASTER', 'MASTER', false), undefined);
  assert.equal(vrrpAlert('instance', 'FAULT', 'MASTER', true), undefined);
  assert.equal(vrrpAlert('instance', 'MASTER_RX_LOWER_PRI', 'MASTER', false), undefined);
  assert.equal(vrrpAlert('group', 'BACKUP', 'MASTER', false)?.body, '=> All VRRP group instances are now in BACKUP state <=');
  assert.equal(alertMessage(settings(25), 'S', 'B', new Date(0)).endsWith('\r\n\r\nB\r\n\r\n.\r\n'), true);
});

test('an instance with smtp_alert mails its BACKUP and MASTER states (the VRRP process, fake clock, real SMTP)', async () => {
  const { server, port, sessions } = await smtpServer();
  const dir = mkdtempSync(join(tmpdir(), 'kt-smtp-'));
  try {
    const file = join(dir, 'keepalived.conf');
    writeFileSync(file, `global_defs {\n  router_id lb1\n  notification_email {\n    ops@example.org\n  }\n  notification_email_from lb1@example.org\n` +
      `  smtp_server 127.0.0.1 ${port}\n}\n${instanceConf('  priority 150\n  smtp_alert', 'VI_1', '10.0.0.100/24')}`);
    const clock = new FakeClock();
    const packets = new FakePacketPort(clock);
    const addresses = () => new FakeAddressPort(clock, [{ name: 'eth0', index: 2, up: true, mac: MAC_ETH0, mtu: 1500 }], [
      { family: 4, address: '10.0.0.1', prefixLen: 24, ifindex: 2, scope: 0 },
    ]);
    const proc = new VrrpProcess({ configFile: file, dontReleaseVrrp: false, dumpDir: dir }, recordingLog(), { addresses, packets: () => packets, clock });
    await proc.start();
    await clock.runUntil(4000);
    assert.equal(proc.current!.instanceStates().VI_1, 'MASTER');
    const subjects = async (n: number) => {
      for (let i = 0; i < 100 && sessions.filter((s) => s.includes('QUIT')).length < n; i++) await new Promise((r) => setTimeout(r, 20));
      return sessions.map((s) => s.find((l) => l.startsWith('Subject: '))).sort();
    };
    assert.deepEqual(await subjects(2), ['Subject: [lb1] VRRP Instance VI_1 - Entering BACKUP state', 'Subject: [lb1] VRRP Instance VI_1 - Entering MASTER state']);
    await proc.stop();
    assert.deepEqual((await subjects(3)).filter((x) => /Stopping/.test(x ?? '')), ['Subject: [lb1] VRRP Instance VI_1 - Stopping']);
  } finally {
    server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
