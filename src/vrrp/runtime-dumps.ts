// What the VRRP side writes on SIGUSR1 (keepalived.data, a readable picture) and SIGRTMIN+2 (keepalived.json,
// keepalived's layout for the fields we share). Pure: state, configuration and counters in, text out.
import type { VrrpInstance } from '../config/model/vrrp.js';
import type { FsmState } from './fsm-state.js';
import type { VrrpParams } from './params.js';
import type { VrrpStats } from './runtime-stats.js';

const vipText = (v: VrrpInstance['virtualIpaddress'][number]) => `${v.address.text}/${v.address.prefixLen} dev ${v.dev}`;

export function formatData(state: FsmState, params: VrrpParams, instances: ReadonlyMap<string, VrrpInstance>): string {
  const lines: string[] = ['------< VRRP Topology >------'];
  for (const p of params.instances) {
    const s = state.instances[p.name];
    const cfg = instances.get(p.name)!;
    lines.push(
      ` VRRP Instance = ${p.name}`,
      `   VRRP Version = ${p.version}`,
      `   State = ${s.state}`,
      `   Wantstate = ${s.wantState}`,
      `   Interface = ${p.interface ?? '(none)'}`,
      `   Using src_ip = ${(cfg.srcIp ?? state.observed.sourceAddresses[p.name])?.text ?? '(none)'}`,
      `   Virtual Router ID = ${p.vrid}`,
      `   Priority = ${s.basePriority}`,
      `   Effective priority = ${s.effectivePriority}`,
      `   Advert interval = ${p.advertIntCs * 10} milli-sec`,
      `   Master advert interval = ${s.masterAdverIntCs * 10} milli-sec`,
      `   Last master = ${s.masterAddress?.text ?? '(none)'}`,
      `   Virtual IP = ${cfg.virtualIpaddress.length}`,
      ...cfg.virtualIpaddress.map((v) => `     ${vipText(v)}`),
    );
  }
  return lines.join('\n') + '\n';
}

/** keepalived's state numbers: 0 INIT, 1 BACKUP, 2 MASTER, 3 FAULT (98 for our STOP). */
const STATE_CODE: Record<string, number> = { INIT: 0, BACKUP: 1, MASTER: 2, FAULT: 3, STOP: 98 };

export function toJson(state: FsmState, params: VrrpParams, instances: ReadonlyMap<string, VrrpInstance>, stats: VrrpStats): unknown[] {
  return params.instances.map((p) => {
    const s = state.instances[p.name];
    const cfg = instances.get(p.name)!;
    const st = stats.get(p.name);
    return {
      data: {
        iname: p.name,
        ifp_ifname: p.interface,
        version: p.version,
        vrid: p.vrid,
        state: STATE_CODE[s.state] ?? 0,
        wantstate: STATE_CODE[s.wantState] ?? 0,
        base_priority: s.basePriority,
        effective_priority: s.effectivePriority,
        vipset: s.vipsSet,
        adver_int: p.advertIntCs / 100,
        master_adver_int: s.masterAdverIntCs / 100,
        nopreempt: p.nopreempt,
        preempt_delay: p.preemptDelayMs / 1000,
        last_master: s.masterAddress?.text,
        vips: cfg.virtualIpaddress.map(vipText),
        evips: cfg.virtualIpaddressExcluded.map(vipText),
      },
      stats: { ...st.counters, drops: { ...st.drops }, announcements: { ...st.announcements } },
    };
  });
}
