// The Log interface's levels in order, and the threshold `-D` / `--log-level` set (pure).
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];

export function isLogLevel(s: string): s is LogLevel {
  return (LOG_LEVELS as readonly string[]).includes(s);
}

/** The lowest level written: `--log-level` if given, else debug with `-D` (keepalived's detail lines), else info. */
export function thresholdOf(o: { detail: boolean; level?: LogLevel }): LogLevel {
  return o.level ?? (o.detail ? 'debug' : 'info');
}

export function enabled(level: LogLevel, threshold: LogLevel): boolean {
  return LOG_LEVELS.indexOf(level) >= LOG_LEVELS.indexOf(threshold);
}
