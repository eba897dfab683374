// keepalived's post-processing of sync groups and track groups: membership (before the instances
// are completed, since it changes their tracking), then group-level tracking weights and defaults.
import type { KeepalivedConfig } from '../../model/index.js';
import type { BuildContext } from '../types.js';
import { instanceRaw, syncGroupRaw } from './parse-state.js';
import { nearest } from '../../suggest.js';

/** vrrp_sync_set_group(): resolve members; groups left without members are removed. */
export function setSyncGroups(config: KeepalivedConfig, ctx: BuildContext): void {
  const kept = [];
  for (const g of config.vrrp.syncGroups) {
    const raw = syncGroupRaw(config, g);
    if (!raw.hasGroup || !g.group.length) {
      ctx.sink.error(g.pos, `Sync group ${g.name} has no virtual router(s). removing`, "list the members in 'group { VI_1 VI_2 }'");
      continue;
    }
    const members: string[] = [];
    // keepalived's group state: MASTER while every member so far is an explicit owner in state MASTER
    let state: 'INIT' | 'MASTER' | 'BACKUP' = 'INIT';
    for (const name of g.group) {
      const inst = config.vrrp.instances.find((i) => i.name === name);
      const at = g.memberPos?.[name] ?? g.groupPos ?? g.pos;
      if (!inst) {
        const near = nearest(name, config.vrrp.instances.map((i) => i.name));
        ctx.sink.error(at, `Virtual router ${name} specified in sync group ${g.name} doesn't exist - ignoring`, near ? `did you mean '${near}'?` : undefined);
        continue;
      }
      if (inst.syncGroup !== undefined) {
        ctx.sink.error(at, `Virtual router ${name} cannot exist in more than one sync group; ignoring ${g.name}`, `${name} is already in sync group ${inst.syncGroup}`);
        continue;
      }
      inst.syncGroup = g.name;
      members.push(name);
      const r = instanceRaw(config, inst);
      const want = r.stateWritten ? inst.state : 'INIT';
      if (state === 'MASTER' && want === 'BACKUP') ctx.sink.error(at, `Sync group ${g.name} has some member(s) as address owner and some not as address owner. This won't work.`);
      if (state !== 'BACKUP') state = want === 'MASTER' && r.priority === 255 ? 'MASTER' : 'BACKUP';
    }
    g.group = members;
    if (!members.length) {
      ctx.sink.error(g.pos, `Sync group ${g.name}, no matching virtual router found in group declaration - removing`);
      continue;
    }
    if (members.length === 1) ctx.sink.error(g.pos, `Sync group ${g.name} has only 1 virtual router(s) - this probably isn't what you want`);
    kept.push(g);
  }
  config.vrrp.syncGroups = kept;
}

/** sync_group_tracking_init(): weights on groups with an address owner, default smtp_alert. */
export function completeSyncGroupTracking(config: KeepalivedConfig, ctx: BuildContext): void {
  const gl = config.global;
  for (const g of config.vrrp.syncGroups) {
    const members = config.vrrp.instances.filter((i) => i.syncGroup === g.name);
    if (members.some((i) => i.priority === 255)) {
      const clear = (list: { name: string; weight: number }[], what: string, tail: string) => {
        for (const t of list) {
          if (!t.weight) continue;
          ctx.sink.error(g.pos, `(${g.name}) Cannot have weighted track ${what} '${t.name}' with member having priority 255 - ${tail}`);
          t.weight = 0;
        }
      };
      clear(g.trackScript, 'script', 'clearing weight');
      clear(g.trackFile, 'file', 'setting weight 0');
      clear(g.trackProcess, 'process', 'setting weight 0');
      clear(g.trackBfd, 'bfd', 'setting weight 0');
      clear(g.trackInterface, 'interface', 'clearing weight');
    }
    const raw = syncGroupRaw(config, g);
    g.smtpAlert = raw.smtpAlert ?? gl.smtpAlertVrrp ?? gl.smtpAlert ?? false;
  }
}

/**
 * vrrp_complete_init(), after the instances: a sync group whose members are not all address owners
 * in state MASTER starts every member as BACKUP (keepalived says nothing about it).
 */
export function syncGroupInitialStates(config: KeepalivedConfig, ctx: BuildContext): void {
  for (const g of config.vrrp.syncGroups) {
    const members = config.vrrp.instances.filter((i) => i.syncGroup === g.name);
    const hasBackup = members.some((i) => i.state === 'BACKUP' || i.priority !== 255);
    const masters = members.filter((i) => i.state === 'MASTER');
    if (!hasBackup || !masters.length) continue;
    for (const i of masters) i.state = 'BACKUP';
    ctx.sink.notice(g.pos, `Sync group ${g.name}: ${masters.map((i) => i.name).join(', ')} start${masters.length === 1 ? 's' : ''} as BACKUP: state MASTER only holds when every member is an address owner (priority 255) in state MASTER`);
  }
}

/** static_track_group_init(): keepalived only logs problems here. */
export function completeTrackGroups(config: KeepalivedConfig, ctx: BuildContext): void {
  for (const tg of config.vrrp.trackGroups) {
    if (!tg.group.length) {
      ctx.sink.notice(tg.pos, `Static track group ${tg.name} has no virtual router(s)`);
      continue;
    }
    const known = tg.group.filter((n) => {
      const ok = config.vrrp.instances.some((i) => i.name === n);
      if (!ok) ctx.sink.notice(tg.pos, `vrrp instance ${n} specified in track group ${tg.name} doesn't exist - ignoring`);
      return ok;
    });
    if (!known.length) ctx.sink.notice(tg.pos, `Static track group ${tg.name} has no VRRP instance(s)`);
    tg.group = known;
  }
}
