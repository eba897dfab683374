// The health-check lab scenario as data: virtual servers, their real servers and checkers, the events
// the test inflicts on each real server, and what keepalived 2.2.7 does about each (its table of that
// virtual server afterwards, the lines it logs). The driver (inside UML) performs it; the test (on the
// host) holds both daemons to it. Each virtual server is a "track" with its own real servers, so the
// k-th events of all tracks run at once as step k.
import { createHash } from 'node:crypto';

/** What serves a real server in the fleet (check-fleet.ts), by the checker that probes it. */
export type CheckKind = 'tcp' | 'http' | 'https' | 'smtp' | 'dns' | 'udp' | 'misc';

/** `none`: a real server without checkers (always up), which keeps its virtual server non-empty cheaply. */
export type RealKind = CheckKind | 'none';

/**
 * Fleet modes. tcp: ok refuse blackhole. http/https: ok status body hang trickle-slow trickle-fast refuse.
 * smtp: ok banner hang refuse. dns: ok servfail silent closed. udp: ok silent wrong closed.
 * misc: the script's exit code, or `hang` (never exits).
 */
export type Mode = string;

export interface RealSpec {
  /** short name inside its track: a, b, c */
  readonly name: string;
  readonly addr: string;
  readonly port: number;
  readonly weight?: number;
  readonly kind: RealKind;
  /** extra lines inside the checker block */
  readonly checker?: readonly string[];
  /** extra lines inside the real_server block */
  readonly options?: readonly string[];
  /** the fleet's mode at start-up; default ok (misc: exit 0) */
  readonly initial?: Mode;
}

export type Action =
  | { readonly set: string; readonly mode: Mode }
  /** the virtual server's address appears on / leaves the directors (ha_suspend) */
  | { readonly vip: 'add' | 'del' };

export interface EventSpec {
  readonly name: string;
  readonly action: Action;
  /** keepalived's entries for this virtual server afterwards: `ADDR:PORT WEIGHT`, any order */
  readonly table: readonly string[];
  /** substrings of lines keepalived logs in reaction (its 2.2.7 wording); ours must log them too */
  readonly logs: readonly string[];
  /** a deliberate difference: ours ends with this table instead of keepalived's, for the reason given */
  readonly ours?: { readonly table: readonly string[]; readonly why: string };
}

export interface TrackSpec {
  /** unique name, also the virtual server's label in reports */
  readonly name: string;
  /** what the track proves, for reports */
  readonly about: string;
  readonly vip: string;
  readonly port: number;
  readonly protocol: 'TCP' | 'UDP';
  /** extra lines inside the virtual_server block (quorum, sorry_server, alpha, ha_suspend ...) */
  readonly options?: readonly string[];
  readonly reals: readonly RealSpec[];
  /** keepalived's entries for this virtual server once started and settled */
  readonly initial: readonly string[];
  /** lines keepalived logs while starting (substrings) */
  readonly startLogs?: readonly string[];
  readonly events: readonly EventSpec[];
}

/**
 * Check timing shared by every checker: short, so that each event settles in a few seconds. misc_timeout
 * is longer: a script costs ~70 ms of CPU in UML and must never be killed for being slow. warmup is not
 * configured; keepalived's default is delay_loop.
 */
export const TIMING = { delayLoop: 1, connectTimeout: 1, retry: 1, delayBeforeRetry: 1, miscTimeout: 2, warmup: 1 } as const;

/**
 * The LAN: a bridge joining three namespaces: the real servers (every address, served by the driver's
 * fleet, which runs there) and one director per daemon.
 */
export const LAB = {
  bridge: 'chkbr',
  realServers: { ns: 'chk-rs', addr: '10.9.255.254/16' },
  directors: { keepalived: { ns: 'chk-ka', addr: '10.9.0.1' }, ours: { ns: 'chk-ours', addr: '10.9.0.2' } },
  /** routing table holding a blackhole default route; `ip rule from ADDR` sends an address's replies there */
  blackholeTable: 200,
} as const;

/** What the fleet's HTTP(S) servers answer when healthy; the checkers expect this body's MD5. */
export const HTTP_BODY = 'keepalived-ts check lab: healthy\n';
export const HTTP_WRONG_BODY = 'keepalived-ts check lab: something else\n';
export const HTTP_PATH = '/health';
export const HTTP_DIGEST = createHash('md5').update(HTTP_BODY).digest('hex');
export const DNS_NAME = 'lab.test';
/** UDP_CHECK payload ("kt-lab"); the echo server returns it, require_reply expects it */
export const UDP_PAYLOAD = '6b742d6c6162';

const rs = (addr: string, port: number, proto: 'tcp' | 'udp' = 'tcp') => `[${addr}]:${proto}:${port}`;
const vsKey = (t: { vip: string; port: number; protocol: 'TCP' | 'UDP' }) => rs(t.vip, t.port, t.protocol === 'TCP' ? 'tcp' : 'udp');

// Log lines keepalived 2.2.7 writes (check_tcp.c, check_http.c, check_smtp.c, check_dns.c, check_udp.c,
// check_misc.c, ipwrapper.c), built from the track's own addresses.
const L = {
  removing: (r: string, v: string) => `Removing service ${r} from VS ${v}`,
  adding: (r: string, v: string) => `Adding service ${r} to VS ${v}`,
  tcpFailed: (r: string) => `TCP_CHECK on service ${r} failed after 1 retries.`,
  tcpSuccess: (r: string) => `TCP connection to ${r} success.`,
  httpFailed: (r: string) => `HTTP_CHECK on service ${r} failed after 1 retries.`,
  webSucceed: (r: string) => `Remote Web server ${r} succeed on service.`,
  digestSuccess: (r: string) => `MD5 digest success to ${r} url(${HTTP_PATH})`,
  smtpSucceed: (r: string) => `Remote SMTP server ${r} succeed on service.`,
  udpFailed: (r: string) => `UDP_CHECK on service ${r} failed after 1 retries.`,
  udpSuccess: (r: string) => `UDP connection to ${r} success.`,
  misc: (r: string, v: string, outcome: string) => `Misc check for [${r} VS ${v}] by [${MISC_PATH_TOKEN}] ${outcome}`,
};

/** Stands for the MISC_CHECK script's path (a temporary file) in expected log lines. */
export const MISC_PATH_TOKEN = '@MISC_SCRIPT@';

/** The real server's key as keepalived logs it, and its virtual server's. */
export function keys(t: TrackSpec, name: string): { rs: string; vs: string; real: RealSpec } {
  const real = t.reals.find((r) => r.name === name);
  if (!real) throw new Error(`track ${t.name} has no real server ${name}`);
  return { rs: rs(real.addr, real.port, t.protocol === 'TCP' ? 'tcp' : 'udp'), vs: vsKey(t), real };
}

function tracks(): TrackSpec[] {
  const list: TrackSpec[] = [];

  // TCP_CHECK: a closed port (RST at once) and a black hole (connect runs into connect_timeout).
  {
    const v = rs('10.8.0.1', 80);
    const a = rs('10.9.1.1', 80);
    list.push({
      name: 'tcp', about: 'TCP_CHECK: refused, then silently dropped (connect timeout), each recovering',
      vip: '10.8.0.1', port: 80, protocol: 'TCP',
      reals: [{ name: 'a', addr: '10.9.1.1', port: 80, kind: 'tcp' }, { name: 'b', addr: '10.9.1.2', port: 80, kind: 'none' }],
      initial: ['10.9.1.1:80 1', '10.9.1.2:80 1'],
      events: [
        { name: 'refuse', action: { set: 'a', mode: 'refuse' }, table: ['10.9.1.2:80 1'], logs: [L.tcpFailed(a), L.removing(a, v)] },
        { name: 'recover', action: { set: 'a', mode: 'ok' }, table: ['10.9.1.1:80 1', '10.9.1.2:80 1'], logs: [L.tcpSuccess(a), L.adding(a, v)] },
        { name: 'blackhole', action: { set: 'a', mode: 'blackhole' }, table: ['10.9.1.2:80 1'], logs: [L.tcpFailed(a), L.removing(a, v)] },
        { name: 'recover', action: { set: 'a', mode: 'ok' }, table: ['10.9.1.1:80 1', '10.9.1.2:80 1'], logs: [L.tcpSuccess(a), L.adding(a, v)] },
      ],
    });
  }
  // HTTP_GET: wrong status, wrong body (digest), refused.
  {
    const v = rs('10.8.0.2', 80);
    const a = rs('10.9.2.1', 80);
    const both = ['10.9.2.1:80 1', '10.9.2.2:80 1'];
    const down = { table: ['10.9.2.2:80 1'], logs: [L.httpFailed(a), L.removing(a, v)] };
    const up = { table: both, logs: [L.digestSuccess(a), L.webSucceed(a), L.adding(a, v)] };
    list.push({
      name: 'http', about: 'HTTP_GET: status 500, a body whose MD5 differs, refused; each recovering',
      vip: '10.8.0.2', port: 80, protocol: 'TCP',
      reals: [{ name: 'a', addr: '10.9.2.1', port: 80, kind: 'http' }, { name: 'b', addr: '10.9.2.2', port: 80, kind: 'none' }],
      initial: both,
      events: [
        { name: 'status-500', action: { set: 'a', mode: 'status' }, ...down },
        { name: 'recover', action: { set: 'a', mode: 'ok' }, ...up },
        { name: 'wrong-digest', action: { set: 'a', mode: 'body' }, ...down },
        { name: 'recover', action: { set: 'a', mode: 'ok' }, ...up },
        { name: 'refuse', action: { set: 'a', mode: 'refuse' }, ...down },
        { name: 'recover', action: { set: 'a', mode: 'ok' }, ...up },
      ],
    });
  }
  // HTTP_GET and time: accept then hang; a body whose every gap exceeds connect_timeout; a body that takes
  // longer than connect_timeout in all but whose gaps stay under it (keepalived's timeout is per read).
  {
    const v = rs('10.8.0.3', 80);
    const a = rs('10.9.3.1', 80);
    const both = ['10.9.3.1:80 1', '10.9.3.2:80 1'];
    const down = { table: ['10.9.3.2:80 1'], logs: [L.httpFailed(a), L.removing(a, v)] };
    const up = { table: both, logs: [L.digestSuccess(a), L.webSucceed(a), L.adding(a, v)] };
    list.push({
      name: 'http-slow', about: 'HTTP_GET: accept then hang; body trickling slower than connect_timeout per read; body trickling past connect_timeout in total only',
      vip: '10.8.0.3', port: 80, protocol: 'TCP',
      reals: [{ name: 'a', addr: '10.9.3.1', port: 80, kind: 'http' }, { name: 'b', addr: '10.9.3.2', port: 80, kind: 'none' }],
      initial: both,
      events: [
        { name: 'hang', action: { set: 'a', mode: 'hang' }, ...down },
        { name: 'recover', action: { set: 'a', mode: 'ok' }, ...up },
        { name: 'trickle-slow', action: { set: 'a', mode: 'trickle-slow' }, ...down },
        { name: 'recover', action: { set: 'a', mode: 'ok' }, ...up },
        {
          name: 'trickle-fast', action: { set: 'a', mode: 'trickle-fast' }, table: both, logs: [],
          ours: {
            table: down.table,
            why: 'keepalived times each read, so a body that never pauses for connect_timeout keeps the server in however long it takes; ' +
              'ours gives the whole transaction one deadline (connect, send, receive), so a server that cannot answer within connect_timeout is out',
          },
        },
        { name: 'recover', action: { set: 'a', mode: 'ok' }, table: both, logs: [], ours: { table: both, why: 'ours re-adds it; keepalived never removed it' } },
      ],
    });
  }
  // SSL_GET over a self-signed certificate.
  {
    const v = rs('10.8.0.4', 443);
    const a = rs('10.9.4.1', 443);
    const both = ['10.9.4.1:443 1', '10.9.4.2:443 1'];
    const down = { table: ['10.9.4.2:443 1'], logs: [L.httpFailed(a), L.removing(a, v)] };
    const up = { table: both, logs: [L.digestSuccess(a), L.webSucceed(a), L.adding(a, v)] };
    list.push({
      name: 'https', about: 'SSL_GET: status 500, accept then hang; each recovering',
      vip: '10.8.0.4', port: 443, protocol: 'TCP',
      reals: [{ name: 'a', addr: '10.9.4.1', port: 443, kind: 'https' }, { name: 'b', addr: '10.9.4.2', port: 443, kind: 'none' }],
      initial: both,
      events: [
        { name: 'status-500', action: { set: 'a', mode: 'status' }, ...down },
        { name: 'recover', action: { set: 'a', mode: 'ok' }, ...up },
        { name: 'hang', action: { set: 'a', mode: 'hang' }, ...down },
        { name: 'recover', action: { set: 'a', mode: 'ok' }, ...up },
      ],
    });
  }
  // SMTP_CHECK: a 554 banner, then a server that accepts and says nothing.
  {
    const v = rs('10.8.0.5', 25);
    const a = rs('10.9.5.1', 25);
    const both = ['10.9.5.1:25 1', '10.9.5.2:25 1'];
    list.push({
      name: 'smtp', about: 'SMTP_CHECK: bad greeting banner, accept then silence; each recovering',
      vip: '10.8.0.5', port: 25, protocol: 'TCP',
      reals: [
        { name: 'a', addr: '10.9.5.1', port: 25, kind: 'smtp' },
        { name: 'b', addr: '10.9.5.2', port: 25, kind: 'none' },
      ],
      initial: both,
      events: [
        { name: 'bad-banner', action: { set: 'a', mode: 'banner' }, table: ['10.9.5.2:25 1'], logs: ['SMTP_CHECK Bad greeting banner from server [10.9.5.1]:25', L.removing(a, v)] },
        { name: 'recover', action: { set: 'a', mode: 'ok' }, table: both, logs: [L.smtpSucceed(a), L.adding(a, v)] },
        { name: 'hang', action: { set: 'a', mode: 'hang' }, table: ['10.9.5.2:25 1'], logs: ['SMTP_CHECK Read timeout from server [10.9.5.1]:25', L.removing(a, v)] },
        { name: 'recover', action: { set: 'a', mode: 'ok' }, table: both, logs: [L.smtpSucceed(a), L.adding(a, v)] },
      ],
    });
  }
  // DNS_CHECK (UDP): SERVFAIL, then no answer at all.
  {
    const v = rs('10.8.0.6', 53, 'udp');
    const a = rs('10.9.6.1', 53, 'udp');
    const both = ['10.9.6.1:53 1', '10.9.6.2:53 1'];
    list.push({
      name: 'dns', about: 'DNS_CHECK: SERVFAIL, then silence; each recovering',
      vip: '10.8.0.6', port: 53, protocol: 'UDP',
      reals: [{ name: 'a', addr: '10.9.6.1', port: 53, kind: 'dns' }, { name: 'b', addr: '10.9.6.2', port: 53, kind: 'none' }],
      initial: both,
      events: [
        { name: 'servfail', action: { set: 'a', mode: 'servfail' }, table: ['10.9.6.2:53 1'], logs: [`DNS_CHECK (${a}) read error occurred. (rcode = 2) after 1 retries`, L.removing(a, v)] },
        { name: 'recover', action: { set: 'a', mode: 'ok' }, table: both, logs: [L.adding(a, v)] },
        { name: 'silent', action: { set: 'a', mode: 'silent' }, table: ['10.9.6.2:53 1'], logs: [`DNS_CHECK (${a}) read timeout from socket after 1 retries`, L.removing(a, v)] },
        { name: 'recover', action: { set: 'a', mode: 'ok' }, table: both, logs: [L.adding(a, v)] },
      ],
    });
  }
  // UDP_CHECK with require_reply: silence and a wrong reply both fail.
  {
    const v = rs('10.8.0.7', 7, 'udp');
    const a = rs('10.9.7.1', 7, 'udp');
    const both = ['10.9.7.1:7 1', '10.9.7.2:7 1'];
    const checker = [`payload ${UDP_PAYLOAD}`, `require_reply ${UDP_PAYLOAD}`];
    list.push({
      name: 'udp-reply', about: 'UDP_CHECK with require_reply: silence, a wrong reply; each recovering',
      vip: '10.8.0.7', port: 7, protocol: 'UDP',
      reals: [
        { name: 'a', addr: '10.9.7.1', port: 7, kind: 'udp', checker },
        { name: 'b', addr: '10.9.7.2', port: 7, kind: 'none' },
      ],
      initial: both,
      events: [
        { name: 'silent', action: { set: 'a', mode: 'silent' }, table: ['10.9.7.2:7 1'], logs: [L.udpFailed(a), L.removing(a, v)] },
        { name: 'recover', action: { set: 'a', mode: 'ok' }, table: both, logs: [L.udpSuccess(a), L.adding(a, v)] },
        { name: 'wrong-reply', action: { set: 'a', mode: 'wrong' }, table: ['10.9.7.2:7 1'], logs: [L.udpFailed(a), L.removing(a, v)] },
        { name: 'recover', action: { set: 'a', mode: 'ok' }, table: both, logs: [L.udpSuccess(a), L.adding(a, v)] },
      ],
    });
  }
  // UDP_CHECK without require_reply: silence is success; only an ICMP port unreachable fails it.
  {
    const v = rs('10.8.0.8', 7, 'udp');
    const a = rs('10.9.8.1', 7, 'udp');
    const both = ['10.9.8.1:7 1', '10.9.8.2:7 1'];
    list.push({
      name: 'udp-plain', about: 'UDP_CHECK without require_reply: silence passes, a closed port (ICMP unreachable) fails',
      vip: '10.8.0.8', port: 7, protocol: 'UDP',
      reals: [
        { name: 'a', addr: '10.9.8.1', port: 7, kind: 'udp', checker: [`payload ${UDP_PAYLOAD}`] },
        { name: 'b', addr: '10.9.8.2', port: 7, kind: 'none' },
      ],
      initial: both,
      events: [
        { name: 'silent', action: { set: 'a', mode: 'silent' }, table: both, logs: [] },
        { name: 'closed', action: { set: 'a', mode: 'closed' }, table: ['10.9.8.2:7 1'], logs: [L.udpFailed(a), L.removing(a, v)] },
        { name: 'recover', action: { set: 'a', mode: 'ok' }, table: both, logs: [L.udpSuccess(a), L.adding(a, v)] },
      ],
    });
  }
  // MISC_CHECK: exit 1, a script that never exits (killed at misc_timeout).
  {
    const v = rs('10.8.0.9', 80);
    const a = rs('10.9.9.1', 80);
    const both = ['10.9.9.1:80 1', '10.9.9.2:80 1'];
    list.push({
      name: 'misc', about: 'MISC_CHECK: exit 1, never exits (timed out); each recovering',
      vip: '10.8.0.9', port: 80, protocol: 'TCP',
      reals: [{ name: 'a', addr: '10.9.9.1', port: 80, kind: 'misc' }, { name: 'b', addr: '10.9.9.2', port: 80, kind: 'none' }],
      initial: both,
      events: [
        { name: 'exit-1', action: { set: 'a', mode: '1' }, table: ['10.9.9.2:80 1'], logs: [L.misc(a, v, 'failed after 1 retry (exited with status 1).'), L.removing(a, v)] },
        { name: 'recover', action: { set: 'a', mode: '0' }, table: both, logs: [L.misc(a, v, 'succeeded.'), L.adding(a, v)] },
        { name: 'never-exits', action: { set: 'a', mode: 'hang' }, table: ['10.9.9.2:80 1'], logs: [L.misc(a, v, 'timed out after 1 retry.'), L.removing(a, v)] },
        { name: 'recover', action: { set: 'a', mode: '0' }, table: both, logs: [L.misc(a, v, 'succeeded.'), L.adding(a, v)] },
      ],
    });
  }
  // MISC_CHECK misc_dynamic: exit status N (2..255) sets the weight to N - 2.
  {
    const v = rs('10.8.0.10', 80);
    const a = rs('10.9.10.1', 80);
    list.push({
      name: 'misc-dynamic', about: 'MISC_CHECK misc_dynamic: weights from the exit status, exit 1 removes, exit 0 restores the configured weight',
      vip: '10.8.0.10', port: 80, protocol: 'TCP',
      reals: [
        { name: 'a', addr: '10.9.10.1', port: 80, weight: 2, kind: 'misc', checker: ['misc_dynamic'] },
        { name: 'b', addr: '10.9.10.2', port: 80, kind: 'none' },
      ],
      initial: ['10.9.10.1:80 2', '10.9.10.2:80 1'],
      events: [
        { name: 'exit-12', action: { set: 'a', mode: '12' }, table: ['10.9.10.1:80 10', '10.9.10.2:80 1'], logs: [`Changing weight from 2 to 10 for active service ${a} of VS ${v}`] },
        { name: 'exit-5', action: { set: 'a', mode: '5' }, table: ['10.9.10.1:80 3', '10.9.10.2:80 1'], logs: [`Changing weight from 10 to 3 for active service ${a} of VS ${v}`] },
        { name: 'exit-1', action: { set: 'a', mode: '1' }, table: ['10.9.10.2:80 1'], logs: [L.misc(a, v, 'failed after 1 retry (exited with status 1).'), L.removing(a, v)] },
        { name: 'exit-0', action: { set: 'a', mode: '0' }, table: ['10.9.10.1:80 2', '10.9.10.2:80 1'], logs: [L.misc(a, v, 'succeeded.'), L.adding(a, v)] },
      ],
    });
  }
  // Quorum 4 with hysteresis 1 over three servers of weight 2, and a sorry server: lost below 3, regained at 5.
  {
    const v = rs('10.8.0.11', 80);
    const all = ['10.9.11.1:80 2', '10.9.11.2:80 2', '10.9.11.3:80 2'];
    const sorry = rs('10.9.11.9', 80);
    list.push({
      name: 'quorum', about: 'quorum 4, hysteresis 1, sorry server: lost at alive weight 2, not regained at 4, regained at 6',
      vip: '10.8.0.11', port: 80, protocol: 'TCP',
      options: ['quorum 4', 'hysteresis 1', 'sorry_server 10.9.11.9 80'],
      reals: [
        { name: 'a', addr: '10.9.11.1', port: 80, weight: 2, kind: 'tcp' },
        { name: 'b', addr: '10.9.11.2', port: 80, weight: 2, kind: 'tcp' },
        { name: 'c', addr: '10.9.11.3', port: 80, weight: 2, kind: 'tcp' },
      ],
      initial: all,
      events: [
        { name: 'a-down', action: { set: 'a', mode: 'refuse' }, table: ['10.9.11.2:80 2', '10.9.11.3:80 2'], logs: [L.removing(rs('10.9.11.1', 80), v)] },
        {
          name: 'b-down-quorum-lost', action: { set: 'b', mode: 'refuse' }, table: ['10.9.11.9:80 1'],
          logs: [`Lost quorum 4-1=3 > 2 for VS ${v}`, `Removing alive servers from the pool for VS ${v}`, `Adding sorry server ${sorry} to VS ${v}`],
        },
        // keepalived also logs "Adding service [10.9.11.1]:tcp:80 to VS ..." here although the sorry server stays
        // and nothing is added (the server's state is tracked, not pushed): not required of ours
        { name: 'a-up-hysteresis', action: { set: 'a', mode: 'ok' }, table: ['10.9.11.9:80 1'], logs: [L.tcpSuccess(rs('10.9.11.1', 80))] },
        {
          name: 'b-up-quorum-gained', action: { set: 'b', mode: 'ok' }, table: all,
          logs: [`Gained quorum 4+1=5 <= 6 for VS ${v}`, `Removing sorry server ${sorry} from VS ${v}`, `Adding alive servers to the pool for VS ${v}`],
        },
      ],
    });
  }
  // inhibit_on_failure: weight 0 instead of removal.
  {
    const v = rs('10.8.0.12', 80);
    const a = rs('10.9.12.1', 80);
    list.push({
      name: 'inhibit', about: 'inhibit_on_failure: a failed server stays with weight 0, and gets its weight back',
      vip: '10.8.0.12', port: 80, protocol: 'TCP',
      reals: [
        { name: 'a', addr: '10.9.12.1', port: 80, weight: 3, kind: 'tcp', options: ['inhibit_on_failure'] },
        { name: 'b', addr: '10.9.12.2', port: 80, kind: 'none' },
      ],
      initial: ['10.9.12.1:80 3', '10.9.12.2:80 1'],
      events: [
        { name: 'refuse', action: { set: 'a', mode: 'refuse' }, table: ['10.9.12.1:80 0', '10.9.12.2:80 1'], logs: [L.tcpFailed(a), `Disabling service ${a} of VS ${v}`] },
        { name: 'recover', action: { set: 'a', mode: 'ok' }, table: ['10.9.12.1:80 3', '10.9.12.2:80 1'], logs: [L.tcpSuccess(a), `Enabling service ${a} of VS ${v}`] },
      ],
    });
  }
  // alpha: servers start down and enter on their first success (inhibited ones sit at weight 0 meanwhile).
  {
    const v = rs('10.8.0.13', 80);
    list.push({
      name: 'alpha', about: 'alpha: only servers that pass a first check enter; an inhibited one waits at weight 0',
      vip: '10.8.0.13', port: 80, protocol: 'TCP',
      options: ['alpha'],
      reals: [
        { name: 'a', addr: '10.9.13.1', port: 80, kind: 'tcp' },
        { name: 'b', addr: '10.9.13.2', port: 80, kind: 'tcp', initial: 'refuse' },
        { name: 'c', addr: '10.9.13.3', port: 80, kind: 'tcp', initial: 'refuse', options: ['inhibit_on_failure'] },
      ],
      initial: ['10.9.13.1:80 1', '10.9.13.3:80 0'],
      startLogs: [L.tcpSuccess(rs('10.9.13.1', 80)), L.adding(rs('10.9.13.1', 80), v)],
      events: [
        { name: 'b-up', action: { set: 'b', mode: 'ok' }, table: ['10.9.13.1:80 1', '10.9.13.2:80 1', '10.9.13.3:80 0'], logs: [L.tcpSuccess(rs('10.9.13.2', 80)), L.adding(rs('10.9.13.2', 80), v)] },
        { name: 'c-up', action: { set: 'c', mode: 'ok' }, table: ['10.9.13.1:80 1', '10.9.13.2:80 1', '10.9.13.3:80 1'], logs: [L.tcpSuccess(rs('10.9.13.3', 80)), `Enabling service ${rs('10.9.13.3', 80)} of VS ${v}`] },
      ],
    });
  }
  // ha_suspend: checkers sleep while the virtual server's address is not on the director.
  {
    const v = rs('10.8.0.14', 80);
    const a = rs('10.9.14.1', 80);
    const both = ['10.9.14.1:80 1', '10.9.14.2:80 1'];
    list.push({
      name: 'ha-suspend', about: 'ha_suspend: a failure goes unseen while the VIP is absent, is acted on when it appears; suspended again when it leaves',
      vip: '10.8.0.14', port: 80, protocol: 'TCP',
      options: ['ha_suspend'],
      reals: [{ name: 'a', addr: '10.9.14.1', port: 80, kind: 'tcp' }, { name: 'b', addr: '10.9.14.2', port: 80, kind: 'none' }],
      initial: both,
      events: [
        { name: 'refuse-suspended', action: { set: 'a', mode: 'refuse' }, table: both, logs: [] },
        { name: 'vip-added', action: { vip: 'add' }, table: ['10.9.14.2:80 1'], logs: [`Activating healthchecker for service ${a} for VS ${v}`, L.removing(a, v)] },
        { name: 'vip-removed', action: { vip: 'del' }, table: ['10.9.14.2:80 1'], logs: [`Suspending healthchecker for service ${a} for VS ${v}`] },
        { name: 'recover-suspended', action: { set: 'a', mode: 'ok' }, table: ['10.9.14.2:80 1'], logs: [] },
        { name: 'vip-added-again', action: { vip: 'add' }, table: both, logs: [`Activating healthchecker for service ${a} for VS ${v}`, L.tcpSuccess(a), L.adding(a, v)] },
      ],
    });
  }
  return list;
}

export const TRACKS: readonly TrackSpec[] = tracks();

/** Steps: the k-th event of every track that has one. */
export const STEP_COUNT = Math.max(...TRACKS.map((t) => t.events.length));

export function stepEvents(k: number): Array<{ track: TrackSpec; event: EventSpec }> {
  return TRACKS.flatMap((track) => (track.events[k] ? [{ track, event: track.events[k] }] : []));
}

/** Per attempt: connect_timeout, or misc_timeout for scripts. */
export function attemptTimeout(kind: RealKind): number {
  return kind === 'misc' ? TIMING.miscTimeout : kind === 'none' ? 0 : TIMING.connectTimeout;
}

/**
 * How long keepalived may take to act on an event, in ms: the next check comes within delay_loop; each
 * of the 1 + retry attempts may run into its timeout, with delay_before_retry between them. (The issue
 * states delay_loop + retry × delay_before_retry + timeout; that holds for failures that are immediate
 * after the first attempt, but a server that hangs costs the timeout on every attempt.)
 */
export function boundMs(t: TrackSpec, e: EventSpec): number {
  const kinds = 'set' in e.action ? [keys(t, e.action.set).real.kind] : t.reals.map((r) => r.kind);
  const worst = Math.max(...kinds.map(attemptTimeout));
  const { delayLoop, retry, delayBeforeRetry } = TIMING;
  return 1000 * (delayLoop + retry * (delayBeforeRetry + worst) + worst);
}

/** After start-up: first check after 1 s + up to warmup, then as for an event. */
export function startBoundMs(t: TrackSpec): number {
  const worst = Math.max(...t.reals.map((r) => attemptTimeout(r.kind)));
  const { retry, delayBeforeRetry } = TIMING;
  return 1000 * (1 + TIMING.warmup + retry * (delayBeforeRetry + worst) + worst);
}

/** Fleet server id of a real server: `<track>.<name>`. */
export function serverId(t: TrackSpec, r: RealSpec): string {
  return `${t.name}.${r.name}`;
}

/** `TCP 10.8.0.1:80`: how the driver keys a virtual server's entries read from /proc/net/ip_vs. */
export function serviceKey(t: TrackSpec): string {
  return `${t.protocol} ${t.vip}:${t.port}`;
}

export interface ConfigPaths {
  /** the MISC_CHECK script (check-misc.sh written by the test) */
  miscScript: string;
  /** directory of the files that script reads, one per real server, named by serverId */
  miscDir: string;
}

function checkerBlock(t: TrackSpec, r: RealSpec, paths: ConfigPaths): string[] {
  const { connectTimeout, retry, delayBeforeRetry, miscTimeout } = TIMING;
  const common = [`connect_timeout ${connectTimeout}`, `retry ${retry}`, `delay_before_retry ${delayBeforeRetry}`];
  const url = ['url {', `path ${HTTP_PATH}`, `digest ${HTTP_DIGEST}`, 'status_code 200', '}'];
  switch (r.kind) {
    case 'tcp':
      return ['TCP_CHECK {', ...common, ...(r.checker ?? []), '}'];
    case 'http':
      return ['HTTP_GET {', ...url, ...common, ...(r.checker ?? []), '}'];
    case 'https':
      return ['SSL_GET {', ...url, ...common, ...(r.checker ?? []), '}'];
    case 'smtp':
      return ['SMTP_CHECK {', ...common, `helo_name ${DNS_NAME}`, ...(r.checker ?? []), '}'];
    case 'dns':
      return ['DNS_CHECK {', ...common, 'type A', `name ${DNS_NAME}`, ...(r.checker ?? []), '}'];
    case 'udp':
      return ['UDP_CHECK {', ...common, ...(r.checker ?? []), '}'];
    case 'none':
      return [];
    case 'misc':
      return [
        'MISC_CHECK {', `misc_path "${paths.miscScript} ${paths.miscDir}/${serverId(t, r)}"`, `misc_timeout ${miscTimeout}`,
        `retry ${retry}`, `delay_before_retry ${delayBeforeRetry}`, ...(r.checker ?? []), '}',
      ];
  }
}

/** The keepalived.conf both daemons run. */
export function checkConfig(paths: ConfigPaths): string {
  const out: string[] = [
    '# keepalived-ts health-check lab (test/lab/check-scenario.ts): both daemons run this file with -C.',
    'global_defs {', 'router_id chk_lab', '}',
  ];
  let depth = 0;
  const emit = (line: string) => {
    if (line.startsWith('}')) depth--;
    out.push(`${'  '.repeat(depth)}${line}`);
    if (line.endsWith('{')) depth++;
  };
  for (const t of TRACKS) {
    emit(`# ${t.name}: ${t.about}`);
    emit(`virtual_server ${t.vip} ${t.port} {`);
    [`delay_loop ${TIMING.delayLoop}`, 'lb_algo rr', 'lb_kind NAT', `protocol ${t.protocol}`, ...(t.options ?? [])].forEach(emit);
    for (const r of t.reals) {
      emit(`real_server ${r.addr} ${r.port} {`);
      emit(`weight ${r.weight ?? 1}`);
      (r.options ?? []).forEach(emit);
      checkerBlock(t, r, paths).forEach(emit);
      emit('}');
    }
    emit('}');
  }
  return out.join('\n') + '\n';
}

/**
 * The MISC_CHECK script: exits with the number in its file (0 if missing), or never exits when the file
 * says `hang`. `read` is a builtin, so one check costs one fork of dash.
 */
export const MISC_SCRIPT = `#!/bin/sh
# keepalived-ts check lab: exit with the status the test wrote to "$1"; "hang" = never exit.
v=0
[ -f "$1" ] && read -r v < "$1"
[ "$v" = hang ] && exec sleep 100000
exit "$v"
`;
