import test from 'node:test';
import assert from 'node:assert/strict';
import { load, vsConf } from './lvs-helpers.js';
import type { Checker } from '../../../src/config/model/lvs.js';

/** One real server 10.0.1.1:8080 in VS 10.0.0.1:80 with the given checker blocks; `rsExtra` inside the RS. */
const withChecker = (checkers: string, rsExtra = '', vsExtra = '') =>
  load(vsConf(`${vsExtra}  real_server 10.0.1.1 8080 {\n${rsExtra}${checkers}\n  }`));

function timing(c: Checker) {
  if (c.kind === 'FILE_CHECK' || c.kind === 'BFD_CHECK') throw new Error('not polled');
  return { alpha: c.alpha, retry: c.retry, delayBeforeRetry: c.delayBeforeRetry, delayLoop: c.delayLoop, warmup: c.warmup, logAllFailures: c.logAllFailures };
}

test('TCP_CHECK defaults: retry 1, delay_before_retry 1, warmup = delay_loop, target = the real server as written', () => {
  const r = withChecker('    TCP_CHECK {\n    }');
  assert.deepEqual(r.problems(), []);
  const c = r.checker();
  assert.equal(c.kind, 'TCP_CHECK');
  assert.deepEqual(timing(c), { alpha: false, retry: 1, delayBeforeRetry: 1, delayLoop: 60, warmup: 60, logAllFailures: false });
  assert.ok(c.kind === 'TCP_CHECK');
  assert.deepEqual(
    { ...c.connection, connectIp: c.connection.connectIp.text },
    { connectIp: '10.0.1.1', connectPort: 8080, bindPort: 0, connectTimeout: 5, fwmark: 0 },
  );
  assert.deepEqual(c.pos, { file: r.file, line: 6, col: 5 });
});

test('connection and timing keywords of a checker', () => {
  const r = withChecker(
    [
      '    TCP_CHECK {',
      '      connect_ip 10.0.2.2',
      '      connect_port 81',
      '      bindto 10.0.0.5',
      '      bind_port 4000',
      '      bind_if eth0',
      '      connect_timeout 2.5',
      '      fwmark 7',
      '      retry 0',
      '      delay_before_retry 4',
      '      warmup 0',
      '      delay_loop 10',
      '      alpha',
      '      log_all_failures yes',
      '    }',
    ].join('\n'),
  );
  assert.deepEqual(r.problems(), []);
  const c = r.checker();
  assert.ok(c.kind === 'TCP_CHECK');
  assert.deepEqual(timing(c), { alpha: true, retry: 0, delayBeforeRetry: 4, delayLoop: 10, warmup: 0, logAllFailures: true });
  const k = c.connection;
  assert.deepEqual([k.connectIp.text, k.connectPort, k.bindto?.text, k.bindPort, k.bindIf, k.connectTimeout, k.fwmark], ['10.0.2.2', 81, '10.0.0.5', 4000, 'eth0', 2.5, 7]);
});

test('checker values inherit from the real server, which inherits from the virtual server', () => {
  const r = withChecker(
    '    TCP_CHECK {\n    }',
    '    retry 5\n    delay_loop 3\n',
    '  connect_timeout 9\n  warmup 2\n  delay_before_retry 7\n  alpha\n',
  );
  const c = r.checker();
  assert.ok(c.kind === 'TCP_CHECK');
  assert.deepEqual(timing(c), { alpha: true, retry: 5, delayBeforeRetry: 7, delayLoop: 3, warmup: 2, logAllFailures: false });
  assert.equal(c.connection.connectTimeout, 9);
});

test('checker keyword errors: keepalived\'s messages', () => {
  const r = withChecker(
    [
      '    TCP_CHECK {',
      '      connect_ip 10.0.2.300',
      '      connect_port 0',
      '      bindto fd00::1',
      '      bind_port 70000',
      '      bind_if averyveryverylongifname',
      '      connect_timeout 0',
      '      fwmark -1',
      '      retry x',
      '      delay_before_retry -1',
      '      warmup y',
      '      delay_loop 0',
      '      alpha maybe',
      '      log_all_failures maybe',
      '    }',
    ].join('\n'),
  );
  assert.deepEqual(r.messages(), [
    'Invalid connect_ip address 10.0.2.300 - ignoring',
    "Invalid checker connect_port '0'",
    'bindto address fd00::1 does not match address family of connect_ip - skipping',
    "Invalid checker bind_port '70000'",
    'Interface name averyveryverylongifname is too long - ignoring',
    'connect_timeout 0 invalid - ignoring',
    "Invalid fwmark connection value '-1'",
    "Invalid retry connection value 'x'",
    "Invalid delay_before_retry connection value '-1'",
    "Invalid warmup connection value 'y'",
    "delay_loop '0' is invalid - ignoring",
    'Invalid alpha parameter maybe',
    'Invalid log_all_failures parameter maybe',
  ]);
  const c = r.checker();
  assert.ok(c.kind === 'TCP_CHECK');
  assert.equal(c.connection.connectPort, 8080);
});

test('an IPv6 link-local checker target without bind_if is dropped', () => {
  const r = withChecker('    TCP_CHECK {\n      connect_ip fe80::1\n    }\n    TCP_CHECK {\n      connect_ip fe80::1\n      bind_if eth0\n    }');
  assert.deepEqual(r.problems(), ['6:5 Checker link local address fe80::1 requires a bind_if']);
  assert.equal(r.rs().checkers.length, 1);
});

test('HTTP_GET: url blocks, status codes (lists and ranges, default 200-299), digest, virtualhost chain', () => {
  const r = withChecker(
    [
      '    HTTP_GET {',
      '      url {',
      '        path /health',
      '        status_code 200 301-302 503',
      '        digest 9B3A0C85A887A256D6939DA88AABD8CD',
      '      }',
      '      url {',
      '        path /x',
      '        virtualhost url.example',
      '      }',
      '      http_protocol 1.0C',
      '      fast_recovery',
      '      enable_sni off',
      '    }',
    ].join('\n'),
    '    virtualhost rs.example\n',
    '  virtualhost vs.example\n',
  );
  assert.deepEqual(r.problems(), []);
  const c = r.checker();
  assert.ok(c.kind === 'HTTP_GET');
  assert.deepEqual(timing(c), { alpha: false, retry: 1, delayBeforeRetry: 3, delayLoop: 60, warmup: 60, logAllFailures: false });
  assert.deepEqual([c.httpProtocol, c.fastRecovery, c.enableSni, c.virtualhost], ['1.0C', true, false, undefined]);
  assert.deepEqual(c.urls.map((u) => [u.path, u.statusCodes, u.digest, u.virtualhost, u.effectiveVirtualhost, u.sniName]), [
    ['/health', [[200, 200], [301, 302], [503, 503]], '9b3a0c85a887a256d6939da88aabd8cd', undefined, 'rs.example', undefined],
    ['/x', [[200, 299]], undefined, 'url.example', 'url.example', undefined],
  ]);
});

test('SSL_GET: SNI name from url, checker or virtual server virtualhost (not the real server\'s)', () => {
  const r = withChecker('    SSL_GET {\n      url {\n        path /\n      }\n      enable_sni\n    }', '    virtualhost rs.example\n', '  virtualhost vs.example\n');
  const c = r.checker();
  assert.ok(c.kind === 'SSL_GET');
  assert.deepEqual([c.enableSni, c.urls[0].sniName, c.urls[0].effectiveVirtualhost], [true, 'vs.example', 'rs.example']);
  const own = withChecker('    SSL_GET {\n      url {\n        path /\n      }\n      virtualhost chk.example\n      enable_sni\n    }');
  const o = own.checker();
  assert.ok(o.kind === 'SSL_GET');
  assert.deepEqual([o.virtualhost, o.urls[0].sniName, o.urls[0].effectiveVirtualhost], ['chk.example', 'chk.example', 'chk.example']);
});

test('HTTP_GET regex keywords', () => {
  const r = withChecker(
    [
      '    HTTP_GET {',
      '      url {',
      '        path /',
      '        regex "^OK\\\\d+"',
      '        regex_no_match',
      '        regex_options caseless multiline bogus',
      '        regex_min_offset 2',
      '        regex_max_offset 100',
      '        regex_stack 1024 8192',
      '      }',
      '    }',
    ].join('\n'),
  );
  assert.deepEqual(r.problems(['error', 'warning', 'notice']), []);
  const c = r.checker();
  assert.ok(c.kind === 'HTTP_GET');
  assert.deepEqual(c.urls[0].regex, { pattern: '^OK\\d+', options: ['caseless', 'multiline'], noMatch: true, minOffset: 2, maxOffset: 101, stack: { start: 1024, max: 8192 } });
  // Regex options without a regex: keepalived logs it (info) and drops them.
  const lone = withChecker('    HTTP_GET {\n      url {\n        path /\n        regex_no_match\n      }\n    }');
  assert.deepEqual(lone.problems(['notice']), ['7:7 regex parameters specified without regex - keepalived ignores them']);
  assert.equal(lone.rc, 0);
});

test('HTTP_GET errors: digest, status codes, url without path, no url at all, nb_get_retry', () => {
  const r = withChecker(
    [
      '    HTTP_GET {',
      '      url {',
      '        digest 123',
      '      }',
      '      url {',
      '        path /',
      '        status_code 99 200-199 abc 204',
      '        digest 9b3a0c85a887a256d6939da88aabd8cz',
      '      }',
      '      http_protocol 2',
      '      nb_get_retry 4',
      '    }',
      '    SSL_GET {',
      '    }',
    ].join('\n'),
  );
  assert.deepEqual(r.problems(), [
    "8:16 digest '123' character length should be 32 rather than 3",
    '7:7 HTTP/SSL_GET checker url has no path - ignoring',
    "12:21 Invalid HTTP_GET status code '99'",
    "12:24 Invalid HTTP_GET status code '200-199'",
    "12:32 Invalid HTTP_GET status code 'abc'",
    "13:16 Unable to interpret hex digit in '9b3a0c85a887a256d6939da88aabd8cz' at offset 30/31",
    '15:21 Invalid http_protocol version 2',
    "16:7 nb_get_retry is deprecated - please use 'retry'",
    '18:5 HTTP/SSL_GET checker has no urls specified - ignoring',
  ]);
  const c = r.checker();
  assert.ok(c.kind === 'HTTP_GET');
  assert.equal(c.retry, 4);
  assert.deepEqual(c.urls.map((u) => [u.path, u.statusCodes]), [['/', [[204, 204]]]]);
  assert.equal(r.rs().checkers.length, 1);
});

test('SMTP_CHECK: helo_name default, host blocks become extra checkers (their timeout is 0 in keepalived)', () => {
  const plain = withChecker('    SMTP_CHECK {\n    }');
  const p = plain.checker();
  assert.ok(p.kind === 'SMTP_CHECK');
  assert.deepEqual([p.heloName, p.connection.connectPort, p.connection.connectTimeout, p.retry, p.delayBeforeRetry], ['smtpchecker.keepalived.org', 8080, 5, 1, 1]);

  // No connection option at checker level: the first host replaces the checker's target.
  const hosts = withChecker(
    '    SMTP_CHECK {\n      helo_name "mx.example"\n      retry 2\n      host {\n        connect_ip 10.0.3.1\n        connect_timeout 4\n      }\n      host {\n        connect_ip 10.0.3.2\n        connect_port 587\n      }\n    }',
  );
  const cs = hosts.rs().checkers;
  assert.deepEqual(
    cs.map((c) => c.kind === 'SMTP_CHECK' && [c.heloName, c.retry, c.connection.connectIp.text, c.connection.connectPort, c.connection.connectTimeout]),
    [['mx.example', 2, '10.0.3.1', 8080, 4], ['mx.example', 2, '10.0.3.2', 587, 0]],
  );
  assert.deepEqual(hosts.problems(['notice']), [
    '13:7 this SMTP_CHECK host has a connect timeout of 0 in keepalived 2.2.7 (it does not inherit connect_timeout)',
    '6:5 The SMTP_CHECK host block is deprecated. Please define additional checkers.',
  ]);
  assert.equal(hosts.rc, 0);

  // A connection option at checker level keeps the checker itself, plus one per host.
  const both = withChecker('    SMTP_CHECK {\n      connect_port 25\n      host {\n        connect_ip 10.0.3.1\n      }\n    }');
  assert.deepEqual(both.rs().checkers.map((c) => c.kind === 'SMTP_CHECK' && `${c.connection.connectIp.text}:${c.connection.connectPort}`), ['10.0.1.1:25', '10.0.3.1:8080']);
  assert.deepEqual(withChecker('    SMTP_CHECK {\n      helo_name\n    }').messages(), ['SMTP_CHECK helo name missing']);
});

test('DNS_CHECK: retry 3, delay_before_retry = delay_loop, type SOA, name root; type case-insensitive', () => {
  const r = withChecker('    DNS_CHECK {\n      delay_loop 4\n    }\n    DNS_CHECK {\n      type aaaa\n      name www.example.com\n    }');
  const [a, b] = r.rs().checkers;
  assert.ok(a.kind === 'DNS_CHECK' && b.kind === 'DNS_CHECK');
  assert.deepEqual([a.retry, a.delayBeforeRetry, a.delayLoop, a.type, a.name], [3, 4, 4, 'SOA', '.']);
  assert.deepEqual([b.type, b.name], ['AAAA', 'www.example.com']);
  const bad = withChecker('    DNS_CHECK {\n      type foo\n      name a..b\n      name x.y\n    }');
  assert.deepEqual(bad.messages(), ['Unknown DNS check type foo - ignoring', "DNS_CHECK name 'a..b' has empty label - ignoring", "DNS_CHECK name 'x.y' has empty label - ignoring"]);
  const dup = withChecker('    DNS_CHECK {\n      name one.example\n      name two.example\n    }');
  assert.deepEqual(dup.messages(), ['DNS_CHECK name already specified - ignoring']);
});

test('MISC_CHECK: retry 0, misc_timeout else the VS delay_loop, argv from a quoted command, user', () => {
  const r = withChecker(
    '    MISC_CHECK {\n      misc_path "/usr/local/bin/check.sh arg1 \'arg 2\'"\n      misc_dynamic\n      user root\n    }\n    MISC_CHECK {\n      misc_path /bin/true ignored\n      misc_timeout 7\n    }',
    '',
    '  delay_loop 12\n',
  );
  assert.deepEqual(r.problems(), []);
  const [a, b] = r.rs().checkers;
  assert.ok(a.kind === 'MISC_CHECK' && b.kind === 'MISC_CHECK');
  assert.deepEqual([a.retry, a.delayBeforeRetry, a.miscTimeout, a.miscDynamic, a.script.argv, a.script.user], [0, 1, 12, true, ['/usr/local/bin/check.sh', 'arg1', 'arg 2'], 'root']);
  assert.equal(a.script.role, 'MISC_CHECK of real_server [10.0.1.1]:tcp:8080 in virtual_server [10.0.0.1]:tcp:80');
  assert.deepEqual([b.miscTimeout, b.script.argv, b.miscDynamic], [7, ['/bin/true'], false]);
  assert.deepEqual(r.config.lvs.scripts.map((s) => s.argv[0]), ['/usr/local/bin/check.sh', '/bin/true']);
});

test('MISC_CHECK errors: no misc_path, connection keywords, unknown user', () => {
  const r = withChecker('    MISC_CHECK {\n      connect_timeout 3\n    }\n    MISC_CHECK {\n      misc_path /bin/x\n      user nosuch\n    }', '', '', );
  assert.deepEqual(r.messages(), ["Unknown keyword 'connect_timeout' in MISC_CHECK", 'No script path has been specified for MISC_CHECKER - skipping']);
  const u = load(vsConf('  real_server 10.0.1.1 80 {\n    MISC_CHECK {\n      misc_path /bin/x\n      user nosuch\n    }\n  }'), { lookupUser: () => undefined });
  assert.deepEqual(u.messages(), ["Failed to set uid/gid for misc checker script '/bin/x' - removing"]);
  assert.equal(u.rs().checkers.length, 0);
});

test('UDP_CHECK: payload and reply as hex (with x wildcards), reply lengths', () => {
  const r = withChecker('    UDP_CHECK {\n      payload Ab12f 3 456\n      require_reply 0d0x\n      min_reply_length 2\n      max_reply_length 20\n    }\n    UDP_CHECK {\n    }');
  assert.deepEqual(r.problems(), []);
  const [a, b] = r.rs().checkers;
  assert.ok(a.kind === 'UDP_CHECK' && b.kind === 'UDP_CHECK');
  assert.deepEqual([a.payload, a.requireReply, a.replyData, a.replyMask, a.minReplyLength, a.maxReplyLength], ['ab120f034506', true, '0d00', '000f', 2, 20]);
  assert.deepEqual([b.payload, b.requireReply, b.replyData, b.minReplyLength, b.maxReplyLength], [undefined, false, undefined, 0, 255]);
  const bad = withChecker('    UDP_CHECK {\n      payload zz\n      require_reply q\n      min_reply_length 10\n      max_reply_length 5\n    }');
  assert.deepEqual(bad.messages(), [
    'Invalid hex string for UDP_CHECK payload',
    'Invalid hex string for UDP_CHECK reply',
    'UDP_CHECK min_reply length 10 > max_reply_length 5 - will always fail',
  ]);
});

test('PING_CHECK: only the common options', () => {
  const r = withChecker('    PING_CHECK {\n      retry 4\n    }');
  const c = r.checker();
  assert.ok(c.kind === 'PING_CHECK');
  assert.deepEqual([c.retry, c.connection.connectIp.text], [4, '10.0.1.1']);
});

test('FILE_CHECK: a top-level track_file, its weight unless the checker gives one; dynamic is unknown in 2.2.7', () => {
  const tf = 'track_file tf1 {\n  file /run/tf1\n  weight 3 reverse\n}\n';
  const r = load(tf + vsConf('  real_server 10.0.1.1 80 {\n    FILE_CHECK {\n      track_file tf1\n    }\n    FILE_CHECK {\n      track_file tf1\n      weight -2\n    }\n  }'));
  assert.deepEqual(r.problems(), []);
  const [a, b] = r.rs().checkers;
  assert.ok(a.kind === 'FILE_CHECK' && b.kind === 'FILE_CHECK');
  assert.deepEqual([a.trackFile, a.weight, a.weightReverse], ['tf1', 3, true]);
  assert.deepEqual([b.weight, b.weightReverse], [-2, false]);
  const bad = load(
    vsConf('  real_server 10.0.1.1 80 {\n    FILE_CHECK {\n      track_file nope\n      dynamic\n      weight 1 sideways\n    }\n    FILE_CHECK {\n    }\n  }') + tf,
  );
  assert.deepEqual(bad.messages(), [
    "Unknown keyword 'dynamic' in FILE_CHECK",
    'unknown track file weight option sideways - ignoring',
    'FILE_CHECK has no track_file specified - ignoring',
    'track_file nope not found',
    'FILE_CHECK has no track_file specified - ignoring',
  ]);
  // keepalived looks the name up while reading: a track_file defined later is not found either.
  const late = load(vsConf('  real_server 10.0.1.1 80 {\n    FILE_CHECK {\n      track_file tf1\n    }\n  }') + tf);
  assert.deepEqual(late.messages(), ['track_file tf1 not found', 'FILE_CHECK has no track_file specified - ignoring']);
});

test('BFD_CHECK: parsed, needs a configured bfd_instance, reported as not supported yet', () => {
  const r = load('bfd_instance b1 {\n  neighbor_ip 10.0.1.1\n}\n' + vsConf('  real_server 10.0.1.1 80 {\n    BFD_CHECK {\n      name b1\n      alpha\n    }\n  }'));
  assert.deepEqual(r.problems(), []);
  const c = r.checker();
  assert.deepEqual(c.kind === 'BFD_CHECK' && [c.name, c.alpha], ['b1', true]);
  assert.ok(r.diags.some((d) => d.severity === 'notice' && /BFD_CHECK' is not supported yet/.test(d.message)));
  const missing = load(vsConf('  real_server 10.0.1.1 80 {\n    BFD_CHECK {\n      name b9\n    }\n    BFD_CHECK {\n    }\n  }'));
  assert.deepEqual(missing.messages(), [
    '([10.0.1.1]:tcp:80) No name has been specified for BFD_CHECKER - skipping',
    '([10.0.1.1]:tcp:80) BFD_CHECK - BFD b9 not configured',
  ]);
});

test('checker blocks need braces; unknown keywords in a checker name it', () => {
  const r = withChecker('    TCP_CHECK\n    HTTP_GET {\n      url {\n        path /\n      }\n      connect_tiemout 3\n    }');
  assert.deepEqual(r.problems(), ["6:5 'TCP_CHECK' needs a '{ ... }' block", "11:7 Unknown keyword 'connect_tiemout' in HTTP_GET"]);
  assert.equal(r.diags[1].hint, "did you mean 'connect_timeout'?");
});
