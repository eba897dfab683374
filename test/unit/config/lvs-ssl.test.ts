import test from 'node:test';
import assert from 'node:assert/strict';
import { load } from './lvs-helpers.js';

test('SSL block: password, ca, certificate, key', () => {
  const r = load('SSL {\n  password secret\n  ca /etc/ssl/ca.pem\n  certificate /etc/ssl/c.pem\n  key /etc/ssl/k.pem\n}\n');
  assert.deepEqual(r.problems(), []);
  assert.deepEqual(r.config.lvs.ssl, {
    pos: { file: r.file, line: 1, col: 1 },
    password: 'secret',
    ca: '/etc/ssl/ca.pem',
    certificate: '/etc/ssl/c.pem',
    key: '/etc/ssl/k.pem',
  });
});

test('no SSL block: no context (keepalived generates one for SSL_GET)', () => {
  assert.equal(load('').config.lvs.ssl, undefined);
});

test('SSL errors: missing value, repeated value, repeated block, unknown keyword', () => {
  const r = load('SSL {\n  password\n  ca /a\n  ca /b\n  foo bar\n}\nSSL {\n}\n');
  assert.deepEqual(r.problems(), [
    '2:3 SSL password missing',
    '4:3 SSL cafile already specified - replacing',
    "5:3 Unknown keyword 'foo' in SSL",
    '7:1 SSL context already specified - replacing',
  ]);
  assert.deepEqual(r.config.lvs.ssl, { pos: { file: r.file, line: 7, col: 1 } });
});
