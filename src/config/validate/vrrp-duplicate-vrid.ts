// Two instances with the same VRID on the same interface and family (and multicast group) would
// fight over one virtual router: keepalived refuses the configuration ("... both use VRID ...").
// Unicast instances conflict when they share the interface, the source address and a peer.
import type { VrrpInstance } from '../model/index.js';
import { compareIp } from '../../lib/ip.js';
import type { Validator } from './index.js';

function baseInterface(i: VrrpInstance): string | undefined {
  return i.interface;
}

export const vrrpDuplicateVrid: Validator = (config, ctx) => {
  const list = config.vrrp.instances.filter((i) => i.virtualRouterId);
  for (let a = 0; a < list.length; a++) {
    for (let b = a + 1; b < list.length; b++) {
      const x = list[a];
      const y = list[b];
      if (x.family !== y.family || x.virtualRouterId !== y.virtualRouterId || x.unicast !== y.unicast) continue;
      if (x.unicast) {
        if (x.interface && y.interface && x.interface !== y.interface) continue;
        // keepalived can only compare configured source addresses before the interfaces are read
        if (!x.srcIp || !y.srcIp || compareIp(x.srcIp, y.srcIp) !== 0) continue;
        const shared = x.unicastPeer.some((p) => y.unicastPeer.some((q) => compareIp(p.address, q.address) === 0));
        if (!shared) continue;
        ctx.sink.error(y.pos, `(${x.name}) duplicate VRID conflict with ${y.name} VRID ${x.virtualRouterId}`, `use a different virtual_router_id for ${x.name} or ${y.name}`);
        continue;
      }
      if (baseInterface(x) === undefined || baseInterface(x) !== baseInterface(y)) continue;
      const gx = x.mcastDstIp?.text;
      const gy = y.mcastDstIp?.text;
      if (gx !== gy) continue;
      ctx.sink.error(y.virtualRouterIdPos ?? y.pos, `${x.name} and ${y.name} both use VRID ${x.virtualRouterId} with IPv${x.family} on interface ${x.interface}`, `virtual_router_id must be unique per interface and address family; ${x.name} is at line ${x.pos.line}`);
    }
  }
};
