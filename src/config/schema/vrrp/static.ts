// Top-level blocks independent of VRRP state: `static_ipaddress`, `static_routes`, `static_rules`
// (installed at start, removed at stop) and `track_group` (lets them fault instances).
import type { KeepalivedConfig } from '../../model/index.js';
import { blockKeyword, type KeywordSpec } from '../types.js';
import { parseAddressLine } from './address.js';
import { parseRouteLine } from './route.js';
import { parseRuleLine } from './rule.js';
import { eachEntry } from './tracking.js';

export function staticIpaddressKeyword(): KeywordSpec<KeepalivedConfig> {
  return blockKeyword((s, config, ctx) => eachEntry(s, ctx, (e) => {
    const a = parseAddressLine(e, ctx, { config, isStatic: true });
    if (a) config.vrrp.staticIpaddress.push(a);
  }));
}

export function staticRoutesKeyword(): KeywordSpec<KeepalivedConfig> {
  return blockKeyword((s, config, ctx) => eachEntry(s, ctx, (e) => {
    const r = parseRouteLine(e, ctx, { config, isStatic: true });
    if (r) config.vrrp.staticRoutes.push(r);
  }));
}

export function staticRulesKeyword(): KeywordSpec<KeepalivedConfig> {
  return blockKeyword((s, config, ctx) => eachEntry(s, ctx, (e) => {
    const r = parseRuleLine(e, ctx, { config, isStatic: true });
    if (r) config.vrrp.staticRules.push(r);
  }));
}

/** `track_group NAME { group { VI ... } }`. */
export function trackGroupKeyword(): KeywordSpec<KeepalivedConfig> {
  return blockKeyword((s, config, ctx) => {
    if (s.args.length !== 1) {
      ctx.sink.error(s.pos, 'track_group must have a name - skipping');
      return;
    }
    const name = s.args[0].text;
    if (config.vrrp.trackGroups.some((g) => g.name === name)) {
      ctx.sink.error(s.args[0].pos, `track_group ${name} already defined`, 'the block is skipped');
      return;
    }
    const tg = { name, pos: s.pos, group: [] as string[] };
    config.vrrp.trackGroups.push(tg);
    let seenGroup = false;
    for (const e of s.block ?? []) {
      if (e.keyword !== 'group') {
        ctx.sink.error(e.pos, `Unknown keyword '${e.keyword}' in track_group`, "a track_group only has 'group { ... }'");
        continue;
      }
      if (!e.block) {
        ctx.sink.error(e.pos, "'group' needs a '{ ... }' block");
        continue;
      }
      if (seenGroup) {
        ctx.sink.error(e.pos, `Group list already specified for sync group ${name}`);
        continue;
      }
      seenGroup = true;
      for (const m of e.block) tg.group.push(m.keyword, ...m.args.map((a) => a.text));
      if (!tg.group.length) ctx.sink.error(e.pos, `Warning - track group ${name} has empty group block`);
    }
  });
}
