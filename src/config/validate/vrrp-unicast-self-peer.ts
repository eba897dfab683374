// A unicast peer equal to the instance's own unicast_src_ip: the instance would send adverts to
// itself and never hear the real peer. keepalived accepts this silently; we report it.
import { compareIp } from '../../lib/ip.js';
import type { Validator } from './index.js';

export const vrrpUnicastSelfPeer: Validator = (config, ctx) => {
  for (const inst of config.vrrp.instances) {
    if (!inst.srcIp) continue;
    for (const p of inst.unicastPeer) {
      if (compareIp(p.address, inst.srcIp) === 0) {
        ctx.sink.extra('error', p.pos, `(${inst.name}) unicast peer ${p.address.text} is this instance's own unicast_src_ip`, 'list the other nodes here, not this one (the same file on every node needs unicast_src_ip and peers per node)');
      }
    }
  }
};
