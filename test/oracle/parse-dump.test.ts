// The dump parser, checked against dumps captured live from keepalived 2.2.7 in this test:
// the Debian samples (values asserted are read off the sample files) and one config of our
// own that exercises the shapes the samples lack (unicast, excluded VIPs, notify scripts...).

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { keepalivedVrrpDump, parseVrrpDump, requireKeepalived, type VrrpDumpResult } from './keepalived.js';
import { createNetns, type OwnedNetns } from './netns.js';
import { mapLimit } from './pool.js';
import type { ComparableVrrpConfig, ComparableVrrpInstance } from './comparable.js';
import { canonicalAddress, commandArgv, stripTimestamp } from './parse-dump.js';

const SAMPLES = '/usr/share/doc/keepalived/samples';

interface Job {
  key: string;
  file: string;
  configId?: string;
}

const sampleJobs: Job[] = [
  'keepalived.conf.SSL_GET',
  'keepalived.conf.sample',
  'keepalived.conf.track_interface',
  'keepalived.conf.vrrp',
  'keepalived.conf.vrrp.localcheck',
  'keepalived.conf.vrrp.lvs_syncd',
  'keepalived.conf.vrrp.routes',
  'keepalived.conf.vrrp.rules',
  'keepalived.conf.vrrp.scripts',
  'keepalived.conf.vrrp.static_ipaddress',
  'keepalived.conf.vrrp.sync',
].map((f) => ({ key: f, file: path.join(SAMPLES, f) }));
sampleJobs.push(
  { key: 'conditional_conf@high', file: path.join(SAMPLES, 'keepalived.conf.conditional_conf'), configId: 'high' },
  { key: 'conditional_conf@low', file: path.join(SAMPLES, 'keepalived.conf.conditional_conf'), configId: 'low' },
);

// Our own config for shapes the samples do not show; the script exists so keepalived keeps it.
function richConfig(script: string): string {
  return `global_defs {
  router_id ORACLE_RICH
  notification_email {
    ops@example.test
    noc@example.test
  }
  notification_email_from kt@example.test
  smtp_server 127.0.0.1 2525
  smtp_connect_timeout 12
  vrrp_garp_master_delay 7
  vrrp_garp_master_repeat 3
  vrrp_garp_master_refresh 60
  vrrp_garp_interval 0.5
  vrrp_gna_interval 0.25
  vrrp_mcast_group4 224.0.0.19
  vrrp_version 3
  vrrp_check_unicast_src
  vrrp_skip_check_adv_addr
}
vrrp_script chk_web {
  script "${script} web 'two words'"
  interval 3
  timeout 2
  weight -10 reverse
  rise 2
  fall 4
}
vrrp_sync_group G_RICH {
  group {
    VI_U
    VI_M
  }
  notify_master "${script} group master"
  notify ${script}
}
vrrp_instance VI_U {
  state BACKUP
  interface eth0
  virtual_router_id 10
  priority 120
  advert_int 0.5
  nopreempt
  promote_secondaries
  unicast_src_ip 192.168.200.10
  unicast_ttl 10
  unicast_peer {
    192.168.200.11
    192.168.200.12 min_ttl 2 max_ttl 30
  }
  virtual_ipaddress {
    192.168.200.100/24 brd 192.168.200.255 dev eth0 scope global label eth0:5
    192.168.200.101 dev eth1 scope link
    192.168.200.102/32 no_track
  }
  virtual_ipaddress_excluded {
    10.9.9.9/16 dev eth2
    fd00::9/64 dev eth2
  }
  virtual_routes {
    10.50.0.0/16 via 192.168.200.1 dev eth0
  }
  virtual_rules {
    from 10.50.0.0/16 table 7 preference 100
  }
  notify_master "${script} m 1"
  notify_deleted ${script}
  notify ${script}
  smtp_alert
}
vrrp_instance VI_M {
  interface eth1
  virtual_router_id 11
  priority 90
  version 2
  preempt_delay 12.5
  garp_master_delay 2
  authentication {
    auth_type PASS
    auth_pass secretpassword
  }
  virtual_ipaddress {
    10.0.1.100/24
  }
}
vrrp_instance VI_T {
  interface eth1
  virtual_router_id 12
  priority 50
  track_interface {
    eth2 weight 5
    eth3 weight -7 reverse
  }
  track_script {
    chk_web weight 20 reverse
  }
  virtual_ipaddress {
    10.0.3.100
  }
}
`;
}

const dumps = new Map<string, VrrpDumpResult>();
const parsed = new Map<string, ComparableVrrpConfig>();
const namespaces: OwnedNetns[] = [];
let tmp = '';

function inst(key: string, name: string): ComparableVrrpInstance {
  const cfg = parsed.get(key);
  assert.ok(cfg, `no dump for ${key}`);
  const found = cfg.instances.find((i) => i.name === name);
  assert.ok(found, `${key}: no instance ${name} in ${cfg.instances.map((i) => i.name).join(',')}`);
  return found;
}

before(async () => {
  requireKeepalived();
  tmp = await mkdtemp(path.join(os.tmpdir(), 'kt-oracle-dump-'));
  const script = path.join(tmp, 'notify.sh');
  await writeFile(script, '#!/bin/sh\nexit 0\n');
  await chmod(script, 0o755);
  const rich = path.join(tmp, 'rich.conf');
  await writeFile(rich, richConfig(script));
  const jobs = [...sampleJobs, { key: 'rich', file: rich }];

  // Two workers, each with its own namespace: concurrent daemons must not share interfaces.
  namespaces.push(await createNetns(), await createNetns());
  await mapLimit(jobs, 2, async (job, worker) => {
    const res = await keepalivedVrrpDump(job.file, { configId: job.configId, ns: namespaces[worker] });
    dumps.set(job.key, res);
    parsed.set(job.key, parseVrrpDump(res.lines));
  });
});

after(async () => {
  for (const ns of namespaces) await ns.destroy();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

describe('keepalived -d dump of the samples', () => {
  test('every sample with vrrp_instance dumps completely and yields its instances', async () => {
    for (const job of sampleJobs) {
      const res = dumps.get(job.key);
      assert.ok(res, job.key);
      if (job.key.endsWith('lvs_syncd')) continue; // needs IPVS; checked below
      assert.equal(res.complete, true, `${job.key}: dump incomplete after ${res.durationMs} ms`);
      const text = await readFile(job.file, 'utf8');
      const declared = text.split('\n').filter((l) => /^\s*vrrp_instance\s/.test(l)).length;
      assert.equal(parsed.get(job.key)?.instances.length, declared, `${job.key}: instance count`);
    }
  });

  test('dump is bounded: each run finished within 5 s plus the stop grace', () => {
    for (const [key, res] of dumps) assert.ok(res.durationMs < 8000, `${key}: ${res.durationMs} ms`);
  });

  test('keepalived.conf.vrrp: global defs', () => {
    const g = parsed.get('keepalived.conf.vrrp')!.global;
    assert.equal(g.routerId, 'LVS_DEVEL');
    assert.equal(g.smtpServer, '192.168.200.1');
    assert.equal(g.smtpServerPort, 25);
    assert.equal(g.smtpConnectTimeout, 30);
    assert.equal(g.emailFrom, 'Alexandre.Cassen@firewall.loc');
    assert.deepEqual(g.emailTo, ['acassen']);
    assert.deepEqual(g.garp, { delay: 5, repeat: 5, refresh: 0, refreshRepeat: 1, lowerPrioDelay: 5, lowerPrioRepeat: 5 });
    assert.equal(g.vrrpVersion, 2);
    assert.equal(g.mcastGroup4, '224.0.0.18');
    assert.equal(g.strict, false);
    assert.equal(g.networkNamespace, null);
  });

  test('keepalived.conf.vrrp: VI_1 has vrid 51, priority 100, PASS 1111, 4 VIPs, garp delay 10', () => {
    const vi = inst('keepalived.conf.vrrp', 'VI_1');
    assert.equal(vi.vrid, 51);
    assert.equal(vi.priority, 100);
    assert.equal(vi.wantState, 'MASTER');
    assert.equal(vi.interface, 'eth0');
    assert.equal(vi.srcIp, '192.168.200.10');
    assert.equal(vi.advertIntMs, 1000);
    assert.equal(vi.authType, 'PASS');
    assert.equal(vi.authPass, '1111');
    assert.equal(vi.garp.delay, 10);
    assert.equal(vi.smtpAlert, true);
    assert.deepEqual(vi.vips, [
      '192.168.200.16/32 dev eth0 scope global',
      '192.168.200.17/32 dev eth0 scope global',
      '192.168.200.18/32 dev eth0 scope global',
      '192.168.200.18/32 dev eth0 scope global label eth0:1',
    ]);
  });

  test('keepalived.conf.vrrp: VI_4 on eth1, BACKUP, priority 50, no auth', () => {
    const vi = inst('keepalived.conf.vrrp', 'VI_4');
    assert.equal(vi.vrid, 53);
    assert.equal(vi.priority, 50);
    assert.equal(vi.wantState, 'BACKUP');
    assert.equal(vi.interface, 'eth1');
    assert.equal(vi.authType, null);
    assert.equal(vi.vips.length, 3);
  });

  test('keepalived.conf.sample: nopreempt, no state -> BACKUP', () => {
    const vi = inst('keepalived.conf.sample', 'VI_1');
    assert.equal(vi.vrid, 50);
    assert.equal(vi.preempt, false);
    assert.equal(vi.nopreempt, true);
    assert.equal(vi.wantState, 'BACKUP');
  });

  test('keepalived.conf.SSL_GET: AH authentication, MASTER forced to BACKUP', () => {
    const vi = inst('keepalived.conf.SSL_GET', 'VI_1');
    assert.equal(vi.authType, 'AH');
    assert.equal(vi.authPass, null);
    assert.equal(vi.wantState, 'BACKUP');
  });

  test('keepalived.conf.vrrp.localcheck: scripts, tracked interfaces and weights', () => {
    const cfg = parsed.get('keepalived.conf.vrrp.localcheck')!;
    const vi = inst('keepalived.conf.vrrp.localcheck', 'VI_1');
    assert.deepEqual(vi.trackInterfaces, [
      { name: 'eth1', weight: 2, reverse: false },
      { name: 'eth2', weight: -2, reverse: false },
      { name: 'eth3', weight: 0, reverse: false },
    ]);
    assert.deepEqual(vi.trackScripts[0], { name: 'chk_sshd', weight: -4, reverse: false });
    assert.deepEqual(vi.vips, ['192.168.200.18/25 dev eth0 scope global']);
    const sshd = cfg.scripts.find((s) => s.name === 'chk_sshd');
    assert.ok(sshd);
    assert.deepEqual(sshd.argv, ['/usr/bin/killall', '-0', 'sshd']);
    assert.equal(sshd.interval, 2);
    assert.equal(sshd.weight, -4);
    assert.equal(sshd.rise, 2);
    assert.equal(sshd.fall, 2);
    const http = cfg.scripts.find((s) => s.name === 'chk_http_port');
    assert.deepEqual(http?.argv, ['</dev/tcp/127.0.0.1/80']);
    assert.deepEqual(
      http?.trackedBy.map((t) => t.instance),
      ['VI_1', 'VI_2'],
    );
  });

  test('keepalived.conf.vrrp.sync: two sync groups and their members', () => {
    const cfg = parsed.get('keepalived.conf.vrrp.sync')!;
    assert.deepEqual(
      cfg.syncGroups.map((g) => [g.name, g.members]),
      [
        ['G1', ['VI_1', 'VI_2', 'VI_5', 'VI_6', 'VI_7', 'VI_8', 'VI_9']],
        ['G2', ['VI_3', 'VI_4']],
      ],
    );
    assert.equal(inst('keepalived.conf.vrrp.sync', 'VI_3').syncGroup, 'G2');
  });

  test('keepalived.conf.vrrp.routes: static and virtual routes, without runtime annotations', () => {
    const cfg = parsed.get('keepalived.conf.vrrp.routes')!;
    assert.ok(cfg.staticRoutes.includes('prepend 192.168.212.0/24 dev eth3 proto 18 scope 200'), cfg.staticRoutes.join('\n'));
    const vi = inst('keepalived.conf.vrrp.routes', 'VI_1');
    assert.ok(vi.virtualRoutes.includes('add blackhole 192.168.113.1 proto 18 no_track'), vi.virtualRoutes.join('\n'));
    assert.equal(vi.virtualRoutes.length, 7);
  });

  test('keepalived.conf.vrrp.rules and static_ipaddress: rules and static addresses', () => {
    assert.deepEqual(parsed.get('keepalived.conf.vrrp.rules')!.staticRules, [
      'from 192.168.100.0/24 priority 16384 tos 0x0 protocol 18 lookup 1',
    ]);
    assert.deepEqual(parsed.get('keepalived.conf.vrrp.static_ipaddress')!.staticAddresses, [
      '192.168.200.16/32 dev eth0 scope link',
      '192.168.200.17/32 dev eth1 scope link',
      '192.168.200.18/32 dev eth2 scope global',
    ]);
  });

  test('keepalived.conf.track_interface: interface eth0.1 is provided and used', () => {
    const vi = inst('keepalived.conf.track_interface', 'VI_1');
    assert.equal(vi.interface, 'eth0.1');
    assert.equal(vi.vips[0], '192.168.200.16/32 dev eth0.1 scope global');
    assert.deepEqual(
      vi.trackInterfaces.map((t) => t.name),
      ['eth0', 'eth1'],
    );
  });

  test('keepalived.conf.conditional_conf with -i high / -i low', () => {
    for (const [id, prio] of [
      ['high', 170],
      ['low', 85],
    ] as const) {
      const key = `conditional_conf@${id}`;
      assert.equal(parsed.get(key)!.global.networkNamespace, id);
      const vi = inst(key, 'VI_0');
      assert.equal(vi.priority, prio);
      assert.equal(vi.version, 3);
      assert.equal(vi.advertIntMs, 12000);
      assert.equal(vi.interface, 'eth0');
      assert.equal(vi.vmacInterface, 'vrrp.1');
      assert.deepEqual(vi.trackInterfaces, [
        { name: 'eth3', weight: 0, reverse: false },
        { name: 'eth2', weight: 20, reverse: false },
      ]);
    }
  });

  test('keepalived.conf.vrrp.lvs_syncd: keepalived stops itself (no IPVS on this host), no dump', () => {
    const res = dumps.get('keepalived.conf.vrrp.lvs_syncd')!;
    assert.equal(res.complete, false);
    assert.equal(res.exitCode, 1);
    assert.ok(res.lines.some((l) => l.includes("Unknown keyword 'VI_2'")));
  });
});

describe('keepalived -d dump of our own config (unicast, excluded VIPs, notify, tracking)', () => {
  test('global overrides', () => {
    const g = parsed.get('rich')!.global;
    assert.equal(g.routerId, 'ORACLE_RICH');
    assert.equal(g.smtpServer, '127.0.0.1');
    assert.equal(g.smtpServerPort, 2525);
    assert.equal(g.smtpConnectTimeout, 12);
    assert.deepEqual(g.emailTo, ['ops@example.test', 'noc@example.test']);
    assert.equal(g.garp.delay, 7);
    assert.equal(g.garp.repeat, 3);
    assert.equal(g.garp.refresh, 60);
    assert.equal(g.garpInterval, 0.5);
    assert.equal(g.gnaInterval, 0.25);
    assert.equal(g.mcastGroup4, '224.0.0.19');
    assert.equal(g.vrrpVersion, 3);
    assert.equal(g.checkUnicastSrc, true);
    assert.equal(g.skipCheckAdvAddr, true);
  });

  test('unicast instance: peers, ttl, src ip from config, VIPs with brd/label/scope/no_track', () => {
    const vi = inst('rich', 'VI_U');
    assert.equal(vi.unicast, true);
    assert.equal(vi.mcastAddress, null);
    assert.equal(vi.srcIp, '192.168.200.10');
    assert.equal(vi.srcIpFromConfig, true);
    assert.equal(vi.unicastTtl, 10);
    assert.equal(vi.checkUnicastSrc, true);
    assert.deepEqual(vi.unicastPeers, [
      { address: '192.168.200.11', minTtl: 0, maxTtl: 255 },
      { address: '192.168.200.12', minTtl: 2, maxTtl: 30 },
    ]);
    assert.equal(vi.version, 3);
    assert.equal(vi.advertIntMs, 500);
    assert.equal(vi.nopreempt, true);
    assert.equal(vi.promoteSecondaries, true);
    assert.deepEqual(vi.vips, [
      '192.168.200.100/24 brd 192.168.200.255 dev eth0 scope global label eth0:5',
      '192.168.200.101/32 dev eth1 scope link',
      '192.168.200.102/32 dev eth0 scope global no_track',
    ]);
    assert.deepEqual(vi.excludedVips, [
      '10.9.9.9/16 dev eth2 scope global',
      'fd00::9/64 dev eth2 scope global preferred_lft forever',
    ]);
    assert.deepEqual(vi.virtualRoutes, ['prepend 10.50.0.0/16 via inet 192.168.200.1 dev eth0 proto 18']);
    assert.deepEqual(vi.virtualRules, ['from 10.50.0.0/16 priority 100 tos 0x0 protocol 18 lookup 7']);
  });

  test('notify scripts per kind, with argv', () => {
    const vi = inst('rich', 'VI_U');
    const script = path.join(tmp, 'notify.sh');
    assert.deepEqual(vi.notify.master?.argv, [script, 'm', '1']);
    assert.equal(vi.notify.master?.command, `'${script}' 'm' '1'`);
    assert.deepEqual(vi.notify.generic?.argv, [script]);
    assert.deepEqual(vi.notify.deleted?.argv, [script]);
    assert.equal(vi.notify.backup, undefined);
    assert.equal(vi.notifyDeleted, true);
    assert.equal(vi.smtpAlert, true);
    const g = parsed.get('rich')!.syncGroups[0];
    assert.equal(g.name, 'G_RICH');
    assert.deepEqual(g.members, ['VI_U', 'VI_M']);
    assert.deepEqual(g.notify.master?.argv, [script, 'group', 'master']);
    assert.deepEqual(g.notify.generic?.argv, [script]);
  });

  test('v2 instance: PASS truncated to 8 chars, preempt_delay, per-instance garp delay', () => {
    const vi = inst('rich', 'VI_M');
    assert.equal(vi.version, 2);
    assert.equal(vi.authType, 'PASS');
    assert.equal(vi.authPass, 'secretpa');
    assert.equal(vi.preemptDelay, 12.5);
    assert.equal(vi.garp.delay, 2);
    assert.equal(vi.mcastAddress, '224.0.0.19');
    assert.equal(vi.syncGroup, 'G_RICH');
  });

  test('tracking: interfaces and scripts with weights and reverse; the vrrp_script itself', () => {
    const vi = inst('rich', 'VI_T');
    assert.deepEqual(vi.trackInterfaces, [
      { name: 'eth2', weight: 5, reverse: false },
      { name: 'eth3', weight: -7, reverse: true },
    ]);
    assert.deepEqual(vi.trackScripts, [{ name: 'chk_web', weight: 20, reverse: true }]);
    const s = parsed.get('rich')!.scripts.find((x) => x.name === 'chk_web');
    assert.ok(s);
    assert.deepEqual(s.argv, [path.join(tmp, 'notify.sh'), 'web', 'two words']);
    assert.equal(s.interval, 3);
    assert.equal(s.timeout, 2);
    assert.equal(s.weight, -10);
    assert.equal(s.weightReverse, true);
    assert.equal(s.rise, 2);
    assert.equal(s.fall, 4);
    assert.deepEqual(s.trackedBy, [{ instance: 'VI_T', weight: 20, reverse: true }]);
  });
});

describe('parser helpers', () => {
  test('stripTimestamp removes the ctime prefix only', () => {
    assert.equal(stripTimestamp('Sat Nov  1 15:03:57 2026: (VI_1) Entering MASTER STATE'), '(VI_1) Entering MASTER STATE');
    assert.equal(stripTimestamp('   Priority = 100'), '   Priority = 100');
  });

  test('canonicalAddress adds the host prefix and drops runtime flags', () => {
    assert.equal(canonicalAddress('192.168.200.16 dev eth0 scope link set'), '192.168.200.16/32 dev eth0 scope link');
    assert.equal(canonicalAddress('fe80::100 dev eth2 scope global deprecated'), 'fe80::100/128 dev eth2 scope global deprecated');
    assert.equal(canonicalAddress('10.0.0.1/8 dev eth0 scope global nftable_set'), '10.0.0.1/8 dev eth0 scope global');
  });

  test('commandArgv splits quoted words and keeps a bare redirection', () => {
    assert.deepEqual(commandArgv("'/bin/x' 'a b' 'c'"), ['/bin/x', 'a b', 'c']);
    assert.deepEqual(commandArgv('</dev/tcp/127.0.0.1/80'), ['</dev/tcp/127.0.0.1/80']);
  });

  test('log lines interleaved with the dump are ignored; a second dump is not merged', () => {
    const lines = [
      '------< Global definitions >------',
      ' Router ID = A',
      "Script user 'keepalived_script' does not exist",
      ' Default script uid:gid 0:0',
      '------< VRRP Topology >------',
      ' VRRP Instance = VI_X',
      '   Virtual Router ID = 7',
      '   Priority = 42',
      '------< Interfaces >------',
      ' Name = lo',
      '------< Global definitions >------',
      ' Router ID = B',
    ];
    const cfg = parseVrrpDump(lines);
    assert.equal(cfg.global.routerId, 'A');
    assert.equal(cfg.global.defaultScriptUidGid, '0:0');
    assert.equal(cfg.instances.length, 1);
    assert.equal(cfg.instances[0].vrid, 7);
    assert.equal(cfg.instances[0].priority, 42);
  });
});
