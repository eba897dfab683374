// Real servers and virtual servers as the checkers see them: which real servers are alive, at what
// weight, and whether each virtual server has quorum. Pure; keepalived 2.2.7's ipwrapper.c rules:
// - a real server is alive when none of its checkers has failed (one without checkers is always alive);
//   a checker's verdict moves it only when no other checker of the server is down
//   (update_svr_checker_state → perform_svr_state), and every move runs notify_up/notify_down;
// - its weight is the configured one plus what misc_dynamic / FILE_CHECK add (clamped to 0..INT32_MAX);
// - quorum (update_quorum_state): while up it is lost when the alive weight W is 0 or W < quorum −
//   hysteresis; while down it is gained when W ≥ quorum + hysteresis; each change runs quorum_up /
//   quorum_down; with a sorry server, losing quorum puts it in and takes the alive servers out;
// - at start-up every virtual server starts with quorum down (keepalived computes it before any real
//   server is alive), so reaching quorum logs "Gained quorum" and runs quorum_up, and missing it logs
//   "Starting with quorum down" and installs the sorry server — only if there is one.
// The IPVS consequences (Adding/Removing/Enabling/Disabling service lines) belong to the reconciler;
// what is decided here is logged here. State is keyed by vs.key / rs.key: configuration objects are
// replaced on every reload.
import type { RealServer, VirtualServer } from '../config/model/lvs.js';
import type { ScriptRef } from '../config/model/script.js';
import type { CheckerKind } from '../config/model/lvs.js';
import { migrateState, type CheckerState, type LogLine, type PolicyParams, type StepResult } from './policy.js';
import * as m from './messages.js';

const WEIGHT_LIMIT = 2147483647;

/** One checker of a real server. */
export interface CheckerSlot {
  /** Identity across reloads (identity.ts). */
  readonly id: string;
  readonly kind: CheckerKind;
  readonly params: Pick<PolicyParams, 'kind' | 'alpha' | 'retry' | 'miscDynamic' | 'rsWeight'> | undefined;
  state: CheckerState;
}

export interface RsRecord {
  readonly key: string;
  /** Configured weight (keepalived's iweight). */
  readonly weight: number;
  readonly notifyUp?: ScriptRef;
  readonly notifyDown?: ScriptRef;
  alive: boolean;
  readonly checkers: CheckerSlot[];
}

export interface VsRecord {
  readonly key: string;
  readonly quorum: number;
  readonly hysteresis: number;
  readonly quorumUpScript?: ScriptRef;
  readonly quorumDownScript?: ScriptRef;
  readonly omega: boolean;
  readonly sorry?: { readonly key: string; readonly inhibit: boolean };
  quorumUp: boolean;
  /** The sorry server is in the pool (keepalived's ISALIVE(s_svr)). */
  sorryIn: boolean;
  /** Σ weight of the alive servers, kept up to date by moves and weight changes; undefined = recompute. */
  aliveW?: number;
  readonly realServers: RsRecord[];
}

/** Something a script or the notify FIFO must hear about. */
export type HealthEvent =
  /** notify_up / notify_down (no arguments); FIFO `RS <rs> <vs> UP|DOWN`. */
  | { readonly type: 'rs'; readonly vs: string; readonly rs: string; readonly alive: boolean; readonly script?: ScriptRef }
  /** quorum_up / quorum_down (no arguments); FIFO `VS <vs> UP|DOWN`. */
  | { readonly type: 'quorum'; readonly vs: string; readonly up: boolean; readonly script?: ScriptRef };

export interface Effects {
  readonly logs: LogLine[];
  readonly events: HealthEvent[];
  /** The alive set, a weight or a quorum changed: the IPVS table must be reconciled. */
  changed: boolean;
}

export function noEffects(): Effects {
  return { logs: [], events: [], changed: false };
}

/** The view src/ipvs/desired.ts consumes (structurally its HealthView). */
export interface HealthViewLike {
  realServer(vs: VirtualServer, rs: RealServer): { alive: boolean; weight?: number };
  quorumUp(vs: VirtualServer): boolean;
}

/**
 * Servers the engine does not know (yet): as at start-up — up unless alpha (always up without checkers),
 * quorum when the weight of those reaches quorum + hysteresis.
 */
export function initialView(): HealthViewLike {
  const up = (rs: RealServer) => rs.checkers.length === 0 || !rs.alpha;
  return {
    realServer: (_vs, rs) => ({ alive: up(rs) }),
    quorumUp: (vs) => {
      let w = 0;
      for (const rs of vs.realServers) if (up(rs)) w += rs.weight;
      return w >= vs.quorum + vs.hysteresis;
    },
  };
}

/** keepalived's real_weight(): the effective weight clamped to what IPVS accepts. */
export function realWeight(rs: RsRecord): number {
  let w = rs.weight;
  for (const c of rs.checkers) w += c.state.curWeight;
  return Math.max(0, Math.min(WEIGHT_LIMIT, w));
}

/** Σ weight of the alive real servers (cached: a thousand servers failing at once must not cost N²). */
export function aliveWeight(vs: VsRecord): number {
  if (vs.aliveW === undefined) {
    let w = 0;
    for (const rs of vs.realServers) if (rs.alive) w += realWeight(rs);
    vs.aliveW = w;
  }
  return vs.aliveW;
}

export function failedCheckers(rs: RsRecord): number {
  return rs.checkers.reduce((n, c) => n + (c.state.isUp ? 0 : 1), 0);
}

function info(fx: Effects, msg: string, fields: Record<string, unknown>): void {
  fx.logs.push({ level: 'info', msg, fields });
}

function rsEvent(vs: VsRecord, rs: RsRecord): HealthEvent {
  return { type: 'rs', vs: vs.key, rs: rs.key, alive: rs.alive, script: rs.alive ? rs.notifyUp : rs.notifyDown };
}

/** update_quorum_state. `init`: start-up or reload (init_service_vs). */
export function updateQuorum(vs: VsRecord, init: boolean, fx: Effects): void {
  const w = aliveWeight(vs);
  const threshold = vs.quorum + (vs.quorumUp ? -1 : 1) * vs.hysteresis;
  const fields = { vs: vs.key, quorum: vs.quorum, hysteresis: vs.hysteresis, threshold, weight: w };
  if (!vs.quorumUp && w >= threshold) {
    vs.quorumUp = true;
    fx.changed = true;
    info(fx, m.gainedQuorum(vs.quorum, vs.hysteresis, threshold, w, vs.key), { event: 'check.quorum_gained', ...fields });
    if (vs.sorry && vs.sorryIn) {
      info(fx, m.sorryServerOut(vs.sorry.key, vs.key, vs.sorry.inhibit), { event: 'check.sorry_out', vs: vs.key, sorry: vs.sorry.key });
      vs.sorryIn = false;
      info(fx, m.alivePool(vs.key, true), { event: 'check.pool_in', vs: vs.key });
    }
    fx.events.push({ type: 'quorum', vs: vs.key, up: true, script: vs.quorumUpScript });
    return;
  }
  if ((vs.quorumUp && (w === 0 || w < threshold)) || (init && !vs.quorumUp && vs.sorry !== undefined && !vs.sorryIn)) {
    if (vs.quorumUp) fx.changed = true;
    vs.quorumUp = false;
    info(fx, m.lostQuorum(init, vs.quorum, vs.hysteresis, threshold, w, vs.key), { event: init ? 'check.quorum_start_down' : 'check.quorum_lost', ...fields });
    if (vs.sorry && !vs.sorryIn) {
      info(fx, m.sorryServerIn(vs.sorry.key, vs.key, vs.sorry.inhibit), { event: 'check.sorry_in', vs: vs.key, sorry: vs.sorry.key });
      info(fx, m.alivePool(vs.key, false), { event: 'check.pool_out', vs: vs.key });
      vs.sorryIn = true;
      fx.changed = true;
    }
    fx.events.push({ type: 'quorum', vs: vs.key, up: false, script: vs.quorumDownScript });
  }
}

/** perform_svr_state: the real server moves; notify; quorum follows. */
function moveServer(vs: VsRecord, rs: RsRecord, alive: boolean, fx: Effects): void {
  if (rs.alive === alive) return;
  rs.alive = alive;
  if (vs.aliveW !== undefined) vs.aliveW += (alive ? 1 : -1) * realWeight(rs);
  fx.changed = true;
  fx.events.push(rsEvent(vs, rs));
  updateQuorum(vs, false, fx);
}

/**
 * One checker stepped (policy.step / fileStep): store its state, apply its weight change, then its verdict.
 */
export function applyStep(vs: VsRecord, rs: RsRecord, index: number, st: Pick<StepResult, 'state' | 'verdict' | 'weight'>, fx: Effects): void {
  const slot = rs.checkers[index];
  const before = realWeight(rs);
  const othersFailed = rs.checkers.some((c, i) => i !== index && !c.state.isUp);
  slot.state = st.state;
  if (st.weight) {
    const after = realWeight(rs);
    if (after !== before) {
      if (rs.alive && vs.aliveW !== undefined) vs.aliveW += after - before;
      // The weight in IPVS follows (only an alive server is in the table with its weight).
      if (rs.alive) fx.changed = true;
      if (!st.weight.quiet) updateQuorum(vs, false, fx);
    }
  }
  const v = st.verdict;
  if (!v) return;
  if (!v.changed) {
    if (v.notifyFirstRun) fx.events.push(rsEvent(vs, rs));
    return;
  }
  if (!othersFailed) moveServer(vs, rs, v.alive, fx);
}

export interface VsSpec {
  readonly vs: VirtualServer;
  /** Checker slots per real server, in the order of vs.realServers. */
  readonly checkers: CheckerSlot[][];
}

function record(spec: VsSpec): VsRecord {
  const { vs } = spec;
  return {
    key: vs.key,
    quorum: vs.quorum,
    hysteresis: vs.hysteresis,
    quorumUpScript: vs.quorumUp,
    quorumDownScript: vs.quorumDown,
    omega: vs.omega,
    sorry: vs.sorryServer ? { key: vs.sorryServer.key, inhibit: vs.sorryServer.inhibit } : undefined,
    // set_quorum_states runs while no real server is alive yet.
    quorumUp: 0 >= vs.quorum + vs.hysteresis,
    sorryIn: false,
    realServers: vs.realServers.map((rs, i) => ({
      key: rs.key,
      weight: rs.weight,
      notifyUp: rs.notifyUp,
      notifyDown: rs.notifyDown,
      alive: false,
      checkers: spec.checkers[i] ?? [],
    })),
  };
}

export interface ModelOptions {
  /** global rs_init_notifies: run notify_up for every real server that starts alive. */
  readonly rsInitNotifies?: boolean;
}

/** All virtual servers' health. */
export class HealthModel {
  private readonly byKey = new Map<string, VsRecord>();

  private constructor(readonly records: VsRecord[]) {
    for (const r of records) this.byKey.set(r.key, r);
  }

  /** Start-up (init_services): non-alpha real servers alive at once, then each virtual server's quorum. */
  static start(specs: readonly VsSpec[], opts: ModelOptions = {}): { model: HealthModel; effects: Effects } {
    const model = new HealthModel(specs.map(record));
    const fx = noEffects();
    fx.changed = true;
    for (const vs of model.records) {
      for (const rs of vs.realServers) {
        if (failedCheckers(rs) === 0) {
          rs.alive = true;
          if (opts.rsInitNotifies) fx.events.push(rsEvent(vs, rs));
        }
      }
      vs.aliveW = undefined;
      updateQuorum(vs, true, fx);
    }
    return { model, effects: fx };
  }

  /**
   * Reload (clear_diff_services, migrate_checkers, init_services): virtual and real servers are matched by
   * key; a kept real server keeps its alive flag and its checkers whose identity is unchanged keep their
   * state; new real servers start as at start-up (but without the pre-loaded retry counter, as in
   * keepalived); removed ones that were alive run notify_down. `specs` carry fresh (reload) states.
   */
  reload(specs: readonly VsSpec[], opts: ModelOptions = {}): { model: HealthModel; effects: Effects } {
    const fx = noEffects();
    fx.changed = true;
    const kept = new Set<string>();
    const next = new HealthModel(specs.map(record));
    for (const vs of next.records) {
      const old = this.byKey.get(vs.key);
      if (!old) {
        for (const rs of vs.realServers) addedOnReload(vs, rs, opts, fx);
        vs.aliveW = undefined;
        updateQuorum(vs, true, fx);
        continue;
      }
      kept.add(vs.key);
      vs.quorumUp = old.quorumUp;
      if (old.sorry && old.sorryIn) {
        if (vs.sorry?.key === old.sorry.key) vs.sorryIn = true;
        else info(fx, m.sorryServerOut(old.sorry.key, old.key, false), { event: 'check.sorry_out', vs: old.key, sorry: old.sorry.key });
      }
      const oldRs = new Map(old.realServers.map((r) => [r.key, r]));
      const newKeys = new Set(vs.realServers.map((r) => r.key));
      for (const r of old.realServers) {
        if (newKeys.has(r.key)) continue;
        info(fx, `service ${r.key} no longer exist`, { event: 'check.rs_removed', vs: vs.key, rs: r.key });
        if (r.alive) {
          r.alive = false;
          fx.events.push(rsEvent(old, r));
        }
      }
      // Every kept server's alive flag first, so that the quorum a migration re-evaluates counts them all
      // (keepalived copies them one by one and can flap the quorum on the way).
      for (const rs of vs.realServers) {
        const prev = oldRs.get(rs.key);
        if (prev) rs.alive = prev.alive;
      }
      for (const rs of vs.realServers) {
        const prev = oldRs.get(rs.key);
        if (prev) migrateServer(vs, prev, rs, fx);
      }
      for (const rs of vs.realServers) if (!oldRs.has(rs.key)) addedOnReload(vs, rs, opts, fx);
      vs.aliveW = undefined;
      updateQuorum(vs, true, fx);
    }
    // Virtual servers that are gone: their alive servers go down, and a quorum that was up is lost.
    for (const old of this.records) {
      if (kept.has(old.key)) continue;
      for (const r of old.realServers) {
        if (!r.alive) continue;
        r.alive = false;
        fx.events.push(rsEvent(old, r));
      }
      if (old.quorumUp) {
        old.quorumUp = false;
        fx.events.push({ type: 'quorum', vs: old.key, up: false, script: old.quorumDownScript });
      }
    }
    return { model: next, effects: fx };
  }

  vs(key: string): VsRecord | undefined {
    return this.byKey.get(key);
  }

  rs(vsKey: string, rsKey: string): RsRecord | undefined {
    return this.byKey.get(vsKey)?.realServers.find((r) => r.key === rsKey);
  }

  /**
   * Shutdown with omega (clear_services): notify_down for every alive real server, then quorum_down,
   * per virtual server that has omega set. Without omega nothing runs.
   */
  stop(): Effects {
    const fx = noEffects();
    for (const vs of this.records) {
      if (!vs.omega) continue;
      for (const rs of vs.realServers) {
        if (!rs.alive) continue;
        rs.alive = false;
        fx.events.push(rsEvent(vs, rs));
      }
      vs.quorumUp = false;
      fx.events.push({ type: 'quorum', vs: vs.key, up: false, script: vs.quorumDownScript });
    }
    return fx;
  }

  private viewCache?: HealthViewLike;

  /** The view src/ipvs/desired.ts consumes; live (reads the current state on every call). */
  view(): HealthViewLike {
    if (this.viewCache) return this.viewCache;
    const fallback = initialView();
    return (this.viewCache = {
      realServer: (vs, rs) => {
        const r = this.rs(vs.key, rs.key);
        if (!r) return fallback.realServer(vs, rs);
        const extra = r.checkers.reduce((n, c) => n + c.state.curWeight, 0);
        return extra === 0 ? { alive: r.alive } : { alive: r.alive, weight: realWeight(r) };
      },
      quorumUp: (vs) => this.byKey.get(vs.key)?.quorumUp ?? fallback.quorumUp(vs),
    });
  }
}

/** A real server new in a reload (check_new_rs_state, init_service_rs): alpha checkers start down. */
function addedOnReload(vs: VsRecord, rs: RsRecord, opts: ModelOptions, fx: Effects): void {
  for (const c of rs.checkers) if (c.params?.alpha) c.state = { ...c.state, isUp: false };
  if (failedCheckers(rs) === 0) {
    rs.alive = true;
    if (opts.rsInitNotifies) fx.events.push(rsEvent(vs, rs));
  }
}

/** migrate_checkers for one kept real server. */
function migrateServer(vs: VsRecord, prev: RsRecord, rs: RsRecord, fx: Effects): void {
  const oldById = new Map(prev.checkers.map((c) => [c.id, c]));
  for (const c of rs.checkers) {
    const o = oldById.get(c.id);
    if (o && c.params && c.kind !== 'FILE_CHECK' && c.kind !== 'BFD_CHECK') c.state = migrateState(o.state, c.state, c.params);
  }
  const failed = rs.checkers.filter((c) => c.state.hasRun && !c.state.isUp).length;
  const anyRun = rs.checkers.some((c) => c.state.hasRun);
  // A failed server keeps new checkers pessimistic: alpha ones start down, and one failure is enough.
  if (failed || (!rs.alive && !anyRun)) {
    for (const c of rs.checkers) {
      if (c.state.hasRun || !c.params) continue;
      c.state = { ...c.state, isUp: c.params.alpha ? false : c.state.isUp, retryIt: c.params.kind === 'SMTP_CHECK' ? 0 : c.params.retry };
    }
  }
  const nowFailed = failedCheckers(rs);
  if (!nowFailed && !rs.alive) moveServer(vs, rs, true, fx);
  else if (nowFailed && rs.alive) moveServer(vs, rs, false, fx);
}
