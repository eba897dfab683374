// Entries as keepalived names them in its logs: `[10.0.0.1]:tcp:80`, `FWM 7`, `[fd00::1]:udp:53`.
import { IPPROTO_SCTP, IPPROTO_TCP, IPPROTO_UDP, type IpvsDestKey, type IpvsServiceKey } from './types.js';

export function protocolName(p: number): string {
  return p === IPPROTO_TCP ? 'tcp' : p === IPPROTO_UDP ? 'udp' : p === IPPROTO_SCTP ? 'sctp' : 'none';
}

export function serviceText(s: IpvsServiceKey): string {
  return s.fwmark ? `FWM ${s.fwmark}` : `[${s.addr}]:${protocolName(s.protocol)}:${s.port}`;
}

export function destText(d: IpvsDestKey, service: IpvsServiceKey): string {
  return `[${d.addr}]:${protocolName(service.protocol)}:${d.port}`;
}
