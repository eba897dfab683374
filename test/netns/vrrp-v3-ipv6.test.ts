// VRRPv3 over IPv6 (ff02::12 from the link-local address), advert_int 0.5 s, unsolicited neighbour
// advertisements after takeover: ours with keepalived 2.2.7 in each role, and ours with ours.
import { masterDownV3 } from './harness.js';
import { failoverScenarios } from './vrrp-scenarios.js';

failoverScenarios({
  tag: 'v3s',
  title: 'VRRPv3 IPv6',
  vip: 'fd00:120::100',
  instance: () => ({ version: 3, advertInt: 0.5, vips: ['fd00:120::100/64'] }),
  masterDownMs: masterDownV3(100, 0.5),
  skewMs: (156 * 500) / 256,
  advertMs: 500,
  announce: 'na',
});
