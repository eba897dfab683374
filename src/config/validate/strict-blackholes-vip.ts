// vrrp_strict (or strict_mode) without `accept` makes keepalived install nftables rules that drop
// all traffic to the VIPs of a non-owner master. On an LVS director that balances those VIPs, the
// service is silently dead (USER-PAINS.md item 9). keepalived says nothing; we say it loudly.
import { compareIp, type IpAddress } from '../../lib/ip.js';
import { iterateVirtualServerGroup, type VirtualServer } from '../model/lvs.js';
import type { Validator } from './index.js';

function balancedAddresses(vs: VirtualServer): IpAddress[] {
  const svc = vs.service;
  if (svc.kind === 'address') return [svc.address];
  if (svc.kind === 'group') {
    const out: IpAddress[] = [];
    for (const e of iterateVirtualServerGroup(svc.group, vs.family)) if (e.kind === 'address') out.push(e.address);
    return out;
  }
  return [];
}

export const strictBlackholesVip: Validator = (config, ctx) => {
  const balanced = config.lvs.virtualServers.flatMap((vs) => balancedAddresses(vs).map((a) => ({ a, vs })));
  if (balanced.length === 0) return;
  for (const inst of config.vrrp.instances) {
    if (!inst.strictMode || inst.accept || inst.priority === 255) continue;
    for (const vip of [...inst.virtualIpaddress, ...inst.virtualIpaddressExcluded]) {
      const hit = balanced.find((b) => compareIp(b.a, vip.address) === 0);
      if (!hit) continue;
      ctx.sink.extra(
        'error',
        vip.pos,
        `(${inst.name}) VIP ${vip.address.text} is balanced by virtual_server ${hit.vs.key}, but strict mode without 'accept' drops all traffic to it`,
        `add 'accept' to vrrp_instance ${inst.name}, or remove vrrp_strict`,
      );
    }
  }
};
