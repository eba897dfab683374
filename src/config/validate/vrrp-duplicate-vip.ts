// The same address managed by two instances: whichever becomes master last takes it, the other
// removes it on BACKUP. keepalived accepts this silently; we report it.
import type { Validator } from './index.js';

export const vrrpDuplicateVip: Validator = (config, ctx) => {
  const seen = new Map<string, { inst: string; line: number; file: string }>();
  for (const inst of config.vrrp.instances) {
    const mine = new Set<string>();
    for (const vip of [...inst.virtualIpaddress, ...inst.virtualIpaddressExcluded]) {
      const key = `${vip.address.family}/${vip.address.text}`;
      if (mine.has(key)) {
        // keepalived's own sample does this; the second add fails harmlessly, so only a notice
        ctx.sink.notice(vip.pos, `(${inst.name}) address ${vip.address.text} is listed twice`, 'remove the duplicate line');
        continue;
      }
      mine.add(key);
      const other = seen.get(key);
      if (other) {
        ctx.sink.extra('error', vip.pos, `(${inst.name}) address ${vip.address.text} is also managed by vrrp_instance ${other.inst}`, `both instances would add and remove it (${other.file}:${other.line}); keep it in one instance`);
      } else seen.set(key, { inst: inst.name, line: vip.pos.line, file: vip.pos.file });
    }
  }
};
