// keepalived's post-processing of the checker configuration, once the whole file is read:
// link_vsg_to_vs (groups, their families, member numbers) then validate_check_config (no real
// servers, ha_suspend with fwmarks, default protocol/scheduler/forwarding, persistence for
// port-less services, duplicate real servers, inheritance of RS and checker defaults, quorum and
// hysteresis limits, port fix-ups). Messages and severities are keepalived's; messages keepalived
// only logs at info level (and so do not change `-t`'s exit code) are our extra diagnostics.
import type { KeepalivedConfig } from '../../model/index.js';
import type {
  Checker,
  LvsMethod,
  PersistenceGranularity,
  RealServer,
  SorryServer,
  VirtualServer,
  VirtualServerGroup,
  VirtualServerGroupEntry,
  VirtualServerService,
} from '../../model/lvs.js';
import type { ScriptRef } from '../../model/script.js';
import type { BuildContext } from '../types.js';
import type { Position } from '../../issues.js';
import { compareIp, parseIp, type IpAddress } from '../../../lib/ip.js';
import { takeDrafts, toScriptRef, type RsDraft, type VsDraft } from './drafts.js';
import { serverKey, vsKey } from './keys.js';
import { defaultLvsMethod } from './lvs-method.js';
import { PERSISTENT_TIMEOUT } from './virtual-server.js';

interface Linked {
  vs: VsDraft;
  group?: VirtualServerGroup;
  memberIndex: number;
  /** keepalived leaves the family AF_UNSPEC (the draft's family is then only the IPVS fallback) */
  familyUnspecified?: boolean;
}

const sameAddress = (a: IpAddress, b: IpAddress) => compareIp(a, b) === 0;

/** link_vsg_to_vs: attach groups, settle the family, number the members of each group. */
function linkGroups(drafts: VsDraft[], config: KeepalivedConfig, ctx: BuildContext): Linked[] {
  const out: Linked[] = [];
  for (const vs of drafts) {
    if (vs.service.kind !== 'group') {
      out.push({ vs, memberIndex: 0 });
      continue;
    }
    const name = vs.service.groupName;
    const key = vsKey(vs);
    const group = config.lvs.virtualServerGroups.find((g) => g.name === name);
    if (!group) {
      ctx.sink.extra('error', vs.pos, `Virtual server group ${name} specified but not configured - ignoring virtual server ${key}`, 'keepalived drops this virtual server silently');
      continue;
    }
    const v4 = group.entries.some((e) => e.family === 4);
    const v6 = group.entries.some((e) => e.family === 6);
    const groupFamily = v4 === v6 ? undefined : v4 ? 4 : 6;
    if (v4 && v6 && vs.family !== undefined) {
      ctx.sink.extra('error', vs.pos, `${name}: virtual server group with IPv4 & IPv6 doesn't match virtual server ${key} - ignoring`, 'keepalived drops this virtual server silently');
      continue;
    }
    if ((v4 && vs.family === 6) || (v6 && vs.family === 4)) {
      ctx.sink.extra('error', vs.pos, `${name}: address family doesn't match virtual server ${key} - ignoring`, 'keepalived drops this virtual server silently');
      continue;
    }
    // Neither the group (both families, or none) nor the virtual server gives a family: keepalived keeps
    // none, and programs IPVS as IPv4 where an entry has no family of its own.
    const familyUnspecified = groupFamily === undefined && vs.family === undefined;
    if (groupFamily !== undefined) vs.family ??= groupFamily;
    else if (vs.family === undefined && group.entries.some((e) => e.kind === 'fwmark' && e.family === undefined)) {
      ctx.sink.notice(vs.pos, `${name}: Virtual server ${key} address family cannot be determined, defaulting to IPv4`);
    }
    vs.family ??= 4;
    out.push({ vs, group, memberIndex: 0, ...(familyUnspecified ? { familyUnspecified } : {}) });
  }
  const seen = new Map<string, number>();
  for (const l of out) {
    if (l.vs.service.kind !== 'group') continue;
    const n = seen.get(l.vs.service.groupName) ?? 0;
    l.memberIndex = n;
    seen.set(l.vs.service.groupName, n + 1);
  }
  return out;
}

function formatEntry(e: VirtualServerGroupEntry): string {
  if (e.kind === 'fwmark') return `FWM ${e.fwmark}`;
  return sameAddress(e.first, e.last) ? `${e.first.text},${e.port}` : `${e.first.text}-${e.last.text},${e.port}`;
}

function globalSmtpAlert(config: KeepalivedConfig): boolean | undefined {
  return config.global.smtpAlertChecker ?? config.global.smtpAlert;
}

function defaultGranularity(vs: VsDraft): PersistenceGranularity {
  return vs.family === 6 ? { family: 6, prefixLen: 128 } : { family: 4, netmask: parseIp('255.255.255.255')! };
}

/**
 * keepalived looks a FILE_CHECK's track_file up while reading, so the track_file block must come
 * first; a later one (same file) is "not found" too.
 */
function trackFileMissing(config: KeepalivedConfig, name: string, at: Position): string | undefined {
  const tf = config.vrrp.trackFiles.find((t) => t.name === name);
  if (!tf) return 'no track_file block has this name';
  if (tf.pos.file === at.file && tf.pos.line > at.line) return `the track_file block (line ${tf.pos.line}) must come before its use`;
  return undefined;
}

/** validate_check_config for one virtual server; undefined when keepalived drops it. */
function completeVirtualServer(l: Linked, config: KeepalivedConfig, ctx: BuildContext): VirtualServer | undefined {
  const { vs, group } = l;
  const key = () => vsKey(vs, l.memberIndex);
  const at = (keyword: string) => vs.keywordPos[keyword] ?? vs.pos;
  const rsKey = (rs: RsDraft, port = rs.port) => serverKey(rs.address, port, vs.protocol);
  if (!vs.realServers.length) {
    ctx.sink.error(vs.pos, `Virtual server ${key()} has no real servers - ignoring`);
    return undefined;
  }
  const isFwmark = vs.service.kind === 'fwmark';
  const groupHasFwmark = !!group?.entries.some((e) => e.kind === 'fwmark');
  const groupHasAddress = !!group?.entries.some((e) => e.kind === 'range');
  if (vs.haSuspend && (isFwmark || groupHasFwmark)) {
    ctx.sink.error(at('ha_suspend'), `Virtual server ${key()}: cannot use ha_suspend with fwmarks - clearing ha_suspend`);
    vs.haSuspend = false;
  }
  if (group ? groupHasAddress : vs.service.kind === 'address') {
    if (!vs.protocol) {
      // IPVS takes protocol 0 as UDP, so keepalived makes it explicit.
      ctx.sink.warning(vs.pos, `Virtual server ${key()}: no protocol set - defaulting to UDP`, 'add "protocol TCP" for a TCP service');
      vs.protocol = 'UDP';
    }
    if (vs.serviceFlags.ops && vs.protocol !== 'UDP') {
      ctx.sink.error(at('ops'), `Virtual server ${key()}: one packet scheduling requires UDP - resetting`);
      vs.serviceFlags.ops = false;
    }
    if (!vs.persistenceTimeout && vs.service.kind === 'address' && vs.service.port === 0) {
      ctx.sink.error(vs.pos, `Virtual server ${key()}: zero port only valid for persistent services - setting`);
      vs.persistenceTimeout = PERSISTENT_TIMEOUT;
    }
  }
  if (!vs.persistenceTimeout && group && group.entries.some((e) => e.kind === 'range' && e.port === 0)) {
    ctx.sink.error(vs.pos, `Virtual server ${key()}: zero port only valid for persistent services - setting`);
    vs.persistenceTimeout = PERSISTENT_TIMEOUT;
  }
  if (vs.protocol && ((group && !groupHasAddress && groupHasFwmark) || (!group && isFwmark))) {
    ctx.sink.warning(at('protocol'), `Warning: Virtual server ${key()}: protocol specified for fwmark - protocol will be ignored`);
    vs.protocol = undefined;
  }
  if (!vs.lbAlgo) {
    ctx.sink.error(vs.pos, `Virtual server ${key()}: no scheduler set, setting default 'wlc'`, 'add lb_algo (e.g. rr, wrr, wlc)');
    vs.lbAlgo = 'wlc';
  }
  const vsMethod = (): LvsMethod => {
    if (!vs.lbKind) {
      ctx.sink.error(vs.pos, `Virtual server ${key()}: no forwarding method set, setting default NAT`, 'add lb_kind NAT|DR|TUN');
      vs.lbKind = defaultLvsMethod('NAT');
    }
    return { ...vs.lbKind };
  };
  const globalAlert = globalSmtpAlert(config);

  const kept: RsDraft[] = [];
  let weightSum = 0;
  let sorryDuplicatesRs = false;
  for (const rs of vs.realServers) {
    const first = kept.find((k) => sameAddress(k.address, rs.address) && k.configuredPort === rs.configuredPort);
    if (first) {
      ctx.sink.error(rs.pos, `VS ${key()}: real server ${rsKey(rs)} is duplicated - removing second rs`, `first defined at ${first.pos.file}:${first.pos.line}`);
      continue;
    }
    rs.lvsMethod ??= vsMethod();
    rs.alpha ??= vs.alpha;
    rs.inhibitOnFailure ??= vs.inhibitOnFailure;
    rs.retry ??= vs.retry;
    rs.connectTimeout ??= vs.connectTimeout;
    rs.delayLoop ??= vs.delayLoop;
    rs.warmup ??= vs.warmup;
    rs.delayBeforeRetry ??= vs.delayBeforeRetry;
    rs.weight ??= vs.weight;
    // keepalived keeps real servers' alerts on by default (unlike its other smtp_alert defaults).
    rs.smtpAlert ??= globalAlert ?? true;
    weightSum += rs.weight;
    if (vs.sorry && sameAddress(vs.sorry.address, rs.address) && vs.sorry.port === rs.configuredPort) {
      if (vs.sorry.inhibit !== rs.inhibitOnFailure) {
        ctx.sink.error(
          rs.pos,
          `Virtual server ${key()}: real server ${rsKey(rs)} matches sorry server, but inhibit setting differs, ${rs.inhibitOnFailure ? 'sett' : 'clear'}ing on sorry server`,
        );
        vs.sorry.inhibit = rs.inhibitOnFailure;
      }
      sorryDuplicatesRs = true;
    }
    kept.push(rs);
  }
  vs.realServers = kept;
  if (vs.sorry) vs.sorry.lvsMethod ??= vsMethod();

  if (vs.quorum > weightSum) {
    ctx.sink.warning(at('quorum'), `Warning - quorum ${vs.quorum} for ${key()} exceeds total weight of real servers ${weightSum}, reducing quorum to ${weightSum}`);
    vs.quorum = weightSum;
  }
  if (vs.hysteresis >= vs.quorum) {
    // Unsigned arithmetic in keepalived: a quorum of 0 gives 4294967295.
    const h = (vs.quorum - 1) >>> 0;
    ctx.sink.error(at('hysteresis'), `Virtual server ${key()}: hysteresis ${vs.hysteresis} >= quorum ${vs.quorum}; setting hysteresis to ${h}`);
    vs.hysteresis = h;
  }
  fixPorts(vs, group, key, rsKey, ctx);

  return build(l, config, ctx, sorryDuplicatesRs);
}

/** Real and sorry server ports: copied from the VS, or reset/cleared unless NAT. */
function fixPorts(vs: VsDraft, group: VirtualServerGroup | undefined, key: () => string, rsKey: (rs: RsDraft) => string, ctx: BuildContext): void {
  const sorry = vs.sorry;
  const sorryNat = !sorry || sorry.lvsMethod?.kind === 'NAT';
  if (group) {
    // A group has no single port to copy: only warnings.
    if (group.entries.some((e) => e.kind === 'fwmark')) {
      for (const rs of vs.realServers) {
        if (rs.lvsMethod?.kind !== 'NAT' && rs.port) {
          ctx.sink.warning(rs.pos, `WARNING - fwmark virtual server ${key()}, real server ${rsKey(rs)} has port specified - port will be ignored`);
        }
      }
      if (sorry && !sorryNat && sorry.port) ctx.sink.warning(sorry.pos, `WARNING - fwmark virtual server ${key()}, sorry server has port specified - port will be ignored`);
    }
    for (const e of group.entries) {
      if (e.kind !== 'range') continue;
      for (const rs of vs.realServers) {
        if (rs.lvsMethod?.kind !== 'NAT' && rs.port && e.port !== rs.port) {
          ctx.sink.error(rs.pos, `virtual server ${key()}:[${formatEntry(e)}] and real server ${rsKey(rs)} ports don't match`);
        }
      }
      if (sorry && !sorryNat && sorry.port && e.port !== sorry.port) {
        ctx.sink.warning(sorry.pos, `WARNING - virtual server ${key()}, sorry server has port specified - port will be ignored`);
      }
    }
    return;
  }
  const isFwmark = vs.service.kind === 'fwmark';
  const vsPort = vs.service.kind === 'address' ? vs.service.port : 0;
  for (const rs of vs.realServers) {
    if (rs.lvsMethod?.kind === 'NAT') {
      if (!isFwmark && !rs.port) rs.port = vsPort;
      continue;
    }
    if (isFwmark) {
      if (rs.port) {
        ctx.sink.warning(rs.pos, `WARNING - fwmark virtual server ${key()}, real server ${rsKey(rs)} has port specified - clearing`);
        rs.port = 0;
      }
    } else if (!rs.port) rs.port = vsPort;
    else if (rs.port !== vsPort) {
      ctx.sink.warning(rs.pos, `WARNING - virtual server ${key()} and real server ${rsKey(rs)} ports don't match - resetting`, 'with DR/TUN the real server receives the virtual server port');
      rs.port = vsPort;
    }
  }
  if (sorry && !sorryNat) {
    if (isFwmark) {
      if (sorry.port) {
        ctx.sink.warning(sorry.pos, `WARNING - virtual server ${key()}, sorry server has port specified - clearing`);
        sorry.port = 0;
      }
    } else if (!sorry.port) sorry.port = vsPort;
    else if (sorry.port !== vsPort) {
      ctx.sink.warning(sorry.pos, `WARNING - virtual server ${key()} and sorry server ports don't match - resetting`);
      sorry.port = vsPort;
    }
  }
}

/** The model objects, with effective values, keys and resolved checkers. */
function build(l: Linked, config: KeepalivedConfig, ctx: BuildContext, sorryDuplicatesRs: boolean): VirtualServer {
  const { vs, group } = l;
  const key = vsKey(vs, l.memberIndex);
  const protocol = vs.protocol ?? null;
  const service: VirtualServerService =
    vs.service.kind === 'group'
      ? { kind: 'group', groupName: vs.service.groupName, memberIndex: l.memberIndex, group: group! }
      : { ...vs.service };
  const scripts: ScriptRef[] = [];
  const sorry: SorryServer | undefined = vs.sorry && {
    pos: vs.sorry.pos,
    key: serverKey(vs.sorry.address, vs.sorry.port, protocol),
    address: vs.sorry.address,
    port: vs.sorry.port,
    lvsMethod: vs.sorry.lvsMethod!,
    inhibit: vs.sorry.inhibit,
    duplicatesRealServer: sorryDuplicatesRs,
  };
  const out: VirtualServer = {
    pos: vs.pos,
    key,
    service,
    family: vs.family ?? 4,
    ...(l.familyUnspecified ? { familyUnspecified: true } : {}),
    protocol,
    lbAlgo: vs.lbAlgo!,
    lbKind: vs.lbKind ?? defaultLvsMethod('NAT'),
    serviceFlags: vs.serviceFlags,
    persistenceTimeout: vs.persistenceTimeout,
    persistenceGranularity: vs.persistenceGranularity ?? defaultGranularity(vs),
    persistenceEngine: vs.persistenceEngine,
    delayLoop: vs.delayLoop,
    connectTimeout: vs.connectTimeout,
    ...(vs.retry !== undefined ? { retry: vs.retry } : {}),
    ...(vs.delayBeforeRetry !== undefined ? { delayBeforeRetry: vs.delayBeforeRetry } : {}),
    ...(vs.warmup !== undefined ? { warmup: vs.warmup } : {}),
    weight: vs.weight,
    inhibitOnFailure: vs.inhibitOnFailure,
    alpha: vs.alpha,
    omega: vs.omega,
    quorum: vs.quorum,
    hysteresis: vs.hysteresis,
    ...(vs.quorumUp ? { quorumUp: toScriptRef(vs.quorumUp, `quorum_up of virtual_server ${key}`) } : {}),
    ...(vs.quorumDown ? { quorumDown: toScriptRef(vs.quorumDown, `quorum_down of virtual_server ${key}`) } : {}),
    haSuspend: vs.haSuspend,
    ...(vs.virtualhost !== undefined ? { virtualhost: vs.virtualhost } : {}),
    smtpAlert: vs.smtpAlert ?? globalSmtpAlert(config) ?? false,
    ...(vs.snmpName !== undefined ? { snmpName: vs.snmpName } : {}),
    ...(sorry ? { sorryServer: sorry } : {}),
    realServers: [],
  };
  if (out.quorumUp) scripts.push(out.quorumUp);
  if (out.quorumDown) scripts.push(out.quorumDown);

  for (const d of vs.realServers) {
    const rsKey = serverKey(d.address, d.port, protocol);
    const where = `real_server ${rsKey} of virtual_server ${key}`;
    const rs: RealServer = {
      pos: d.pos,
      key: rsKey,
      address: d.address,
      port: d.port,
      configuredPort: d.configuredPort,
      weight: d.weight!,
      lvsMethod: d.lvsMethod!,
      inhibitOnFailure: d.inhibitOnFailure!,
      alpha: d.alpha!,
      connectTimeout: d.connectTimeout!,
      ...(d.retry !== undefined ? { retry: d.retry } : {}),
      ...(d.delayBeforeRetry !== undefined ? { delayBeforeRetry: d.delayBeforeRetry } : {}),
      ...(d.warmup !== undefined ? { warmup: d.warmup } : {}),
      delayLoop: d.delayLoop!,
      ...(d.notifyUp ? { notifyUp: toScriptRef(d.notifyUp, `notify_up of ${where}`) } : {}),
      ...(d.notifyDown ? { notifyDown: toScriptRef(d.notifyDown, `notify_down of ${where}`) } : {}),
      uthreshold: d.uthreshold,
      lthreshold: d.lthreshold,
      smtpAlert: d.smtpAlert!,
      ...(d.virtualhost !== undefined ? { virtualhost: d.virtualhost } : {}),
      ...(d.snmpName !== undefined ? { snmpName: d.snmpName } : {}),
      checkers: [],
    };
    if (rs.notifyUp) scripts.push(rs.notifyUp);
    if (rs.notifyDown) scripts.push(rs.notifyDown);
    for (const cd of d.checkers) {
      const c: Checker = cd.resolve(rs, out, config);
      if (c.kind === 'FILE_CHECK') {
        const why = trackFileMissing(config, c.trackFile, c.pos);
        if (why) {
          ctx.sink.error(c.pos, `track_file ${c.trackFile} not found`, why);
          ctx.sink.error(c.pos, 'FILE_CHECK has no track_file specified - ignoring');
          continue;
        }
      }
      if (c.kind === 'BFD_CHECK' && !config.vrrp.bfdInstances.includes(c.name)) {
        ctx.sink.error(c.pos, `(${rsKey}) BFD_CHECK - BFD ${c.name} not configured`, 'no bfd_instance block has this name');
        continue;
      }
      rs.checkers.push(c);
      if (cd.scripts) scripts.push(...cd.scripts(rs, out, c));
    }
    out.realServers.push(rs);
  }
  config.lvs.scripts.push(...scripts);
  return out;
}

export function completeVirtualServers(config: KeepalivedConfig, ctx: BuildContext): void {
  const { virtualServers } = takeDrafts(config);
  const linked = linkGroups(virtualServers, config, ctx);
  for (const l of linked) {
    const vs = completeVirtualServer(l, config, ctx);
    if (vs) config.lvs.virtualServers.push(vs);
  }
}
