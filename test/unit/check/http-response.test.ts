// The pure parts of HTTP_GET/SSL_GET and SMTP_CHECK: keepalived's response reading and judging
// rules, the PCRE2 → JS regex translation, and SMTP reply lines. No sockets.
import test from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import {
  HttpResponseReader,
  extractContentLength,
  extractStatusCode,
  judgeHttpResponse,
  statusAccepted,
  MAX_BUFFER_LENGTH,
  type HttpResponseSummary,
} from '../../../src/check/checkers/http-response.js';
import { compilePcre, execFrom } from '../../../src/check/checkers/pcre.js';
import { SmtpLineBuffer, smtpStatus } from '../../../src/check/checkers/smtp-reply.js';
import { url } from './checker-helpers.js';

const b = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));
const md5 = (s: string): string => createHash('md5').update(b(s)).digest('hex');

function read(chunks: string[], opts: ConstructorParameters<typeof HttpResponseReader>[0] = { digest: true }): HttpResponseSummary {
  const r = new HttpResponseReader(opts);
  for (const c of chunks) if (r.push(b(c)) === 'full') break;
  return r.finish();
}

function regex(pattern: string, options: string[] = [], minOffset = 0, maxOffset = 0) {
  const c = compilePcre(pattern, options);
  assert.ok(c.ok, c.ok ? '' : c.error);
  return { compiled: c.regex, minOffset, maxOffset };
}

test('status code: 3 digits after the first space, then a space', () => {
  assert.equal(extractStatusCode(b('HTTP/1.1 200 OK\r\n\r\n')), 200);
  assert.equal(extractStatusCode(b('HTTP/1.0 404 Not Found\r\n\r\n')), 404);
  assert.equal(extractStatusCode(b('HTTP/1.1 200\r\n\r\n')), 0, 'no reason phrase: unreadable');
  assert.equal(extractStatusCode(b('HTTP/1.1  200 OK\r\n\r\n')), 0, 'two spaces');
  assert.equal(extractStatusCode(b('HTTP/1.1 2000 OK\r\n\r\n')), 0);
  assert.equal(extractStatusCode(b('HTTP/1.1 20x OK\r\n\r\n')), 0);
  assert.equal(extractStatusCode(b('\r\nHTTP/1.1 200 OK\r\n\r\n')), 0, 'a leading CRLF stops the scan');
  assert.equal(extractStatusCode(b('ICY 200 OK\r\n\r\n')), 200, 'the protocol token is not checked');
});

test('Content-Length: case-sensitive, strtoul, then CR/LF/end only', () => {
  assert.equal(extractContentLength(b('HTTP/1.0 200 OK\r\nContent-Length: 12\r\n\r\n')), 12n);
  assert.equal(extractContentLength(b('HTTP/1.0 200 OK\r\ncontent-length: 12\r\n\r\n')), undefined);
  assert.equal(extractContentLength(b('HTTP/1.0 200 OK\r\nContent-Length: 12 \r\n\r\n')), undefined, 'trailing blank');
  assert.equal(extractContentLength(b('HTTP/1.0 200 OK\r\nContent-Length:\r\n\r\n')), 0n, 'no digits: strtoul gives 0, end at CR');
  assert.equal(extractContentLength(b('HTTP/1.0 200 OK\r\nContent-Length: abc\r\n\r\n')), undefined);
  assert.equal(extractContentLength(b('HTTP/1.0 200 OK\r\nContent-Length: -1\r\n\r\n')), undefined, '-1 is SIZE_MAX');
  assert.equal(extractContentLength(b('HTTP/1.0 200 OK\r\nContent-Length: -2\r\n\r\n')), (1n << 64n) - 2n);
  assert.equal(extractContentLength(b('HTTP/1.0 200 OK\r\nX: 1\r\n\r\nbody Content-Length: 3\r\n')), 3n, 'found in the body too');
  assert.equal(extractContentLength(b('HTTP/1.0 200 OK\r\n\0Content-Length: 3\r\n\r\n')), undefined, 'strstr stops at NUL');
});

test('reader: header split across chunks, digest over the body, rx bytes', () => {
  const s = read(['HTTP/1.0 200 OK\r', '\nServer: x\r\n\r', '\nhel', 'lo']);
  assert.deepEqual(s, { headerComplete: true, statusCode: 200, rxBytes: 5, digest: md5('hello'), regexMatched: false });
});

test('reader: digest capped at Content-Length; bytes beyond are counted, not hashed', () => {
  const s = read(['HTTP/1.0 200 OK\r\nContent-Length: 3\r\n\r\nhello', ' world']);
  assert.equal(s.digest, md5('hel'));
  assert.equal(s.rxBytes, 11);
  assert.equal(s.contentLength, 3n);
  const short = read(['HTTP/1.0 200 OK\r\nContent-Length: 10\r\n\r\nhello']);
  assert.equal(short.digest, md5('hello'));
});

test('reader: chunked bodies are hashed raw (keepalived does not decode them)', () => {
  const body = '5\r\nhello\r\n0\r\n\r\n';
  const s = read([`HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n${body}`]);
  assert.equal(s.digest, md5(body));
});

test('reader: no CRLF CRLF → no header; a header beyond 4095 bytes fills the buffer', () => {
  assert.equal(read(['HTTP/1.0 200 OK\n\nhello']).headerComplete, false, 'LF-only header end');
  const big = 'HTTP/1.0 200 OK\r\nX: ' + 'a'.repeat(MAX_BUFFER_LENGTH) + '\r\n\r\nbody';
  const r = new HttpResponseReader({ digest: false });
  assert.equal(r.push(b(big)), 'full');
  assert.equal(r.finish().headerComplete, false);
  // exactly fitting: CRLF CRLF ends at byte 4095
  const fit = 'HTTP/1.0 200 OK\r\nX: ';
  const exact = fit + 'a'.repeat(MAX_BUFFER_LENGTH - 1 - fit.length - 4) + '\r\n\r\n';
  assert.equal(exact.length, MAX_BUFFER_LENGTH - 1);
  const s = read([exact + 'tail']);
  assert.equal(s.headerComplete, true);
  assert.equal(s.digest, md5('tail'), 'bytes past the buffer are read later as body');
});

test('judge: keepalived order and wording', () => {
  const ok = read(['HTTP/1.0 200 OK\r\n\r\nhello']);
  assert.deepEqual(judgeHttpResponse(url('/'), ok).verdict, { ok: true, what: 'HTTP status code' });
  assert.deepEqual(judgeHttpResponse(url('/', { digest: md5('hello') }), ok).verdict, { ok: true, what: 'MD5 digest' });
  assert.deepEqual(judgeHttpResponse(url('/', { digest: md5('x') }), ok).verdict, { ok: false, reason: 'digest', detail: 'MD5 digest error to' });
  const bad = read(['HTTP/1.0 503 Busy\r\n\r\n']);
  assert.deepEqual(judgeHttpResponse(url('/'), bad).verdict, { ok: false, reason: 'status', detail: 'HTTP status code error to' });
  assert.deepEqual(judgeHttpResponse(url('/', { statusCodes: [[500, 503]] }), bad).verdict, { ok: true, what: 'HTTP status code' });
  assert.deepEqual(judgeHttpResponse(url('/'), read(['garbage'])).verdict, { ok: false, reason: 'no-data', detail: 'Read, no data received from' });
  const mism = read(['HTTP/1.0 200 OK\r\nContent-Length: 9\r\n\r\nhello']);
  assert.deepEqual(judgeHttpResponse(url('/'), mism).lengthMismatch, { contentLength: 9n, rxBytes: 5 });
  assert.equal(judgeHttpResponse(url('/'), read(['HTTP/1.0 500 x\r\nContent-Length: 9\r\n\r\nhello'])).lengthMismatch, undefined, 'not after a status error');
  assert.equal(statusAccepted([[100, 700]], 600), false, 'keepalived only knows 100..599');
});

test('judge: regex and regex_no_match, min/max offsets over the body only', () => {
  const resp = ['HTTP/1.0 200 OK\r\nX-Tag: MARK\r\n\r\n0123456789MARK'];
  const rx = (pattern: string, extra: Partial<{ noMatch: boolean; min: number; max: number }> = {}) => {
    const u = url('/', { regex: { pattern, options: [], noMatch: extra.noMatch ?? false, minOffset: extra.min ?? 0, maxOffset: extra.max ?? 0 } });
    const s = read(resp, { digest: false, regex: regex(pattern, [], extra.min ?? 0, extra.max ?? 0) });
    return judgeHttpResponse(u, s).verdict;
  };
  assert.deepEqual(rx('MARK'), { ok: true, what: 'Regex match' });
  assert.deepEqual(rx('^0123'), { ok: true, what: 'Regex match' }, 'anchored at the body start, not the header');
  assert.deepEqual(rx('nope'), { ok: false, reason: 'regex', detail: 'Regex match failed' });
  assert.deepEqual(rx('nope', { noMatch: true }), { ok: true, what: 'Regex match' });
  assert.deepEqual(rx('MARK', { noMatch: true }), { ok: false, reason: 'regex', detail: 'Regex match failed' });
  assert.deepEqual(rx('MARK', { min: 10 }).ok, true, 'match starts at 10');
  assert.deepEqual(rx('MARK', { min: 11 }).ok, false);
  assert.deepEqual(rx('MARK', { max: 11 }).ok, true, 'max is one beyond the last start');
  assert.deepEqual(rx('MARK', { max: 10 }).ok, false);
  assert.deepEqual(rx('(?<=9)MARK', { min: 10 }).ok, true, 'lookbehind sees before min_offset');
  // an empty body never runs the regex, so even an empty pattern does not match
  const empty = read(['HTTP/1.0 200 OK\r\n\r\n'], { digest: false, regex: regex('') });
  assert.equal(empty.regexMatched, false);
});

test('regex over a long body: windows overlap, matches far in are found', () => {
  const r = new HttpResponseReader({ digest: false, regex: regex('NEEDLE', [], 0, 0) });
  r.push(b('HTTP/1.0 200 OK\r\n\r\n'));
  const filler = 'x'.repeat(300_000);
  for (let i = 0; i < 10; i++) r.push(b(filler));
  r.push(b('xxNEE'));
  r.push(b('DLExx'));
  assert.equal(r.finish().regexMatched, true);
  const r2 = new HttpResponseReader({ digest: false, regex: regex('^x', [], 0, 0) });
  r2.push(b('HTTP/1.0 200 OK\r\n\r\ny'));
  for (let i = 0; i < 10; i++) r2.push(b(filler));
  assert.equal(r2.finish().regexMatched, false, '^ is the body start, not a window start');
});

test('PCRE2 → JS: PCRE2 meanings kept where JS differs', () => {
  const m = (pattern: string, subject: string, options: string[] = []): boolean => {
    const c = compilePcre(pattern, options);
    assert.ok(c.ok, c.ok ? '' : c.error);
    return execFrom(c.regex, subject, 0) !== undefined;
  };
  assert.equal(m('a.b', 'a\rb'), true, '. matches CR');
  assert.equal(m('a.b', 'a\nb'), false);
  assert.equal(m('a.b', 'a\nb', ['dotall']), true);
  assert.equal(m('end$', 'the end\n'), true, '$ before a final newline');
  assert.equal(m('end$', 'the end\n', ['dollar_endonly']), false);
  assert.equal(m('^two', 'one\ntwo'), false);
  assert.equal(m('^two', 'one\ntwo', ['multiline']), true);
  assert.equal(m('one$', 'one\r\ntwo', ['multiline']), false, 'only LF ends a line');
  assert.equal(m('ABC', 'xabcx', ['caseless']), true);
  assert.equal(m('(?i)ABC', 'xabcx'), true, 'leading option setting');
  assert.equal(m('a\\sb', 'a\xa0b'), false, '\\s is ASCII white space');
  assert.equal(m('\\Aab', 'ab'), true);
  assert.equal(m('ab\\z', 'ab\n'), false);
  assert.equal(m('ab\\Z', 'ab\n'), true);
  assert.equal(m('[[:digit:]]+x', 'a12x'), true);
  assert.equal(m('[]a]', ']'), true, 'leading ] is literal');
  assert.equal(m('\\Qa.b\\E', 'a.b'), true);
  assert.equal(m('\\Qa.b\\E', 'axb'), false);
  assert.equal(m('(?P<w>ab)(?P=w)', 'abab'), true);
  assert.equal(m('a b # comment', 'ab', ['extended']), true);
  assert.equal(m('a(?#note)b', 'ab'), true);
  assert.equal(m('\\x41\\x{42}', 'AB'), true);
  assert.equal(m('é', 'caf\xc3\xa9'), true, 'a UTF-8 pattern matches the body bytes');
  const ungreedy = compilePcre('a.+', ['ungreedy']);
  assert.ok(ungreedy.ok);
  assert.equal(ungreedy.ok && ungreedy.regex.re.exec('abbb')![0], 'ab');
  const first = compilePcre('b', ['firstline']);
  assert.ok(first.ok);
  assert.equal(first.ok && execFrom(first.regex, 'a\nb', 0), undefined);
  for (const bad of ['a++', '(?>a)', '(?i:a)', '\\Ga', 'a(?R)']) {
    const c = compilePcre(bad, []);
    assert.equal(c.ok, false, bad);
  }
});

test('SMTP replies: 3 digits then space or end; one line per reply, rest of the read dropped', () => {
  assert.equal(smtpStatus('220 mail.example ESMTP\r'), 220);
  assert.equal(smtpStatus('220'), 220);
  assert.equal(smtpStatus('220\r'), -1);
  assert.equal(smtpStatus('220-first line\r'), -1);
  assert.equal(smtpStatus('2200 x'), -1);
  const l = new SmtpLineBuffer();
  l.expectLine();
  assert.equal(l.push(b('220 hi')), undefined);
  assert.equal(l.push(b('\r\n250 dropped\r\n')), '220 hi\r');
  l.expectLine();
  assert.equal(l.drain(), undefined, 'the rest of that read was dropped');
  // a line longer than the buffer: the first 511 bytes are read, the next read wraps the buffer
  // (keepalived logs an overflow) and finds the newline in the rest
  const long = new SmtpLineBuffer();
  long.expectLine();
  assert.equal(long.push(b('220 ' + 'x'.repeat(600) + '\r\n')), 'x'.repeat(604 - 511) + '\r');
  assert.equal(long.overflows, 1);
  // bytes not yet read when a line completed stay for the next reply
  const split = new SmtpLineBuffer();
  split.expectLine();
  assert.equal(split.push(b('x'.repeat(509) + '\r\n250 ok\r\n')), 'x'.repeat(509) + '\r');
  split.expectLine();
  assert.equal(split.drain(), '250 ok\r');
});
