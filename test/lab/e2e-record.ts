// What the end-to-end lab's driver (e2e-driver.ts, inside UML) hands back to the host test, and the pure
// readers of the /proc files it watches. Times are ms since the driver's start.
import type { DirName, Stream } from './e2e-scenario.js';

/** One HTTP request: sent, finished (answered, failed or timed out), outcome = the real server's name or `fail:<why>`. */
export interface RequestRecord {
  s: number;
  d: number;
  o: string;
  /** the client's port (known once the SYN went out) */
  p?: number;
  /** for a failed one: the directors' connection entries for that port when it failed */
  c?: string[];
}

/** One line on a long-lived connection: sent, echoed (null: never), by which real server. */
export interface EchoLine {
  seq: number;
  s: number;
  e: number | null;
  rs: string | null;
}

export interface EchoRecord {
  connectedMs: number | null;
  /** the connection ended (closed, reset, timed out) before the driver closed it */
  endedMs: number | null;
  error: string | null;
  lines: EchoLine[];
}

export interface LogLine {
  t: number;
  line: string;
}

export interface DaemonRecord {
  /** `ours@dir1#1`: which program, where, which start */
  id: string;
  kind: 'ours' | 'keepalived';
  director: DirName;
  pid: number | null;
  spawnedMs: number;
  exitedMs: number | null;
  exitCode: number | null;
  exitSignal: string | null;
  log: LogLine[];
}

export interface StepRecord {
  name: string;
  phase: 'main' | 'migration';
  startMs: number;
  /** when the event's effect was seen (table, VIPs, log line); null: never */
  appliedMs: number | null;
  endMs: number;
  /** numbers particular to the step (pids, the failover's moments, drain time…) */
  notes: Record<string, unknown>;
  busyPct: number;
}

/** A director's IPVS table after a change: service → sorted `ADDR:PORT WEIGHT`. */
export interface TableChange {
  t: number;
  dir: DirName;
  services: Record<string, string[]>;
}

/** The VIPs a director held (had a local route for) from t on. */
export interface VipChange {
  t: number;
  dir: DirName;
  vips: string[];
}

export interface E2eResult {
  steps: StepRecord[];
  requests: Record<Stream, RequestRecord[]>;
  /** when the request streams started and stopped */
  traffic: { startMs: number | null; stopMs: number | null };
  echo: Record<Stream, EchoRecord>;
  tables: TableChange[];
  vips: VipChange[];
  daemons: DaemonRecord[];
  busyPct: number;
  /** `ps` near the end, for who loaded the instance */
  ps: string;
  /** the scenario could not go on (a wait timed out, a command failed): the rest was not run */
  errors: string[];
}

function hexIp(h: string): string {
  return [0, 2, 4, 6].map((i) => Number.parseInt(h.slice(i, i + 2), 16)).join('.');
}

export interface ProcDest {
  dest: string;
  weight: number;
  active: number;
  inactive: number;
}

/** /proc/net/ip_vs → `TCP 10.1.0.100:80` → its destinations (sorted by address). */
export function parseIpvs(text: string): Map<string, ProcDest[]> {
  const out = new Map<string, ProcDest[]>();
  let current: ProcDest[] | undefined;
  for (const line of text.split('\n')) {
    const s = /^(TCP|UDP|SCTP)\s+([0-9A-F]{8}):([0-9A-F]{4})\s/.exec(line);
    if (s) {
      current = [];
      out.set(`${s[1]} ${hexIp(s[2]!)}:${Number.parseInt(s[3]!, 16)}`, current);
      continue;
    }
    const d = /^\s+->\s+([0-9A-F]{8}):([0-9A-F]{4})\s+\S+\s+(\d+)\s+(\d+)\s+(\d+)/.exec(line);
    if (d && current) {
      current.push({ dest: `${hexIp(d[1]!)}:${Number.parseInt(d[2]!, 16)}`, weight: Number(d[3]), active: Number(d[4]), inactive: Number(d[5]) });
    }
  }
  for (const v of out.values()) v.sort((a, b) => a.dest.localeCompare(b.dest));
  return out;
}

/** The table as compared with a configuration: service → sorted `ADDR:PORT WEIGHT`. */
export function tableView(t: Map<string, ProcDest[]>): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [k, v] of [...t.entries()].sort(([a], [b]) => a.localeCompare(b))) out[k] = v.map((d) => `${d.dest} ${d.weight}`).sort();
  return out;
}

/**
 * /proc/net/fib_trie → the IPv4 addresses this namespace has a `/32 host LOCAL` route for: its addresses on
 * links that are up (a link going down takes its local routes with it, as a dead machine's would go).
 */
export function localAddresses(fibTrie: string): Set<string> {
  const out = new Set<string>();
  let last: string | undefined;
  for (const line of fibTrie.split('\n')) {
    const leaf = /^[\s|]*[|+]-- (\d+\.\d+\.\d+\.\d+)/.exec(line);
    if (leaf) {
      last = leaf[1];
      continue;
    }
    if (last && /^\s+\/32 host LOCAL/.test(line)) out.add(last);
  }
  return out;
}

export interface ProcConn {
  from: string;
  to: string;
  dest: string;
  state: string;
}

/** /proc/net/ip_vs_conn → its entries (`ADDR:PORT` each). */
export function parseIpvsConn(text: string): ProcConn[] {
  const out: ProcConn[] = [];
  for (const line of text.split('\n')) {
    const m = /^(TCP|UDP)\s+([0-9A-F]{8})\s+([0-9A-F]{4})\s+([0-9A-F]{8})\s+([0-9A-F]{4})\s+([0-9A-F]{8})\s+([0-9A-F]{4})\s+(\S+)/.exec(line);
    if (!m) continue;
    const ap = (ip: string, port: string) => `${hexIp(ip)}:${Number.parseInt(port, 16)}`;
    out.push({ from: ap(m[2]!, m[3]!), to: ap(m[4]!, m[5]!), dest: ap(m[6]!, m[7]!), state: m[8]! });
  }
  return out;
}
