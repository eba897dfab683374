import test from 'node:test';
import assert from 'node:assert/strict';
import { parseInetAton, parseServerAddress, parseSigned, parseTimer, parseUnsigned, splitQuotedEscaped } from '../../../src/config/schema/lvs/read.js';
import { parseHexString } from '../../../src/config/schema/lvs/checkers/udp-check.js';

test('parseUnsigned: strtoul rules and keepalived\'s reasons', () => {
  assert.deepEqual(parseUnsigned('42', 0, 100), { ok: true, value: 42 });
  assert.deepEqual(parseUnsigned('+7', 0, 100), { ok: true, value: 7 });
  assert.deepEqual(parseUnsigned('007', 0, 100), { ok: true, value: 7 });
  assert.deepEqual(parseUnsigned('-1', 0, 100), { ok: false, reason: "negative number '-1'" });
  assert.deepEqual(parseUnsigned('4x', 0, 100), { ok: false, reason: "invalid number '4x'" });
  assert.deepEqual(parseUnsigned('101', 0, 100), { ok: false, reason: "number '101' outside range [0, 100]" });
  assert.deepEqual(parseUnsigned('99999999999', 0, 100), { ok: false, reason: "number '99999999999' outside unsigned integer range" });
});

test('parseSigned: strtol rules', () => {
  assert.deepEqual(parseSigned('-5', -10, 10), { ok: true, value: -5 });
  assert.equal(parseSigned('5.5', -10, 10).ok, false);
});

test('parseTimer: seconds with 6 decimals; more are reported but rounded and kept', () => {
  assert.deepEqual(parseTimer('1.5', 1, undefined), { ok: true, value: 1.5 });
  assert.deepEqual(parseTimer('.25', 1, undefined), { ok: true, value: 0.25 });
  assert.deepEqual(parseTimer('3', 0, 4294967295), { ok: true, value: 3 });
  assert.deepEqual(parseTimer('0', 1, undefined), { ok: false, reason: "number '0' outside range [0.000001, 18446744073709.551614]" });
  assert.deepEqual(parseTimer('5000', 1, 4294967295), { ok: false, reason: "number '5000' outside range [0.000001, 4294.967295]" });
  assert.deepEqual(parseTimer('-1', 0, undefined), { ok: false, reason: "negative number '-1'" });
  assert.deepEqual(parseTimer('soon', 0, undefined), { ok: false, reason: "invalid number 'soon'" });
  assert.deepEqual(parseTimer('1.0000005', 0, undefined), { ok: false, reason: "number '1.0000005' has too many decimal places", value: 1.000001 });
});

test('parseInetAton: the liberal IPv4 forms getaddrinfo accepts', () => {
  assert.equal(parseInetAton('255.255.255.0')?.text, '255.255.255.0');
  assert.equal(parseInetAton('24')?.text, '0.0.0.24');
  assert.equal(parseInetAton('0xff.0377.1')?.text, '255.255.0.1');
  assert.equal(parseInetAton('1.2.3.4.5'), undefined);
  assert.equal(parseInetAton('256.1.1.1'), undefined);
  assert.equal(parseInetAton('a.b'), undefined);
});

test('parseServerAddress: family by colon, range and prefix suffixes dropped', () => {
  assert.deepEqual(parseServerAddress('10.0.0.1-5')?.address.text, '10.0.0.1');
  assert.deepEqual(parseServerAddress('fd00::1/64')?.suffix, '/64');
  assert.equal(parseServerAddress('010.0.0.1'), undefined);
  assert.equal(parseServerAddress('fe80::1%eth0'), undefined);
  assert.equal(parseServerAddress('host.example'), undefined);
});

test('splitQuotedEscaped: keepalived\'s re-reading of script lines', () => {
  assert.deepEqual(splitQuotedEscaped(`/bin/x "a b" 'c d' e\\ f`), ['/bin/x', 'a b', 'c d', 'e f']);
  assert.deepEqual(splitQuotedEscaped('a"b c"d'), ['ab cd']);
  assert.deepEqual(splitQuotedEscaped('x\\ty \\x41 \\101'), ['x\ty', 'A', 'A']);
  assert.equal(splitQuotedEscaped('"open'), undefined);
  assert.equal(splitQuotedEscaped('trailing\\'), undefined);
});

test('parseHexString: keepalived\'s read_hex_str', () => {
  assert.deepEqual(parseHexString('Ab12f 3 456 546443123', false), { data: 'ab120f0345065464431203' });
  assert.deepEqual(parseHexString('0dxX', true), { data: '0d00', mask: '00ff' });
  assert.equal(parseHexString('0dxX', false), undefined);
  assert.equal(parseHexString('', false), undefined);
  assert.equal(parseHexString('zz', false), undefined);
});
