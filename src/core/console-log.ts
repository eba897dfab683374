// Console logging as keepalived -l prints it: "Sat Nov 21 15:02:20 2026: <text>" on stderr.
// (The daemon's journald/JSON logging with pino arrives with the process model.)
import type { Log, LogFields } from '../lib/log.js';

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

export function ctime(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${DAYS[d.getDay()]} ${MONTHS[d.getMonth()]} ${String(d.getDate()).padStart(2, ' ')} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())} ${d.getFullYear()}`;
}

export function consoleLog(opts: { detail: boolean; write?: (line: string) => void; now?: () => Date }): Log {
  const write = opts.write ?? ((l: string) => void process.stderr.write(l));
  const now = opts.now ?? (() => new Date());
  const line = (msg: string, _f?: LogFields) => write(`${ctime(now())}: ${msg}\n`);
  return {
    debug: (m, f) => { if (opts.detail) line(m, f); },
    info: line,
    warn: line,
    error: line,
  };
}
