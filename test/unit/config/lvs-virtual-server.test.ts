import test from 'node:test';
import assert from 'node:assert/strict';
import { load, vsConf } from './lvs-helpers.js';

const RS = '  real_server 10.0.1.1 80 {\n  }';

test('virtual_server with no keywords: keepalived 2.2.7 defaults and its three warnings', () => {
  const r = load('virtual_server 10.0.0.1 80 {\n  real_server 10.0.1.1 80 {\n  }\n}\n');
  assert.deepEqual(r.problems(), [
    "1:1 Virtual server [10.0.0.1]:none:80: no protocol set - defaulting to UDP",
    "1:1 Virtual server [10.0.0.1]:udp:80: no scheduler set, setting default 'wlc'",
    '1:1 Virtual server [10.0.0.1]:udp:80: no forwarding method set, setting default NAT',
  ]);
  assert.equal(r.rc, 5);
  const vs = r.vs();
  assert.equal(vs.key, '[10.0.0.1]:udp:80');
  assert.deepEqual(vs.service.kind === 'address' && [vs.service.address.text, vs.service.port], ['10.0.0.1', 80]);
  assert.equal(vs.family, 4);
  assert.equal(vs.protocol, 'UDP');
  assert.equal(vs.lbAlgo, 'wlc');
  assert.deepEqual(vs.lbKind, { kind: 'NAT', tunnelType: 'ipip', tunnelPort: 0, tunnelChecksum: 'nocsum' });
  assert.deepEqual(vs.serviceFlags, { ops: false, flag1: false, flag2: false, flag3: false });
  assert.equal(vs.persistenceTimeout, 0);
  assert.deepEqual(vs.persistenceGranularity.family === 4 && vs.persistenceGranularity.netmask.text, '255.255.255.255');
  assert.equal(vs.persistenceEngine, '');
  assert.equal(vs.delayLoop, 60);
  assert.equal(vs.connectTimeout, 5);
  assert.equal(vs.retry, undefined);
  assert.equal(vs.delayBeforeRetry, undefined);
  assert.equal(vs.warmup, undefined);
  assert.equal(vs.weight, 1);
  assert.deepEqual([vs.inhibitOnFailure, vs.alpha, vs.omega, vs.haSuspend, vs.smtpAlert], [false, false, false, false, false]);
  assert.deepEqual([vs.quorum, vs.hysteresis], [1, 0]);
  assert.equal(vs.sorryServer, undefined);
  assert.deepEqual(vs.pos, { file: r.file, line: 1, col: 1 });
});

test('a clean virtual server has no diagnostics and keepalived -t exit 0', () => {
  const r = load(vsConf(RS));
  assert.deepEqual(r.problems(['error', 'warning', 'fatal', 'security', 'notice']), []);
  assert.equal(r.rc, 0);
  assert.equal(r.vs().key, '[10.0.0.1]:tcp:80');
});

test('every virtual_server keyword is read into the model', () => {
  const r = load(
    vsConf(
      [
        '  lvs_sched wrr',
        '  lvs_method DR',
        '  protocol sctp',
        '  persistence_timeout 600',
        '  persistence_granularity 255.255.255.0',
        '  persistence_engine sip',
        '  flag-3',
        '  delay_loop 2.5',
        '  connect_timeout 3',
        '  retry 4',
        '  delay_before_retry 0.5',
        '  warmup 0',
        '  inhibit_on_failure',
        '  alpha',
        '  omega',
        '  ha_suspend',
        '  weight 3',
        '  quorum 2',
        '  hysteresis 1',
        '  quorum_up "/bin/q up"',
        '  quorum_down /bin/qdown nobody',
        '  virtualhost www.example.com',
        '  smtp_alert',
        '  ip_family inet',
        '  snmp_name web',
        RS,
      ].join('\n'),
    ),
  );
  assert.deepEqual(r.problems(), []);
  const vs = r.vs();
  assert.equal(vs.lbAlgo, 'wrr');
  assert.equal(vs.lbKind.kind, 'DR');
  assert.equal(vs.protocol, 'SCTP');
  assert.equal(vs.key, '[10.0.0.1]:sctp:80');
  assert.equal(vs.persistenceTimeout, 600);
  assert.equal(vs.persistenceGranularity.family === 4 && vs.persistenceGranularity.netmask.text, '255.255.255.0');
  assert.equal(vs.persistenceEngine, 'sip');
  assert.equal(vs.serviceFlags.flag3, true);
  assert.deepEqual([vs.delayLoop, vs.connectTimeout, vs.retry, vs.delayBeforeRetry, vs.warmup], [2.5, 3, 4, 0.5, 0]);
  assert.deepEqual([vs.inhibitOnFailure, vs.alpha, vs.omega, vs.haSuspend, vs.smtpAlert], [true, true, true, true, true]);
  assert.deepEqual([vs.weight, vs.quorum, vs.hysteresis], [3, 2, 1]);
  assert.deepEqual(vs.quorumUp && [vs.quorumUp.command, vs.quorumUp.argv, vs.quorumUp.role], ['/bin/q up', ['/bin/q', 'up'], 'quorum_up of virtual_server [10.0.0.1]:sctp:80']);
  assert.deepEqual(vs.quorumDown && [vs.quorumDown.argv, vs.quorumDown.user], [['/bin/qdown'], 'nobody']);
  assert.equal(vs.virtualhost, 'www.example.com');
  assert.equal(vs.snmpName, 'web');
  assert.deepEqual(r.config.lvs.scripts.map((s) => s.command), ['/bin/q up', '/bin/qdown']);
  // The RS takes the VS defaults.
  const rs = r.rs();
  assert.deepEqual([rs.weight, rs.lvsMethod.kind, rs.inhibitOnFailure, rs.alpha, rs.connectTimeout, rs.retry, rs.delayLoop], [3, 'DR', true, true, 3, 4, 2.5]);
});

test('lb_algo accepts exactly keepalived\'s scheduler list, case-sensitive', () => {
  for (const s of ['rr', 'wrr', 'lc', 'wlc', 'lblc', 'sh', 'mh', 'dh', 'fo', 'ovf', 'lblcr', 'sed', 'nq', 'twos']) {
    const r = load(`virtual_server 10.0.0.1 80 {\n  protocol TCP\n  lb_kind NAT\n  lb_algo ${s}\n${RS}\n}\n`);
    assert.equal(r.vs().lbAlgo, s);
    assert.equal(r.rc, 0, s);
  }
  const r = load(`virtual_server 10.0.0.1 80 {\n  protocol TCP\n  lb_kind NAT\n  lb_algo RR\n${RS}\n}\n`);
  assert.deepEqual(r.problems(), ["4:11 Invalid lvs_scheduler 'RR' - ignoring", "1:1 Virtual server [10.0.0.1]:tcp:80: no scheduler set, setting default 'wlc'"]);
});

test('lb_kind: NAT DR TUN upper case only; TUN tunnel options and their errors', () => {
  const m = (kind: string) => load(vsConf(RS).replace('lb_kind NAT', `lb_kind ${kind}`));
  assert.deepEqual(m('TUN').vs().lbKind, { kind: 'TUN', tunnelType: 'ipip', tunnelPort: 0, tunnelChecksum: 'nocsum' });
  assert.deepEqual(m('TUN type gue port 6080 csum').vs().lbKind, { kind: 'TUN', tunnelType: 'gue', tunnelPort: 6080, tunnelChecksum: 'csum' });
  assert.deepEqual(m('TUN type gre remcsum').messages(), ['gre tunnels do not support remote checksum option.']);
  assert.deepEqual(m('TUN type gre').vs().lbKind.tunnelType, 'gre');
  assert.deepEqual(m('TUN type gue').messages(), ['gue tunnels require port, otherwise cannot have port.']);
  assert.deepEqual(m('TUN port 5').messages(), ['gue tunnels require port, otherwise cannot have port.']);
  assert.deepEqual(m('TUN csum').messages(), ['ipip tunnels do not support checksum option.']);
  assert.deepEqual(m('TUN type vxlan').messages(), ['Unknown tunnel type vxlan for virtual server.']);
  assert.deepEqual(m('TUN type').messages(), ['Missing tunnel type for virtual server.']);
  assert.deepEqual(m('TUN bogus').messages(), ['Invalid tunnel option bogus for virtual server.']);
  const lower = m('dr');
  assert.deepEqual(lower.problems()[0], '4:11 PARSER : unknown [dr] routing method for virtual server.');
  assert.equal(lower.vs().lbKind.kind, 'NAT');
});

test('protocol is case-insensitive; an unknown one is reported and ignored', () => {
  assert.equal(load(vsConf(RS).replace('protocol TCP', 'protocol udp')).vs().protocol, 'UDP');
  const r = load(vsConf(RS).replace('protocol TCP', 'protocol ICMP'));
  assert.deepEqual(r.problems(), ['2:12 Unknown protocol ICMP - ignoring', '1:1 Virtual server [10.0.0.1]:none:80: no protocol set - defaulting to UDP']);
});

test('persistence_timeout: bare keyword = 360, range 1..31 days', () => {
  assert.equal(load(vsConf('  persistence_timeout\n' + RS)).vs().persistenceTimeout, 360);
  assert.equal(load(vsConf('  persistence_timeout 2678400\n' + RS)).vs().persistenceTimeout, 2678400);
  const r = load(vsConf('  persistence_timeout 0\n' + RS));
  assert.deepEqual(r.messages(), ['persistence_timeout invalid']);
  assert.equal(r.vs().persistenceTimeout, 0);
  assert.deepEqual(load(vsConf('  persistence_timeout -5\n' + RS)).messages(), ['persistence_timeout invalid']);
});

test('persistence_granularity: IPv4 netmask (inet_aton syntax), IPv6 prefix; implies persistence 360', () => {
  const v4 = load(vsConf('  persistence_granularity 255.255.0.0\n' + RS)).vs();
  assert.equal(v4.persistenceGranularity.family === 4 && v4.persistenceGranularity.netmask.text, '255.255.0.0');
  assert.equal(v4.persistenceTimeout, 360);
  const v6 = load(vsConf('  persistence_granularity 64\n  real_server fd00::2 80 {\n  }', 'virtual_server fd00::1 80'));
  assert.deepEqual(v6.vs().persistenceGranularity, { family: 6, prefixLen: 64 });
  assert.deepEqual(v6.problems(), []);
  assert.deepEqual(load(vsConf('  real_server fd00::2 80 {\n  }', 'virtual_server fd00::1 80')).vs().persistenceGranularity, { family: 6, prefixLen: 128 });
  // keepalived reads "24" on an IPv4 service as the address 0.0.0.24 and says nothing: we warn.
  const odd = load(vsConf('  persistence_granularity 24\n' + RS));
  const g = odd.vs().persistenceGranularity;
  assert.equal(g.family === 4 && g.netmask.text, '0.0.0.24');
  assert.equal(odd.diags[0].origin, 'extra');
  assert.deepEqual(odd.problems(), ['5:27 persistence_granularity 24 is the netmask 0.0.0.24, which is not contiguous']);
  assert.deepEqual(load(vsConf('  persistence_granularity 300.1.1.1\n' + RS)).messages(), ['Invalid IPv4 persistence_granularity specified - 300.1.1.1']);
  assert.deepEqual(
    load(vsConf('  persistence_granularity 129\n  real_server fd00::2 80 {\n  }', 'virtual_server fd00::1 80')).messages(),
    ['Invalid IPv6 persistence_granularity specified - 129'],
  );
});

test('persistence_engine longer than 16 characters is truncated with keepalived\'s error', () => {
  const r = load(vsConf('  persistence_engine abcdefghijklmnopqrs\n' + RS));
  assert.equal(r.vs().persistenceEngine, 'abcdefghijklmnop');
  assert.deepEqual(r.messages(), ['persistence_name too long, truncating - abcdefghijklmnopqrs']);
});

test('service flags: ops, flag-1..3; sh-/mh- flags need lb_algo sh/mh written before them', () => {
  const sh = load(vsConf('  lb_algo sh\n  sh-port\n  sh-fallback\n  hashed\n  mh-port\n' + RS));
  assert.deepEqual(sh.vs().serviceFlags, { ops: false, flag1: true, flag2: true, flag3: false });
  assert.deepEqual(sh.problems(), []);
  const mh = load(vsConf('  lb_algo mh\n  mh-port\n' + RS));
  assert.deepEqual(mh.vs().serviceFlags, { ops: false, flag1: false, flag2: true, flag3: false });
  const rr = load(vsConf('  hashed\n  sh-port\n' + RS));
  assert.deepEqual(rr.messages(), ['hashed only applies to sh scheduler - ignoring', 'sh-port only applies to sh scheduler - ignoring']);
  const flags = load(vsConf('  flag-1\n  flag-2\n' + RS));
  assert.deepEqual(flags.vs().serviceFlags, { ops: false, flag1: true, flag2: true, flag3: false });
  const udp = load(vsConf('  ops\n' + RS).replace('protocol TCP', 'protocol UDP'));
  assert.equal(udp.vs().serviceFlags.ops, true);
  const tcp = load(vsConf('  ops\n' + RS));
  assert.deepEqual(tcp.problems(), ['5:3 Virtual server [10.0.0.1]:tcp:80: one packet scheduling requires UDP - resetting']);
  assert.equal(tcp.vs().serviceFlags.ops, false);
});

test('numbers and timers: keepalived\'s ranges and messages', () => {
  const r = load(
    vsConf(
      [
        '  delay_loop 0',
        '  connect_timeout 5000',
        '  weight 0',
        '  quorum 0',
        '  hysteresis -1',
        '  retry 0',
        '  warmup x',
        '  delay_before_retry 1.1234567',
        RS,
      ].join('\n'),
    ),
  );
  assert.deepEqual(r.problems(), [
    "5:14 virtual server delay loop '0' invalid - ignoring",
    '6:19 virtual server connect_timeout 5000 invalid - ignoring',
    '7:10 Virtual server weight 0 is outside range 1-2147483647',
    '8:10 Quorum 0 must be in [1, 4294967295]. Setting to 1.',
    '9:14 Hysteresis -1 must be in [0, 4294967295] - ignoring',
    '10:9 retry value invalid - 0',
    "11:10 virtual server warmup 'x' invalid - ignoring",
    "12:22 number '1.1234567' has too many decimal places",
  ]);
  const vs = r.vs();
  assert.deepEqual([vs.delayLoop, vs.connectTimeout, vs.weight, vs.quorum, vs.hysteresis, vs.retry, vs.warmup], [60, 5, 1, 1, 0, undefined, undefined]);
  // Too many decimals: reported, yet the rounded value is used, as keepalived does.
  assert.equal(vs.delayBeforeRetry, 1.123457);
});

test('a keyword missing its parameter: keepalived stops with exit 2', () => {
  for (const kw of ['lb_algo', 'lb_kind', 'protocol', 'delay_loop', 'quorum', 'weight', 'persistence_granularity', 'sorry_server', 'ip_family', 'quorum_up']) {
    const r = load(vsConf(`  ${kw}\n${RS}`));
    assert.equal(r.rc, 2, kw);
    const d = r.diags.find((x) => x.exitCode === 2)!;
    assert.equal(d.message, `*** Configuration line starting \`${kw}\` is missing a parameter after keyword \`${kw}\` at word position 2`);
    assert.deepEqual([d.line, d.col], [5, 3]);
  }
  assert.equal(load('virtual_server {\n}\n').rc, 2);
  assert.equal(load('virtual_server group {\n}\n').rc, 2);
});

test('bare flags ignore an argument: "alpha off" turns alpha ON (our warning)', () => {
  const r = load(vsConf('  alpha off\n  inhibit_on_failure no\n  omega false\n  ha_suspend off\n' + RS));
  const vs = r.vs();
  assert.deepEqual([vs.alpha, vs.inhibitOnFailure, vs.omega, vs.haSuspend], [true, true, true, true]);
  assert.equal(r.diags.filter((d) => d.origin === 'extra' && d.severity === 'warning').length, 4);
  assert.deepEqual(r.problems()[0], "5:9 'alpha' takes no argument here: keepalived ignores 'off' and turns 'alpha' ON");
});

test('smtp_alert: explicit value, else global smtp_alert_checker, else smtp_alert, else off', () => {
  assert.equal(load(vsConf('  smtp_alert off\n' + RS)).vs().smtpAlert, false);
  assert.deepEqual(load(vsConf('  smtp_alert maybe\n' + RS)).messages(), ['Invalid virtual_server smtp_alert parameter maybe']);
  assert.equal(load('global_defs {\n  smtp_alert\n}\n' + vsConf(RS)).vs().smtpAlert, true);
  assert.equal(load('global_defs {\n  smtp_alert\n  smtp_alert_checker off\n}\n' + vsConf(RS)).vs().smtpAlert, false);
});

test('ip_family conflicts with the address family', () => {
  const r = load(vsConf('  ip_family inet6\n' + RS));
  assert.deepEqual(r.messages(), ['Virtual server specified family inet6 conflicts with server family']);
  assert.deepEqual(load(vsConf('  ip_family ipx\n' + RS)).messages(), ['unknown address family ipx']);
});

test('quorum_up / quorum_down given twice: the second is ignored', () => {
  const r = load(vsConf('  quorum_up /bin/a\n  quorum_up /bin/b\n' + RS));
  assert.deepEqual(r.messages(), ['((null)) quorum_up script already specified - ignoring /bin/b']);
  assert.equal(r.vs().quorumUp?.command, '/bin/a');
});

test('virtualhost and snmp_name need exactly their value', () => {
  assert.deepEqual(load(vsConf('  virtualhost\n' + RS)).messages(), ['virtual server virtualhost missing']);
  assert.deepEqual(load(vsConf('  snmp_name a b\n' + RS)).messages(), ['virtual server snmp_name missing or extra parameters']);
});

test('quorum above the total weight is capped; hysteresis forced below quorum (unsigned, as keepalived)', () => {
  const r = load(vsConf('  quorum 5\n  hysteresis 7\n' + RS));
  assert.deepEqual(r.problems(), [
    '5:3 Warning - quorum 5 for [10.0.0.1]:tcp:80 exceeds total weight of real servers 1, reducing quorum to 1',
    '6:3 Virtual server [10.0.0.1]:tcp:80: hysteresis 7 >= quorum 1; setting hysteresis to 0',
  ]);
  assert.deepEqual([r.vs().quorum, r.vs().hysteresis], [1, 0]);
  const zero = load(vsConf('  real_server 10.0.1.1 80 {\n    weight 0\n  }'));
  assert.deepEqual([zero.vs().quorum, zero.vs().hysteresis], [0, 4294967295]);
  assert.deepEqual(zero.messages(), [
    'Warning - quorum 1 for [10.0.0.1]:tcp:80 exceeds total weight of real servers 0, reducing quorum to 0',
    'Virtual server [10.0.0.1]:tcp:80: hysteresis 0 >= quorum 0; setting hysteresis to 4294967295',
  ]);
});

test('a virtual server without real servers is dropped with keepalived\'s error', () => {
  const r = load(vsConf(''));
  assert.deepEqual(r.problems(), ['1:1 Virtual server [10.0.0.1]:tcp:80 has no real servers - ignoring']);
  assert.equal(r.config.lvs.virtualServers.length, 0);
});

test('virtual_server without a port: only for persistent services, else keepalived makes it persistent', () => {
  const p = load(vsConf('  persistence_timeout 50\n  real_server 10.0.1.1 80 {\n  }', 'virtual_server 10.0.0.1'));
  assert.deepEqual(p.problems(), []);
  assert.equal(p.vs().key, '[10.0.0.1]:tcp:0');
  // A NAT real server with a port keeps it (no VS port to copy).
  assert.equal(p.rs().port, 80);
  const np = load(vsConf(RS, 'virtual_server 10.0.0.1 0'));
  assert.deepEqual(np.problems(), ['1:1 Virtual server [10.0.0.1]:tcp:0: zero port only valid for persistent services - setting']);
  assert.equal(np.vs().persistenceTimeout, 360);
});

test('invalid virtual server address or port: the block is skipped', () => {
  const r = load(vsConf(RS, 'virtual_server 10.0.0.999 80'));
  assert.deepEqual(r.problems(), ['1:16 Invalid virtual server IP address/port 10.0.0.999/80 - skipping']);
  assert.equal(r.config.lvs.virtualServers.length, 0);
  assert.deepEqual(load(vsConf(RS, 'virtual_server 10.0.0.1 70000')).messages(), ['Invalid virtual server IP address/port 10.0.0.1/70000 - skipping']);
  assert.deepEqual(load(vsConf(RS, 'virtual_server 10.0.0.1 http')).messages(), ['Invalid virtual server IP address/port 10.0.0.1/http - skipping']);
  assert.deepEqual(load(vsConf(RS, 'virtual_server fwmark x')).messages(), ["virtual server fwmark 'x' must be in [0, 4294967295] - ignoring"]);
});

test('an address with a range or prefix is taken as the single address (keepalived), with our warning', () => {
  const r = load(vsConf(RS, 'virtual_server 10.0.0.1/24 80'));
  assert.equal(r.vs().key, '[10.0.0.1]:tcp:80');
  assert.deepEqual(r.problems(), ["1:16 '10.0.0.1/24': keepalived ignores '/24' and uses the single address 10.0.0.1"]);
  assert.equal(r.diags[0].origin, 'extra');
});

test('IPv6 virtual server key uses the compressed address', () => {
  const r = load(vsConf('  real_server fd00:0:0::2 80 {\n  }', 'virtual_server fd00:0::1 443'));
  assert.equal(r.vs().key, '[fd00::1]:tcp:443');
  assert.equal(r.rs().key, '[fd00::2]:tcp:80');
  assert.equal(r.vs().family, 6);
});

test('fwmark virtual server: protocol ignored with keepalived\'s warning, RS ports cleared unless NAT, IPv4 by default', () => {
  const r = load(
    'virtual_server fwmark 1 {\n  protocol TCP\n  lb_algo rr\n  lb_kind DR\n  ha_suspend\n  real_server 10.0.1.1 80 {\n  }\n}\n',
  );
  assert.deepEqual(r.problems(), [
    '5:3 Virtual server FWM 1: cannot use ha_suspend with fwmarks - clearing ha_suspend',
    '2:3 Warning: Virtual server FWM 1: protocol specified for fwmark - protocol will be ignored',
    '6:3 WARNING - fwmark virtual server FWM 1, real server [10.0.1.1]:none:80 has port specified - clearing',
  ]);
  const vs = r.vs();
  assert.deepEqual([vs.key, vs.protocol, vs.haSuspend, vs.family], ['FWM 1', null, false, 4]);
  assert.deepEqual([r.rs().port, r.rs().key], [0, '[10.0.1.1]:none:0']);
  const nat = load('virtual_server fwmark 2 {\n  lb_algo rr\n  lb_kind NAT\n  real_server 10.0.1.1 80 {\n  }\n}\n');
  assert.equal(nat.rs().port, 80);
  assert.equal(nat.rc, 0);
  // All real servers tunnelled: their family.
  const tun = load('virtual_server fwmark 3 {\n  lb_algo rr\n  lb_kind TUN\n  real_server fd00::5 {\n  }\n}\n');
  assert.equal(tun.vs().family, 6);
});
