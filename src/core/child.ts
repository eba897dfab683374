// One child of the parent process (src/core/parent.ts): the VRRP side (keepalived's Keepalived_vrrp) or
// the checker side (Keepalived_healthcheckers), run in its own process. It takes its configuration from
// the parent over the IPC channel (config-handoff.ts), tells the parent when its start-up and each reload
// are done, handles the signals the parent forwards, and stops in order when the parent goes away
// (keepalived's children get SIGTERM on the parent's death).
import type { Log } from '../lib/log.js';
import type { ChildKind, ChildMessage, ParentMessage } from './parent.js';
import { decodeConfig, type LoadedConfig } from './config-handoff.js';

export interface ChildOptions {
  configFile: string;
  configId?: string;
  dontReleaseIpvs: boolean;
  dontReleaseVrrp: boolean;
  releaseVips?: boolean;
  resyncMs?: number;
}

/** What both sides offer the child's loop. */
interface Side {
  start(given?: LoadedConfig): Promise<number | undefined>;
  reload(given?: LoadedConfig): Promise<void>;
  stop(): Promise<void>;
  dumpData?(): unknown;
  dumpStats?(clear?: boolean): unknown;
  dumpJson?(): unknown;
  close?(): void;
}

/** Each side's modules are loaded only in its own child: start-up time (about a second per side inside UML). */
async function sideOf(kind: ChildKind, o: ChildOptions, log: Log): Promise<Side> {
  if (kind === 'vrrp') {
    const { VrrpProcess } = await import('./vrrp.js');
    return new VrrpProcess({ configFile: o.configFile, configId: o.configId, dontReleaseVrrp: o.dontReleaseVrrp, releaseVips: o.releaseVips }, log);
  }
  const [{ IpvsClient }, { CheckerProcess }] = await Promise.all([import('../netlink/ipvs-client.js'), import('./checker.js')]);
  const port = new IpvsClient();
  const checker = new CheckerProcess(
    { configFile: o.configFile, configId: o.configId, dontReleaseIpvs: o.dontReleaseIpvs, resyncMs: o.resyncMs ?? 5000, adaptiveResync: o.resyncMs === undefined },
    port,
    log,
  );
  return {
    start: (given) => checker.start(given),
    reload: (given) => checker.reload(given),
    stop: () => checker.stop(),
    dumpData: () => checker.dumpData(),
    close: () => port.close(),
  };
}

const send = (m: ChildMessage) => {
  if (process.connected) process.send?.(m);
};

/** The parent's configuration for this child; undefined when run without a parent (the child reads the file). */
function configFromParent(): Promise<LoadedConfig | undefined> {
  if (!process.send || !process.connected) return Promise.resolve(undefined);
  return new Promise((resolve) => {
    const onMessage = (m: ParentMessage) => {
      if (m.type !== 'config') return;
      done(decodeConfig(m.data));
    };
    const done = (c: LoadedConfig | undefined) => {
      process.off('message', onMessage);
      process.off('disconnect', gone);
      resolve(c);
    };
    const gone = () => done(undefined);
    process.on('message', onMessage);
    process.on('disconnect', gone);
    send({ type: 'want-config' });
  });
}

export async function runChild(kind: ChildKind, o: ChildOptions, log: Log): Promise<number> {
  const side = await sideOf(kind, o, log);
  // Signals may arrive during start-up (a stop, a forwarded reload): take them from the first moment.
  let stopping = false;
  let started = false;
  let startedUp!: () => void;
  // Everything the signals ask for waits for the start-up to finish first.
  let queue: Promise<unknown> = new Promise<void>((r) => (startedUp = r));
  let resolveExit: (code: number) => void = () => undefined;
  const exit = new Promise<number>((r) => (resolveExit = r));
  const stop = () => {
    if (stopping) return;
    stopping = true;
    log.info('Stopping');
    queue = queue
      .then(() => (started ? side.stop() : undefined))
      .catch((e: unknown) => log.error(`stop: ${(e as Error).message}`))
      .finally(() => {
        side.close?.();
        log.info('Stopped');
        resolveExit(0);
      });
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  process.on('disconnect', stop);
  const reload = (next?: LoadedConfig) => {
    if (stopping) return;
    queue = queue
      .then(() => (started ? side.reload(next) : undefined))
      .catch((e: unknown) => log.error(`reload: ${(e as Error).message}`))
      .finally(() => send({ type: 'reloaded' }));
  };
  // from the parent: its validated configuration; a SIGHUP sent to this process directly: the file
  process.on('message', (m: ParentMessage) => {
    if (m.type === 'reload') reload(decodeConfig(m.data));
  });
  process.on('SIGHUP', () => reload());
  process.on('SIGUSR1', () => void side.dumpData?.());
  process.on('SIGUSR2', () => void side.dumpStats?.());
  for (const [sig, fn] of [['SIGRTMIN+2', () => side.dumpJson?.()], ['SIGRTMAX-1', () => side.dumpStats?.(true)]] as const) {
    try { process.on(sig as NodeJS.Signals, () => void fn()); } catch { /* not listenable here */ }
  }

  const given = await configFromParent();
  // The IPC channel must not keep this process alive once the side has stopped.
  process.channel?.unref();
  if (stopping) {
    // stopped before it had a configuration: nothing to undo
    startedUp();
    return exit;
  }
  let rc: number | undefined;
  try {
    rc = await side.start(given);
  } catch (e) {
    log.error(`${kind === 'vrrp' ? 'VRRP' : 'Checker'} start-up failed: ${(e as Error).stack ?? String(e)}`);
    rc = 1;
  }
  if (rc !== undefined) {
    side.close?.();
    return rc;
  }
  started = true;
  send({ type: 'ready' });
  startedUp();
  return exit;
}
