// HTTP_GET / SSL_GET against real servers on 127.0.0.1 and ::1. The request bytes are compared with
// what /usr/bin/genhash sends: genhash is keepalived 2.2.7's own HTTP checker code
// (http_request_thread, the same request templates) run as a command, so it is the reference
// for the bytes keepalived's checker puts on the wire, and for the digest.
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import tls from 'node:tls';
import { createHash } from 'node:crypto';
import { httpRequest, probeHttp, probeHttpUrl } from '../../../src/check/checkers/http.js';
import { loadSslMaterial } from '../../../src/check/checkers/tls-context.js';
import type { HttpCheck } from '../../../src/config/model/lvs.js';
import {
  closedPort,
  connection,
  genhash,
  hangingListener,
  httpCheck,
  onRequest,
  probeContext,
  selfSignedCert,
  sleep,
  startServer,
  url,
  type TestServer,
} from './checker-helpers.js';

const RS = '[10.1.1.1]:tcp:80';
const md5 = (s: string | Buffer): string => createHash('md5').update(s).digest('hex');

/** A server answering each request with `response(request)`, recording the requests. */
async function httpServer(response: (request: string) => string | Buffer, host = '127.0.0.1'): Promise<TestServer & { requests: string[] }> {
  const requests: string[] = [];
  const srv = await startServer(
    (s) =>
      onRequest(s, (req) => {
        requests.push(req);
        s.end(response(req));
      }),
    host,
  );
  return Object.assign(srv, { requests });
}

const OK = 'HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nhello world\n';

let cert: ReturnType<typeof selfSignedCert>;
before(() => {
  cert = selfSignedCert();
});
after(() => cert?.cleanup());

test('request bytes equal genhash (keepalived) for 1.0, 1.0C, 1.1, virtualhost and IPv6', async () => {
  const srv4 = await httpServer(() => OK);
  const srv6 = await httpServer(() => OK, '::1');
  try {
    const cases: Array<{ co: ReturnType<typeof connection>; proto: HttpCheck['httpProtocol']; vhost?: string; path: string; args: string[] }> = [
      { co: connection(srv4.port), proto: '1.0', path: '/index.html', args: ['-s', '127.0.0.1', '-p', `${srv4.port}`, '-u', '/index.html'] },
      { co: connection(srv4.port), proto: '1.0C', path: '/a?b=c', args: ['-s', '127.0.0.1', '-p', `${srv4.port}`, '-u', '/a?b=c', '-P', '1.0c'] },
      { co: connection(srv4.port), proto: '1.1', path: '/', args: ['-s', '127.0.0.1', '-p', `${srv4.port}`, '-u', '/', '-P', '1.1'] },
      {
        co: connection(srv4.port),
        proto: '1.1',
        vhost: 'www.example.com',
        path: '/v',
        args: ['-s', '127.0.0.1', '-p', `${srv4.port}`, '-u', '/v', '-P', '1.1', '-V', 'www.example.com'],
      },
      { co: connection(srv6.port, { ip: '::1' }), proto: '1.0', path: '/six', args: ['-s', '::1', '-p', `${srv6.port}`, '-u', '/six'] },
      {
        co: connection(srv6.port, { ip: '::1' }),
        proto: '1.0',
        vhost: 'v6.example',
        path: '/six',
        args: ['-s', '::1', '-p', `${srv6.port}`, '-u', '/six', '-V', 'v6.example'],
      },
    ];
    for (const c of cases) {
      const srv = c.co.connectIp.family === 6 ? srv6 : srv4;
      const g = await genhash(c.args);
      assert.equal(g.stdout.trim(), md5('hello world\n'), `genhash ${c.args.join(' ')}: ${g.stderr}`);
      const theirs = srv.requests.pop();
      const check = httpCheck(c.co, [url(c.path, c.vhost ? { effectiveVirtualhost: c.vhost } : {})], { httpProtocol: c.proto });
      const r = await probeHttp(check, probeContext(RS));
      assert.equal(r.ok, true, r.message);
      const ours = srv.requests.pop();
      assert.equal(ours, theirs, `${c.proto} ${c.vhost ?? ''} ${c.path}`);
      assert.equal(ours, httpRequest(check, check.urls[0]));
    }
    assert.equal(
      httpRequest(httpCheck(connection(8080), [url('/x')], { httpProtocol: '1.1' }), url('/x')),
      'GET /x HTTP/1.1\r\nUser-Agent: KeepAliveClient\r\nConnection: close\r\nHost: 127.0.0.1:8080\r\n\r\n',
    );
  } finally {
    await srv4.close();
    await srv6.close();
  }
});

test('HTTP_GET: success lines, per-url connections, status ranges', async () => {
  let conns = 0;
  const srv = await startServer((s) => {
    conns++;
    onRequest(s, (req) => s.end(req.startsWith('GET /missing ') ? 'HTTP/1.0 404 Not Found\r\n\r\n' : OK));
  });
  try {
    const co = connection(srv.port);
    const r = await probeHttp(httpCheck(co, [url('/'), url('/b')]), probeContext(RS));
    assert.deepEqual(r, {
      ok: true,
      message: 'Remote Web server [10.1.1.1]:tcp:80 succeed on service.',
      notices: [],
      urlMessages: ['HTTP status code success to [10.1.1.1]:tcp:80 url(/)', 'HTTP status code success to [10.1.1.1]:tcp:80 url(/b)'],
    });
    assert.equal(conns, 2, 'one connection per url');
    const bad = await probeHttp(httpCheck(co, [url('/'), url('/missing'), url('/c')]), probeContext(RS));
    assert.equal(bad.ok, false);
    assert.equal(!bad.ok && bad.reason, 'status');
    assert.equal(bad.message, 'HTTP status code error to server [10.1.1.1]:tcp:80.');
    assert.equal(bad.failedUrl, 1);
    assert.equal(conns, 4, 'stops at the failing url');
    const accepted = await probeHttpUrl(httpCheck(co, []), url('/missing', { statusCodes: [[404, 404]] }), probeContext(RS));
    assert.equal(accepted.ok, true);
    const none = await probeHttp(httpCheck(co, []), probeContext(RS));
    assert.equal(none.ok, true, 'no urls: up without checking');
  } finally {
    await srv.close();
  }
});

test('HTTP_GET: digest success / error, equal to genhash, capped at Content-Length, chunked raw', async () => {
  const bodies: Record<string, string> = {
    '/plain': 'HTTP/1.0 200 OK\r\n\r\n<html>plain</html>\n',
    '/capped': 'HTTP/1.0 200 OK\r\nContent-Length: 6\r\n\r\n<html>plus trailing bytes',
    '/chunked': 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n6\r\n<html>\r\n0\r\n\r\n',
    '/empty': 'HTTP/1.0 200 OK\r\n\r\n',
  };
  const srv = await httpServer((req) => bodies[req.split(' ')[1]]);
  try {
    const co = connection(srv.port);
    const expected: Record<string, string> = {
      '/plain': md5('<html>plain</html>\n'),
      '/capped': md5('<html>'),
      '/chunked': md5('6\r\n<html>\r\n0\r\n\r\n'),
    };
    for (const path of Object.keys(expected)) {
      const g = await genhash(['-s', '127.0.0.1', '-p', `${srv.port}`, '-u', path]);
      assert.equal(g.stdout.trim(), expected[path], `genhash ${path}`);
      const r = await probeHttpUrl(httpCheck(co, []), url(path, { digest: expected[path] }), probeContext(RS));
      assert.deepEqual(r, { ok: true, message: `MD5 digest success to ${RS} url(${path})`, notices: path === '/capped' ? [r.notices[0]] : [] });
    }
    const wrong = await probeHttpUrl(httpCheck(co, []), url('/plain', { digest: md5('other') }), probeContext(RS));
    assert.deepEqual(wrong, { ok: false, reason: 'digest', message: `MD5 digest error to server ${RS}.`, notices: [] });
    const empty = await probeHttpUrl(httpCheck(co, []), url('/empty', { digest: md5('') }), probeContext(RS));
    assert.equal(empty.ok, true, 'an empty body has the MD5 of nothing');
  } finally {
    await srv.close();
  }
});

test('HTTP_GET: Content-Length mismatch is noticed once per difference', async () => {
  const srv = await httpServer(() => 'HTTP/1.0 200 OK\r\nContent-Length: 10\r\n\r\nhello');
  try {
    const check = httpCheck(connection(srv.port), [url('/len', { virtualhost: 'site.example' })]);
    const ctx = probeContext(RS);
    const first = await probeHttp(check, ctx);
    assert.deepEqual(first.notices, [
      'http_check for RS [10.1.1.1]:tcp:80 VS [10.0.0.1]:tcp:80 url site.example/len: content_length (10) does not match received bytes (5)',
    ]);
    assert.equal(first.ok, true);
    const second = await probeHttp(check, ctx);
    assert.deepEqual(second.notices, []);
  } finally {
    await srv.close();
  }
});

test('HTTP_GET: regex match, no match, regex_no_match', async () => {
  const srv = await httpServer(() => 'HTTP/1.0 200 OK\r\n\r\n<title>Service OK</title>\r\nstatus: green\r\n');
  try {
    const co = connection(srv.port);
    const rx = (pattern: string, noMatch = false, options: string[] = []) =>
      probeHttpUrl(httpCheck(co, []), url('/', { regex: { pattern, options, noMatch, minOffset: 0, maxOffset: 0 } }), probeContext(RS));
    assert.deepEqual(await rx('Service OK'), { ok: true, message: `Regex match success to ${RS} url(/)`, notices: [] });
    assert.deepEqual(await rx('status: re.'), { ok: false, reason: 'regex', message: `Regex match failed server ${RS}.`, notices: [] });
    assert.equal((await rx('status: re.', true)).ok, true);
    assert.equal((await rx('service ok', false, ['caseless'])).ok, true);
    assert.equal((await rx('</title>.status', false)).ok, false, '. does not cross \\n');
    assert.equal((await rx('</title>.\\nstatus', false)).ok, true, '. matches \\r (PCRE2), unlike JS');
    const bad = await rx('(?>atomic)');
    assert.equal(bad.ok, false);
    assert.match(bad.notices[0], /^Invalid regex: '\(\?>atomic\)': /);
  } finally {
    await srv.close();
  }
});

test('HTTP_GET: refused, no data, unreadable header, read error', async () => {
  const port = await closedPort();
  const refused = await probeHttpUrl(httpCheck(connection(port), []), url('/'), probeContext(RS));
  assert.deepEqual(refused, { ok: false, reason: 'refused', message: `Connection failed server ${RS}.`, notices: [] });

  const silent = await startServer((s) => onRequest(s, () => s.end()));
  const lfOnly = await httpServer(() => 'HTTP/1.0 200 OK\n\nhello');
  const reset = await startServer((s) => onRequest(s, () => s.resetAndDestroy()));
  try {
    const r1 = await probeHttpUrl(httpCheck(connection(silent.port), []), url('/'), probeContext(RS));
    assert.equal(r1.message, `Read, no data received from server ${RS}.`);
    const r2 = await probeHttpUrl(httpCheck(connection(lfOnly.port), []), url('/'), probeContext(RS));
    assert.equal(r2.message, `Read, no data received from server ${RS}.`);
    const r3 = await probeHttpUrl(httpCheck(connection(reset.port), []), url('/'), probeContext(RS));
    assert.equal(r3.message, `Read error with server ${RS}.`);
  } finally {
    await silent.close();
    await lfOnly.close();
    await reset.close();
  }
});

test('HTTP_GET: timeouts per phase — connect, no response, trickling body past the deadline', async () => {
  const l = await hangingListener();
  const mute = await startServer(() => {});
  const trickle = await startServer((s) =>
    onRequest(s, () => {
      s.write('HTTP/1.0 200 OK\r\n\r\n');
      const t = setInterval(() => (s.destroyed ? clearInterval(t) : s.write('.')), 50);
      s.on('close', () => clearInterval(t));
    }),
  );
  try {
    const t0 = performance.now();
    const c1 = await probeHttpUrl(httpCheck(connection(l.port, { timeout: 0.3 }), []), url('/'), probeContext(RS));
    assert.equal(c1.message, `Timeout connecting server ${RS}.`);
    const c2 = await probeHttpUrl(httpCheck(connection(mute.port, { timeout: 0.3 }), []), url('/'), probeContext(RS));
    assert.equal(c2.message, `Timeout WEB read server ${RS}.`);
    // SSL: the handshake belongs to the connect phase
    const c4 = await probeHttpUrl(httpCheck(connection(mute.port, { timeout: 0.3 }), [], { kind: 'SSL_GET' }), url('/'), probeContext(RS));
    assert.equal(c4.message, `Timeout connecting server ${RS}.`);
    assert.ok(performance.now() - t0 < 2000);
    // each read arrives within connect_timeout (keepalived's idle timer never fires): the
    // transaction deadline ends it
    const t1 = performance.now();
    const c3 = await probeHttpUrl(httpCheck(connection(trickle.port, { timeout: 0.3 }), []), url('/'), probeContext(RS, { deadlineMs: 600 }));
    const ms = performance.now() - t1;
    assert.deepEqual(c3, { ok: false, reason: 'timeout', message: `Timeout HTTP read server ${RS}.`, notices: [] });
    assert.ok(ms >= 550 && ms < 1500, `took ${ms} ms`);
  } finally {
    l.stop();
    await mute.close();
    await trickle.close();
  }
});

test('HTTP_GET: an aborted transaction settles at once and closes the socket', async () => {
  let closed = false;
  const mute = await startServer((s) => s.resume().on('close', () => (closed = true)));
  try {
    const ac = new AbortController();
    const p = probeHttp(httpCheck(connection(mute.port, { timeout: 10 }), [url('/'), url('/2')]), probeContext(RS, { signal: ac.signal }));
    await sleep(100);
    const t0 = performance.now();
    ac.abort();
    const r = await p;
    const ms = performance.now() - t0;
    assert.ok(ms < 200, `took ${ms} ms`);
    assert.equal(r.ok, false);
    assert.equal(r.message, `Timeout WEB read server ${RS}.`);
    assert.equal(r.failedUrl, 0);
    await sleep(50);
    assert.equal(closed, true, 'the server saw the connection close');
  } finally {
    await mute.close();
  }
});

/** A TLS server recording SNI names and requests. */
async function tlsServer(response: string, opts: tls.TlsOptions = {}): Promise<TestServer & { sni: Array<string | false>; requests: string[] }> {
  const sni: Array<string | false> = [];
  const requests: string[] = [];
  const server = tls.createServer({ key: cert.key, cert: cert.cert, ...opts }, (s) => {
    sni.push(s.servername ?? false);
    s.on('error', () => {});
    onRequest(s, (req) => {
      requests.push(req);
      s.end(response);
    });
  });
  server.on('tlsClientError', () => {});
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    port: (server.address() as net.AddressInfo).port,
    sni,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

test('SSL_GET: self-signed certificate accepted, SNI only with enable_sni, same request as genhash -S', async () => {
  const srv = await tlsServer(OK);
  try {
    const co = connection(srv.port);
    const check = httpCheck(co, [url('/s', { sniName: 'sni.example', effectiveVirtualhost: 'sni.example' })], { kind: 'SSL_GET' });
    const plain = await probeHttp(check, probeContext(RS));
    assert.equal(plain.ok, true, plain.message);
    assert.deepEqual(plain.urlMessages, [`HTTP status code success to ${RS} url(/s)`]);
    const withSni = await probeHttp({ ...check, enableSni: true }, probeContext(RS));
    assert.equal(withSni.ok, true);
    const g = await genhash(['-S', '-I', '-V', 'sni.example', '-s', '127.0.0.1', '-p', `${srv.port}`, '-u', '/s']);
    assert.equal(g.stdout.trim(), md5('hello world\n'), g.stderr);
    assert.deepEqual(srv.sni, [false, 'sni.example', 'sni.example']);
    assert.equal(srv.requests[1], srv.requests[2], 'our request = genhash -S -I');
  } finally {
    await srv.close();
  }
});

test('SSL_GET: handshake failure, TLS server that closes without a response, client certificate', async () => {
  // a plain TCP server that answers the ClientHello with garbage
  const garbage = await startServer((s) => s.once('data', () => s.end('HTTP/1.0 400 Bad Request\r\n\r\n')));
  const closer = await tlsServer('');
  const mtls = await tlsServer(OK, { requestCert: true, rejectUnauthorized: true, ca: [cert.cert] });
  try {
    const r1 = await probeHttpUrl(httpCheck(connection(garbage.port), [], { kind: 'SSL_GET' }), url('/'), probeContext(RS));
    assert.deepEqual(r1, { ok: false, reason: 'tls', message: `SSL handshake/communication error connecting to server ${RS}.`, notices: [] });
    const r2 = await probeHttpUrl(httpCheck(connection(closer.port), [], { kind: 'SSL_GET' }), url('/'), probeContext(RS));
    assert.equal(r2.ok, false);
    assert.match(r2.message, /^(SSL read error from|Read, no data received from) server \[10\.1\.1\.1\]:tcp:80\.$/);
    // the server demands a client certificate: without the SSL block the check fails, with it it passes
    const noCert = await probeHttpUrl(httpCheck(connection(mtls.port), [], { kind: 'SSL_GET' }), url('/'), probeContext(RS));
    assert.equal(noCert.ok, false);
    const loaded = loadSslMaterial({ pos: { file: 'x', line: 1, col: 1 }, certificate: `${cert.dir}/cert.pem`, key: `${cert.dir}/key.pem` });
    assert.ok(loaded.ok);
    const withCert = await probeHttpUrl(httpCheck(connection(mtls.port), [], { kind: 'SSL_GET' }), url('/'), probeContext(RS), { tls: loaded.material });
    assert.equal(withCert.ok, true, withCert.message);
    assert.deepEqual(loadSslMaterial({ pos: { file: 'x', line: 1, col: 1 }, key: '/nonexistent/key.pem' }), {
      ok: false,
      error: 'SSL error : Cant load key file...',
    });
  } finally {
    await garbage.close();
    await closer.close();
    await mtls.close();
  }
});
