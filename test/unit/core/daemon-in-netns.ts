// Runs our CLI (dist/src/cli/main.js) as systemd would, in a private network namespace of its own
// (`unshare -n`: the namespace dies with the process, nothing to clean up) with a veth pair and addresses in
// 10.99.0.0/24, and stderr handed over with JOURNAL_STREAM naming it, as journald's stream would be.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');
export const MAIN = join(ROOT, 'dist/src/cli/main.js');

/** A VRRP-only configuration on d0, with one unknown keyword (a warning line) for the log tests. */
export const VRRP_CONF = `global_defs {
  foo_bar_unknown
}
vrrp_instance VI_1 {
  state BACKUP
  interface d0
  virtual_router_id 51
  priority 100
  advert_int 1
  virtual_ipaddress { 10.99.0.100/24 }
}
`;

export interface DaemonRun {
  child: ChildProcess;
  /** stderr lines so far. */
  lines: string[];
  /** Resolves once a stderr line matches; rejects after `timeoutMs` or if the daemon exits first. */
  waitLine(re: RegExp, timeoutMs?: number): Promise<string>;
  /** SIGTERM, then resolves with the exit code (SIGKILL after 10 s). */
  stop(): Promise<number | null>;
  cleanup(): void;
}

export function startDaemon(args: string[], env: NodeJS.ProcessEnv = {}, opts: { journald?: boolean } = {}): DaemonRun {
  if (process.getuid?.() !== 0) throw new Error('this test runs the daemon in a private network namespace: it needs root');
  const dir = mkdtempSync(join(tmpdir(), `kt-daemon-${process.pid}-`));
  const conf = join(dir, 'keepalived.conf');
  writeFileSync(conf, VRRP_CONF);
  const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  const script = [
    'set -e',
    'ip link add d0 type veth peer name d1',
    'ip link set d1 up',
    'ip link set d0 up',
    'ip addr add 10.99.0.1/24 dev d0',
    // what systemd does for StandardError=journal: the variable names the very stream fd 2 is
    ...(opts.journald ? ['export JOURNAL_STREAM=$(stat -L -c %d:%i /proc/self/fd/2)'] : []),
    `exec ${q(process.execPath)} ${q(MAIN)} ${args.map(q).join(' ')} -f ${q(conf)} -p ${q(join(dir, 'o.pid'))} -r ${q(join(dir, 'ov.pid'))} -c ${q(join(dir, 'oc.pid'))}`,
  ].join('\n');
  const child = spawn('unshare', ['-n', 'sh', '-c', script], { env: { ...process.env, JOURNAL_STREAM: '', NOTIFY_SOCKET: '', ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  const lines: string[] = [];
  const waiters = new Set<() => void>();
  let buf = '';
  child.stderr!.on('data', (d: Buffer) => {
    buf += d.toString();
    const parts = buf.split('\n');
    buf = parts.pop()!;
    lines.push(...parts);
    for (const w of [...waiters]) w();
  });
  const exited = new Promise<number | null>((res) => child.once('exit', (code) => { for (const w of [...waiters]) w(); res(code); }));
  const killer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  killer.unref();
  return {
    child,
    lines,
    waitLine(re, timeoutMs = 10_000) {
      return new Promise((res, rej) => {
        const check = () => {
          const hit = lines.find((l) => re.test(l));
          if (hit !== undefined) {
            waiters.delete(check);
            clearTimeout(t);
            res(hit);
          } else if (child.exitCode !== null || child.signalCode !== null) {
            waiters.delete(check);
            clearTimeout(t);
            rej(new Error(`daemon exited (${child.exitCode ?? child.signalCode}) before a line matched ${re}:\n${lines.join('\n')}`));
          }
        };
        const t = setTimeout(() => {
          waiters.delete(check);
          rej(new Error(`no line matched ${re} within ${timeoutMs} ms:\n${lines.join('\n')}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const k = setTimeout(() => child.kill('SIGKILL'), 10_000);
      const code = await exited;
      clearTimeout(k);
      clearTimeout(killer);
      return code;
    },
    cleanup() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      clearTimeout(killer);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
