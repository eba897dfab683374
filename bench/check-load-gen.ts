// Configurations for bench/check-load.ts: one VRRP instance plus N health-checked real servers, the same
// file for keepalived and for ours (each daemon is started twice on it: -P for the VRRP side, -C for the
// checker side). Pure text; deterministic.
//
// Shape: virtual servers of PER_VS real servers each. Virtual server j is 10.100.a.b:80 and its real
// servers all sit on one address 10.9.a.b, ports 8000..8049, so every check has its own address:port
// (ours shares identical probes between checkers; keepalived does not: no two checks may be identical
// or the comparison is unfair). The lab makes the whole 10.9.0.0/16 local to the real servers' namespace
// with one route, so 5,000 checks need 100 addresses and 50 listening sockets, not 5,000 of either.

export type LoadKind = 'idle' | 'tcp' | 'misc';

export interface LoadShape {
  kind: LoadKind;
  /** health checks (= real servers); 0 for idle */
  checks: number;
}

export const PER_VS = 50;
export const RS_PORT0 = 8000;
export const DELAY_LOOP_S = 1;
export const CONNECT_TIMEOUT_S = 1;
export const ADVERT_INT_S = 1;
export const VRID = 51;
export const PRIORITY = 150;

/** The VRRP side's LAN: the director's eth1 and a peer namespace that only listens. */
export const VRRP_NET = { director: '10.7.0.1', peer: '10.7.0.2', prefix: 24, vip: '10.7.0.100' };
/** The checks' LAN: director eth0 and the real servers' namespace, which owns all of REAL_NET. */
export const CHECK_NET = { director: '10.8.0.1', realServers: '10.8.0.2', prefix: 24, realNet: '10.9.0.0/16' };

const quad = (net: number, j: number): string => `10.${net}.${Math.floor(j / 250)}.${(j % 250) + 1}`;

export const vsAddr = (j: number): string => quad(100, j);
export const rsAddr = (j: number): string => quad(9, j);

export function virtualServers(shape: LoadShape): number {
  return Math.ceil(shape.checks / PER_VS);
}

/** Listening ports the real servers need (TCP loads only). */
export function rsPorts(shape: LoadShape): number[] {
  if (shape.kind !== 'tcp') return [];
  return Array.from({ length: Math.min(PER_VS, shape.checks) }, (_, i) => RS_PORT0 + i);
}

export function label(shape: LoadShape): string {
  if (shape.kind === 'idle') return 'idle (no checks)';
  return `${shape.checks.toLocaleString('en-US')} ${shape.kind === 'tcp' ? 'TCP_CHECK' : 'MISC_CHECK'}`;
}

export function checkLoadConfig(shape: LoadShape, miscPath = '/bin/true'): string {
  const out = [
    'global_defs {',
    '  router_id bench_check_load',
    '}',
    'vrrp_instance VI_1 {',
    '  state MASTER',
    '  interface eth1',
    `  virtual_router_id ${VRID}`,
    `  priority ${PRIORITY}`,
    `  advert_int ${ADVERT_INT_S}`,
    '  virtual_ipaddress {',
    `    ${VRRP_NET.vip}/${VRRP_NET.prefix}`,
    '  }',
    '}',
  ];
  if (shape.kind === 'idle') return out.join('\n') + '\n';
  let left = shape.checks;
  for (let j = 0; left > 0; j++) {
    const n = Math.min(PER_VS, left);
    left -= n;
    out.push(`virtual_server ${vsAddr(j)} 80 {`, `  delay_loop ${DELAY_LOOP_S}`, '  lb_algo rr', '  lb_kind NAT', '  protocol TCP');
    for (let i = 0; i < n; i++) {
      out.push(`  real_server ${rsAddr(j)} ${RS_PORT0 + i} {`, '    weight 1');
      if (shape.kind === 'tcp') out.push('    TCP_CHECK {', `      connect_timeout ${CONNECT_TIMEOUT_S}`, '    }');
      else out.push('    MISC_CHECK {', `      misc_path ${miscPath}`, '    }');
      out.push('  }');
    }
    out.push('}');
  }
  return out.join('\n') + '\n';
}
