// no_accept under vrrp_strict, side by side: Debian's keepalived 2.2.7 and ours run the same configuration
// on node a of their own LAN; `nft list ruleset` (text, JSON and netlink bytecode) is compared as MASTER,
// after a priority-200 keepalived on node b has made them BACKUP, and after SIGTERM. Handles, counter
// values and the order nft happens to list a set's elements in are normalised away; nothing else is. Also
// checked as MASTER: the VIP does not answer, the node's own address does (the rules' effect).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { Lan, run, type Daemon, type DaemonKind } from './harness.js';
import { normaliseRuleset } from '../../src/vrrp/firewall.js';

const NFT = '/usr/sbin/nft';

interface Variant {
  tag: string;
  title: string;
  /** Extra global_defs lines. */
  global: string[];
  table: string;
}

const VARIANTS: Variant[] = [
  { tag: 'nft', title: 'defaults', global: [], table: 'keepalived' },
  { tag: 'nftc', title: 'nftables kt_fw, nftables_priority -5, nftables_counters', global: ['  nftables kt_fw', '  nftables_priority -5', '  nftables_counters'], table: 'kt_fw' },
];

/**
 * Three instances: IPv4 VIP with IPv4 and IPv6 eVIPs; IPv6 (link-local first, as strict mode wants) keyed by
 * index; IPv6 with dont_track_primary (link-local keyed by interface name). Their priorities make them
 * become master in this order (master-down intervals 78 ms apart), which fixes the order the tables and
 * link-local sets are created in (nft lists in creation order, in both daemons).
 */
function conf(v: Variant, prio: [number, number, number]): string {
  return [
    'global_defs {', '  router_id kt_netns', '  vrrp_strict', ...v.global, '}',
    'vrrp_instance VI_4 {', '  state BACKUP', '  interface eth0', '  virtual_router_id 61', `  priority ${prio[0]}`, '  advert_int 1',
    '  virtual_ipaddress {', '    10.120.0.100/24', '  }',
    '  virtual_ipaddress_excluded {', '    10.120.0.200', '    fd00:120::200', '  }', '}',
    'vrrp_instance VI_6 {', '  state BACKUP', '  interface eth0', '  virtual_router_id 62', `  priority ${prio[1]}`, '  advert_int 1',
    '  virtual_ipaddress {', '    fe80::62/64', '    fd00:120::100/64', '  }', '}',
    'vrrp_instance VI_6N {', '  state BACKUP', '  interface eth0', '  virtual_router_id 63', `  priority ${prio[2]}`, '  advert_int 1',
    '  dont_track_primary',
    '  virtual_ipaddress {', '    fe80::63/64', '  }', '}',
  ].join('\n') + '\n';
}

const SUBJECT: [number, number, number] = [100, 80, 60];
const PEER: [number, number, number] = [200, 200, 200];

interface Snapshot {
  text: string;
  json: unknown[];
  bytecode: string;
}

function nft(ns: string, ...args: string[]): string {
  return run('ip', ['netns', 'exec', ns, NFT, ...args]);
}

/** The JSON listing without metainfo, handles and element order. */
function normaliseJson(text: string): unknown[] {
  const list = (JSON.parse(text) as { nftables: Array<Record<string, Record<string, unknown>>> }).nftables;
  return list.filter((o) => !('metainfo' in o)).map((o) => {
    const [[kind, body]] = Object.entries(o) as Array<[string, Record<string, unknown>]>;
    const { handle: _h, ...rest } = body;
    if (Array.isArray(rest.elem)) rest.elem = rest.elem.map((e) => JSON.stringify(e)).sort();
    if (Array.isArray(rest.expr)) rest.expr = JSON.parse(JSON.stringify(rest.expr).replace(/"counter":\{"packets":\d+,"bytes":\d+\}/g, '"counter":{}'));
    return { [kind]: rest };
  });
}

/** nft --debug=netlink: the rules' expressions and the sets' raw elements, without handles and element order. */
function normaliseBytecode(text: string): string {
  const lines = text.split('\n');
  const end = lines.findIndex((l) => l.startsWith('table '));
  const out: string[] = [];
  let elements: string[] = [];
  const flush = () => {
    out.push(...elements.sort());
    elements = [];
  };
  for (const l of lines.slice(0, end < 0 ? lines.length : end)) {
    if (!l.trim()) continue;
    if (/^\s+element /.test(l)) {
      elements.push(l);
      continue;
    }
    flush();
    out.push(l.replace(/^(ip6? \S+ \S+)( \d+)+$/, '$1').replace(/\[ counter pkts \d+ bytes \d+ \]/, '[ counter ]'));
  }
  flush();
  return out.join('\n');
}

function snapshot(ns: string): Snapshot {
  return {
    text: normaliseRuleset(nft(ns, 'list', 'ruleset')),
    json: normaliseJson(nft(ns, '-j', 'list', 'ruleset')),
    bytecode: normaliseBytecode(spawnSync('ip', ['netns', 'exec', ns, NFT, '--debug=netlink', 'list', 'ruleset'], { encoding: 'utf8' }).stdout),
  };
}

/**
 * Whether `to` answers a TCP SYN from node b within a second: a reset (nothing listens on port 9) or an
 * accept means it does; silence means the packet was dropped. (No ping on this machine.)
 */
function answers(lan: Lan, to: string): boolean {
  const probe = `const s = require('node:net').connect({ host: '${to}', port: 9, timeout: 1000 });
    s.on('connect', () => process.exit(0));
    s.on('error', (e) => process.exit(e.code === 'ECONNREFUSED' ? 0 : 1));
    s.on('timeout', () => process.exit(1));`;
  return spawnSync('ip', ['netns', 'exec', lan.node('b').ns, process.execPath, '-e', probe], { timeout: 5000 }).status === 0;
}

interface Run {
  master: Snapshot;
  backup: Snapshot;
  stopped: Snapshot;
  vipAnswers: boolean;
  vip6Answers: boolean;
  ownAnswers: boolean;
  log: string;
}

const VIPS = ['10.120.0.100', 'fd00:120::100', 'fe80::63'];

/** One daemon on a: MASTER alone, then BACKUP under b's keepalived, then stopped. */
async function scenario(v: Variant, kind: DaemonKind, lan: Lan): Promise<Run> {
  const subject: Daemon = lan.start(kind, 'a', conf(v, SUBJECT));
  const a = lan.node('a').ns;
  for (const vip of VIPS) await lan.waitHolders(vip, ['a'], 9000);
  await subject.waitFor(/\(VI_6N\) Entering MASTER STATE/, 2000);
  await new Promise((r) => setTimeout(r, 300));
  const master = snapshot(a);
  const vipAnswers = answers(lan, '10.120.0.100');
  const vip6Answers = answers(lan, 'fd00:120::100');
  const ownAnswers = answers(lan, '10.120.0.1') && answers(lan, 'fd00:120::1');
  const peer = lan.start('keepalived', 'b', conf(v, PEER));
  for (const vip of VIPS) await lan.waitHolders(vip, ['b'], 9000);
  await subject.waitFor(/\(VI_6N\) Entering BACKUP STATE(?! \(init\))/, 2000);
  await new Promise((r) => setTimeout(r, 300));
  const backup = snapshot(a);
  await subject.stop();
  const stopped = snapshot(a);
  await peer.stop();
  return { master, backup, stopped, vipAnswers, vip6Answers, ownAnswers, log: subject.out };
}

test('nft is installed (Debian package nftables)', () => {
  assert.ok(existsSync(NFT), `${NFT} is missing: apt-get install nftables (the no_accept comparison cannot run)`);
});

for (const v of VARIANTS) {
  describe(`vrrp_strict no_accept firewall, ${v.title}: keepalived and ours leave the same nftables ruleset`, () => {
    const lans: Partial<Record<DaemonKind, Lan>> = {};
    let runs: Record<DaemonKind, Run>;

    before(async () => {
      assert.ok(existsSync(NFT), `${NFT} is missing: apt-get install nftables`);
      lans.keepalived = Lan.create(`${v.tag}k`);
      lans.ours = Lan.create(`${v.tag}o`);
      const [k, o] = await Promise.all([scenario(v, 'keepalived', lans.keepalived), scenario(v, 'ours', lans.ours)]);
      runs = { keepalived: k, ours: o };
    });
    after(async () => {
      for (const lan of Object.values(lans)) {
        await lan?.stopAll();
        lan?.remove();
      }
    });

    test('as MASTER: same tables, chains, hooks, priorities, sets, elements and rules', () => {
      const { keepalived: k, ours: o } = runs;
      assert.match(k.master.text, new RegExp(`table ip ${v.table} \\{[^]*table ip6 ${v.table} \\{`));
      assert.match(k.master.text, /elements = \{ 10\.120\.0\.100, 10\.120\.0\.200 \}/);
      assert.match(k.master.bytecode, /\[ bitwise reg 1 = [^]*\[ lookup reg 1 set vips_link_local_name 0x0 \]/);
      assert.ok(k.master.json.length > 20);
      assert.equal(o.master.text, k.master.text);
      assert.deepEqual(o.master.json, k.master.json);
      assert.equal(o.master.bytecode, k.master.bytecode);
    });

    test('as MASTER the VIPs are dropped (RFC 5798 Accept_Mode off), the node itself answers', () => {
      for (const kind of ['keepalived', 'ours'] as const) {
        const r = runs[kind];
        assert.deepEqual({ kind, vip: r.vipAnswers, vip6: r.vip6Answers, own: r.ownAnswers }, { kind, vip: false, vip6: false, own: true });
      }
    });

    test('as BACKUP: the tables stay, every set emptied', () => {
      const { keepalived: k, ours: o } = runs;
      assert.match(k.backup.text, /set vips_link_local_name \{/);
      assert.doesNotMatch(k.backup.text, /elements = \{ (?!nd-)/);
      assert.equal(o.backup.text, k.backup.text);
      assert.deepEqual(o.backup.json, k.backup.json);
      assert.equal(o.backup.bytecode, k.backup.bytecode);
    });

    test('after SIGTERM: nothing left', () => {
      const { keepalived: k, ours: o } = runs;
      assert.equal(k.stopped.text, '');
      assert.equal(o.stopped.text, '');
      assert.doesNotMatch(o.log, /nftables: |NOT being filtered/);
    });
  });
}
