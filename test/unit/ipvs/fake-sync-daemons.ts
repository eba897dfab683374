// A kernel's sync-daemon table for lvs_sync_daemon tests: one master and one backup at most, EEXIST on a
// second start and ESRCH on stopping one that does not run, as ip_vs answers; every command recorded.
import { LVS_SYNC_GROUP, type LvsSyncDaemon } from '../../../src/config/model/global.js';
import { IpvsError, IpvsFamilyMissingError } from '../../../src/netlink/errors.js';
import type { IpvsDaemon, IpvsDaemonState, IpvsPort } from '../../../src/ipvs/types.js';

export const syncCfg = (over: Partial<LvsSyncDaemon> = {}): LvsSyncDaemon => ({
  interface: 'eth1', instance: 'VI_1', syncId: 51, port: 8848, ttl: 1, group: LVS_SYNC_GROUP,
  fromInstanceKeyword: false, pos: { file: 'k.conf', line: 2, col: 3 }, ...over,
});

const name = (s: IpvsDaemonState) => (s === 1 ? 'master' : 'backup');

export class FakeSyncDaemons implements Pick<IpvsPort, 'startDaemon' | 'stopDaemon' | 'getDaemons'> {
  readonly running = new Map<IpvsDaemonState, IpvsDaemon>();
  /** `start master eth1/51`, `stop backup`, with a `!` when the kernel refused. */
  readonly calls: string[] = [];
  closed = 0;
  /** Every command fails as on a kernel without ip_vs. */
  missing = false;
  /** Commands answer only when released (a slow kernel). */
  hold?: Promise<void>;

  async startDaemon(d: IpvsDaemon): Promise<void> {
    await this.hold;
    if (this.missing) throw new IpvsFamilyMissingError('the genl controller answered ENOENT');
    const refused = this.running.has(d.state);
    this.calls.push(`start ${name(d.state)} ${d.mcastIfn}/${d.syncId}${refused ? ' !' : ''}`);
    if (refused) throw new IpvsError('NEW_DAEMON', `sync daemon ${name(d.state)}`, 17);
    this.running.set(d.state, d);
  }

  async stopDaemon(state: IpvsDaemonState): Promise<void> {
    await this.hold;
    if (this.missing) throw new IpvsFamilyMissingError('the genl controller answered ENOENT');
    const refused = !this.running.has(state);
    this.calls.push(`stop ${name(state)}${refused ? ' !' : ''}`);
    if (refused) throw new IpvsError('DEL_DAEMON', `sync daemon ${name(state)}`, 3);
    this.running.delete(state);
  }

  async getDaemons(): Promise<IpvsDaemon[]> {
    return [...this.running.values()];
  }

  /** What runs now: `master eth1/51`. */
  now(): string[] {
    return [...this.running.values()].map((d) => `${name(d.state)} ${d.mcastIfn}/${d.syncId}`).sort();
  }

  close(): void {
    this.closed++;
  }

  /** As the IpvsPort the code under test wants (only the daemon commands are ever called). */
  asPort(): IpvsPort & { close(): void } {
    return this as unknown as IpvsPort & { close(): void };
  }
}
