// `virtual_server IP [PORT] | fwmark N | group NAME { ... }`: the service, scheduler and
// forwarding, persistence, service flags, checker defaults, quorum, sorry server, real servers.
// keepalived's end-of-block rules (sorry server and address family) run here; the rest of its
// checks run after the whole file in complete.ts.
import type { Stmt } from '../../syntax.js';
import { LVS_SCHEDULERS, type LvsScheduler } from '../../model/lvs.js';
import type { KeepalivedConfig } from '../../model/index.js';
import { applyBlock, blockKeyword, type BuildContext, type KeywordSpec, type KeywordTable, type SchemaRegistry } from '../types.js';
import { draftsOf, scriptDraft, type VsDraft, type VsServiceDraft } from './drafts.js';
import { readLvsMethod } from './lvs-method.js';
import { realServerHandler } from './real-server.js';
import { sorryServerKeywords } from './sorry-server.js';
import { persistenceGranularity } from './persistence.js';
import {
  flagIgnoringArgs,
  needArg,
  parseServerEndpoint,
  parseUnsigned,
  readOptionalBool,
  readTimerArg,
  readUnsignedArg,
  UINT_MAX,
  WEIGHT_LIMIT,
} from './read.js';

/** Default persistence timeout (s) of the bare keyword and of implied persistence. */
export const PERSISTENT_TIMEOUT = 360;
/** LVS_MAX_TIMEOUT: 31 days. */
const MAX_PERSISTENCE = 86400 * 31;
/** IP_VS_PENAME_MAXLEN. */
const PENAME_MAX = 16;
const DEFAULT_DELAY_LOOP = 60;

function serviceFlag(s: Stmt, vs: VsDraft, ctx: BuildContext): void {
  const kw = s.keyword;
  const f = vs.serviceFlags;
  if (kw === 'ops') f.ops = true;
  else if (kw === 'flag-1') f.flag1 = true;
  else if (kw === 'flag-2') f.flag2 = true;
  else if (kw === 'flag-3') f.flag3 = true;
  // The sh-/mh- flags are the scheduler flags 1 (fallback) and 2 (port); any other word is
  // silently ignored when the scheduler (set earlier in the block) is sh or mh.
  else if (vs.lbAlgo === 'sh') {
    if (kw === 'sh-port') f.flag2 = true;
    if (kw === 'sh-fallback') f.flag1 = true;
  } else if (vs.lbAlgo === 'mh') {
    if (kw === 'mh-port') f.flag2 = true;
    if (kw === 'mh-fallback') f.flag1 = true;
  } else {
    ctx.sink.error(s.pos, `${kw} only applies to sh scheduler - ignoring`, vs.lbAlgo ? undefined : 'put lb_algo before the flags');
  }
}

function vsTable(registry: SchemaRegistry): KeywordTable<VsDraft> {
  const dupScript = (s: Stmt, vs: VsDraft, ctx: BuildContext, what: string) =>
    ctx.sink.error(s.pos, `(${vs.service.kind === 'group' ? vs.service.groupName : '(null)'}) ${what} script already specified - ignoring ${s.args[0]?.text ?? ''}`);
  const flag = { handler: serviceFlag, block: 'none' as const };
  const lbAlgo = (s: Stmt, vs: VsDraft, ctx: BuildContext) => {
    const w = needArg(s, ctx);
    if (!w) return;
    if (!(LVS_SCHEDULERS as readonly string[]).includes(w.text)) {
      return ctx.sink.error(w.pos, `Invalid lvs_scheduler '${w.text}' - ignoring`, `one of ${LVS_SCHEDULERS.join(' ')}`);
    }
    vs.lbAlgo = w.text as LvsScheduler;
  };
  const lbKind = (s: Stmt, vs: VsDraft, ctx: BuildContext) => {
    vs.lbKind = readLvsMethod(s, ctx, vs.lbKind, 'virtual');
  };
  return {
    ip_family: (s, vs, ctx) => {
      const w = needArg(s, ctx);
      if (!w) return;
      const fam = w.text === 'inet' ? 4 : w.text === 'inet6' ? 6 : undefined;
      if (!fam) return ctx.sink.error(w.pos, `unknown address family ${w.text}`, 'inet or inet6');
      if (vs.family !== undefined && vs.family !== fam) {
        return ctx.sink.error(w.pos, `Virtual server specified family ${w.text} conflicts with server family`);
      }
      vs.family = fam;
    },
    retry: (s, vs, ctx) => {
      const v = readUnsignedArg(s, ctx, 0, 1, UINT_MAX, (t) => `retry value invalid - ${t}`);
      if (v !== undefined) vs.retry = v;
    },
    delay_before_retry: (s, vs, ctx) => {
      const v = readTimerArg(s, ctx, 0, 0, undefined, (t) => `virtual server delay before retry '${t}' invalid - ignoring`);
      if (v !== undefined) vs.delayBeforeRetry = v;
    },
    warmup: (s, vs, ctx) => {
      const v = readTimerArg(s, ctx, 0, 0, undefined, (t) => `virtual server warmup '${t}' invalid - ignoring`);
      if (v !== undefined) vs.warmup = v;
    },
    connect_timeout: (s, vs, ctx) => {
      const v = readTimerArg(s, ctx, 0, 1, UINT_MAX, (t) => `virtual server connect_timeout ${t} invalid - ignoring`);
      if (v !== undefined) vs.connectTimeout = v;
    },
    delay_loop: (s, vs, ctx) => {
      const v = readTimerArg(s, ctx, 0, 1, undefined, (t) => `virtual server delay loop '${t}' invalid - ignoring`);
      if (v !== undefined) vs.delayLoop = v;
    },
    inhibit_on_failure: (s, vs, ctx) => {
      vs.inhibitOnFailure = flagIgnoringArgs(s, ctx);
    },
    lb_algo: lbAlgo,
    lvs_sched: lbAlgo,
    hashed: flag,
    ops: flag,
    'flag-1': flag,
    'flag-2': flag,
    'flag-3': flag,
    'sh-port': flag,
    'sh-fallback': flag,
    'mh-port': flag,
    'mh-fallback': flag,
    lb_kind: lbKind,
    lvs_method: lbKind,
    persistence_engine: (s, vs, ctx) => {
      const w = needArg(s, ctx);
      if (!w) return;
      if (w.text.length > PENAME_MAX) ctx.sink.error(w.pos, `persistence_name too long, truncating - ${w.text}`);
      vs.persistenceEngine = w.text.slice(0, PENAME_MAX);
    },
    persistence_timeout: (s, vs, ctx) => {
      const w = s.args[0];
      if (!w) {
        vs.persistenceTimeout = PERSISTENT_TIMEOUT;
        return;
      }
      const r = parseUnsigned(w.text, 1, MAX_PERSISTENCE);
      if (!r.ok) return ctx.sink.error(w.pos, 'persistence_timeout invalid', r.reason);
      vs.persistenceTimeout = r.value;
    },
    persistence_granularity: (s, vs, ctx) => {
      const w = needArg(s, ctx);
      if (!w) return;
      const g = persistenceGranularity(w, vs.family, ctx);
      if (!g) return;
      vs.persistenceGranularity = g;
      vs.family ??= g.family;
      if (!vs.persistenceTimeout) vs.persistenceTimeout = PERSISTENT_TIMEOUT;
    },
    protocol: (s, vs, ctx) => {
      const w = needArg(s, ctx);
      if (!w) return;
      const p = w.text.toUpperCase();
      if (p === 'TCP' || p === 'UDP' || p === 'SCTP') vs.protocol = p;
      else ctx.sink.error(w.pos, `Unknown protocol ${w.text} - ignoring`, 'TCP, UDP or SCTP');
    },
    ha_suspend: (s, vs, ctx) => {
      vs.haSuspend = flagIgnoringArgs(s, ctx);
    },
    smtp_alert: (s, vs, ctx) => {
      const v = readOptionalBool(s, ctx, (t) => `Invalid virtual_server smtp_alert parameter ${t}`);
      if (v !== undefined) vs.smtpAlert = v;
    },
    virtualhost: (s, vs, ctx) => {
      if (!s.args[0]) return ctx.sink.error(s.pos, 'virtual server virtualhost missing');
      vs.virtualhost = s.args[0].text;
    },
    snmp_name: (s, vs, ctx) => {
      if (s.args.length !== 1) return ctx.sink.error(s.pos, 'virtual server snmp_name missing or extra parameters');
      vs.snmpName = s.args[0].text;
    },
    alpha: (s, vs, ctx) => {
      vs.alpha = flagIgnoringArgs(s, ctx);
    },
    omega: (s, vs, ctx) => {
      vs.omega = flagIgnoringArgs(s, ctx);
    },
    quorum_up: (s, vs, ctx) => {
      if (vs.quorumUp) return dupScript(s, vs, ctx, 'quorum_up');
      vs.quorumUp = scriptDraft(s, ctx);
    },
    quorum_down: (s, vs, ctx) => {
      if (vs.quorumDown) return dupScript(s, vs, ctx, 'quorum_down');
      vs.quorumDown = scriptDraft(s, ctx);
    },
    quorum: (s, vs, ctx) => {
      const w = needArg(s, ctx);
      if (!w) return;
      const r = parseUnsigned(w.text, 1, UINT_MAX);
      if (r.ok) vs.quorum = r.value;
      else {
        ctx.sink.error(w.pos, `Quorum ${w.text} must be in [1, ${UINT_MAX}]. Setting to 1.`, r.reason);
        vs.quorum = 1;
      }
    },
    hysteresis: (s, vs, ctx) => {
      const v = readUnsignedArg(s, ctx, 0, 0, UINT_MAX, (t) => `Hysteresis ${t} must be in [0, ${UINT_MAX}] - ignoring`);
      if (v !== undefined) vs.hysteresis = v;
    },
    weight: (s, vs, ctx) => {
      const v = readUnsignedArg(s, ctx, 0, 1, WEIGHT_LIMIT, (t) => `Virtual server weight ${t} is outside range 1-${WEIGHT_LIMIT}`);
      if (v !== undefined) vs.weight = v;
    },
    ...sorryServerKeywords(),
    real_server: blockKeyword(realServerHandler(registry)),
  };
}

function newVsDraft(s: Stmt, service: VsServiceDraft): VsDraft {
  return {
    pos: s.pos,
    keywordPos: Object.fromEntries((s.block ?? []).map((k) => [k.keyword, k.pos])),
    service,
    ...(service.kind === 'address' ? { family: service.address.family } : {}),
    serviceFlags: { ops: false, flag1: false, flag2: false, flag3: false },
    persistenceTimeout: 0,
    persistenceEngine: '',
    delayLoop: DEFAULT_DELAY_LOOP,
    connectTimeout: 5,
    weight: 1,
    inhibitOnFailure: false,
    alpha: false,
    omega: false,
    quorum: 1,
    hysteresis: 0,
    haSuspend: false,
    realServers: [],
  };
}

/** The service named on the `virtual_server` line, or undefined when keepalived skips the block. */
function readService(s: Stmt, ctx: BuildContext): VsServiceDraft | undefined {
  const first = needArg(s, ctx);
  if (!first) return undefined;
  if (first.text === 'group') {
    const name = needArg(s, ctx, 1);
    return name ? { kind: 'group', groupName: name.text } : undefined;
  }
  if (first.text === 'fwmark') {
    const w = needArg(s, ctx, 1);
    if (!w) return undefined;
    const r = parseUnsigned(w.text, 0, UINT_MAX);
    if (!r.ok) {
      ctx.sink.error(w.pos, `virtual server fwmark '${w.text}' must be in [0, ${UINT_MAX}] - ignoring`, r.reason);
      return undefined;
    }
    return { kind: 'fwmark', fwmark: r.value };
  }
  const portWord = s.args[1];
  const ep = parseServerEndpoint(ctx, first, portWord);
  if ('error' in ep) {
    const port = portWord && /[^0]/.test(portWord.text) ? portWord.text : undefined;
    ctx.sink.error(first.pos, `Invalid virtual server IP address${port ? '/port' : ''} ${first.text}${port ? `/${port}` : ''} - skipping`, ep.error);
    return undefined;
  }
  return { kind: 'address', address: ep.address, port: ep.port };
}

/** keepalived's vs_end_handler: the sorry server's family, and a family for fwmark services. */
function endOfVirtualServer(vs: VsDraft, ctx: BuildContext): void {
  const sorry = vs.sorry;
  if (sorry && sorry.lvsMethod?.kind !== 'TUN') {
    if (vs.family === undefined) vs.family = sorry.address.family;
    else if (vs.family !== sorry.address.family) {
      ctx.sink.error(sorry.pos, `Address family of virtual server and sorry server ${sorry.address.text} don't match - skipping sorry server.`);
      vs.sorry = undefined;
    }
  }
  if (vs.family === undefined && vs.service.kind !== 'group') {
    // Only tunnelled servers (or none): their common family, else IPv4.
    let fam = vs.sorry?.address.family;
    let mixed = false;
    for (const rs of vs.realServers) {
      if (fam === undefined) fam = rs.address.family;
      else if (fam !== rs.address.family) mixed = true;
    }
    vs.family = mixed || fam === undefined ? 4 : fam;
  }
}

export function virtualServerKeyword(registry: SchemaRegistry): KeywordSpec<KeepalivedConfig> {
  const table = registry.register<VsDraft>('virtual_server', vsTable(registry));
  return blockKeyword((s, config, ctx) => {
    const service = readService(s, ctx);
    if (!service) return;
    if (service.kind === 'fwmark' && service.fwmark === 0) {
      ctx.sink.extra('error', s.args[1].pos, 'fwmark 0 is not a usable mark: keepalived treats this virtual server as having no fwmark');
    }
    const vs = newVsDraft(s, service);
    applyBlock(s.block, table, vs, ctx, 'virtual_server');
    endOfVirtualServer(vs, ctx);
    draftsOf(config).virtualServers.push(vs);
  });
}
