// The checker side as a process (keepalived's Keepalived_healthcheckers): load the configuration,
// program the IPVS table by diff, keep it level-triggered (periodic re-sync repairs entries changed
// behind our back), reload on SIGHUP (a configuration that cannot run is refused and the running
// table kept), and on SIGTERM remove the owned entries unless -I (or flush with lvs_flush_on_stop).
// Health comes from the check engine (src/check): its verdicts change what the table should hold, and
// every change is one more reconcile pass. ha_suspend learns whether a virtual server's address is on
// this host from rtnetlink address events, as keepalived's netlink reflector does.
import type { KeepalivedConfig } from '../config/model/index.js';
import type { VirtualServer } from '../config/model/lvs.js';
import { CheckEngine } from '../check/engine.js';
import { systemClock } from '../check/clock.js';
import { NodeCheckPorts } from './check-ports.js';
import { NodeScriptPort } from './scripts.js';
import { NotifyFifoWriter } from './notify-fifo.js';
import type { AddressClient } from '../netlink/address-client.js';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatCheckerData } from './checker-dump.js';
import { initialHealth } from '../ipvs/desired.js';
import { acceptConfig, readConfigFile, type LoadedConfig } from './config-handoff.js';
import { EXIT_CONFIG, EXIT_FATAL } from './exit-codes.js';
import { desiredIpvs, type DesiredIpvs } from '../ipvs/desired.js';
import { IpvsReconciler } from '../ipvs/reconciler.js';
import { serviceId } from '../ipvs/table.js';
import type { Log } from '../lib/log.js';
import type { IpvsPort, IpvsTimeouts } from '../ipvs/types.js';
import { SyncDaemon } from './sync-daemon.js';

/** lvs_sync_daemon without an instance is the checker's: master and backup for as long as it runs. */
const unboundSyncDaemon = (c: KeepalivedConfig) => (c.global.lvsSyncDaemon?.instance ? undefined : c.global.lvsSyncDaemon);

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

/** What the checker process needs besides IPVS; tests replace parts. */
export interface CheckerDeps {
  /** Local addresses and their changes (ha_suspend); opened only when a virtual server has ha_suspend. */
  addresses?: () => Pick<AddressClient, 'addresses' | 'subscribe' | 'close'>;
}

export { EXIT_CONFIG, EXIT_FATAL, EXIT_OK } from './exit-codes.js';

/** The configuration the parent handed over, else the file itself. */
async function load(opts: CheckerOptions, log: Log, reloading: boolean, given?: LoadedConfig): Promise<KeepalivedConfig | undefined> {
  return acceptConfig(given ?? (await readConfigFile(opts.configFile, opts.configId)), log, reloading);
}

export class CheckerProcess {
  private config?: KeepalivedConfig;
  private desired?: DesiredIpvs;
  /** The next pass reads the kernel's table (a re-sync joined a queued pass). */
  private readNext = false;
  /** The engine's healthVersion `desired` was computed at. */
  private desiredHealth?: number;
  private readonly reconciler: IpvsReconciler;
  private timer?: NodeJS.Timeout;
  private running: Promise<unknown> = Promise.resolve();
  private savedTimeouts?: IpvsTimeouts;
  private stopping = false;
  private lastPassMs = 0;
  private queuedPass?: Promise<void>;
  private engine?: CheckEngine;
  private scripts?: NodeScriptPort;
  private checkPorts?: NodeCheckPorts;
  private fifo?: NotifyFifoWriter;
  private addressClient?: Pick<AddressClient, 'addresses' | 'subscribe' | 'close'>;
  /** Addresses on this host (canonical text), kept only while some virtual server has ha_suspend. */
  private readonly localAddresses = new Map<string, number>();
  private readonly syncd: SyncDaemon;

  constructor(
    private readonly opts: CheckerOptions,
    private readonly port: IpvsPort,
    private readonly log: Log,
    private readonly deps: CheckerDeps = {},
  ) {
    this.reconciler = new IpvsReconciler(port, log);
    this.syncd = new SyncDaemon({ log, ipvs: () => port, closeOnStop: false });
  }

  /** The table the configuration and the checkers' verdicts want now. */
  private want(config: KeepalivedConfig): DesiredIpvs {
    this.desiredHealth = this.engine?.healthVersion;
    return desiredIpvs(config.lvs, this.engine?.health());
  }

  private startEngine(config: KeepalivedConfig): void {
    this.scripts = new NodeScriptPort(() => this.config?.global ?? config.global, this.log);
    this.checkPorts = new NodeCheckPorts(this.scripts);
    const scripts = this.scripts;
    const checkPorts = this.checkPorts;
    this.engine = new CheckEngine({
      clock: systemClock,
      random: Math.random,
      // a probe whose answer is already waiting is read before its deadline's timer can fail it
      deferAbort: (fn) => void setImmediate(fn),
      log: this.log,
      ports: {
        runScript: (s, ms) => checkPorts.runScript(s, ms),
        icmpEcho: (a, f, o) => checkPorts.icmpEcho(a, f, o),
        readTrackFile: (p) => checkPorts.readTrackFile(p),
        notify: (s, args) => scripts.notify(s, args),
      },
    });
    this.engine.onChange(() => {
      if (!this.config || this.stopping) return;
      // the change a start-up or reload caused is in the table its own pass programs: no second full pass
      if (this.engine?.healthVersion === this.desiredHealth) return;
      this.desired = this.want(this.config);
      void this.pass();
    });
    this.engine.onEvent((e) => {
      if (e.type === 'rs') this.fifo?.write(`RS ${e.rs} ${e.vs} ${e.alive ? 'UP' : 'DOWN'}`);
      else this.fifo?.write(`VS ${e.vs} ${e.up ? 'UP' : 'DOWN'}`);
    });
  }

  private openFifo(config: KeepalivedConfig): void {
    this.fifo?.close();
    this.fifo = undefined;
    const fifos = [config.global.notifyFifo, config.global.lvsNotifyFifo].filter((f) => f !== undefined);
    if (fifos.length > 0 && this.scripts) this.fifo = new NotifyFifoWriter(fifos, this.scripts, this.log);
  }

  private engineOptions(config: KeepalivedConfig) {
    return {
      vipPresent: (vs: VirtualServer) => this.vipPresent(vs),
      logAllFailures: config.global.checkerLogAllFailures,
      rsInitNotifies: config.global.rsInitNotifies,
    };
  }

  /** ha_suspend: the virtual server's address is configured on this host (fwmark and group services always are). */
  private vipPresent(vs: VirtualServer): boolean {
    return vs.service.kind !== 'address' || (this.localAddresses.get(vs.service.address.text) ?? 0) > 0;
  }

  /** Reads the local addresses and follows their changes, when some virtual server has ha_suspend. */
  private async watchAddresses(config: KeepalivedConfig): Promise<void> {
    if (this.addressClient || !config.lvs.virtualServers.some((vs) => vs.haSuspend)) return;
    // rtnetlink is loaded only for ha_suspend: start-up time of the checker child
    let client: Pick<AddressClient, 'addresses' | 'subscribe' | 'close'>;
    if (this.deps.addresses) client = this.deps.addresses();
    else {
      const { AddressClient } = await import('../netlink/address-client.js');
      client = new AddressClient({ onEventTrouble: (e) => this.log.warn(`netlink events: ${e.message}`) });
    }
    this.addressClient = client;
    client.subscribe((e) => {
      if (e.kind !== 'address-added' && e.kind !== 'address-removed') return;
      const a = e.address.address;
      const n = (this.localAddresses.get(a) ?? 0) + (e.kind === 'address-added' ? 1 : -1);
      if (n > 0) this.localAddresses.set(a, n);
      else this.localAddresses.delete(a);
      const config = this.config;
      if (!config || !this.engine) return;
      const affected = config.lvs.virtualServers.filter((vs) => vs.haSuspend && vs.service.kind === 'address' && vs.service.address.text === a);
      if (affected.length === 0) return;
      this.log.info(`Netlink reflector reports IP ${a} ${e.kind === 'address-added' ? 'added' : 'removed'}`, { event: 'check.address', address: a });
      for (const vs of affected) this.engine.setHaSuspended(vs.key, !this.vipPresent(vs));
    });
    try {
      for (const a of await client.addresses()) this.localAddresses.set(a.address, (this.localAddresses.get(a.address) ?? 0) + 1);
    } catch (e) {
      this.log.error(`Cannot read local addresses for ha_suspend: ${(e as Error).message}`);
    }
  }

  /** Start-up (with the parent's configuration, else the file's): returns an exit code if the process cannot run. */
  async start(given?: LoadedConfig): Promise<number | undefined> {
    this.log.debug('Initializing ipvs');
    try {
      await this.port.getInfo();
    } catch (e) {
      this.log.error(`IPVS: Can't initialize ipvs: ${(e as Error).message}`);
      return EXIT_FATAL;
    }
    const config = await load(this.opts, this.log, false, given);
    if (!config) return EXIT_CONFIG;
    this.config = config;
    if (config.global.lvsFlush) {
      // Only when the configuration asks for it (lvs_flush); never to recover.
      this.log.info('Flushing IPVS table (lvs_flush)');
      await this.port.flush();
    }
    await this.applyTimeouts(config);
    // keepalived first stops both, quietly, in case an earlier run died with them running
    this.syncd.start(unboundSyncDaemon(config), 'both', true);
    await this.watchAddresses(config);
    this.startEngine(config);
    this.openFifo(config);
    // as keepalived: the table first, then the checkers (their first runs count from here)
    this.engine!.start(config.lvs, { ...this.engineOptions(config), holdChecks: true });
    this.desired = this.want(config);
    await this.pass();
    this.engine!.releaseChecks();
    return undefined;
  }

  private async applyTimeouts(config: KeepalivedConfig): Promise<void> {
    const t = config.global.lvsTimeouts;
    if (t.tcp === undefined && t.tcpfin === undefined && t.udp === undefined) return;
    this.savedTimeouts ??= await this.port.getTimeouts();
    await this.port.setTimeouts({ tcp: t.tcp, tcpFin: t.tcpfin, udp: t.udp });
  }

  /**
   * One reconcile pass, serialised with every other pass, reload and stop. `read`: the periodic re-sync,
   * which reads the kernel's table; the others plan against the table the reconciler knows.
   */
  private pass(read = false): Promise<void> {
    this.readNext ||= read;
    // A pass queued but not started yet will read the newest desired table anyway: join it rather than
    // queue another (a reload and the health change it causes come together).
    if (this.queuedPass) return this.queuedPass;
    const next = this.running.then(async () => {
      this.queuedPass = undefined;
      const read = this.readNext;
      this.readNext = false;
      if (!this.desired || this.stopping) return;
      try {
        const reads = this.reconciler.counters.reads;
        const t0 = Date.now();
        const r = await this.reconciler.reconcile(this.desired, { read });
        if (r.planned > 0) this.log.debug(`IPVS reconcile: ${r.applied} applied, ${r.failed} failed`, { ...r.byOp });
        if (r.failed > 0) this.schedule(Math.min(1000, this.opts.resyncMs));
        else if (this.reconciler.counters.reads > reads) {
          // the next re-sync counts from this read; it reads every owned service, so on big tables it
          // comes no oftener than keeps its cost under ~5% of the time
          this.lastPassMs = Date.now() - t0;
          this.schedule(this.opts.adaptiveResync ? Math.max(this.opts.resyncMs, 20 * this.lastPassMs) : this.opts.resyncMs);
        }
      } catch (e) {
        this.log.error(`IPVS reconcile failed, will retry: ${(e as Error).message}`);
        this.schedule(Math.min(1000, this.opts.resyncMs));
      }
    });
    this.running = next;
    this.queuedPass = next;
    return next;
  }

  private schedule(ms: number): void {
    if (this.timer) clearTimeout(this.timer);
    if (this.stopping) return;
    this.timer = setTimeout(() => void this.pass(true), ms);
  }

  /** SIGUSR1: $TMPDIR/keepalived_check.data (keepalived's name; the format is not stable there either). */
  dumpData(dir = process.env.TMPDIR ?? '/tmp'): string | undefined {
    if (!this.config) return undefined;
    this.log.info(`Printing checker data for process(${process.pid}) on signal`);
    const path = join(dir, 'keepalived_check.data');
    const stats = this.engine ? { ...this.engine.stats() } : {};
    writeFileSync(path, formatCheckerData(this.config.lvs, this.engine?.health() ?? initialHealth(), stats), { mode: 0o600 });
    return path;
  }

  /** A reload from the parent, or SIGHUP (the file): a configuration that cannot run leaves the running table exactly as it is. */
  async reload(given?: LoadedConfig): Promise<void> {
    this.log.info('Reloading');
    const config = await load(this.opts, this.log, true, given);
    if (!config) {
      this.log.error('New configuration refused; keeping the running configuration');
      return;
    }
    this.config = config;
    await this.applyTimeouts(config);
    this.syncd.reload(unboundSyncDaemon(config), 'both');
    await this.watchAddresses(config);
    this.openFifo(config);
    this.engine?.reload(config.lvs, this.engineOptions(config));
    this.desired = this.want(config);
    await this.pass();
  }

  async stop(): Promise<void> {
    const config = this.config;
    const desired = this.desired;
    // Stop first, then wait: passes queued behind the one under way now skip their work, and the checks stop
    // changing health, so the removal below starts as soon as possible (the parent allows child_wait_time).
    this.stopping = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
    await this.engine?.stop();
    this.checkPorts?.close();
    this.addressClient?.close();
    this.fifo?.close();
    this.scripts?.killAll();
    await this.syncd.stop(true);
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
