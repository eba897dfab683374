// Entries of `track_interface`, `track_script`, `track_file`, `track_process` and `track_bfd` blocks
// (in a vrrp_instance or a vrrp_sync_group), with keepalived's checks and messages. A tracked object
// must already be defined when it is named: keepalived ignores forward references.
import type { KeepalivedConfig, TrackedInterface, TrackedObject } from '../../model/index.js';
import type { Stmt } from '../../syntax.js';
import type { BuildContext } from '../types.js';
import { checkInterface, parseSigned, pendingTrack } from './util.js';

export interface TrackOwner {
  config: KeepalivedConfig;
  /** Instance or sync group name. */
  name: string;
  trackInterface: TrackedInterface[];
  trackScript: TrackedObject[];
  trackFile: TrackedObject[];
  trackProcess: TrackedObject[];
  trackBfd: TrackedObject[];
}

/** `IF [weight N [reverse]]`. */
export function trackInterfaceEntry(s: Stmt, ctx: BuildContext, o: TrackOwner): void {
  const name = s.keyword;
  if (!checkInterface(o.config, ctx, name, s.pos, `(${o.name}) tracked interface ${name} doesn't exist`)) return;
  if (o.trackInterface.some((t) => t.name === name)) {
    ctx.sink.error(s.pos, `(${o.name}) duplicate track_interface ${name} - ignoring`);
    return;
  }
  let weight = 0;
  let reverse = false;
  const a = s.args;
  if (a.length >= 1) {
    if (a[0].text !== 'weight') {
      ctx.sink.error(a[0].pos, `(${o.name}) unknown track_interface ${name} option ${a[0].text} - ignoring`, 'syntax: IF [weight N [reverse]]');
      return;
    }
    if (a.length === 1) {
      ctx.sink.error(a[0].pos, `(${o.name}) weight without value specified for track_interface ${name} - ignoring`);
      return;
    }
    weight = readTrackWeight(s, ctx, `(${o.name}) weight ${a[1].text} for ${name} must be between [-253..253] inclusive. Ignoring...`, name, o.name) ?? 0;
    if (a.length >= 3) {
      if (a[2].text === 'reverse') reverse = true;
      else ctx.sink.error(a[2].pos, `(${o.name}) unknown track_interace ${name} weight option ${a[2].text} - ignoring`);
    }
  }
  o.trackInterface.push({ name, weight, reverse, pos: s.pos });
}

/** The weight at args[1] in −254..254; ±254 become ±253 as keepalived does. */
function readTrackWeight(s: Stmt, ctx: BuildContext, badMessage: string, name: string, owner: string): number | undefined {
  const w = s.args[1];
  const v = parseSigned(w.text, -254, 254);
  if (v === undefined) {
    ctx.sink.error(w.pos, badMessage, `'${w.text}' is not a whole number in [-253, 253]`);
    return undefined;
  }
  if (v === 254 || v === -254) {
    ctx.sink.error(w.pos, `(${owner}) weight for ${name} cannot be +/-254. Setting to +/-253`);
    return v > 0 ? 253 : -253;
  }
  return v;
}

interface Definition {
  weight: number;
  weightReverse: boolean;
}

/** `NAME [weight N [reverse|noreverse]]` for scripts, files, processes and BFD instances. */
function trackObjectEntry(
  s: Stmt,
  ctx: BuildContext,
  o: TrackOwner,
  kind: 'script' | 'file' | 'process' | 'bfd',
  def: Definition | undefined,
  list: TrackedObject[],
): void {
  const name = s.keyword;
  const label = kind === 'script' ? 'track script' : `track ${kind}`;
  const listName = `track_${kind}`;
  if (!def) {
    pendingTrack(o.config, kind, name, o.name, s.pos);
    return;
  }
  if (list.some((t) => t.name === name)) {
    ctx.sink.error(s.pos, `(${o.name}) duplicate ${listName} ${name} - ignoring`);
    return;
  }
  let weight = def.weight;
  let reverse = def.weightReverse;
  const a = s.args;
  if (a.length >= 1) {
    if (a[0].text !== 'weight') {
      const msg = kind === 'bfd' ? `(${o.name}) unknown track bfd ${name} option ${a[0].text} - ignoring` : `(${o.name}) unknown ${label} option ${a[0].text} - ignoring`;
      ctx.sink.error(a[0].pos, msg, 'syntax: NAME [weight N [reverse|noreverse]]');
      return;
    }
    if (a.length === 1) {
      ctx.sink.error(a[0].pos, `(${o.name}) weight without value specified for ${label} ${name} - ignoring`);
      return;
    }
    if (kind === 'script') {
      const v = readTrackWeight(s, ctx, `(${o.name}) track script ${name}: weight must be between [-253..253] inclusive, ignoring...`, name, o.name);
      if (v !== undefined) weight = v;
    } else {
      const lim = kind === 'bfd' ? 253 : 254;
      const v = parseSigned(a[1].text, -lim, lim);
      if (v === undefined) ctx.sink.error(a[1].pos, `(${o.name}) weight for ${label} ${name} must be in [-${lim}..${lim}] inclusive. Ignoring...`);
      else weight = v;
    }
    if (a.length >= 3) {
      if (a[2].text === 'reverse') reverse = true;
      else if (a[2].text === 'noreverse') reverse = false;
      else {
        const what = kind === 'file' || kind === 'bfd' ? label : listName;
        ctx.sink.error(a[2].pos, `(${o.name}) unknown ${what} ${name} weight option ${a[2].text} - ignoring`, 'use reverse or noreverse');
        // keepalived keeps script and process entries here but drops file and BFD entries
        if (kind === 'file' || kind === 'bfd') return;
      }
    }
  }
  list.push({ name, weight, reverse, pos: s.pos });
}

export function trackScriptEntry(s: Stmt, ctx: BuildContext, o: TrackOwner): void {
  const d = o.config.vrrp.vrrpScripts.find((x) => x.name === s.keyword);
  const before = o.trackScript.length;
  trackObjectEntry(s, ctx, o, 'script', d, o.trackScript);
  // keepalived 2.2.7 resets a script's initial state to INIT whenever something tracks it
  // (alloc_track_script), so `init_fail` only lasts on a script nobody tracks.
  if (d?.initFail && o.trackScript.length > before) {
    d.initFail = false;
    ctx.sink.notice(s.pos, `(${o.name}) keepalived 2.2.7 ignores init_fail of vrrp_script ${d.name} once it is tracked; the script starts in INIT state`);
  }
}

export function trackFileEntry(s: Stmt, ctx: BuildContext, o: TrackOwner): void {
  const d = o.config.vrrp.trackFiles.find((x) => x.name === s.keyword);
  trackObjectEntry(s, ctx, o, 'file', d, o.trackFile);
}

export function trackProcessEntry(s: Stmt, ctx: BuildContext, o: TrackOwner): void {
  const d = o.config.vrrp.trackProcesses.find((x) => x.name === s.keyword);
  trackObjectEntry(s, ctx, o, 'process', d, o.trackProcess);
}

export function trackBfdEntry(s: Stmt, ctx: BuildContext, o: TrackOwner): void {
  const d = o.config.vrrp.bfdInstances.includes(s.keyword) ? { weight: 0, weightReverse: false } : undefined;
  trackObjectEntry(s, ctx, o, 'bfd', d, o.trackBfd);
}

/** Run every line of a list block through `entry`; a nested `{` is reported. */
export function eachEntry(s: Stmt, ctx: BuildContext, entry: (e: Stmt) => void): void {
  for (const e of s.block ?? []) {
    if (e.block) ctx.sink.error(e.blockPos ?? e.pos, `unexpected '{' in '${s.keyword}'`);
    entry(e);
  }
}
