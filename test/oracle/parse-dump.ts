// Reads keepalived 2.2.7's configuration dump (`keepalived -d`, VRRP process) into the
// comparable shape of comparable.ts. The format was learnt from live dumps of every
// sample with a vrrp_instance; see parse-dump.test.ts for captured examples.
//
// Layout of the dump: section headers `------< NAME >------`; in a section, records start
// at one space of indent (` VRRP Instance = VI_1`), their fields at three (`   Priority = 100`),
// list items at five (`     192.168.200.16 dev eth0 scope global`). The global section has
// its fields at one space. Lines without leading space are ordinary log lines that can be
// interleaved with the dump; they are skipped.

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

/** ctime-style prefix that `-l` puts on every console line: "Sat Nov 21 15:03:57 2026: ". */
const TIMESTAMP_RE = /^[A-Z][a-z]{2} [A-Z][a-z]{2} [ \d]\d \d{2}:\d{2}:\d{2} \d{4}: /;
const HEADER_RE = /^------< (.+) >------$/;

export function stripTimestamp(line: string): string {
  return line.replace(TIMESTAMP_RE, '');
}

interface Body {
  kv: Map<string, string>;
  lists: Map<string, string[]>;
  /** field-level lines that are neither `k = v` nor list headers */
  flags: string[];
}

const indentOf = (l: string): number => l.length - l.trimStart().length;

/** Parse the lines of one record whose fields sit at exactly `keyIndent` spaces. */
function parseBody(lines: readonly string[], keyIndent: number): Body {
  const body: Body = { kv: new Map(), lists: new Map(), flags: [] };
  let list: string[] | null = null;
  for (const line of lines) {
    const ind = indentOf(line);
    const text = line.trim();
    if (text === '') continue;
    if (ind > keyIndent) {
      if (list) list.push(text);
      continue;
    }
    if (ind < keyIndent) continue;
    list = null;
    // "Use VMAC, i/f name vrrp.1, is_up = true, ..." has '=' but is not a plain field.
    if (text.startsWith('Use VMAC') || text.startsWith('Use IPVLAN')) {
      body.flags.push(text);
      continue;
    }
    let m = /^(.*?) = (.*)$/.exec(text) ?? /^(.*?) = ?$/.exec(text);
    if (m) {
      body.kv.set(m[1], m[2] ?? '');
      continue;
    }
    m = /^(.*?)\s*:$/.exec(text);
    if (m) {
      list = [];
      body.lists.set(m[1].replace(/\s*\(\d+\)$/, ''), list);
      continue;
    }
    m = /^(.*?) : (.+)$/.exec(text);
    if (m) {
      body.kv.set(m[1], m[2]);
      continue;
    }
    body.flags.push(text);
  }
  return body;
}

/** Split a section into records, each starting with a line at one space of indent. */
function records(lines: readonly string[]): { head: string; body: string[] }[] {
  const out: { head: string; body: string[] }[] = [];
  for (const line of lines) {
    if (indentOf(line) === 1) out.push({ head: line.trim(), body: [] });
    else if (out.length > 0) out[out.length - 1].body.push(line);
  }
  return out;
}

const num = (s: string | undefined): number | null => {
  if (s === undefined) return null;
  const m = /^-?\d+(\.\d+)?/.exec(s.trim());
  return m ? Number(m[0]) : null;
};
const bool = (s: string | undefined): boolean | null => {
  if (s === undefined) return null;
  const v = s.trim();
  if (['true', 'yes', 'enabled', 'on'].includes(v)) return true;
  if (['false', 'no', 'disabled', 'off'].includes(v)) return false;
  return null;
};
const str = (s: string | undefined): string | null => (s === undefined ? null : s);

/** Canonical address string; see comparable.ts. */
export function canonicalAddress(dumped: string): string {
  const toks = dumped.trim().split(/\s+/);
  const runtime = new Set(['set', 'iptable_set', 'nftable_set']);
  while (toks.length > 1 && runtime.has(toks[toks.length - 1])) toks.pop();
  if (!toks[0].includes('/')) toks[0] += toks[0].includes(':') ? '/128' : '/32';
  return toks.join(' ');
}

/** Route/rule text without runtime annotations. */
export function canonicalRoute(dumped: string): string {
  return dumped
    .replace(/ \[installed ifindex \d+\]/, '')
    .replace(/ set$/, '')
    .trim();
}

/** Words of a command as keepalived displays it ('a' 'b c', or a bare <redirection first). */
export function commandArgv(display: string): string[] {
  const argv: string[] = [];
  const re = /'([^']*)'|(\S+)/g;
  for (let m = re.exec(display); m; m = re.exec(display)) argv.push(m[1] ?? m[2]);
  return argv;
}

function scriptCommand(value: string): ComparableScriptCommand {
  const m = /^(.*), uid:gid (\d+:\d+)$/.exec(value);
  const command = m ? m[1] : value;
  return { command, argv: commandArgv(command), uidGid: m ? m[2] : '' };
}

const NOTIFY_KINDS: [string, keyof ComparableNotify][] = [
  ['Backup', 'backup'],
  ['Master', 'master'],
  ['Fault', 'fault'],
  ['Stop', 'stop'],
  ['Deleted', 'deleted'],
  ['Generic', 'generic'],
  ['Master rx lower pri', 'masterRxLowerPri'],
];

function notifyOf(kv: Map<string, string>): ComparableNotify {
  const out: ComparableNotify = {};
  for (const [label, key] of NOTIFY_KINDS) {
    const v = kv.get(`${label} state transition script`);
    if (v !== undefined) out[key] = scriptCommand(v);
  }
  return out;
}

/** "eth2 weight 5", "tf1, weight -2 reverse", "bfd1: weight 3" */
function trackItem(s: string): ComparableTrack {
  const m = /^(.*?)[,:]? weight (-?\d+)( reverse)?/.exec(s);
  if (!m) return { name: s, weight: 0, reverse: false };
  return { name: m[1], weight: Number(m[2]), reverse: m[3] !== undefined };
}

/** "VI_1, weight -10 reverse" */
function trackingRef(s: string): ComparableTrackingRef {
  const t = trackItem(s);
  return { instance: t.name, weight: t.weight, reverse: t.reverse };
}

function peerItem(s: string): ComparableUnicastPeer {
  const m = /^(\S+) min_ttl (\d+) max_ttl (\d+)/.exec(s);
  return m
    ? { address: m[1], minTtl: Number(m[2]), maxTtl: Number(m[3]) }
    : { address: s.split(/\s+/)[0], minTtl: 0, maxTtl: 255 };
}

function take(kv: Map<string, string>, key: string): string | undefined {
  const v = kv.get(key);
  kv.delete(key);
  return v;
}

function garpOf(kv: Map<string, string>, refreshKey: string): ComparableGarp {
  return {
    delay: num(take(kv, 'Gratuitous ARP delay')) ?? 0,
    repeat: num(take(kv, 'Gratuitous ARP repeat')) ?? 0,
    refresh: num(take(kv, refreshKey)) ?? 0,
    refreshRepeat: num(take(kv, 'Gratuitous ARP refresh repeat')) ?? 0,
    lowerPrioDelay: num(take(kv, 'Gratuitous ARP lower priority delay')) ?? 0,
    lowerPrioRepeat: num(take(kv, 'Gratuitous ARP lower priority repeat')) ?? 0,
  };
}

function onOff(v: string | undefined): OnOffUnset | null {
  return v === 'on' || v === 'off' || v === 'unset' ? v : null;
}

function parseGlobal(lines: readonly string[]): ComparableGlobal {
  const b = parseBody(lines, 1);
  const kv = b.kv;
  const flag = (f: string): boolean => b.flags.includes(f);
  const ns = take(kv, 'Network namespace');
  const scriptSec = b.flags.find((f) => f.startsWith('Script security '));
  const defUid = b.flags.find((f) => f.startsWith('Default script uid:gid '));
  const g: ComparableGlobal = {
    networkNamespace: ns === undefined || ns === '(default)' ? null : ns,
    routerId: str(take(kv, 'Router ID')),
    smtpServer: str(take(kv, 'Smtp server')),
    smtpServerPort: num(take(kv, 'Smtp server port')),
    smtpHeloName: str(take(kv, 'Smtp HELO name')),
    smtpConnectTimeout: num(take(kv, 'Smtp server connection timeout')),
    emailFrom: str(take(kv, 'Email notification from')),
    emailTo: b.lists.get('Email notification to') ?? [],
    smtpAlert: onOff(take(kv, 'Default smtp_alert')),
    smtpAlertVrrp: onOff(take(kv, 'Default smtp_alert_vrrp')),
    smtpAlertChecker: onOff(take(kv, 'Default smtp_alert_checker')),
    checkerLogAllFailures: bool(take(kv, 'Checkers log all failures')),
    dynamicInterfaces: bool(take(kv, 'Dynamic interfaces')),
    allowIfChanges: bool(take(kv, 'Allow interface changes')),
    defaultInterface: str(take(kv, 'Default interface')),
    disableLocalIgmp: bool(take(kv, 'Disable local IGMP')),
    lvsFlush: bool(take(kv, 'LVS flush')),
    lvsFlushOnStop: str(take(kv, 'LVS flush on stop')),
    fifoWriteVrrpStatesOnReload: bool(take(kv, 'FIFO write vrrp states on reload')),
    vrrpNotifyPriorityChanges: bool(take(kv, 'VRRP notify priority changes')),
    mcastGroup4: str(take(kv, 'VRRP IPv4 mcast group')),
    mcastGroup6: str(take(kv, 'VRRP IPv6 mcast group')),
    garp: garpOf(kv, 'Gratuitous ARP refresh timer'),
    downTimerAdverts: num(take(kv, 'Num adverts before down')),
    lowerPrioNoAdvert: negate(bool(take(kv, 'Send advert after receive lower priority advert'))),
    higherPrioSendAdvert: bool(take(kv, 'Send advert after receive higher priority advert')),
    garpInterval: num(take(kv, 'Gratuitous ARP interval')),
    gnaInterval: num(take(kv, 'Gratuitous NA interval')),
    vrrpVersion: num(take(kv, 'VRRP default protocol version')),
    checkUnicastSrc: bool(take(kv, 'VRRP check unicast_src')),
    skipCheckAdvAddr: bool(take(kv, 'VRRP skip check advert addresses')),
    strict: bool(take(kv, 'VRRP strict mode')),
    maxAutoPriority: num(take(kv, 'Max auto priority')),
    scriptSecurity: scriptSec ? scriptSec.endsWith('enabled') : null,
    defaultScriptUidGid: defUid ? defUid.slice('Default script uid:gid '.length) : null,
    umask: str(take(kv, 'umask')),
    vrrpStartupDelay: num(take(kv, 'vrrp_startup_delay')),
    logUnknownVrids: flag('log_unknown_vrids'),
    vmacPrefix: str(take(kv, 'VMAC prefix')),
    vmacAddrPrefix: str(take(kv, 'VMAC address prefix')),
    other: Object.fromEntries(kv),
  };
  return g;
}

function negate(v: boolean | null): boolean | null {
  return v === null ? null : !v;
}

function tracks(lists: Map<string, string[]>, key: string): ComparableTrack[] {
  return (lists.get(key) ?? []).map(trackItem);
}

function parseInstance(name: string, body: readonly string[]): ComparableVrrpInstance {
  const b = parseBody(body, 3);
  const kv = b.kv;
  const flags = b.flags;
  const has = (f: string): boolean => flags.includes(f);

  let iface = take(kv, 'Interface') ?? null;
  let vmacInterface: string | null = null;
  const onBase = iface ? /^(\S+), (?:vmac|ipvlan) on (\S+)/.exec(iface) : null;
  if (onBase) {
    vmacInterface = onBase[1];
    iface = onBase[2] === '(unknown)' ? null : onBase[2];
  }
  if (iface === 'not configured') iface = null;
  const configured = take(kv, 'Configured interface');
  if (configured) iface = configured;
  const vmacLine = flags.find((f) => f.startsWith('Use VMAC, i/f name '));
  if (vmacLine) vmacInterface = /^Use VMAC, i\/f name ([^,]+),/.exec(vmacLine)?.[1] ?? vmacInterface;

  const src = take(kv, 'Using src_ip') ?? '(none)';
  const srcM = /^(\S+)( \(from configuration\))?$/.exec(src);
  const mcastLine = flags.find((f) => f.startsWith('Multicast address '));
  const version = num(take(kv, 'VRRP Version')) ?? 2;

  const advert = take(kv, 'Advert interval') ?? '';
  const advertN = num(advert) ?? 0;
  const advertIntMs = /milli-sec/.test(advert) ? advertN : advertN * 1000;

  const authRaw = take(kv, 'Authentication type');
  const authType = authRaw === 'SIMPLE_PASSWORD' ? 'PASS' : authRaw === 'IPSEC_AH' ? 'AH' : null;
  const preempt = take(kv, 'Preempt') !== 'disabled';
  const accept = take(kv, 'Accept');
  const notify = notifyOf(kv);
  for (const [label] of NOTIFY_KINDS) kv.delete(`${label} state transition script`);

  const inst: ComparableVrrpInstance = {
    name,
    version,
    syncGroup: str(take(kv, 'Sync group')),
    nativeIpv6: has('Using Native IPv6'),
    unicast: (b.lists.get('Flags') ?? []).some((f) => f.startsWith('Using unicast')),
    flags: b.lists.get('Flags') ?? [],
    wantState: take(kv, 'Wantstate') ?? '',
    configFaults: num(take(kv, 'Number of config faults')) ?? 0,
    interface: iface,
    vmacInterface,
    vmacXmitBase: vmacLine ? /xmit_base = true/.test(vmacLine) : false,
    dontTrackPrimary: has('VRRP interface tracking disabled'),
    skipCheckAdvAddr: has('Skip checking advert IP addresses'),
    strictMode: has('Enforcing strict VRRP compliance'),
    srcIp: srcM && srcM[1] !== '(none)' ? srcM[1] : null,
    srcIpFromConfig: !!srcM?.[2],
    // IPv6 groups carry ", ifindex N" (runtime); keep the address only.
    mcastAddress: mcastLine ? mcastLine.slice('Multicast address '.length).replace(/, ifindex \d+$/, '') : null,
    garp: garpOf(kv, 'Gratuitous ARP refresh'),
    downTimerAdverts: num(take(kv, 'Down timer adverts')) ?? 0,
    lowerPrioNoAdvert: take(kv, 'Send advert after receive lower priority advert') === 'false',
    higherPrioSendAdvert: take(kv, 'Send advert after receive higher priority advert') === 'true',
    vrid: num(take(kv, 'Virtual Router ID')) ?? 0,
    priority: num(take(kv, 'Priority')) ?? 0,
    advertIntMs,
    accept: bool(accept),
    preempt,
    nopreempt: !preempt,
    preemptDelay: num(take(kv, 'Preempt delay')) ?? 0,
    promoteSecondaries: take(kv, 'Promote_secondaries') === 'enabled',
    authType,
    authPass: str(take(kv, 'Password')),
    vips: (b.lists.get('Virtual IP') ?? []).map(canonicalAddress),
    excludedVips: (b.lists.get('Virtual IP Excluded') ?? []).map(canonicalAddress),
    unicastTtl: num(take(kv, 'Unicast TTL')),
    checkUnicastSrc: bool(take(kv, 'Check unicast src')),
    unicastPeers: (b.lists.get('Unicast Peer') ?? []).map(peerItem),
    virtualRoutes: (b.lists.get('Virtual Routes') ?? []).map(canonicalRoute),
    virtualRules: (b.lists.get('Virtual Rules') ?? []).map(canonicalRoute),
    trackInterfaces: tracks(b.lists, 'Tracked interfaces'),
    trackScripts: tracks(b.lists, 'Tracked scripts'),
    trackFiles: tracks(b.lists, 'Tracked files'),
    trackProcesses: tracks(b.lists, 'Tracked processes'),
    trackBfds: tracks(b.lists, 'Tracked BFDs'),
    smtpAlert: take(kv, 'Using smtp notification') === 'yes',
    notifyDeleted: take(kv, 'Notify deleted') === 'Deleted',
    notify,
    notifyPriorityChanges: take(kv, 'Notify priority changes') === 'true',
    other: Object.fromEntries(kv),
  };
  return inst;
}

function parseSyncGroup(head: string, body: readonly string[]): ComparableSyncGroup {
  // " VRRP Sync Group = G1, BACKUP" — the state after the comma is runtime.
  const name = head.replace(/^VRRP Sync Group = /, '').replace(/, \S+$/, '');
  const b = parseBody(body, 3);
  return {
    name,
    members: b.lists.get('VRRP member instances') ?? [],
    smtpAlert: b.kv.get('Using smtp notification') === 'yes',
    trackingWeight: b.flags.includes('sync group tracking weight set'),
    notifyPriorityChanges: bool(b.kv.get('Notify priority changes')),
    trackInterfaces: tracks(b.lists, 'Tracked interfaces'),
    trackScripts: tracks(b.lists, 'Tracked scripts'),
    trackFiles: tracks(b.lists, 'Tracked files'),
    trackProcesses: tracks(b.lists, 'Tracked process'),
    trackBfds: tracks(b.lists, 'Tracked BFDs'),
    notify: notifyOf(b.kv),
  };
}

function weightOf(v: string | undefined): { weight: number; weightReverse: boolean } {
  return { weight: num(v) ?? 0, weightReverse: / reverse$/.test(v ?? '') };
}

function parseScript(name: string, body: readonly string[]): ComparableVrrpScript {
  const b = parseBody(body, 3);
  const command = b.kv.get('Command') ?? '';
  return {
    name,
    command,
    argv: commandArgv(command),
    interval: num(b.kv.get('Interval')) ?? 0,
    timeout: num(b.kv.get('Timeout')) ?? 0,
    ...weightOf(b.kv.get('Weight')),
    rise: num(b.kv.get('Rise')) ?? 0,
    fall: num(b.kv.get('Fall')) ?? 0,
    uidGid: b.kv.get('Script uid:gid') ?? '',
    insecure: b.kv.get('Insecure') === 'yes',
    initState: b.kv.get('Init state') ?? '',
    trackedBy: (b.lists.get('Tracking instances') ?? []).map(trackingRef),
  };
}

function parseTrackFile(name: string, body: readonly string[]): ComparableTrackFile {
  const b = parseBody(body, 3);
  return {
    name,
    file: b.kv.get('File') ?? '',
    ...weightOf(b.kv.get('Weight')),
    trackedBy: (b.lists.get('Tracking instances') ?? []).map(trackingRef),
  };
}

function parseTrackProcess(name: string, body: readonly string[]): ComparableTrackProcess {
  const b = parseBody(body, 3);
  return {
    name,
    process: b.kv.get('Process') ?? '',
    parameters: str(b.kv.get('Parameters')),
    minProcesses: num(b.kv.get('Min processes')) ?? 0,
    maxProcesses: num(b.kv.get('Max processes')),
    ...weightOf(b.kv.get('Weight')),
    trackedBy: (b.lists.get('Tracking instances') ?? []).map(trackingRef),
  };
}

/** Split the dump into its sections (first dump only, up to the Interfaces section). */
export function dumpSections(lines: readonly string[]): Map<string, string[]> {
  const sections = new Map<string, string[]>();
  let current: string[] | null = null;
  for (const raw of lines) {
    const line = stripTimestamp(raw);
    const h = HEADER_RE.exec(line);
    if (h) {
      const name = h[1];
      if (name === 'Interfaces') break;
      if (name === 'Global definitions' && sections.has(name)) break; // a second dump
      if (!sections.has(name)) sections.set(name, []);
      current = sections.get(name) ?? null;
      continue;
    }
    if (current && line.startsWith(' ')) current.push(line);
  }
  return sections;
}

export function parseVrrpDump(lines: readonly string[]): ComparableVrrpConfig {
  const sections = dumpSections(lines);
  const get = (n: string): string[] => sections.get(n) ?? [];
  const items = (n: string): string[] => get(n).map((l) => l.trim()).filter(Boolean);
  const recs = (n: string, prefix: string) =>
    records(get(n)).filter((r) => r.head.startsWith(prefix)).map((r) => ({ name: r.head.slice(prefix.length), body: r.body }));

  return {
    global: parseGlobal(get('Global definitions')),
    staticAddresses: items('Static Addresses').map(canonicalAddress),
    staticRoutes: items('Static Routes').map(canonicalRoute),
    staticRules: items('Static Rules').map(canonicalRoute),
    instances: recs('VRRP Topology', 'VRRP Instance = ').map((r) => parseInstance(r.name, r.body)),
    syncGroups: records(get('VRRP Sync groups'))
      .filter((r) => r.head.startsWith('VRRP Sync Group = '))
      .map((r) => parseSyncGroup(r.head, r.body)),
    scripts: recs('VRRP Scripts', 'VRRP Script = ').map((r) => parseScript(r.name, r.body)),
    trackFiles: recs('VRRP Track files', 'Track file = ').map((r) => parseTrackFile(r.name, r.body)),
    trackProcesses: recs('VRRP Track processes', 'VRRP Track process = ').map((r) =>
      parseTrackProcess(r.name, r.body),
    ),
    sections: [...sections.keys()],
  };
}
