import test from 'node:test';
import assert from 'node:assert/strict';
import { build, clean, instance } from './vrrp-helper.js';

const routes = (lines: string) => build(instance(`  virtual_routes {\n${lines}\n  }\n`));
const rules = (lines: string) => build(`static_rules {\n${lines}\n}\n`);

test('virtual_routes: ip route syntax becomes structured fields', () => {
  const b = routes(`    src 192.168.100.1 192.168.109.0/24 via 192.168.200.254 dev eth1 metric 5 table 100 scope link onlink
    to 10.1.0.0/16 dev eth1 append
    blackhole 10.2.0.0/16 dev eth2
    default via 192.168.200.1 dev eth0 no_track`);
  clean(b);
  const [a, c, d, e] = b.config.vrrp.instances[0].virtualRoutes;
  assert.deepEqual(
    [a.to.text, a.to.prefixLen, a.src?.text, a.via?.text, a.dev, a.metric, a.table, a.scope, a.onlink, a.protocol, a.noTrack, a.type, a.mode],
    ['192.168.109.0', 24, '192.168.100.1', '192.168.200.254', 'eth1', 5, 100, 'link', true, 'keepalived', false, 'unicast', 'prepend'],
  );
  assert.equal(c.mode, 'append');
  assert.equal(d.type, 'blackhole');
  assert.deepEqual([e.to.text, e.to.prefixLen, e.noTrack, e.protocol], ['0.0.0.0', 0, true, undefined]);
  assert.equal(a.pos.line, 8);
});

test('virtual_routes: untrackable routes and deprecated gw/or are reported', () => {
  const b = routes(`    192.168.112.0/24 via 192.168.100.254
    192.168.113.0/24 via 192.168.100.252 or 192.168.100.253
    0.0.0.0/0 gw 192.168.0.1 table 100`);
  assert.equal(b.rc, 5);
  assert.ok(b.one('Warning - cannot track route 192.168.112.0/24 with no interface specified, not tracking'));
  assert.ok(b.one('"or" for routes is deprecated. Please use "nexthop"'));
  assert.ok(b.one('"gw" for routes is deprecated. Please use "via"'));
  const [, or] = b.config.vrrp.instances[0].virtualRoutes;
  assert.deepEqual(or.nexthops.map((n) => n.via?.text), ['192.168.100.252', '192.168.100.253']);
  assert.equal(or.via, undefined);
});

test('static_routes: nexthops, tier-3 metrics kept as text, protocol and table names', () => {
  const b = build(`static_routes {
  10.6.0.0/16 dev eth1 nexthop via 192.168.201.2 dev eth1 weight 2 nexthop via 192.168.202.2 dev eth2
  10.4.0.0/16 dev eth1 mtu lock 1400 advmss 1300 no_track protocol static table main
  inet6 2001:db8::/64 via fe80::1 dev eth1
  10.7.0.0/16 dev eth1 protocol static
}`);
  const [n, m, p] = b.config.vrrp.staticRoutes;
  assert.deepEqual(n.nexthops.map((h) => [h.via?.text, h.dev, h.weight]), [['192.168.201.2', 'eth1', 2], ['192.168.202.2', 'eth2', undefined]]);
  assert.deepEqual(m.options, { mtu: 'lock 1400', advmss: '1300' });
  assert.deepEqual([m.protocol, m.table], ['static', 254]);
  assert.ok(b.one('Route cannot be tracked if protocol is not RTPROT_KEEPALIVED(18), resetting protocol'));
  assert.equal(p.protocol, 'keepalived');
  // keepalived 2.2.7 skips the word after inet6, so this route has no destination
  assert.ok(b.one('Route must have a destination'));
  assert.ok(b.one("keepalived 2.2.7 skips '2001:db8::/64' after 'inet6'", 'notice'));
});

test('routes: errors drop the route', () => {
  const b = routes(`    10.3.0.0/16 via 2001::1 dev eth1
    10.7.0.0/16 dev eth1 table foo
    10.8.0.0/16 dev eth1 bogus
    10.9.0.0/16 dev eth1 metric x
    10.10.0.0/16 dev`);
  assert.ok(b.one('Cannot mix IPv4 and IPv6 addresses for route'));
  assert.ok(b.one('Routing table foo not found for route'));
  assert.ok(b.one('unknown route keyword bogus'));
  assert.ok(b.one('Invalid metric x specified for route'));
  assert.ok(b.one("No value given for 'dev' in route"));
  assert.equal(b.config.vrrp.instances[0].virtualRoutes.length, 0);
});

test('virtual_rules / static_rules: ip rule syntax becomes structured fields', () => {
  const b = build(instance(`  virtual_rules {
    from 10.0.0.0/8 table 100 priority 100
    to 10.1.0.0/16 lookup main preference 50
    from all fwmark 0x10/0xff table 5 preference 200
    from 10.2.0.0/16 goto 300 order 10
    iif eth1 blackhole priority 50
    not from 10.9.0.0/16 table 10 priority 2 uidrange 1000-2000 ipproto tcp dport 1000-2000 no_track
  }\n`));
  clean(b);
  const r = b.config.vrrp.instances[0].virtualRules;
  assert.deepEqual([r[0].from?.text, r[0].from?.prefixLen, r[0].action, r[0].table, r[0].priority, r[0].priorityExplicit], ['10.0.0.0', 8, 'table', 100, 100, true]);
  assert.deepEqual([r[1].to?.text, r[1].table], ['10.1.0.0', 254]);
  assert.deepEqual([r[2].fwmark, r[2].fwmask, r[2].from?.prefixLen], [16, 255, 0]);
  assert.deepEqual([r[3].action, r[3].gotoTarget], ['goto', 300]);
  assert.deepEqual([r[4].action, r[4].iif], ['blackhole', 'eth1']);
  assert.deepEqual([r[5].invert, r[5].uidrange, r[5].ipProto, r[5].dport, r[5].noTrack], [true, { start: 1000, end: 2000 }, 'tcp', { start: 1000, end: 2000 }, true]);
});

test('rules: missing preference gets 16384, 16383, ... with keepalived\'s warning', () => {
  const b = rules('  from 10.0.0.0/8 table 100\n  to 10.1.0.0/16 table 100');
  assert.equal(b.rc, 5);
  assert.deepEqual(b.config.vrrp.staticRules.map((r) => [r.priority, r.priorityExplicit]), [[16384, false], [16383, false]]);
  assert.ok(b.one('Rule has no preference specified - setting to 16384. This is probably not what you want.'));
});

test('rules: errors (no action, bad address, goto rules, single port, unknown option)', () => {
  const b = rules(`  from 10.3.0.0/16 priority 1
  to 192.168.100./24 table 1 priority 2
  from 10.2.0.0/16 goto 300
  from 10.2.0.0/16 goto 3 priority 10
  from 10.4.0.0/16 table 5 priority 3 sport 80
  from 10.5.0.0/16 table 5 pref 10
  from 10.6.0.0/16 table 0 priority 4`);
  assert.ok(b.one('No action specified for rule - ignoring'));
  assert.ok(b.one('VRRP parsed invalid IP 192.168.100./24. skipping IP...'));
  assert.ok(b.one('Invalid rule to address 192.168.100./24'));
  assert.ok(b.one('Invalid rule - goto target 300 specified without preference'));
  assert.ok(b.one('Invalid rule - preference 10 >= goto target 3'));
  assert.match(b.one('invalid sport range 80').hint ?? '', /80-80/);
  assert.ok(b.one('Unknown rule option pref'));
  assert.ok(b.one('Table 0 is not valid'));
  assert.equal(b.config.vrrp.staticRules.length, 1);
});
