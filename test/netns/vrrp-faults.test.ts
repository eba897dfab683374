// Faults move mastership: a tracked interface going down puts the master in FAULT (priority-0 advert, VIPs
// removed) and the backup takes over after its skew time; a failing vrrp_script with a negative weight lowers
// the master's priority below the backup's, which then preempts. VRRPv3 over IPv4, advert_int 0.5.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { config, instance, masterDownV3, type Daemon } from './harness.js';
import { pairSuites, sleep } from './vrrp-scenarios.js';
import { adverts, announcements } from './pcap.js';

const VIP = '10.120.0.100';
const ADV = 0.5;

pairSuites('flt', 'faults', ({ mk, bk, lan, cap }) => {
  let a: Daemon;
  let flag: string;
  const confA = () => config(
    `vrrp_script chk {\n  script "/usr/bin/test -e ${flag}"\n  interval 1\n  weight -60\n  fall 1\n  rise 1\n}\n`,
    instance({ priority: 150, version: 3, advertInt: ADV, vips: [`${VIP}/24`], extra: '  track_interface {\n    trk0\n  }\n  track_script {\n    chk\n  }' }),
  );
  const confB = () => config(instance({ priority: 100, version: 3, advertInt: ADV, vips: [`${VIP}/24`] }));

  test('election: a (150, tracking trk0 and a script) is master', async () => {
    flag = join(lan().dir, 'healthy');
    writeFileSync(flag, '');
    lan().addTrackLink('a');
    a = lan().start(mk, 'a', confA());
    lan().start(bk, 'b', confB());
    await lan().waitHolders(VIP, ['a'], masterDownV3(150, ADV) + 4000);
    await lan().steadyHolders(VIP, ['a'], 1000);
  });

  test('track_interface down -> the master enters FAULT, sends priority 0 and the backup takes over; up again -> it preempts back', async (t) => {
    const m = a.mark();
    // before the action: the daemon may react before `ip link` has even returned to us
    const downAt = Date.now();
    lan().setTrackLink('a', false);
    const took = await lan().waitHolders(VIP, ['b'], 2000);
    await a.waitFor(/\(VI_1\) Entering FAULT STATE/, 1000, m);
    // tcpdump writes each frame as it comes, but a loaded machine can take a while to get it onto the file
    const zeroAdvert = () => adverts(cap().frames()).find((x) => x.at >= downAt - 5 && x.srcMac === lan().node('a').mac && x.priority === 0);
    for (let i = 0; i < 40 && !zeroAdvert(); i++) await sleep(50);
    const zero = zeroAdvert();
    assert.ok(zero, 'priority-0 advert on entering FAULT');
    t.diagnostic(`tracked link down: VIP on b after ${took} ms`);
    lan().setTrackLink('a', true);
    const back = await lan().waitHolders(VIP, ['a'], masterDownV3(150, ADV) + 2000);
    t.diagnostic(`tracked link up: VIP back on a after ${back} ms`);
  });

  test('a failing vrrp_script (weight -60) lowers the master to 90 and the backup (100) takes over; success moves it back', async (t) => {
    rmSync(flag);
    const failAt = Date.now();
    const took = await lan().waitHolders(VIP, ['b'], 1500 + masterDownV3(100, ADV) + 1500);
    t.diagnostic(`script failing: VIP on b ${took} ms after the check started failing`);
    const loweredAdvert = () => adverts(cap().frames()).find((x) => x.at >= failAt && x.srcMac === lan().node('a').mac && x.priority === 90);
    for (let i = 0; i < 40 && !loweredAdvert(); i++) await sleep(50);
    const lowered = loweredAdvert();
    assert.ok(lowered, 'a advertised its lowered priority 90');
    const fresh = announcements(cap().frames()).filter((x) => x.at >= failAt && x.srcMac === lan().node('b').mac && x.address === VIP);
    assert.ok(fresh.length >= 1, 'the new master announced the VIP');
    writeFileSync(flag, '');
    const back = await lan().waitHolders(VIP, ['a'], 1500 + masterDownV3(150, ADV) + 1500);
    t.diagnostic(`script healthy again: VIP back on a after ${back} ms`);
  });
});
