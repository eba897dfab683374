// The VRRP side as a process (keepalived's Keepalived_vrrp): load the configuration, run the VRRP runtime
// over the machine's ports, and answer the control operations: stop (priority-0 adverts and VIPs released
// unless -V), reload (a configuration that cannot run is refused and everything keeps running; an
// unchanged VRRP section keeps every state; a changed one carries matching instances' states over), and
// the statistics / data / JSON dumps keepalived writes on SIGUSR2 / SIGUSR1 / SIGRTMIN+2.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KeepalivedConfig } from '../config/model/index.js';
import { acceptConfig, readConfigFile, type LoadedConfig } from './config-handoff.js';
import type { Log } from '../lib/log.js';
import { NativePacketPort } from '../native/packet-port.js';
import type { AddressPort, PacketPort } from '../vrrp/ports.js';
import { VrrpRuntime, type HandOver } from '../vrrp/runtime.js';
import type { Clock, ProcessPort } from '../vrrp/runtime-ports.js';
import { AddressClient } from '../netlink/address-client.js';
import { NotifyFifoWriter } from './notify-fifo.js';
import { alertSubject, SmtpAlerter } from './smtp-alert.js';
import { vrrpAlert } from '../vrrp/smtp-alerts.js';
import type { NotifyState } from '../vrrp/effects.js';
import { NodeScriptPort } from './scripts.js';
import { initTrackFiles, NodeTrackFiles } from './track-files.js';
import { NodeProcessWatcher } from './track-process.js';
import { EXIT_CONFIG, EXIT_FATAL } from './exit-codes.js';
import { sameVrrpConfig } from './vrrp-reload.js';
import { NftablesFirewall } from './nftables.js';
import { firewallSettings, type FirewallPort, type FirewallSettings } from '../vrrp/firewall.js';
import type { IpvsPort } from '../ipvs/types.js';
import { VrrpSyncDaemon } from './sync-daemon.js';

export interface VrrpProcessOptions {
  configFile: string;
  configId?: string;
  /** -V: on stop leave VIPs and routes in place and send no priority-0 advert. */
  dontReleaseVrrp: boolean;
  /** -X: an instance leaving MASTER removes its addresses even if its record says they are not set. */
  releaseVips?: boolean;
  /** Where dumps go; default $TMPDIR, else /tmp (as keepalived). */
  dumpDir?: string;
}

export interface VrrpPorts {
  addresses: () => AddressPort;
  packets: () => PacketPort;
  clock?: Clock;
  /** The process table for vrrp_track_process; default /proc. */
  processes?: () => ProcessPort;
  /** no_accept/strict drop rules; none (only a warning) when absent. */
  firewall?: (settings: FirewallSettings) => FirewallPort & { stop(): Promise<void> };
  /** IPVS for lvs_sync_daemon; default: an IpvsClient, opened only when the configuration has one. */
  ipvs?: () => IpvsPort & { close?(): void };
}

/** The machine: rtnetlink for links, addresses, routes and rules; the native addon for packets. */
export function machinePorts(log: Log): VrrpPorts {
  return {
    addresses: () => new AddressClient({ onEventTrouble: (e) => log.warn(`netlink events: ${e.message}`, { event: 'vrrp.netlink_trouble' }) }),
    packets: () => new NativePacketPort({ onError: (e) => log.warn(`VRRP socket: ${e.message}`, { event: 'vrrp.socket_error' }) }),
    firewall: (settings) => new NftablesFirewall(settings, log),
  };
}

/** The configuration the parent handed over, else the file itself. */
async function load(opts: VrrpProcessOptions, log: Log, reloading: boolean, given?: LoadedConfig): Promise<KeepalivedConfig | undefined> {
  return acceptConfig(given ?? (await readConfigFile(opts.configFile, opts.configId)), log, reloading);
}

/** /proc/sys/net/ipv6/conf/IF/forwarding of our own network namespace (the NA Router flag). */
function ipv6Forwarding(dev: string): boolean {
  try {
    return readFileSync(`/proc/sys/net/ipv6/conf/${dev}/forwarding`, 'utf8').trim() !== '0';
  } catch {
    return false;
  }
}

export class VrrpProcess {
  private runtime?: VrrpRuntime;
  private config?: KeepalivedConfig;
  private readonly scripts: NodeScriptPort;
  private fifo?: NotifyFifoWriter;
  private firewall?: FirewallPort & { stop(): Promise<void> };
  /** lvs_sync_daemon bound to an instance: lives as long as the process, across reloads. */
  private syncd?: VrrpSyncDaemon;
  private busy: Promise<unknown> = Promise.resolve();

  private readonly ports: VrrpPorts;
  private readonly mailer: SmtpAlerter;
  /** keepalived's last_email_state, per instance or group: a state is mailed once until another is. */
  private readonly lastMailed = new Map<string, NotifyState>();

  constructor(private readonly opts: VrrpProcessOptions, private readonly log: Log, ports?: VrrpPorts) {
    this.ports = ports ?? machinePorts(log);
    this.scripts = new NodeScriptPort(() => this.config!.global, log);
    this.mailer = new SmtpAlerter(() => this.config!.global, log);
  }

  /** Start-up (with the parent's configuration, else the file's): an exit code when the process cannot run. */
  async start(given?: LoadedConfig): Promise<number | undefined> {
    const config = await load(this.opts, this.log, false, given);
    if (!config) return EXIT_CONFIG;
    this.config = config;
    // keepalived starts the backup sync daemon before the instances start, whatever state they reach
    this.syncd = new VrrpSyncDaemon({ log: this.log, ipvs: this.ports.ipvs });
    this.syncd.start(config.global.lvsSyncDaemon);
    try {
      await this.startRuntime(config);
    } catch (e) {
      this.log.error(`VRRP cannot start: ${(e as Error).message}`, { event: 'vrrp.start_failed' });
      await this.runtime?.stop({ releaseVips: false }).catch(() => undefined);
      await this.syncd.stop();
      await this.firewall?.stop();
      this.scripts.killAll();
      return EXIT_FATAL;
    }
    return undefined;
  }

  private async startRuntime(config: KeepalivedConfig, carry?: HandOver): Promise<void> {
    try {
      initTrackFiles(config.vrrp.trackFiles);
    } catch (e) {
      this.log.error(`track_file init_file: ${(e as Error).message}`);
    }
    // the FIFO outlives runtimes: a reload reopens it before the new runtime starts (reopenFifo)
    this.fifo ??= this.openFifo(config);
    // the firewall too (its tables stay until stop); created once some instance needs it
    const fw = firewallSettings(config.global);
    if (fw && !this.firewall) this.firewall = this.ports.firewall?.(fw);
    const runtime = new VrrpRuntime({
      config,
      addresses: this.ports.addresses(),
      packets: this.ports.packets(),
      scripts: this.scripts,
      fifo: { write: (line) => this.fifo?.write(line), close: () => undefined },
      trackFiles: new NodeTrackFiles(),
      processes: this.ports.processes?.() ?? new NodeProcessWatcher(this.log),
      clock: this.ports.clock,
      log: this.log,
      ipv6Forwarding,
      firewall: this.firewall,
      onInstanceState: (instance, state) => {
        this.syncd?.instanceState(instance, state);
        this.mail('instance', instance, state);
      },
      onGroupState: (group, state) => this.mail('group', group, state),
      // keepalived forces the release with -V as well: a previous run may have left the addresses
      params: { releaseUnsetVips: !!this.opts.releaseVips || this.opts.dontReleaseVrrp },
    });
    this.runtime = runtime;
    await runtime.start({ carry });
  }

  /** The running runtime (tests, dumps). */
  get current(): VrrpRuntime | undefined {
    return this.runtime;
  }

  stop(): Promise<void> {
    return this.serial(async () => {
      // keepalived stops the sync daemon of the current role first; the adverts need not wait for it
      const syncd = this.syncd?.stop();
      await this.runtime?.stop({ releaseVips: !this.opts.dontReleaseVrrp });
      await syncd;
      await this.firewall?.stop();
      this.fifo?.close();
      this.scripts.killAll();
      this.runtime = undefined;
    });
  }

  /** smtp_alert: keepalived's mail for an instance's or sync group's new state, once per state. */
  private mail(target: 'instance' | 'group', name: string, state: NotifyState): void {
    const config = this.config;
    if (!config) return;
    const on = target === 'instance'
      ? config.vrrp.instances.find((i) => i.name === name)?.smtpAlert
      : config.vrrp.syncGroups.find((g) => g.name === name)?.smtpAlert;
    if (!on) return;
    const key = `${target} ${name}`;
    const alert = vrrpAlert(target, state, this.lastMailed.get(key), config.global.noEmailFaults);
    if (!alert) return;
    this.lastMailed.set(key, state);
    const what = `${target === 'instance' ? 'VRRP Instance' : 'VRRP Group'} ${name}`;
    void this.mailer.send(alertSubject(config.global.routerId, what, alert.subject), alert.body);
  }

  private openFifo(config: KeepalivedConfig): NotifyFifoWriter {
    return new NotifyFifoWriter([config.global.notifyFifo, config.global.vrrpNotifyFifo], this.scripts, this.log);
  }

  /** A reload from the parent (its validated configuration), or SIGHUP (the file). */
  reload(given?: LoadedConfig): Promise<void> {
    return this.serial(async () => {
      this.log.info('Reloading');
      const config = await load(this.opts, this.log, true, given);
      if (!config) {
        this.log.error('New configuration refused; keeping the running configuration');
        return;
      }
      const old = this.runtime;
      if (!old || !this.config) return;
      // keepalived closes the FIFO on reload (unlinking one it made, so its old reader sees the end) and opens
      // the new configuration's, starting its reader script again, before any state is written
      this.fifo?.close();
      this.fifo = this.openFifo(config);
      if (sameVrrpConfig(this.config, config)) {
        this.log.info('VRRP configuration unchanged; every instance keeps its state');
        this.config = config;
        if (config.global.fifoWriteVrrpStatesOnReload) await old.writeStatesToFifo();
        this.syncd?.reload(config.global.lvsSyncDaemon, old.instanceStates());
        return;
      }
      // hand the sockets' traffic over: the old runtime goes quietly (no priority 0, VIPs kept), the new one
      // carries over the state of every instance it can match and reconciles addresses from there
      const carry = await old.handOver(config);
      this.config = config;
      try {
        await this.startRuntime(config, carry);
      } catch (e) {
        // the old runtime is gone: better a fresh start (every instance BACKUP, then an election) than none
        this.log.error(`VRRP reload failed (${(e as Error).message}); starting the new configuration afresh`);
        await this.runtime?.stop({ releaseVips: false }).catch(() => undefined);
        await this.startRuntime(config);
      }
      this.syncd?.reload(config.global.lvsSyncDaemon, this.runtime?.instanceStates() ?? {});
    });
  }

  /** SIGUSR2 (STATS) and SIGRTMAX-1 (STATS_CLEAR): keepalived.stats. */
  dumpStats(clear = false): string | undefined {
    if (!this.runtime) return undefined;
    this.log.info(`Printing VRRP stats for process(${process.pid}) on signal`);
    const path = join(this.dumpDir(), 'keepalived.stats');
    writeFileSync(path, this.runtime.formatStats(), { mode: 0o600 });
    if (clear) this.runtime.stats.clear();
    return path;
  }

  /** SIGUSR1 (DATA): keepalived.data, a readable picture of every instance (format not stable, as keepalived's). */
  dumpData(): string | undefined {
    if (!this.runtime) return undefined;
    this.log.info(`Printing VRRP data for process(${process.pid}) on signal`);
    const path = join(this.dumpDir(), 'keepalived.data');
    writeFileSync(path, this.runtime.formatData(), { mode: 0o600 });
    return path;
  }

  /** SIGRTMIN+2 (JSON): keepalived.json. */
  dumpJson(): string | undefined {
    if (!this.runtime) return undefined;
    this.log.info(`Printing VRRP as json for process(${process.pid}) on signal`);
    const path = join(this.dumpDir(), 'keepalived.json');
    writeFileSync(path, JSON.stringify(this.runtime.toJSON()), { mode: 0o600 });
    return path;
  }

  private dumpDir(): string {
    return this.opts.dumpDir ?? process.env.TMPDIR ?? '/tmp';
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.busy.then(fn, fn);
    this.busy = next.catch(() => undefined);
    return next;
  }
}
