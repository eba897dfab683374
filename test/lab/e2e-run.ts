// Host side of the end-to-end lab: builds the network of e2e-scenario.ts inside ONE UML boot (a router in
// the instance's root namespace, the client, two directors, three real servers; two LANs) and runs
// e2e-driver.ts there, in the client's namespace. Returns the driver's record.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { addrAdd, bridgeAdd, drRealServer, ipForward, lan, linkMaster, netnsAdd, routeAdd, vethPair } from '../../src/lab/netns.js';
import { shq } from '../../src/lab/shell.js';
import type { UmlResult } from '../../src/lab/uml.js';
import { runDriverInUml } from '../../src/lab/driver.js';
import { DIRS, NET } from './e2e-scenario.js';
import type { E2eInput } from './e2e-driver.js';
import type { E2eResult } from './e2e-record.js';

export interface E2eLabOptions {
  /** dist/src/cli/main.js */
  main: string;
  /** dist/test/lab/e2e-driver.js */
  driver: string;
  /** dist/test/lab/fixtures/e2e-server.js */
  server: string;
  timeoutMs?: number;
  keep?: boolean;
}

export interface E2eLabRun {
  result: E2eResult;
  run: UmlResult;
}

export function networkScript(): string {
  const lanHosts = [...DIRS.map((d) => NET.dirs[d]), ...NET.rs];
  const lines = [
    // lan0: the router (this namespace), both directors' eth0, the real servers' eth0
    lan({
      bridge: NET.lanBridge,
      bridgeAddrs: [`${NET.router.lan}/24`],
      hosts: [
        ...DIRS.map((d) => ({ ns: NET.dirs[d].ns, addrs: [`${NET.dirs[d].lan}/24`], gateway: NET.router.lan })),
        ...NET.rs.map((r) => ({ ns: r.ns, addrs: [`${r.lan}/24`] })),
      ],
    }),
    // nat0: the NAT side, directors' and real servers' eth1, no router
    bridgeAdd(NET.natBridge),
    ...lanHosts.flatMap((h, i) => [
      vethPair({ name: 'eth1', ns: h.ns }, { name: `${NET.natBridge}.${i}` }),
      linkMaster(`${NET.natBridge}.${i}`, NET.natBridge),
      addrAdd('eth1', `${h.nat}/24`, h.ns),
    ]),
    // VRRP adverts are link-local multicast (always flooded); the sync daemon's group is not: flood it too
    ...[NET.lanBridge, NET.natBridge].map((b) => `ip link set ${b} type bridge mcast_snooping 0`),
    // the client on its own subnet behind the router (LVS-NAT needs it off the real servers' subnet)
    netnsAdd(NET.client.ns),
    vethPair({ name: 'eth0', ns: NET.client.ns }, { name: 'to-client' }),
    addrAdd('to-client', `${NET.client.router}/24`),
    addrAdd('eth0', `${NET.client.addr}/24`, NET.client.ns),
    routeAdd('default', NET.client.router, NET.client.ns),
    ipForward(),
    // directors forward the NAT side's replies
    ...DIRS.map((d) => ipForward(NET.dirs[d].ns)),
    // real servers: LVS-DR's VIP on lo (ARP for it off), replies to DR go to the router, everything else
    // (LVS-NAT's replies) through the director pair's gateway VIP
    ...NET.rs.flatMap((r) => [
      drRealServer(r.ns, NET.vip.dr),
      routeAdd('default', NET.vip.gateway, r.ns),
      `ip -n ${shq(r.ns)} rule add from ${NET.vip.dr} lookup ${NET.drReplyTable}`,
      `ip -n ${shq(r.ns)} route add default via ${NET.router.lan} dev eth0 table ${NET.drReplyTable}`,
    ]),
  ];
  return lines.join('\n');
}

export async function runE2eLab(opts: E2eLabOptions): Promise<E2eLabRun> {
  const dir = await mkdtemp(join(tmpdir(), 'kt-e2e-'));
  try {
    const input: E2eInput = {
      main: opts.main,
      server: opts.server,
      startTimeoutMs: 60_000,
      eventTimeoutMs: 20_000,
      drainTimeoutMs: 15_000,
    };
    // the driver is the client too, so it runs in the client's namespace; it reaches the others by name
    return await runDriverInUml<E2eResult>({
      dir, input, network: networkScript(), ns: NET.client.ns, driver: opts.driver, name: 'end-to-end driver',
      uml: { timeoutMs: opts.timeoutMs ?? 6 * 60_000, memMB: 1536, ...(opts.keep ? { keep: true } : {}) },
    });
  } finally {
    if (!opts.keep) await rm(dir, { recursive: true, force: true });
  }
}
