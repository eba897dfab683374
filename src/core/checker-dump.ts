// SIGUSR1 for the checker (keepalived writes $TMPDIR/keepalived_check.data; its format is explicitly not
// stable): every virtual server with its quorum, and every real server with its health and weight as the
// check engine sees them now, plus the engine's counters.
import type { LvsSection } from '../config/model/lvs.js';

export interface CheckerDumpView {
  realServer(vs: LvsSection['virtualServers'][number], rs: LvsSection['virtualServers'][number]['realServers'][number]): { alive: boolean; weight?: number };
  quorumUp(vs: LvsSection['virtualServers'][number]): boolean;
}

export function formatCheckerData(lvs: LvsSection, health: CheckerDumpView, stats: Record<string, unknown>): string {
  const out: string[] = ['------< Health checkers >------'];
  for (const [k, v] of Object.entries(stats)) out.push(` ${k} = ${typeof v === 'object' ? JSON.stringify(v) : String(v)}`);
  out.push('------< Virtual servers >------');
  for (const vs of lvs.virtualServers) {
    out.push(` VS = ${vs.key}`, `   delay_loop = ${vs.delayLoop}, lb_algo = ${vs.lbAlgo}, quorum = ${vs.quorum}, hysteresis = ${vs.hysteresis}, quorum state = ${health.quorumUp(vs) ? 'UP' : 'DOWN'}`);
    if (vs.sorryServer) out.push(`   sorry server = ${vs.sorryServer.key}${vs.sorryServer.inhibit ? ' (inhibit)' : ''}`);
    for (const rs of vs.realServers) {
      const h = health.realServer(vs, rs);
      const checkers = rs.checkers.map((c) => c.kind).join(', ') || 'none';
      out.push(`   RS = ${rs.key}, weight = ${h.weight ?? rs.weight}, alive = ${h.alive ? 'yes' : 'no'}, checkers = ${checkers}${rs.inhibitOnFailure ? ', inhibit_on_failure' : ''}`);
    }
  }
  return `${out.join('\n')}\n`;
}
