// keepalived 2.2.7's checker configuration dump (`keepalived -C -d`), parsed into plain JSON-able data so
// that our own parsed configuration can be compared with keepalived's, field by field.
//
// The dump is the checker child's log after start-up: sections `------< LVS Topology >------` (virtual
// server groups, virtual servers with their real servers) and `------< Health checkers >------` (one block
// per checker, headed `<VS key> -> <RS key>`). Other sections (global definitions, SSL) are skipped.
// Lines without indentation inside a section are other processes' log lines interleaved: skipped.
//
// Canonical forms used below:
// - keys exactly as keepalived prints them in the checker headers and log lines:
//   `[10.10.10.2]:tcp:1358`, `[ae00::1]:tcp:80`, `FWM 1`, `[VSG_1]:0`; real servers `[192.168.200.2]:tcp:1358`,
//   and `[ip]:none:0` under a fwmark virtual server
// - addresses as keepalived prints them (inet_ntop forms); ports and weights as numbers
// - every time in seconds as a number (the dump mixes `6.000000` and `6000000 us`)
// - protocol `TCP` | `UDP` | `SCTP`, or null for a fwmark virtual server (printed `none`)
// - lbKind `NAT` | `DR` | `TUN`; a tunnel's parameters in `tunnel`: { type: 'IPIP' },
//   { type: 'GUE', port: 6080, checksum: 'csum' }, { type: 'GRE', checksum: 'nocsum' } (checksum as the
//   config keyword). keepalived prints a GUE/GRE method without its `default ` / sorry-server prefix, at
//   the virtual server's indentation: a bare `forwarding method` line there belongs to the sorry server
//   once one was printed, else it is the virtual server's default.
// - persistence granularity: null when it is the whole address (keepalived prints an IPv6 `128`, which
//   means the same as leaving it unset)
// - group fwmark entries carry `family` only when the config gave one
// - optional settings that the dump leaves out when unset are null (persistence, granularity, virtualhost,
//   sorry server, scripts, VS-level retry/delay_before_retry/warmup)
// - scripts as argv arrays plus `user` as printed `uid:gid`
// - HTTP status codes as printed, one entry per code or range: `200-299`, `503`
// - MISC_CHECK timeout: the effective one. keepalived prints 0 for an unset misc_timeout and then uses the
//   virtual server's delay_loop.
// - DNS_CHECK name: the root as `.` (keepalived's default is the empty name, which encodes the same query)
// - FILE_CHECK and BFD_CHECK do not poll: their timing fields are null (keepalived prints its "unset"
//   sentinels for BFD_CHECK, nothing for FILE_CHECK)
// - runtime state (alive, effective weight, "Has run", last status, ...) is left out; any other line this
//   parser does not know lands in `other` (name → value), so nothing is silently lost

export interface Endpoint {
  address: string;
  port: number;
}

export interface Script {
  argv: string[];
  /** `uid:gid` the script runs as */
  user: string;
}

export type VirtualServerGroupEntry =
  | { kind: 'address'; address: string; port: number }
  | { kind: 'range'; first: string; last: string; port: number }
  | { kind: 'fwmark'; fwmark: number; family?: 'inet' | 'inet6' };

export type TunnelChecksum = 'nocsum' | 'csum' | 'remcsum';

export interface ComparableTunnel {
  /** `IPIP` | `GUE` | `GRE` */
  type: string;
  /** GUE only */
  port?: number;
  /** GUE and GRE only */
  checksum?: TunnelChecksum;
}

export interface ComparableVirtualServerGroup {
  name: string;
  ipv4: boolean;
  ipv6: boolean;
  entries: VirtualServerGroupEntry[];
  other: Record<string, string>;
}

export interface ComparableSorryServer extends Endpoint {
  key: string;
  lbKind: string;
  tunnel: ComparableTunnel | null;
  inhibitOnFailure: boolean;
  /** printed `sorry server (duplicates rs) = …`: same address and port as one of the real servers */
  duplicatesRealServer: boolean;
  other: Record<string, string>;
}

export interface ComparableUrl {
  path: string;
  digest: string | null;
  statusCodes: string[];
  virtualhost: string | null;
  regex: string | null;
  regexOptions: string[] | null;
  regexNoMatch: boolean;
  regexMinOffset: number;
  /** the configured regex_max_offset; null when none */
  regexMaxOffset: number | null;
  /** `Regex stack start S, max M` */
  regexStack: { start: number; max: number } | null;
  other: Record<string, string>;
}

export interface ComparableHttpCheck {
  /** `http protocol 1.0` → '1.0' */
  protocol: string;
  enableSni: boolean;
  fastRecovery: boolean;
  virtualhost: string | null;
  urls: ComparableUrl[];
}

export interface ComparableMiscCheck {
  argv: string[];
  /** seconds, effective: an unset misc_timeout (printed 0) is the virtual server's delay_loop */
  timeout: number;
  dynamic: boolean;
  user: string;
}

export interface ComparableUdpCheck {
  /** the dump shows only the length of the payload, 0 when none is configured */
  payloadLength: number;
  requireReply: boolean;
  minReplyLength: number | null;
  maxReplyLength: number | null;
  replyDataLength: number | null;
  replyDataMask: boolean | null;
}

export interface ComparableChecker {
  /** `HTTP_GET`, `SSL_GET`, `TCP_CHECK`, `MISC_CHECK`, `SMTP_CHECK`, `DNS_CHECK`, `UDP_CHECK`, `PING_CHECK`, ... */
  kind: string;
  alpha: boolean;
  /** null for the checkers that do not poll (FILE_CHECK, BFD_CHECK), as are warmup and retry */
  delayLoop: number | null;
  warmup: number | null;
  retry: number | null;
  /** null when retry is 0: keepalived does not print it then */
  delayBeforeRetry: number | null;
  logAllFailures: boolean;
  /** where the checker connects; MISC_CHECK, FILE_CHECK and BFD_CHECK have none */
  connection: ComparableConnection | null;
  http?: ComparableHttpCheck;
  misc?: ComparableMiscCheck;
  smtp?: { heloName: string };
  udp?: ComparableUdpCheck;
  dns?: { type: string; name: string };
  /** FILE_CHECK: the track_file followed (its weight is on the real server's trackedFiles) */
  file?: { trackFile: string };
  /** BFD_CHECK: the bfd_instance followed */
  bfd?: { name: string };
  other: Record<string, string>;
}

export interface ComparableConnection {
  dest: Endpoint;
  bindTo: Endpoint | null;
  /** bind_if, null when none */
  bindIf: string | null;
  /** SO_MARK of the check packets, 0 = none */
  fwmark: number;
  timeout: number;
  other: Record<string, string>;
}

export interface ComparableRealServer extends Endpoint {
  key: string;
  weight: number;
  lbKind: string;
  tunnel: ComparableTunnel | null;
  alpha: boolean;
  inhibitOnFailure: boolean;
  connectTimeout: number;
  delayLoop: number;
  retry: number | null;
  delayBeforeRetry: number | null;
  warmup: number | null;
  /** lthreshold / uthreshold (0 = none) */
  thresholds: { lower: number; upper: number };
  smtpAlert: boolean;
  virtualhost: string | null;
  notifyUp: Script | null;
  notifyDown: Script | null;
  snmpName: string | null;
  /** FILE_CHECKs of this real server as `Tracked Files` lists them: track_file name, weight, reverse */
  trackedFiles: { name: string; weight: number; reverse: boolean }[];
  /** BFD_CHECKs of this real server as `Tracked BFDs` lists them */
  trackedBfds: string[];
  checkers: ComparableChecker[];
  other: Record<string, string>;
}

export interface ComparableVirtualServer {
  key: string;
  kind: 'address' | 'fwmark' | 'group';
  /** for kind 'address' */
  address: string | null;
  port: number | null;
  /** for kind 'fwmark' */
  fwmark: number | null;
  /** for kind 'group': the group as its own section describes it */
  group: ComparableVirtualServerGroup | null;
  /** as printed; a group virtual server without a family of its own is `IPv4 & IPv6` or `unknown` */
  family: 'inet' | 'inet6' | 'IPv4 & IPv6' | 'unknown' | null;
  protocol: 'TCP' | 'UDP' | 'SCTP' | null;
  lbAlgo: string;
  lbKind: string;
  tunnel: ComparableTunnel | null;
  /** seconds; null = not persistent */
  persistenceTimeout: number | null;
  persistenceGranularity: string | null;
  delayLoop: number;
  connectTimeout: number;
  retry: number | null;
  delayBeforeRetry: number | null;
  warmup: number | null;
  quorum: number;
  hysteresis: number;
  alpha: boolean;
  omega: boolean;
  haSuspend: boolean;
  inhibitOnFailure: boolean;
  /** one-packet scheduling (`ops`) */
  ops: boolean;
  /** enabled service flags by their config keyword: hashed, flag-1..3, sh-port, sh-fallback, mh-port, mh-fallback */
  schedulerFlags: string[];
  smtpAlert: boolean;
  virtualhost: string | null;
  snmpName: string | null;
  quorumUp: Script | null;
  quorumDown: Script | null;
  sorryServer: ComparableSorryServer | null;
  realServers: ComparableRealServer[];
  other: Record<string, string>;
}

/** keepalived's `-l` log prefix, e.g. `Sat Nov 21 15:04:25 2026: `. */
const LOG_PREFIX = /^[A-Z][a-z]{2} [A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d \d{4}: /;

export function stripLogPrefix(line: string): string {
  return line.replace(LOG_PREFIX, '');
}

export class CheckerDumpParseError extends Error {
  override name = 'CheckerDumpParseError';
}

/** Runtime state printed among configuration; not part of what is compared. */
const STATE_KEYS = new Set([
  'alive', 'quorum_state_up', 'reloaded', 'initial weight', 'effective weight', 'previous effective_weight',
  'num failed checkers', 'RS set', 'Enabled', 'Up', 'Has run', 'Current weight', 'Retries iterations',
  'Default delay before retry', 'Last ran', 'Last status', 'Regex ref count', 'Last errno', 'Failed URL', 'Reloaded',
]);

const SERVICE_FLAGS: Record<string, string> = {
  Hashed: 'hashed', 'flag-1': 'flag-1', 'flag-2': 'flag-2', 'flag-3': 'flag-3',
  'sh-port': 'sh-port', 'sh-fallback': 'sh-fallback', 'mh-port': 'mh-port', 'mh-fallback': 'mh-fallback',
};

/** Handles one line of a block; may return a handler for the lines indented below it. */
type Handler = (text: string) => Handler | void;

function splitEq(text: string): [string, string] | null {
  // an empty value loses its trailing blank to the line trimming: `Name = ` arrives as `Name =`
  if (text.endsWith(' =')) return [text.slice(0, -2), ''];
  const i = text.indexOf(' = ');
  return i < 0 ? null : [text.slice(0, i), text.slice(i + 3)];
}

function num(text: string, what: string): number {
  const v = Number(text);
  if (!Number.isFinite(v)) throw new CheckerDumpParseError(`${what}: not a number: ${JSON.stringify(text)}`);
  return v;
}

/** `6000000 us` → 6; `6.000000` → 6 */
function seconds(text: string, what: string): number {
  const us = /^(-?\d+) us$/.exec(text);
  return us ? num(us[1]!, what) / 1e6 : num(text, what);
}

function onOff(text: string): boolean {
  return /^(ON|yes|YES|set|enabled|true)$/.test(text);
}

/** `[10.0.0.1]:80` or `[ae00::1]:8080` */
function bracketEndpoint(text: string, what: string): Endpoint {
  const m = /^\[(.+)\]:(\d+)$/.exec(text);
  if (!m) throw new CheckerDumpParseError(`${what}: not [address]:port: ${JSON.stringify(text)}`);
  return { address: m[1]!, port: Number(m[2]) };
}

/** `'/path' 'arg', uid:gid 0:0` → argv and user */
function script(text: string): Script {
  const m = /^(.*), uid:gid (\S+)$/.exec(text);
  const words = m ? m[1]! : text;
  return { argv: [...words.matchAll(/'((?:[^']|'\\'')*)'/g)].map((w) => w[1]!), user: m ? m[2]! : '' };
}

const CHECKSUMS: Record<string, TunnelChecksum> = { 'no checksum': 'nocsum', checksum: 'csum', 'remote checksum': 'remcsum' };

/** `NAT`, `DR`, `TUN, type = IPIP`, `TUN, type = GUE, port = 6080, remote checksum`, `TUN, type = GRE, no checksum` */
function forwarding(text: string): { lbKind: string; tunnel: ComparableTunnel | null } {
  const [kind, ...rest] = text.split(', ');
  if (rest.length === 0) return { lbKind: kind!, tunnel: null };
  const tunnel: ComparableTunnel = { type: '' };
  for (const part of rest) {
    const kv = splitEq(part);
    if (kv?.[0] === 'type') tunnel.type = kv[1];
    else if (kv?.[0] === 'port') tunnel.port = num(kv[1], 'tunnel port');
    else if (!kv && part in CHECKSUMS) tunnel.checksum = CHECKSUMS[part];
    else throw new CheckerDumpParseError(`unknown forwarding method: ${JSON.stringify(text)}`);
  }
  return { lbKind: kind!, tunnel };
}

/** keepalived quotes some names in the dump (`SNMP name = 'x'`, the real server's `VirtualHost = 'x'`) */
function unquote(text: string): string {
  return text.replace(/^'(.*)'$/, '$1');
}

function keep(other: Record<string, string>, text: string): void {
  const kv = splitEq(text);
  if (kv && STATE_KEYS.has(kv[0])) return;
  if (kv) other[kv[0]] = kv[1];
  else other[text] = '';
}

function newVirtualServer(header: string, groups: Map<string, ComparableVirtualServerGroup>): ComparableVirtualServer {
  const base = {
    address: null, port: null, fwmark: null, group: null, family: null, protocol: null, lbAlgo: '', lbKind: '',
    tunnel: null, persistenceTimeout: null, persistenceGranularity: null, delayLoop: NaN, connectTimeout: NaN,
    retry: null, delayBeforeRetry: null, warmup: null, quorum: NaN, hysteresis: NaN, alpha: false, omega: false,
    haSuspend: false, inhibitOnFailure: false, ops: false, schedulerFlags: [], smtpAlert: false, virtualhost: null,
    snmpName: null, quorumUp: null, quorumDown: null, sorryServer: null, realServers: [], other: {},
  } as const;
  let m: RegExpExecArray | null;
  if ((m = /^VS VIP = (.+), VPORT = (\d+)$/.exec(header))) {
    // the key needs the protocol, which comes later: fixed up when `protocol =` is read
    return { key: '', kind: 'address', ...base, schedulerFlags: [], realServers: [], other: {}, address: m[1]!, port: Number(m[2]) };
  }
  if ((m = /^VS FWMARK = (\d+)$/.exec(header))) {
    return { key: `FWM ${m[1]}`, kind: 'fwmark', ...base, schedulerFlags: [], realServers: [], other: {}, fwmark: Number(m[1]) };
  }
  if ((m = /^VS GROUP = (\[(.+)\]:\d+)$/.exec(header))) {
    return {
      key: m[1]!, kind: 'group', ...base, schedulerFlags: [], realServers: [], other: {}, group: groups.get(m[2]!) ?? null,
    };
  }
  throw new CheckerDumpParseError(`unknown virtual server header: ${JSON.stringify(header)}`);
}

function addressKey(address: string, protocol: string, port: number): string {
  return `[${address}]:${protocol}:${port}`;
}

function virtualServerHandler(vs: ComparableVirtualServer): Handler {
  let sorryHandler: Handler | undefined;
  return (text) => {
    if (text === 'Using HA suspend') return void (vs.haSuspend = true);
    let m: RegExpExecArray | null;
    if ((m = /^(alpha|omega) is (ON|OFF)$/.exec(text))) return void (vs[m[1] as 'alpha' | 'omega'] = m[2] === 'ON');
    if ((m = /^Inhibit on failure is (ON|OFF)$/.exec(text))) return void (vs.inhibitOnFailure = m[1] === 'ON');
    if ((m = /^quorum = (\d+), hysteresis = (\d+)$/.exec(text))) {
      vs.quorum = Number(m[1]);
      vs.hysteresis = Number(m[2]);
      return;
    }
    if ((m = /^Quorum (up|down) notify script = (.*)$/.exec(text))) {
      vs[m[1] === 'up' ? 'quorumUp' : 'quorumDown'] = script(m[2]!);
      return;
    }
    const kv = splitEq(text);
    if (!kv) return keep(vs.other, text);
    const [k, v] = kv;
    switch (k) {
      case 'VirtualHost': vs.virtualhost = v; return;
      case 'SNMP name': vs.snmpName = unquote(v); return;
      case 'Address family': vs.family = v as ComparableVirtualServer['family']; return;
      case 'connection timeout': vs.connectTimeout = seconds(v, k); return;
      case 'delay_loop': vs.delayLoop = seconds(v, k); return;
      case 'lvs_sched': vs.lbAlgo = v; return;
      // `enabled (inactive due to not UDP)` is still set
      case 'One packet scheduling': vs.ops = v.startsWith('enabled'); return;
      case 'persistence timeout': vs.persistenceTimeout = num(v, k); return;
      case 'persistence granularity': vs.persistenceGranularity = v === '128' ? null : v; return;
      case 'Retry count': vs.retry = num(v, k); return;
      case 'Retry delay': vs.delayBeforeRetry = seconds(v, k); return;
      case 'Warmup': vs.warmup = seconds(v, k); return;
      case 'Using smtp notification': vs.smtpAlert = onOff(v); return;
      case 'protocol':
        vs.protocol = v === 'none' ? null : (v as 'TCP' | 'UDP' | 'SCTP');
        if (vs.kind === 'address') vs.key = addressKey(vs.address!, v.toLowerCase(), vs.port!);
        return;
      case 'default forwarding method': Object.assign(vs, forwarding(v)); return;
      // GUE and GRE, printed without their prefix (see the header); the sorry server's further lines
      // (`Inhibit on failure`) are indented below this one
      case 'forwarding method':
        Object.assign(vs.sorryServer ?? vs, forwarding(v));
        return sorryHandler;
      case 'sorry server':
      case 'sorry server (duplicates rs)': {
        const m2 = /^\[(.+)\]:\w+:(\d+)$/.exec(v);
        if (!m2) throw new CheckerDumpParseError(`sorry server: ${JSON.stringify(v)}`);
        const ss: ComparableSorryServer = {
          key: v, address: m2[1]!, port: Number(m2[2]), lbKind: '', tunnel: null, inhibitOnFailure: false,
          duplicatesRealServer: k !== 'sorry server', other: {},
        };
        vs.sorryServer = ss;
        return (sorryHandler = (t) => {
          const fm = /^forwarding method = (.+)$/.exec(t);
          if (fm) return void Object.assign(ss, forwarding(fm[1]!));
          const inh = /^Inhibit on failure is (ON|OFF)$/.exec(t);
          if (inh) return void (ss.inhibitOnFailure = inh[1] === 'ON');
          keep(ss.other, t);
        });
      }
    }
    if (k in SERVICE_FLAGS) {
      if (onOff(v)) vs.schedulerFlags.push(SERVICE_FLAGS[k]!);
      return;
    }
    keep(vs.other, text);
  };
}

function newRealServer(header: string, vs: ComparableVirtualServer): ComparableRealServer {
  const m = /^RIP = (.+), RPORT = (\d+), WEIGHT = (-?\d+) EFF WEIGHT = (-?\d+)$/.exec(header);
  if (!m) throw new CheckerDumpParseError(`unknown real server header: ${JSON.stringify(header)}`);
  const port = Number(m[2]);
  return {
    key: addressKey(m[1]!, (vs.protocol ?? 'none').toLowerCase(), port), address: m[1]!, port, weight: Number(m[3]),
    lbKind: '', tunnel: null, alpha: false, inhibitOnFailure: false, connectTimeout: NaN, delayLoop: NaN, retry: null,
    delayBeforeRetry: null, warmup: null, thresholds: { lower: 0, upper: 0 }, smtpAlert: false, virtualhost: null,
    notifyUp: null, notifyDown: null, snmpName: null, trackedFiles: [], trackedBfds: [], checkers: [], other: {},
  };
}

function realServerHandler(rs: ComparableRealServer): Handler {
  return (text) => {
    let m: RegExpExecArray | null;
    if ((m = /^Alpha is (ON|OFF)$/.exec(text))) return void (rs.alpha = m[1] === 'ON');
    if ((m = /^Inhibit on failure is (ON|OFF)$/.exec(text))) return void (rs.inhibitOnFailure = m[1] === 'ON');
    if ((m = /^RS (up|down) notify script = (.*)$/.exec(text))) {
      rs[m[1] === 'up' ? 'notifyUp' : 'notifyDown'] = script(m[2]!);
      return;
    }
    if ((m = /^connection limit range = (\d+) -> (\d+)$/.exec(text))) {
      rs.thresholds = { lower: Number(m[1]), upper: Number(m[2]) };
      return;
    }
    if (text === 'Tracked Files') {
      return (t) => {
        const f = /^(.+), weight (-?\d+)( reverse)?$/.exec(t);
        if (!f) return keep(rs.other, t);
        rs.trackedFiles.push({ name: f[1]!, weight: Number(f[2]), reverse: f[3] !== undefined });
      };
    }
    if (text === 'Tracked BFDs') return (t) => void rs.trackedBfds.push(t);
    const kv = splitEq(text);
    if (!kv) return keep(rs.other, text);
    const [k, v] = kv;
    switch (k) {
      case 'forwarding method': Object.assign(rs, forwarding(v)); return;
      case 'connection timeout': rs.connectTimeout = seconds(v, k); return;
      case 'Delay loop': rs.delayLoop = seconds(v, k); return;
      case 'Retry count': rs.retry = num(v, k); return;
      case 'Retry delay': rs.delayBeforeRetry = seconds(v, k); return;
      case 'Warmup': rs.warmup = seconds(v, k); return;
      case 'Using smtp notification': rs.smtpAlert = onOff(v); return;
      case 'VirtualHost': rs.virtualhost = unquote(v); return;
      case 'SNMP name': rs.snmpName = v; return;
    }
    keep(rs.other, text);
  };
}

function groupHandler(group: ComparableVirtualServerGroup): Handler {
  const ignoreState: Handler = () => undefined; // `Alive: …`, `reloaded = …` under each entry
  return (text) => {
    let m: RegExpExecArray | null;
    if ((m = /^VIP Range = (.+)-(.+), VPORT = (\d+)$/.exec(text))) {
      group.entries.push({ kind: 'range', first: m[1]!, last: m[2]!, port: Number(m[3]) });
      return ignoreState;
    }
    if ((m = /^VIP = (.+), VPORT = (\d+)$/.exec(text))) {
      group.entries.push({ kind: 'address', address: m[1]!, port: Number(m[2]) });
      return ignoreState;
    }
    if ((m = /^FWMARK = (\d+)(?: (IPv4|IPv6))?$/.exec(text))) {
      const family = m[2] === undefined ? {} : { family: m[2] === 'IPv4' ? ('inet' as const) : ('inet6' as const) };
      group.entries.push({ kind: 'fwmark', fwmark: Number(m[1]), ...family });
      return ignoreState;
    }
    keep(group.other, text);
  };
}

function newChecker(): ComparableChecker {
  return {
    kind: '', alpha: false, delayLoop: NaN, warmup: NaN, retry: NaN, delayBeforeRetry: null, logAllFailures: false,
    connection: null, other: {},
  };
}

function urlHandler(url: ComparableUrl): Handler {
  return (text) => {
    if (text === 'HTTP Status Code(s)') return (code) => void url.statusCodes.push(code);
    if (text === 'Regex no match') return void (url.regexNoMatch = true);
    let m: RegExpExecArray | null;
    if ((m = /^Regex min offset = (\d+)(?:, max_offset = (\d+))?$/.exec(text))) {
      url.regexMinOffset = Number(m[1]);
      url.regexMaxOffset = m[2] === undefined ? null : Number(m[2]);
      return;
    }
    if ((m = /^Regex stack start (\d+), max (\d+)$/.exec(text))) {
      url.regexStack = { start: Number(m[1]), max: Number(m[2]) };
      return;
    }
    if (text === 'Regex options:' || text.startsWith('Regex options: ')) {
      url.regexOptions = text.slice('Regex options:'.length).split(/\s+/).filter(Boolean);
      return (opt) => void url.regexOptions!.push(opt);
    }
    const kv = splitEq(text);
    if (kv?.[0] === 'digest') return void (url.digest = kv[1]);
    if (kv?.[0] === 'Virtual host') return void (url.virtualhost = kv[1]);
    if (kv?.[0] === 'Regex') return void (url.regex = kv[1].replace(/^"(.*)"$/, '$1'));
    keep(url.other, text);
  };
}

/** `vsDelayLoop`: the delay_loop of the checker's virtual server, the effective timeout of an unset misc_timeout */
function checkerHandler(c: ComparableChecker, vsDelayLoop: number): Handler {
  return (text) => {
    if (text === 'Connection') {
      const conn: ComparableConnection = {
        dest: { address: '', port: NaN }, bindTo: null, bindIf: null, fwmark: 0, timeout: NaN, other: {},
      };
      c.connection = conn;
      return (t) => {
        const kv = splitEq(t);
        if (kv?.[0] === 'Dest') return void (conn.dest = bracketEndpoint(kv[1], 'Dest'));
        if (kv?.[0] === 'Bind to') return void (conn.bindTo = bracketEndpoint(kv[1], 'Bind to'));
        if (kv?.[0] === 'Bind i/f') return void (conn.bindIf = kv[1]);
        if (kv?.[0] === 'Mark') return void (conn.fwmark = num(kv[1], 'Mark'));
        if (kv?.[0] === 'Timeout') return void (conn.timeout = seconds(kv[1], 'Timeout'));
        keep(conn.other, t);
      };
    }
    let m: RegExpExecArray | null;
    if ((m = /^Keepalive method = (\w+)(?:, http protocol (\S+))?$/.exec(text))) {
      c.kind = m[1]!;
      if (c.kind === 'FILE_CHECK' || c.kind === 'BFD_CHECK') {
        // not polled: for BFD_CHECK the timing lines already read were keepalived's "unset" sentinels
        Object.assign(c, { delayLoop: null, warmup: null, retry: null, delayBeforeRetry: null });
      }
      if (c.kind === 'FILE_CHECK') {
        return (t) => {
          const kv = splitEq(t);
          if (kv?.[0] === 'Tracked file') return void (c.file = { trackFile: kv[1] });
          keep(c.other, t);
        };
      }
      if (m[2] !== undefined) c.http = { protocol: m[2], enableSni: false, fastRecovery: false, virtualhost: null, urls: [] };
      if (c.kind === 'UDP_CHECK') {
        c.udp = {
          payloadLength: 0, requireReply: false, minReplyLength: null, maxReplyLength: null, replyDataLength: null,
          replyDataMask: null,
        };
      }
      return;
    }
    if (c.http) {
      if ((m = /^Enable SNI (set|unset)$/.exec(text))) return void (c.http.enableSni = m[1] === 'set');
      if ((m = /^Fast recovery (set|unset)$/.exec(text))) return void (c.http.fastRecovery = m[1] === 'set');
      if ((m = /^Checked url = (.*)$/.exec(text))) {
        const url: ComparableUrl = {
          path: m[1]!, digest: null, statusCodes: [], virtualhost: null, regex: null, regexOptions: null, regexNoMatch: false,
          regexMinOffset: 0, regexMaxOffset: null, regexStack: null, other: {},
        };
        c.http.urls.push(url);
        return urlHandler(url);
      }
    }
    if (c.kind === 'BFD_CHECK' && (m = /^Alpha is (ON|OFF)$/.exec(text))) return void (c.alpha = m[1] === 'ON');
    const kv = splitEq(text);
    if (!kv) return keep(c.other, text);
    const [k, v] = kv;
    if (c.kind === 'BFD_CHECK' && k === 'Name') return void (c.bfd = { name: v });
    switch (k) {
      case 'Alpha': c.alpha = onOff(v); return;
      case 'Delay loop': c.delayLoop = seconds(v, k); return;
      case 'Warmup': c.warmup = seconds(v, k); return;
      case 'Retries': c.retry = num(v, k); return;
      case 'Delay before retry': c.delayBeforeRetry = seconds(v, k); return;
      case 'Log all failures': c.logAllFailures = onOff(v); return;
    }
    if (c.http && (k === 'Virtual host' || k === 'VirtualHost' || k === 'Virtualhost')) return void (c.http.virtualhost = v);
    if (c.kind === 'MISC_CHECK') {
      c.misc ??= { argv: [], timeout: vsDelayLoop, dynamic: false, user: '' };
      if (k === 'script') return void (c.misc.argv = script(v).argv);
      if (k === 'timeout') return void (c.misc.timeout = num(v, k) || vsDelayLoop);
      if (k === 'dynamic') return void (c.misc.dynamic = onOff(v));
      if (k === 'uid:gid') return void (c.misc.user = v);
    }
    if (c.kind === 'SMTP_CHECK' && k === 'helo') return void (c.smtp = { heloName: v });
    if (c.kind === 'DNS_CHECK' && (k === 'Type' || k === 'Name')) {
      c.dns ??= { type: '', name: '.' };
      if (k === 'Type') c.dns.type = v;
      else c.dns.name = v === '' ? '.' : v;
      return;
    }
    if (c.udp) {
      const udp = c.udp;
      if (k === 'Payload len') return void (udp.payloadLength = num(v, k));
      if (k === 'Payload specified') return void (udp.payloadLength = 0);
      if (k === 'Require reply') {
        udp.requireReply = onOff(v);
        return (t) => {
          const kv2 = splitEq(t);
          if (kv2?.[0] === 'Min reply length') return void (udp.minReplyLength = num(kv2[1], kv2[0]));
          if (kv2?.[0] === 'Max reply length') return void (udp.maxReplyLength = num(kv2[1], kv2[0]));
          if (kv2?.[0] === 'Reply data len') return void (udp.replyDataLength = num(kv2[1], kv2[0]));
          if (kv2?.[0] === 'Reply data mask') return void (udp.replyDataMask = onOff(kv2[1]));
          keep(c.other, t);
        };
      }
    }
    keep(c.other, text);
  };
}

/**
 * Parses the checker dump out of keepalived's log lines (with or without the `-l` timestamp prefix) into
 * the virtual servers it configured, each with its real servers and their checkers.
 */
export function parseCheckerDump(lines: readonly string[]): ComparableVirtualServer[] {
  const groups = new Map<string, ComparableVirtualServerGroup>();
  const servers: ComparableVirtualServer[] = [];
  let section: 'lvs' | 'checkers' | 'other' = 'other';
  let vs: ComparableVirtualServer | undefined;
  let pending: 'group' | 'vs' | 'rs' | undefined;
  // blocks by indentation: a line goes to the innermost block opened at a smaller indentation
  let stack: { indent: number; handle: Handler }[] = [];

  for (const raw of lines) {
    const line = stripLogPrefix(raw).replace(/\s+$/, '');
    const header = /^(\s*)------< (.+) >------$/.exec(line);
    if (header) {
      const name = header[2]!;
      if (name === 'LVS Topology') section = 'lvs';
      else if (name === 'Health checkers') section = 'checkers';
      else if (header[1] === '') section = 'other';
      if (section === 'lvs') {
        if (name === 'Virtual server group') pending = 'group';
        else if (name === 'Virtual server') pending = 'vs';
        else if (name === 'Real server') pending = 'rs';
      }
      stack = [];
      continue;
    }
    if (section === 'other' || !/^\s/.test(line) || line.trim() === '') continue;
    // The parent's global-definitions dump can interleave with the checker's: its script lines are not ours.
    if (/^\s*(Default script uid:gid|Script security|Script user)/.test(line)) continue;
    const indent = line.length - line.trimStart().length;
    const text = line.trim();

    if (pending) {
      const kind = pending;
      pending = undefined;
      if (kind === 'group') {
        const m = /^Virtual Server Group = (.+), IPv4 = (yes|no), IPv6 = (yes|no)$/.exec(text);
        if (!m) throw new CheckerDumpParseError(`unknown virtual server group header: ${JSON.stringify(text)}`);
        const group: ComparableVirtualServerGroup = { name: m[1]!, ipv4: m[2] === 'yes', ipv6: m[3] === 'yes', entries: [], other: {} };
        groups.set(group.name, group);
        stack = [{ indent, handle: groupHandler(group) }];
      } else if (kind === 'vs') {
        vs = newVirtualServer(text, groups);
        servers.push(vs);
        stack = [{ indent, handle: virtualServerHandler(vs) }];
      } else {
        if (!vs) throw new CheckerDumpParseError(`real server outside a virtual server: ${JSON.stringify(text)}`);
        const rs = newRealServer(text, vs);
        vs.realServers.push(rs);
        // its fields sit at the same indentation as its header: handled as if it were one level up
        stack = [{ indent: indent - 1, handle: realServerHandler(rs) }];
      }
      continue;
    }

    if (section === 'checkers' && indent === 1) {
      const m = /^(.+) -> (.+)$/.exec(text);
      if (!m) throw new CheckerDumpParseError(`unknown checker header: ${JSON.stringify(text)}`);
      const owner = servers.find((s) => s.key === m[1]);
      const rs = owner?.realServers.find((r) => r.key === m[2]);
      if (!rs) throw new CheckerDumpParseError(`checker for an unknown real server: ${JSON.stringify(text)}`);
      const checker = newChecker();
      rs.checkers.push(checker);
      stack = [{ indent, handle: checkerHandler(checker, owner!.delayLoop) }];
      continue;
    }

    while (stack.length > 1 && stack[stack.length - 1]!.indent >= indent) stack.pop();
    const top = stack[stack.length - 1];
    if (!top) continue; // e.g. `System is compiled with LVS v1.2.1`
    const child = top.handle(text);
    if (child) stack.push({ indent, handle: child });
  }
  return servers;
}
