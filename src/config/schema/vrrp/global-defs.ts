// `global_defs { ... }` and the global keywords keepalived 2.2.7 only accepts at top level
// (net_namespace, instance, use_pid_dir, child_wait_time, linkbeat_use_polling, ...).
import { parseIp } from '../../../lib/ip.js';
import type { GlobalDefs, KeepalivedConfig, NotifyFifo } from '../../model/index.js';
import type { Stmt } from '../../syntax.js';
import { applyBlock, blockKeyword, unsupported, type BuildContext, type KeywordTable, type SchemaRegistry } from '../types.js';
import { vrrpParseState } from './parse-state.js';
import { argPos, kaBool, kaSigned, kaUnsigned, notifyScript, parseDecimalUs, parseSigned, parseUnsigned } from './util.js';
import { LVS_SYNC_GROUP } from '../../model/global.js';

type G = KeepalivedConfig;
type BoolField = { [K in keyof GlobalDefs]-?: GlobalDefs[K] extends boolean ? K : never }[keyof GlobalDefs];
type OptBoolField = 'smtpAlert' | 'smtpAlertVrrp' | 'smtpAlertChecker';

/** A keyword that just turns an option on. */
function flag(field: BoolField) {
  return (_s: Stmt, c: G): void => { c.global[field] = true; };
}

/** A `[BOOL]` keyword; keepalived's message for a bad value. */
function boolKw(field: BoolField | OptBoolField, message: (s: Stmt) => string) {
  return (s: Stmt, c: G, ctx: BuildContext): void => {
    const v = kaBool(s, ctx, message(s));
    if (v !== undefined) c.global[field] = v;
  };
}

function processName(field: 'parent' | 'vrrp' | 'checker' | 'bfd') {
  return (s: Stmt, c: G, ctx: BuildContext): void => {
    const w = s.args[0];
    if (!w) {
      ctx.sink.error(s.pos, 'Process name missing');
      return;
    }
    let name = w.text;
    if (name.length >= 16) {
      ctx.sink.error(w.pos, `Process name ${name} more than 15 characters, truncating`);
      name = name.slice(0, 15);
    }
    c.global.processNames[field] = name;
  };
}

function fifo(prefix: '' | 'vrrp_' | 'lvs_', get: (g: GlobalDefs) => NotifyFifo | undefined, set: (g: GlobalDefs, f: NotifyFifo) => void) {
  return (s: Stmt, c: G, ctx: BuildContext): void => {
    const w = s.args[0];
    if (!w) {
      ctx.sink.error(s.pos, `No ${prefix}notify_fifo name specified`);
      return;
    }
    const f = get(c.global) ?? { pos: s.pos };
    if (f.path !== undefined) {
      ctx.sink.error(w.pos, `${prefix}notify_fifo already specified - ignoring ${w.text}`);
      return;
    }
    f.path = w.text;
    f.user = s.args[1]?.text;
    f.group = s.args[2]?.text;
    f.pos = s.pos;
    set(c.global, f);
  };
}

function fifoScript(prefix: '' | 'vrrp_' | 'lvs_', get: (g: GlobalDefs) => NotifyFifo | undefined, set: (g: GlobalDefs, f: NotifyFifo) => void) {
  return (s: Stmt, c: G, ctx: BuildContext): void => {
    if (!s.args[0]) {
      ctx.sink.error(s.pos, `No ${prefix}notify_fifo_script specified`);
      return;
    }
    const f = get(c.global) ?? { pos: s.pos };
    if (f.script) {
      ctx.sink.error(s.args[0].pos, `${prefix}notify_fifo_script already specified - ignoring ${s.args[0].text}`);
      return;
    }
    const ref = notifyScript(s, ctx, `${prefix}notify_fifo_script`);
    if (!ref) return;
    f.script = ref;
    set(c.global, f);
  };
}

function startStopScript(which: 'startup' | 'shutdown') {
  return (s: Stmt, c: G, ctx: BuildContext): void => {
    const field = which === 'startup' ? 'startupScript' : 'shutdownScript';
    if (c.global[field]) {
      ctx.sink.error(s.pos, `${which} script already specified`);
      return;
    }
    if (!s.args.length) {
      ctx.sink.error(s.pos, `${which} script missing`);
      return;
    }
    const ref = notifyScript(s, ctx, `${which}_script`);
    if (ref) c.global[field] = ref;
  };
}

function startStopTimeout(which: 'startup' | 'shutdown') {
  return (s: Stmt, c: G, ctx: BuildContext): void => {
    if (!s.args.length) {
      ctx.sink.error(s.pos, `${which}_script_timeout requires value`);
      return;
    }
    const v = kaUnsigned(s, ctx, 0, 1, 1000, `${which}_script_timeout '${s.args[0].text}' must be in [1, 1000] - ignoring`);
    if (v !== undefined) c.global[which === 'startup' ? 'startupScriptTimeout' : 'shutdownScriptTimeout'] = v;
  };
}

/** `vrrp_garp_*` whole-second delays (0..4294). */
function garpDelay(field: 'vrrpGarpMasterDelay' | 'vrrpGarpLowerPrioDelay', kw: string) {
  return (s: Stmt, c: G, ctx: BuildContext): void => {
    const v = kaUnsigned(s, ctx, 0, 0, 4294, `${kw} '${s.args[0]?.text ?? ''}' invalid - ignoring`);
    if (v === undefined) return;
    c.global[field] = v;
    if (field === 'vrrpGarpLowerPrioDelay') lowerPrioSet(c).delay = true;
  };
}

function garpRepeat(field: 'vrrpGarpMasterRepeat' | 'vrrpGarpMasterRefreshRepeat', kw: string) {
  return (s: Stmt, c: G, ctx: BuildContext): void => {
    const v = kaUnsigned(s, ctx, 0, 0, 0xffffffff, `${kw} '${s.args[0]?.text ?? ''}' invalid - ignoring`);
    if (v === undefined) return;
    if (v === 0) ctx.sink.error(s.args[0].pos, `${kw} must be greater than 0, setting to 1`);
    c.global[field] = Math.max(v, 1);
  };
}

/** `vrrp_garp_interval` / `vrrp_gna_interval`: 1 µs at least; keepalived rejects 0. */
function garpInterval(field: 'vrrpGarpInterval' | 'vrrpGnaInterval', kw: string) {
  return (s: Stmt, c: G, ctx: BuildContext): void => {
    const w = s.args[0];
    const us = w ? parseDecimalUs(w.text, 1, 4294967295) : undefined;
    if (us === undefined) {
      const zero = w !== undefined && parseDecimalUs(w.text, 0, 0) === 0;
      ctx.sink.error(argPos(s, 0), `${kw} '${w?.text ?? ''}' is invalid`, zero ? `keepalived rejects 0 (range [0.000001, 4294.967295]); remove the line for no pause` : 'range [0.000001, 4294.967295] seconds');
    } else c.global[field] = us / 1e6;
    if (c.global[field] >= 1) ctx.sink.notice(s.pos, `The ${kw} is very large - ${w?.text} seconds`);
  };
}

/** Which lower-priority GARP globals were written (their defaults follow the master_* values). */
const lowerPrio = new WeakMap<G, { delay: boolean; repeat: boolean }>();
export function lowerPrioSet(c: G): { delay: boolean; repeat: boolean } {
  let v = lowerPrio.get(c);
  if (!v) {
    v = { delay: false, repeat: false };
    lowerPrio.set(c, v);
  }
  return v;
}

function mcastGroup(family: 4 | 6) {
  return (s: Stmt, c: G, ctx: BuildContext): void => {
    const kw = s.keyword;
    const w = s.args[0];
    const a = w && !w.text.includes('/') ? parseIp(w.text) : undefined;
    if (!a) {
      ctx.sink.error(argPos(s, 0), `Can't parse ${kw} [${w?.text ?? ''}]. Skipping`);
      return;
    }
    if (a.family !== family) {
      ctx.sink.error(w.pos, `${kw} [${w.text}] is not IPv${family}. Skipping`);
      return;
    }
    const mc = family === 4 ? (a.bytes[0] & 0xf0) === 0xe0 : a.bytes[0] === 0xff;
    if (!mc) {
      ctx.sink.error(w.pos, `${kw} [${w.text}] is not multicast. Skipping`);
      return;
    }
    if (family === 6 && (a.bytes[1] & 0x0f) !== 2) ctx.sink.warning(w.pos, `${kw} [${w.text}] should be link-local multicast.`);
    if (family === 4) c.global.vrrpMcastGroup4 = a;
    else c.global.vrrpMcastGroup6 = a;
  };
}

function lvsTimeouts(s: Stmt, c: G, ctx: BuildContext): void {
  if (s.args.length < 2) {
    ctx.sink.error(s.pos, 'lvs_timeouts requires at least one option', 'lvs_timeouts [tcp S] [tcpfin S] [udp S]');
    return;
  }
  const a = s.args;
  for (let i = 0; i < a.length; i++) {
    const k = a[i].text;
    if (k !== 'tcp' && k !== 'tcpfin' && k !== 'udp') {
      ctx.sink.error(a[i].pos, `Unknown option ${k} specified for lvs_timeouts`, 'options: tcp, tcpfin, udp');
      continue;
    }
    if (i === a.length - 1) {
      ctx.sink.error(a[i].pos, `No value specified for lvs_timeout ${k} - ignoring`);
      continue;
    }
    const v = parseUnsigned(a[i + 1].text, 0, 86400 * 31);
    if (v === undefined) ctx.sink.error(a[i + 1].pos, `Invalid lvs_timeout ${k} (${a[i + 1].text}) - ignoring`, 'seconds, at most 31 days');
    else c.global.lvsTimeouts[k] = v;
    i++;
  }
}

function lvsSyncDaemon(s: Stmt, c: G, ctx: BuildContext): void {
  const g = c.global;
  if (g.lvsSyncDaemon) {
    ctx.sink.error(s.pos, `lvs_sync_daemon has already been specified as ${g.lvsSyncDaemon.interface} ${g.lvsSyncDaemon.instance ?? ''} - ignoring`);
    return;
  }
  const a = s.args;
  if (!a.length) {
    ctx.sink.error(s.pos, 'lvs_sync_daemon requires interface');
    return;
  }
  if (a[0].text.length >= 16) {
    ctx.sink.error(a[0].pos, `lvs_sync_daemon interface name '${a[0].text}' too long - ignoring`);
    return;
  }
  const d = { interface: a[0].text, syncId: -1, port: 8848, ttl: 1, group: LVS_SYNC_GROUP, fromInstanceKeyword: false, pos: s.pos } as NonNullable<GlobalDefs['lvsSyncDaemon']>;
  g.lvsSyncDaemon = d;
  const num = (i: number, min: number, max: number, what: string): number | undefined => {
    if (i >= a.length) {
      ctx.sink.error(a[i - 1].pos, `No value specified for lvs_sync_daemon ${what} - ignoring`);
      return undefined;
    }
    const v = parseUnsigned(a[i].text, min, max);
    if (v === undefined) ctx.sink.error(a[i].pos, `Invalid lvs_sync_daemon ${what} (${a[i].text}) - ignoring`, `range [${min}, ${max}]`);
    return v;
  };
  for (let i = 1; i < a.length; i++) {
    const k = a[i].text;
    if (k === 'inst') {
      if (d.instance) ctx.sink.error(a[i].pos, `lvs_sync_daemon vrrp instance has already been specified as ${d.instance} - ignoring`);
      else if (a[i + 1]) d.instance = a[i + 1].text;
      i++;
    } else if (k === 'id') {
      const v = num(i + 1, 0, 255, 'id');
      if (v !== undefined) d.syncId = v;
      i++;
    } else if (k === 'maxlen') {
      const v = num(i + 1, 1, 65535 - 28, 'maxlen');
      if (v !== undefined) d.maxlen = v;
      i++;
    } else if (k === 'port') {
      const v = num(i + 1, 1, 65535, 'port');
      if (v !== undefined) d.port = v;
      i++;
    } else if (k === 'ttl') {
      const v = num(i + 1, 1, 255, 'ttl');
      if (v !== undefined) d.ttl = v;
      i++;
    } else if (k === 'group') {
      const w = a[i + 1];
      i++;
      if (!w) {
        ctx.sink.error(a[i - 1].pos, 'No value specified for lvs_sync_daemon group - ignoring');
        continue;
      }
      const ip = parseIp(w.text);
      if (!ip) ctx.sink.error(w.pos, `Invalid lvs_sync_daemon group (${w.text}) - ignoring`);
      else if (ip.family === 4 ? (ip.bytes[0] & 0xf0) !== 0xe0 : ip.bytes[0] !== 0xff) ctx.sink.error(w.pos, `lvs_sync_daemon group address ${w.text} is not multicast - ignoring`);
      else d.group = ip;
    } else if (i === 1) {
      // legacy form: lvs_sync_daemon IF VRRP_INSTANCE [SYNC_ID]
      d.instance = k;
    } else if (i === 2) {
      const v = parseUnsigned(k, 0, 255);
      if (v === undefined) ctx.sink.error(a[i].pos, `Invalid syncid (${k}) - defaulting to vrid`);
      else {
        ctx.sink.error(a[i].pos, 'Please use keyword "id" before lvs_sync_daemon SYNCID');
        d.syncId = v;
      }
    } else ctx.sink.error(a[i].pos, `Unknown option ${k} specified for lvs_sync_daemon`);
  }
}

function umaskHandler(s: Stmt, c: G, ctx: BuildContext): void {
  const w = s.args[0];
  if (!w) {
    ctx.sink.error(s.pos, 'Missing parameter(s) to umask option');
    return;
  }
  if (/^\d/.test(w.text)) {
    if (s.args.length !== 1) {
      ctx.sink.error(s.args[1].pos, 'Extra parameter(s) to umask option');
      return;
    }
    const v = parseUnsigned(w.text, 0, 0o777, 0);
    if (v === undefined) ctx.sink.error(w.pos, `invalid umask value ${w.text}`);
    else c.global.umask = v;
    return;
  }
  const bits: Record<string, number> = { IRUSR: 0o400, IWUSR: 0o200, IXUSR: 0o100, IRGRP: 0o40, IWGRP: 0o20, IXGRP: 0o10, IROTH: 4, IWOTH: 2, IXOTH: 1 };
  let v = 0;
  for (const part of s.args.map((a) => a.text).join('').split('|')) {
    if (!Object.hasOwn(bits, part)) {
      ctx.sink.error(w.pos, part ? `Unknown umask bit ${part}` : 'Invalid umask syntax', 'e.g. umask IWGRP|IWOTH');
      return;
    }
    v |= bits[part];
  }
  c.global.umask = v;
}

export function globalDefsTable(registry: SchemaRegistry): KeywordTable<G> {
  const tableEntries: KeywordTable<G> = {
    process_names: (_s, c) => {
      c.global.processNames.vrrp = 'keepalived_vrrp';
      c.global.processNames.checker = 'keepalived_lvs';
      c.global.processNames.bfd = 'keepalived_bfd';
    },
    process_name: processName('parent'),
    vrrp_process_name: processName('vrrp'),
    checker_process_name: processName('checker'),
    lvs_process_name: (s, c, ctx) => {
      ctx.sink.notice(s.pos, "'lvs_process_name' is deprecated - please use 'checker_process_name'");
      processName('checker')(s, c, ctx);
    },
    bfd_process_name: processName('bfd'),
    router_id: (s, c, ctx) => {
      if (!s.args[0]) ctx.sink.error(s.pos, 'routerid name missing - ignoring');
      else c.global.routerId = s.args[0].text;
    },
    notification_email_from: (s, c, ctx) => {
      if (!s.args[0]) ctx.sink.error(s.pos, 'emailfrom missing - ignoring');
      else c.global.notificationEmailFrom = s.args[0].text;
    },
    smtp_server: (s, c, ctx) => {
      const w = s.args[0];
      if (!w) {
        ctx.sink.error(s.pos, 'Invalid smtp server', 'smtp_server HOST [PORT]');
        return;
      }
      const portText = s.args[1]?.text ?? '25';
      const port = parseUnsigned(portText, 1, 65535);
      const address = parseIp(w.text);
      // keepalived resolves the name; all-numeric text that is no IPv4 address can never resolve
      const badName = !address && (!/^[A-Za-z0-9.-]+$/.test(w.text) || /^[\d.]+$/.test(w.text));
      if (port === undefined || badName) {
        ctx.sink.error(w.pos, `Invalid smtp server ${w.text} ${portText}`);
        return;
      }
      c.global.smtpServer = { host: w.text, address, port, pos: s.pos };
    },
    smtp_helo_name: (s, c) => {
      if (s.args[0]) c.global.smtpHeloName = s.args[0].text;
    },
    smtp_connect_timeout: (s, c, ctx) => {
      const v = kaUnsigned(s, ctx, 0, 0, 4294, `smtp_connect_timeout '${s.args[0]?.text ?? ''}' must be in [0, 4294] - ignoring`);
      if (v === undefined) return;
      if (v === 0) ctx.sink.error(s.args[0].pos, 'smtp_conect_timeout must be greater than 0, setting to 1');
      c.global.smtpConnectTimeout = Math.max(v, 1);
    },
    notification_email: blockKeyword((s, c, ctx) => {
      const addrs = (s.block ?? []).flatMap((l) => [l.keyword, ...l.args.map((a) => a.text)]);
      if (!addrs.length) ctx.sink.error(s.pos, 'Warning - empty notification_email block');
      c.global.notificationEmail.push(...addrs);
    }),
    smtp_alert: boolKw('smtpAlert', (s) => `Invalid value '${s.args[0]?.text}' for global smtp_alert specified`),
    startup_script: startStopScript('startup'),
    startup_script_timeout: startStopTimeout('startup'),
    shutdown_script: startStopScript('shutdown'),
    shutdown_script_timeout: startStopTimeout('shutdown'),
    max_auto_priority: (s, c, ctx) => {
      if (!s.args.length) {
        c.global.maxAutoPriority = 99;
        return;
      }
      const v = kaSigned(s, ctx, 0, -1, 99, `max_auto_priority '${s.args[0].text}' must be in [0, 99] (or -1 to disable) - ignoring`);
      if (v !== undefined) c.global.maxAutoPriority = v;
    },
    min_auto_priority_delay: (s, c, ctx) => {
      if (!s.args.length) {
        ctx.sink.error(s.pos, 'min_auto_priority_delay requires delay time');
        return;
      }
      const v = kaSigned(s, ctx, 0, 1, 10_000_000, `min_auto_priority_delay '${s.args[0].text}' must be in [1, 10000000] - ignoring`);
      if (v !== undefined) c.global.minAutoPriorityDelay = v;
    },
    smtp_alert_vrrp: boolKw('smtpAlertVrrp', (s) => `Invalid value '${s.args[0]?.text}' for global smtp_alert_vrrp specified`),
    smtp_alert_checker: boolKw('smtpAlertChecker', (s) => `Invalid value '${s.args[0]?.text}' for global smtp_alert_checker specified`),
    checker_log_all_failures: boolKw('checkerLogAllFailures', () => 'Invalid value for checker_log_all_failures specified'),
    dynamic_interfaces: (s, c, ctx) => {
      c.global.dynamicInterfaces = true;
      const w = s.args[0];
      if (!w) return;
      if (w.text === 'allow_if_changes') c.global.allowIfChanges = true;
      else ctx.sink.error(w.pos, `Unknown dynamic_interfaces option '${w.text}'`, 'the only option is allow_if_changes');
    },
    no_email_faults: flag('noEmailFaults'),
    default_interface: (s, c, ctx) => {
      if (!s.args[0]) ctx.sink.error(s.pos, 'default_interface requires interface name');
      else c.global.defaultInterface = s.args[0].text;
    },
    disable_local_igmp: flag('disableLocalIgmp'),
    lvs_timeouts: lvsTimeouts,
    lvs_flush: flag('lvsFlush'),
    lvs_flush_on_stop: (s, c, ctx) => lvsFlushOnStop(s, c, ctx),
    lvs_flush_onstop: (s, c, ctx) => lvsFlushOnStop(s, c, ctx),
    lvs_sync_daemon: lvsSyncDaemon,
    vrrp_mcast_group4: mcastGroup(4),
    vrrp_mcast_group6: mcastGroup(6),
    vrrp_garp_master_delay: garpDelay('vrrpGarpMasterDelay', 'vrrp_garp_master_delay'),
    vrrp_garp_master_repeat: garpRepeat('vrrpGarpMasterRepeat', 'vrrp_garp_master_repeat'),
    vrrp_garp_master_refresh: (s, c, ctx) => {
      const v = kaUnsigned(s, ctx, 0, 0, 0xffffffff, `Invalid vrrp_garp_master_refresh '${s.args[0]?.text ?? ''}' - ignoring`);
      c.global.vrrpGarpMasterRefresh = v ?? 0;
    },
    vrrp_garp_master_refresh_repeat: garpRepeat('vrrpGarpMasterRefreshRepeat', 'vrrp_garp_master_refresh_repeat'),
    vrrp_garp_lower_prio_delay: garpDelay('vrrpGarpLowerPrioDelay', 'vrrp_garp_lower_prio_delay'),
    vrrp_garp_lower_prio_repeat: (s, c, ctx) => {
      const v = kaUnsigned(s, ctx, 0, 0, 0x7fffffff, `Invalid vrrp_garp_lower_prio_repeat '${s.args[0]?.text ?? ''}'`);
      if (v === undefined) return;
      c.global.vrrpGarpLowerPrioRepeat = v;
      lowerPrioSet(c).repeat = true;
    },
    vrrp_down_timer_adverts: (s, c, ctx) => {
      const v = kaUnsigned(s, ctx, 0, 1, 100, `Invalid vrrp_down_timer_adverts [1:100] '${s.args[0]?.text ?? ''}'`);
      if (v !== undefined) c.global.vrrpDownTimerAdverts = v;
    },
    vrrp_garp_interval: garpInterval('vrrpGarpInterval', 'vrrp_garp_interval'),
    vrrp_gna_interval: garpInterval('vrrpGnaInterval', 'vrrp_gna_interval'),
    vrrp_min_garp: (s, c, ctx) => {
      const v = kaBool(s, ctx, 'Invalid value for vrrp_min_garp specified');
      if (!v) return;
      const g = c.global;
      g.vrrpMinGarp = true;
      // one GARP, no second burst, no refresh - only where still at the defaults
      if (g.vrrpGarpMasterRepeat === 5) g.vrrpGarpMasterRepeat = 1;
      if (g.vrrpGarpMasterRefreshRepeat === 1) g.vrrpGarpMasterRefreshRepeat = 0;
      if (g.vrrpGarpMasterDelay === 5) g.vrrpGarpMasterDelay = 0;
    },
    vrrp_garp_extra_if: (s, c, ctx) => garpExtraIfGlobal(s, c, ctx),
    vrrp_vmac_garp_intvl: (s, c, ctx) => {
      ctx.sink.warning(s.pos, 'Keyword "vrrp_vmac_garp_intvl" is deprecated - please use "vrrp_garp_extra_if"');
      garpExtraIfGlobal(s, c, ctx);
    },
    vrrp_lower_prio_no_advert: boolKw('vrrpLowerPrioNoAdvert', () => 'Invalid value for vrrp_lower_prio_no_advert specified'),
    vrrp_higher_prio_send_advert: boolKw('vrrpHigherPrioSendAdvert', () => 'Invalid value for vrrp_higher_prio_send_advert specified'),
    vrrp_version: (s, c, ctx) => {
      const v = kaUnsigned(s, ctx, 0, 2, 3, 'VRRP Error: Version must be either 2 or 3');
      if (v !== undefined) c.global.vrrpVersion = v as 2 | 3;
    },
    vrrp_iptables: (s, c, ctx) => {
      ctx.sink.error(s.pos, "iptables not supported, using nftables instead. Please replace 'vrrp_iptables and 'vrrp_ipsets' with 'nftables' config option");
      c.global.nftables = { table: 'keepalived', priority: -1 };
    },
    nftables: (s, c, ctx) => {
      if (c.global.nftables) {
        ctx.sink.error(s.pos, 'nftables already specified - ignoring');
        return;
      }
      const name = s.args[0]?.text ?? 'keepalived';
      if (name.length >= 256) {
        ctx.sink.error(s.args[0].pos, 'nftables table name too long - ignoring');
        return;
      }
      c.global.nftables = { table: name, priority: -1 };
    },
    nftables_priority: (s, c, ctx) => {
      const v = s.args[0] ? parseSigned(s.args[0].text, -2147483648, 2147483647) : undefined;
      if (v === undefined) ctx.sink.error(argPos(s, 0), `invalid nftables chain priority '${s.args[0]?.text ?? ''}'`);
      else if (c.global.nftables) c.global.nftables.priority = v;
      else nftPriority.set(c, v);
    },
    nftables_ifindex: flag('nftablesIfindex'),
    nftables_ipvs: (s, c, ctx) => {
      if (c.global.nftablesIpvs) {
        ctx.sink.error(s.pos, 'ipvs nftables already specified - ignoring');
        return;
      }
      const name = s.args[0]?.text ?? 'keepalived_ipvs';
      if (name.length >= 256) {
        ctx.sink.error(s.args[0].pos, 'ipvs nftables table name too long - ignoring');
        return;
      }
      c.global.nftablesIpvs = { table: name, priority: -1, startFwmark: 1000 };
    },
    nftables_ipvs_priority: (s, c, ctx) => {
      const v = s.args[0] ? parseSigned(s.args[0].text, -2147483648, 2147483647) : undefined;
      if (v === undefined) ctx.sink.error(argPos(s, 0), `invalid ipvs nftables chain priority '${s.args[0]?.text ?? ''}'`);
      else if (c.global.nftablesIpvs) c.global.nftablesIpvs.priority = v;
    },
    nftables_ipvs_start_fwmark: (s, c, ctx) => {
      const v = s.args[0] ? parseUnsigned(s.args[0].text, 1, 0xffffffff) : undefined;
      if (v === undefined) ctx.sink.error(argPos(s, 0), `invalid ipvs nftables start_fwmark priority '${s.args[0]?.text ?? ''}'`);
      else if (c.global.nftablesIpvs) c.global.nftablesIpvs.startFwmark = v;
    },
    nftables_counters: flag('nftablesCounters'),
    vrrp_check_unicast_src: flag('vrrpCheckUnicastSrc'),
    vrrp_skip_check_adv_addr: flag('vrrpSkipCheckAdvAddr'),
    vrrp_strict: flag('vrrpStrict'),
    notify_fifo: fifo('', (g) => g.notifyFifo, (g, f) => { g.notifyFifo = f; }),
    notify_fifo_script: fifoScript('', (g) => g.notifyFifo, (g, f) => { g.notifyFifo = f; }),
    vrrp_notify_fifo: fifo('vrrp_', (g) => g.vrrpNotifyFifo, (g, f) => { g.vrrpNotifyFifo = f; }),
    vrrp_notify_fifo_script: fifoScript('vrrp_', (g) => g.vrrpNotifyFifo, (g, f) => { g.vrrpNotifyFifo = f; }),
    vrrp_notify_priority_changes: boolKw('vrrpNotifyPriorityChanges', (s) => `Invalid value '${s.args[0]?.text}' for global vrrp_notify_priority_changes specified`),
    fifo_write_vrrp_states_on_reload: flag('fifoWriteVrrpStatesOnReload'),
    lvs_notify_fifo: fifo('lvs_', (g) => g.lvsNotifyFifo, (g, f) => { g.lvsNotifyFifo = f; }),
    lvs_notify_fifo_script: fifoScript('lvs_', (g) => g.lvsNotifyFifo, (g, f) => { g.lvsNotifyFifo = f; }),
    snmp_socket: (s, c, ctx) => {
      if (s.args.length > 1) ctx.sink.error(s.args[1].pos, 'Too many parameters specified for snmp_socket - ignoring');
      else if (!s.args.length) ctx.sink.error(s.pos, 'SNMP error : snmp socket name missing');
      else if (c.global.snmpSocket) ctx.sink.error(s.pos, `SNMP socket already set to ${c.global.snmpSocket} - ignoring`);
      else c.global.snmpSocket = s.args[0].text;
    },
    enable_traps: flag('enableTraps'),
    enable_snmp_vrrp: flag('enableSnmpVrrp'),
    enable_snmp_keepalived: flag('enableSnmpVrrp'),
    enable_snmp_rfc: (_s, c) => {
      c.global.enableSnmpRfcv2 = true;
      c.global.enableSnmpRfcv3 = true;
    },
    enable_snmp_rfcv2: flag('enableSnmpRfcv2'),
    enable_snmp_rfcv3: flag('enableSnmpRfcv3'),
    enable_snmp_checker: flag('enableSnmpChecker'),
    enable_dbus: flag('enableDbus'),
    dbus_service_name: (s, c, ctx) => {
      if (!s.args[0]) ctx.sink.error(s.pos, 'dbus_service_name missing - ignoring');
      else c.global.dbusServiceName = s.args[0].text;
    },
    script_user: (s, c, ctx) => {
      const w = s.args[0];
      if (!w) {
        ctx.sink.error(s.pos, 'No script username specified');
        return;
      }
      c.global.scriptUser = w.text;
      c.global.scriptGroup = s.args[1]?.text;
      c.global.scriptUserPos = s.pos;
      if (ctx.env.lookupUser && !ctx.env.lookupUser(w.text)) {
        ctx.sink.notice(w.pos, `Script user '${w.text}' does not exist`);
        ctx.sink.error(s.pos, 'Error setting global script uid/gid', `user '${w.text}' does not exist; scripts without their own user will not run`);
        vrrpParseState(c).scriptUserFailed = true;
      }
    },
    enable_script_security: flag('enableScriptSecurity'),
    rs_init_notifies: boolKw('rsInitNotifies', (s) => `Invalid value '${s.args[0]?.text}' for global rs_init_notifies specified`),
    no_checker_emails: boolKw('noCheckerEmails', (s) => `Invalid value '${s.args[0]?.text}' for global no_checker_emails specified`),
    vrrp_startup_delay: (s, c, ctx) => {
      const w = s.args[0];
      const us = w ? parseDecimalUs(w.text, 1000, 4294967295) : undefined;
      if (us === undefined) ctx.sink.error(argPos(s, 0), `vrrp_startup_delay '${w?.text ?? ''}' is invalid`, 'at least 0.001 seconds');
      else c.global.vrrpStartupDelay = us / 1e6;
    },
    log_unknown_vrids: flag('logUnknownVrids'),
    vmac_prefix: (s, c, ctx) => {
      const w = s.args[0];
      if (!w) return;
      if (vmacSet(c).prefix) ctx.sink.error(w.pos, `vmac prefix has already been specified - ignoring ${w.text}`);
      else {
        vmacSet(c).prefix = true;
        c.global.vmacPrefix = w.text;
        if (!vmacSet(c).addrPrefix) c.global.vmacAddrPrefix = w.text;
      }
    },
    vmac_addr_prefix: (s, c, ctx) => {
      const w = s.args[0];
      if (!w) return;
      if (vmacSet(c).addrPrefix) ctx.sink.error(w.pos, `vmac_addr prefix has already been specified - ignoring ${w.text}`);
      else {
        vmacSet(c).addrPrefix = true;
        c.global.vmacAddrPrefix = w.text;
      }
    },
    umask: umaskHandler,
    random_seed: (s, c, ctx) => {
      const v = s.args[0] ? parseUnsigned(s.args[0].text, 0, 0xffffffff) : undefined;
      if (v === undefined) ctx.sink.error(argPos(s, 0), `random_seed ${s.args[0]?.text ?? ''} invalid`);
      else c.global.randomSeed = v;
    },
    reload_check_config: (s, c) => { c.global.reloadCheckConfig = s.args[0]?.text ?? '/dev/null'; },
    reload_time_file: (s, c, ctx) => {
      if (s.args.length !== 1) ctx.sink.error(s.pos, 'reload_time_file invalid');
      else c.global.reloadTimeFile = s.args[0].text;
    },
    reload_repeat: flag('reloadRepeat'),
    reload_file: (s, c) => { c.global.reloadFile = s.args[0]?.text ?? '/run/keepalived.reload'; },
    include_check: unsupported('strict include checking'),
    config_save_dir: (s, c, ctx) => {
      if (!s.args[0]) ctx.sink.error(s.pos, 'config_save_dir needs a directory');
      else c.global.configSaveDir = s.args[0].text.replace(/\/$/, '');
    },
    tmp_config_directory: (s, c, ctx) => {
      if (c.global.tmpConfigDirectory) ctx.sink.error(s.pos, `${s.keyword} already specified - ignoring`);
      else if (!s.args[0]) ctx.sink.error(s.pos, `${s.keyword} missing directory name`);
      else c.global.tmpConfigDirectory = s.args[0].text;
    },
    data_use_instance: boolKw('dataUseInstance', (s) => `Invalid value '${s.args[0]?.text}' for global date_use_instance specified`),
  };
  // process scheduling and socket-buffer tuning: recognised, not applied
  for (const p of ['vrrp', 'checker', 'bfd']) {
    for (const k of ['priority', 'no_swap', 'rt_priority', 'cpu_affinity', 'rlimit_rttime', 'rlimit_rtime']) tableEntries[`${p}_${k}`] = unsupported('process scheduling', 'none');
  }
  for (const k of [
    'vrrp_netlink_cmd_rcv_bufs', 'vrrp_netlink_cmd_rcv_bufs_force', 'vrrp_netlink_monitor_rcv_bufs', 'vrrp_netlink_monitor_rcv_bufs_force',
    'process_monitor_rcv_bufs', 'process_monitor_rcv_bufs_force', 'lvs_netlink_cmd_rcv_bufs', 'lvs_netlink_cmd_rcv_bufs_force',
    'lvs_netlink_monitor_rcv_bufs', 'lvs_netlink_monitor_rcv_bufs_force', 'vrrp_rx_bufs_policy', 'vrrp_rx_bufs_multiplier',
  ]) tableEntries[k] = unsupported('socket buffer tuning', 'none');
  return registry.register('global_defs', tableEntries);
}

const nftPriority = new WeakMap<G, number>();
const vmacFlags = new WeakMap<G, { prefix: boolean; addrPrefix: boolean }>();
function vmacSet(c: G): { prefix: boolean; addrPrefix: boolean } {
  let v = vmacFlags.get(c);
  if (!v) {
    v = { prefix: false, addrPrefix: false };
    vmacFlags.set(c, v);
  }
  return v;
}

/** A `nftables_priority` given before `nftables` (applied when a table is chosen). */
export function pendingNftPriority(c: G): number | undefined {
  return nftPriority.get(c);
}

function lvsFlushOnStop(s: Stmt, c: G, ctx: BuildContext): void {
  const w = s.args[0];
  if (!w) c.global.lvsFlushOnStop = 'full';
  else if (w.text === 'VS') c.global.lvsFlushOnStop = 'vs';
  else ctx.sink.error(w.pos, `Unknown lvs_flush_on_stop type ${w.text}`, 'the only option is VS');
}

function garpExtraIfGlobal(s: Stmt, c: G, ctx: BuildContext): void {
  let all = false;
  let delay = 0;
  for (const w of s.args) {
    if (w.text === 'all') all = true;
    else {
      const v = parseUnsigned(w.text, 1, 86400);
      if (v === undefined) {
        ctx.sink.error(w.pos, `${s.keyword} '${w.text}' invalid - ignoring`);
        return;
      }
      delay = v;
    }
  }
  if (!delay) {
    ctx.sink.error(s.pos, `${s.keyword} specified without time - ignoring`);
    return;
  }
  c.global.vrrpGarpExtraIf = { interval: delay, all };
}

/** Global keywords keepalived accepts only at top level. */
export function topLevelGlobals(): KeywordTable<G> {
  return {
    net_namespace: (s, c, ctx) => {
      if (!s.args[0]) ctx.sink.error(s.pos, 'net_namespace name missing - ignoring');
      else if (c.global.netNamespace !== undefined) ctx.sink.error(s.pos, `Duplicate net_namespace definition ${s.args[0].text} - ignoring`);
      else {
        c.global.netNamespace = s.args[0].text;
        c.global.usePidDir = true;
        // From here on the machine checks look inside that namespace, as keepalived -t does once it
        // has entered it; when it does not exist here, keepalived -t checks nothing, and neither do we.
        const inside = ctx.env.inNetns?.(s.args[0].text);
        if (inside) ctx.env = inside;
        else {
          ctx.env = { hostname: ctx.env.hostname };
          ctx.sink.notice(s.pos, `network namespace '${s.args[0].text}' does not exist here: interfaces and script files are not checked (keepalived -t does not check them either)`);
        }
      }
    },
    net_namespace_ipvs: (s, c, ctx) => {
      if (c.global.netNamespaceIpvs !== undefined) ctx.sink.error(s.pos, `Duplicate net_namespace_ipvs definition ${s.args[0]?.text ?? ''} - ignoring`);
      else c.global.netNamespaceIpvs = s.args[0]?.text ?? '';
    },
    namespace_with_ipsets: (_s, c) => { c.global.namespaceWithIpsets = true; },
    use_pid_dir: (_s, c) => { c.global.usePidDir = true; },
    instance: (s, c, ctx) => {
      if (!s.args[0]) ctx.sink.error(s.pos, 'instance name missing - ignoring');
      else if (c.global.instanceName !== undefined) ctx.sink.error(s.pos, `Duplicate instance definition ${s.args[0].text} - ignoring`);
      else {
        c.global.instanceName = s.args[0].text;
        c.global.usePidDir = true;
      }
    },
    child_wait_time: (s, c, ctx) => {
      const v = s.args[0] ? parseUnsigned(s.args[0].text, 0, 0xffffffff) : undefined;
      if (v === undefined) ctx.sink.error(argPos(s, 0), `Invalid child_wait_time ${s.args[0]?.text ?? ''}`);
      else c.global.childWaitTime = v;
    },
    linkbeat_use_polling: (_s, c) => { c.global.linkbeatUsePolling = true; },
  };
}

export function globalDefsKeyword(registry: SchemaRegistry) {
  const table = globalDefsTable(registry);
  return blockKeyword<G>((s, c, ctx) => applyBlock(s.block, table, c, ctx, 'global_defs'));
}
