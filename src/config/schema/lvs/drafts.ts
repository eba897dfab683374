// What the LVS keyword handlers build while reading the file. keepalived resolves most defaults
// only after the whole file is read (validate_check_config), so the handlers fill drafts whose
// unset fields stay undefined, and complete.ts turns them into the model.
import type { Position } from '../../issues.js';
import type { KeepalivedConfig } from '../../model/index.js';
import type {
  Checker,
  CheckerKind,
  LvsMethod,
  LvsProtocol,
  LvsScheduler,
  PersistenceGranularity,
  RealServer,
  ServiceFlags,
  VirtualServer,
} from '../../model/lvs.js';
import type { ScriptRef } from '../../model/script.js';
import type { BuildContext } from '../types.js';
import { needArg, quotedEscapedArgs, splitQuotedEscaped } from './read.js';
import type { Family, IpAddress } from '../../../lib/ip.js';
import type { Stmt } from '../../syntax.js';

/** A script as configured: `keyword "command args" [user [group]]`. */
export interface ScriptDraft {
  command: string;
  user?: string;
  group?: string;
  pos: Position;
}

/**
 * keepalived re-reads the line with quotes and escapes: the first word is the command line
 * (split again into argv), then an optional user and group. Missing command → fatal.
 */
export function scriptDraft(s: Stmt, ctx: BuildContext): ScriptDraft | undefined {
  if (!needArg(s, ctx)) return undefined;
  const words = quotedEscapedArgs(s);
  if (!words || !words[0] || !splitQuotedEscaped(words[0])?.length) {
    ctx.sink.notice(s.pos, `Unable to parse script '${s.args[0].text}' - keepalived ignores it`);
    return undefined;
  }
  const d: ScriptDraft = { command: words[0], user: words[1], group: words[2], pos: s.pos };
  if (d.user !== undefined && ctx.env.lookupUser && !ctx.env.lookupUser(d.user)) {
    // keepalived only logs this (at info level) and runs nothing.
    ctx.sink.extra('warning', s.args[1]?.pos ?? s.pos, `Invalid user/group for ${s.keyword} script ${words[0]} - keepalived ignores the script`, `no user '${d.user}' on this machine`);
    return undefined;
  }
  return d;
}

/** keepalived's cmd_str: every word in single quotes (a leading redirection word bare). */
export function cmdStr(command: string): string {
  const argv = splitQuotedEscaped(command) ?? [command];
  return argv.map((a, i) => (i === 0 && (a.startsWith('<') || a.startsWith('>')) ? a : `'${a}'`)).join(' ');
}

export function toScriptRef(d: ScriptDraft, role: string): ScriptRef {
  return {
    command: d.command,
    argv: splitQuotedEscaped(d.command) ?? [d.command],
    ...(d.user !== undefined ? { user: d.user } : {}),
    ...(d.group !== undefined ? { group: d.group } : {}),
    role,
    pos: d.pos,
  };
}

export type VsServiceDraft =
  | { kind: 'address'; address: IpAddress; port: number }
  | { kind: 'fwmark'; fwmark: number }
  | { kind: 'group'; groupName: string };

export interface SorryDraft {
  pos: Position;
  address: IpAddress;
  port: number;
  lvsMethod?: LvsMethod;
  inhibit: boolean;
}

export interface VsDraft {
  pos: Position;
  /** Where each keyword of the block was last written, to point later messages at it. */
  keywordPos: Record<string, Position>;
  service: VsServiceDraft;
  family?: Family;
  protocol?: LvsProtocol;
  lbAlgo?: LvsScheduler;
  lbKind?: LvsMethod;
  serviceFlags: ServiceFlags;
  persistenceTimeout: number;
  persistenceGranularity?: PersistenceGranularity;
  persistenceEngine: string;
  delayLoop: number;
  connectTimeout: number;
  retry?: number;
  delayBeforeRetry?: number;
  warmup?: number;
  weight: number;
  inhibitOnFailure: boolean;
  alpha: boolean;
  omega: boolean;
  quorum: number;
  hysteresis: number;
  quorumUp?: ScriptDraft;
  quorumDown?: ScriptDraft;
  haSuspend: boolean;
  virtualhost?: string;
  smtpAlert?: boolean;
  snmpName?: string;
  sorry?: SorryDraft;
  realServers: RsDraft[];
}

export interface RsDraft {
  pos: Position;
  vs: VsDraft;
  address: IpAddress;
  /** As written (0 = none); keepalived's fix-ups change `port` only. */
  configuredPort: number;
  port: number;
  weight?: number;
  lvsMethod?: LvsMethod;
  inhibitOnFailure?: boolean;
  alpha?: boolean;
  connectTimeout?: number;
  retry?: number;
  delayBeforeRetry?: number;
  warmup?: number;
  delayLoop?: number;
  notifyUp?: ScriptDraft;
  notifyDown?: ScriptDraft;
  uthreshold: number;
  lthreshold: number;
  smtpAlert?: boolean;
  virtualhost?: string;
  snmpName?: string;
  checkers: CheckerDraft[];
}

/** A parsed checker; `resolve` applies keepalived's inheritance once the RS and VS are final. */
export interface CheckerDraft {
  kind: CheckerKind;
  pos: Position;
  /** BFD_CHECK: the bfd_instance followed (one RS may follow each at most once). */
  bfdName?: string;
  resolve(rs: RealServer, vs: VirtualServer, config: KeepalivedConfig): Checker;
  /** Scripts it runs (MISC_CHECK), as ScriptRefs, once keys are final. */
  scripts?(rs: RealServer, vs: VirtualServer, checker: Checker): ScriptRef[];
}

export interface LvsDrafts {
  virtualServers: VsDraft[];
}

const drafts = new WeakMap<KeepalivedConfig, LvsDrafts>();

export function draftsOf(config: KeepalivedConfig): LvsDrafts {
  let d = drafts.get(config);
  if (!d) {
    d = { virtualServers: [] };
    drafts.set(config, d);
  }
  return d;
}

export function takeDrafts(config: KeepalivedConfig): LvsDrafts {
  const d = draftsOf(config);
  drafts.delete(config);
  return d;
}
