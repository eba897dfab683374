// What a daemon costs, read from /proc: CPU time and memory of a process and all its descendants, the
// whole machine's busy share, fork counts and a namespace's TCP counters. Used inside the UML lab by
// bench/check-load-inside.ts (one CPU, so "CPU seconds per wall second" is also the share of the lab).
import { readdirSync, readFileSync } from 'node:fs';

/** USER_HZ: /proc reports times in 1/100 s on Linux whatever the kernel's HZ. */
export const TICKS_PER_S = 100;

export interface ProcStat {
  pid: number;
  ppid: number;
  comm: string;
  /** utime + stime, ticks */
  selfTicks: number;
  /** cutime + cstime: children this process has reaped (scripts), ticks */
  childTicks: number;
  /** start time since boot, ticks: tells a reused pid from the same process */
  start: number;
}

export function readStat(pid: number): ProcStat | undefined {
  let s: string;
  try {
    s = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  const close = s.lastIndexOf(')');
  const f = s.slice(close + 2).split(' ');
  return {
    pid,
    ppid: Number(f[1]),
    comm: s.slice(s.indexOf('(') + 1, close),
    selfTicks: Number(f[11]) + Number(f[12]),
    childTicks: Number(f[13]) + Number(f[14]),
    start: Number(f[19]),
  };
}

export function allStats(): ProcStat[] {
  const out: ProcStat[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    const st = readStat(Number(d));
    if (st) out.push(st);
  }
  return out;
}

/** `root` and every process below it, at this instant. */
export function tree(root: number, stats = allStats()): ProcStat[] {
  const byParent = new Map<number, ProcStat[]>();
  for (const s of stats) {
    const kids = byParent.get(s.ppid);
    if (kids) kids.push(s);
    else byParent.set(s.ppid, [s]);
  }
  const top = stats.find((s) => s.pid === root);
  if (!top) return [];
  const out: ProcStat[] = [];
  const walk = (s: ProcStat) => {
    out.push(s);
    for (const k of byParent.get(s.pid) ?? []) walk(k);
  };
  walk(top);
  return out;
}

/**
 * CPU ticks of a process tree: every member's own time plus what each has reaped. Summed over the live
 * tree at two instants, the difference counts a short-lived child exactly once whether it was alive at
 * the first instant (its own ticks), reaped in between (its parent's cutime) or still running at the
 * second, because a child's ticks move into its parent's cutime when it is reaped.
 */
export function treeTicks(members: readonly ProcStat[]): number {
  return members.reduce((a, s) => a + s.selfTicks + s.childTicks, 0);
}

export interface MemSample {
  rssKb: number;
  hwmKb: number;
}

export function readMem(pid: number): MemSample | undefined {
  try {
    const s = readFileSync(`/proc/${pid}/status`, 'utf8');
    const rss = /VmRSS:\s+(\d+)/.exec(s);
    const hwm = /VmHWM:\s+(\d+)/.exec(s);
    if (!rss || !hwm) return undefined; // a zombie has no memory lines
    return { rssKb: Number(rss[1]), hwmKb: Number(hwm[1]) };
  } catch {
    return undefined;
  }
}

/** The whole machine: busy and total jiffies from the first line of /proc/stat, and forks since boot. */
export interface MachineSample {
  busy: number;
  total: number;
  forks: number;
}

export function machine(): MachineSample {
  const text = readFileSync('/proc/stat', 'utf8');
  const f = text.split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const total = f.reduce((a, b) => a + b, 0);
  const idle = (f[3] ?? 0) + (f[4] ?? 0);
  const forks = Number(/^processes (\d+)/m.exec(text)?.[1] ?? NaN);
  return { busy: total - idle, total, forks };
}

/** `Tcp:` counters of the network namespace `pid` lives in (ActiveOpens, AttemptFails, OutRsts, ...). */
export function tcpCounters(pid: number): Record<string, number> {
  try {
    const lines = readFileSync(`/proc/${pid}/net/snmp`, 'utf8').split('\n').filter((l) => l.startsWith('Tcp:'));
    const names = lines[0]!.split(/\s+/).slice(1);
    const values = lines[1]!.split(/\s+/).slice(1).map(Number);
    return Object.fromEntries(names.map((n, i) => [n, values[i]!]));
  } catch {
    return {};
  }
}

/** Real servers in the IPVS table of the namespace `pid` lives in (lines of /proc/net/ip_vs). */
export function ipvsCounts(pid: number): { services: number; dests: number } | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/net/ip_vs`, 'latin1');
    let services = 0;
    let dests = -1; // the header has one "  -> RemoteAddress:Port" line
    for (const line of text.split('\n')) {
      if (line.startsWith('  -> ')) dests++;
      else if (/^(TCP|UDP|SCTP|FWM) /.test(line)) services++;
    }
    return { services, dests: Math.max(0, dests) };
  } catch {
    return undefined;
  }
}

/**
 * Host side: CPU ticks of the UML instance whose command line carries `marker` (its umid), over its whole
 * process tree (the kernel and one host process per guest address space, whose time moves into the
 * kernel's cutime when they are reaped). undefined once the instance is gone.
 */
export function umlTicks(marker: string): number | undefined {
  const stats = allStats();
  const pids = new Set<number>();
  for (const s of stats) {
    try {
      if (readFileSync(`/proc/${s.pid}/cmdline`, 'latin1').includes(marker)) pids.add(s.pid);
    } catch {
      /* gone */
    }
  }
  const roots = stats.filter((s) => pids.has(s.pid) && !pids.has(s.ppid));
  if (roots.length === 0) return undefined;
  return roots.reduce((n, r) => n + treeTicks(tree(r.pid, stats)), 0);
}
