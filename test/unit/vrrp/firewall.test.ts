// The no_accept firewall plan (src/vrrp/firewall.ts): elements from configuration, nft batches by diff,
// and the ruleset Debian's keepalived 2.2.7 was measured to leave (`nft list ruleset` in a namespace,
// pinned below) rendered from the same state.
import test from 'node:test';
import assert from 'node:assert/strict';
import {
  cleanupScript, desiredElements, emptyFirewall, firewallElements, firewallSettings, normaliseRuleset, planFirewall, rulesetText,
  type FirewallElement, type FirewallSettings,
} from '../../../src/vrrp/firewall.js';
import { configOf } from './fsm-harness.js';

const CONF = `global_defs {
  router_id x
  vrrp_strict
}
vrrp_instance VI_4 {
  interface eth0
  virtual_router_id 61
  priority 100
  virtual_ipaddress {
    10.122.0.100/24
  }
  virtual_ipaddress_excluded {
    10.122.0.200
    fd00:122::200
  }
}
vrrp_instance VI_6 {
  interface eth0
  virtual_router_id 62
  priority 100
  virtual_ipaddress {
    fe80::62/64
    fd00:122::100/64
  }
}
`;

// keepalived 2.2.7 (Debian), both instances MASTER, `nft list ruleset` verbatim
const KEEPALIVED_MASTER = `table ip keepalived {
	set vips {
		type ipv4_addr
		elements = { 10.122.0.100, 10.122.0.200 }
	}

	chain out {
		type filter hook output priority filter - 1; policy accept;
		ip saddr @vips drop
	}

	chain in {
		type filter hook input priority filter - 1; policy accept;
		ip daddr @vips drop
	}
}
table ip6 keepalived {
	set vips {
		type ipv6_addr
		elements = { fd00:122::100,
			     fd00:122::200 }
	}

	set neighbor-discovery {
		type icmpv6_type
		flags constant
		elements = { nd-neighbor-solicit,
			     nd-neighbor-advert }
	}

	set vips_link_local {
		type ipv6_addr . iface_index
		elements = { fe80::62 . "eth0" }
	}

	chain out {
		type filter hook output priority filter - 1; policy accept;
		icmpv6 type @neighbor-discovery accept
		ip6 saddr fe80::/10 goto out_link_local
		ip6 saddr @vips drop
	}

	chain in {
		type filter hook input priority filter - 1; policy accept;
		icmpv6 type @neighbor-discovery accept
		ip6 daddr fe80::/10 goto in_link_local
		ip6 daddr @vips drop
	}

	chain in_link_local {
		ip6 daddr . iif @vips_link_local drop
	}

	chain out_link_local {
		ip6 saddr . oif @vips_link_local drop
	}
}
`;

function setup(conf = CONF) {
  const config = configOf(conf);
  const settings = firewallSettings(config.global)!;
  const inst = (name: string) => config.vrrp.instances.find((i) => i.name === name)!;
  const elements = (name: string) => firewallElements(inst(name), settings, (dev) => (dev === 'eth0' ? 2 : undefined));
  return { config, settings, elements };
}

test('strict mode resolves the settings keepalived uses: table keepalived, priority -1', () => {
  const { settings } = setup();
  assert.deepEqual(settings, { table: 'keepalived', priority: -1, counters: false, ifindex: false });
  assert.equal(firewallSettings(configOf(CONF.replace('  vrrp_strict\n', '')).global), undefined);
});

test('an instance contributes its VIPs then eVIPs, each family to its set, link-local by interface index', () => {
  const { elements } = setup();
  assert.deepEqual(elements('VI_4'), [
    { family: 'ip', set: 'vips', address: '10.122.0.100' },
    { family: 'ip', set: 'vips', address: '10.122.0.200' },
    { family: 'ip6', set: 'vips', address: 'fd00:122::200' },
  ]);
  assert.deepEqual(elements('VI_6'), [
    { family: 'ip6', set: 'vips_link_local', address: 'fe80::62', dev: 'eth0', ifindex: 2 },
    { family: 'ip6', set: 'vips', address: 'fd00:122::100' },
  ]);
});

test('dont_track_primary keys link-local VIPs by interface name, unless nftables_ifindex', () => {
  const conf = CONF.replace('  virtual_router_id 62\n', '  virtual_router_id 62\n  dont_track_primary\n');
  assert.equal(setup(conf).elements('VI_6')[0]!.set, 'vips_link_local_name');
  const forced = conf.replace('  vrrp_strict\n', '  vrrp_strict\n  nftables_ifindex\n');
  assert.equal(setup(forced).elements('VI_6')[0]!.set, 'vips_link_local');
});

test('the first batch sets the table up (residue deleted first) and inserts the elements', () => {
  const { settings, elements } = setup();
  const plan = planFirewall(emptyFirewall, elements('VI_4').slice(0, 2), settings);
  assert.equal(plan.script, [
    'add table ip keepalived',
    'delete table ip keepalived',
    'add table ip keepalived',
    'add chain ip keepalived out { type filter hook output priority -1; policy accept; }',
    'add chain ip keepalived in { type filter hook input priority -1; policy accept; }',
    'add set ip keepalived vips { type ipv4_addr; }',
    'add rule ip keepalived in ip daddr @vips drop',
    'add rule ip keepalived out ip saddr @vips drop',
    'add element ip keepalived vips { 10.122.0.100, 10.122.0.200 }',
    '',
  ].join('\n'));
  assert.deepEqual(plan.state.tables, ['ip']);
  // nothing changes: no batch
  assert.equal(planFirewall(plan.state, elements('VI_4').slice(0, 2), settings).script, '');
});

test('later batches only add and delete elements; the tables stay when the sets empty (as keepalived leaves them)', () => {
  const { settings, elements } = setup();
  const master = planFirewall(emptyFirewall, desiredElements([elements('VI_4'), elements('VI_6')]), settings).state;
  const backup = planFirewall(master, [], settings);
  assert.equal(backup.script, [
    'delete element ip keepalived vips { 10.122.0.100, 10.122.0.200 }',
    'delete element ip6 keepalived vips { fd00:122::200, fd00:122::100 }',
    'delete element ip6 keepalived vips_link_local { fe80::62 . 2 }',
    '',
  ].join('\n'));
  assert.deepEqual(backup.state, { tables: ['ip', 'ip6'], linkLocalSets: ['vips_link_local'], elements: [] });
  const again = planFirewall(backup.state, elements('VI_6'), settings);
  assert.equal(again.script, [
    'add element ip6 keepalived vips { fd00:122::100 }',
    'add element ip6 keepalived vips_link_local { fe80::62 . 2 }',
    '',
  ].join('\n'));
});

test('the IPv6 table: neighbour discovery passes, link-local VIPs go through their own chains; set created at first need', () => {
  const { settings, elements } = setup();
  const script = planFirewall(emptyFirewall, elements('VI_6'), settings).script.split('\n');
  const i = (line: string) => {
    const at = script.indexOf(line);
    assert.ok(at >= 0, `missing: ${line}\n${script.join('\n')}`);
    return at;
  };
  i('add rule ip6 keepalived in ip6 nexthdr ipv6-icmp icmpv6 type @neighbor-discovery accept');
  i('add rule ip6 keepalived in ip6 daddr fe80::/10 goto in_link_local');
  const set = i('add set ip6 keepalived vips_link_local { type ipv6_addr . iface_index; }');
  assert.ok(set > i('add rule ip6 keepalived out ip6 saddr @vips drop'));
  i('add rule ip6 keepalived in_link_local ip6 daddr . iif @vips_link_local drop');
  i('add rule ip6 keepalived out_link_local ip6 saddr . oif @vips_link_local drop');
  // an unknown index: nft resolves the name
  const byName: FirewallElement = { family: 'ip6', set: 'vips_link_local', address: 'fe80::1', dev: 'eth1' };
  assert.match(planFirewall(emptyFirewall, [byName], settings).script, /add element ip6 keepalived vips_link_local \{ fe80::1 \. "eth1" \}/);
});

test('nftables TABLE, nftables_priority and nftables_counters shape every rule', () => {
  const s: FirewallSettings = { table: 'kt_fw', priority: 45, counters: true, ifindex: false };
  const script = planFirewall(emptyFirewall, [{ family: 'ip', set: 'vips', address: '10.0.0.1' }], s).script;
  assert.match(script, /add chain ip kt_fw in \{ type filter hook input priority 45; policy accept; \}/);
  assert.match(script, /add rule ip kt_fw in ip daddr @vips counter drop/);
  assert.match(rulesetText(planFirewall(emptyFirewall, [{ family: 'ip', set: 'vips', address: '10.0.0.1' }], s).state, s), /priority security - 5;/);
});

test('the ruleset rendered from our state is what keepalived 2.2.7 leaves, normalised', () => {
  const { settings, elements } = setup();
  const state = planFirewall(emptyFirewall, desiredElements([elements('VI_4'), elements('VI_6')]), settings).state;
  assert.equal(rulesetText(state, settings), normaliseRuleset(KEEPALIVED_MASTER));
  assert.match(normaliseRuleset(KEEPALIVED_MASTER), /elements = \{ fd00:122::100, fd00:122::200 \}/);
});

test('a failed batch is recovered by rebuilding everything set up, plus the desired elements', () => {
  const { settings, elements } = setup();
  const state = planFirewall(emptyFirewall, elements('VI_6'), settings).state;
  const plan = planFirewall(state, elements('VI_4'), settings, { rebuild: true });
  assert.doesNotMatch(plan.script, /delete element/);
  assert.match(plan.script, /delete table ip6 keepalived[^]*add set ip6 keepalived vips_link_local/);
  assert.match(plan.script, /add element ip keepalived vips \{ 10.122.0.100, 10.122.0.200 \}/);
  assert.deepEqual(plan.state.linkLocalSets, ['vips_link_local']);
});

test('stop removes exactly the tables set up, tolerating one already gone', () => {
  const { settings, elements } = setup();
  assert.equal(cleanupScript(emptyFirewall, settings), '');
  const state = planFirewall(emptyFirewall, elements('VI_4'), settings).state;
  assert.equal(cleanupScript(state, settings), [
    'add table ip keepalived', 'delete table ip keepalived', 'add table ip6 keepalived', 'delete table ip6 keepalived', '',
  ].join('\n'));
});

test('normaliseRuleset drops handles and counter values', () => {
  const text = 'table ip t { # handle 4\n\tchain in { # handle 1\n\t\tip daddr @vips counter packets 3 bytes 252 drop # handle 7\n\t}\n}\n';
  assert.equal(normaliseRuleset(text), 'table ip t {\n\tchain in {\n\t\tip daddr @vips counter drop\n\t}\n}\n');
  assert.equal(normaliseRuleset(''), '');
});
