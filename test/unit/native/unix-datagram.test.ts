// The addon's sendUnixDatagram: one datagram, bytes intact, to a path or an abstract socket; clear errors.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { sendUnixDatagram, unixAddress } from '../../../src/native/index.js';
import { listenDgram, uniqueSocketName, type DgramListener } from './unix-dgram-listener.js';

describe('sendUnixDatagram', () => {
  const open: DgramListener[] = [];
  after(() => open.forEach((l) => l.close()));

  test('a datagram to a socket path arrives as one message, bytes intact', async () => {
    const l = await listenDgram(uniqueSocketName(false));
    open.push(l);
    const bytes = Buffer.from([0, 1, 2, 255, 10, 0x41]);
    sendUnixDatagram(l.name, bytes);
    sendUnixDatagram(l.name, 'READY=1\nSTATUS=up');
    await l.waitFor((t) => t.startsWith('READY'));
    assert.deepEqual(l.received[0], bytes);
    assert.equal(l.received[1].toString(), 'READY=1\nSTATUS=up');
  });

  test('an abstract socket (@name) is reached by its name, not a file', async () => {
    const l = await listenDgram(uniqueSocketName(true));
    open.push(l);
    sendUnixDatagram(l.name, 'WATCHDOG=1');
    assert.equal(await l.waitFor(() => true), 'WATCHDOG=1');
  });

  test('the abstract address is a NUL then the name, with no terminator', () => {
    assert.deepEqual(unixAddress('@x/y'), Buffer.from('\0x/y', 'latin1'));
    assert.deepEqual(unixAddress('/run/systemd/notify'), Buffer.from('/run/systemd/notify'));
  });

  test('no such socket: a Node-style ENOENT / ECONNREFUSED error, never a crash', () => {
    assert.throws(() => sendUnixDatagram(uniqueSocketName(false), 'x'), (e: NodeJS.ErrnoException) => e.code === 'ENOENT' && e.syscall === 'sendto');
    assert.throws(() => sendUnixDatagram(uniqueSocketName(true), 'x'), (e: NodeJS.ErrnoException) => e.code === 'ECONNREFUSED');
  });

  test('a name longer than sun_path is refused, not truncated', () => {
    assert.throws(() => sendUnixDatagram(`/tmp/${'a'.repeat(200)}`, 'x'), (e: NodeJS.ErrnoException) => e.code === 'ENAMETOOLONG');
  });
});
