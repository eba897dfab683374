// The namespace helper and the config scan that decides which interfaces to create.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createNetns, defaultAddressFor, withNetns } from './netns.js';
import { expandBraces, scanConfigNeeds, stripComment } from './config-needs.js';
import { brokenDir } from './broken-corpus.js';

const SAMPLES = '/usr/share/doc/keepalived/samples';

function nsExists(name: string): boolean {
  const out = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout;
  return out.split('\n').some((l) => l.split(' ')[0] === name);
}

test('withNetns: veth interfaces up with addresses, lo up, deleted afterwards', async () => {
  let name = '';
  await withNetns({ interfaces: ['eth0', 'eth1', 'eth0.1', { name: 'wan0', addresses: ['10.77.0.1/24', 'fd00::77/64'] }] }, async (ns) => {
    name = ns.name;
    assert.match(name, /^kt-or-\d+-\d+$/);
    assert.ok(nsExists(name));
    const res = await ns.exec(['ip', '-o', 'addr', 'show']);
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stdout, /eth0\s+inet 192\.168\.200\.10\/24/);
    assert.match(res.stdout, /eth1\s+inet 10\.0\.1\.10\/24/);
    assert.match(res.stdout, /eth0\.1\s+inet 10\.1\.\d+\.10\/24/);
    assert.match(res.stdout, /wan0\s+inet 10\.77\.0\.1\/24/);
    assert.match(res.stdout, /wan0\s+inet6 fd00::77\/64/);
    assert.match(res.stdout, /lo\s+inet 127\.0\.0\.1\/8/);
    const links = await ns.exec(['ip', '-o', 'link', 'show', 'type', 'veth']);
    for (const ifname of ['eth0', 'eth1', 'eth0.1', 'wan0']) {
      const line = links.stdout.split('\n').find((l) => l.includes(` ${ifname}@`));
      assert.ok(line, `${ifname} is a veth`);
      assert.match(line, /state UP/, `${ifname} up`);
    }
    await ns.ensureInterfaces(['eth0', 'eth9']);
    assert.ok(ns.interfaces.has('eth9'));
  });
  assert.equal(nsExists(name), false, 'namespace deleted');
});

test('withNetns deletes the namespace when the callback throws', async () => {
  let name = '';
  await assert.rejects(
    withNetns({}, async (ns) => {
      name = ns.name;
      throw new Error('boom');
    }),
    /boom/,
  );
  assert.equal(nsExists(name), false);
});

test('netnsAliases make a named namespace resolve to ours, without touching the host /run/netns', async () => {
  const ns = await createNetns({ interfaces: ['eth0'] });
  try {
    const res = await ns.exec(['ip', 'netns', 'exec', 'kt-alias-probe', 'ip', '-o', 'addr', 'show', 'eth0'], {
      netnsAliases: ['kt-alias-probe'],
    });
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stdout, /192\.168\.200\.10/);
    assert.equal(nsExists('kt-alias-probe'), false);
  } finally {
    await ns.destroy();
  }
});

test('defaultAddressFor is deterministic', () => {
  assert.equal(defaultAddressFor('eth0'), '192.168.200.10/24');
  assert.equal(defaultAddressFor('eth3'), '10.0.3.10/24');
  assert.equal(defaultAddressFor('bond0'), defaultAddressFor('bond0'));
});

test('scanConfigNeeds: eth0.1 of keepalived.conf.track_interface', async () => {
  const needs = await scanConfigNeeds(path.join(SAMPLES, 'keepalived.conf.track_interface'));
  assert.deepEqual(needs.interfaces, ['eth0', 'eth1', 'eth2', 'eth3', 'eth0.1']);
});

test('scanConfigNeeds: both @high and @low branches, namespaces named by net_namespace', async () => {
  const needs = await scanConfigNeeds(path.join(SAMPLES, 'keepalived.conf.conditional_conf'));
  assert.deepEqual(needs.namespaces, ['high', 'low']);
  assert.deepEqual(needs.interfaces, ['eth0', 'eth1', 'eth2', 'eth3']);
});

test('scanConfigNeeds: dev, track_interface lists, bind_if, lvs_sync_daemon, includes with globs', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'kt-oracle-scan-'));
  try {
    await mkdir(path.join(dir, 'conf.d'));
    await writeFile(
      path.join(dir, 'main.conf'),
      [
        'global_defs {',
        '  lvs_sync_daemon sync0 VI_1',
        '}',
        'include conf.d/*.conf',
        'vrrp_instance VI_1 {',
        '  interface bond0   # comment eth9',
        '  track_interface {',
        '    trk1 weight 5',
        '    trk2',
        '  }',
        '  track_interface { trk3 }',
        '  virtual_ipaddress {',
        '    192.168.200.16 dev vip1 label vip1:1',
        '    192.168.200.17 dev $IFACE',
        '  }',
        '}',
      ].join('\n'),
    );
    await writeFile(path.join(dir, 'conf.d', 'a.conf'), 'virtual_server 10.0.0.1 80 {\n real_server 10.0.1.1 80 {\n  TCP_CHECK {\n   bind_if chk0\n  }\n }\n}\n');
    await writeFile(path.join(dir, 'conf.d', 'b.txt'), 'vrrp_instance X {\n interface notme0\n}\n');
    const needs = await scanConfigNeeds(path.join(dir, 'main.conf'));
    assert.deepEqual(
      [...needs.interfaces].sort(),
      ['bond0', 'chk0', 'eth0', 'eth1', 'eth2', 'eth3', 'sync0', 'trk1', 'trk2', 'trk3', 'vip1'].sort(),
    );
    assert.equal(needs.files.length, 2);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('scanConfigNeeds stops at a circular include', async () => {
  const needs = await scanConfigNeeds(path.join(brokenDir(), 'include-circular.conf'));
  assert.equal(needs.files.length, 2);
});

test('stripComment and expandBraces', () => {
  assert.equal(stripComment('priority 100 # high'), 'priority 100 ');
  assert.equal(stripComment('script "a # b" ! c'), 'script "a # b" ');
  assert.deepEqual(expandBraces('/etc/{a,b}/x{1,2}'), ['/etc/a/x1', '/etc/a/x2', '/etc/b/x1', '/etc/b/x2']);
});
