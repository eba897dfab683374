// VRRPv2 with unicast peers (unicast_src_ip / unicast_peer), advert_int 1: ours with keepalived 2.2.7 in
// each role, and ours with ours.
import { masterDownV2 } from './harness.js';
import { failoverScenarios } from './vrrp-scenarios.js';

failoverScenarios({
  tag: 'v2u',
  title: 'VRRPv2 unicast',
  vip: '10.120.0.100',
  instance: (node, lan) => {
    const other = node === 'a' ? 'b' : 'a';
    return { vips: ['10.120.0.100/24'], unicastSrc: lan.node(node).v4, peers: [lan.node(other).v4] };
  },
  masterDownMs: masterDownV2(100),
  skewMs: (156 * 1000) / 256,
  advertMs: 1000,
  announce: 'arp',
});
