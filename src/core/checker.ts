// The checker side as a process (keepalived's Keepalived_healthcheckers): load the configuration,
// program the IPVS table by diff, keep it level-triggered (periodic re-sync repairs entries changed
// behind our back), reload on SIGHUP (a configuration that cannot run is refused and the running
// table kept), and on SIGTERM remove the owned entries unless -I (or flush with lvs_flush_on_stop).
// Health checks arrive with the checker engine; until then every real server is up as at start-up.
import type { KeepalivedConfig } from '../config/model/index.js';
import { loadConfig, configTestExitCode, formatDiagnostic } from '../config/index.js';
import { desiredIpvs, type DesiredIpvs } from '../ipvs/desired.js';
import { IpvsReconciler } from '../ipvs/reconciler.js';
import { serviceId } from '../ipvs/table.js';
import type { Log } from '../lib/log.js';
import type { IpvsPort, IpvsTimeouts } from '../ipvs/types.js';

export interface CheckerOptions {
  configFile: string;
  configId?: string;
  /** -I: leave the IPVS table as it is on stop. */
  dontReleaseIpvs: boolean;
  /** Period of the level-triggered re-sync, in ms. */
  resyncMs: number;
  /** Stretch the period on big tables so a re-sync costs at most ~5% of the time (default period only). */
  adaptiveResync?: boolean;
}

/** keepalived's child exit codes: 0 ok, 1 fatal (IPVS unusable), 2 configuration. */
export const EXIT_OK = 0;
export const EXIT_FATAL = 1;
export const EXIT_CONFIG = 2;

function load(opts: CheckerOptions, log: Log, reloading = false): KeepalivedConfig | undefined {
  const { config, diagnostics } = loadConfig(opts.configFile, { configId: opts.configId });
  for (const d of diagnostics) if (d.severity !== 'notice') log.warn(formatDiagnostic(d));
  // A configuration keepalived could not run (rc 4, or an immediate exit) is refused.
  const rc = configTestExitCode(diagnostics);
  if (rc !== 0 && rc !== 5 && rc !== 6) return undefined;
  // On reload, unbalanced braces too: keepalived would run such a file (-t rc 5), but the diff against it
  // deletes whatever the misplaced blocks were meant to configure, while a good table is running.
  if (reloading && diagnostics.some((d) => d.code === 'structure')) return undefined;
  return config;
}

export class CheckerProcess {
  private config?: KeepalivedConfig;
  private desired?: DesiredIpvs;
  private readonly reconciler: IpvsReconciler;
  private timer?: NodeJS.Timeout;
  private running: Promise<unknown> = Promise.resolve();
  private savedTimeouts?: IpvsTimeouts;
  private stopping = false;
  private lastPassMs = 0;

  constructor(private readonly opts: CheckerOptions, private readonly port: IpvsPort, private readonly log: Log) {
    this.reconciler = new IpvsReconciler(port, log);
  }

  /** Start-up: returns an exit code if the process cannot run. */
  async start(): Promise<number | undefined> {
    this.log.debug('Initializing ipvs');
    try {
      await this.port.getInfo();
    } catch (e) {
      this.log.error(`IPVS: Can't initialize ipvs: ${(e as Error).message}`);
      return EXIT_FATAL;
    }
    const config = load(this.opts, this.log);
    if (!config) return EXIT_CONFIG;
    this.config = config;
    if (config.global.lvsFlush) {
      // Only when the configuration asks for it (lvs_flush); never to recover.
      this.log.info('Flushing IPVS table (lvs_flush)');
      await this.port.flush();
    }
    await this.applyTimeouts(config);
    this.desired = desiredIpvs(config.lvs);
    await this.pass();
    return undefined;
  }

  private async applyTimeouts(config: KeepalivedConfig): Promise<void> {
    const t = config.global.lvsTimeouts;
    if (t.tcp === undefined && t.tcpfin === undefined && t.udp === undefined) return;
    this.savedTimeouts ??= await this.port.getTimeouts();
    await this.port.setTimeouts({ tcp: t.tcp, tcpFin: t.tcpfin, udp: t.udp });
  }

  /** One reconcile pass, serialised with every other pass, reload and stop. */
  private pass(): Promise<void> {
    const next = this.running.then(async () => {
      if (!this.desired || this.stopping) return;
      try {
        const t0 = Date.now();
        const r = await this.reconciler.reconcile(this.desired);
        // A re-sync reads every owned service; keep its cost under ~5% of the time on big tables.
        this.lastPassMs = Date.now() - t0;
        if (r.planned > 0) this.log.debug(`IPVS reconcile: ${r.applied} applied, ${r.failed} failed`, { ...r.byOp });
        this.schedule(r.failed > 0 ? Math.min(1000, this.opts.resyncMs) : this.opts.adaptiveResync ? Math.max(this.opts.resyncMs, 20 * this.lastPassMs) : this.opts.resyncMs);
      } catch (e) {
        this.log.error(`IPVS reconcile failed, will retry: ${(e as Error).message}`);
        this.schedule(Math.min(1000, this.opts.resyncMs));
      }
    });
    this.running = next;
    return next;
  }

  private schedule(ms: number): void {
    if (this.timer) clearTimeout(this.timer);
    if (this.stopping) return;
    this.timer = setTimeout(() => void this.pass(), ms);
  }

  /** SIGHUP: a configuration that cannot run leaves the running table exactly as it is. */
  async reload(): Promise<void> {
    this.log.info('Reloading');
    const config = load(this.opts, this.log, true);
    if (!config) {
      this.log.error('New configuration refused; keeping the running configuration');
      return;
    }
    this.config = config;
    await this.applyTimeouts(config);
    this.desired = desiredIpvs(config.lvs);
    await this.pass();
  }

  async stop(): Promise<void> {
    const config = this.config;
    const desired = this.desired;
    await this.running;
    this.stopping = true;
    if (this.timer) clearTimeout(this.timer);
    if (!config || !desired) return;
    if (!this.opts.dontReleaseIpvs) {
      if (config.global.lvsFlushOnStop === 'full') {
        await this.port.flush();
      } else if (config.global.lvsFlushOnStop === 'vs') {
        const services = await this.port.listServices();
        for (const s of services) if (desired.owned.services.has(serviceId(s))) await this.port.delService(s).catch(() => undefined);
      } else {
        await this.reconciler.removeOwned(desired);
      }
    }
    if (this.savedTimeouts) await this.port.setTimeouts(this.savedTimeouts).catch(() => undefined);
  }
}
