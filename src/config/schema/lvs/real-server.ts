// `real_server IP [PORT] { ... }` inside a virtual_server: weight, forwarding, thresholds, notify
// scripts, per-RS checker defaults, and any number of checkers. Unset values stay undefined here
// and are inherited from the virtual server in complete.ts, as keepalived does.
import type { Stmt } from '../../syntax.js';
import { applyBlock, type BuildContext, type KeywordTable, type SchemaRegistry } from '../types.js';
import type { RsDraft, VsDraft } from './drafts.js';
import { scriptDraft } from './drafts.js';
import { readLvsMethod } from './lvs-method.js';
import { needArg, parseServerEndpoint, readOptionalBool, readTimerArg, readUnsignedArg, UINT_MAX, WEIGHT_LIMIT } from './read.js';
import { checkerKeywords } from './checkers/index.js';

function rsTable(registry: SchemaRegistry): KeywordTable<RsDraft> {
  const dupScript = (s: Stmt, rs: RsDraft, ctx: BuildContext, what: string) =>
    ctx.sink.error(s.pos, `(${rs.vs.service.kind === 'group' ? rs.vs.service.groupName : '(null)'}) ${what} script already specified - ignoring ${s.args[0]?.text ?? ''}`);
  return {
    weight: (s, rs, ctx) => {
      const v = readUnsignedArg(s, ctx, 0, 0, WEIGHT_LIMIT, (t) => `Real server weight ${t} is outside range 0-${WEIGHT_LIMIT}`);
      if (v !== undefined) rs.weight = v;
    },
    lvs_method: (s, rs, ctx) => {
      rs.lvsMethod = readLvsMethod(s, ctx, rs.lvsMethod, 'real');
    },
    uthreshold: (s, rs, ctx) => {
      const v = readUnsignedArg(s, ctx, 0, 0, UINT_MAX, (t) => `Invalid real_server uthreshold '${t}' - ignoring`);
      if (v !== undefined) rs.uthreshold = v;
    },
    lthreshold: (s, rs, ctx) => {
      const v = readUnsignedArg(s, ctx, 0, 0, UINT_MAX, (t) => `Invalid real_server lthreshold '${t}' - ignoring`);
      if (v !== undefined) rs.lthreshold = v;
    },
    inhibit_on_failure: (s, rs, ctx) => {
      const v = readOptionalBool(s, ctx, (t) => `Invalid inhibit_on_failure parameter ${t}`);
      if (v !== undefined) rs.inhibitOnFailure = v;
    },
    notify_up: (s, rs, ctx) => {
      if (rs.notifyUp) return dupScript(s, rs, ctx, 'notify_up');
      rs.notifyUp = scriptDraft(s, ctx);
    },
    notify_down: (s, rs, ctx) => {
      if (rs.notifyDown) return dupScript(s, rs, ctx, 'notify_down');
      rs.notifyDown = scriptDraft(s, ctx);
    },
    alpha: (s, rs, ctx) => {
      const v = readOptionalBool(s, ctx, (t) => `Invalid alpha parameter ${t}`);
      if (v !== undefined) rs.alpha = v;
    },
    retry: (s, rs, ctx) => {
      const v = readUnsignedArg(s, ctx, 0, 1, UINT_MAX, (t) => `retry value invalid - ${t}`);
      if (v !== undefined) rs.retry = v;
    },
    delay_before_retry: (s, rs, ctx) => {
      const v = readTimerArg(s, ctx, 0, 0, undefined, (t) => `real server delay_before_retry '${t}' invalid - ignoring`);
      if (v !== undefined) rs.delayBeforeRetry = v;
    },
    warmup: (s, rs, ctx) => {
      const v = readTimerArg(s, ctx, 0, 0, undefined, (t) => `real server warmup '${t}' invalid - ignoring`);
      if (v !== undefined) rs.warmup = v;
    },
    connect_timeout: (s, rs, ctx) => {
      const v = readTimerArg(s, ctx, 0, 1, UINT_MAX, (t) => `real server connect_timeout ${t} invalid - ignoring`);
      if (v !== undefined) rs.connectTimeout = v;
    },
    delay_loop: (s, rs, ctx) => {
      const v = readTimerArg(s, ctx, 0, 1, undefined, (t) => `real server delay_loop '${t}' invalid - ignoring`);
      if (v !== undefined) rs.delayLoop = v;
    },
    smtp_alert: (s, rs, ctx) => {
      const v = readOptionalBool(s, ctx, (t) => `Invalid real_server smtp_alert parameter ${t}`);
      if (v !== undefined) rs.smtpAlert = v;
    },
    virtualhost: (s, rs, ctx) => {
      if (!s.args[0]) return ctx.sink.error(s.pos, 'real server virtualhost missing');
      rs.virtualhost = s.args[0].text;
    },
    snmp_name: (s, rs, ctx) => {
      if (s.args.length !== 1) return ctx.sink.error(s.pos, 'real server snmp_name missing or extra parameters');
      rs.snmpName = s.args[0].text;
    },
    ...checkerKeywords(registry),
  };
}

/** The `real_server` keyword of the virtual_server table. */
export function realServerHandler(registry: SchemaRegistry): (s: Stmt, vs: VsDraft, ctx: BuildContext) => void {
  const table = registry.register<RsDraft>('real_server', rsTable(registry));
  return (s, vs, ctx) => {
    const ipWord = needArg(s, ctx);
    if (!ipWord) return;
    const ep = parseServerEndpoint(ctx, ipWord, s.args[1]);
    if ('error' in ep) {
      ctx.sink.error(ipWord.pos, `Invalid real server ip address/port ${ipWord.text}/${s.args[1]?.text ?? '(null)'} - skipping`, ep.error);
      return;
    }
    const rs: RsDraft = {
      pos: s.pos,
      vs,
      address: ep.address,
      configuredPort: ep.port,
      port: ep.port,
      // keepalived copies the VS method known so far; an unset one is filled in at the end.
      ...(vs.lbKind ? { lvsMethod: { ...vs.lbKind } } : {}),
      uthreshold: 0,
      lthreshold: 0,
      checkers: [],
    };
    vs.realServers.push(rs);
    applyBlock(s.block, table, rs, ctx, 'real_server');
    // Without tunnelling the families of the VS and its real servers must agree.
    if (rs.lvsMethod?.kind !== 'TUN') {
      if (vs.family === undefined) vs.family = rs.address.family;
      else if (vs.family !== rs.address.family) {
        ctx.sink.error(s.pos, `Address family of virtual server and real server ${rs.address.text} don't match - skipping real server.`);
        vs.realServers.splice(vs.realServers.indexOf(rs), 1);
      }
    }
  };
}
