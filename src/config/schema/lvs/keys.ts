// Server names as keepalived prints them in its logs and messages (FMT_VS / FMT_RS):
// `[10.10.10.2]:tcp:1358`, `FWM 1`, `[groupname]:0`, real servers `[ip]:proto:port`.
import type { LvsProtocol } from '../../model/lvs.js';
import type { IpAddress } from '../../../lib/ip.js';
import type { VsDraft } from './drafts.js';

export function protoText(p: LvsProtocol | null | undefined): string {
  return p ? p.toLowerCase() : 'none';
}

export function serverKey(address: IpAddress, port: number, protocol: LvsProtocol | null | undefined): string {
  return `[${address.text}]:${protoText(protocol)}:${port}`;
}

/** `memberIndex`: for a group VS, its sequence number among the VSs of that group (0 before linking). */
export function vsKey(vs: Pick<VsDraft, 'service' | 'protocol'>, memberIndex = 0): string {
  const sv = vs.service;
  if (sv.kind === 'group') return `[${sv.groupName}]:${memberIndex}`;
  if (sv.kind === 'fwmark') return `FWM ${sv.fwmark}`;
  return serverKey(sv.address, sv.port, vs.protocol);
}
