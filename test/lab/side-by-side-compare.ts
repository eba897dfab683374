// Compares what ipvsadm showed for keepalived and for our daemon on the same file. Pure.
// Tables are put in a canonical order first: services sorted, each real-server line kept with (and
// prefixed by) its service's key, so a real server under the wrong service is a difference, not a
// reordering, and a changed service attribute is one line, not one per real server.
import { STOPPED_VIEW_NAMES, VIEW_NAMES, type DaemonRun, type ViewName } from './side-by-side-run.js';

export type Phase = 'running' | 'stopped';

/** `TCP 10.0.0.1:80`, `FWM 7`, `FWM 7 IPv6`: what identifies a service line of a listing. */
function serviceKey(line: string): string {
  const t = line.split(/\s+/);
  if (t[0] === 'FWM') return `FWM ${t[1]}${t[2] === 'IPv6' ? ' IPv6' : ''}`;
  return `${t[0]} ${t[1]}`;
}

/** `ipvsadm -Ln`-style text → header lines, then sorted `S <service>` / `D <service key> <dest>` lines. */
export function canonicalListing(text: string): string[] {
  const header: string[] = [];
  const body: string[] = [];
  let service: string | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.trimEnd();
    if (line === '') continue;
    if (/^\s+->/.test(line) && service !== undefined && !/RemoteAddress/.test(line)) {
      body.push(`D ${serviceKey(service)} ${line.trim().replace(/\s+/g, ' ')}`);
    } else if (/^(TCP|UDP|SCTP|FWM)\s/.test(line)) {
      service = line.replace(/\s+/g, ' ');
      body.push(`S ${service}`);
    } else {
      header.push(line);
    }
  }
  return [...header, ...body.sort()];
}

export function canonicalView(view: ViewName, text: string): string[] {
  switch (view) {
    case 'save':
      return text.split('\n').map((l) => l.trimEnd()).filter((l) => l !== '').sort();
    case 'timeout':
      return text.split('\n').map((l) => l.trimEnd()).filter((l) => l !== '');
    default:
      return canonicalListing(text);
  }
}

/** Multiset difference a − b. */
function minus(a: readonly string[], b: readonly string[]): string[] {
  const left = new Map<string, number>();
  for (const l of b) left.set(l, (left.get(l) ?? 0) + 1);
  const out: string[] = [];
  for (const l of a) {
    const n = left.get(l) ?? 0;
    if (n > 0) left.set(l, n - 1);
    else out.push(l);
  }
  return out;
}

export interface ViewDifference {
  case: string;
  phase: Phase;
  view: ViewName;
  keepalivedOnly: string[];
  oursOnly: string[];
}

/**
 * A difference that is keepalived's bug or quirk, with the reason: `ours` rewrites one of our canonical
 * lines into what keepalived shows instead (returns the line unchanged where the quirk does not apply).
 * An expectation that rewrites nothing is reported as stale.
 */
export interface ExpectedDifference {
  case: string;
  reason: string;
  ours: (line: string, view: ViewName, phase: Phase) => string;
}

export interface CaseComparison {
  differences: ViewDifference[];
  /** lines each expectation of this case rewrote */
  rewritten: Map<ExpectedDifference, number>;
}

/** Every view of both phases, ours first rewritten by the case's expected differences. */
export function compareCase(name: string, k: DaemonRun, o: DaemonRun, expected: readonly ExpectedDifference[] = []): CaseComparison {
  const mine = expected.filter((e) => e.case === name);
  const rewritten = new Map<ExpectedDifference, number>(mine.map((e) => [e, 0]));
  const differences: ViewDifference[] = [];
  for (const phase of ['running', 'stopped'] as const) {
    for (const view of phase === 'running' ? VIEW_NAMES : STOPPED_VIEW_NAMES) {
      const kk = canonicalView(view, k[phase][view]);
      let oo = canonicalView(view, o[phase][view]);
      for (const e of mine) {
        oo = oo.map((line) => {
          const r = e.ours(line, view, phase);
          if (r !== line) rewritten.set(e, rewritten.get(e)! + 1);
          return r;
        });
      }
      // the rewrite may change a service line's sort position
      if (view !== 'timeout') oo = canonicalOrder(oo);
      const keepalivedOnly = minus(kk, oo);
      const oursOnly = minus(oo, kk);
      if (keepalivedOnly.length || oursOnly.length) differences.push({ case: name, phase, view, keepalivedOnly, oursOnly });
    }
  }
  return { differences, rewritten };
}

/** Header lines first in their order, then the sorted rest (what canonicalView produces). */
function canonicalOrder(lines: string[]): string[] {
  const isBody = (l: string) => /^[SD] /.test(l) || /^-[AaR] /.test(l);
  return [...lines.filter((l) => !isBody(l)), ...lines.filter(isBody).sort()];
}

/** Service and real-server lines left in a table (after stop they must be none). */
export function tableEntries(saveText: string): string[] {
  return canonicalView('save', saveText);
}

export function formatDifference(d: ViewDifference): string {
  return [
    `${d.case} [${d.phase}] ${d.view}:`,
    ...d.keepalivedOnly.map((l) => `  keepalived only: ${l}`),
    ...d.oursOnly.map((l) => `  ours only:       ${l}`),
  ].join('\n');
}
