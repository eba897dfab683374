import test from 'node:test';
import assert from 'node:assert/strict';
import { load, vsConf } from './lvs-helpers.js';

test('real_server defaults are inherited from the virtual server after the whole block is read', () => {
  // weight and the timers come after the real server in the file: keepalived still applies them.
  const r = load(vsConf('  real_server 10.0.1.1 80 {\n  }\n  weight 4\n  delay_loop 9\n  connect_timeout 2\n  alpha\n  inhibit_on_failure'));
  const rs = r.rs();
  assert.deepEqual(
    [rs.key, rs.weight, rs.lvsMethod.kind, rs.inhibitOnFailure, rs.alpha, rs.connectTimeout, rs.delayLoop, rs.retry, rs.warmup, rs.delayBeforeRetry],
    ['[10.0.1.1]:tcp:80', 4, 'NAT', true, true, 2, 9, undefined, undefined, undefined],
  );
  assert.deepEqual([rs.uthreshold, rs.lthreshold, rs.smtpAlert, rs.configuredPort], [0, 0, true, 80]);
  assert.deepEqual(rs.pos, { file: r.file, line: 5, col: 3 });
});

test('every real_server keyword', () => {
  const r = load(
    vsConf(
      [
        '  real_server 10.0.1.1 80 {',
        '    weight 5',
        '    lvs_method DR',
        '    uthreshold 100',
        '    lthreshold 10',
        '    inhibit_on_failure false',
        '    notify_up "/bin/up.sh \'a b\'" nobody nogroup',
        '    notify_down /bin/down.sh',
        '    alpha on',
        '    retry 3',
        '    delay_before_retry 2',
        '    warmup 1',
        '    connect_timeout 4',
        '    delay_loop 7',
        '    smtp_alert no',
        '    virtualhost rs.example',
        '    snmp_name rs1',
        '  }',
      ].join('\n'),
    ),
  );
  assert.deepEqual(r.problems(), []);
  const rs = r.rs();
  assert.deepEqual(
    [rs.weight, rs.lvsMethod.kind, rs.uthreshold, rs.lthreshold, rs.inhibitOnFailure, rs.alpha, rs.retry, rs.delayBeforeRetry, rs.warmup, rs.connectTimeout, rs.delayLoop],
    [5, 'DR', 100, 10, false, true, 3, 2, 1, 4, 7],
  );
  assert.deepEqual([rs.smtpAlert, rs.virtualhost, rs.snmpName], [false, 'rs.example', 'rs1']);
  assert.deepEqual(rs.notifyUp && [rs.notifyUp.command, rs.notifyUp.argv, rs.notifyUp.user, rs.notifyUp.group], ["/bin/up.sh 'a b'", ['/bin/up.sh', 'a b'], 'nobody', 'nogroup']);
  assert.equal(rs.notifyUp?.role, 'notify_up of real_server [10.0.1.1]:tcp:80 of virtual_server [10.0.0.1]:tcp:80');
  assert.deepEqual(rs.notifyDown?.argv, ['/bin/down.sh']);
  assert.deepEqual(r.config.lvs.scripts.map((s) => s.command), ["/bin/up.sh 'a b'", '/bin/down.sh']);
});

test('real_server value errors use keepalived\'s messages and keep the defaults', () => {
  const r = load(
    vsConf(
      [
        '  real_server 10.0.1.1 80 {',
        '    weight -1',
        '    uthreshold x',
        '    retry 0',
        '    alpha maybe',
        '    inhibit_on_failure maybe',
        '    smtp_alert maybe',
        '    virtualhost',
        '    delay_loop 0',
        '    connect_timeout 5000',
        '    lvs_method FOO',
        '    snmp_name',
        '    notify_up /bin/a',
        '    notify_up /bin/b',
        '  }',
      ].join('\n'),
    ),
  );
  assert.deepEqual(r.problems(), [
    '6:12 Real server weight -1 is outside range 0-2147483647',
    "7:16 Invalid real_server uthreshold 'x' - ignoring",
    '8:11 retry value invalid - 0',
    '9:11 Invalid alpha parameter maybe',
    '10:24 Invalid inhibit_on_failure parameter maybe',
    '11:16 Invalid real_server smtp_alert parameter maybe',
    '12:5 real server virtualhost missing',
    "13:16 real server delay_loop '0' invalid - ignoring",
    '14:21 real server connect_timeout 5000 invalid - ignoring',
    '15:16 PARSER : unknown [FOO] routing method for real server.',
    '16:5 real server snmp_name missing or extra parameters',
    '18:5 ((null)) notify_up script already specified - ignoring /bin/b',
  ]);
  assert.equal(r.rs().weight, 1);
});

test('invalid real server address or port: keepalived skips the block', () => {
  const r = load(vsConf('  real_server 10.0.1.256 80 {\n    weight 2\n  }\n  real_server 10.0.1.2 80 {\n  }'));
  assert.deepEqual(r.problems(), ['5:15 Invalid real server ip address/port 10.0.1.256/80 - skipping']);
  assert.equal(r.vs().realServers.length, 1);
  assert.deepEqual(load(vsConf('  real_server 10.0.1.1 70000 {\n  }\n  real_server 10.0.1.2 {\n  }')).messages(), [
    'Invalid real server ip address/port 10.0.1.1/70000 - skipping',
  ]);
});

test('real_server needs a block, as in keepalived', () => {
  const r = load(vsConf('  real_server 10.0.1.1 80\n  real_server 10.0.1.2 80 {\n  }'));
  assert.deepEqual(r.problems(), ["5:3 'real_server' needs a '{ ... }' block"]);
});

test('a real server whose family differs from the virtual server\'s is skipped unless tunnelled', () => {
  const r = load(vsConf('  real_server fd00::1 80 {\n  }\n  real_server 10.0.1.1 80 {\n  }'));
  assert.deepEqual(r.problems(), ["5:3 Address family of virtual server and real server fd00::1 don't match - skipping real server."]);
  assert.deepEqual(r.vs().realServers.map((x) => x.key), ['[10.0.1.1]:tcp:80']);
  const tun = load(vsConf('  real_server fd00::1 80 {\n    lvs_method TUN\n  }'));
  assert.deepEqual(tun.problems(), []);
  assert.equal(tun.rs().address.family, 6);
});

test('an exact duplicate real server is removed with keepalived\'s error', () => {
  const r = load(vsConf('  real_server 10.0.1.1 80 {\n    weight 2\n  }\n  real_server 10.0.1.1 80 {\n    weight 3\n  }'));
  assert.deepEqual(r.problems(), ['8:3 VS [10.0.0.1]:tcp:80: real server [10.0.1.1]:tcp:80 is duplicated - removing second rs']);
  assert.equal(r.diags[0].hint, `first defined at ${r.file}:5`);
  assert.deepEqual(r.vs().realServers.map((x) => x.weight), [2]);
});

test('ports: NAT copies a missing port; DR/TUN resets a different one to the VS port (warning)', () => {
  const nat = load(vsConf('  real_server 10.0.1.1 {\n  }\n  real_server 10.0.1.2 8080 {\n  }'));
  assert.deepEqual(nat.vs().realServers.map((x) => [x.key, x.configuredPort]), [['[10.0.1.1]:tcp:80', 0], ['[10.0.1.2]:tcp:8080', 8080]]);
  assert.deepEqual(nat.problems(), []);
  const dr = load(vsConf('  real_server 10.0.1.1 {\n  }\n  real_server 10.0.1.2 8080 {\n  }').replace('lb_kind NAT', 'lb_kind DR'));
  assert.deepEqual(dr.vs().realServers.map((x) => x.port), [80, 80]);
  assert.deepEqual(dr.problems(), ["7:3 WARNING - virtual server [10.0.0.1]:tcp:80 and real server [10.0.1.2]:tcp:8080 ports don't match - resetting"]);
});

test('the forwarding method is copied from the VS when the real server is read; unset ones get NAT at the end', () => {
  // lb_kind after the first real server: that one still gets the final VS method.
  const r = load(
    'virtual_server 10.0.0.1 80 {\n  protocol TCP\n  lb_algo rr\n  real_server 10.0.1.1 80 {\n  }\n  lb_kind DR\n  real_server 10.0.1.2 80 {\n  }\n}\n',
  );
  assert.deepEqual(r.vs().realServers.map((x) => x.lvsMethod.kind), ['DR', 'DR']);
  const none = load('virtual_server 10.0.0.1 80 {\n  protocol TCP\n  lb_algo rr\n  real_server 10.0.1.1 80 {\n  }\n}\n');
  assert.deepEqual(none.messages(), ['Virtual server [10.0.0.1]:tcp:80: no forwarding method set, setting default NAT']);
  // A VS method changed after a real server: that real server keeps the earlier one.
  const changed = load(vsConf('  real_server 10.0.1.1 80 {\n  }\n  lb_kind DR\n  real_server 10.0.1.2 80 {\n  }'));
  assert.deepEqual(changed.vs().realServers.map((x) => x.lvsMethod.kind), ['NAT', 'DR']);
});

test('sorry_server: inhibit, its own forwarding, the VS port when not NAT', () => {
  const r = load(
    vsConf('  sorry_server 10.0.9.9 8080\n  sorry_server_inhibit\n  sorry_server_lvs_method TUN type gre\n  real_server 10.0.1.1 80 {\n  }'),
  );
  assert.deepEqual(r.problems(), ["5:3 WARNING - virtual server [10.0.0.1]:tcp:80 and sorry server ports don't match - resetting"]);
  const s = r.vs().sorryServer!;
  assert.deepEqual([s.key, s.address.text, s.port, s.inhibit, s.lvsMethod.kind, s.lvsMethod.tunnelType, s.duplicatesRealServer], [
    '[10.0.9.9]:tcp:80', '10.0.9.9', 80, true, 'TUN', 'gre', false,
  ]);
  // NAT sorry server without a port keeps 0 (keepalived copies the port only for DR/TUN).
  assert.equal(load(vsConf('  sorry_server 10.0.9.9\n  real_server 10.0.1.1 80 {\n  }')).vs().sorryServer?.port, 0);
});

test('sorry_server errors', () => {
  assert.deepEqual(load(vsConf('  sorry_server_inhibit\n  sorry_server_lvs_method DR\n  real_server 10.0.1.1 80 {\n  }')).messages(), [
    'Ignoring sorry_server inhibit used before or without sorry_server',
    'sorry_server forwarding used without sorry_server',
  ]);
  assert.deepEqual(load(vsConf('  sorry_server 10.0.300.1 80\n  real_server 10.0.1.1 80 {\n  }')).messages(), ['Invalid sorry server IP address 10.0.300.1 - skipping']);
  const fam = load(vsConf('  sorry_server fd00::9 80\n  real_server 10.0.1.1 80 {\n  }'));
  assert.deepEqual(fam.problems(), ["5:3 Address family of virtual server and sorry server fd00::9 don't match - skipping sorry server."]);
  assert.equal(fam.vs().sorryServer, undefined);
});

test('a sorry server equal to a real server takes its inhibit setting', () => {
  const r = load(vsConf('  sorry_server 10.0.1.1 80\n  sorry_server_inhibit\n  real_server 10.0.1.1 80 {\n  }'));
  assert.deepEqual(r.problems(), [
    '7:3 Virtual server [10.0.0.1]:tcp:80: real server [10.0.1.1]:tcp:80 matches sorry server, but inhibit setting differs, clearing on sorry server',
  ]);
  assert.deepEqual([r.vs().sorryServer?.inhibit, r.vs().sorryServer?.duplicatesRealServer], [false, true]);
});

test('an unknown keyword in real_server names the block; a misplaced one says where it belongs', () => {
  const r = load(vsConf('  real_server 10.0.1.1 80 {\n    wieght 2\n    lb_algo rr\n  }'));
  assert.deepEqual(r.problems(), ["6:5 Unknown keyword 'wieght' in real_server", "7:5 Unknown keyword 'lb_algo' in real_server"]);
  assert.equal(r.diags[0].hint, "did you mean 'weight'?");
  assert.match(r.diags[1].hint ?? '', /belongs in 'virtual_server'/);
});

test('a script run as an unknown user is ignored by keepalived; we say so', () => {
  const r = load(vsConf('  real_server 10.0.1.1 80 {\n    notify_up /bin/up nosuch\n    notify_up /bin/up2\n  }'), {
    lookupUser: (u) => (u === 'root' ? { uid: 0, gid: 0 } : undefined),
  });
  assert.deepEqual(r.problems(), ['6:23 Invalid user/group for notify_up script /bin/up - keepalived ignores the script']);
  assert.equal(r.rs().notifyUp?.command, '/bin/up2');
});
