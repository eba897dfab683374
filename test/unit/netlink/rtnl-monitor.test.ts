// The event monitor against a fake socket: events become LinkEvent/AddressEvent, bridge port news are
// ignored, and after lost events (ENOBUFS) a fresh socket and a re-read report exactly what changed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setImmediate as tick } from 'node:timers/promises';
import { RtnlMonitor, type KernelState, type RtnlEvent } from '../../../src/netlink/rtnl-monitor.js';
import { RTM } from '../../../src/netlink/rtnl-names.js';
import type { InterfaceAddress, LinkInfo } from '../../../src/vrrp/ports.js';
import { addrBody, event, FakeChannel, linkBody } from './fake-rtnl.js';

const link = (index: number, name: string, up: boolean): LinkInfo => ({ index, name, up, mtu: 1500, mac: Uint8Array.from([2, 0, 0, 0, 0, index]) });
const addr = (ifindex: number, address: string, prefixLen: number): InterfaceAddress => ({ family: 4, address, prefixLen, ifindex, scope: 0 });

function setup(first: KernelState) {
  const channels: FakeChannel[] = [];
  const events: RtnlEvent[] = [];
  const troubles: string[] = [];
  let state = first;
  let reads = 0;
  let reader = async () => state;
  const m = new RtnlMonitor({
    openChannel: (groups) => {
      const ch = new FakeChannel(100 + channels.length, groups);
      channels.push(ch);
      return ch;
    },
    readState: () => {
      reads++;
      return reader();
    },
    emit: (e) => events.push(e),
    onTrouble: (e) => troubles.push(e.message),
    retryMs: 10,
  });
  return {
    m,
    channels,
    events,
    troubles,
    reads: () => reads,
    setState: (s: KernelState) => (state = s),
    setReader: (r: () => Promise<KernelState>) => (reader = r),
    summary: () => events.splice(0).map((e) => (e.kind === 'link' ? `link ${e.link.name} ${e.link.up ? 'up' : 'down'}` : e.kind === 'link-removed' ? `link-removed ${e.name}` : `${e.kind} ${e.address.address}/${e.address.prefixLen}`)),
  };
}

test('the monitor joins RTNLGRP_LINK, IPV4_IFADDR and IPV6_IFADDR, and reads the state once without reporting it', async () => {
  const s = setup({ links: [link(2, 'eth0', true)], addresses: [addr(2, '10.0.0.1', 24)] });
  s.m.start();
  await tick();
  assert.deepEqual(s.channels[0]!.groups, [1, 5, 9]);
  assert.equal(s.reads(), 1);
  assert.deepEqual(s.summary(), []);
  assert.equal(s.m.indexOf('eth0'), 2);
  assert.equal(s.m.indexOf('eth9'), undefined);
  s.m.close();
  assert.equal(s.channels[0]!.closed, true);
});

test('link and address messages become events; up needs IFF_UP and IFF_RUNNING; bridge port news are ignored', async () => {
  const s = setup({ links: [link(2, 'eth0', true)], addresses: [] });
  s.m.start();
  await tick();
  const ch = s.channels[0]!;
  ch.push(event(RTM.NEWLINK, linkBody(2, 'eth0', false)));
  ch.push(event(RTM.NEWADDR, addrBody(2, '10.0.0.5', 24)), event(RTM.DELADDR, addrBody(2, '10.0.0.5', 24)));
  ch.push(event(RTM.DELLINK, linkBody(3, 'swp1', false, { family: 7 })));
  ch.push(event(RTM.DELLINK, linkBody(4, 'veth9', false)));
  assert.deepEqual(s.summary(), ['link eth0 down', 'address-added 10.0.0.5/24', 'address-removed 10.0.0.5/24', 'link-removed veth9']);
  s.m.close();
});

test('lost events (ENOBUFS): one report, a fresh socket, and exactly the changes since are reported', async () => {
  const s = setup({ links: [link(2, 'eth0', true), link(3, 'eth1', true)], addresses: [addr(2, '10.0.0.1', 24), addr(2, '10.0.0.2', 24)] });
  s.m.start();
  await tick();
  s.channels[0]!.push(event(RTM.NEWADDR, addrBody(3, '10.1.0.1', 24)));
  assert.deepEqual(s.summary(), ['address-added 10.1.0.1/24']);
  // Meanwhile: eth0 lost carrier, eth1 went away, eth2 came; 10.0.0.2 went, 10.0.0.3 came; 10.1.0.1 stayed.
  s.setState({
    links: [link(2, 'eth0', false), link(4, 'eth2', true)],
    addresses: [addr(2, '10.0.0.1', 24), addr(2, '10.0.0.3', 24), addr(3, '10.1.0.1', 24)],
  });
  s.channels[0]!.fail('ENOBUFS');
  s.channels[0]!.fail('EBADF'); // the same overflow seen a second way
  await tick();
  await tick();
  assert.equal(s.troubles.length, 1);
  assert.match(s.troubles[0]!, /events were lost \(receive queue full\); reading links and addresses again/);
  assert.equal(s.channels.length, 2);
  assert.equal(s.channels[0]!.closed, true);
  assert.deepEqual(s.channels[1]!.groups, [1, 5, 9]);
  assert.deepEqual(s.summary().sort(), ['address-added 10.0.0.3/24', 'address-removed 10.0.0.2/24', 'link eth0 down', 'link eth2 up', 'link-removed eth1'].sort());
  assert.equal(s.m.indexOf('eth2'), 4);
  s.m.close();
});

test('an event that arrives while the state is being read wins over the (older) read', async () => {
  const s = setup({ links: [], addresses: [] });
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  s.m.start();
  await tick();
  // The next read is held until an event has removed the address that read will still list.
  s.setReader(async () => {
    await gate;
    return { links: [], addresses: [addr(2, '10.0.0.7', 24)] };
  });
  s.channels[0]!.fail('ENOBUFS');
  await tick();
  s.channels[1]!.push(event(RTM.DELADDR, addrBody(2, '10.0.0.7', 24)));
  release();
  await tick();
  await tick();
  assert.deepEqual(s.summary(), ['address-removed 10.0.0.7/24']);
  s.m.close();
});
