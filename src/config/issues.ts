// Diagnostics: what the loader says about a configuration, with a position, and the exit code of
// `--config-test` derived from them exactly as keepalived 2.2.7 derives it (the highest class wins,
// and the classes are ordered "cannot run" < "errors but would run" < "script security").

export type Severity =
  /** keepalived cannot run this configuration (missing file, bad interface, fatal). -t rc 4 */
  | 'fatal'
  /** keepalived reports it and runs anyway (unknown keyword, bad value, missing '}'). -t rc 5 */
  | 'error'
  | 'warning'
  /** scripts would run as root without script security. -t rc 6 */
  | 'security'
  /** said for the user's benefit; does not change the exit code (keepalived is silent here). */
  | 'notice';

export interface Position {
  file: string;
  line: number;
  col: number;
}

export interface Diagnostic extends Position {
  severity: Severity;
  message: string;
  /** A hint such as "did you mean 'priority'?". */
  hint?: string;
  /**
   * 'keepalived' when keepalived 2.2.7 reports the same problem; 'extra' for our own checks
   * of mistakes keepalived accepts silently (USER-PAINS.md).
   */
  origin?: 'keepalived' | 'extra';
  /**
   * keepalived stops reading at once with this exit status (e.g. 2 for a keyword missing its
   * parameter, 6 for a missing include under -e) instead of ranking the problem.
   */
  exitCode?: number;
  /** 'structure': the braces do not balance, so statements may sit in the wrong block. */
  code?: 'structure';
}

const RANK: Record<Severity, number> = { notice: 0, fatal: 1, error: 2, warning: 2, security: 3 };
const EXIT: Record<number, number> = { 0: 0, 1: 4, 2: 5, 3: 6 };

/** keepalived -t exit code: 0 clean, 4 cannot run, 5 errors but would run, 6 script security. */
export function configTestExitCode(diags: readonly Diagnostic[]): number {
  const abort = diags.find((d) => d.exitCode !== undefined);
  if (abort) return abort.exitCode!;
  let rank = 0;
  for (const d of diags) rank = Math.max(rank, RANK[d.severity]);
  return EXIT[rank];
}

export function formatDiagnostic(d: Diagnostic): string {
  const hint = d.hint ? ` (${d.hint})` : '';
  // one diagnostic per line, whatever the message holds
  const oneLine = (t: string) => t.replace(/\s*\n\s*/g, ' ');
  return `${d.file}:${d.line}:${d.col}: ${d.severity}: ${oneLine(d.message).trim()}${oneLine(hint)}`;
}

export function compareDiagnostics(a: Diagnostic, b: Diagnostic): number {
  return a.file === b.file ? a.line - b.line || a.col - b.col : 0;
}

/** Collects diagnostics; the one sink passed through preprocessing, syntax and model building. */
export class DiagnosticSink {
  readonly items: Diagnostic[] = [];
  add(severity: Severity, at: Position, message: string, extra?: { hint?: string; origin?: 'keepalived' | 'extra'; exitCode?: number; code?: 'structure' }): void {
    this.items.push({ severity, file: at.file, line: at.line, col: at.col, message, ...extra });
  }
  fatal(at: Position, message: string, hint?: string): void { this.add('fatal', at, message, { hint }); }
  error(at: Position, message: string, hint?: string): void { this.add('error', at, message, { hint }); }
  warning(at: Position, message: string, hint?: string): void { this.add('warning', at, message, { hint }); }
  notice(at: Position, message: string, hint?: string): void { this.add('notice', at, message, { hint }); }
  /** One of our own checks that keepalived does not make. */
  extra(severity: Severity, at: Position, message: string, hint?: string): void {
    this.add(severity, at, message, { hint, origin: 'extra' });
  }
}
