// Pid files as keepalived keeps them: the parent's (-p, /run/keepalived.pid) and one per child (-r, -c),
// written when the process starts and removed when it stops. A pid file naming a live process means a
// daemon already runs with these files: keepalived then logs "daemon is already running" and exits 0.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';

export const DEFAULT_PID_FILES = {
  parent: '/run/keepalived.pid',
  vrrp: '/run/keepalived_vrrp.pid',
  checker: '/run/keepalived_checkers.pid',
} as const;

/** The pid a pid file names, if that process is alive. */
export function runningPid(path: string): number | undefined {
  let pid: number;
  try {
    pid = Number.parseInt(readFileSync(path, 'utf8').trim(), 10);
  } catch {
    return undefined;
  }
  if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) return undefined;
  try {
    process.kill(pid, 0);
    return pid;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM' ? pid : undefined;
  }
}

export function writePidFile(path: string, pid: number = process.pid): void {
  writeFileSync(path, `${pid}\n`, { mode: 0o644 });
}

/** Removes the pid file if it still names `pid` (a successor may have written its own). */
export function removePidFile(path: string, pid: number = process.pid): void {
  try {
    if (Number.parseInt(readFileSync(path, 'utf8').trim(), 10) === pid) rmSync(path, { force: true });
  } catch { /* already gone */ }
}
