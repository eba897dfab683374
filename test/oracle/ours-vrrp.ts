// Projects OUR configuration model (KeepalivedConfig) onto the comparable shape keepalived 2.2.7's
// `-d` dump is parsed into (comparable.ts), so that vrrp-dump.test.ts can deepEqual the two.
//
// What is compared: every field of ComparableVrrpConfig except the few that hold values of the
// machine rather than of the configuration. Those are set to one fixed value on BOTH sides by
// normaliseComparable() (applied to keepalived's parse and to our projection alike):
// - uid:gid of scripts and of the default script user (numbers from this machine's passwd);
// - "Using src_ip" when it is not configured (the interface's primary address, or its random
//   IPv6 link-local address);
// - the `other` maps (process tuning, SNMP/DBus, netlink buffers, libnftnl version, ...: lines
//   that are either not VRRP configuration or not in our model) and the list of dump sections;
// - the instance flag "Unicast config option specified but using multicast": the model does not
//   record that a unicast keyword was written without peers; the effect (multicast) is compared
//   through `unicast` and `mcastAddress`.
// Equivalent spellings are brought to one form, also on both sides: a vrrp_script timeout of 0
// means "the interval" (keepalived dumps 0, our model stores the interval), and the back-references
// from scripts/files/processes to the instances tracking them are sorted by instance name.
//
// What keepalived drops at run time and our model keeps is dropped here by the SAME rule
// (ProjectionHost answers from the machine keepalived ran on):
// - a script whose file cannot be accessed: a notify script is not set at all, a vrrp_script is
//   disabled ("Disabling track script X since not found/accessible"), and so is every track of it;
// - a bare command name is resolved through PATH ("resolved by path search to ...");
// - keepalived lists only vrrp_scripts, track files and track processes that something tracks.
// Machine-dependent defaults that the config did not set (router_id, smtp_helo_name and
// notification_email_from default to the host name) come from the model, which was built with the
// same host name keepalived saw (ConfigEnv.hostname).

import type {
  ComparableGarp,
  ComparableGlobal,
  ComparableNotify,
  ComparableScriptCommand,
  ComparableSyncGroup,
  ComparableTrack,
  ComparableTrackFile,
  ComparableTrackingRef,
  ComparableTrackProcess,
  ComparableUnicastPeer,
  ComparableVrrpConfig,
  ComparableVrrpInstance,
  ComparableVrrpScript,
  OnOffUnset,
} from './comparable.js';
import type {
  KeepalivedConfig,
  ScriptRef,
  TrackedInterface,
  TrackedObject,
  VirtualIpAddress,
  VirtualRoute,
  VirtualRule,
  VrrpInstance,
  VrrpSyncGroup,
} from '../../src/config/model/index.js';

/** What keepalived looked up on the machine while loading the configuration. */
export interface ProjectionHost {
  /** PATH search for a bare command name (keepalived does it at load time). */
  which(name: string): string | undefined;
  /** keepalived's access check of a script file: false = the script is dropped / disabled. */
  scriptAccessible(path: string): boolean;
}

const USE_INTERVAL = 0;

// ---------------------------------------------------------------------------------------------
// scripts

/** argv as keepalived will exec it: bare names resolved through PATH; undefined = dropped. */
function resolvedArgv(script: ScriptRef, host: ProjectionHost): string[] | undefined {
  const argv = [...script.argv];
  if (argv.length === 0) return undefined;
  const first = argv[0];
  // A first word that is a redirection (`</dev/tcp/host/port`) is run through /bin/sh as is.
  if (first.startsWith('<') || first.startsWith('>')) return argv;
  if (!first.includes('/')) {
    const found = host.which(first);
    if (!found) return undefined;
    argv[0] = found;
  }
  return host.scriptAccessible(argv[0]) ? argv : undefined;
}

/** keepalived's cmd_str(): every word in single quotes, except a leading redirection. */
export function commandDisplay(argv: readonly string[]): string {
  return argv.map((w, i) => (i === 0 && (w.startsWith('<') || w.startsWith('>')) ? w : `'${w}'`)).join(' ');
}

function scriptCommand(script: ScriptRef | undefined, host: ProjectionHost): ComparableScriptCommand | undefined {
  if (!script) return undefined;
  const argv = resolvedArgv(script, host);
  if (!argv) return undefined;
  return { command: commandDisplay(argv), argv, uidGid: '' };
}

function notifyOf(
  o: Pick<VrrpInstance, 'notifyBackup' | 'notifyMaster' | 'notifyFault' | 'notifyStop' | 'notify'> &
    Partial<Pick<VrrpInstance, 'notifyDeleted' | 'notifyMasterRxLowerPri'>>,
  host: ProjectionHost,
): ComparableNotify {
  const out: ComparableNotify = {};
  const set = (key: keyof ComparableNotify, s: ScriptRef | undefined): void => {
    const c = scriptCommand(s, host);
    if (c) out[key] = c;
  };
  set('backup', o.notifyBackup);
  set('master', o.notifyMaster);
  set('fault', o.notifyFault);
  set('stop', o.notifyStop);
  set('deleted', o.notifyDeleted);
  set('generic', o.notify);
  set('masterRxLowerPri', o.notifyMasterRxLowerPri);
  return out;
}

// ---------------------------------------------------------------------------------------------
// addresses, routes, rules (keepalived's format_ipaddress / format_iproute / format_iprule)

/** ipaddresstos(): the prefix is written only when it is not the full length. */
function addrText(text: string, family: 4 | 6, prefixLen: number): string {
  return prefixLen === (family === 4 ? 32 : 128) ? text : `${text}/${prefixLen}`;
}

/** Canonical address string of comparable.ts (prefix always written). */
export function formatAddress(a: VirtualIpAddress, vmac?: { name: string; base: string }): string {
  const len = a.address.prefixLen;
  const out = [`${a.address.text}/${len}`];
  if (a.address.family === 4 && a.broadcast && a.broadcast.text !== '0.0.0.0') out.push('brd', a.broadcast.text);
  out.push('dev', vmac && a.dev === vmac.name ? `${a.dev}@${vmac.base}` : a.dev);
  if (a.useVmac) out.push('use_vmac');
  out.push('scope', a.scope);
  if (a.label !== undefined) out.push('label', a.label);
  if (a.peer) out.push('peer', `${a.peer.text}/${len}`);
  // the ip-addr flags in keepalived's order
  if (a.flags.includes('home')) out.push('home');
  if (a.flags.includes('nodad')) out.push('-nodad');
  if (a.flags.includes('mngtmpaddr')) out.push('mngtmpaddr');
  if (a.flags.includes('noprefixroute')) out.push('noprefixroute');
  if (a.flags.includes('autojoin')) out.push('autojoin');
  if (a.noTrack) out.push('no_track');
  if (a.trackGroup !== undefined) out.push('track_group', a.trackGroup);
  if (a.address.family === 6) {
    const lft = a.preferredLft ?? (len === 128 ? 0 : 'forever');
    if (lft === 0) out.push('deprecated');
    else out.push('preferred_lft', String(lft));
  }
  return out.join(' ');
}

const SCOPE_NUMBERS: Record<string, number> = { global: 0, site: 200, link: 253, host: 254, nowhere: 255 };
const PROTOCOL_NUMBERS: Record<string, number> = {
  none: 0, redirect: 1, kernel: 2, boot: 3, static: 4, gated: 8, ra: 9, mrt: 10, zebra: 11, bird: 12,
  dnrouted: 13, xorp: 14, ntk: 15, dhcp: 16, keepalived: 18, babel: 42,
};
const scopeNumber = (s: string): number => SCOPE_NUMBERS[s] ?? Number(s);
const protocolNumber = (p: string): number => PROTOCOL_NUMBERS[p] ?? Number(p);

/** "lock 1400" → ["lock ", "1400"] */
function locked(v: string): [string, string] {
  return v.startsWith('lock ') ? ['lock ', v.slice(5)] : ['', v];
}

/**
 * keepalived's format_iproute() text. Limits: the model keeps no "scope written" flag, so an
 * explicit `scope global` (printed by keepalived as `scope 0`) is not reproduced; rtt/rttvar/rto_min
 * and encap are kept as written by the model and printed only approximately (no sample uses them).
 */
export function formatRoute(r: VirtualRoute): string {
  const out: string[] = [r.mode];
  if (r.type !== 'unicast') out.push(r.type);
  out.push(addrText(r.to.text, r.to.family, r.to.prefixLen));
  const o = r.options;
  if (r.from) out.push('from', addrText(r.from.text, r.from.family, r.from.prefixLen));
  if (r.src) out.push('src', r.src.text);
  if (o.tos !== undefined) out.push('tos', o.tos);
  if (o.encap !== undefined) out.push('encap', o.encap);
  if (r.via) out.push('via', r.via.family === 6 ? 'inet6' : 'inet', r.via.text);
  if (r.dev) out.push('dev', r.dev);
  if (r.table !== 254) out.push('table', String(r.table));
  if (r.protocol !== undefined) out.push('proto', String(protocolNumber(r.protocol)));
  if (r.scope !== 'global') out.push('scope', String(scopeNumber(r.scope)));
  if (r.metric !== undefined) out.push('metric', String(r.metric));
  if (r.family === 4 && r.onlink) out.push('onlink');
  if (o.realms !== undefined) {
    // keepalived prints the source realm only when it is not 0
    const [a, b] = o.realms.includes('/') ? o.realms.split('/') : ['0', o.realms];
    out.push(Number(a) ? `realms ${a}/${b}` : `realm ${b}`);
  }
  if (o.expires !== undefined) out.push('expires', `${o.expires}sec`);
  if (o.congctl !== undefined) {
    const [lock, v] = locked(o.congctl);
    out.push('congctl', `${v}${lock ? 'lock ' : ''}`.trimEnd());
  }
  for (const t of ['rtt', 'rttvar', 'rto_min']) if (o[t] !== undefined) out.push(t, o[t]);
  if (o.features !== undefined) out.push('features', o.features);
  for (const m of ['mtu', 'window', 'ssthresh', 'cwnd', 'advmss', 'reordering', 'hoplimit', 'initcwnd', 'initrwnd', 'quickack']) {
    if (o[m] === undefined) continue;
    const [lock, v] = locked(o[m]);
    out.push(m, `${lock}${v}`);
  }
  if (o.pref !== undefined) out.push('pref', o.pref);
  if (o.fastopen_no_cookie !== undefined) out.push('fastopen_no_cookie', o.fastopen_no_cookie);
  if (o['ttl-propagate'] !== undefined) out.push('ttl-propagate', o['ttl-propagate']);
  for (const nh of r.nexthops) {
    out.push('nexthop');
    if (nh.via) out.push('via', nh.via.family === 6 ? 'inet6' : 'inet', nh.via.text);
    if (nh.dev) out.push('dev', nh.dev);
    if (nh.weight !== undefined) out.push('weight', String(nh.weight));
    if (nh.onlink) out.push('onlink');
    if (nh.options.realms !== undefined) out.push('realm', nh.options.realms);
  }
  if (r.noTrack) out.push('no_track');
  if (r.trackGroup !== undefined) out.push('track_group', r.trackGroup);
  return out.join(' ');
}

const IP_PROTO_NUMBERS: Record<string, number> = {
  icmp: 1, tcp: 6, udp: 17, gre: 47, esp: 50, ah: 51, 'ipv6-icmp': 58, sctp: 132, udplite: 136, dccp: 33,
};

/** keepalived's format_iprule() text. */
export function formatRule(r: VirtualRule): string {
  const out: string[] = [];
  if (!r.to && !r.from && r.family === 6) out.push('inet6');
  if (r.invert) out.push('not');
  out.push('from', r.from ? addrText(r.from.text, r.from.family, r.from.prefixLen) : 'all');
  if (r.to) out.push('to', addrText(r.to.text, r.to.family, r.to.prefixLen));
  out.push('priority', String(r.priority));
  out.push('tos', `0x${(r.tos ?? 0).toString(16)}`);
  if (r.fwmark !== undefined || r.fwmask !== undefined) {
    const mask = r.fwmask !== undefined && r.fwmask !== 0xffffffff ? `/0x${r.fwmask.toString(16)}` : '';
    out.push('fwmark', `0x${(r.fwmark ?? 0).toString(16)}${mask}`);
  }
  if (r.iif) out.push('iif', r.iif);
  if (r.oif) out.push('oif', r.oif);
  const o = r.options;
  if (o.suppress_prefixlength !== undefined) out.push('suppress_prefixlen', o.suppress_prefixlength);
  if (o.suppress_ifgroup !== undefined) out.push('suppress_ifgroup', o.suppress_ifgroup);
  if (o['tunnel-id'] !== undefined) out.push('tunnel-id', o['tunnel-id']);
  if (r.uidrange) out.push('uidrange', `${r.uidrange.start}-${r.uidrange.end}`);
  if (r.l3mdev) out.push('l3mdev');
  if (o.protocol !== undefined) out.push('protocol', o.protocol);
  if (r.ipProto !== undefined) out.push('ipproto', String(IP_PROTO_NUMBERS[r.ipProto] ?? r.ipProto));
  if (r.sport) out.push('sport', `${r.sport.start}-${r.sport.end}`);
  if (r.dport) out.push('dport', `${r.dport.start}-${r.dport.end}`);
  if (o.realms !== undefined) {
    const [a, b] = o.realms.includes('/') ? o.realms.split('/') : ['0', o.realms];
    out.push('realms', `${a}/${b}`);
  }
  switch (r.action) {
    case 'table': out.push('lookup', String(r.table ?? 0)); break;
    case 'goto': out.push('goto', String(r.gotoTarget)); break;
    case 'nop': out.push('nop'); break;
    default: out.push('type', r.action);
  }
  if (r.noTrack) out.push('no_track');
  if (r.trackGroup !== undefined) out.push('track_group', r.trackGroup);
  return out.join(' ');
}

// ---------------------------------------------------------------------------------------------
// global

const onOff = (v: boolean | undefined): OnOffUnset => (v === undefined ? 'unset' : v ? 'on' : 'off');

function projectGlobal(config: KeepalivedConfig, hostname: string): ComparableGlobal {
  const g = config.global;
  const smtp = g.smtpServer;
  // keepalived fills in smtp_connect_timeout, smtp_helo_name and notification_email_from only when
  // an smtp_server is configured, and prints them only when set; the model always holds the
  // defaults, so without a server a value is "set" exactly when it differs from the default.
  const helo = smtp || g.smtpHeloName !== hostname ? g.smtpHeloName : null;
  const timeout = smtp || g.smtpConnectTimeout !== 30 ? g.smtpConnectTimeout : null;
  const from = smtp || g.notificationEmailFrom !== `root@${hostname}` ? g.notificationEmailFrom : null;
  return {
    networkNamespace: g.netNamespace ?? null,
    routerId: g.routerId,
    smtpServer: smtp ? (smtp.address?.text ?? smtp.host) : null,
    smtpServerPort: smtp ? smtp.port : null,
    smtpHeloName: helo,
    smtpConnectTimeout: timeout,
    emailFrom: from,
    // the recipients are printed under "Email notification from" only
    emailTo: from !== null ? [...g.notificationEmail] : [],
    smtpAlert: onOff(g.smtpAlert),
    smtpAlertVrrp: onOff(g.smtpAlertVrrp),
    smtpAlertChecker: onOff(g.smtpAlertChecker),
    checkerLogAllFailures: g.checkerLogAllFailures,
    dynamicInterfaces: g.dynamicInterfaces,
    allowIfChanges: g.dynamicInterfaces ? g.allowIfChanges : null,
    defaultInterface: g.defaultInterface,
    disableLocalIgmp: g.disableLocalIgmp,
    lvsFlush: g.lvsFlush,
    lvsFlushOnStop: { none: 'disabled', full: 'full', vs: 'VS' }[g.lvsFlushOnStop],
    fifoWriteVrrpStatesOnReload: g.fifoWriteVrrpStatesOnReload,
    vrrpNotifyPriorityChanges: g.vrrpNotifyPriorityChanges,
    mcastGroup4: g.vrrpMcastGroup4.text,
    mcastGroup6: g.vrrpMcastGroup6.text,
    garp: {
      delay: Math.floor(g.vrrpGarpMasterDelay),
      repeat: g.vrrpGarpMasterRepeat,
      refresh: Math.floor(g.vrrpGarpMasterRefresh),
      refreshRepeat: g.vrrpGarpMasterRefreshRepeat,
      lowerPrioDelay: Math.floor(g.vrrpGarpLowerPrioDelay),
      lowerPrioRepeat: g.vrrpGarpLowerPrioRepeat,
    },
    downTimerAdverts: g.vrrpDownTimerAdverts,
    lowerPrioNoAdvert: g.vrrpLowerPrioNoAdvert,
    higherPrioSendAdvert: g.vrrpHigherPrioSendAdvert,
    // printed with %f: microseconds
    garpInterval: Number(g.vrrpGarpInterval.toFixed(6)),
    gnaInterval: Number(g.vrrpGnaInterval.toFixed(6)),
    vrrpVersion: g.vrrpVersion,
    checkUnicastSrc: g.vrrpCheckUnicastSrc,
    skipCheckAdvAddr: g.vrrpSkipCheckAdvAddr,
    strict: g.vrrpStrict,
    maxAutoPriority: g.maxAutoPriority === -1 ? null : g.maxAutoPriority,
    scriptSecurity: g.enableScriptSecurity,
    defaultScriptUidGid: null,
    umask: `0${g.umask.toString(8)}`,
    vrrpStartupDelay: g.vrrpStartupDelay ? g.vrrpStartupDelay : null,
    logUnknownVrids: g.logUnknownVrids,
    // printed only when configured; the model holds the default 'vrrp'
    vmacPrefix: g.vmacPrefix !== 'vrrp' ? g.vmacPrefix : null,
    vmacAddrPrefix: g.vmacAddrPrefix !== 'vrrp' ? g.vmacAddrPrefix : null,
    other: {},
  };
}

// ---------------------------------------------------------------------------------------------
// tracking

const track = (t: TrackedInterface | TrackedObject): ComparableTrack => ({ name: t.name, weight: t.weight, reverse: t.reverse });

interface Usable {
  /** vrrp_scripts keepalived keeps (file accessible), by name, with the argv it will run */
  scripts: Map<string, string[]>;
}

function usableScripts(config: KeepalivedConfig, host: ProjectionHost): Usable {
  const scripts = new Map<string, string[]>();
  for (const s of config.vrrp.vrrpScripts) {
    const argv = resolvedArgv(s.script, host);
    if (argv) scripts.set(s.name, argv);
  }
  return { scripts };
}

function tracksOf(o: VrrpInstance | VrrpSyncGroup, u: Usable) {
  return {
    trackInterfaces: o.trackInterface.map(track),
    // a disabled script takes its tracks with it
    trackScripts: o.trackScript.filter((t) => u.scripts.has(t.name)).map(track),
    trackFiles: o.trackFile.map(track),
    trackProcesses: o.trackProcess.map(track),
    trackBfds: o.trackBfd.map(track),
  };
}

// ---------------------------------------------------------------------------------------------
// instances

function projectInstance(inst: VrrpInstance, u: Usable, host: ProjectionHost): ComparableVrrpInstance {
  const vmac = inst.useVmac && inst.interface ? { name: inst.useVmac.name, base: inst.interface } : undefined;
  const flags: string[] = [];
  if (inst.unicast) flags.push('Using unicast');
  if (inst.unicastFaultNoPeer) flags.push('If unicast go to fault state if no peers');
  const garp: ComparableGarp = {
    // printed as whole seconds
    delay: Math.floor(inst.garpMasterDelay),
    repeat: inst.garpMasterRepeat,
    refresh: Math.floor(inst.garpMasterRefresh),
    refreshRepeat: inst.garpMasterRefreshRepeat,
    lowerPrioDelay: Math.floor(inst.garpLowerPrioDelay),
    lowerPrioRepeat: inst.garpLowerPrioRepeat,
  };
  return {
    name: inst.name,
    version: inst.version,
    syncGroup: inst.syncGroup ?? null,
    nativeIpv6: inst.family === 6,
    unicast: inst.unicast,
    flags,
    wantState: inst.state,
    configFaults: 0,
    interface: inst.interface ?? null,
    vmacInterface: inst.useVmac?.name ?? null,
    vmacXmitBase: inst.vmacXmitBase,
    dontTrackPrimary: inst.dontTrackPrimary,
    skipCheckAdvAddr: inst.skipCheckAdvAddr,
    strictMode: inst.strictMode,
    srcIp: inst.srcIp?.text ?? null,
    srcIpFromConfig: inst.srcIp !== undefined,
    mcastAddress: inst.unicast ? null : (inst.mcastDstIp?.text ?? null),
    garp,
    downTimerAdverts: inst.downTimerAdverts,
    lowerPrioNoAdvert: inst.lowerPrioNoAdvert,
    higherPrioSendAdvert: inst.higherPrioSendAdvert,
    vrid: inst.virtualRouterId,
    priority: inst.priority,
    advertIntMs: Math.round(inst.advertInt * 1000),
    accept: inst.accept,
    preempt: !inst.nopreempt,
    nopreempt: inst.nopreempt,
    preemptDelay: inst.preemptDelay,
    promoteSecondaries: inst.promoteSecondaries,
    authType: inst.authentication?.type ?? null,
    // keepalived prints the password for PASS only
    authPass: inst.authentication?.type === 'PASS' ? inst.authentication.password : null,
    vips: inst.virtualIpaddress.map((a) => formatAddress(a, vmac)),
    excludedVips: inst.virtualIpaddressExcluded.map((a) => formatAddress(a, vmac)),
    unicastTtl: inst.unicast ? (inst.unicastTtl ?? null) : null,
    checkUnicastSrc: inst.unicast ? inst.checkUnicastSrc : null,
    unicastPeers: inst.unicast
      ? inst.unicastPeer.map((p): ComparableUnicastPeer => ({ address: p.address.text, minTtl: p.minTtl, maxTtl: p.maxTtl }))
      : [],
    virtualRoutes: inst.virtualRoutes.map(formatRoute),
    virtualRules: inst.virtualRules.map(formatRule),
    ...tracksOf(inst, u),
    smtpAlert: inst.smtpAlert,
    notifyDeleted: inst.notifyDeletedState,
    notify: notifyOf(inst, host),
    notifyPriorityChanges: inst.notifyPriorityChanges,
    other: {},
  };
}

function projectSyncGroup(g: VrrpSyncGroup, u: Usable, host: ProjectionHost): ComparableSyncGroup {
  return {
    name: g.name,
    members: [...g.group],
    smtpAlert: g.smtpAlert,
    trackingWeight: g.syncGroupTrackingWeight,
    notifyPriorityChanges: g.notifyPriorityChanges ?? null,
    ...tracksOf(g, u),
    notify: notifyOf(g, host),
  };
}

// ---------------------------------------------------------------------------------------------
// tracked objects and who tracks them

type Kind = 'trackScript' | 'trackFile' | 'trackProcess';

/**
 * Instances tracking an object: directly, or through their sync group (keepalived hands a group's
 * tracked objects to every member, with the group's weight).
 */
function trackedBy(config: KeepalivedConfig, kind: Kind, name: string): ComparableTrackingRef[] {
  const refs: ComparableTrackingRef[] = [];
  for (const inst of config.vrrp.instances) {
    for (const t of inst[kind]) if (t.name === name) refs.push({ instance: inst.name, weight: t.weight, reverse: t.reverse });
  }
  for (const g of config.vrrp.syncGroups) {
    for (const t of g[kind]) {
      if (t.name !== name) continue;
      for (const m of g.group) refs.push({ instance: m, weight: t.weight, reverse: t.reverse });
    }
  }
  return refs;
}

// ---------------------------------------------------------------------------------------------

export interface ProjectOptions {
  host: ProjectionHost;
  /** the host name the model was built with (ConfigEnv.hostname) */
  hostname: string;
}

/** Our model in keepalived's dump shape (before normaliseComparable). */
export function projectVrrp(config: KeepalivedConfig, opts: ProjectOptions): ComparableVrrpConfig {
  const { host } = opts;
  const u = usableScripts(config, host);
  const v = config.vrrp;

  const scripts = v.vrrpScripts
    .filter((s) => u.scripts.has(s.name))
    .map((s): ComparableVrrpScript => {
      const argv = u.scripts.get(s.name)!;
      return {
        name: s.name,
        command: commandDisplay(argv),
        argv,
        // printed as whole seconds
        interval: Math.floor(s.interval),
        timeout: Math.floor(s.timeout),
        weight: s.weight,
        weightReverse: s.weightReverse,
        rise: s.rise,
        fall: s.fall,
        uidGid: '',
        insecure: false,
        initState: s.initFail ? 'INIT/FAILED' : 'INIT',
        trackedBy: trackedBy(config, 'trackScript', s.name),
      };
    })
    .filter((s) => s.trackedBy.length > 0);

  const trackFiles = v.trackFiles
    .map((f): ComparableTrackFile => ({
      name: f.name,
      file: f.file,
      weight: f.weight,
      weightReverse: f.weightReverse,
      trackedBy: trackedBy(config, 'trackFile', f.name),
    }))
    .filter((f) => f.trackedBy.length > 0);

  const trackProcesses = v.trackProcesses
    .map((p): ComparableTrackProcess => ({
      name: p.name,
      process: p.process,
      parameters: p.params.length ? p.params.join(' ') : null,
      minProcesses: p.quorum,
      maxProcesses: p.quorumMax ?? null,
      weight: p.weight,
      weightReverse: p.weightReverse,
      trackedBy: trackedBy(config, 'trackProcess', p.name),
    }))
    .filter((p) => p.trackedBy.length > 0);

  return {
    global: projectGlobal(config, opts.hostname),
    staticAddresses: v.staticIpaddress.map((a) => formatAddress(a)),
    staticRoutes: v.staticRoutes.map(formatRoute),
    staticRules: v.staticRules.map(formatRule),
    instances: v.instances.map((i) => projectInstance(i, u, host)),
    syncGroups: v.syncGroups.map((g) => projectSyncGroup(g, u, host)),
    scripts,
    trackFiles,
    trackProcesses,
    sections: [],
  };
}

const MULTICAST_FALLBACK_FLAG = 'Unicast config option specified but using multicast';

/** Sets machine values to fixed ones and brings equivalent forms to one (see the header). Pure. */
export function normaliseComparable(c: ComparableVrrpConfig): ComparableVrrpConfig {
  const byInstance = (a: ComparableTrackingRef, b: ComparableTrackingRef) =>
    a.instance < b.instance ? -1 : a.instance > b.instance ? 1 : 0;
  const notify = (n: ComparableNotify): ComparableNotify =>
    Object.fromEntries(Object.entries(n).map(([k, v]) => [k, { ...v, uidGid: '' }])) as ComparableNotify;
  return {
    ...c,
    global: { ...c.global, defaultScriptUidGid: null, other: {} },
    instances: c.instances.map((i) => ({
      ...i,
      flags: i.flags.filter((f) => f !== MULTICAST_FALLBACK_FLAG),
      srcIp: i.srcIpFromConfig ? i.srcIp : null,
      notify: notify(i.notify),
      other: {},
    })),
    syncGroups: c.syncGroups.map((g) => ({ ...g, notify: notify(g.notify) })),
    scripts: c.scripts.map((s) => ({
      ...s,
      uidGid: '',
      timeout: s.timeout === USE_INTERVAL ? s.interval : s.timeout,
      trackedBy: [...s.trackedBy].sort(byInstance),
    })),
    trackFiles: c.trackFiles.map((f) => ({ ...f, trackedBy: [...f.trackedBy].sort(byInstance) })),
    trackProcesses: c.trackProcesses.map((p) => ({ ...p, trackedBy: [...p.trackedBy].sort(byInstance) })),
    sections: [],
  };
}
