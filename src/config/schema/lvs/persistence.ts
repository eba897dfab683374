// `persistence_granularity`: an IPv4 netmask (read like inet_aton, so `24` means 0.0.0.24) or an
// IPv6 prefix length; which one depends on the VS family, or on a dot in the value when the
// family is not known yet.
import type { Word } from '../../syntax.js';
import type { PersistenceGranularity } from '../../model/lvs.js';
import type { BuildContext } from '../types.js';
import { netmaskToPrefix, type Family } from '../../../lib/ip.js';
import { parseInetAton, parseUnsigned } from './read.js';

export function persistenceGranularity(w: Word, family: Family | undefined, ctx: BuildContext): PersistenceGranularity | undefined {
  const fam: Family = family ?? (w.text.includes('.') ? 4 : 6);
  if (fam === 6) {
    const r = parseUnsigned(w.text, 1, 128);
    if (!r.ok) {
      ctx.sink.error(w.pos, `Invalid IPv6 persistence_granularity specified - ${w.text}`, r.reason);
      return undefined;
    }
    return { family: 6, prefixLen: r.value };
  }
  const mask = parseInetAton(w.text);
  if (!mask) {
    ctx.sink.error(w.pos, `Invalid IPv4 persistence_granularity specified - ${w.text}`);
    return undefined;
  }
  if (netmaskToPrefix(mask.text) === undefined) {
    ctx.sink.extra(
      'warning',
      w.pos,
      `persistence_granularity ${w.text} is the netmask ${mask.text}, which is not contiguous`,
      w.text.includes('.') ? 'write a netmask such as 255.255.255.0' : 'an IPv4 granularity is a netmask such as 255.255.255.0, not a prefix length',
    );
  }
  return { family: 4, netmask: mask };
}
