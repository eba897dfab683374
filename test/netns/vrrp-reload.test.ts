// SIGHUP on our daemon next to keepalived: a broken file is refused and nothing moves; a changed file keeps
// every instance in its state (no re-election, no notify) and applies the difference — here an excluded VIP
// (not advertised, so the peer needs no reload) appears on the master only, then goes again. VRRPv2.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { config, instance, masterDownV2, type Daemon } from './harness.js';
import { pairSuites, sleep } from './vrrp-scenarios.js';

const VIP = '10.120.0.100';
const EVIP = '10.120.0.150';

pairSuites('rld', 'reload', ({ mk, lan }) => {
  let a: Daemon;
  let b: Daemon;
  let ours: Daemon;
  const conf = (priority: number, evip: boolean) =>
    config(instance({ priority, vips: [`${VIP}/24`], extra: evip ? `  virtual_ipaddress_excluded {\n    ${EVIP}/24\n  }` : undefined }));
  const rewrite = (d: Daemon, text: string) => writeFileSync(join(d.dir, 'keepalived.conf'), text);

  test('election: a (150) is master', async () => {
    a = lan().start(mk, 'a', conf(150, false));
    await lan().waitHolders(VIP, ['a'], masterDownV2(150) + 3000);
    b = lan().start(mk === 'ours' ? 'keepalived' : 'ours', 'b', conf(100, false));
    ours = mk === 'ours' ? a : b;
    await lan().steadyHolders(VIP, ['a'], 1500);
  });

  test('a broken file is refused: the running configuration and every state stay', async () => {
    const m = ours.mark();
    rewrite(ours, conf(ours === a ? 150 : 100, true).replace(/\}\s*$/, ''));
    ours.signal('SIGHUP');
    await ours.waitFor(/New configuration refused; keeping the running configuration/, 3000, m);
    await lan().steadyHolders(VIP, ['a'], 1500);
    assert.deepEqual(lan().holders(EVIP), []);
    assert.doesNotMatch(ours.out.slice(m), /Entering/);
  });

  test('an added excluded VIP: no re-election, installed on the master only; removed again on the next reload', async (t) => {
    const m = ours.mark();
    const reloadAt = Date.now();
    rewrite(ours, conf(ours === a ? 150 : 100, true));
    ours.signal('SIGHUP');
    await ours.waitFor(/Reload complete/, 3000, m);
    if (ours === a) {
      const took = await lan().waitHolders(EVIP, ['a'], 2000);
      t.diagnostic(`excluded VIP on the master ${Date.now() - reloadAt} ms after SIGHUP (seen by polling after ${took} ms)`);
    } else {
      await sleep(1000);
      assert.deepEqual(lan().holders(EVIP), [], 'a backup does not install it');
    }
    await lan().steadyHolders(VIP, ['a'], 2000);
    assert.doesNotMatch(ours.out.slice(m), /Entering|INSTANCE/);
    const m2 = ours.mark();
    rewrite(ours, conf(ours === a ? 150 : 100, false));
    ours.signal('SIGHUP');
    await ours.waitFor(/Reload complete/, 3000, m2);
    await lan().waitHolders(EVIP, [], 2000);
    await lan().steadyHolders(VIP, ['a'], 1000);
    assert.doesNotMatch(ours.out.slice(m2), /Entering/);
  });
}, [['ours', 'keepalived'], ['keepalived', 'ours']]);
