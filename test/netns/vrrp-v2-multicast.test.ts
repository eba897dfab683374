// VRRPv2 over IPv4 multicast (224.0.0.18), advert_int 1: ours with keepalived 2.2.7 in each role, and ours
// with ours. Crash, return and orderly-stop timings are printed as test diagnostics.
import { masterDownV2 } from './harness.js';
import { failoverScenarios } from './vrrp-scenarios.js';

failoverScenarios({
  tag: 'v2m',
  title: 'VRRPv2 multicast',
  vip: '10.120.0.100',
  instance: () => ({ vips: ['10.120.0.100/24'] }),
  masterDownMs: masterDownV2(100),
  skewMs: (156 * 1000) / 256,
  advertMs: 1000,
  announce: 'arp',
});
