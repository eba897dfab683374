// VRRPv3 over IPv4 multicast, advert_int 0.5 s (keepalived's pseudo-header checksum): ours with keepalived
// 2.2.7 in each role, and ours with ours.
import { masterDownV3 } from './harness.js';
import { failoverScenarios } from './vrrp-scenarios.js';

failoverScenarios({
  tag: 'v3f',
  title: 'VRRPv3 IPv4 multicast',
  vip: '10.120.0.100',
  instance: () => ({ version: 3, advertInt: 0.5, vips: ['10.120.0.100/24'] }),
  masterDownMs: masterDownV3(100, 0.5),
  skewMs: (156 * 500) / 256,
  advertMs: 500,
  announce: 'arp',
});
