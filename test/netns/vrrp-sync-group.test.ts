// A sync group moves its instances together: when one member of the master's group faults (its tracked
// link goes down), the other member leaves MASTER too and the backup's group takes both VIPs; when the link
// returns, both move back. VRRPv3 over IPv4, advert_int 0.5.
import { test } from 'node:test';
import { config, instance, masterDownV3 } from './harness.js';
import { pairSuites } from './vrrp-scenarios.js';

const ADV = 0.5;
const V1 = '10.120.0.100';
const V2 = '10.120.0.101';

function conf(priority: number, trackLink: boolean): string {
  const extra = trackLink ? '  track_interface {\n    trk0\n  }' : undefined;
  return config(
    'vrrp_sync_group G1 {\n  group {\n    VI_1\n    VI_2\n  }\n}\n',
    instance({ name: 'VI_1', vrid: 51, priority, version: 3, advertInt: ADV, vips: [`${V1}/24`], extra }),
    instance({ name: 'VI_2', vrid: 52, priority, version: 3, advertInt: ADV, vips: [`${V2}/24`] }),
  );
}

pairSuites('syn', 'sync group', ({ mk, bk, lan }) => {
  test('election: both instances master on a', async () => {
    lan().addTrackLink('a');
    lan().start(mk, 'a', conf(150, true));
    lan().start(bk, 'b', conf(100, false));
    await lan().waitHolders(V1, ['a'], masterDownV3(150, ADV) + 4000);
    await lan().waitHolders(V2, ['a'], 1000);
  });

  test('one member faults -> both instances move to b together; it recovers -> both move back', async (t) => {
    lan().setTrackLink('a', false);
    const t1 = await lan().waitHolders(V1, ['b'], 2500);
    const t2 = await lan().waitHolders(V2, ['b'], 1000);
    t.diagnostic(`fault of VI_1 on a: VI_1 on b after ${t1} ms, VI_2 after ${t1 + t2} ms`);
    lan().setTrackLink('a', true);
    await lan().waitHolders(V1, ['a'], masterDownV3(150, ADV) + 2500);
    await lan().waitHolders(V2, ['a'], 1000);
  });
});
