// The end-to-end lab's world, as data: addresses, the keepalived.conf of each director at each step, the
// timings. Pure (no I/O): the host side (e2e-run.ts) and the driver inside UML (e2e-driver.ts) share it.
//
//   client 10.9.0.2 ── router (UML root ns) 10.9.0.1 | 10.1.0.1
//                        │ lan0 10.1.0.0/24: dir1 .2, dir2 .3, rs1..rs3 .11-.13   DR VIP 10.1.0.100, NAT VIP 10.1.0.200
//                        │ nat0 10.2.0.0/24: dir1 .2, dir2 .3, rs1..rs3 .11-.13   gateway VIP 10.2.0.254 (the NAT side)
//
// One director pair serves both: LVS-DR on 10.1.0.100 (real servers 10.1.0.1x on lan0, the VIP on their lo,
// replies straight to the router) and LVS-NAT on 10.1.0.200 (real servers 10.2.0.1x on nat0, default route
// via the gateway VIP, so replies come back through whichever director is master). The two VRRP instances
// (VI_OUT on eth0, VI_IN on eth1) form a sync group; lvs_sync_daemon follows VI_OUT.
// Namespace names need no suffix: they live in the UML instance's own kernel, which nothing else shares.

export type DirName = 'dir1' | 'dir2';
export const DIRS: readonly DirName[] = ['dir1', 'dir2'];

export const NET = {
  lanBridge: 'lan0',
  natBridge: 'nat0',
  client: { ns: 'client', addr: '10.9.0.2', router: '10.9.0.1' },
  router: { lan: '10.1.0.1' },
  dirs: {
    dir1: { ns: 'dir1', lan: '10.1.0.2', nat: '10.2.0.2' },
    dir2: { ns: 'dir2', lan: '10.1.0.3', nat: '10.2.0.3' },
  } satisfies Record<DirName, { ns: string; lan: string; nat: string }>,
  rs: [1, 2, 3].map((i) => ({ name: `rs${i}`, ns: `rs${i}`, lan: `10.1.0.1${i}`, nat: `10.2.0.1${i}` })),
  vip: { dr: '10.1.0.100', nat: '10.1.0.200', gateway: '10.2.0.254' },
  /** the real servers' routing table for replies from the DR VIP (to the router, not the NAT gateway) */
  drReplyTable: 100,
  httpPort: 80,
  echoPort: 7,
} as const;

/** Every VIP of the sync group: a director is master when it holds all three. */
export const ALL_VIPS: readonly string[] = [NET.vip.dr, NET.vip.nat, NET.vip.gateway];

export type Stream = 'dr' | 'nat';
export const STREAMS: readonly Stream[] = ['dr', 'nat'];

/** The real servers of the two HTTP virtual servers (port 80) and their weights: what the reloads change. */
export type HttpReals = ReadonlyArray<{ rs: 1 | 2 | 3; weight: number }>;

export interface DirectorConfig {
  director: DirName;
  priority: number;
  state: 'MASTER' | 'BACKUP';
  http: HttpReals;
}

export const TIMING = {
  /** one HTTP GET per stream every REQUEST_MS, each on a new connection */
  requestMs: 40,
  /** a request not answered within this is failed (a lost SYN is retried by TCP after 1 s, 3 s) */
  requestTimeoutMs: 3000,
  /** the long-lived connections send a line this often */
  echoMs: 100,
  /** tables, VIPs and the connection table are read this often */
  pollMs: 100,
  /** traffic after each event, before the next one */
  settleMs: 2500,
  /** VRRP advert_int; a backup takes over 3 × advert_int + skew after the last advert */
  advertS: 1,
  delayLoopS: 2,
  /**
   * IPVS's FIN_WAIT timeout (lvs_timeouts tcpfin; the kernel's default is 120 s). A director in LVS-DR sees
   * only the client's half, so every finished connection lingers in FIN_WAIT that long; a client that
   * reuses the source port meanwhile is sent to the same real server, and if that one has been removed its
   * SYN is dropped (measured before this was set: 5 and 13 failed requests, 35–51 s after rs2's removal).
   * Draining rs2 means waiting until no such entry is left, so the wait must be short.
   */
  tcpFinS: 5,
} as const;

const http = (reals: HttpReals) => reals.map((r) => ({ ...r, rs: NET.rs[r.rs - 1]! }));

function httpGet(): string {
  return `        HTTP_GET {
            url {
                path /
                status_code 200
            }
            connect_timeout 2
            retry 2
            delay_before_retry 1
        }`;
}

function virtualServer(vip: string, port: number, kind: 'DR' | 'NAT', reals: Array<{ addr: string; weight: number; check: string }>): string {
  return `virtual_server ${vip} ${port} {
    delay_loop ${TIMING.delayLoopS}
    lb_algo ${port === NET.httpPort ? 'wrr' : 'rr'}
    lb_kind ${kind}
    protocol TCP
${reals
  .map(
    (r) => `    real_server ${r.addr} ${port} {
        weight ${r.weight}
${r.check}
    }
`,
  )
  .join('')}}
`;
}

/** One director's keepalived.conf: the same file for keepalived 2.2.7 and ours. */
export function directorConfig(c: DirectorConfig): string {
  const tcpCheck = '        TCP_CHECK {\n            connect_timeout 2\n        }';
  const instance = (name: string, dev: string, vrid: number, vips: string[]) => `vrrp_instance ${name} {
    state ${c.state}
    interface ${dev}
    virtual_router_id ${vrid}
    priority ${c.priority}
    advert_int ${TIMING.advertS}
    virtual_ipaddress {
${vips.map((v) => `        ${v}/32 dev ${dev}\n`).join('')}    }
}
`;
  const reals = http(c.http);
  return `# keepalived-ts end-to-end lab, ${c.director}
global_defs {
    router_id ${c.director}
    lvs_sync_daemon eth1 inst VI_OUT id 51
    lvs_timeouts tcpfin ${TIMING.tcpFinS}
}
vrrp_sync_group VG_LB {
    group {
        VI_OUT
        VI_IN
    }
}
${instance('VI_OUT', 'eth0', 51, [NET.vip.dr, NET.vip.nat])}${instance('VI_IN', 'eth1', 52, [NET.vip.gateway])}${virtualServer(
    NET.vip.dr, NET.httpPort, 'DR', reals.map((r) => ({ addr: r.rs.lan, weight: r.weight, check: httpGet() })),
  )}${virtualServer(NET.vip.nat, NET.httpPort, 'NAT', reals.map((r) => ({ addr: r.rs.nat, weight: r.weight, check: httpGet() })))}${virtualServer(
    NET.vip.dr, NET.echoPort, 'DR', NET.rs.map((r) => ({ addr: r.lan, weight: 1, check: tcpCheck })),
  )}${virtualServer(NET.vip.nat, NET.echoPort, 'NAT', NET.rs.map((r) => ({ addr: r.nat, weight: 1, check: tcpCheck })))}`;
}

/**
 * A file cut off in the middle of a block, as an interrupted copy or a bad edit leaves it: the last two
 * closing braces are missing. keepalived itself would run it (and lose the half-written virtual server);
 * ours refuses it at the parent and keeps the running configuration.
 */
export function brokenConfig(c: DirectorConfig): string {
  const text = directorConfig(c);
  const cut = text.lastIndexOf('    }\n}\n');
  return `${text.slice(0, cut)}        weight 1\n`;
}

/** The port-80 table a configuration asks for, per service, as parseProcIpvs gives it (`ADDR:PORT WEIGHT`). */
export function expectedHttp(reals: HttpReals): Record<string, string[]> {
  const r = http(reals);
  return {
    [`TCP ${NET.vip.dr}:${NET.httpPort}`]: r.map((x) => `${x.rs.lan}:${NET.httpPort} ${x.weight}`).sort(),
    [`TCP ${NET.vip.nat}:${NET.httpPort}`]: r.map((x) => `${x.rs.nat}:${NET.httpPort} ${x.weight}`).sort(),
  };
}

/** The HTTP real servers at each step of the main phase and of the migration. */
export const REALS = {
  start: [{ rs: 1, weight: 1 }, { rs: 2, weight: 1 }],
  weight: [{ rs: 1, weight: 3 }, { rs: 2, weight: 1 }],
  addRs3: [{ rs: 1, weight: 3 }, { rs: 2, weight: 1 }, { rs: 3, weight: 1 }],
  /** graceful removal, first half: rs2 inhibited (weight 0) so new connections avoid it while old ones finish */
  drainRs2: [{ rs: 1, weight: 3 }, { rs: 2, weight: 0 }, { rs: 3, weight: 1 }],
  removedRs2: [{ rs: 1, weight: 3 }, { rs: 3, weight: 1 }],
  migrationWeight: [{ rs: 1, weight: 1 }, { rs: 3, weight: 2 }],
} satisfies Record<string, HttpReals>;

export const PRIORITY = { dir1: 150, dir2: 100, dir1Lowered: 50 } as const;

export const cfg = (director: DirName, http: HttpReals, priority: number = PRIORITY[director]): DirectorConfig => ({
  director,
  priority,
  state: director === 'dir1' ? 'MASTER' : 'BACKUP',
  http,
});
