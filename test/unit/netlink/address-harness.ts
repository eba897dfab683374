// A private network namespace for the rtnetlink adapter tests, the AddressClient running inside it
// (address-driver.ts, started with `ip netns exec`), and `ip` run in it for setup and comparison.
// Lab: v0 (192.0.2.1/24, 2001:db8::1/64) and v1 (198.51.100.2/24), each a veth whose peer (v0p, v1p)
// is in the same namespace, all up. remove() ends the driver and deletes the namespace, also after failures.
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { AddressEvent, LinkEvent } from '../../../src/vrrp/ports.js';

export function run(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return r.stdout;
}

export interface DriverError {
  name: string;
  message: string;
  op?: string;
  entry?: string;
  code?: string;
  errno?: number;
  option?: string;
}

/** A rejected driver call: the adapter's error, as the driver reported it. */
export class DriverCallError extends Error {
  constructor(readonly error: DriverError) {
    super(`${error.name}: ${error.message}`);
  }
}

export interface TimedEvent {
  event: LinkEvent | AddressEvent;
  /** performance.now() in the driver when the handler ran. */
  at: number;
  /** Date.now() here when the line arrived. */
  seenAt: number;
}

export interface Driver {
  call<T = unknown>(op: string, arg?: unknown): Promise<T>;
  /** Runs the calls concurrently in the driver; elapsed ms there, and the errors. */
  parallel(calls: { op: string; arg?: unknown }[]): Promise<{ ms: number; errors: DriverError[] }>;
  readonly events: TimedEvent[];
  readonly troubles: string[];
  /** The first event (already in, or yet to come) matching; removes it from `events`. */
  nextEvent(match: (e: LinkEvent | AddressEvent) => boolean, ms?: number): Promise<TimedEvent>;
  /** Resolves when `ms` pass with no event arriving. */
  quiet(ms: number): Promise<void>;
  stop(): Promise<void>;
}

export interface Lab {
  ns: string;
  ip(...args: string[]): string;
  /** `ip -j ARGS` parsed. */
  ipJson<T = unknown>(...args: string[]): T;
  startDriver(args?: string[]): Driver;
  remove(): Promise<void>;
}

const PREFIX = 'ktn-rtnl-';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Namespaces left by a test process that died before its cleanup (ktn-rtnl-PID with PID gone). */
function sweepStale(): void {
  for (const line of run('ip', ['netns', 'list']).split('\n')) {
    const ns = line.split(' ')[0]!;
    const m = /^ktn-rtnl-(\d+)$/.exec(ns);
    if (!m || alive(Number(m[1]))) continue;
    for (const pid of run('ip', ['netns', 'pids', ns]).split(/\s+/).filter(Boolean)) spawnSync('kill', ['-KILL', pid]);
    spawnSync('ip', ['netns', 'del', ns]);
  }
}

const DRIVER = fileURLToPath(new URL('./address-driver.js', import.meta.url));

export function createLab(): Lab {
  sweepStale();
  const ns = `${PREFIX}${process.pid}`;
  const drivers: Driver[] = [];
  const ip = (...args: string[]) => run('ip', ['-n', ns, ...args]);
  const remove = async () => {
    await Promise.all(drivers.map((d) => d.stop()));
    spawnSync('ip', ['netns', 'del', ns]);
  };
  try {
    run('ip', ['netns', 'add', ns]);
    ip('link', 'set', 'lo', 'up');
    for (const dev of ['v0', 'v1']) {
      ip('link', 'add', dev, 'type', 'veth', 'peer', 'name', `${dev}p`);
      ip('link', 'set', `${dev}p`, 'up');
      ip('link', 'set', dev, 'up');
    }
    ip('addr', 'add', '192.0.2.1/24', 'dev', 'v0');
    ip('addr', 'add', '2001:db8::1/64', 'dev', 'v0', 'nodad');
    ip('addr', 'add', '198.51.100.2/24', 'dev', 'v1');
  } catch (e) {
    spawnSync('ip', ['netns', 'del', ns]);
    throw e;
  }
  return {
    ns,
    ip,
    ipJson: <T>(...args: string[]) => JSON.parse(ip('-j', ...args) || '[]') as T,
    startDriver(args = []) {
      const d = startDriver(ns, args);
      drivers.push(d);
      return d;
    },
    remove,
  };
}

function startDriver(ns: string, args: string[]): Driver {
  const child: ChildProcessWithoutNullStreams = spawn('ip', ['netns', 'exec', ns, process.execPath, DRIVER, ...args]);
  let nextId = 1;
  const waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  const events: TimedEvent[] = [];
  const troubles: string[] = [];
  const watchers = new Set<() => void>();
  let stderr = '';
  let exited = false;
  child.stderr.on('data', (b) => (stderr += b));
  const exit = new Promise<void>((resolve) =>
    child.on('exit', (code, signal) => {
      exited = true;
      for (const w of waiting.values()) w.reject(new Error(`the driver exited (${code ?? signal}) with a call outstanding:\n${stderr}`));
      waiting.clear();
      resolve();
    }),
  );
  createInterface({ input: child.stdout }).on('line', (line) => {
    const m = JSON.parse(line) as { id?: number; ok?: boolean; value?: unknown; error?: DriverError; event?: TimedEvent['event']; at?: number; trouble?: string };
    if (m.event) {
      events.push({ event: m.event, at: m.at!, seenAt: Date.now() });
      for (const w of [...watchers]) w();
    } else if (m.trouble) troubles.push(m.trouble);
    else if (m.id !== undefined) {
      const w = waiting.get(m.id);
      waiting.delete(m.id);
      if (m.ok) w?.resolve(m.value);
      else w?.reject(new DriverCallError(m.error!));
    }
  });
  const send = (msg: object) =>
    new Promise<unknown>((resolve, reject) => {
      if (exited) return reject(new Error(`the driver has exited:\n${stderr}`));
      const id = nextId++;
      waiting.set(id, { resolve, reject });
      child.stdin.write(JSON.stringify({ id, ...msg }) + '\n');
    });
  return {
    call: <T>(op: string, arg?: unknown) => send({ op, arg }) as Promise<T>,
    parallel: (calls) => send({ op: 'parallel', calls }) as Promise<{ ms: number; errors: DriverError[] }>,
    events,
    troubles,
    nextEvent(match, ms = 3000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const i = events.findIndex((e) => match(e.event));
          if (i < 0) return false;
          const [e] = events.splice(i, 1);
          watchers.delete(check);
          clearTimeout(timer);
          resolve(e!);
          return true;
        };
        const timer = setTimeout(() => {
          watchers.delete(check);
          reject(new Error(`no matching event within ${ms} ms; seen: ${JSON.stringify(events.map((e) => e.event))}`));
        }, ms);
        if (!check()) watchers.add(check);
      });
    },
    quiet(ms) {
      return new Promise((resolve) => {
        let timer = setTimeout(done, ms);
        const bump = () => {
          clearTimeout(timer);
          timer = setTimeout(done, ms);
        };
        watchers.add(bump);
        function done() {
          watchers.delete(bump);
          resolve();
        }
      });
    },
    async stop() {
      if (exited) return;
      child.stdin.end();
      const timer = setTimeout(() => child.kill('SIGKILL'), 2000);
      await exit;
      clearTimeout(timer);
    },
  };
}
