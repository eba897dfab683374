// The rtnetlink adapter against the real kernel, in a private network namespace (address-harness.ts).
// Each VIP, route and rule is read from keepalived.conf syntax by the config builder, and what the
// adapter leaves in the kernel is compared with what `ip` leaves for the equivalent command (spelling
// out keepalived's own defaults: proto keepalived, scope global, IPv6 nodad, /128 preferred_lft 0).
// Needs root; fails (never skips) without it.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import type { VirtualIpAddress, VirtualRoute, VirtualRule } from '../../../src/config/model/vrrp.js';
import type { AddressEvent, InterfaceAddress, LinkEvent, LinkInfo } from '../../../src/vrrp/ports.js';
import { build, fakeEnv } from '../config/vrrp-helper.js';
import { createLab, DriverCallError, type Driver, type Lab } from './address-harness.js';

const env = fakeEnv({ interfaces: ['lo', 'v0', 'v1', 'v3', 'v0p', 'v1p', 'nosuch'] });

function one<T>(block: string, line: string, pick: (b: ReturnType<typeof build>) => T[]): T {
  const b = build(`${block} {\n  ${line}\n}\n`, env);
  const items = pick(b);
  assert.equal(items.length, 1, `'${line}' did not make one entry:\n${b.diags.map((d) => d.message).join('\n')}`);
  return items[0]!;
}
const vipOf = (line: string) => one<VirtualIpAddress>('static_ipaddress', line, (b) => b.config.vrrp.staticIpaddress);
const routeOf = (line: string) => one<VirtualRoute>('static_routes', line, (b) => b.config.vrrp.staticRoutes);
const ruleOf = (line: string) => one<VirtualRule>('static_rules', line, (b) => b.config.vrrp.staticRules);

const addressOf = (e: LinkEvent | AddressEvent) => ('address' in e ? e.address : undefined);

/** Rejects with the adapter's error as the driver reported it. */
async function refusal(p: Promise<unknown>): Promise<DriverCallError['error']> {
  try {
    await p;
  } catch (e) {
    if (e instanceof DriverCallError) return e.error;
    throw e;
  }
  assert.fail('the call succeeded');
}

describe('the rtnetlink adapter in a private network namespace', () => {
  let lab: Lab;
  let drv: Driver;

  before(() => {
    assert.equal(process.getuid?.(), 0, 'the rtnetlink tests need root (network namespaces)');
    lab = createLab();
    drv = lab.startDriver();
  });
  after(async () => {
    await lab?.remove();
  });

  // ---- snapshots of the kernel's state, as `ip -j` prints it ----

  interface IpAddrInfo { family: string; local: string; prefixlen: number; [k: string]: unknown }
  /** Non-link-local addresses of v0; finite lifetimes become 'finite' (they count down). */
  function addrs(): IpAddrInfo[] {
    const [link] = lab.ipJson<{ addr_info: IpAddrInfo[] }[]>('addr', 'show', 'dev', 'v0');
    return link!.addr_info
      .filter((a) => !a.local.startsWith('fe80:'))
      .map((a) => {
        const out: IpAddrInfo = { ...a };
        for (const k of ['valid_life_time', 'preferred_life_time']) {
          const v = out[k] as number;
          if (v > 0 && v < 0xffffffff) out[k] = 'finite';
        }
        return out;
      });
  }
  /** Routes not made by the kernel itself, IPv4 and IPv6, every table. */
  function routes(): unknown[] {
    const all = [...lab.ipJson<Record<string, unknown>[]>('-4', 'route', 'show', 'table', 'all'), ...lab.ipJson<Record<string, unknown>[]>('-6', 'route', 'show', 'table', 'all')];
    return all.filter((r) => r.protocol !== 'kernel');
  }
  function rules(): unknown[] {
    return [...lab.ipJson<unknown[]>('-4', 'rule'), ...lab.ipJson<unknown[]>('-6', 'rule')];
  }

  /**
   * The differential check: `ip add ARGS` leaves `expected`; the adapter's delete removes it; the
   * adapter's add leaves exactly `expected`, twice over (EEXIST is success); its delete restores the
   * start, twice over.
   */
  async function sameAsIp<T>(kind: 'addr' | 'route' | 'rule', ipArgs: string[], entry: T, snapshot: () => unknown[], add: string, del: string): Promise<unknown[]> {
    const start = snapshot();
    lab.ip(...(ipArgs[0] === '-6' ? ['-6', kind, 'add', ...ipArgs.slice(1)] : [kind, 'add', ...ipArgs]));
    const expected = snapshot();
    assert.notDeepEqual(expected, start, `ip ${kind} add ${ipArgs.join(' ')} changed nothing`);
    await drv.call(del, entry);
    assert.deepEqual(snapshot(), start, 'the adapter removes what ip added');
    await drv.call(add, entry);
    assert.deepEqual(snapshot(), expected, 'the adapter adds what ip adds');
    await drv.call(add, entry);
    assert.deepEqual(snapshot(), expected, 'adding again changes nothing');
    await drv.call(del, entry);
    assert.deepEqual(snapshot(), start, 'deleting restores the start');
    await drv.call(del, entry);
    assert.deepEqual(snapshot(), start, 'deleting again changes nothing');
    return expected;
  }
  const sameAddr = (line: string, ip: string) => sameAsIp('addr', ip.split(' '), vipOf(line), addrs, 'addAddress', 'delAddress');
  const sameRoute = (line: string, ip: string) => sameAsIp('route', ip.split(' '), routeOf(line), routes, 'addRoute', 'delRoute');
  const sameRule = (line: string, ip: string) => sameAsIp('rule', ip.split(' '), ruleOf(line), rules, 'addRule', 'delRule');

  describe('links and addresses read back', () => {
    test('link() and links() agree with ip link: index, MTU, MAC, and up only with carrier', async () => {
      const ipLinks = lab.ipJson<{ ifindex: number; ifname: string; mtu: number; address: string; flags: string[] }[]>('link', 'show');
      const links = await drv.call<(Omit<LinkInfo, 'mac'> & { mac: number[] })[]>('links');
      assert.deepEqual(links.map((l) => l.name).sort(), ipLinks.map((l) => l.ifname).sort());
      for (const l of ipLinks) {
        const got = links.find((x) => x.name === l.ifname)!;
        assert.equal(got.index, l.ifindex);
        assert.equal(got.mtu, l.mtu);
        assert.equal(got.mac.map((b) => b.toString(16).padStart(2, '0')).join(':'), l.address);
        assert.equal(got.up, l.flags.includes('UP') && l.flags.includes('LOWER_UP'), l.ifname);
      }
      const v0 = await drv.call<LinkInfo>('link', 'v0');
      assert.equal(v0.index, ipLinks.find((l) => l.ifname === 'v0')!.ifindex);
      assert.equal(await drv.call('link', 'nosuch'), null);
    });

    test('addresses(ifindex) lists the interface’s addresses with prefix, scope and label', async () => {
      const v0 = await drv.call<LinkInfo>('link', 'v0');
      const got = await drv.call<InterfaceAddress[]>('addresses', v0.index);
      const [ipv] = lab.ipJson<{ addr_info: { family: string; local: string; prefixlen: number; scope: string; label?: string }[] }[]>('addr', 'show', 'dev', 'v0');
      assert.deepEqual(
        got.map((a) => `${a.address}/${a.prefixLen} scope ${a.scope}${a.label ? ` label ${a.label}` : ''}`).sort(),
        ipv!.addr_info.map((a) => `${a.local}/${a.prefixlen} scope ${{ global: 0, link: 253, host: 254 }[a.scope]}${a.label ? ` label ${a.label}` : ''}`).sort(),
      );
      assert.ok(got.every((a) => a.ifindex === v0.index));
      assert.ok((await drv.call<InterfaceAddress[]>('addresses')).some((a) => a.address === '198.51.100.2'));
    });

    test('reads made at the same time all succeed (dumps on one socket wait for each other)', async () => {
      const r = await drv.parallel([{ op: 'links' }, { op: 'addresses' }, { op: 'links' }, { op: 'addresses' }, { op: 'link', arg: 'v1' }]);
      assert.deepEqual(r.errors, []);
    });
  });

  describe('VIPs as ip addr add/del would set them', () => {
    test('IPv4 with prefix, broadcast (brd +), scope site and a label', async () => {
      const [vip] = (await sameAddr('10.1.0.1/24 dev v0 brd + scope site label v0:vip', '10.1.0.1/24 dev v0 brd + scope site label v0:vip')).filter(
        (a) => (a as IpAddrInfo).local === '10.1.0.1',
      ) as IpAddrInfo[];
      assert.equal(vip!.broadcast, '10.1.0.255');
      assert.equal(vip!.scope, 'site');
      assert.equal(vip!.label, 'v0:vip');
    });

    test('IPv4 /32 without options, an explicit broadcast with scope host, and a point-to-point peer', async () => {
      await sameAddr('10.1.0.2 dev v0', '10.1.0.2/32 dev v0');
      await sameAddr('10.1.0.3/24 dev v0 brd 10.1.0.200 scope host label v0:x', '10.1.0.3/24 dev v0 brd 10.1.0.200 scope host label v0:x');
      const [p] = (await sameAddr('10.1.0.9 dev v0 peer 10.1.0.10', '10.1.0.9 peer 10.1.0.10 dev v0')).filter((a) => (a as IpAddrInfo).local === '10.1.0.9') as IpAddrInfo[];
      assert.equal(p!.address, '10.1.0.10');
    });

    test('IPv6 /128 is added nodad and deprecated (preferred_lft 0), as keepalived does', async () => {
      const [v] = (await sameAddr('2001:db8:1::10 dev v0', '2001:db8:1::10/128 dev v0 nodad preferred_lft 0')).filter((a) => (a as IpAddrInfo).local === '2001:db8:1::10') as IpAddrInfo[];
      assert.equal(v!.nodad, true);
      assert.equal(v!.deprecated, true);
      assert.equal(v!.preferred_life_time, 0);
    });

    test('IPv6 /64, and /128 with preferred_lft forever or a number, are preferred', async () => {
      await sameAddr('2001:db8:1::11/64 dev v0', '2001:db8:1::11/64 dev v0 nodad');
      await sameAddr('2001:db8:1::12 dev v0 preferred_lft forever', '2001:db8:1::12/128 dev v0 nodad');
      await sameAddr('2001:db8:1::14 dev v0 preferred_lft 300', '2001:db8:1::14/128 dev v0 nodad preferred_lft 300');
    });

    test('IPv6 flags: -nodad leaves DAD on (tentative); home, mngtmpaddr, noprefixroute, autojoin pass through', async () => {
      const [v] = (await sameAddr('2001:db8:1::13/64 dev v0 -nodad home mngtmpaddr noprefixroute', '2001:db8:1::13/64 dev v0 home mngtmpaddr noprefixroute')).filter(
        (a) => (a as IpAddrInfo).local === '2001:db8:1::13',
      ) as IpAddrInfo[];
      assert.equal(v!.nodad, undefined);
      assert.equal(v!.tentative, true);
      assert.deepEqual([v!.home, v!.mngtmpaddr, v!.noprefixroute], [true, true, true]);
      await sameAddr('ff0e::101 dev v0 autojoin', 'ff0e::101/128 dev v0 autojoin nodad preferred_lft 0');
    });

    test('a VIP on a missing interface: adding fails with ENODEV naming the entry, deleting succeeds', async () => {
      const vip = vipOf('10.1.0.50/24 dev nosuch');
      const err = await refusal(drv.call('addAddress', vip));
      assert.equal(err.name, 'RtnlError');
      assert.equal(err.code, 'ENODEV');
      assert.equal(err.op, 'NEWADDR');
      assert.match(err.message, /^rtnetlink NEWADDR 10\.1\.0\.50\/24 dev nosuch: ENODEV \(19\): no interface named nosuch$/);
      await drv.call('delAddress', vip);
    });
  });

  describe('routes as ip route add/del would set them (proto keepalived, scope global unless written)', () => {
    test('unicast via a gateway with a metric; dev with scope link, src and table 100; onlink; default in table 101', async () => {
      await sameRoute('10.20.0.0/16 via 192.0.2.254 dev v0 metric 5', '10.20.0.0/16 via 192.0.2.254 dev v0 metric 5 proto keepalived scope global');
      await sameRoute('10.24.0.0/16 dev v0 scope link src 192.0.2.1 table 100', '10.24.0.0/16 dev v0 scope link src 192.0.2.1 table 100 proto keepalived');
      await sameRoute('10.25.0.0/16 via 203.0.113.1 dev v0 onlink', '10.25.0.0/16 via 203.0.113.1 dev v0 onlink proto keepalived scope global');
      await sameRoute('default via 192.0.2.254 dev v0 table 101', 'default via 192.0.2.254 dev v0 table 101 proto keepalived scope global');
    });

    test('blackhole (table 100), unreachable (metric), prohibit (table 1000, above 255) and throw', async () => {
      const [bh] = (await sameRoute('blackhole 10.21.0.0/16 table 100 no_track', 'blackhole 10.21.0.0/16 table 100 proto keepalived')) as Record<string, unknown>[];
      assert.deepEqual([bh!.type, bh!.dst, bh!.table, bh!.protocol], ['blackhole', '10.21.0.0/16', '100', 'keepalived']);
      await sameRoute('unreachable 10.22.0.0/16 metric 10 no_track', 'unreachable 10.22.0.0/16 metric 10 proto keepalived');
      await sameRoute('prohibit 10.23.0.0/16 table 1000 no_track', 'prohibit 10.23.0.0/16 table 1000 proto keepalived');
      await sameRoute('throw 10.30.0.0/16 table 100 no_track', 'throw 10.30.0.0/16 table 100 proto keepalived');
    });

    test('multipath nexthops with a weight; metrics with lock, features, congctl; tos and realms; an explicit protocol', async () => {
      await sameRoute(
        '10.26.0.0/16 no_track nexthop via 192.0.2.253 dev v0 weight 2 nexthop via 198.51.100.254 dev v1',
        '10.26.0.0/16 proto keepalived scope global nexthop via 192.0.2.253 dev v0 weight 2 nexthop via 198.51.100.254 dev v1',
      );
      await sameRoute(
        '10.27.0.0/16 dev v0 mtu lock 1400 advmss 1300 initcwnd 10 features ecn congctl lock cubic',
        '10.27.0.0/16 dev v0 mtu lock 1400 advmss 1300 initcwnd 10 features ecn congctl lock cubic proto keepalived scope global',
      );
      await sameRoute('10.28.0.0/16 dev v0 tos 0x10 realms 5/6', '10.28.0.0/16 dev v0 tos 0x10 realms 5/6 proto keepalived scope global');
      await sameRoute('10.31.0.0/16 dev v0 protocol static no_track', '10.31.0.0/16 dev v0 proto static scope global');
    });

    test('IPv6: via a gateway with a metric, blackhole, pref high, and a source prefix (from)', async () => {
      await sameRoute('2001:db8:5::/64 via 2001:db8::fe dev v0 metric 100', '-6 2001:db8:5::/64 via 2001:db8::fe dev v0 metric 100 proto keepalived');
      await sameRoute('blackhole 2001:db8:6::/64 no_track', '-6 blackhole 2001:db8:6::/64 proto keepalived');
      await sameRoute('2001:db8:7::/64 dev v0 pref high', '-6 2001:db8:7::/64 dev v0 pref high proto keepalived');
      await sameRoute('2001:db8:8::/64 from 2001:db8:9::/64 via 2001:db8::fe dev v0', '-6 2001:db8:8::/64 from 2001:db8:9::/64 via 2001:db8::fe dev v0 proto keepalived');
    });

    test('a kernel refusal is an RtnlError naming the message, the entry and the errno', async () => {
      const err = await refusal(drv.call('addRoute', routeOf('10.40.0.0/16 via 203.0.113.1 dev v0')));
      assert.equal(err.name, 'RtnlError');
      assert.equal(err.code, 'ENETUNREACH');
      assert.equal(err.entry, '10.40.0.0/16 via 203.0.113.1 dev v0 proto keepalived');
      // No kernel reason (extended ack) follows: the `netlink` package cannot enable NETLINK_EXT_ACK.
      assert.equal(err.message, 'rtnetlink NEWROUTE 10.40.0.0/16 via 203.0.113.1 dev v0 proto keepalived: ENETUNREACH (101)');
    });

    test('an option with no mapping yet is refused by name before anything is sent', async () => {
      const err = await refusal(drv.call('addRoute', routeOf('10.41.0.0/16 dev v0 rtt 10ms')));
      assert.equal(err.name, 'RtnlUnsupportedError');
      assert.equal(err.option, 'rtt');
      assert.match(err.message, /option 'rtt' is not supported yet/);
      assert.equal(routes().length, 0);
    });
  });

  describe('rules as ip rule add/del would set them', () => {
    test('from, to, fwmark/mask, iif, oif, tos, ipproto, port ranges and uidrange to table 100 (tracked: proto keepalived)', async () => {
      const exp = (await sameRule(
        'from 10.0.0.0/8 to 10.1.0.0/16 fwmark 0x1/0xff iif v0 oif v1 tos 0x10 ipproto tcp sport 1-2 dport 80-80 uidrange 100-200 table 100 preference 100',
        'from 10.0.0.0/8 to 10.1.0.0/16 fwmark 0x1/0xff iif v0 oif v1 tos 0x10 ipproto tcp sport 1-2 dport 80-80 uidrange 100-200 table 100 pref 100 proto keepalived',
      )) as Record<string, unknown>[];
      const r = exp.find((x) => x.priority === 100)!;
      assert.deepEqual([r.src, r.dst, r.fwmark, r.fwmask, r.iif, r.oif, r.table, r.protocol], ['10.0.0.0', '10.1.0.0', '0x1', '0xff', 'v0', 'v1', '100', 'keepalived']);
    });

    test('not, a table above 255, goto, blackhole, unreachable, prohibit, nop', async () => {
      await sameRule('not from 10.2.0.0/16 table 1000 preference 101 no_track', 'not from 10.2.0.0/16 table 1000 pref 101');
      await sameRule('preference 102 goto 200', 'pref 102 goto 200 proto keepalived');
      await sameRule('to 10.3.0.0/16 blackhole preference 103', 'to 10.3.0.0/16 blackhole pref 103 proto keepalived');
      await sameRule('to 10.4.0.0/16 unreachable preference 107', 'to 10.4.0.0/16 unreachable pref 107 proto keepalived');
      await sameRule('to 10.5.0.0/16 prohibit preference 108', 'to 10.5.0.0/16 prohibit pref 108 proto keepalived');
      await sameRule('fwmark 7 nop preference 109', 'fwmark 7 nop pref 109 proto keepalived');
    });

    test('IPv6 from a prefix; suppress_prefixlength; realms', async () => {
      await sameRule('from 2001:db8::/32 table 100 preference 104', '-6 from 2001:db8::/32 table 100 pref 104 proto keepalived');
      await sameRule('from all table main suppress_prefixlength 0 preference 105', 'from all table main suppress_prefixlength 0 pref 105 proto keepalived');
      await sameRule('fwmark 0x10 table 100 preference 106 realms 3/4', 'fwmark 0x10 table 100 pref 106 realms 3/4 proto keepalived');
    });
  });

  describe('events', () => {
    let events: Driver;
    before(async () => {
      events = lab.startDriver();
      await events.call('subscribe');
      await events.quiet(200);
      events.events.splice(0);
    });

    const linkEvent = (name: string, up: boolean) => (e: LinkEvent | AddressEvent) => e.kind === 'link' && e.link.name === name && e.link.up === up;

    test('ip link set down/up on v1 is seen as link v1 down, then up, within a short time', async () => {
      let t0 = Date.now();
      lab.ip('link', 'set', 'v1', 'down');
      const down = await events.nextEvent(linkEvent('v1', false), 1000);
      const downMs = down.seenAt - t0;
      t0 = Date.now();
      lab.ip('link', 'set', 'v1', 'up');
      const up = await events.nextEvent(linkEvent('v1', true), 1000);
      const upMs = up.seenAt - t0;
      assert.ok(downMs < 500 && upMs < 500, `down seen after ${downMs} ms, up after ${upMs} ms`);
      console.log(`# link events: down seen ${downMs} ms, up ${upMs} ms after ip returned`);
    });

    test('losing carrier (the veth peer down) makes v1 not up although IFF_UP stays set', async () => {
      lab.ip('link', 'set', 'v1p', 'down');
      await events.nextEvent(linkEvent('v1', false), 1000);
      lab.ip('link', 'set', 'v1p', 'up');
      await events.nextEvent(linkEvent('v1', true), 1000);
    });

    test('ip addr add/del (IPv4 and IPv6) are seen as address-added/removed with prefix and ifindex', async () => {
      const v1 = await drv.call<LinkInfo>('link', 'v1');
      const is = (kind: string, addr: string, len: number) => (e: LinkEvent | AddressEvent) =>
        e.kind === kind && addressOf(e)?.address === addr && addressOf(e)?.prefixLen === len && addressOf(e)?.ifindex === v1.index;
      const t0 = Date.now();
      lab.ip('addr', 'add', '10.60.0.1/24', 'dev', 'v1');
      const added = await events.nextEvent(is('address-added', '10.60.0.1', 24), 1000);
      lab.ip('addr', 'del', '10.60.0.1/24', 'dev', 'v1');
      await events.nextEvent(is('address-removed', '10.60.0.1', 24), 1000);
      lab.ip('addr', 'add', '2001:db8:60::1/64', 'dev', 'v1', 'nodad');
      await events.nextEvent(is('address-added', '2001:db8:60::1', 64), 1000);
      lab.ip('addr', 'del', '2001:db8:60::1/64', 'dev', 'v1');
      await events.nextEvent(is('address-removed', '2001:db8:60::1', 64), 1000);
      console.log(`# address event seen ${added.seenAt - t0} ms after ip returned`);
    });

    test('the adapter’s own VIPs are seen too; a deleted link is reported removed by name and index', async () => {
      await drv.call('addAddress', vipOf('10.61.0.1/24 dev v1'));
      await events.nextEvent((e) => e.kind === 'address-added' && e.address.address === '10.61.0.1', 1000);
      await drv.call('delAddress', vipOf('10.61.0.1/24 dev v1'));
      await events.nextEvent((e) => e.kind === 'address-removed' && e.address.address === '10.61.0.1', 1000);
      lab.ip('link', 'add', 'v2', 'type', 'veth', 'peer', 'name', 'v2p');
      const created = await events.nextEvent((e) => e.kind === 'link' && e.link.name === 'v2', 1000);
      lab.ip('link', 'del', 'v2');
      const gone = await events.nextEvent((e) => e.kind === 'link-removed' && e.name === 'v2', 1000);
      assert.equal((gone.event as { index: number }).index, (created.event as { link: LinkInfo }).link.index);
    });
    test('subscribed, a VIP on a link deleted and recreated under the same name lands on the new link', async () => {
      lab.ip('link', 'add', 'v3', 'type', 'veth', 'peer', 'name', 'v3p');
      await events.nextEvent((e) => e.kind === 'link' && e.link.name === 'v3', 1000);
      lab.ip('link', 'del', 'v3');
      lab.ip('link', 'add', 'v3', 'type', 'veth', 'peer', 'name', 'v3p');
      // At once, before the monitor may have seen the change: a stale ifindex gets ENODEV and is read again.
      await events.call('addAddress', vipOf('10.62.0.1/24 dev v3'));
      const [v3] = lab.ipJson<{ addr_info: { local: string }[] }[]>('addr', 'show', 'dev', 'v3');
      assert.deepEqual(v3!.addr_info.map((a) => a.local).filter((a) => a.startsWith('10.62.')), ['10.62.0.1']);
      lab.ip('link', 'del', 'v3');
    });
  });

  describe('volume', () => {
    test('100 and then 1,000 VIPs added and removed concurrently (64 requests in flight at most)', async () => {
      const subscribed = lab.startDriver();
      await subscribed.call('subscribe');
      await subscribed.quiet(200);
      for (const [who, d, n] of [['unsubscribed', drv, 100], ['unsubscribed', drv, 1000], ['subscribed', subscribed, 100], ['subscribed', subscribed, 1000]] as const) {
        const vips = Array.from({ length: n }, (_, i) => vipOf(`10.70.${i >> 8}.${i & 255} dev v0`));
        const add = await d.parallel(vips.map((arg) => ({ op: 'addAddress', arg })));
        assert.deepEqual(add.errors, []);
        assert.equal(addrs().filter((a) => a.local.startsWith('10.70.')).length, n);
        const del = await d.parallel(vips.map((arg) => ({ op: 'delAddress', arg })));
        assert.deepEqual(del.errors, []);
        assert.equal(addrs().filter((a) => a.local.startsWith('10.70.')).length, 0);
        console.log(`# ${n} VIPs (${who}): add ${add.ms.toFixed(1)} ms, delete ${del.ms.toFixed(1)} ms`);
      }
      await subscribed.stop();
    });

    test('a burst of 2,000 address changes made by ip -batch is reported in full, nothing lost', async () => {
      const ev = lab.startDriver();
      await ev.call('subscribe');
      await ev.quiet(200);
      const n = 1000;
      const ipBatch = (verb: string) => {
        const lines = Array.from({ length: n }, (_, i) => `addr ${verb} 10.80.${i >> 8}.${i & 255}/32 dev v1`);
        const r = spawnSync('ip', ['-n', lab.ns, '-batch', '-'], { input: lines.join('\n') + '\n', encoding: 'utf8' });
        assert.equal(r.status, 0, r.stderr);
      };
      const seen = (kind: string) =>
        new Set(ev.events.flatMap((e) => (e.event.kind === kind && addressOf(e.event)?.address.startsWith('10.80.') ? [addressOf(e.event)!.address] : []))).size;
      ipBatch('add');
      await ev.quiet(300);
      assert.equal(seen('address-added'), n);
      ipBatch('del');
      await ev.quiet(300);
      assert.equal(seen('address-removed'), n);
      assert.deepEqual(ev.troubles, []);
      await ev.stop();
    });
  });
});
