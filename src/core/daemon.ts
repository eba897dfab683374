// The composition root for running (not just checking) a configuration, in the foreground:
// - `-C`: the checker side alone (IPVS programming over generic netlink);
// - `-P`: the VRRP side alone (src/core/vrrp.ts);
// - neither: both in one process, the VRRP side on its own event loop (a worker thread). As keepalived
//   starts a child only when its part of the configuration is non-empty, the checker runs only when
//   virtual servers are configured (or no VRRP instance is, which is what this command did before VRRP).
// Logging: src/core/logging.ts (journald / -l / syslog-format / json). systemd: src/core/sd-notify.ts, READY
// once the first IPVS reconcile and the VRRP start are done. The process model (parent + children, pid
// files, respawn) arrives in a later issue.
import { IpvsClient } from '../netlink/ipvs-client.js';
import { loadConfig } from '../config/index.js';
import { CheckerProcess } from './checker.js';
import { createLog, IDENT, type LogSettings } from './logging.js';
import { SdNotify } from './sd-notify.js';
import type { Log } from '../lib/log.js';
import { runVrrpForeground } from './vrrp.js';
import { VrrpWorker } from './vrrp-worker.js';

export interface DaemonOptions {
  configFile: string;
  configId?: string;
  vrrpOnly: boolean;
  checkOnly: boolean;
  logDetail: boolean;
  /** Logging choices from the command line; absent: keepalived's -l console format, -D as logDetail. */
  log?: LogSettings;
  dontReleaseIpvs: boolean;
  /** -V. */
  dontReleaseVrrp?: boolean;
  resyncMs?: number;
}

/** `logTo`: one Log for every line (tests); by default each side logs under its keepalived ident. */
export async function runDaemon(o: DaemonOptions, logTo?: Log): Promise<number> {
  const settings: LogSettings = o.log ?? { detail: o.logDetail, console: true };
  const log = logTo ?? createLog({ ...settings, ident: IDENT.parent });
  const vrrpOpts = { configFile: o.configFile, configId: o.configId, dontReleaseVrrp: !!o.dontReleaseVrrp };
  if (o.vrrpOnly && !o.checkOnly) {
    log.info('Starting keepalived-ts (VRRP)');
    // not yet notifying systemd on this path (its lifecycle lives in vrrp.ts)
    return runVrrpForeground(vrrpOpts, logTo ?? createLog({ ...settings, ident: IDENT.vrrp }));
  }
  let vrrpWanted = false;
  let checkerWanted = true;
  if (o.checkOnly && o.vrrpOnly) vrrpWanted = true;
  else if (!o.checkOnly) {
    const { config } = loadConfig(o.configFile, { configId: o.configId });
    vrrpWanted = config.vrrp.instances.length > 0;
    checkerWanted = !vrrpWanted || config.lvs.virtualServers.length > 0;
  }
  log.info(`Starting keepalived-ts (${[checkerWanted ? 'checker: IPVS programming' : '', vrrpWanted ? 'VRRP' : ''].filter(Boolean).join(', ')})`);

  let vrrp: VrrpWorker | undefined;
  if (vrrpWanted) {
    const started = await VrrpWorker.start(vrrpOpts, settings);
    if (started.rc !== undefined) return started.rc;
    vrrp = started.worker;
  }

  let checker: CheckerProcess | undefined;
  let port: IpvsClient | undefined;
  if (checkerWanted) {
    port = new IpvsClient();
    checker = new CheckerProcess(
      { configFile: o.configFile, configId: o.configId, dontReleaseIpvs: o.dontReleaseIpvs, resyncMs: o.resyncMs ?? 5000, adaptiveResync: o.resyncMs === undefined },
      port,
      logTo ?? createLog({ ...settings, ident: IDENT.checker }),
    );
    const failed = await checker.start();
    if (failed !== undefined) {
      port.close();
      await vrrp?.stop();
      return failed;
    }
  }
  const systemd = new SdNotify({ onError: (e) => log.warn(e.message) });
  return new Promise<number>((resolve) => {
    let stopping = false;
    let reloading: Promise<void> = Promise.resolve();
    const stop = () => {
      if (stopping) return;
      stopping = true;
      log.info('Stopping');
      systemd.stopping('Stopping');
      systemd.stopWatchdog();
      void reloading
        .then(() => Promise.all([checker?.stop(), vrrp?.stop()]))
        .catch((e: unknown) => log.error(`stop: ${(e as Error).message}`))
        .finally(() => {
          port?.close();
          log.info('Stopped');
          resolve(0);
        });
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
    process.on('SIGHUP', () => {
      if (stopping) return;
      log.info('Reloading ...');
      systemd.reloading('Reloading');
      reloading = reloading
        .then(() => Promise.all([checker?.reload(), vrrp?.request('reload')]))
        .then(
          () => {
            log.info('Reload complete');
            systemd.ready('Reload complete');
          },
          (e: unknown) => {
            log.error(`reload: ${(e as Error).message}`);
            systemd.ready(`Reload failed: ${(e as Error).message}`); // still running, on the previous config
          },
        );
    });
    if (vrrp) {
      const w = vrrp;
      process.on('SIGUSR1', () => void w.request('data'));
      process.on('SIGUSR2', () => void w.request('stats'));
    }
    // Only now, with the handlers in place: a SIGHUP sent the moment this is seen (systemctl reload right
    // after READY) must reload, not kill the process with SIGHUP's default action.
    log.info('Startup complete');
    systemd.ready('Startup complete');
    systemd.startWatchdog();
  });
}
