// Our LVS model projected onto the comparable form of keepalived's checker dump (checker-dump.ts), so
// that `loadConfig(file)` and `keepalived -d -C -f file` can be compared with one deepEqual.
//
// The projection is direct: each comparable field is the model field that holds the same setting.
// Where keepalived's dump shows a value differently from how the model keeps it, the adjustment is made
// here (or, when only the dump side can be made canonical, in checker-dump.ts) and says why; nothing
// else is adjusted. Model fields the dump does not show (persistence_engine, the VS default weight,
// effective Host/SNI names, per-url regex stacks) are not compared.
import { readFileSync } from 'node:fs';
import type { KeepalivedConfig } from '../../src/config/model/index.js';
import type {
  Checker,
  HttpUrl,
  LvsMethod,
  RealServer,
  SorryServer,
  VirtualServer,
  VirtualServerGroup,
} from '../../src/config/model/lvs.js';
import type { ScriptRef } from '../../src/config/model/script.js';
import type {
  ComparableChecker,
  ComparableRealServer,
  ComparableSorryServer,
  ComparableTunnel,
  ComparableUrl,
  ComparableVirtualServer,
  ComparableVirtualServerGroup,
  Script,
  VirtualServerGroupEntry,
} from './checker-dump.js';

/** uid/gid of accounts, as keepalived resolves script users (inside UML: the host's own /etc files). */
export interface UserDb {
  user(name: string): { uid: number; gid: number } | undefined;
  group(name: string): number | undefined;
}

function readColonFile(path: string): string[][] {
  try {
    return readFileSync(path, 'utf8').split('\n').filter(Boolean).map((l) => l.split(':'));
  } catch {
    return [];
  }
}

export function systemUserDb(): UserDb {
  const passwd = readColonFile('/etc/passwd');
  const groups = readColonFile('/etc/group');
  return {
    user: (name) => {
      const f = passwd.find((p) => p[0] === name);
      return f ? { uid: Number(f[2]), gid: Number(f[3]) } : undefined;
    },
    group: (name) => {
      const f = groups.find((g) => g[0] === name);
      return f ? Number(f[2]) : undefined;
    },
  };
}

/**
 * keepalived 2.2.7's dump lists every PCRE2 option it knows, in this order, as soon as any option is
 * set (its loop tests the table's bits, not the url's), so the dump cannot tell which were set.
 */
const KEEPALIVED_REGEX_OPTIONS_DISPLAY = [
  'allow_empty_class', 'alt_bsux', 'auto_callout', 'caseless', 'dollar_endonly', 'dotall', 'dupnames', 'extended',
  'firstline', 'match_unset_backref', 'multiline', 'never_ucp', 'never_utf', 'no_auto_capture', 'no_auto_possess',
  'no_dotstar_anchor', 'no_start_optimize', 'ucp', 'ungreedy', 'utf', 'never_backslash_c', 'alt_circumflex',
  'alt_verbnames', 'use_offset_limit',
];

function tunnel(m: LvsMethod): ComparableTunnel | null {
  if (m.kind !== 'TUN') return null;
  return {
    type: m.tunnelType.toUpperCase(),
    ...(m.tunnelType === 'gue' ? { port: m.tunnelPort } : {}),
    ...(m.tunnelType !== 'ipip' ? { checksum: m.tunnelChecksum } : {}),
  };
}

interface Context {
  config: KeepalivedConfig;
  users: UserDb;
  /** keepalived has one PCRE2 JIT stack for all urls, sized to the largest regex_stack values anywhere */
  regexStack: { start: number; max: number } | null;
}

/** `uid:gid` a script runs as: its own user/group, else script_user, else keepalived_script or root. */
function scriptUser(ref: ScriptRef, ctx: Context): string {
  const g = ctx.config.global;
  const name = ref.user ?? g.scriptUser ?? (ctx.users.user('keepalived_script') ? 'keepalived_script' : undefined);
  if (name === undefined) return '0:0';
  const groupName = ref.user !== undefined ? ref.group : g.scriptGroup;
  const user = ctx.users.user(name);
  const gid = groupName !== undefined ? ctx.users.group(groupName) : user?.gid;
  return `${user?.uid ?? '?'}:${gid ?? '?'}`;
}

function script(ref: ScriptRef | undefined, ctx: Context): Script | null {
  return ref ? { argv: [...ref.argv], user: scriptUser(ref, ctx) } : null;
}

function group(g: VirtualServerGroup): ComparableVirtualServerGroup {
  const entries: VirtualServerGroupEntry[] = [];
  // keepalived keeps address entries and fwmark entries in two lists and prints addresses first
  for (const e of g.entries) {
    if (e.kind !== 'range') continue;
    entries.push(
      e.first.text === e.last.text
        ? { kind: 'address', address: e.first.text, port: e.port }
        : { kind: 'range', first: e.first.text, last: e.last.text, port: e.port },
    );
  }
  for (const e of g.entries) {
    if (e.kind !== 'fwmark') continue;
    entries.push({ kind: 'fwmark', fwmark: e.fwmark, ...(e.family ? { family: e.family === 4 ? ('inet' as const) : ('inet6' as const) } : {}) });
  }
  const has = (f: 4 | 6) => g.entries.some((e) => e.family === f);
  return { name: g.name, ipv4: has(4), ipv6: has(6), entries, other: {} };
}

/** The flags as keepalived's dump names them for the scheduler: sh-/mh- port (flag-2) then fallback (flag-1). */
function schedulerFlags(vs: VirtualServer): string[] {
  const f = vs.serviceFlags;
  const out: string[] = [];
  if (vs.lbAlgo === 'sh' || vs.lbAlgo === 'mh') {
    if (f.flag2) out.push(`${vs.lbAlgo}-port`);
    if (f.flag1) out.push(`${vs.lbAlgo}-fallback`);
  } else {
    if (f.flag1) out.push('flag-1');
    if (f.flag2) out.push('flag-2');
    if (f.flag3) out.push('flag-3');
  }
  return out;
}

function family(vs: VirtualServer): ComparableVirtualServer['family'] {
  // keepalived prints a (group) virtual server without a family of its own by what its group holds
  if (vs.familyUnspecified) {
    const g = vs.service.kind === 'group' ? group(vs.service.group) : undefined;
    return g?.ipv4 && g.ipv6 ? 'IPv4 & IPv6' : 'unknown';
  }
  return vs.family === 6 ? 'inet6' : 'inet';
}

function granularity(vs: VirtualServer): string | null {
  const g = vs.persistenceGranularity;
  if (g.family === 6) return g.prefixLen === 128 ? null : String(g.prefixLen);
  return g.netmask.text === '255.255.255.255' ? null : g.netmask.text;
}

function sorryServer(s: SorryServer | undefined): ComparableSorryServer | null {
  if (!s) return null;
  return {
    key: s.key, address: s.address.text, port: s.port, lbKind: s.lvsMethod.kind, tunnel: tunnel(s.lvsMethod),
    inhibitOnFailure: s.inhibit, duplicatesRealServer: s.duplicatesRealServer, other: {},
  };
}

function statusCodes(ranges: Array<[number, number]>): string[] {
  return ranges.map(([a, b]) => (a === b ? String(a) : `${a}-${b}`));
}

function url(u: HttpUrl, ctx: Context): ComparableUrl {
  const r = u.regex;
  return {
    path: u.path,
    digest: u.digest ?? null,
    statusCodes: statusCodes(u.statusCodes),
    virtualhost: u.virtualhost ?? null,
    regex: r?.pattern ?? null,
    regexOptions: r ? (r.options.length ? [...KEEPALIVED_REGEX_OPTIONS_DISPLAY] : []) : null,
    regexNoMatch: r?.noMatch ?? false,
    regexMinOffset: r?.minOffset ?? 0,
    // the model keeps one beyond the last start offset (0 = none), keepalived prints the configured value
    regexMaxOffset: r && r.maxOffset ? r.maxOffset - 1 : null,
    regexStack: r?.stack ? ctx.regexStack : null,
    other: {},
  };
}

function checker(c: Checker, ctx: Context): ComparableChecker {
  if (c.kind === 'FILE_CHECK') {
    return {
      kind: c.kind, alpha: false, delayLoop: null, warmup: null, retry: null, delayBeforeRetry: null, logAllFailures: false,
      connection: null, file: { trackFile: c.trackFile }, other: {},
    };
  }
  if (c.kind === 'BFD_CHECK') {
    return {
      kind: c.kind, alpha: c.alpha, delayLoop: null, warmup: null, retry: null, delayBeforeRetry: null, logAllFailures: false,
      connection: null, bfd: { name: c.name }, other: {},
    };
  }
  const out: ComparableChecker = {
    kind: c.kind,
    alpha: c.alpha,
    delayLoop: c.delayLoop,
    warmup: c.warmup,
    retry: c.retry,
    delayBeforeRetry: c.retry === 0 ? null : c.delayBeforeRetry,
    logAllFailures: c.logAllFailures,
    connection: null,
    other: {},
  };
  if (c.kind !== 'MISC_CHECK') {
    const co = c.connection;
    out.connection = {
      dest: { address: co.connectIp.text, port: co.connectPort },
      bindTo: co.bindto ? { address: co.bindto.text, port: co.bindPort } : null,
      bindIf: co.bindIf ?? null,
      fwmark: co.fwmark,
      timeout: co.connectTimeout,
      other: {},
    };
  }
  switch (c.kind) {
    case 'HTTP_GET':
    case 'SSL_GET':
      out.http = {
        protocol: c.httpProtocol, enableSni: c.enableSni, fastRecovery: c.fastRecovery, virtualhost: c.virtualhost ?? null,
        urls: c.urls.map((u) => url(u, ctx)),
      };
      break;
    case 'MISC_CHECK':
      out.misc = { argv: [...c.script.argv], timeout: c.miscTimeout, dynamic: c.miscDynamic, user: scriptUser(c.script, ctx) };
      break;
    case 'SMTP_CHECK':
      out.smtp = { heloName: c.heloName };
      break;
    case 'DNS_CHECK':
      out.dns = { type: c.type, name: c.name };
      break;
    case 'UDP_CHECK':
      out.udp = {
        payloadLength: c.payload ? c.payload.length / 2 : 0,
        requireReply: c.requireReply,
        // printed only with require_reply; the mask line only when reply data was given
        minReplyLength: c.requireReply ? c.minReplyLength : null,
        maxReplyLength: c.requireReply ? c.maxReplyLength : null,
        replyDataLength: c.requireReply ? (c.replyData ? c.replyData.length / 2 : 0) : null,
        replyDataMask: c.requireReply && c.replyData ? c.replyMask !== undefined : null,
      };
      break;
  }
  return out;
}

function realServer(rs: RealServer, ctx: Context): ComparableRealServer {
  // keepalived queues FILE_CHECKs after every other checker (they are attached when the track files are
  // linked), so its dump lists them last; the order of one server's checkers changes nothing
  const ordered = [...rs.checkers.filter((c) => c.kind !== 'FILE_CHECK'), ...rs.checkers.filter((c) => c.kind === 'FILE_CHECK')];
  return {
    key: rs.key,
    address: rs.address.text,
    port: rs.port,
    weight: rs.weight,
    lbKind: rs.lvsMethod.kind,
    tunnel: tunnel(rs.lvsMethod),
    alpha: rs.alpha,
    inhibitOnFailure: rs.inhibitOnFailure,
    connectTimeout: rs.connectTimeout,
    delayLoop: rs.delayLoop,
    retry: rs.retry ?? null,
    delayBeforeRetry: rs.delayBeforeRetry ?? null,
    warmup: rs.warmup ?? null,
    thresholds: { lower: rs.lthreshold, upper: rs.uthreshold },
    smtpAlert: rs.smtpAlert,
    virtualhost: rs.virtualhost ?? null,
    notifyUp: script(rs.notifyUp, ctx),
    notifyDown: script(rs.notifyDown, ctx),
    snmpName: rs.snmpName ?? null,
    trackedFiles: rs.checkers.flatMap((c) => (c.kind === 'FILE_CHECK' ? [{ name: c.trackFile, weight: c.weight, reverse: c.weightReverse }] : [])),
    trackedBfds: rs.checkers.flatMap((c) => (c.kind === 'BFD_CHECK' ? [c.name] : [])),
    checkers: ordered.map((c) => checker(c, ctx)),
    other: {},
  };
}

function virtualServer(vs: VirtualServer, ctx: Context): ComparableVirtualServer {
  const sv = vs.service;
  return {
    key: vs.key,
    kind: sv.kind,
    address: sv.kind === 'address' ? sv.address.text : null,
    port: sv.kind === 'address' ? sv.port : null,
    fwmark: sv.kind === 'fwmark' ? sv.fwmark : null,
    group: sv.kind === 'group' ? group(sv.group) : null,
    family: family(vs),
    protocol: vs.protocol,
    lbAlgo: vs.lbAlgo,
    lbKind: vs.lbKind.kind,
    tunnel: tunnel(vs.lbKind),
    persistenceTimeout: vs.persistenceTimeout || null,
    persistenceGranularity: granularity(vs),
    delayLoop: vs.delayLoop,
    connectTimeout: vs.connectTimeout,
    retry: vs.retry ?? null,
    delayBeforeRetry: vs.delayBeforeRetry ?? null,
    warmup: vs.warmup ?? null,
    quorum: vs.quorum,
    hysteresis: vs.hysteresis,
    alpha: vs.alpha,
    omega: vs.omega,
    haSuspend: vs.haSuspend,
    inhibitOnFailure: vs.inhibitOnFailure,
    ops: vs.serviceFlags.ops,
    schedulerFlags: schedulerFlags(vs),
    smtpAlert: vs.smtpAlert,
    virtualhost: vs.virtualhost ?? null,
    snmpName: vs.snmpName ?? null,
    quorumUp: script(vs.quorumUp, ctx),
    quorumDown: script(vs.quorumDown, ctx),
    sorryServer: sorryServer(vs.sorryServer),
    realServers: vs.realServers.map((rs) => realServer(rs, ctx)),
    other: {},
  };
}

function globalRegexStack(config: KeepalivedConfig): { start: number; max: number } | null {
  const stacks = config.lvs.virtualServers.flatMap((vs) =>
    vs.realServers.flatMap((rs) =>
      rs.checkers.flatMap((c) => (c.kind === 'HTTP_GET' || c.kind === 'SSL_GET' ? c.urls.flatMap((u) => (u.regex?.stack ? [u.regex.stack] : [])) : [])),
    ),
  );
  if (!stacks.length) return null;
  return { start: Math.max(...stacks.map((s) => s.start)), max: Math.max(...stacks.map((s) => s.max)) };
}

/** Our virtual servers in the comparable form of keepalived's checker dump, in configuration order. */
export function oursAsComparable(config: KeepalivedConfig, users: UserDb = systemUserDb()): ComparableVirtualServer[] {
  const ctx: Context = { config, users, regexStack: globalRegexStack(config) };
  return config.lvs.virtualServers.map((vs) => virtualServer(vs, ctx));
}
