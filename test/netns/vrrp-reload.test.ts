// SIGHUP on our daemon next to keepalived: a broken file is refused and nothing moves; a changed file keeps
// every instance in its state (no re-election, no notify) and applies the difference — here an excluded VIP
// (not advertised, so the peer needs no reload) appears on the master only, then goes again. Ours writes its
// states to its notify FIFO on each reload (fifo_write_vrrp_states_on_reload), and nothing on a refused one.
// VRRPv2.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { closeSync, constants, existsSync, openSync, readSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { config, instance, masterDownV2, type Daemon } from './harness.js';
import { pairSuites, sleep } from './vrrp-scenarios.js';

const VIP = '10.120.0.100';
const EVIP = '10.120.0.150';

pairSuites('rld', 'reload', ({ mk, lan }) => {
  let a: Daemon;
  let b: Daemon;
  let ours: Daemon;
  const fifo = () => join(lan().dir, 'notify.fifo');
  const conf = (priority: number, evip: boolean, withFifo = false) =>
    config(instance({ priority, vips: [`${VIP}/24`], extra: evip ? `  virtual_ipaddress_excluded {\n    ${EVIP}/24\n  }` : undefined }))
      .replace('  router_id kt_netns\n', withFifo ? `  router_id kt_netns\n  notify_fifo ${fifo()}\n  fifo_write_vrrp_states_on_reload\n` : '$&');
  const rewrite = (d: Daemon, text: string) => writeFileSync(join(d.dir, 'keepalived.conf'), text);
  const ourConf = (evip: boolean) => conf(ours === a ? 150 : 100, evip, true);
  const ourState = () => (ours === a ? 'INSTANCE "VI_1" MASTER 150' : 'INSTANCE "VI_1" BACKUP 100');

  test('election: a (150) is master', async () => {
    a = lan().start(mk, 'a', conf(150, false, mk === 'ours'));
    await lan().waitHolders(VIP, ['a'], masterDownV2(150) + 3000);
    b = lan().start(mk === 'ours' ? 'keepalived' : 'ours', 'b', conf(100, false, mk !== 'ours'));
    ours = mk === 'ours' ? a : b;
    await lan().steadyHolders(VIP, ['a'], 1500);
    for (let i = 0; i < 100 && !existsSync(fifo()); i++) await sleep(50);
    assert.deepEqual(drainFifo(fifo()).at(-1), ourState(), 'the notify FIFO has what ours went through');
  });

  test('a broken file is refused: the running configuration and every state stay', async () => {
    const m = ours.mark();
    rewrite(ours, ourConf(true).replace(/\}\s*$/, ''));
    ours.signal('SIGHUP');
    await ours.waitFor(/New configuration refused; keeping the running configuration/, 3000, m);
    await lan().steadyHolders(VIP, ['a'], 1500);
    assert.deepEqual(lan().holders(EVIP), []);
    assert.doesNotMatch(ours.out.slice(m), /Entering/);
    assert.deepEqual(drainFifo(fifo()), [], 'a refused reload writes nothing');
  });

  test('an added excluded VIP: no re-election, installed on the master only; removed again on the next reload', async (t) => {
    const m = ours.mark();
    const reloadAt = Date.now();
    rewrite(ours, ourConf(true));
    ours.signal('SIGHUP');
    await ours.waitFor(/Reload complete/, 3000, m);
    assert.deepEqual(drainFifo(fifo()), [ourState()], 'the unchanged state, on the FIFO only');
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
    rewrite(ours, ourConf(false));
    ours.signal('SIGHUP');
    await ours.waitFor(/Reload complete/, 3000, m2);
    assert.deepEqual(drainFifo(fifo()), [ourState()]);
    await lan().waitHolders(EVIP, [], 2000);
    await lan().steadyHolders(VIP, ['a'], 1000);
    assert.doesNotMatch(ours.out.slice(m2), /Entering/);
  });
}, [['ours', 'keepalived'], ['keepalived', 'ours']]);

/** Whatever is waiting in the FIFO (ours holds it open read-write, so lines wait for a reader). */
function drainFifo(path: string): string[] {
  const fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  const buf = Buffer.alloc(65536);
  let text = '';
  try {
    for (;;) {
      const n = readSync(fd, buf);
      if (n <= 0) break;
      text += buf.toString('utf8', 0, n);
    }
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') throw e;
  } finally {
    closeSync(fd);
  }
  return text.split('\n').filter(Boolean);
}
