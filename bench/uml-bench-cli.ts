// What the UML benches that run a daemon per trial share on their command line (ipvs-program, daemon-reload):
// the options of the host side and the trial side, --render of a saved --json run, and "run main only when
// this file is the one started" (daemon-reload imports ipvs-program's helpers).
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

export const UML_BENCH_OPTIONS = {
  trial: { type: 'boolean', default: false },
  daemon: { type: 'string' },
  work: { type: 'string' },
  out: { type: 'string' },
  capture: { type: 'string' },
  rs: { type: 'string', default: '10' },
  mem: { type: 'string', default: '1536' },
  'timeout-min': { type: 'string' },
  keepalived: { type: 'string', default: '/usr/sbin/keepalived' },
  'no-capture': { type: 'boolean', default: false },
  json: { type: 'boolean', default: false },
  keep: { type: 'boolean', default: false },
  render: { type: 'string' },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

/** --render FILE: the tables again from a saved `--json` stdout, without booting anything. */
export function renderSaved<T>(file: string, report: (saved: T) => void): void {
  const text = readFileSync(file, 'utf8');
  const at = text.search(/^\{$/m);
  if (at < 0) throw new Error(`${file} holds no --json output`);
  report(JSON.parse(text.slice(at)) as T);
}

/** Runs `main` when the module at `url` is the program started, not when it is imported. */
export function runIfMain(url: string, main: () => Promise<void>): void {
  if (process.argv[1] === undefined || url !== pathToFileURL(process.argv[1]).href) return;
  main().catch((e: unknown) => {
    console.error(e instanceof Error ? e.stack : e);
    process.exitCode = 1;
  });
}
