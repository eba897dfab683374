// `vrrp_instance NAME { ... }`: every keyword keepalived 2.2.7 accepts there, with its checks and
// messages. Values that depend on other settings (priority from state, version from family,
// strict-mode effects, ...) are resolved afterwards by complete-instance.ts.
import { parseIp, type IpAddress } from '../../../lib/ip.js';
import type { KeepalivedConfig, VrrpInstance } from '../../model/index.js';
import type { Stmt } from '../../syntax.js';
import { applyBlock, blockKeyword, type BuildContext, type KeywordTable, type SchemaRegistry } from '../types.js';
import { parseAddressLine } from './address.js';
import { instanceRaw, type InstanceRaw } from './parse-state.js';
import { parseRouteLine } from './route.js';
import { parseRuleLine } from './rule.js';
import {
  eachEntry, trackBfdEntry, trackFileEntry, trackInterfaceEntry, trackProcessEntry, trackScriptEntry, type TrackOwner,
} from './tracking.js';
import {
  argPos, checkInterface, kaBool, kaUnsigned, notifyScript, parseDecimalUs, parseUnsigned, trueFalse,
} from './util.js';

export interface InstanceCtx {
  config: KeepalivedConfig;
  inst: VrrpInstance;
  raw: InstanceRaw;
  /** Address family deduced so far (first VIP, peer, source or destination address). */
  family?: 4 | 6;
}

/** A fresh instance; keepalived copies some globals at this point (global_defs must come first). */
export function newInstance(name: string, s: Stmt, config: KeepalivedConfig): VrrpInstance {
  const g = config.global;
  return {
    name, pos: s.pos, state: 'BACKUP', virtualRouterId: 0, priority: 100, advertInt: 1, version: g.vrrpVersion, family: 4,
    virtualIpaddress: [], virtualIpaddressExcluded: [], virtualRoutes: [], virtualRules: [],
    nopreempt: false, preemptDelay: 0,
    trackInterface: [], trackScript: [], trackFile: [], trackProcess: [], trackBfd: [], dontTrackPrimary: false,
    unicastPeer: [], unicast: false, unicastTtl: 255, unicastFaultNoPeer: false, checkUnicastSrc: false, trackSrcIp: false,
    garpMasterDelay: g.vrrpGarpMasterDelay, garpMasterRepeat: g.vrrpGarpMasterRepeat, garpMasterRefresh: g.vrrpGarpMasterRefresh,
    garpMasterRefreshRepeat: g.vrrpGarpMasterRefreshRepeat, garpLowerPrioDelay: g.vrrpGarpMasterDelay, garpLowerPrioRepeat: g.vrrpGarpMasterRepeat,
    garpExtraIf: { interval: 0, all: false }, downTimerAdverts: g.vrrpDownTimerAdverts,
    lowerPrioNoAdvert: false, higherPrioSendAdvert: false, accept: true, strictMode: false,
    skipCheckAdvAddr: g.vrrpSkipCheckAdvAddr, promoteSecondaries: false, notifyDeletedState: false,
    smtpAlert: false, notifyPriorityChanges: false, useVmacAddr: false, vmacXmitBase: false, linkbeatUsePolling: false,
  };
}

function owner(c: InstanceCtx): TrackOwner {
  const i = c.inst;
  return { config: c.config, name: i.name, trackInterface: i.trackInterface, trackScript: i.trackScript, trackFile: i.trackFile, trackProcess: i.trackProcess, trackBfd: i.trackBfd };
}

function setFamily(c: InstanceCtx, f: 4 | 6): boolean {
  if (c.family === undefined) c.family = f;
  return c.family === f;
}

/** inet_stosockaddr(): a plain address, no prefix. */
function plainIp(text: string): IpAddress | undefined {
  if (text.includes('/')) return undefined;
  return parseIp(text) ?? undefined;
}

type NotifyField = 'notifyMaster' | 'notifyBackup' | 'notifyFault' | 'notifyStop' | 'notify' | 'notifyMasterRxLowerPri';

function notifyHandler(field: NotifyField) {
  return (s: Stmt, c: InstanceCtx, ctx: BuildContext): void => {
    if (c.inst[field]) {
      ctx.sink.error(s.pos, `(${c.inst.name}) ${s.keyword} script already specified - ignoring ${s.args[0]?.text ?? ''}`);
      return;
    }
    const ref = notifyScript(s, ctx, `${s.keyword} of ${c.inst.name}`);
    if (!ref) return;
    c.inst[field] = ref;
    c.config.vrrp.scripts.push(ref);
  };
}

/** `garp_*` integer settings: keepalived reports and keeps the previous value on error. */
function garpSeconds(field: 'garpMasterDelay' | 'garpLowerPrioDelay', label: string) {
  return (s: Stmt, c: InstanceCtx, ctx: BuildContext): void => {
    const v = kaUnsigned(s, ctx, 0, 0, 4294, `(${c.inst.name}): ${label} '${s.args[0]?.text ?? ''}' invalid - ignoring`);
    if (v === undefined) return;
    c.inst[field] = v;
    if (field === 'garpLowerPrioDelay') c.raw.garpLowerPrioDelay = v;
  };
}

function garpRepeat(field: 'garpMasterRepeat' | 'garpMasterRefreshRepeat', label: string) {
  return (s: Stmt, c: InstanceCtx, ctx: BuildContext): void => {
    const v = kaUnsigned(s, ctx, 0, 0, 0xffffffff, `(${c.inst.name}): ${label} '${s.args[0]?.text ?? ''}' invalid - ignoring`);
    if (v === undefined) return;
    if (v === 0) ctx.sink.error(s.args[0].pos, `(${c.inst.name}): ${label} must be greater than 0, setting to 1`);
    c.inst[field] = Math.max(v, 1);
  };
}

function authenticationTable(): KeywordTable<InstanceCtx> {
  return {
    auth_type: (s, c, ctx) => {
      const t = s.args[0]?.text;
      if (t === 'PASS' || t === 'AH') c.inst.authentication = { type: t, password: c.inst.authentication?.password ?? '' };
      else ctx.sink.error(argPos(s, 0), `(${c.inst.name}) unknown authentication type '${t ?? ''}'`, 'auth_type is PASS or AH (upper case)');
    },
    auth_pass: (s, c, ctx) => {
      const w = s.args[0];
      if (!w) {
        ctx.sink.error(s.pos, `(${c.inst.name}) auth_pass needs a password`);
        return;
      }
      let pw = w.text;
      if (pw.length > 8) {
        ctx.sink.error(w.pos, 'Truncating auth_pass to 8 characters', `only '${pw.slice(0, 8)}' is used`);
        pw = pw.slice(0, 8);
      }
      // the password is kept even when auth_type is missing or bad (keepalived then ignores both)
      authPasswords.set(c.inst, pw);
      if (c.inst.authentication) c.inst.authentication.password = pw;
    },
  };
}

/** Passwords given before (or without) a valid auth_type. */
const authPasswords = new WeakMap<VrrpInstance, string>();

export function instancePassword(inst: VrrpInstance): string | undefined {
  return authPasswords.get(inst);
}

export function instanceTable(registry: SchemaRegistry): KeywordTable<InstanceCtx> {
  const auth = registry.register('authentication', authenticationTable());
  const t: KeywordTable<InstanceCtx> = {
    use_vmac: (s, c, ctx) => {
      const v = c.inst.useVmac ?? { name: '', nameExplicit: false };
      for (const w of s.args.slice(0, 2)) {
        if (w.text.includes(':')) {
          if (!/^[0-9A-Fa-f]{1,2}(:[0-9A-Fa-f]{1,2}){4,5}:?$/.test(w.text)) ctx.sink.error(w.pos, `VMAC invalid MAC address ${w.text} - ignored`);
          else if (parseInt(w.text.split(':')[0], 16) & 1) ctx.sink.error(w.pos, `VMAC MAC address is multicast ${w.text} - ignoring`);
          else v.mac = w.text.toLowerCase();
        } else if (w.text.length >= 16 || /[/\s]/.test(w.text) || w.text === '.' || w.text === '..') {
          ctx.sink.error(w.pos, `VMAC interface name '${w.text}' too long or invalid characters - ignoring`);
        } else if (c.config.vrrp.instances.some((i) => i.useVmac?.nameExplicit && i.useVmac.name === w.text)) {
          ctx.sink.error(w.pos, `(${c.inst.name}) VRRP instance ${c.config.vrrp.instances.find((i) => i.useVmac?.name === w.text)!.name} is already using ${w.text} - ignoring name`);
        } else {
          v.name = w.text;
          v.nameExplicit = true;
        }
      }
      c.inst.useVmac = v;
    },
    use_vmac_addr: (_s, c) => { c.inst.useVmacAddr = true; },
    vmac_xmit_base: (_s, c) => { c.inst.vmacXmitBase = true; },
    use_ipvlan: (s, c, ctx) => {
      ctx.sink.notice(s.pos, "'use_ipvlan' is not supported yet by keepalived-ts; kept as written");
      c.inst.useIpvlan = s.args.map((a) => a.text).join(' ');
    },
    unicast_peer: blockKeyword((s, c, ctx) => {
      c.raw.unicastConfigured = true;
      eachEntry(s, ctx, (e) => unicastPeerEntry(e, c, ctx));
    }),
    unicast_fault_no_peer: (_s, c) => {
      c.raw.unicastConfigured = true;
      c.inst.unicastFaultNoPeer = true;
    },
    check_unicast_src: (_s, c) => {
      c.raw.unicastConfigured = true;
      c.inst.checkUnicastSrc = true;
    },
    old_unicast_checksum: (s, c, ctx) => {
      c.raw.unicastConfigured = true;
      if (!s.args.length) c.inst.oldUnicastChecksum = 'config';
      else if (s.args[0].text === 'never') c.inst.oldUnicastChecksum = 'never';
      else ctx.sink.error(s.args[0].pos, `(${c.inst.name}) Unknown old_unicast_chksum mode ${s.args[0].text} - ignoring`);
    },
    native_ipv6: (s, c, ctx) => {
      if (c.family === 4) {
        ctx.sink.error(s.pos, `(${c.inst.name}) Cannot specify native_ipv6 with IPv4 addresses`);
        return;
      }
      c.family = 6;
      c.raw.version = 3;
    },
    state: (s, c, ctx) => {
      const v = s.args[0]?.text;
      c.raw.stateWritten = true;
      if (v === 'MASTER') c.inst.state = 'MASTER';
      else if (v === 'BACKUP') {
        if (c.inst.state === 'MASTER') ctx.sink.error(argPos(s, 0), `(${c.inst.name}) state previously set as MASTER - ignoring BACKUP`);
        else c.inst.state = 'BACKUP';
      } else {
        ctx.sink.error(argPos(s, 0), `(${c.inst.name}) unknown state '${v ?? ''}', defaulting to BACKUP`, 'state is MASTER or BACKUP (upper case)');
        c.inst.state = 'BACKUP';
      }
    },
    interface: (s, c, ctx) => {
      const w = s.args[0];
      if (!w) {
        ctx.sink.error(s.pos, `(${c.inst.name}) interface needs a name`);
        return;
      }
      if (w.text.length >= 16) {
        ctx.sink.error(w.pos, `Interface name '${w.text}' too long - ignoring`);
        return;
      }
      if (w.text === 'lo') {
        ctx.sink.error(w.pos, `(${c.inst.name}) cannot use a loopback interface (${w.text}) for vrrp - ignoring`);
        c.inst.interface = undefined;
        return;
      }
      checkInterface(c.config, ctx, w.text, w.pos, `WARNING - interface ${w.text} for vrrp_instance ${c.inst.name} doesn't exist`);
      c.inst.interface = w.text;
      c.inst.interfacePos = w.pos;
    },
    vrf: (s, c, ctx) => {
      const w = s.args[0];
      if (!w) return;
      if (c.inst.interface) {
        ctx.sink.error(w.pos, `(${c.inst.name}) Cannot specify VRF interface and interface - ignoring`);
        return;
      }
      if (checkInterface(c.config, ctx, w.text, w.pos, `(${c.inst.name}) WARNING - VRF interface ${w.text} doesn't exist`)) c.inst.vrf = w.text;
    },
    dont_track_primary: (_s, c) => { c.inst.dontTrackPrimary = true; },
    track_interface: blockKeyword((s, c, ctx) => eachEntry(s, ctx, (e) => trackInterfaceEntry(e, ctx, owner(c)))),
    track_script: blockKeyword((s, c, ctx) => eachEntry(s, ctx, (e) => trackScriptEntry(e, ctx, owner(c)))),
    track_file: blockKeyword((s, c, ctx) => eachEntry(s, ctx, (e) => trackFileEntry(e, ctx, owner(c)))),
    track_process: blockKeyword((s, c, ctx) => eachEntry(s, ctx, (e) => trackProcessEntry(e, ctx, owner(c)))),
    track_bfd: blockKeyword((s, c, ctx) => {
      ctx.sink.notice(s.pos, "'track_bfd' is not supported yet by keepalived-ts (BFD); entries are kept");
      eachEntry(s, ctx, (e) => trackBfdEntry(e, ctx, owner(c)));
    }),
    mcast_src_ip: (s, c, ctx) => srcIp(s, c, ctx),
    unicast_src_ip: (s, c, ctx) => {
      c.raw.unicastConfigured = true;
      srcIp(s, c, ctx);
    },
    mcast_dst_ip: (s, c, ctx) => {
      const w = s.args[0];
      const a = w ? plainIp(w.text) : undefined;
      if (!a) {
        ctx.sink.error(argPos(s, 0), `(${c.inst.name}) malformed mcast dest address ${w?.text ?? ''}. Skipping...`);
        return;
      }
      if (!setFamily(c, a.family)) {
        ctx.sink.error(w.pos, `(${c.inst.name}) mcast dest address ${w.text} MUST match VRRP instance family. Skipping...`);
        return;
      }
      const mc = a.family === 4 ? (a.bytes[0] & 0xf0) === 0xe0 : a.bytes[0] === 0xff && (a.bytes[1] & 0x0f) === 2;
      if (!mc) {
        ctx.sink.error(w.pos, `(${c.inst.name}) mcast_dst_ip ${w.text} not${a.family === 6 ? ' link-local' : ''} multicast. Skipping...`);
        return;
      }
      c.inst.mcastDstIp = a;
      c.raw.mcastDstIp = true;
    },
    track_src_ip: (_s, c) => { c.inst.trackSrcIp = true; },
    virtual_router_id: (s, c, ctx) => {
      const v = kaUnsigned(s, ctx, 0, 1, 255, `(${c.inst.name}): VRID '${s.args[0]?.text ?? ''}' not valid - must be between 1 & 255`);
      if (v !== undefined) {
        c.inst.virtualRouterId = v;
        c.inst.virtualRouterIdPos = s.pos;
      }
    },
    unicast_ttl: (s, c, ctx) => {
      const v = kaUnsigned(s, ctx, 0, 0, 255, `(${c.inst.name}): TTL '${s.args[0]?.text ?? ''}' not valid - must be between 0 & 255`);
      if (v !== undefined) c.raw.unicastTtl = v;
    },
    version: (s, c, ctx) => {
      const v = kaUnsigned(s, ctx, 0, 2, 3, `(${c.inst.name}): Version must be either 2 or 3`) as 2 | 3 | undefined;
      if (v === undefined) return;
      if ((c.raw.version !== undefined && c.raw.version !== v) || (v === 2 && c.family === 6)) {
        ctx.sink.error(s.args[0].pos, `(${c.inst.name}) vrrp_version ${v} conflicts with configured or deduced version ${c.raw.version ?? 0}; ignoring.`);
        return;
      }
      c.raw.version = v;
    },
    priority: (s, c, ctx) => {
      const v = kaUnsigned(s, ctx, 0, 1, 255, `(${c.inst.name}) Priority not valid! must be between 1 & 255. Using default 100`);
      c.raw.priority = v ?? 100;
    },
    advert_int: (s, c, ctx) => {
      const w = s.args[0];
      const us = w ? parseDecimalUs(w.text, 10_000, 255_000_000) : undefined;
      if (us === undefined) ctx.sink.error(argPos(s, 0), `(${c.inst.name}) Advert interval (${w?.text ?? ''}) not valid! Must be > 0 - ignoring`, 'advert_int is in seconds, 0.01 to 255');
      else c.raw.advertIntUs = us;
    },
    virtual_ipaddress: blockKeyword((s, c, ctx) => eachEntry(s, ctx, (e) => {
      const vip = parseAddressLine(e, ctx, { config: c.config, isStatic: false });
      if (!vip) return;
      if (!setFamily(c, vip.address.family)) {
        ctx.sink.error(e.pos, `(${c.inst.name}): address family must match VRRP instance [${e.keyword}] - ignoring`, 'put addresses of the other family in virtual_ipaddress_excluded');
        return;
      }
      c.inst.virtualIpaddress.push(vip);
    })),
    virtual_ipaddress_excluded: blockKeyword((s, c, ctx) => eachEntry(s, ctx, (e) => {
      const vip = parseAddressLine(e, ctx, { config: c.config, isStatic: false });
      if (vip) c.inst.virtualIpaddressExcluded.push(vip);
    })),
    promote_secondaries: (_s, c) => { c.inst.promoteSecondaries = true; },
    linkbeat_use_polling: (s, c, ctx) => {
      c.inst.linkbeatUsePolling = true;
      ctx.sink.error(s.pos, `(${c.inst.name}) 'linkbeat_use_polling' in vrrp instance deprecated - use linkbeat_interfaces block`);
    },
    virtual_routes: blockKeyword((s, c, ctx) => eachEntry(s, ctx, (e) => {
      const r = parseRouteLine(e, ctx, { config: c.config, isStatic: false });
      if (r) c.inst.virtualRoutes.push(r);
    })),
    virtual_rules: blockKeyword((s, c, ctx) => eachEntry(s, ctx, (e) => {
      const r = parseRuleLine(e, ctx, { config: c.config, isStatic: false });
      if (r) c.inst.virtualRules.push(r);
    })),
    accept: (_s, c) => { c.raw.accept = true; },
    no_accept: (_s, c) => { c.raw.accept = false; },
    skip_check_adv_addr: (s, c, ctx) => {
      const w = s.args[0];
      if (w && trueFalse(w.text) === undefined) {
        ctx.sink.error(w.pos, `(${c.inst.name}) invalid skip_check_adv_addr ${w.text} specified`);
        return;
      }
      // keepalived 2.2.7 turns the option on for any valid value, even "off"
      if (w && trueFalse(w.text) === false) ctx.sink.notice(w.pos, `keepalived 2.2.7 enables skip_check_adv_addr even with '${w.text}'`);
      c.inst.skipCheckAdvAddr = true;
    },
    strict_mode: (s, c, ctx) => {
      const v = kaBool(s, ctx, `(${c.inst.name}) invalid strict_mode ${s.args[0]?.text ?? ''} specified`);
      if (v !== undefined) c.raw.strictMode = v;
    },
    preempt: (_s, c) => { c.inst.nopreempt = false; },
    nopreempt: (_s, c) => { c.inst.nopreempt = true; },
    preempt_delay: (s, c, ctx) => {
      const w = s.args[0];
      const us = w ? parseDecimalUs(w.text, 0, 1000_000_000) : undefined;
      if (us === undefined) {
        ctx.sink.error(argPos(s, 0), `(${c.inst.name}) Preempt_delay not valid! must be between 0-1000`);
        c.inst.preemptDelay = 0;
      } else c.inst.preemptDelay = us / 1e6;
    },
    debug: (s, c, ctx) => {
      kaUnsigned(s, ctx, 0, 0, 4, `(${c.inst.name}) Debug value '${s.args[0]?.text ?? ''}' not valid; must be between 0-4`);
    },
    notify_backup: notifyHandler('notifyBackup'),
    notify_master: notifyHandler('notifyMaster'),
    notify_fault: notifyHandler('notifyFault'),
    notify_stop: notifyHandler('notifyStop'),
    notify: notifyHandler('notify'),
    notify_master_rx_lower_pri: notifyHandler('notifyMasterRxLowerPri'),
    notify_deleted: (s, c, ctx) => {
      if (c.inst.notifyDeletedState) {
        ctx.sink.error(s.pos, `(${c.inst.name}) notify_deleted already specified - ignoring ${s.args[0]?.text ?? ''}`);
        return;
      }
      c.inst.notifyDeletedState = true;
      if (!s.args.length) return;
      const ref = notifyScript(s, ctx, `notify_deleted of ${c.inst.name}`);
      if (ref) {
        c.inst.notifyDeleted = ref;
        c.config.vrrp.scripts.push(ref);
      }
    },
    smtp_alert: (s, c, ctx) => {
      const v = kaBool(s, ctx, `Invalid vrrp_instance smtp_alert parameter ${s.args[0]?.text ?? ''}`);
      if (v !== undefined) c.raw.smtpAlert = v;
    },
    notify_priority_changes: (s, c, ctx) => {
      const v = kaBool(s, ctx, `(${c.inst.name}) Invalid value '${s.args[0]?.text ?? ''}' for notify_priority_changes specified`);
      if (v !== undefined) c.raw.notifyPriorityChanges = v;
    },
    lvs_sync_daemon_interface: (s, c, ctx) => {
      ctx.sink.error(s.pos, `(${c.inst.name}) Specifying lvs_sync_daemon_interface against a vrrp is deprecated.`, 'use global_defs { lvs_sync_daemon IF inst VI }');
      ctx.sink.error(s.pos, '      Please use global lvs_sync_daemon');
      const g = c.config.global;
      if (g.lvsSyncDaemon) {
        ctx.sink.error(s.pos, `(${c.inst.name}) lvs_sync_daemon_interface has already been specified as ${g.lvsSyncDaemon.interface} - ignoring`);
        return;
      }
      const w = s.args[0];
      if (!w) return;
      g.lvsSyncDaemon = {
        interface: w.text, instance: c.inst.name, syncId: -1, port: 8848, ttl: 1,
        group: { family: 4, text: '224.0.0.81', bytes: Uint8Array.from([224, 0, 0, 81]) }, fromInstanceKeyword: true, pos: s.pos,
      };
    },
    garp_master_delay: garpSeconds('garpMasterDelay', 'garp_master_delay'),
    garp_master_refresh: (s, c, ctx) => {
      const v = kaUnsigned(s, ctx, 0, 0, 0xffffffff, `(${c.inst.name}): Invalid garp_master_refresh '${s.args[0]?.text ?? ''}' - ignoring`);
      c.inst.garpMasterRefresh = v ?? 0;
    },
    garp_master_repeat: garpRepeat('garpMasterRepeat', 'garp_master_repeat'),
    garp_master_refresh_repeat: garpRepeat('garpMasterRefreshRepeat', 'garp_master_refresh_repeat'),
    garp_lower_prio_delay: garpSeconds('garpLowerPrioDelay', 'garp_lower_prio_delay'),
    garp_lower_prio_repeat: (s, c, ctx) => {
      const v = kaUnsigned(s, ctx, 0, 0, 0x7fffffff, `(${c.inst.name}): Invalid garp_lower_prio_repeat '${s.args[0]?.text ?? ''}'`);
      if (v !== undefined) c.raw.garpLowerPrioRepeat = v;
    },
    down_timer_adverts: (s, c, ctx) => {
      const v = kaUnsigned(s, ctx, 0, 1, 100, `(${c.inst.name}): Invalid down_timer_adverts [1:100] '${s.args[0]?.text ?? ''}'`);
      if (v !== undefined) c.inst.downTimerAdverts = v;
    },
    garp_extra_if: (s, c, ctx) => garpExtraIf(s, c, ctx),
    vmac_garp_intvl: (s, c, ctx) => {
      ctx.sink.warning(s.pos, 'Keyword "vmac_garp_intvl" is deprecated - please use "garp_extra_if"');
      garpExtraIf(s, c, ctx);
    },
    lower_prio_no_advert: (s, c, ctx) => {
      const v = kaBool(s, ctx, `(${c.inst.name}) invalid lower_prio_no_advert ${s.args[0]?.text ?? ''} specified`);
      if (v !== undefined) c.raw.lowerPrioNoAdvert = v;
    },
    higher_prio_send_advert: (s, c, ctx) => {
      const v = kaBool(s, ctx, `(${c.inst.name}) invalid higher_prio_send_advert ${s.args[0]?.text ?? ''} specified`);
      if (v !== undefined) c.raw.higherPrioSendAdvert = v;
    },
    kernel_rx_buf_size: (s, c, ctx) => {
      const v = s.args.length === 1 ? parseUnsigned(s.args[0].text, 0, 0xffffffff) : undefined;
      if (v === undefined) ctx.sink.error(argPos(s, 0), `(${c.inst.name}) invalid kernel_rx_buf_size specified`);
      else c.inst.kernelRxBufSize = v;
    },
    authentication: blockKeyword((s, c, ctx) => applyBlock(s.block, auth, c, ctx, 'authentication')),
  };
  return registry.register('vrrp_instance', t);
}

function srcIp(s: Stmt, c: InstanceCtx, ctx: BuildContext): void {
  const w = s.args[0];
  const a = w ? plainIp(w.text) : undefined;
  if (!a) {
    ctx.sink.error(argPos(s, 0), `Configuration error: VRRP instance[${c.inst.name}] malformed src address[${w?.text ?? ''}]. Skipping...`);
    return;
  }
  if (!setFamily(c, a.family)) {
    ctx.sink.error(w.pos, `Configuration error: VRRP instance[${c.inst.name}] and src address[${w.text}] MUST be of the same family !!! Skipping...`);
    c.inst.srcIp = undefined;
    return;
  }
  c.inst.srcIp = a;
}

function unicastPeerEntry(e: Stmt, c: InstanceCtx, ctx: BuildContext): void {
  const a = plainIp(e.keyword);
  if (!a) {
    ctx.sink.error(e.pos, `Configuration error: VRRP instance[${c.inst.name}] malformed unicast peer address[${e.keyword}]. Skipping...`);
    return;
  }
  if (!setFamily(c, a.family)) {
    ctx.sink.error(e.pos, `Configuration error: VRRP instance[${c.inst.name}] and unicast peer address[${e.keyword}] MUST be of the same family !!! Skipping...`);
    return;
  }
  const peer = { address: a, minTtl: 0, maxTtl: 255, pos: e.pos };
  const args = e.args;
  for (let i = 0; i < args.length; i += 2) {
    if (i + 1 >= args.length) {
      ctx.sink.error(args[i].pos, `(${c.inst.name}) ${args[i].text} is missing a value`);
      break;
    }
    const ttl = parseUnsigned(args[i + 1].text, 0, 255);
    if (ttl === undefined) {
      ctx.sink.error(args[i + 1].pos, `(${c.inst.name}) invalid ${args[i].text} value ${args[i + 1].text}`, 'a TTL is 0..255');
      continue;
    }
    if (args[i].text === 'min_ttl') peer.minTtl = ttl;
    else if (args[i].text === 'max_ttl') peer.maxTtl = ttl;
    else {
      ctx.sink.error(args[i].pos, `(${c.inst.name}) unknown unicast_peer option ${args[i].text}`, 'options: min_ttl N, max_ttl N');
      break;
    }
    // a TTL window makes keepalived check the source of unicast adverts
    c.inst.checkUnicastSrc = true;
  }
  if (peer.minTtl > peer.maxTtl) ctx.sink.error(e.pos, `(${c.inst.name}) min_ttl ${peer.minTtl} > max_ttl ${peer.maxTtl} - all packets will be discarded`);
  c.inst.unicastPeer.push(peer);
}

function garpExtraIf(s: Stmt, c: InstanceCtx, ctx: BuildContext): void {
  let all = false;
  let delay: number | undefined;
  for (const w of s.args) {
    if (w.text === 'all') all = true;
    else {
      const v = parseUnsigned(w.text, 0, 86400);
      if (v === undefined) {
        ctx.sink.error(w.pos, `(${c.inst.name}): ${s.keyword} '${w.text}' invalid - ignoring`);
        return;
      }
      delay = v;
    }
  }
  if (delay === undefined) {
    ctx.sink.error(s.pos, `(${c.inst.name}): ${s.keyword} specified without time - ignoring`);
    return;
  }
  c.inst.garpExtraIf = { interval: delay, all };
  c.raw.garpExtraIf = true;
}

/** The top-level `vrrp_instance` keyword. */
export function vrrpInstanceKeyword(registry: SchemaRegistry) {
  const table = instanceTable(registry);
  return blockKeyword<KeepalivedConfig>((s, config, ctx) => {
    if (s.args.length !== 1) {
      ctx.sink.error(s.pos, 'vrrp_instance must have a name', 'the block is skipped');
      return;
    }
    const name = s.args[0].text;
    if (config.vrrp.instances.some((i) => i.name === name)) {
      ctx.sink.error(s.args[0].pos, `vrrp instance ${name} already defined`, 'the block is skipped');
      return;
    }
    const inst = newInstance(name, s, config);
    const c: InstanceCtx = { config, inst, raw: instanceRaw(config, inst) };
    config.vrrp.instances.push(inst);
    for (const e of s.block ?? []) c.raw.at[e.keyword] = e.pos;
    applyBlock(s.block, table, c, ctx, 'vrrp_instance');
    if (c.family) inst.family = c.family;
    if (c.raw.unicastConfigured && (inst.useVmac || inst.useIpvlan !== undefined)) {
      if (!inst.interface) {
        ctx.sink.error(s.pos, `(${name}): Cannot use VMAC/ipvlan with unicast and no interface - clearing use_vmac`);
        inst.useVmac = undefined;
        inst.useIpvlan = undefined;
      } else if (!inst.vmacXmitBase) {
        ctx.sink.error(s.pos, `(${name}) unicast with use_vmac requires vmac_xmit_base - setting`);
        inst.vmacXmitBase = true;
      }
    }
    const pw = authPasswords.get(inst);
    if (inst.authentication && pw !== undefined) inst.authentication.password = pw;
    if (!inst.unicastPeer.length && c.raw.unicastTtl !== undefined) {
      ctx.sink.error(s.pos, `(${name}): Cannot use unicast_ttl without unicast peers - resetting`);
      c.raw.unicastTtl = undefined;
    }
  });
}

