// What keepalived 2.2.7 mails when an instance or a sync group with smtp_alert changes state
// (vrrp_notify.c: vrrp_smtp_notifier, vrrp_sync_smtp_notifier): a subject and a one-line body per state,
// nothing for the others (the priority notifications, MASTER_RX_LOWER_PRI). Pure.
import type { NotifyState } from './effects.js';

export interface VrrpAlert {
  /** The part after `[router_id] VRRP Instance NAME - `. */
  readonly subject: string;
  readonly body: string;
}

const INSTANCE: Partial<Record<NotifyState, VrrpAlert>> = {
  MASTER: { subject: 'Entering MASTER state', body: '=> VRRP Instance is now owning VRRP VIPs <=' },
  BACKUP: { subject: 'Entering BACKUP state', body: '=> VRRP Instance is no longer owning VRRP VIPs <=' },
  FAULT: { subject: 'Entering FAULT state', body: '=> VRRP Instance is no longer owning VRRP VIPs <=' },
  STOP: { subject: 'Stopping', body: '=> VRRP Instance stopping <=' },
  DELETED: { subject: 'Deleted', body: '=> VRRP Deleted at reload <=' },
};

const GROUP: Partial<Record<NotifyState, VrrpAlert>> = {
  MASTER: { subject: 'Entering MASTER state', body: '=> All VRRP group instances are now in MASTER state <=' },
  BACKUP: { subject: 'Entering BACKUP state', body: '=> All VRRP group instances are now in BACKUP state <=' },
  FAULT: { subject: 'Entering FAULT state', body: '=> All VRRP group instances are now in FAULT state <=' },
  STOP: { subject: 'Stopping', body: '=> All VRRP group instances are now stopping <=' },
};

/**
 * The alert for `state`, or undefined: not a mailed state, a fault with no_email_faults, or the state last
 * mailed for this object (keepalived's last_email_state).
 */
export function vrrpAlert(target: 'instance' | 'group', state: NotifyState, lastMailed: NotifyState | undefined, noEmailFaults: boolean): VrrpAlert | undefined {
  if (state === lastMailed || (noEmailFaults && state === 'FAULT')) return undefined;
  return (target === 'instance' ? INSTANCE : GROUP)[state];
}
