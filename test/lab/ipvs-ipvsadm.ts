// ipvsadm as the independent reader of the kernel table: its text (-S -n, -Ln --thresholds,
// -Ln --persistent-conn) parsed into records, and our client's listing turned into the same records.
import {
  AF_INET,
  describeService,
  formatAddrPort,
  IP_VS_CONN_F_DROUTE,
  IP_VS_CONN_F_MASQ,
  IP_VS_CONN_F_TUNNEL,
  IP_VS_SVC_F_ONEPACKET,
  IP_VS_SVC_F_PERSISTENT,
  IP_VS_SVC_F_SCHED1,
  IP_VS_SVC_F_SCHED2,
  IP_VS_SVC_F_SCHED3,
  type IpvsDestEntry,
  type IpvsServiceEntry,
} from '../../src/ipvs/types.js';

/** A line of `ipvsadm -S -n`, reduced to what it says (order of options does not matter). */
export interface SavedRule {
  readonly kind: 'service' | 'dest';
  /** `TCP 10.0.0.1:80`, `FWM 7 IPv6` */
  readonly service: string;
  /** dest only: `10.0.1.5:80` */
  readonly dest?: string;
  readonly options: Readonly<Record<string, string>>;
}

const PROTO_OPT: Record<string, string> = { '-t': 'TCP', '-u': 'UDP', '--sctp-service': 'SCTP' };

export function parseSave(text: string): SavedRule[] {
  const rules: SavedRule[] = [];
  for (const line of text.split('\n').map((l) => l.trim()).filter(Boolean)) {
    const words = line.split(/\s+/);
    const kind = words[0] === '-A' ? 'service' : words[0] === '-a' ? 'dest' : undefined;
    if (!kind) throw new Error(`unexpected ipvsadm -S line: ${line}`);
    let service = '';
    let dest: string | undefined;
    let v6 = false;
    const options: Record<string, string> = {};
    for (let i = 1; i < words.length; i++) {
      const w = words[i]!;
      const next = words[i + 1];
      if (PROTO_OPT[w]) service = `${PROTO_OPT[w]} ${words[++i]}`;
      else if (w === '-f') service = `FWM ${words[++i]}`;
      else if (w === '-6') v6 = true;
      else if (w === '-r') dest = words[++i];
      else if (next !== undefined && !next.startsWith('-')) options[w] = words[++i]!;
      else options[w] = '';
    }
    if (v6 && service.startsWith('FWM')) service += ' IPv6';
    rules.push(dest === undefined ? { kind, service, options } : { kind, service, dest, options });
  }
  return rules;
}

function dotted(mask: number): string {
  return [24, 16, 8, 0].map((s) => (mask >>> s) & 0xff).join('.');
}

const SCHED_FLAG_NAMES: Record<string, [string, string, string]> = {
  sh: ['sh-fallback', 'sh-port', 'flag-3'],
  mh: ['mh-fallback', 'mh-port', 'flag-3'],
};

/** What `ipvsadm -S -n` prints for a service we listed. */
export function serviceRule(s: IpvsServiceEntry): SavedRule {
  const o: Record<string, string> = { '-s': s.schedName };
  if (s.flags & IP_VS_SVC_F_PERSISTENT) {
    o['-p'] = String(s.timeout);
    if (s.af === AF_INET ? s.netmask !== 0xffffffff : s.netmask !== 128) o['-M'] = s.af === AF_INET ? dotted(s.netmask) : String(s.netmask);
  }
  if (s.flags & IP_VS_SVC_F_ONEPACKET) o['-o'] = '';
  if (s.peName) o['--pe'] = s.peName;
  const names = SCHED_FLAG_NAMES[s.schedName] ?? ['flag-1', 'flag-2', 'flag-3'];
  const b = [IP_VS_SVC_F_SCHED1, IP_VS_SVC_F_SCHED2, IP_VS_SVC_F_SCHED3].map((f, i) => (s.flags & f ? names[i] : '')).filter(Boolean);
  if (b.length) o['-b'] = b.join(',');
  return { kind: 'service', service: describeService(s), options: o };
}

const FWD_OPT: Record<number, string> = { [IP_VS_CONN_F_MASQ]: '-m', [IP_VS_CONN_F_DROUTE]: '-g', [IP_VS_CONN_F_TUNNEL]: '-i' };
const TUN_TYPES = ['ipip', 'gue', 'gre'];
const TUN_CSUM = ['--tun-nocsum', '--tun-csum', '--tun-remcsum'];

/** What `ipvsadm -S -n` prints for a dest we listed. */
export function destRule(s: IpvsServiceEntry, d: IpvsDestEntry): SavedRule {
  const o: Record<string, string> = { [FWD_OPT[d.fwdMethod] ?? `fwd-${d.fwdMethod}`]: '', '-w': String(d.weight) };
  if (d.fwdMethod === IP_VS_CONN_F_TUNNEL) {
    o['--tun-type'] = TUN_TYPES[d.tunType ?? 0] ?? String(d.tunType);
    if (d.tunType === 1) o['--tun-port'] = String(d.tunPort);
    if (d.tunType !== 0) o[TUN_CSUM[d.tunFlags ?? 0] ?? `--tun-flags-${d.tunFlags}`] = '';
  }
  return { kind: 'dest', service: describeService(s), dest: formatAddrPort(d.af, d.addr, d.port), options: o };
}

export interface ListedDest {
  readonly service: string;
  readonly dest: string;
  /** --thresholds: Uthreshold Lthreshold ActiveConn InActConn; --persistent-conn: Weight PersistConn ActiveConn InActConn */
  readonly columns: readonly number[];
}

/** Dest rows of `ipvsadm -Ln --thresholds` or `--persistent-conn` (these have no Forward column). */
export function parseListing(text: string): ListedDest[] {
  const out: ListedDest[] = [];
  let service = '';
  for (const line of text.split('\n')) {
    const w = line.trim().split(/\s+/);
    if (/^(TCP|UDP|SCTP)$/.test(w[0] ?? '')) service = `${w[0]} ${w[1]}`;
    else if (w[0] === 'FWM') service = `FWM ${w[1]}${w[2] === 'IPv6' ? ' IPv6' : ''}`;
    else if (w[0] === '->' && w[1] !== 'RemoteAddress:Port') {
      out.push({ service, dest: w[1]!, columns: w.slice(2).map(Number) });
    }
  }
  return out;
}

export const sortRules = (rules: SavedRule[]) =>
  [...rules].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
