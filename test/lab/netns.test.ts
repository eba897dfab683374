// The shell text netns.ts generates (no kernel needed; uml.test.ts runs it for real).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addrAdd, checkIfName, drRealServer, lan, nsExec, vethPair } from './netns.js';
import { shq } from './shell.js';

test('shq quotes only what needs it, and single quotes survive', () => {
  assert.equal(shq('10.0.0.1/24'), '10.0.0.1/24');
  assert.equal(shq("it's a test"), `'it'\\''s a test'`);
});

test('interface names longer than 15 bytes are refused', () => {
  assert.equal(checkIfName('ktbr0.15'), 'ktbr0.15');
  assert.throws(() => checkIfName('a-very-long-name0'), /invalid interface name/);
});

test('vethPair puts each end in its namespace and brings both up', () => {
  assert.equal(
    vethPair({ name: 'eth0', ns: 'a' }, { name: 'br.0' }),
    'ip link add eth0 netns a type veth peer name br.0\nip -n a link set eth0 up\nip link set br.0 up',
  );
});

test('IPv6 addresses are added without DAD so that they are usable at once', () => {
  assert.equal(addrAdd('eth0', 'fd00::1/64', 'x'), 'ip -n x addr add fd00::1/64 dev eth0 nodad');
  assert.equal(addrAdd('eth0', '10.0.0.1/24'), 'ip addr add 10.0.0.1/24 dev eth0');
});

test('nsExec runs the whole command line inside the namespace', () => {
  assert.equal(nsExec('rs1', 'echo $HOSTNAME'), `ip netns exec rs1 bash -c 'echo $HOSTNAME'`);
  assert.equal(nsExec(undefined, 'true'), 'true');
});

test('drRealServer sets arp_ignore/arp_announce before the VIP goes on lo', () => {
  const lines = drRealServer('rs1', '10.0.0.100').split('\n');
  assert.equal(lines.at(-1), 'ip -n rs1 addr add 10.0.0.100/32 dev lo');
  assert.ok(lines.slice(0, -1).every((l) => /arp_(ignore|announce)/.test(l)));
});

test('lan attaches every host by a veth pair to the bridge, with addresses and gateway', () => {
  const text = lan({ bridge: 'br9', hosts: [{ ns: 'h0', addrs: ['10.1.0.2/24'], gateway: '10.1.0.1' }] });
  for (const line of [
    'ip link add br9 type bridge forward_delay 0',
    'ip netns add h0',
    'ip link add eth0 netns h0 type veth peer name br9.0',
    'ip link set br9.0 master br9',
    'ip -n h0 addr add 10.1.0.2/24 dev eth0',
    'ip -n h0 route add default via 10.1.0.1',
  ]) assert.ok(text.split('\n').includes(line), `missing: ${line}\n${text}`);
});
