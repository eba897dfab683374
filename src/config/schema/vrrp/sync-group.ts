// `vrrp_sync_group NAME { group { VI ... } ... }`: instances that change state together.
import type { KeepalivedConfig, VrrpSyncGroup } from '../../model/index.js';
import type { Stmt } from '../../syntax.js';
import { applyBlock, blockKeyword, type BuildContext, type KeywordTable, type SchemaRegistry } from '../types.js';
import { syncGroupRaw, type SyncGroupRaw } from './parse-state.js';
import {
  eachEntry, trackBfdEntry, trackFileEntry, trackInterfaceEntry, trackProcessEntry, trackScriptEntry, type TrackOwner,
} from './tracking.js';
import { kaBool, notifyScript } from './util.js';
import { nearest } from '../../suggest.js';

interface GroupCtx {
  config: KeepalivedConfig;
  group: VrrpSyncGroup;
  raw: SyncGroupRaw;
}

function owner(c: GroupCtx): TrackOwner {
  const g = c.group;
  return { config: c.config, name: g.name, trackInterface: g.trackInterface, trackScript: g.trackScript, trackFile: g.trackFile, trackProcess: g.trackProcess, trackBfd: g.trackBfd };
}

type NotifyField = 'notifyMaster' | 'notifyBackup' | 'notifyFault' | 'notifyStop' | 'notify';

function notifyHandler(field: NotifyField) {
  return (s: Stmt, c: GroupCtx, ctx: BuildContext): void => {
    if (c.group[field]) {
      ctx.sink.error(s.pos, `vrrp group ${c.group.name}: ${s.keyword} script already specified - ignoring ${s.args[0]?.text ?? ''}`);
      return;
    }
    const ref = notifyScript(s, ctx, `${s.keyword} of sync group ${c.group.name}`);
    if (!ref) return;
    c.group[field] = ref;
    c.config.vrrp.scripts.push(ref);
  };
}

function syncGroupTable(registry: SchemaRegistry): KeywordTable<GroupCtx> {
  return registry.register<GroupCtx>('vrrp_sync_group', {
    group: blockKeyword((s, c, ctx) => {
      if (c.raw.hasGroup) {
        ctx.sink.error(s.pos, `Group list already specified for sync group ${c.group.name}`, 'the block is skipped');
        return;
      }
      c.raw.hasGroup = true;
      c.group.groupPos = s.pos;
      // a value block: every word on every line is a member name
      c.group.memberPos = {};
      for (const e of s.block ?? []) {
        c.group.group.push(e.keyword, ...e.args.map((a) => a.text));
        c.group.memberPos[e.keyword] ??= e.pos;
        for (const a of e.args) c.group.memberPos[a.text] ??= a.pos;
      }
      if (!c.group.group.length) ctx.sink.error(s.pos, `Warning - sync group ${c.group.name} has empty group block`);
    }),
    track_interface: blockKeyword((s, c, ctx) => eachEntry(s, ctx, (e) => trackInterfaceEntry(e, ctx, owner(c)))),
    track_script: blockKeyword((s, c, ctx) => eachEntry(s, ctx, (e) => trackScriptEntry(e, ctx, owner(c)))),
    track_file: blockKeyword((s, c, ctx) => eachEntry(s, ctx, (e) => trackFileEntry(e, ctx, owner(c)))),
    track_process: blockKeyword((s, c, ctx) => eachEntry(s, ctx, (e) => trackProcessEntry(e, ctx, owner(c)))),
    track_bfd: blockKeyword((s, c, ctx) => {
      ctx.sink.notice(s.pos, "'track_bfd' is not supported yet by keepalived-ts (BFD); entries are kept");
      eachEntry(s, ctx, (e) => trackBfdEntry(e, ctx, owner(c)));
    }),
    notify_backup: notifyHandler('notifyBackup'),
    notify_master: notifyHandler('notifyMaster'),
    notify_fault: notifyHandler('notifyFault'),
    notify_stop: notifyHandler('notifyStop'),
    notify: notifyHandler('notify'),
    smtp_alert: (s, c, ctx) => {
      const v = kaBool(s, ctx, `Invalid vrrp_group smtp_alert parameter ${s.args[0]?.text ?? ''}`);
      if (v !== undefined) c.raw.smtpAlert = v;
    },
    global_tracking: (s, c, ctx) => {
      ctx.sink.error(s.pos, `(${c.group.name}) global_tracking is deprecated. Use track_interface/script/file on the sync group`, 'or sync_group_tracking_weight');
      c.group.syncGroupTrackingWeight = true;
    },
    sync_group_tracking_weight: (_s, c) => { c.group.syncGroupTrackingWeight = true; },
    notify_priority_changes: (s, c, ctx) => {
      const v = kaBool(s, ctx, `(${c.group.name}) Invalid value '${s.args[0]?.text ?? ''}' for sync group notify_priority_changes specified`);
      if (v !== undefined) c.group.notifyPriorityChanges = v;
    },
  });
}

export function vrrpSyncGroupKeyword(registry: SchemaRegistry) {
  const table = syncGroupTable(registry);
  return blockKeyword<KeepalivedConfig>((s, config, ctx) => {
    if (s.args.length !== 1) {
      ctx.sink.error(s.pos, 'vrrp_sync_group must have a name - skipping');
      return;
    }
    const name = s.args[0].text;
    if (config.vrrp.syncGroups.some((g) => g.name === name)) {
      ctx.sink.error(s.args[0].pos, `vrrp sync group ${name} already defined`, 'the block is skipped');
      return;
    }
    const group: VrrpSyncGroup = {
      name, pos: s.pos, group: [], trackInterface: [], trackScript: [], trackFile: [], trackProcess: [], trackBfd: [],
      smtpAlert: false, syncGroupTrackingWeight: false,
    };
    config.vrrp.syncGroups.push(group);
    const c: GroupCtx = { config, group, raw: syncGroupRaw(config, group) };
    for (const e of s.block ?? []) {
      // the old syntax listed members directly in the block; keepalived 2.x rejects each name
      if (!Object.hasOwn(table, e.keyword) && !e.args.length && !e.block && !nearest(e.keyword, Object.keys(table)) && !ctx.registry.blocksWith(e.keyword, 'vrrp_sync_group').length) {
        ctx.sink.error(e.pos, `Unknown keyword '${e.keyword}' in vrrp_sync_group`, `list members inside 'group { ${e.keyword} ... }'`);
        continue;
      }
      applyBlock([e], table, c, ctx, 'vrrp_sync_group');
    }
  });
}
