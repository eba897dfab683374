// Interface-level top-level blocks: `garp_group`, `linkbeat_interfaces`, `interface_up_down_delays`.
import type { GarpGroup, KeepalivedConfig } from '../../model/index.js';
import { blockKeyword, type KeywordSpec } from '../types.js';
import { eachEntry } from './tracking.js';
import { checkInterface, parseDecimalUs } from './util.js';

const withInterfacesBlock = new WeakMap<KeepalivedConfig, number>();

export function garpGroupKeyword(): KeywordSpec<KeepalivedConfig> {
  return blockKeyword((s, config, ctx) => {
    const g: GarpGroup = { pos: s.pos, interfaces: [] };
    let aggregation = 0;
    const taken = (ifname: string) => config.vrrp.garpGroups.some((o) => o.interfaces.includes(ifname)) || g.interfaces.includes(ifname);
    for (const e of s.block ?? []) {
      const w = e.args[0];
      switch (e.keyword) {
        case 'garp_interval':
        case 'gna_interval': {
          const us = w ? parseDecimalUs(w.text, 0, 2147483647) : undefined;
          if (us === undefined) {
            ctx.sink.error(w?.pos ?? e.pos, `garp_group ${e.keyword} '${w?.text ?? ''}' invalid`);
            break;
          }
          if (e.keyword === 'garp_interval') g.garpInterval = us / 1e6;
          else g.gnaInterval = us / 1e6;
          if (us >= 1e6) ctx.sink.notice(w!.pos, `The ${e.keyword} is very large - ${w!.text} seconds`);
          break;
        }
        case 'interface':
          if (!w) {
            ctx.sink.error(e.pos, 'garp_group interface needs a name');
            break;
          }
          if (!checkInterface(config, ctx, w.text, w.pos, `WARNING - interface ${w.text} specified for garp_group doesn't exist`)) break;
          if (taken(w.text)) ctx.sink.error(w.pos, `garp_group already specified for ${w.text} - ignoring`);
          else g.interfaces.push(w.text);
          break;
        case 'interfaces': {
          if (!e.block) {
            ctx.sink.error(e.pos, "'interfaces' needs a '{ ... }' block");
            break;
          }
          const names = e.block.flatMap((l) => [{ text: l.keyword, pos: l.pos }, ...l.args.map((a) => ({ text: a.text, pos: a.pos }))]);
          if (!names.length) {
            ctx.sink.error(e.pos, 'Warning - empty garp_group interfaces block');
            break;
          }
          // keepalived numbers the groups that use an interfaces block
          aggregation = 1 + (withInterfacesBlock.get(config) ?? 0);
          withInterfacesBlock.set(config, aggregation);
          for (const n of names) {
            if (!checkInterface(config, ctx, n.text, n.pos, `WARNING - interface ${n.text} specified for garp_group doesn't exist`)) continue;
            if (taken(n.text)) ctx.sink.error(n.pos, `garp_group already specified for ${n.text} - ignoring`);
            else g.interfaces.push(n.text);
          }
          break;
        }
        default:
          ctx.sink.error(e.pos, `Unknown keyword '${e.keyword}' in garp_group`, 'garp_group has garp_interval, gna_interval, interface, interfaces');
      }
    }
    if (g.garpInterval === undefined && g.gnaInterval === undefined) {
      ctx.sink.error(s.pos, `garp group ${aggregation} does not have any delay set - removing`, 'add garp_interval or gna_interval');
      return;
    }
    config.vrrp.garpGroups.push(g);
  });
}

export function linkbeatInterfacesKeyword(): KeywordSpec<KeepalivedConfig> {
  return blockKeyword((s, config, ctx) => eachEntry(s, ctx, (e) => {
    if (!checkInterface(config, ctx, e.keyword, e.pos, `unknown interface ${e.keyword} specified for linkbeat interface`, 'fatal')) return;
    let type: 'MII' | 'ETHTOOL' | 'IOCTL' | 'default' = 'default';
    const w = e.args[0];
    if (w) {
      if (w.text === 'MII' || w.text === 'ETHTOOL' || w.text === 'IOCTL') type = w.text;
      if (type === 'default' || e.args.length > 1) ctx.sink.error(w.pos, `extra characters ${w.text} in linkbeat interface`, 'the type is MII, ETHTOOL or IOCTL');
    }
    config.vrrp.linkbeatInterfaces.push({ name: e.keyword, type, pos: e.pos });
  }));
}

export function interfaceUpDownDelaysKeyword(): KeywordSpec<KeepalivedConfig> {
  return blockKeyword((s, config, ctx) => eachEntry(s, ctx, (e) => {
    if (!checkInterface(config, ctx, e.keyword, e.pos, `unknown interface ${e.keyword} specified for up/down delay`, 'fatal')) return;
    if (!e.args.length) {
      ctx.sink.notice(e.pos, `No timeouts specified for ${e.keyword} up/down delays`);
      return;
    }
    if (e.args.length > 2) ctx.sink.notice(e.args[2].pos, `Too many parameters for ${e.keyword} up/down delays`);
    const read = (i: number): number | undefined => {
      const w = e.args[i];
      const us = parseDecimalUs(w.text, 0, 255e6);
      if (us === undefined) ctx.sink.error(w.pos, `number '${w.text}' outside range [0.000000, 255.000000]`, `invalid ${i ? 'up' : 'down'} delay for ${e.keyword}; the line is ignored`);
      return us === undefined ? undefined : us / 1e6;
    };
    const down = read(0);
    if (down === undefined) return;
    const up = e.args.length >= 2 ? read(1) : 0;
    if (up === undefined) return;
    config.vrrp.interfaceUpDownDelays.push({ name: e.keyword, down, up, pos: e.pos });
  }));
}
