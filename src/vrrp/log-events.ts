// Every line the VRRP state machine logs, in keepalived 2.2.7's exact wording (users grep and alert on
// these; KEEPALIVED.md §4.2), each with structured fields for journald/pino. `detail` lines are the ones
// keepalived prints only with -D. The one line of our own (dual master) says so in its fields.
import type { LogFields } from '../lib/log.js';

export interface LogLine {
  level: 'info' | 'warn' | 'error';
  /** keepalived prints it only with -D / --log-detail. */
  detail: boolean;
  message: string;
  fields: LogFields;
}

const info = (message: string, fields: LogFields, detail = false): LogLine => ({ level: 'info', detail, message, fields });

export type EnteredState = 'MASTER' | 'BACKUP' | 'FAULT';

export const vrrpLog = {
  entering: (instance: string, state: EnteredState, init = false) =>
    info(`(${instance}) Entering ${state} STATE${init ? ' (init)' : ''}`, { event: 'vrrp.state', instance, state, init }),

  receiveTimeout: (instance: string) =>
    info(`(${instance}) Receive advertisement timeout`, { event: 'vrrp.master_down', instance }, true),

  /** `what`: VIPs, E-VIPs, Virtual Routes, Virtual Rules, firewall drop rule. */
  handling: (instance: string, op: 'add' | 'remove', what: 'VIPs' | 'E-VIPs' | 'Virtual Routes' | 'Virtual Rules' | 'firewall drop rule') => {
    const verb = op === 'add' ? 'setting' : 'removing';
    const dot = what === 'VIPs' || what === 'E-VIPs' ? '.' : '';
    return info(`(${instance}) ${verb} ${what}${dot}`, { event: 'vrrp.addresses', instance, op, what }, true);
  },

  garpQueued: (instance: string, family: 4 | 6, dev: string, address: string) =>
    info(
      `(${instance}) Sending/queueing ${family === 4 ? 'gratuitous ARPs' : 'Unsolicited Neighbour Adverts'} on ${dev} for ${address}`,
      { event: 'vrrp.garp', instance, dev, address },
      true,
    ),

  masterHigherPriority: (instance: string, from: string, priority: number, ours: number) =>
    info(`(${instance}) Master received advert from ${from} with higher priority ${priority}, ours ${ours}`,
      { event: 'vrrp.yield', instance, from, priority, ours }),

  masterSamePriorityHigherIp: (instance: string, from: string, priority: number) =>
    info(`(${instance}) Master received advert from ${from} with same priority ${priority} but higher IP address than ours`,
      { event: 'vrrp.yield', instance, from, priority, ours: priority }),

  masterLowerPriority: (instance: string, from: string, priority: number, ours: number, forcing: boolean) =>
    info(`(${instance}) Received advert from ${from} with lower priority ${priority}, ours ${ours}${forcing ? ', forcing new election' : ''}`,
      { event: 'vrrp.lower_priority', instance, from, priority, ours }),

  backupDiscardLower: (instance: string, priority: number, from: string) =>
    info(`(${instance}) received lower priority (${priority}) advert from ${from} - discarding`,
      { event: 'vrrp.preempt', instance, from, priority }),

  backupPriorityZero: (instance: string) =>
    info(`(${instance}) Backup received priority 0 advertisement`, { event: 'vrrp.priority_zero', instance }, true),

  masterPriorityZero: (instance: string) =>
    info(`(${instance}) Master received priority 0 message`, { event: 'vrrp.priority_zero', instance }, true),

  sentPriorityZero: (instance: string) =>
    info(`(${instance}) sent 0 priority`, { event: 'vrrp.priority_zero_sent', instance }, true),

  equalPriorityOwnAddress: (instance: string) =>
    info(`(${instance}) WARNING - equal priority advert received from remote host with our IP address.`,
      { event: 'vrrp.own_address', instance }),

  twoOwners: (instance: string) =>
    info(`(${instance}) CONFIGURATION ERROR: local instance and a remote instance are both configured as address owner, please fix - reducing local priority`,
      { event: 'vrrp.two_owners', instance }),

  effectivePriority: (instance: string, from: number, to: number) =>
    info(`(${instance}) Changing effective priority from ${from} to ${to}`, { event: 'vrrp.priority', instance, from, to }),

  advertIntervalFromMaster: (instance: string, fromMs: number, toMs: number) =>
    info(`(${instance}) advertisement interval updated from ${fromMs}ms to ${toMs}ms by master`,
      { event: 'vrrp.advert_interval', instance, fromMs, toMs }, true),

  advertIntervalLocal: (instance: string, fromMs: number, toMs: number) =>
    info(`(${instance}) changing advert interval from ${fromMs}ms to locally configured ${toMs}ms`,
      { event: 'vrrp.advert_interval', instance, fromMs, toMs }, true),

  startPreemptDelay: (instance: string, delayMs: number) => {
    const us = Math.round(delayMs * 1000);
    const text = `${Math.floor(us / 1e6)}.${String(us % 1e6).padStart(6, '0')}`;
    return info(`(${instance}) start preempt delay (${text})`, { event: 'vrrp.preempt_delay', instance, delayMs }, true);
  },

  stopPreemptDelay: (instance: string) =>
    info(`(${instance}) stop preempt delay`, { event: 'vrrp.preempt_delay', instance }, true),

  syncGroup: (group: string, state: 'MASTER' | 'BACKUP' | 'FAULT') =>
    info(`VRRP_Group(${group}) Syncing instances to ${state} state`, { event: 'vrrp.sync_group', group, state }),

  syncGroupInitFault: (group: string, instance: string) =>
    info(`VRRP_Group(${group}): Syncing ${instance} to FAULT state`, { event: 'vrrp.sync_group', group, instance, state: 'FAULT' }),

  netlinkLink: (ifname: string, up: boolean) =>
    info(`Netlink reports ${ifname} ${up ? 'up' : 'down'}`, { event: 'vrrp.link', interface: ifname, up }),

  // --- why an instance starts in FAULT (keepalived's own lower-case phrases)
  faultInitInterface: (instance: string, ifname: string) =>
    info(`(${instance}): entering FAULT state (interface ${ifname} down)`, { event: 'vrrp.fault', instance, interface: ifname }),
  faultInitScript: (instance: string, script: string) =>
    info(`(${instance}): entering FAULT state due to script ${script}`, { event: 'vrrp.fault', instance, script }),
  faultInitFile: (instance: string, file: string, status: number) =>
    info(`(${instance}): entering FAULT state (tracked file ${file} has status ${status})`, { event: 'vrrp.fault', instance, file, status }),
  faultInitProcess: (instance: string, process: string) =>
    info(`(${instance}) entering FAULT state (tracked process ${process} quorum not achieved)`, { event: 'vrrp.fault', instance, process }),
  faultInitAddress: (instance: string, family: 4 | 6) =>
    info(`(${instance}) entering FAULT state (no IPv${family} address for interface)`, { event: 'vrrp.fault', instance }),

  // --- tracked objects
  scriptSucceeded: (script: string) =>
    info(`VRRP_Script(${script}) succeeded`, { event: 'vrrp.script', script, ok: true }),
  /** `reason`: "exited with status 1", "due to signal 9", or none (timed out). */
  scriptFailed: (script: string, how: 'failed' | 'timed_out', reason?: string) =>
    info(`VRRP_Script(${script}) ${how}${reason ? ` (${reason})` : ''}`, { event: 'vrrp.script', script, ok: false, how }),
  scriptNowReturning: (script: string, status: number) =>
    info(`Script \`${script}\` now returning ${status}`, { event: 'vrrp.script_status', script, status }),
  trackFileFault: (instance: string, file: string, entering: boolean) =>
    info(`(${instance}): tracked file ${file} ${entering ? 'now' : 'leaving'} FAULT state`, { event: 'vrrp.track_file', instance, file, fault: entering }, true),
  processQuorum: (process: string, gained: boolean) =>
    info(`Quorum ${gained ? 'gained' : 'lost'} for tracked process ${process}`, { event: 'vrrp.track_process', process, quorum: gained }),
  bfd: (instance: string, bfd: string, up: boolean) =>
    info(`VRRP_Instance(${instance}) Tracked BFD instance ${bfd} is ${up ? 'UP' : 'DOWN'}`, { event: 'vrrp.track_bfd', instance, bfd, up }),

  /** Ours, not keepalived's (USER-PAINS item 3): a second master was heard and this node won. */
  dualMaster: (instance: string, from: string, priority: number, ours: number) =>
    ({
      level: 'warn',
      detail: false,
      message: `(${instance}) dual master: ${from} is also MASTER (priority ${priority}, ours ${ours}) - staying MASTER, re-announcing`,
      fields: { event: 'vrrp.dual_master', instance, from, priority, ours, keepalivedCompatible: false },
    }) satisfies LogLine,
};
