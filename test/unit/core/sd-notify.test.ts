// systemd's notify protocol: the messages, the watchdog period, errors, real datagrams to a path and an
// abstract NOTIFY_SOCKET, and the daemon's READY / RELOADING / STOPPING around start, SIGHUP and SIGTERM.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { notifyMessage, notifySocketOf, SdNotify, watchdogIntervalMs } from '../../../src/core/sd-notify.js';
import { listenDgram, uniqueSocketName, type DgramListener } from '../native/unix-dgram-listener.js';
import { startDaemon } from './daemon-in-netns.js';

const fields = (text: string) => Object.fromEntries(text.split('\n').map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));

describe('sd-notify: the protocol, without a socket', () => {
  test('NOTIFY_SOCKET: an absolute path or @abstract; anything else is reported, not used', () => {
    assert.deepEqual(notifySocketOf({}), {});
    assert.deepEqual(notifySocketOf({ NOTIFY_SOCKET: '' }), {});
    assert.deepEqual(notifySocketOf({ NOTIFY_SOCKET: '/run/systemd/notify' }), { socket: '/run/systemd/notify' });
    assert.deepEqual(notifySocketOf({ NOTIFY_SOCKET: '@/org/freedesktop/systemd1/notify' }), { socket: '@/org/freedesktop/systemd1/notify' });
    assert.deepEqual(notifySocketOf({ NOTIFY_SOCKET: 'vsock:2:1234' }), { unsupported: 'vsock:2:1234' });
    assert.deepEqual(notifySocketOf({ NOTIFY_SOCKET: '@' }), { unsupported: '@' });
    const errors: string[] = [];
    const n = new SdNotify({ env: { NOTIFY_SOCKET: 'relative/sock' }, onError: (e) => errors.push(e.message) });
    assert.equal(n.enabled, false);
    assert.equal(n.ready(), false);
    assert.match(errors[0], /NOTIFY_SOCKET 'relative\/sock' is not a unix socket path/);
  });

  test('WATCHDOG_USEC / 2, only when WATCHDOG_PID is unset or ours', () => {
    assert.equal(watchdogIntervalMs({}, 10), undefined);
    assert.equal(watchdogIntervalMs({ WATCHDOG_USEC: '30000000' }, 10), 15_000);
    assert.equal(watchdogIntervalMs({ WATCHDOG_USEC: '30000000', WATCHDOG_PID: '10' }, 10), 15_000);
    assert.equal(watchdogIntervalMs({ WATCHDOG_USEC: '30000000', WATCHDOG_PID: '11' }, 10), undefined);
    assert.equal(watchdogIntervalMs({ WATCHDOG_USEC: '0' }, 10), undefined);
    assert.equal(watchdogIntervalMs({ WATCHDOG_USEC: 'soon' }, 10), undefined);
    assert.equal(watchdogIntervalMs({ WATCHDOG_USEC: '1000' }, 10), 1); // never a 0 ms interval
  });

  test('messages: READY with MAINPID, RELOADING with MONOTONIC_USEC, STOPPING, STATUS, ERRNO, WATCHDOG', () => {
    const sent: Array<[string, string]> = [];
    const n = new SdNotify({ env: { NOTIFY_SOCKET: '/x' }, pid: 77, send: (s, m) => void sent.push([s, m]), monotonicUsec: () => 123456789n });
    n.ready('Startup complete');
    n.reloading('Reloading');
    n.stopping();
    n.status('2 instances MASTER');
    n.errno(2, 'config error');
    n.mainPid(78);
    n.watchdog();
    assert.ok(sent.every(([s]) => s === '/x'));
    assert.deepEqual(sent.map(([, m]) => m), [
      'READY=1\nSTATUS=Startup complete\nMAINPID=77',
      'RELOADING=1\nMONOTONIC_USEC=123456789\nSTATUS=Reloading',
      'STOPPING=1',
      'STATUS=2 instances MASTER',
      'STATUS=config error\nERRNO=2',
      'MAINPID=78',
      'WATCHDOG=1',
    ]);
  });

  test('a newline in a status cannot smuggle in another assignment', () => {
    assert.equal(notifyMessage([['STATUS', 'bad\nREADY=1']]), 'STATUS=bad READY=1');
  });

  test('without NOTIFY_SOCKET every call is a no-op and nothing is sent', () => {
    let sends = 0;
    const n = new SdNotify({ env: { WATCHDOG_USEC: '1000000' }, send: () => void sends++ });
    assert.equal(n.enabled, false);
    assert.equal(n.ready(), false);
    assert.equal(n.startWatchdog(), false);
    assert.equal(sends, 0);
  });

  test('a failing send never throws; the same failure is reported once, until a send succeeds', () => {
    const errors: Error[] = [];
    let fail = true;
    const n = new SdNotify({
      env: { NOTIFY_SOCKET: '/x' },
      send: () => { if (fail) throw Object.assign(new Error('sendto ECONNREFUSED'), { code: 'ECONNREFUSED' }); },
      onError: (e) => errors.push(e),
    });
    assert.equal(n.watchdog(), false);
    assert.equal(n.watchdog(), false);
    assert.equal(errors.length, 1);
    assert.match(errors[0].message, /sd_notify to \/x: sendto ECONNREFUSED/);
    fail = false;
    assert.equal(n.watchdog(), true);
    fail = true;
    n.watchdog();
    assert.equal(errors.length, 2);
  });
});

describe('sd-notify: real datagrams', () => {
  const open: DgramListener[] = [];
  after(() => open.forEach((l) => l.close()));

  for (const abstract of [false, true]) {
    test(`READY, STATUS, RELOADING, STOPPING reach a ${abstract ? 'abstract (@name)' : 'path'} NOTIFY_SOCKET`, async () => {
      const l = await listenDgram(uniqueSocketName(abstract));
      open.push(l);
      const errors: Error[] = [];
      const n = new SdNotify({ env: { NOTIFY_SOCKET: l.name }, onError: (e) => errors.push(e) });
      assert.ok(n.ready('Startup complete'));
      assert.ok(n.status('up'));
      assert.ok(n.reloading());
      assert.ok(n.stopping());
      await l.waitFor((t) => t.startsWith('STOPPING'));
      assert.deepEqual(errors, []);
      const got = l.received.map(String);
      assert.equal(got[0], `READY=1\nSTATUS=Startup complete\nMAINPID=${process.pid}`);
      assert.equal(got[1], 'STATUS=up');
      assert.match(got[2], /^RELOADING=1\nMONOTONIC_USEC=\d+$/);
      assert.equal(got[3], 'STOPPING=1');
    });
  }

  test('the watchdog pings at half WATCHDOG_USEC and stops when told', async () => {
    const l = await listenDgram(uniqueSocketName(true));
    open.push(l);
    const n = new SdNotify({ env: { NOTIFY_SOCKET: l.name, WATCHDOG_USEC: '100000', WATCHDOG_PID: String(process.pid) } });
    assert.equal(n.watchdogInterval, 50);
    const t0 = Date.now();
    assert.ok(n.startWatchdog());
    await l.waitFor(() => l.received.length >= 4, 3000);
    const elapsed = Date.now() - t0;
    n.stopWatchdog();
    assert.ok(l.received.every((b) => b.toString() === 'WATCHDOG=1'));
    assert.ok(elapsed >= 140, `4 pings (1 at once, 3 at 50 ms) took ${elapsed} ms`);
    await new Promise((r) => setTimeout(r, 200));
    const settled = l.received.length;
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(l.received.length, settled);
  });

  test('a watchdog meant for another pid is not ours to ping', () => {
    const n = new SdNotify({ env: { NOTIFY_SOCKET: '@none', WATCHDOG_USEC: '100000', WATCHDOG_PID: String(process.pid + 1) }, send: () => assert.fail('sent') });
    assert.equal(n.startWatchdog(), false);
  });

  test('a NOTIFY_SOCKET nobody listens on: reported once, the caller carries on', () => {
    const errors: Error[] = [];
    const n = new SdNotify({ env: { NOTIFY_SOCKET: uniqueSocketName(false) }, onError: (e) => errors.push(e) });
    assert.equal(n.ready(), false);
    assert.equal(n.stopping(), false);
    assert.equal(errors.length, 1);
    assert.match(errors[0].message, /ENOENT/);
  });
});

describe('sd-notify: the daemon', () => {
  const open: DgramListener[] = [];
  after(() => open.forEach((l) => l.close()));

  test('READY=1 with MAINPID after Startup complete; RELOADING=1 then READY=1 around SIGHUP; STOPPING=1 on SIGTERM; watchdog pings', async () => {
    // a path: abstract socket names are per network namespace, and the daemon runs in its own
    const l = await listenDgram(uniqueSocketName(false));
    open.push(l);
    const d = startDaemon(['-n', '-l'], { NOTIFY_SOCKET: l.name, WATCHDOG_USEC: '400000' });
    try {
      const ready = fields(await l.waitFor((t) => t.startsWith('READY=1'), 15_000));
      assert.deepEqual(ready, { READY: '1', STATUS: 'Startup complete', MAINPID: String(d.child.pid) });
      await d.waitLine(/: Startup complete$/);
      await l.waitFor((t) => t === 'WATCHDOG=1', 3000);

      const mark = l.received.length;
      d.child.kill('SIGHUP');
      await d.waitLine(/: Reload complete$/);
      const reloading = await l.waitFor((t) => t.startsWith('RELOADING=1'), 5000, mark);
      assert.match(reloading, /^RELOADING=1\nMONOTONIC_USEC=\d+\nSTATUS=Reloading$/);
      await l.waitFor((t) => t.startsWith('READY=1'), 5000, mark);
      const after = l.received.slice(mark).map(String).filter((t) => t !== 'WATCHDOG=1');
      assert.deepEqual(after.map((t) => t.split('\n')[0]), ['RELOADING=1', 'READY=1']);
      assert.equal(fields(after[1]).STATUS, 'Reload complete');

      const beforeStop = l.received.length;
      assert.equal(await d.stop(), 0);
      const stopping = await l.waitFor((t) => t.startsWith('STOPPING=1'), 5000, beforeStop);
      assert.equal(stopping, 'STOPPING=1\nSTATUS=Stopping');
      // nothing but the usual console lines on stderr: no notify error was logged
      assert.deepEqual(d.lines.filter((l) => /sd_notify|NOTIFY_SOCKET/.test(l)), []);
    } finally {
      d.cleanup();
    }
  });
});
