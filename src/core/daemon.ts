// The composition root for running (not just checking) a configuration. Today it runs the checker
// side in the foreground: IPVS programming over generic netlink. The VRRP engine, the process model
// (parent + children, pid files, respawn), systemd notify and journald logging arrive in later issues.
import { IpvsClient } from '../netlink/ipvs-client.js';
import { CheckerProcess } from './checker.js';
import { consoleLog } from './console-log.js';
import type { Log } from '../lib/log.js';

export interface DaemonOptions {
  configFile: string;
  configId?: string;
  vrrpOnly: boolean;
  checkOnly: boolean;
  logDetail: boolean;
  dontReleaseIpvs: boolean;
  resyncMs?: number;
}

export async function runDaemon(o: DaemonOptions, log: Log = consoleLog({ detail: o.logDetail })): Promise<number> {
  log.info('Starting keepalived-ts (checker: IPVS programming)');
  if (o.vrrpOnly) {
    log.error('VRRP (-P) is not built yet in this version of keepalived-ts');
    return 1;
  }
  if (!o.checkOnly) log.info('VRRP is not built yet in this version: running the checker side only (as with -C)');
  const port = new IpvsClient();
  const checker = new CheckerProcess(
    { configFile: o.configFile, configId: o.configId, dontReleaseIpvs: o.dontReleaseIpvs, resyncMs: o.resyncMs ?? 5000 },
    port,
    log,
  );
  const failed = await checker.start();
  if (failed !== undefined) {
    port.close();
    return failed;
  }
  log.info('Startup complete');
  return new Promise<number>((resolve) => {
    let stopping = false;
    let reloading: Promise<void> = Promise.resolve();
    const stop = () => {
      if (stopping) return;
      stopping = true;
      log.info('Stopping');
      void reloading
        .then(() => checker.stop())
        .catch((e: unknown) => log.error(`stop: ${(e as Error).message}`))
        .finally(() => {
          port.close();
          log.info('Stopped');
          resolve(0);
        });
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
    process.on('SIGHUP', () => {
      if (stopping) return;
      log.info('Reloading ...');
      reloading = reloading.then(() => checker.reload()).then(() => log.info('Reload complete'));
    });
  });
}
