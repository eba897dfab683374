// Top-level keywords of the VRRP side and global_defs, and keepalived's post-processing of them.
import type { KeepalivedConfig } from '../../model/index.js';
import type { BuildContext, KeywordTable, SchemaRegistry } from '../types.js';
import { completeGlobalsEarly, completeGlobalsLate } from './complete-global.js';
import { checkMinimalInstance, completeInstance } from './complete-instance.js';
import { completeSyncGroupTracking, completeTrackGroups, setSyncGroups, syncGroupInitialStates } from './complete-sync.js';
import { globalDefsKeyword, topLevelGlobals } from './global-defs.js';
import { vrrpInstanceKeyword } from './instance.js';
import { garpGroupKeyword, interfaceUpDownDelaysKeyword, linkbeatInterfacesKeyword } from './misc-top.js';
import { staticIpaddressKeyword, staticRoutesKeyword, staticRulesKeyword, trackGroupKeyword } from './static.js';
import { vrrpSyncGroupKeyword } from './sync-group.js';
import { bfdInstanceKeyword, trackFileKeyword, trackProcessKeyword, vrrpScriptKeyword } from './tracked-defs.js';

export function vrrpTopLevel(registry: SchemaRegistry): KeywordTable<KeepalivedConfig> {
  return {
    ...topLevelGlobals(),
    global_defs: globalDefsKeyword(registry),
    vrrp_instance: vrrpInstanceKeyword(registry),
    vrrp_sync_group: vrrpSyncGroupKeyword(registry),
    vrrp_script: vrrpScriptKeyword(registry),
    track_file: trackFileKeyword(registry, false),
    vrrp_track_file: trackFileKeyword(registry, true),
    vrrp_track_process: trackProcessKeyword(registry),
    static_ipaddress: staticIpaddressKeyword(),
    static_routes: staticRoutesKeyword(),
    static_rules: staticRulesKeyword(),
    track_group: trackGroupKeyword(),
    garp_group: garpGroupKeyword(),
    linkbeat_interfaces: linkbeatInterfacesKeyword(),
    interface_up_down_delays: interfaceUpDownDelaysKeyword(),
    bfd_instance: bfdInstanceKeyword(),
  };
}

/** keepalived's vrrp_complete_init(), in its order (the cross-object checks are validators). */
export function completeVrrp(config: KeepalivedConfig, ctx: BuildContext): void {
  completeGlobalsEarly(config);
  for (const inst of config.vrrp.instances) checkMinimalInstance(inst, ctx);
  setSyncGroups(config, ctx);
  for (const inst of config.vrrp.instances) completeInstance(config, inst, ctx);
  completeTrackGroups(config, ctx);
  completeSyncGroupTracking(config, ctx);
  syncGroupInitialStates(config, ctx);
  completeGlobalsLate(config, ctx);
}
