// Runs INSIDE the UML lab, in one node process (node starts slowly there): performs the IPVS
// scenario through IpvsClient, snapshotting the table through the client and through ipvsadm after
// each step, then timeouts, sync daemons, timings and the golden capture; writes one JSON result.
// On the host (where `node --test` also loads this file) it does nothing.
import { execFileSync } from 'node:child_process';
import { writeLabResult } from './inside.js';
import { captureGolden, type GoldenCapture } from './ipvs-golden-capture.js';
import { S, STEPS, type ScenarioOp } from './ipvs-scenario.js';
import { IpvsClient, openGenericNetlinkChannel, type NetlinkChannel } from '../../src/netlink/ipvs-client.js';
import { IpvsAdapterError, IpvsError } from '../../src/netlink/errors.js';
import {
  AF_INET,
  IP_VS_CONN_F_DROUTE,
  IP_VS_STATE_BACKUP,
  IP_VS_STATE_MASTER,
  IPPROTO_TCP,
  type IpvsDaemon,
  type IpvsDestEntry,
  type IpvsInfo,
  type IpvsService,
  type IpvsServiceEntry,
  type IpvsTimeouts,
} from '../../src/ipvs/types.js';

export interface Snapshot {
  readonly ours: Array<{ readonly svc: IpvsServiceEntry; readonly dests: IpvsDestEntry[] }>;
  readonly save: string;
  readonly thresholds: string;
  readonly persistent: string;
}

export type OpOutcome =
  | { readonly ok: true }
  | { readonly ok: false; readonly name: string; readonly code?: string; readonly errno?: number; readonly message: string };

export interface DriverResult {
  readonly kernel: string;
  readonly info: IpvsInfo;
  readonly infoText: string;
  readonly initial: Snapshot;
  readonly steps: Array<{ readonly name: string; readonly outcomes: OpOutcome[]; readonly snapshot: Snapshot }>;
  readonly lookups: { readonly found: Omit<IpvsServiceEntry, 'stats' | 'stats64'>; readonly missing: 'undefined' | 'defined'; readonly missingDests: number };
  readonly timeouts: {
    readonly initial: IpvsTimeouts; readonly initialText: string;
    readonly afterOurs: IpvsTimeouts; readonly afterOursText: string;
    readonly afterIpvsadm: IpvsTimeouts;
  };
  readonly daemons: {
    readonly started: IpvsDaemon[]; readonly startedText: string;
    readonly stopped: IpvsDaemon[]; readonly stopAgain: OpOutcome;
    readonly fromIpvsadm: IpvsDaemon[]; readonly fromIpvsadmText: string;
  };
  readonly bench: Record<string, number>;
  readonly golden: GoldenCapture[];
  readonly flushed: Snapshot;
  readonly reopen: { readonly firstError: string; readonly thenListed: number; readonly sockets: number };
  readonly unloaded: {
    readonly newClient: OpOutcome; readonly oldClient: OpOutcome;
    readonly familyBefore: number; readonly familyAfterReload: number; readonly oldClientAfterReload: OpOutcome;
  };
}

const sh = (cmd: string, ...args: string[]) => execFileSync(cmd, args, { encoding: 'utf8' });
const ipvsadm = (...args: string[]) => sh('ipvsadm', ...args);

/** Counters change between two readings; the lab compares configuration only. */
function noStats<T extends { stats?: unknown; stats64?: unknown }>(e: T): Omit<T, 'stats' | 'stats64'> {
  const { stats: _s, stats64: _s64, ...rest } = e;
  return rest;
}

async function snapshot(c: IpvsClient): Promise<Snapshot> {
  const ours: Snapshot['ours'] = [];
  for (const svc of await c.listServices()) {
    ours.push({ svc: noStats(svc), dests: (await c.listDests(svc)).map(noStats) });
  }
  return {
    ours,
    save: ipvsadm('-S', '-n'),
    thresholds: ipvsadm('-Ln', '--thresholds'),
    persistent: ipvsadm('-Ln', '--persistent-conn'),
  };
}

async function outcome(p: Promise<unknown>): Promise<OpOutcome> {
  try {
    await p;
    return { ok: true };
  } catch (e) {
    if (e instanceof IpvsError) return { ok: false, name: e.name, code: e.code, errno: e.errno, message: e.message };
    if (e instanceof IpvsAdapterError) return { ok: false, name: e.name, message: e.message };
    throw e;
  }
}

function perform(c: IpvsClient, o: ScenarioOp): Promise<unknown> {
  switch (o.op) {
    case 'addService': return c.addService(o.svc);
    case 'editService': return c.editService(o.svc);
    case 'delService': return c.delService(o.svc);
    case 'addDest': return c.addDest(o.svc, o.dest);
    case 'editDest': return c.editDest(o.svc, o.dest);
    case 'delDest': return c.delDest(o.svc, o.dest);
  }
}

async function timed(f: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await f();
  return Math.round((performance.now() - t0) * 10) / 10;
}

const benchService = (n: number): IpvsService => ({
  af: AF_INET, protocol: IPPROTO_TCP, addr: `10.0.5.${n}`, port: 80, fwmark: 0, schedName: 'wrr', flags: 0, timeout: 0, netmask: 0xffffffff,
});
const benchDest = (i: number) => ({
  af: AF_INET, addr: `10.1.${i >> 8}.${i & 255}`, port: 80, fwdMethod: IP_VS_CONN_F_DROUTE, weight: 1, uThreshold: 0, lThreshold: 0,
} as const);

async function bench(c: IpvsClient): Promise<Record<string, number>> {
  const N = 1000;
  const r: Record<string, number> = {};
  const a = benchService(1);
  await c.addService(a);
  r.addDestSequentialMs = await timed(async () => {
    for (let i = 0; i < N; i++) await c.addDest(a, benchDest(i));
  });
  r.listDestsMs = await timed(() => c.listDests(a));
  r.listedDests = (await c.listDests(a)).length;
  r.ipvsadmListedDests = ipvsadm('-Ln', '-t', '10.0.5.1:80').split('\n').filter((l) => l.includes('->') && !l.includes('RemoteAddress')).length;
  r.editDestSequentialMs = await timed(async () => {
    for (let i = 0; i < N; i++) await c.editDest(a, { ...benchDest(i), weight: 2 });
  });
  r.delDestSequentialMs = await timed(async () => {
    for (let i = 0; i < N; i++) await c.delDest(a, benchDest(i));
  });
  const b = benchService(2);
  await c.addService(b);
  r.addDestPipelinedMs = await timed(() => Promise.all(Array.from({ length: N }, (_, i) => c.addDest(b, benchDest(i)))));
  // The same 1,000 adds by ipvsadm in one process (-R), for scale.
  const rules = Array.from({ length: N }, (_, i) => `-a -t 10.0.5.3:80 -r ${benchDest(i).addr}:80 -g -w 1`).join('\n');
  ipvsadm('-A', '-t', '10.0.5.3:80', '-s', 'wrr');
  r.ipvsadmRestoreMs = await timed(async () => {
    execFileSync('ipvsadm', ['-R'], { input: rules + '\n' });
  });
  r.listDestsIpvsadmRestoredMs = await timed(() => c.listDests(benchService(3)));
  for (const s of [a, b, benchService(3)]) await c.delService(s);
  return r;
}

async function daemons(c: IpvsClient): Promise<DriverResult['daemons']> {
  sh('ip', 'link', 'add', 'kt-sync0', 'type', 'veth', 'peer', 'name', 'kt-sync1');
  sh('ip', 'link', 'set', 'kt-sync0', 'up');
  sh('ip', 'link', 'set', 'kt-sync1', 'up');
  await c.startDaemon({
    state: IP_VS_STATE_MASTER, mcastIfn: 'kt-sync0', syncId: 5, syncMaxlen: 1400, mcastGroup: '224.0.0.82', mcastPort: 8850, mcastTtl: 2,
  });
  await c.startDaemon({ state: IP_VS_STATE_BACKUP, mcastIfn: 'kt-sync1', syncId: 5 });
  const started = await c.getDaemons();
  const startedText = ipvsadm('-Ln', '--daemon');
  await c.stopDaemon(IP_VS_STATE_MASTER);
  await c.stopDaemon(IP_VS_STATE_BACKUP);
  const stopped = await c.getDaemons();
  const stopAgain = await outcome(c.stopDaemon(IP_VS_STATE_MASTER));
  ipvsadm('--start-daemon', 'master', '--mcast-interface', 'kt-sync1', '--syncid', '9', '--sync-maxlen', '1300',
    '--mcast-group', '224.0.0.83', '--mcast-port', '8870', '--mcast-ttl', '3');
  const fromIpvsadm = await c.getDaemons();
  const fromIpvsadmText = ipvsadm('-Ln', '--daemon');
  ipvsadm('--stop-daemon', 'master');
  sh('ip', 'link', 'del', 'kt-sync0');
  return { started, startedText, stopped, stopAgain, fromIpvsadm, fromIpvsadmText };
}

/** A socket that breaks under the client: the next call fails, the one after works on a new socket. */
async function reopen(): Promise<DriverResult['reopen']> {
  const channels: NetlinkChannel[] = [];
  const c = new IpvsClient({
    openChannel: () => {
      const ch = openGenericNetlinkChannel();
      channels.push(ch);
      return ch;
    },
  });
  await c.listServices();
  channels[0]!.close();
  const first = await outcome(c.listServices());
  const listed = (await c.listServices()).length;
  c.close();
  return { firstError: first.ok ? 'none' : first.name, thenListed: listed, sockets: channels.length };
}

/** ip_vs unloaded (no family), then loaded again (a new family id). */
async function unload(old: IpvsClient): Promise<DriverResult['unloaded']> {
  const familyBefore = await old.familyId();
  const loaded = () => sh('cat', '/proc/modules').split('\n').map((l) => l.split(' ')[0]!).filter((m) => m.startsWith('ip_vs'));
  sh('rmmod', ...loaded().filter((m) => m !== 'ip_vs'));
  sh('rmmod', 'ip_vs');
  const fresh = new IpvsClient();
  const newClient = await outcome(fresh.getInfo());
  fresh.close();
  const oldClient = await outcome(old.getInfo());
  sh('mkdir', '-p', '/run/kt-mods/lib');
  sh('ln', '-sfn', '/usr/lib/uml/modules', '/run/kt-mods/lib/modules');
  sh('modprobe', '-d', '/run/kt-mods', 'ip_vs');
  const again = new IpvsClient();
  const familyAfterReload = await again.familyId();
  again.close();
  const oldClientAfterReload = await outcome(old.getInfo());
  return { newClient, oldClient, familyBefore, familyAfterReload, oldClientAfterReload };
}

async function main(): Promise<void> {
  const c = new IpvsClient({ timeoutMs: 5000 });
  const kernel = sh('uname', '-r').trim();
  const info = await c.getInfo();
  const infoText = ipvsadm('-Ln').split('\n')[0]!;
  const initial = await snapshot(c);

  const steps: DriverResult['steps'] = [];
  for (const step of STEPS) {
    const outcomes: OpOutcome[] = [];
    for (const o of step.ops) outcomes.push(await outcome(perform(c, o)));
    steps.push({ name: step.name, outcomes, snapshot: await snapshot(c) });
  }

  const anyService = S.tcp;
  const lookups = {
    found: noStats((await c.getService(anyService))!),
    missing: (await c.getService({ ...anyService, addr: '10.0.99.99' })) === undefined ? 'undefined' as const : 'defined' as const,
    missingDests: (await c.listDests({ ...anyService, addr: '10.0.99.99' })).length,
  };

  const t0 = await c.getTimeouts();
  const t0Text = ipvsadm('-L', '--timeout');
  await c.setTimeouts({ tcp: 1000 });
  const t1 = await c.getTimeouts();
  const t1Text = ipvsadm('-L', '--timeout');
  ipvsadm('--set', '901', '121', '301');
  const t2 = await c.getTimeouts();
  await c.setTimeouts(t0);
  const timeouts = { initial: t0, initialText: t0Text, afterOurs: t1, afterOursText: t1Text, afterIpvsadm: t2 };

  const daemonResult = await daemons(c);

  await c.flush();
  const benchResult = await bench(c);
  const golden = await captureGolden();
  // Rebuild something, then flush it all through the client.
  await c.addService(benchService(9));
  await c.addDest(benchService(9), benchDest(1));
  await c.flush();
  const flushed = await snapshot(c);
  const reopenResult = await reopen();
  const unloaded = await unload(c);
  c.close();

  const result: DriverResult = {
    kernel, info, infoText, initial, steps, lookups, timeouts, daemons: daemonResult, bench: benchResult, golden, flushed,
    reopen: reopenResult, unloaded,
  };
  writeLabResult(result);
}

if (process.env.LAB_RESULT) {
  main().catch((e: unknown) => {
    console.error(e);
    process.exit(1);
  });
}
