// The corpus of broken or questionable configurations in test/fixtures/broken/.
// Each file starts with comment lines describing itself:
//   # problem: <what is wrong>
//   # at: <line>[:<col>]          1-based, in this file
//   # interfaces: eth0 eth1 ...   optional: provide exactly these (default: what the file names)
//   # args: -e                    optional: extra keepalived arguments for this case
// Files under parts/ are include targets, not cases.

import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface BrokenConfig {
  /** absolute path */
  file: string;
  /** file name, e.g. "priority-0.conf" */
  name: string;
  problem: string;
  /** "<line>" or "<line>:<col>", 1-based */
  at: string;
  line: number;
  col: number | null;
  interfaces?: string[];
  extraArgs?: string[];
}

/** test/fixtures/broken, found from this module's place in either the sources or dist/. */
export function brokenDir(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  // test/oracle -> repo root is two levels up; dist/test/oracle -> three.
  const candidates = [path.resolve(here, '../fixtures/broken'), path.resolve(here, '../../../test/fixtures/broken')];
  for (const c of candidates) {
    try {
      if (readdirSync(c).some((f) => f.endsWith('.conf'))) return c;
    } catch {
      /* try the next */
    }
  }
  throw new Error(`test/fixtures/broken not found near ${here}`);
}

function header(text: string, key: string): string | undefined {
  const re = new RegExp(`^# ${key}: (.*)$`, 'm');
  return re.exec(text)?.[1]?.trim();
}

export function readBrokenConfig(file: string): BrokenConfig {
  const text = readFileSync(file, 'utf8');
  const problem = header(text, 'problem');
  const at = header(text, 'at');
  if (!problem || !at) throw new Error(`${file}: missing "# problem:" or "# at:" header`);
  const m = /^(\d+)(?::(\d+))?$/.exec(at);
  if (!m) throw new Error(`${file}: bad "# at: ${at}"`);
  const ifs = header(text, 'interfaces');
  const args = header(text, 'args');
  return {
    file,
    name: path.basename(file),
    problem,
    at,
    line: Number(m[1]),
    col: m[2] ? Number(m[2]) : null,
    ...(ifs ? { interfaces: ifs.split(/\s+/) } : {}),
    ...(args ? { extraArgs: args.split(/\s+/) } : {}),
  };
}

/** Every case, sorted by file name. */
export function listBrokenConfigs(dir: string = brokenDir()): BrokenConfig[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.conf'))
    .sort()
    .map((f) => readBrokenConfig(path.join(dir, f)));
}

export interface OracleVerdict {
  name: string;
  /** exit status as a shell reports it (128 + signal number when keepalived died of a signal) */
  status: number;
  signal: string | null;
  firstDiagnostic: string;
}

const README = 'README.md';
const TABLE_BEGIN = '<!-- keepalived-rc:begin -->';
const TABLE_END = '<!-- keepalived-rc:end -->';

function cell(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/`/g, "'");
}

/** Markdown table: file | keepalived rc | first keepalived diagnostic. */
export function formatVerdictTable(rows: readonly OracleVerdict[]): string {
  const out = ['| file | keepalived rc | first keepalived diagnostic |', '|---|---|---|'];
  for (const r of rows) {
    const rc = r.signal ? `${r.status} (${r.signal})` : String(r.status);
    const diag = r.firstDiagnostic.length > 140 ? r.firstDiagnostic.slice(0, 137) + '...' : r.firstDiagnostic;
    out.push(`| ${r.name} | ${rc} | ${cell(diag) || '(none)'} |`);
  }
  return out.join('\n');
}

/** The keepalived exit statuses recorded in README.md, by file name. */
export function recordedKeepalivedStatus(dir: string = brokenDir()): Map<string, number> {
  const text = readFileSync(path.join(dir, README), 'utf8');
  const table = text.slice(text.indexOf(TABLE_BEGIN), text.indexOf(TABLE_END));
  const out = new Map<string, number>();
  for (const m of table.matchAll(/^\| (\S+\.conf) \| (\d+)/gm)) out.set(m[1], Number(m[2]));
  return out;
}

/** Replace the table in README.md (used when regenerating with KT_WRITE_BROKEN_README=1). */
export function writeVerdictTable(rows: readonly OracleVerdict[], dir: string = brokenDir()): void {
  const file = path.join(dir, README);
  const text = readFileSync(file, 'utf8');
  const a = text.indexOf(TABLE_BEGIN);
  const b = text.indexOf(TABLE_END);
  if (a < 0 || b < a) throw new Error(`${file}: table markers missing`);
  writeFileSync(file, text.slice(0, a + TABLE_BEGIN.length) + '\n' + formatVerdictTable(rows) + '\n' + text.slice(b));
}
