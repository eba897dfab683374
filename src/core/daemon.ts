// The composition root for running (not just checking) a configuration. As keepalived (KEEPALIVED.md §2.4):
// a parent process (src/core/parent.ts) that starts a VRRP child and a checker child — our own program
// again with the hidden `--child vrrp|checker` (src/core/child.ts) — according to -P / -C and to which
// parts of the configuration are non-empty, writes the pid files (-p, -r, -c), and refuses to start when
// the pid file names a live daemon. Only the parent talks to systemd (src/core/sd-notify.ts): READY once
// every child has finished its start-up (the first IPVS reconcile, the VRRP start), RELOADING/READY
// around a reload, STOPPING on stop. Logging: src/core/logging.ts, each process under its keepalived ident.
import { fileURLToPath } from 'node:url';
import type { KeepalivedConfig } from '../config/model/index.js';
import { createLog, IDENT, type LogSettings } from './logging.js';
import { SdNotify } from './sd-notify.js';
import type { Log } from '../lib/log.js';
import type { ChildKind } from './parent.js';
import { DEFAULT_PID_FILES, runningPid } from './pidfile.js';

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
  /** -X. */
  releaseVips?: boolean;
  /** -R. */
  dontRespawn?: boolean;
  /** -p, -r, -c; keepalived's paths by default. */
  pidFile?: string;
  vrrpPidFile?: string;
  checkersPidFile?: string;
  resyncMs?: number;
  /** The hidden --child flag: run one side in this process, for a parent. */
  child?: ChildKind;
  /** The command line as given, handed on to the children. */
  argv?: readonly string[];
}

/** Which children run: -P / -C, else the parts of the configuration that are not empty. */
function childrenFor(o: DaemonOptions, config: KeepalivedConfig): ChildKind[] {
  if (o.vrrpOnly || o.checkOnly) return [...(o.vrrpOnly ? ['vrrp' as const] : []), ...(o.checkOnly ? ['checker' as const] : [])];
  const vrrp = config.vrrp.instances.length > 0;
  // Without VRRP instances the checker runs even with no virtual server (what this command always did).
  const checker = !vrrp || config.lvs.virtualServers.length > 0;
  return [...(vrrp ? ['vrrp' as const] : []), ...(checker ? ['checker' as const] : [])];
}

/** `logTo`: one Log for every line (tests); by default each process logs under its keepalived ident. */
export async function runDaemon(o: DaemonOptions, logTo?: Log): Promise<number> {
  const settings: LogSettings = o.log ?? { detail: o.logDetail, console: true };
  if (o.child) {
    const log = logTo ?? createLog({ ...settings, ident: o.child === 'vrrp' ? IDENT.vrrp : IDENT.checker });
    // Loaded only in a child: the parent never needs the engines, netlink or the addon, and every module
    // costs start-up time (a second or more inside UML).
    const { runChild } = await import('./child.js');
    return runChild(o.child, { configFile: o.configFile, configId: o.configId, dontReleaseIpvs: o.dontReleaseIpvs, dontReleaseVrrp: !!o.dontReleaseVrrp, releaseVips: !!o.releaseVips, resyncMs: o.resyncMs }, log);
  }
  const log = logTo ?? createLog({ ...settings, ident: IDENT.parent });
  const pidFile = o.pidFile ?? DEFAULT_PID_FILES.parent;
  const childPidFiles = { vrrp: o.vrrpPidFile ?? DEFAULT_PID_FILES.vrrp, checker: o.checkersPidFile ?? DEFAULT_PID_FILES.checker };
  // Parsed once, here: the children are given their parts of it (config-handoff.ts). The parser and the
  // parent are loaded only in the parent.
  const { loadConfig } = await import('../config/index.js');
  const { ParentProcess } = await import('./parent.js');
  const loaded = loadConfig(o.configFile, { configId: o.configId });
  const children = childrenFor(o, loaded.config);
  // keepalived: a live process named by one of the pid files means a daemon already runs (exit 0).
  if ([pidFile, ...children.map((c) => childPidFiles[c])].some((f) => runningPid(f) !== undefined)) {
    log.info('daemon is already running');
    return 0;
  }
  log.info(`Starting keepalived-ts (${children.map((c) => (c === 'vrrp' ? 'VRRP' : 'checker')).join(', ') || 'no child'})`);
  const systemd = new SdNotify({ onError: (e) => log.warn(e.message) });
  const parent = new ParentProcess({
    main: fileURLToPath(new URL('../cli/main.js', import.meta.url)),
    childArgs: o.argv ?? [],
    children,
    configFile: o.configFile,
    configId: o.configId,
    pidFile,
    childPidFiles,
    dontRespawn: !!o.dontRespawn,
    config: loaded,
    log,
    notify: systemd.enabled
      ? {
          ready: (s) => {
            systemd.ready(s);
            systemd.startWatchdog();
          },
          reloading: () => systemd.reloading('Reloading'),
          stopping: () => {
            systemd.stopping('Stopping');
            systemd.stopWatchdog();
          },
          status: (s) => systemd.status(s),
          errno: (n) => systemd.errno(n),
        }
      : undefined,
  });
  return parent.run();
}
