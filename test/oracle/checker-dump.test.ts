// keepalived 2.2.7's own checker dump for every Debian sample with a virtual_server, taken inside the UML
// lab in one boot, parsed, and checked against values read off the sample files.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { keepalivedCheckerDumpInUml, type KeepalivedCheckerDump } from './checker-dump-uml.js';
import { parseCheckerDump, type ComparableVirtualServer } from './checker-dump.js';

const SAMPLES = '/usr/share/doc/keepalived/samples';
const SAMPLE_NAMES = [
  'sample', 'HTTP_GET.port', 'IPv6', 'PING_CHECK', 'SMTP_CHECK', 'SSL_GET', 'UDP_CHECK', 'fwmark', 'inhibit',
  'misc_check', 'misc_check_arg', 'quorum', 'status_code', 'virtual_server_group', 'virtualhost', 'vrrp.lvs_syncd',
];

// Non-default settings the samples do not use, so that the parser meets every field it maps.
const EXERCISE_CONF = `
virtual_server 10.20.0.1 80 {
  delay_loop 3
  lb_algo wlc
  lb_kind DR
  persistence_timeout 120
  persistence_granularity 255.255.255.0
  protocol TCP
  ha_suspend
  virtualhost vs.example
  quorum 2
  hysteresis 1
  alpha
  inhibit_on_failure
  sorry_server 10.20.1.99 80
  sorry_server_inhibit
  sorry_server_lvs_method TUN
  connect_timeout 7
  retry 4
  delay_before_retry 2
  warmup 1
  quorum_up /usr/local/sbin/kt-exercise-up.sh
  real_server 10.20.1.1 80 {
    weight 5
    lvs_method TUN
    uthreshold 100
    lthreshold 10
    notify_up "/usr/local/sbin/kt-exercise-rs-up.sh some-arg"
    HTTP_GET {
      url {
        path /health
        status_code 200 204
        virtualhost url.example
        regex "ok.*"
      }
      url {
        path /other
        digest 00112233445566778899aabbccddeeff
      }
      http_protocol 1.1
      connect_ip 10.20.1.2
      connect_port 8080
      bindto 10.20.0.5
      bind_port 4000
      connect_timeout 2
      retry 1
      delay_before_retry 5
      fast_recovery
      log_all_failures
    }
    TCP_CHECK {
      connect_port 22
      warmup 3
      delay_loop 9
    }
    MISC_CHECK {
      misc_path "/usr/local/bin/kt-exercise-check.sh 1 2"
      misc_timeout 4
      misc_dynamic
    }
  }
  real_server 10.20.1.3 80 {
    weight 0
    DNS_CHECK {
      type A
      name example.test
    }
    UDP_CHECK {
      connect_port 53
      payload 0a0b0c
      require_reply 0d0e
      min_reply_length 2
      max_reply_length 20
    }
    SMTP_CHECK {
      helo_name mx.example
    }
    PING_CHECK {
    }
  }
}
virtual_server fwmark 7 {
  lb_algo mh
  lb_kind NAT
  mh-port
  real_server 10.20.2.1 0 {
  }
}
virtual_server fd00::1 443 {
  lb_algo sh
  lb_kind NAT
  protocol SCTP
  persistence_granularity 64
  real_server fd00::2 443 {
    weight 2
    SSL_GET {
      url {
        path /
      }
      enable_sni
    }
  }
}
`;

function only<T>(items: readonly T[], what: string): T {
  assert.equal(items.length, 1, `expected exactly one ${what}, got ${items.length}`);
  return items[0]!;
}

/** Every path to a NaN (a field the dump did not provide) or a non-empty `other` (a line not understood). */
function gaps(value: unknown, path = ''): string[] {
  if (typeof value === 'number') return Number.isNaN(value) ? [`${path} is NaN`] : [];
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([k, v]) =>
    k === 'other' && Object.keys(v as object).length > 0 ? [`${path}.other = ${JSON.stringify(v)}`] : gaps(v, `${path}.${k}`),
  );
}

describe('keepalived 2.2.7 checker dump of the Debian samples (inside UML)', () => {
  const byName = new Map<string, KeepalivedCheckerDump>();
  let exerciseDir: string;
  const dump = (name: string): KeepalivedCheckerDump => {
    const d = byName.get(name);
    assert.ok(d, `no dump for ${name}`);
    return d;
  };
  const vsOf = (name: string): ComparableVirtualServer => only(dump(name).virtualServers, `virtual server in ${name}`);

  before(async () => {
    exerciseDir = await mkdtemp(join(tmpdir(), 'kt-dump-'));
    const exercise = join(exerciseDir, 'exercise.conf');
    await writeFile(exercise, EXERCISE_CONF);
    const files = [...SAMPLE_NAMES.map((n) => `${SAMPLES}/keepalived.conf.${n}`), exercise];
    const started = Date.now();
    const run = await keepalivedCheckerDumpInUml(files);
    run.dumps.forEach((d, i) => byName.set(SAMPLE_NAMES[i] ?? 'exercise', d));
    const t = run.timings;
    console.log(`UML boot ${t.bootMs} ms, modules ${t.modulesMs} ms, ${files.length} keepalived dumps ${t.scriptMs} ms, ` +
      `shutdown ${t.shutdownMs} ms, total ${Date.now() - started} ms`);
    for (const [name, d] of byName) console.log(`  ${name}: dump after ${d.dumpMs} ms, stopped after ${d.totalMs} ms`);
  });

  after(async () => {
    if (exerciseDir) await rm(exerciseDir, { recursive: true, force: true });
  });

  test('every dump completes, keepalived exits 0 on SIGTERM, every line is understood', () => {
    for (const [name, d] of byName) {
      assert.equal(d.exitCode, 0, `${name}: keepalived exit ${d.exitCode}\n${d.log.join('\n')}`);
      assert.ok(d.log.includes('Activating BFD healthchecker'), `${name}: start-up not complete`);
      assert.ok(d.virtualServers.length > 0, `${name}: no virtual server parsed`);
      assert.deepEqual(gaps(d.virtualServers), [], name);
    }
  });

  test('every address virtual server of a dump is in the IPVS table keepalived programmed', () => {
    for (const [name, d] of byName) {
      for (const vs of d.virtualServers.filter((v) => v.kind === 'address')) {
        const flag = { TCP: '-t', UDP: '-u', SCTP: '--sctp-service' }[vs.protocol!];
        const addr = vs.family === 'inet6' ? `[${vs.address}]:${vs.port}` : `${vs.address}:${vs.port}`;
        assert.ok(d.ipvsadmSn.includes(`-A ${flag} ${addr} `), `${name}: ${vs.key} missing from\n${d.ipvsadmSn}`);
      }
    }
  });

  test('keepalived.conf.sample: VS 10.10.10.2:1358 rr NAT persistent 50, sorry server, RS with HTTP_GET', () => {
    const vs = vsOf('sample');
    assert.equal(vs.key, '[10.10.10.2]:tcp:1358');
    assert.deepEqual(
      [vs.kind, vs.address, vs.port, vs.protocol, vs.family, vs.lbAlgo, vs.lbKind, vs.persistenceTimeout, vs.delayLoop],
      ['address', '10.10.10.2', 1358, 'TCP', 'inet', 'rr', 'NAT', 50, 6],
    );
    assert.deepEqual([vs.quorum, vs.hysteresis, vs.alpha, vs.omega, vs.haSuspend, vs.connectTimeout], [1, 0, false, false, false, 5]);
    assert.deepEqual(vs.sorryServer, {
      key: '[192.168.200.200]:tcp:1358', address: '192.168.200.200', port: 1358, lbKind: 'NAT', tunnel: null,
      inhibitOnFailure: false, duplicatesRealServer: false, other: {},
    });
    const rs = only(vs.realServers, 'real server');
    assert.deepEqual([rs.key, rs.weight, rs.lbKind, rs.inhibitOnFailure], ['[192.168.200.2]:tcp:1358', 1, 'NAT', false]);
    const c = only(rs.checkers, 'checker');
    assert.equal(c.kind, 'HTTP_GET');
    assert.deepEqual([c.retry, c.delayBeforeRetry, c.delayLoop, c.warmup, c.alpha], [3, 3, 6, 6, false]);
    assert.deepEqual(c.connection, {
      dest: { address: '192.168.200.2', port: 1358 }, bindTo: null, bindIf: null, fwmark: 0, timeout: 3, other: {},
    });
    assert.deepEqual(c.http?.urls, [{
      path: '/testurl3/test.jsp', digest: '640205b7b0fc66c1ea91c463fac6334d', statusCodes: ['200-299'],
      virtualhost: null, regex: null, regexOptions: null, regexNoMatch: false, regexMinOffset: 0, regexMaxOffset: null,
      regexStack: null, other: {},
    }]);
    assert.match(dump('sample').ipvsadmLn, /^TCP {2}10\.10\.10\.2:1358 rr persistent 50\s*$/m);
    assert.match(dump('sample').ipvsadmLn, /^ {2}-> 192\.168\.200\.2:1358\s+Masq\s+1\s/m);
  });

  test('fwmark: key `FWM 1`, no protocol, RS keys `[ip]:none:0`, TCP_CHECK on port 80', () => {
    const vs = vsOf('fwmark');
    assert.deepEqual([vs.key, vs.kind, vs.fwmark, vs.protocol, vs.persistenceTimeout], ['FWM 1', 'fwmark', 1, null, 900]);
    assert.deepEqual(vs.realServers.map((r) => r.key), ['[192.168.201.100]:none:0', '[192.168.201.101]:none:0']);
    for (const rs of vs.realServers) {
      const c = only(rs.checkers, 'checker');
      assert.deepEqual([c.kind, c.connection?.dest.port, c.connection?.timeout, c.retry], ['TCP_CHECK', 80, 3, 1]);
    }
    assert.match(dump('fwmark').ipvsadmLn, /^FWM {2}1 rr persistent 900\s*$/m);
  });

  test('virtual_server_group: the group entries, and one IPVS service per address of the group', () => {
    const vs = vsOf('virtual_server_group');
    assert.deepEqual([vs.key, vs.kind], ['[VSG_1]:0', 'group']);
    assert.deepEqual(vs.group?.entries, [
      { kind: 'address', address: '10.0.0.1', port: 8080 },
      { kind: 'address', address: '10.0.0.2', port: 80 },
      { kind: 'address', address: '192.168.200.1', port: 1358 },
      { kind: 'range', first: '192.168.200.3', last: '192.168.200.10', port: 80 },
      { kind: 'fwmark', fwmark: 1 },
      { kind: 'fwmark', fwmark: 2 },
    ]);
    assert.deepEqual(vs.realServers.map((r) => [r.key, r.checkers.map((c) => c.kind)]), [
      ['[192.168.200.1]:tcp:1358', ['HTTP_GET']],
      ['[192.168.200.2]:tcp:1358', ['HTTP_GET']],
    ]);
    const services = dump('virtual_server_group').ipvsadmSn.split('\n').filter((l) => l.startsWith('-A '));
    assert.equal(services.length, 3 + 8 + 2, services.join('\n'));
  });

  test('IPv6: inet6 VS [ae00::1]:tcp:80 with an SMTP_CHECK helo foo.bar.com', () => {
    const vs = vsOf('IPv6');
    assert.deepEqual([vs.key, vs.family], ['[ae00::1]:tcp:80', 'inet6']);
    const rs = only(vs.realServers, 'real server');
    assert.equal(rs.key, '[ae00::10]:tcp:25');
    const c = only(rs.checkers, 'checker');
    assert.deepEqual([c.kind, c.smtp, c.connection?.timeout, c.retry], ['SMTP_CHECK', { heloName: 'foo.bar.com' }, 3, 3]);
  });

  test('quorum: wrr, quorum 7 hysteresis 2, alpha and omega, scripts; with alpha no RS is in IPVS yet', () => {
    const vs = vsOf('quorum');
    assert.deepEqual([vs.lbAlgo, vs.quorum, vs.hysteresis, vs.alpha, vs.omega], ['wrr', 7, 2, true, true]);
    assert.deepEqual(vs.quorumUp, { argv: ['/usr/local/sbin/quorum-up.sh'], user: '0:0' });
    assert.deepEqual(vs.quorumDown, { argv: ['/usr/local/sbin/quorum-down.sh'], user: '0:0' });
    assert.equal(vs.realServers.length, 10);
    assert.ok(vs.realServers.every((r) => r.alpha && r.checkers.length === 1 && r.checkers[0]!.alpha));
    assert.doesNotMatch(dump('quorum').ipvsadmLn, /->\s+10\.0\.0\./);
  });

  test('MISC_CHECK samples: script path and arguments, default timeout (the delay_loop) and dynamic off', () => {
    const plain = only(only(vsOf('misc_check').realServers, 'rs').checkers, 'checker');
    assert.deepEqual(plain.misc, { argv: ['/usr/local/bin/script.sh'], timeout: 6, dynamic: false, user: '0:0' });
    assert.equal(plain.connection, null);
    const withArgs = only(only(vsOf('misc_check_arg').realServers, 'rs').checkers, 'checker');
    assert.deepEqual(withArgs.misc?.argv, ['/usr/local/bin/script.sh', 'arg1', 'arg2']);
    assert.deepEqual(dump('misc_check').stubbedScripts, ['/usr/local/bin/script.sh']);
  });

  test('status_code: status code lists and ranges per url', () => {
    const c = only(only(vsOf('status_code').realServers, 'rs').checkers, 'checker');
    assert.equal(c.kind, 'SSL_GET');
    assert.deepEqual(c.http?.urls.map((u) => [u.path, u.digest, u.statusCodes]), [
      ['/', null, ['200-299', '400-499', '503', '505']],
      ['/mrtg/', '9b3a0c85a887a256d6939da88aabd8cd', ['200']],
    ]);
  });

  test('the other samples: checker kinds and the values that set them apart', () => {
    const checkerOf = (name: string, i = 0) => vsOf(name).realServers[0]!.checkers[i]!;
    assert.equal(checkerOf('HTTP_GET.port').connection?.dest.port, 444);
    assert.deepEqual([vsOf('PING_CHECK').protocol, checkerOf('PING_CHECK').kind, checkerOf('PING_CHECK').retry], ['UDP', 'PING_CHECK', 4]);
    assert.deepEqual([checkerOf('UDP_CHECK').kind, checkerOf('UDP_CHECK').udp?.requireReply], ['UDP_CHECK', false]);
    assert.equal(vsOf('inhibit').realServers[0]!.inhibitOnFailure, true);
    assert.equal(vsOf('virtualhost').virtualhost, 'www.firewall.loc');
    assert.equal(vsOf('vrrp.lvs_syncd').delayLoop, 20);
    const ssl = dump('SSL_GET').virtualServers;
    assert.deepEqual(ssl.map((v) => [v.key, v.realServers[0]!.checkers[0]!.kind, v.realServers[0]!.checkers[0]!.http?.urls.length]), [
      ['[192.168.200.100]:tcp:443', 'SSL_GET', 2],
      ['[192.168.200.100]:tcp:80', 'HTTP_GET', 2],
    ]);
    const smtp = vsOf('SMTP_CHECK');
    assert.deepEqual(smtp.realServers.map((r) => r.checkers.length), [1, 4, 4]);
    assert.deepEqual(smtp.realServers[2]!.checkers[1]!.connection?.bindTo, { address: '172.16.1.2', port: 0 });
  });

  test('non-default settings: DR, TUN with thresholds, ha_suspend, per-url virtualhost and regex, every checker kind', () => {
    const [vs, fwm, v6] = dump('exercise').virtualServers;
    assert.ok(vs && fwm && v6);
    assert.deepEqual(
      [vs.lbAlgo, vs.lbKind, vs.persistenceTimeout, vs.persistenceGranularity, vs.haSuspend, vs.virtualhost, vs.alpha, vs.inhibitOnFailure],
      ['wlc', 'DR', 120, '255.255.255.0', true, 'vs.example', true, true],
    );
    assert.deepEqual([vs.connectTimeout, vs.retry, vs.delayBeforeRetry, vs.warmup, vs.delayLoop], [7, 4, 2, 1, 3]);
    assert.deepEqual(vs.quorumUp?.argv, ['/usr/local/sbin/kt-exercise-up.sh']);
    assert.deepEqual(
      [vs.sorryServer?.key, vs.sorryServer?.lbKind, vs.sorryServer?.tunnel, vs.sorryServer?.inhibitOnFailure],
      ['[10.20.1.99]:tcp:80', 'TUN', { type: 'IPIP' }, true],
    );
    const [rs1, rs3] = vs.realServers;
    assert.ok(rs1 && rs3);
    assert.deepEqual([rs1.weight, rs1.lbKind, rs1.tunnel, rs1.thresholds], [5, 'TUN', { type: 'IPIP' }, { lower: 10, upper: 100 }]);
    assert.deepEqual(rs1.notifyUp, { argv: ['/usr/local/sbin/kt-exercise-rs-up.sh', 'some-arg'], user: '0:0' });
    assert.deepEqual(rs1.checkers.map((c) => c.kind), ['HTTP_GET', 'TCP_CHECK', 'MISC_CHECK']);
    const [http, tcp, misc] = rs1.checkers;
    assert.deepEqual(http?.connection, {
      dest: { address: '10.20.1.2', port: 8080 }, bindTo: { address: '10.20.0.5', port: 4000 }, bindIf: null, fwmark: 0,
      timeout: 2, other: {},
    });
    assert.deepEqual([http?.http?.protocol, http?.http?.fastRecovery, http?.logAllFailures, http?.retry, http?.delayBeforeRetry], ['1.1', true, true, 1, 5]);
    assert.deepEqual(http?.http?.urls[0], {
      path: '/health', digest: null, statusCodes: ['200', '204'], virtualhost: 'url.example', regex: 'ok.*', regexOptions: [],
      regexNoMatch: false, regexMinOffset: 0, regexMaxOffset: null, regexStack: null, other: {},
    });
    assert.deepEqual([tcp?.delayLoop, tcp?.warmup, tcp?.connection?.dest.port], [9, 3, 22]);
    assert.deepEqual(misc?.misc, { argv: ['/usr/local/bin/kt-exercise-check.sh', '1', '2'], timeout: 4, dynamic: true, user: '0:0' });
    assert.deepEqual(rs3.checkers.map((c) => c.kind), ['DNS_CHECK', 'UDP_CHECK', 'SMTP_CHECK', 'PING_CHECK']);
    assert.deepEqual(rs3.checkers[0]!.dns, { type: 'A', name: 'example.test' });
    assert.deepEqual(rs3.checkers[1]!.udp, {
      payloadLength: 3, requireReply: true, minReplyLength: 2, maxReplyLength: 20, replyDataLength: 2, replyDataMask: false,
    });
    assert.deepEqual(rs3.checkers[2]!.smtp, { heloName: 'mx.example' });
    assert.deepEqual([fwm.key, fwm.lbAlgo, fwm.schedulerFlags, fwm.delayLoop], ['FWM 7', 'mh', ['mh-port'], 60]);
    assert.deepEqual([v6.key, v6.family, v6.protocol, v6.persistenceTimeout, v6.persistenceGranularity], ['[fd00::1]:sctp:443', 'inet6', 'SCTP', 360, '64']);
    assert.equal(v6.realServers[0]!.checkers[0]!.http?.enableSni, true);
  });
});

test('parseCheckerDump skips log lines of other processes interleaved in the dump', () => {
  const lines = [
    'Sat Nov 21 15:04:25 2026: ------< LVS Topology >------',
    'Sat Nov 21 15:04:25 2026:  ------< Virtual server >------',
    'Sat Nov 21 15:04:25 2026:  VS VIP = 10.1.1.1, VPORT = 80',
    'Sat Nov 21 15:04:25 2026:    lvs_sched = rr',
    'Sat Nov 21 15:04:25 2026: Startup complete',
    'Sat Nov 21 15:04:25 2026:    protocol = TCP',
    'Sat Nov 21 15:04:25 2026:    ------< Real server >------',
    'Sat Nov 21 15:04:25 2026:    RIP = 10.1.1.2, RPORT = 80, WEIGHT = 3 EFF WEIGHT = 3',
    'Sat Nov 21 15:04:25 2026: ------< Health checkers >------',
    'Sat Nov 21 15:04:25 2026:  [10.1.1.1]:tcp:80 -> [10.1.1.2]:tcp:80',
    'Sat Nov 21 15:04:25 2026:    Keepalive method = TCP_CHECK',
    'Sat Nov 21 15:04:25 2026: Activating BFD healthchecker',
  ];
  const [vs] = parseCheckerDump(lines);
  assert.deepEqual([vs?.key, vs?.lbAlgo, vs?.protocol, vs?.other], ['[10.1.1.1]:tcp:80', 'rr', 'TCP', {}]);
  assert.deepEqual(vs?.realServers.map((r) => [r.key, r.weight, r.checkers.map((c) => c.kind)]), [['[10.1.1.2]:tcp:80', 3, ['TCP_CHECK']]]);
});
