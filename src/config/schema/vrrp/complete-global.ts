// Global defaults that depend on other settings, resolved once the whole file is read.
import type { KeepalivedConfig } from '../../model/index.js';
import type { BuildContext } from '../types.js';
import { lowerPrioSet, pendingNftPriority } from './global-defs.js';

/** Before the instances: the lower-priority GARP settings follow the master ones unless given. */
export function completeGlobalsEarly(config: KeepalivedConfig): void {
  const g = config.global;
  const set = lowerPrioSet(config);
  if (!set.repeat) g.vrrpGarpLowerPrioRepeat = g.vrrpGarpMasterRepeat;
  if (!set.delay) g.vrrpGarpLowerPrioDelay = g.vrrpGarpMasterDelay;
}

/** After the instances: nftables priority given early, lvs_sync_daemon instance and sync id. */
export function completeGlobalsLate(config: KeepalivedConfig, ctx: BuildContext): void {
  const g = config.global;
  const prio = pendingNftPriority(config);
  if (prio !== undefined && g.nftables) g.nftables.priority = prio;
  const d = g.lvsSyncDaemon;
  if (!d) return;
  if (d.instance === undefined) {
    if (d.syncId < 0) d.syncId = 0;
    return;
  }
  const inst = config.vrrp.instances.find((i) => i.name === d.instance);
  if (!inst) {
    // keepalived says this when it starts (not with -t), then runs without the sync daemon
    ctx.sink.extra('error', d.pos, `Unable to find vrrp instance ${d.instance} for lvs_syncd - clearing lvs_syncd config`, 'name an existing vrrp_instance after inst');
    g.lvsSyncDaemon = undefined;
    return;
  }
  if (d.syncId < 0) d.syncId = inst.virtualRouterId;
}
