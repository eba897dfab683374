// lvs_sync_daemon as keepalived 2.2.7 runs it: which IPVS connection-sync daemon (master, backup, or both)
// should run, and the kernel commands that get there, in keepalived's order. Pure: the I/O is
// src/core/sync-daemon.ts.
//
// keepalived (vrrp_scheduler.c vrrp_init_state, vrrp.c vrrp_state_master_tx / vrrp_state_leave_master,
// vrrp_daemon.c stop_vrrp; check_daemon.c for the instance-less form):
// - with `inst VI`: the VRRP process starts the backup daemon at start-up, whatever state VI comes up in;
//   VI becoming MASTER stops the backup and starts the master; VI leaving MASTER (to BACKUP or FAULT) stops
//   the master and starts the backup; on stop only the daemon of the current role is stopped.
// - without an instance: the checker process runs master and backup together for as long as it runs.
import type { LvsSyncDaemon } from '../config/model/global.js';
import { IP_VS_STATE_BACKUP, IP_VS_STATE_MASTER, type IpvsDaemon, type IpvsDaemonState } from './types.js';

/** Which daemons run: one role following a VRRP instance, or both (no instance named). */
export type SyncRole = 'master' | 'backup' | 'both';

/** One kernel command; `quiet`: failures are not logged (keepalived's ignore_error). */
export type SyncDaemonOp =
  | { op: 'start'; daemon: IpvsDaemon; quiet?: boolean }
  | { op: 'stop'; state: IpvsDaemonState; quiet?: boolean };

/** The role for a VRRP instance state, as keepalived switches it: master only while MASTER. */
export function syncRoleFor(instanceState: string | undefined): 'master' | 'backup' {
  return instanceState === 'MASTER' ? 'master' : 'backup';
}

function states(role: SyncRole): IpvsDaemonState[] {
  if (role === 'both') return [IP_VS_STATE_MASTER, IP_VS_STATE_BACKUP];
  return [role === 'master' ? IP_VS_STATE_MASTER : IP_VS_STATE_BACKUP];
}

/** The NEW_DAEMON request for `state`, from the configuration. */
export function syncDaemonRequest(cfg: LvsSyncDaemon, state: IpvsDaemonState): IpvsDaemon {
  return {
    state,
    mcastIfn: cfg.interface,
    syncId: cfg.syncId,
    ...(cfg.maxlen !== undefined ? { syncMaxlen: cfg.maxlen } : {}),
    mcastGroup: cfg.group.text,
    mcastPort: cfg.port,
    mcastTtl: cfg.ttl,
  };
}

/** Start the daemons of `role`. */
export function startOps(cfg: LvsSyncDaemon, role: SyncRole, quiet = false): SyncDaemonOp[] {
  return states(role).map((state) => ({ op: 'start', daemon: syncDaemonRequest(cfg, state), ...(quiet ? { quiet } : {}) }));
}

/** Stop the daemons of `role`. */
export function stopOps(role: SyncRole, quiet = false): SyncDaemonOp[] {
  return states(role).map((state) => ({ op: 'stop', state, ...(quiet ? { quiet } : {}) }));
}

/**
 * From one role to another, as keepalived switches: the old daemon is stopped before the new one starts
 * (the kernel runs at most one master and one backup). Nothing when the role stays.
 */
export function switchOps(cfg: LvsSyncDaemon, from: SyncRole | undefined, to: SyncRole | undefined): SyncDaemonOp[] {
  if (from === to) return [];
  return [...(from ? stopOps(from) : []), ...(to ? startOps(cfg, to) : [])];
}

/** Whether two configurations start different daemons (keepalived's ipvs_syncd_changed, plus the instance). */
export function syncConfigChanged(a: LvsSyncDaemon | undefined, b: LvsSyncDaemon | undefined): boolean {
  if (!a || !b) return a !== b;
  return (
    a.interface !== b.interface || a.instance !== b.instance || a.syncId !== b.syncId || a.maxlen !== b.maxlen ||
    a.port !== b.port || a.ttl !== b.ttl || a.group.text !== b.group.text
  );
}

// --- keepalived's error line: `IPVS cmd IP_VS_SO_SET_STARTDAEMON(1163) error: Daemon has already run(17)`

/** IP_VS_SO_SET_STARTDAEMON / STOPDAEMON (linux/ip_vs.h: IP_VS_BASE_CTL 1152 + 11 / + 12). */
export const IP_VS_SO_SET_STARTDAEMON = 1163;
export const IP_VS_SO_SET_STOPDAEMON = 1164;

/**
 * The errno keepalived ends up printing for a kernel errno: libnl folds it into its own codes
 * (nl_syserr2nlerr) and keepalived's libipvs unfolds them (nlerr2syserr), so ESRCH comes back as ENOENT
 * and whatever libnl does not know as NLE_FAILURE, i.e. 1. Measured: stopping a daemon that is not
 * running logs `No such file or directory(2)`.
 */
export function keepalivedErrno(errno: number): number {
  const folded: Record<number, number> = {
    9: 9, 98: 17, 17: 17, 99: 99, 3: 2, 2: 2, 4: 4, 11: 11, 88: 9, 92: 22, 14: 22, 13: 13, 22: 22,
    105: 12, 12: 12, 97: 97, 93: 93, 95: 95, 1: 1, 16: 16, 34: 34, 19: 19,
  };
  return folded[errno] ?? 1;
}

/** libipvs's ipvs_strerror for the daemon commands, then glibc's strerror for what it leaves to it. */
function daemonStrerror(op: 'start' | 'stop', errno: number): string {
  if (op === 'start' && errno === 17) return 'Daemon has already run';
  if (op === 'stop' && errno === 3) return 'No daemon is running';
  const libipvs: Record<number, string> = {
    3: 'No such service',
    1: 'Permission denied (you must be root)',
    22: 'Invalid operation.  Possibly wrong module version, address not unicast, ...',
    92: 'Protocol not available',
    12: 'Memory allocation problem',
    95: 'Operation not supported with IPv6',
    97: 'Operation not supported with specified address family',
    90: 'Module is wrong version',
  };
  const glibc: Record<number, string> = {
    2: 'No such file or directory',
    4: 'Interrupted system call',
    9: 'Bad file descriptor',
    11: 'Resource temporarily unavailable',
    13: 'Permission denied',
    16: 'Device or resource busy',
    17: 'File exists',
    19: 'No such device',
    34: 'Numerical result out of range',
    93: 'Protocol not supported',
    99: 'Cannot assign requested address',
  };
  return libipvs[errno] ?? glibc[errno] ?? `Unknown error ${errno}`;
}

/**
 * keepalived's log line for a refused daemon command, from the kernel's errno. `errno` undefined: the
 * failure was not a kernel refusal (a time-out, a broken socket), and `detail` says what it was.
 */
export function syncDaemonCmdError(op: 'start' | 'stop', errno: number | undefined, detail: string): string {
  const cmd = op === 'start' ? `IP_VS_SO_SET_STARTDAEMON(${IP_VS_SO_SET_STARTDAEMON})` : `IP_VS_SO_SET_STOPDAEMON(${IP_VS_SO_SET_STOPDAEMON})`;
  if (errno === undefined) return `IPVS cmd ${cmd} error: ${detail}`;
  const shown = keepalivedErrno(errno);
  return `IPVS cmd ${cmd} error: ${daemonStrerror(op, shown)}(${shown})`;
}
