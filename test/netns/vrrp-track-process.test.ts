// vrrp_track_process between ours and keepalived 2.2.7: a (150) tracks two `sleep` processes this test
// starts, one weighted (-60), one unweighted. The weighted one going away drops a to 90 and b (100)
// preempts; the unweighted one going away puts a in FAULT (priority 0) and b takes over at once;
// restarting either moves mastership back. keepalived is started with `-s NS` (it opens its proc
// connector before entering the namespace; under `ip netns exec` the kernel refuses it and keepalived
// tracks nothing); ours polls /proc. VRRPv3 over IPv4, advert_int 0.5.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { config, instance, masterDownV3, type Daemon, type Lan } from './harness.js';
import { pairSuites, sleep } from './vrrp-scenarios.js';
import { adverts } from './pcap.js';

const VIP = '10.120.0.100';
const ADV = 0.5;
/** Our poll interval plus scheduling slack on a loaded 2-core machine. */
const NOTICE_MS = 200 + 600;

const started = new Set<ChildProcess>();
after(() => {
  for (const c of started) c.kill('SIGKILL');
});

/** `sleep ARG` in the node's namespace (so the LAN's clean-up would end it too); resolves once it runs. */
async function startSleep(lan: Lan, node: string, arg: string): Promise<ChildProcess> {
  const c = spawn('ip', ['netns', 'exec', lan.node(node).ns, 'sleep', arg], { stdio: 'ignore' });
  started.add(c);
  await new Promise<void>((resolve, reject) => {
    c.once('spawn', () => resolve());
    c.once('error', reject);
  });
  await sleep(50);
  assert.equal(c.exitCode, null, `sleep ${arg} is running`);
  return c;
}

async function stopSleep(c: ChildProcess): Promise<number> {
  const exited = c.exitCode !== null || c.signalCode !== null ? Promise.resolve() : new Promise((r) => c.once('exit', r));
  // the moment of the kill, not of our 'exit' event: a loaded test process may see the exit later than the
  // daemon sees the process gone from /proc, and the daemon's reaction must not predate "gone"
  const at = Date.now();
  c.kill('SIGKILL');
  await exited;
  started.delete(c);
  return at;
}

pairSuites('tpr', 'track_process', ({ mk, bk, lan, cap }) => {
  let a: Daemon;
  let weighted: ChildProcess;
  let vital: ChildProcess;
  // distinctive arguments (sleep takes only numbers), so no other sleep on the machine matches
  const tag = `${process.pid}${mk === 'ours' ? 1 : 2}`;
  const weightedArg = `3601.${tag}`;
  const vitalArg = `3602.${tag}`;
  const confA = () => config(
    `vrrp_track_process weighted {\n  process sleep ${weightedArg}\n  weight -60\n}\n`,
    `vrrp_track_process vital {\n  process sleep ${vitalArg}\n}\n`,
    instance({ priority: 150, version: 3, advertInt: ADV, vips: [`${VIP}/24`], extra: '  track_process {\n    weighted\n    vital\n  }' }),
  );
  const confB = () => config(instance({ priority: 100, version: 3, advertInt: ADV, vips: [`${VIP}/24`] }));

  test('election: a (150), with both tracked processes running, is master', async () => {
    weighted = await startSleep(lan(), 'a', weightedArg);
    vital = await startSleep(lan(), 'a', vitalArg);
    a = lan().start(mk, 'a', confA(), { namespaceOption: true });
    lan().start(bk, 'b', confB(), { namespaceOption: true });
    await lan().waitHolders(VIP, ['a'], masterDownV3(150, ADV) + 4000);
    await lan().steadyHolders(VIP, ['a'], 1000);
    assert.doesNotMatch(a.out, /Quorum lost|Changing effective priority|FAULT/);
  });

  test('the weighted process goes away: a advertises 90 and b (100) preempts; back: a preempts again', async (t) => {
    const m = a.mark();
    const goneAt = await stopSleep(weighted);
    const took = await lan().waitHolders(VIP, ['b'], NOTICE_MS + masterDownV3(100, ADV) + 1000);
    t.diagnostic(`${mk} lost the weighted process: VIP on b ${took} ms later (b's master-down interval ${masterDownV3(100, ADV)} ms)`);
    await a.waitFor(/Quorum lost for tracked process weighted\n[^]*\(VI_1\) Changing effective priority from 150 to 90/, 500, m);
    await sleep(100);
    const lowered = adverts(cap().frames()).filter((x) => x.at >= goneAt && x.srcMac === lan().node('a').mac && x.vrid === 51);
    assert.ok(lowered.length > 0 && lowered.every((x) => x.priority === 90), 'a advertised 90 until it yielded');
    const m2 = a.mark();
    weighted = await startSleep(lan(), 'a', weightedArg);
    const back = await lan().waitHolders(VIP, ['a'], NOTICE_MS + masterDownV3(150, ADV) + 1000);
    t.diagnostic(`${mk} regained the weighted process: VIP back on a ${back} ms later`);
    await a.waitFor(/Quorum gained for tracked process weighted\n[^]*\(VI_1\) Changing effective priority from 90 to 150/, 500, m2);
  });

  test('the unweighted process goes away: a enters FAULT (priority 0) and b takes over; back: a preempts again', async (t) => {
    const m = a.mark();
    const goneAt = await stopSleep(vital);
    const took = await lan().waitHolders(VIP, ['b'], NOTICE_MS + 1500);
    t.diagnostic(`${mk} lost the unweighted process: VIP on b ${took} ms later`);
    await a.waitFor(/Quorum lost for tracked process vital\n[^]*\(VI_1\) Entering FAULT STATE/, 500, m);
    // tcpdump writes each frame as it comes, but a loaded machine can take a while to get it onto the file
    const zeroAdvert = () => adverts(cap().frames()).find((x) => x.at >= goneAt && x.srcMac === lan().node('a').mac && x.priority === 0);
    for (let i = 0; i < 40 && !zeroAdvert(); i++) await sleep(50);
    const zero = zeroAdvert();
    assert.ok(zero, 'priority-0 advert on entering FAULT');
    const m2 = a.mark();
    vital = await startSleep(lan(), 'a', vitalArg);
    const back = await lan().waitHolders(VIP, ['a'], NOTICE_MS + masterDownV3(150, ADV) + 1500);
    t.diagnostic(`${mk} regained the unweighted process: VIP back on a ${back} ms later`);
    await a.waitFor(/Quorum gained for tracked process vital\n[^]*\(VI_1\) Entering BACKUP STATE/, 500, m2);
  });
}, [['ours', 'keepalived'], ['keepalived', 'ours']]);
