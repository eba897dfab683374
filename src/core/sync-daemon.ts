// lvs_sync_daemon: starts, switches and stops the kernel's IPVS connection-sync daemons over generic
// netlink, in the order src/ipvs/sync-daemon.ts decides. Commands run one after the other on their own
// queue, so a slow or absent IPVS never holds up VRRP. Where IPVS is missing (a kernel without ip_vs) the
// first command logs keepalived's `IPVS: Can't initialize ipvs: …` once and every later one is dropped,
// as keepalived's no_ipvs does; a refused command is logged in keepalived's words and the next goes on.
import type { LvsSyncDaemon } from '../config/model/global.js';
import type { Log } from '../lib/log.js';
import type { IpvsPort } from '../ipvs/types.js';
import {
  startOps, stopOps, switchOps, syncConfigChanged, syncDaemonCmdError, syncRoleFor, type SyncDaemonOp, type SyncRole,
} from '../ipvs/sync-daemon.js';
import { IpvsError, IpvsFamilyMissingError, IpvsSocketError } from '../netlink/errors.js';
import { IpvsClient } from '../netlink/ipvs-client.js';

export interface SyncDaemonDeps {
  log: Log;
  /** Opened at the first command; default: an IpvsClient of its own. */
  ipvs?: () => IpvsPort & { close?(): void };
  /** Close the port on stop (false when it is shared with someone else). Default true. */
  closeOnStop?: boolean;
}

/** The daemons of one configuration, whatever role the caller asks for. */
export class SyncDaemon {
  private cfg?: LvsSyncDaemon;
  /** The role last asked of the kernel; undefined: none. */
  private roleValue?: SyncRole;
  private port?: IpvsPort & { close?(): void };
  private disabled = false;
  private stopped = false;
  private tail: Promise<void> = Promise.resolve();

  constructor(private readonly deps: SyncDaemonDeps) {}

  get role(): SyncRole | undefined {
    return this.roleValue;
  }

  get config(): LvsSyncDaemon | undefined {
    return this.cfg;
  }

  /** Start-up: run `role` with `cfg` (nothing without a configuration). `clean`: first stop both, quietly. */
  start(cfg: LvsSyncDaemon | undefined, role: SyncRole, clean = false): void {
    if (this.stopped || !cfg) return;
    this.cfg = cfg;
    this.roleValue = role;
    this.run([...(clean ? stopOps('both', true) : []), ...startOps(cfg, role)]);
  }

  /** Switch to `role` (stop the old daemon, start the new), if it differs. */
  switchTo(role: SyncRole): void {
    if (this.stopped || !this.cfg || role === this.roleValue) return;
    const ops = switchOps(this.cfg, this.roleValue, role);
    this.roleValue = role;
    this.run(ops);
  }

  /** A new configuration: a changed daemon is restarted; otherwise only the role may change. */
  reload(cfg: LvsSyncDaemon | undefined, role: SyncRole): void {
    if (this.stopped) return;
    if (!syncConfigChanged(this.cfg, cfg)) {
      this.switchTo(role);
      return;
    }
    const ops = this.roleValue ? stopOps(this.roleValue, true) : [];
    this.cfg = cfg;
    this.roleValue = cfg ? role : undefined;
    this.run([...ops, ...(cfg ? startOps(cfg, role) : [])]);
  }

  /** Stop the daemons of the current role (`quiet`: failures not logged); then close the port. */
  async stop(quiet = false): Promise<void> {
    if (!this.stopped) {
      this.stopped = true;
      if (this.roleValue) this.run(stopOps(this.roleValue, quiet));
      this.roleValue = undefined;
    }
    await this.tail;
    if (this.deps.closeOnStop !== false) this.port?.close?.();
    this.port = undefined;
  }

  /** Resolves once every command queued so far has been answered. */
  idle(): Promise<void> {
    return this.tail;
  }

  private run(ops: SyncDaemonOp[]): void {
    if (ops.length === 0 || this.disabled) return;
    this.tail = this.tail.then(() => this.exec(ops));
  }

  private async exec(ops: SyncDaemonOp[]): Promise<void> {
    for (const op of ops) {
      if (this.disabled) return;
      try {
        this.port ??= (this.deps.ipvs ?? (() => new IpvsClient()))();
        if (op.op === 'start') await this.port.startDaemon(op.daemon);
        else await this.port.stopDaemon(op.state);
        this.deps.log.debug(`IPVS sync daemon: ${op.op === 'start' ? 'started' : 'stopped'} ${stateName(op)}`, fields(op));
      } catch (e) {
        this.failed(op, e);
      }
    }
  }

  private failed(op: SyncDaemonOp, e: unknown): void {
    const message = e instanceof Error ? e.message : String(e);
    if (e instanceof IpvsFamilyMissingError || (e instanceof IpvsSocketError && e.op === 'OPEN')) {
      this.disabled = true;
      this.deps.log.error(`IPVS: Can't initialize ipvs: ${message}`, { event: 'ipvs.sync_daemon_unavailable' });
      return;
    }
    // keepalived's ignore_error: not a word
    if (op.quiet) return;
    const errno = e instanceof IpvsError ? e.errno : undefined;
    const line = syncDaemonCmdError(op.op, errno, message);
    this.deps.log.info(line, { ...fields(op), event: 'ipvs.sync_daemon_failed', ...(e instanceof IpvsError ? { errno: e.code } : {}) });
  }
}

function stateName(op: SyncDaemonOp): 'master' | 'backup' {
  return (op.op === 'start' ? op.daemon.state : op.state) === 1 ? 'master' : 'backup';
}

function fields(op: SyncDaemonOp): Record<string, unknown> {
  const base = { op: op.op, daemon: stateName(op) };
  return op.op === 'start' ? { ...base, mcastIfn: op.daemon.mcastIfn, syncId: op.daemon.syncId } : base;
}

/**
 * The VRRP process's part (keepalived's Keepalived_vrrp): a sync daemon bound to `inst VI`, backup from
 * start-up, master while VI is MASTER. A configuration without an instance belongs to the checker.
 */
export class VrrpSyncDaemon {
  private readonly daemon: SyncDaemon;

  constructor(deps: SyncDaemonDeps) {
    this.daemon = new SyncDaemon(deps);
  }

  get role(): SyncRole | undefined {
    return this.daemon.role;
  }

  start(cfg: LvsSyncDaemon | undefined): void {
    if (cfg?.instance) this.daemon.start(cfg, 'backup');
  }

  /** Every instance state change (the moments keepalived runs notify scripts). */
  instanceState(instance: string, state: string): void {
    const cfg = this.daemon.config;
    if (!cfg || instance !== cfg.instance) return;
    if (state === 'MASTER' || state === 'BACKUP' || state === 'FAULT') this.daemon.switchTo(syncRoleFor(state));
  }

  /** After a reload: the new configuration, and every instance's state now (carried over or fresh). */
  reload(cfg: LvsSyncDaemon | undefined, states: Readonly<Record<string, string>>): void {
    const bound = cfg?.instance ? cfg : undefined;
    this.daemon.reload(bound, syncRoleFor(bound ? states[bound.instance!] : undefined));
  }

  stop(): Promise<void> {
    return this.daemon.stop(false);
  }

  idle(): Promise<void> {
    return this.daemon.idle();
  }
}
