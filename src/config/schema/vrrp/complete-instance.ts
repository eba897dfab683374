// keepalived's vrrp_complete_instance(): defaults that depend on other settings, strict-mode effects,
// and the config-time checks and fix-ups keepalived 2.2.7 makes, in its order and with its words.
import { isLinkLocal6 } from '../../../lib/ip.js';
import type { KeepalivedConfig, VrrpInstance } from '../../model/index.js';
import type { BuildContext } from '../types.js';
import { instancePassword } from './instance.js';
import { instanceRaw } from './parse-state.js';

const DEFAULT_MTU = 1500;

/** chk_min_cfg(): run over every instance before any is completed. */
export function checkMinimalInstance(inst: VrrpInstance, ctx: BuildContext): void {
  if (!inst.virtualRouterId) ctx.sink.error(inst.pos, `(${inst.name}) the virtual router id must be set`, 'add virtual_router_id 1..255');
  else if (!inst.interface) {
    const hint = inst.unicastPeer.length
      ? 'keepalived 2.2.7 requires interface even for unicast instances'
      : 'add interface IF';
    ctx.sink.error(inst.pos, `(${inst.name}) Unknown interface!`, hint);
  }
}

function formatF(us: number): string {
  return (us / 1e6).toFixed(6);
}

export function completeInstance(config: KeepalivedConfig, inst: VrrpInstance, ctx: BuildContext): void {
  const g = config.global;
  const raw = instanceRaw(config, inst);
  /** Report at the first of `keys` written in the block, else at the instance. */
  const where = (...keys: string[]) => keys.map((k) => raw.at[k]).find((p) => p !== undefined) ?? inst.pos;
  const err = (msg: string, hint?: string, ...keys: string[]) => ctx.sink.error(where(...keys), `(${inst.name}) ${msg}`, hint);
  const name = inst.name;

  inst.strictMode = raw.strictMode ?? g.vrrpStrict;
  const strict = inst.strictMode;

  // version from family and the global default
  let version = raw.version;
  if (inst.family === 6) {
    if (version === 2 && strict) {
      err('cannot use IPv6 with VRRP version 2; setting version 3', undefined, 'version');
      version = 3;
    } else if (version === undefined) version = 3;
    else if (version === 2) ctx.sink.notice(inst.pos, `(${name}) keepalived 2.2.7 keeps VRRP version 2 for this IPv6 instance (it only forces version 3 in strict mode)`);
  }
  inst.version = version ?? g.vrrpVersion;

  // keepalived sets its 255 default for IPv4 only (vrrp_complete_instance); an IPv6 socket keeps the
  // kernel's hop limit unless unicast_ttl is given
  inst.unicastTtl = raw.unicastTtl ?? (inst.family === 4 ? 255 : undefined);

  if (!inst.virtualIpaddress.length) {
    if (inst.version === 3 || strict) err('No VIP specified; at least one is required', 'add a virtual_ipaddress block', 'virtual_ipaddress');
    else err('No VIP specified; at least one is sensible', 'add a virtual_ipaddress block', 'virtual_ipaddress');
  }

  // priority from the initial state, then the state from the priority
  inst.priority = raw.priority ?? (inst.state === 'MASTER' && raw.stateWritten ? 255 : 100);
  if (!raw.stateWritten) inst.state = inst.priority === 255 ? 'MASTER' : 'BACKUP';
  else if (strict && (inst.state === 'MASTER') !== (inst.priority === 255)) {
    err('State MASTER must match being address owner', 'strict mode: state MASTER needs priority 255 (and priority 255 needs state MASTER)', 'state', 'priority');
    inst.state = inst.priority === 255 ? 'MASTER' : 'BACKUP';
  }

  // authentication
  const auth = inst.authentication;
  if (auth) {
    const pw = instancePassword(inst);
    if (strict) {
      err('Strict mode does not support authentication. Ignoring.', 'remove the authentication block or vrrp_strict', 'authentication');
      inst.authentication = undefined;
    } else if (inst.version === 3) {
      err('VRRP version 3 does not support authentication. Ignoring.', undefined, 'authentication');
      inst.authentication = undefined;
    } else if (!pw) {
      err('Authentication specified but no password given. Ignoring', 'add auth_pass', 'authentication');
      inst.authentication = undefined;
    } else if (inst.family === 6 && auth.type === 'AH') {
      err('Cannot use AH authentication with IPv6. ignoring', undefined, 'authentication');
      inst.authentication = undefined;
    } else if (auth.type === 'AH' && inst.state === 'MASTER' && inst.priority !== 255) {
      err('Initial state master is incompatible with AH authentication - clearing', 'the instance starts as BACKUP', 'state', 'authentication');
      inst.state = 'BACKUP';
    }
    if (inst.authentication && pw) inst.authentication.password = pw;
  }

  // unicast
  if (raw.unicastConfigured) {
    if (inst.unicastPeer.length) inst.unicast = true;
    else if (inst.unicastFaultNoPeer) ctx.sink.notice(inst.pos, `(${name}) Cannot use unicast without any peers - going to fault state`);
    else ctx.sink.warning(where('unicast_src_ip', 'check_unicast_src', 'unicast_peer', 'old_unicast_checksum'), `(${name}) A unicast keyword has been specified without any unicast peers. Defaulting to multicast. This usage is deprecated - please update your configuration.`, 'add unicast_peer { ... } or remove the unicast keywords');
  }

  if (strict && inst.useVmac?.mac) {
    ctx.sink.error(where('use_vmac'), `(${name}): cannot specify MAC address with strict mode - clearing`);
    inst.useVmac.mac = undefined;
  }

  // IPv6: the first VIP should be link-local (it is the advert source on the wire)
  if (inst.family === 6 && !inst.unicast && inst.virtualIpaddress.length && !isLinkLocal6(inst.virtualIpaddress[0].address)) {
    if (strict) err('the first IPv6 VIP address must be link local', 'put an fe80:: address first', 'virtual_ipaddress');
    else ctx.sink.notice(inst.virtualIpaddress[0].pos, `(${name}) the first IPv6 VIP address should be link local`);
  }

  if (inst.vrf && (inst.interface || !inst.unicast)) {
    ctx.sink.error(inst.pos, `(${name}) vrf can only be specified with${inst.interface ? 'out interface' : ' unicast'} - clearing`);
    inst.vrf = undefined;
  }

  // VIPs that fit in an advert (the address count is 8 bits; the packet must fit the MTU)
  const hdr = inst.family === 4 ? 14 + 20 + 8 + (inst.version === 2 ? 8 + (inst.authentication?.type === 'AH' ? 24 : 0) : 0) : 14 + 40 + 8;
  const maxAddr = Math.min(255, Math.floor((DEFAULT_MTU - hdr) / (inst.family === 4 ? 4 : 16)));
  if (inst.virtualIpaddress.length > maxAddr) {
    err(`Number of VIPs (${inst.virtualIpaddress.length}) exceeds maximum/space available in packet (max ${maxAddr} addresses) - excess moved to eVIPs`, undefined, 'virtual_ipaddress');
    inst.virtualIpaddressExcluded.push(...inst.virtualIpaddress.splice(maxAddr));
  }

  if (inst.priority === 255 && inst.nopreempt) {
    err('nopreempt is incompatible with priority 255. resetting nopreempt', undefined, 'nopreempt');
    inst.nopreempt = false;
  }
  if (inst.state === 'MASTER') {
    if (inst.nopreempt) {
      err('Warning - nopreempt will not work with initial state MASTER - clearing', 'use state BACKUP on every node with nopreempt', 'nopreempt');
      inst.nopreempt = false;
    }
    if (inst.preemptDelay) {
      err('Warning - preempt delay will not work with initial state MASTER - clearing', 'use state BACKUP with preempt_delay', 'preempt_delay');
      inst.preemptDelay = 0;
    }
  }
  if (inst.preemptDelay) {
    if (strict) {
      err('preempt_delay is incompatible with strict mode - resetting', undefined, 'preempt_delay');
      inst.preemptDelay = 0;
    }
    if (inst.nopreempt) {
      err('preempt_delay is incompatible with nopreempt mode - resetting', undefined, 'preempt_delay');
      inst.preemptDelay = 0;
    }
  }
  if (inst.downTimerAdverts !== 3 && strict) {
    err('down_timer_adverts is incompatible with strict mode - resetting', undefined, 'down_timer_adverts');
    inst.downTimerAdverts = 3;
  }

  // accept mode: default on, except under strict mode for non-owners
  inst.accept = raw.accept ?? (inst.priority === 255 ? true : !strict);
  if (inst.accept && inst.priority !== 255 && strict && inst.version === 2) {
    err('warning - accept mode for VRRP version 2 does not comply with RFC3768 - resetting', 'strict mode with VRRPv2 always drops traffic to the VIPs on a non-owner master', 'accept');
    inst.accept = false;
  }
  if ((!inst.accept && inst.priority !== 255) || inst.useVmac) {
    if (!g.nftables) {
      ctx.sink.notice(inst.pos, 'use_vmac or no_accept/strict specified, but no firewall configured - using nftables');
      g.nftables = { table: 'keepalived', priority: -1 };
    }
    if (!inst.accept && inst.priority !== 255) {
      ctx.sink.notice(inst.pos, `(${name}) as a non-owner master, traffic to the VIPs will be dropped (nftables); add 'accept' if the VIPs must be reachable`);
    }
  }

  // multicast destination
  if (!inst.unicast && !raw.mcastDstIp) inst.mcastDstIp = inst.family === 4 ? g.vrrpMcastGroup4 : g.vrrpMcastGroup6;
  else if (inst.unicast && raw.mcastDstIp) {
    err('multicast destination specified with unicast - ignoring', undefined, 'mcast_dst_ip');
    inst.mcastDstIp = undefined;
  } else if (inst.unicast) inst.mcastDstIp = undefined;

  // lower-priority GARPs and adverts: strict mode forces them
  if (raw.garpLowerPrioRepeat === undefined) inst.garpLowerPrioRepeat = strict ? 0 : g.vrrpGarpLowerPrioRepeat;
  else if (strict && raw.garpLowerPrioRepeat) {
    err('Strict mode requires no repeat garps. resetting', undefined, 'garp_lower_prio_repeat');
    inst.garpLowerPrioRepeat = 0;
  } else inst.garpLowerPrioRepeat = raw.garpLowerPrioRepeat;
  if (raw.garpLowerPrioDelay === undefined) inst.garpLowerPrioDelay = strict ? 0 : g.vrrpGarpLowerPrioDelay;
  else if (strict && raw.garpLowerPrioDelay) {
    err('Strict mode requires no repeat garp delay. resetting', undefined, 'garp_lower_prio_delay');
    inst.garpLowerPrioDelay = 0;
  } else inst.garpLowerPrioDelay = raw.garpLowerPrioDelay;
  if (raw.lowerPrioNoAdvert === undefined) inst.lowerPrioNoAdvert = strict ? true : g.vrrpLowerPrioNoAdvert;
  else if (strict && !raw.lowerPrioNoAdvert) {
    err('Strict mode requires no lower priority advert. resetting', undefined, 'lower_prio_no_advert');
    inst.lowerPrioNoAdvert = true;
  } else inst.lowerPrioNoAdvert = raw.lowerPrioNoAdvert;
  if (raw.higherPrioSendAdvert === undefined) inst.higherPrioSendAdvert = strict ? false : g.vrrpHigherPrioSendAdvert;
  else if (strict && raw.higherPrioSendAdvert) {
    err('strict mode requires higher_prio_send_advert to be clear. resetting', undefined, 'higher_prio_send_advert');
    inst.higherPrioSendAdvert = false;
  } else inst.higherPrioSendAdvert = raw.higherPrioSendAdvert;

  inst.smtpAlert = raw.smtpAlert ?? g.smtpAlertVrrp ?? g.smtpAlert ?? false;
  const sg = inst.syncGroup ? config.vrrp.syncGroups.find((x) => x.name === inst.syncGroup) : undefined;
  inst.notifyPriorityChanges = raw.notifyPriorityChanges ?? sg?.notifyPriorityChanges ?? g.vrrpNotifyPriorityChanges;

  // advert interval: whole seconds for v2, centiseconds for v3
  let us = raw.advertIntUs ?? 1_000_000;
  if (inst.version === 2) {
    if (us % 1_000_000) {
      err(`VRRPv2 advertisement interval ${formatF(us)}s must be an integer. rounding`, 'VRRPv2 carries whole seconds', 'advert_int');
      us = Math.floor((us + 500_000) / 1_000_000) * 1_000_000 || 1_000_000;
    }
  } else if (us >= 4096 * 10_000) {
    err(`VRRPv3 advertisement interval ${(us / 1e6).toFixed(2)}s is out of range. Must be less than 40.96s. Setting to 40.95s`, undefined, 'advert_int');
    us = 4095 * 10_000;
  } else if (us % 10_000) {
    err(`VRRPv3 advertisement interval ${formatF(us)}s must be in units of 10ms - rounding`, undefined, 'advert_int');
    us = Math.floor((us + 5_000) / 10_000) * 10_000 || 10_000;
  }
  inst.advertInt = us / 1e6;

  if (!inst.srcIp) inst.trackSrcIp = false;

  // VMAC
  if (inst.useVmac) {
    if (!inst.useVmac.nameExplicit) inst.useVmac.name = `${g.vmacPrefix}.${inst.virtualRouterId}`;
    if (strict && inst.vmacXmitBase) {
      err('xmit_base is incompatible with strict mode - resetting', undefined, 'vmac_xmit_base');
      inst.vmacXmitBase = false;
    }
    if (inst.promoteSecondaries) {
      err('promote_secondaries is automatically set for vmacs - ignoring', undefined, 'promote_secondaries');
      inst.promoteSecondaries = false;
    }
  } else if (inst.vmacXmitBase) {
    err('vmac_xmit_base is only valid with a vmac', undefined, 'vmac_xmit_base');
    inst.vmacXmitBase = false;
  }

  // tracking our own interface is implicit
  if (inst.interface) {
    inst.trackInterface = inst.trackInterface.filter((t) => {
      if (t.name !== inst.interface) return true;
      ctx.sink.error(t.pos, `(${name}) Ignoring track_interface ${t.name} since own interface`, 'the instance interface is always tracked (see dont_track_primary)');
      return false;
    });
  }

  // VIP devices default to the instance interface (its VMAC for addresses of the instance family)
  for (const list of [inst.virtualIpaddress, inst.virtualIpaddressExcluded]) {
    for (let i = 0; i < list.length; i++) {
      const vip = list[i];
      if (vip.devExplicit && vip.dev !== inst.interface) continue;
      const dev = inst.useVmac && vip.address.family === inst.family ? inst.useVmac.name : inst.interface;
      if (!dev) {
        ctx.sink.error(vip.pos, `(${name}): no interface for ${list === inst.virtualIpaddress ? '' : 'e'}vip ${vip.address.text} - removing`);
        list.splice(i--, 1);
        continue;
      }
      vip.dev = dev;
    }
  }

  // sync group members and address owners cannot use weighted tracking
  const syncNoWeight = sg !== undefined && !sg.syncGroupTrackingWeight;
  if (syncNoWeight || inst.priority === 255) {
    const why = syncNoWeight ? 'SYNC group' : 'address owner';
    const why2 = syncNoWeight ? 'SYNC group' : 'address_owner';
    inst.trackInterface = inst.trackInterface.filter((t) => {
      if (!t.weight) return true;
      ctx.sink.error(t.pos, `(${name}) ignoring ${t.name} tracked interface ${syncNoWeight ? 'weight ' : ''}due to ${why}`);
      if (syncNoWeight) {
        t.weight = 0;
        return true;
      }
      return false;
    });
    inst.trackScript = inst.trackScript.filter((t) => {
      if (!t.weight) return true;
      ctx.sink.error(t.pos, `(${name}) ignoring tracked script ${t.name} with weights due to ${why2}`, syncNoWeight ? 'use sync_group_tracking_weight in the sync group, or track the script on the group' : undefined);
      return false;
    });
    inst.trackFile = inst.trackFile.filter((t) => {
      if (t.weight === 1) {
        ctx.sink.error(t.pos, `(${name}) ignoring weight from tracked file ${t.name} due to ${why2}. specify weight 0`);
        t.weight = 0;
        return true;
      }
      if (!t.weight) return true;
      ctx.sink.error(t.pos, `(${name}) ignoring tracked file ${t.name} with weight ${t.weight} due to ${why2}`);
      return false;
    });
    inst.trackBfd = inst.trackBfd.filter((t) => {
      if (!t.weight) return true;
      ctx.sink.error(t.pos, `(${name}) ignoring tracked bfd ${t.name} with weight ${t.weight} due to ${why2}`);
      return false;
    });
  }
}
