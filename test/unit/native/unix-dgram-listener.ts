// A unix datagram socket to receive on, for tests: Node cannot bind one, so a tiny python3 process does and
// prints each datagram as a JSON line (hex, so any bytes survive). Fails loudly without python3.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

const SCRIPT = `
import json, socket, sys
name = sys.argv[1]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(b'\\0' + name[1:].encode() if name.startswith('@') else name)
print(json.dumps({"bound": name}), flush=True)
while True:
    data = s.recv(65536)
    print(json.dumps({"hex": data.hex()}), flush=True)
`;

export interface DgramListener {
  /** The socket's name as NOTIFY_SOCKET would carry it: a path, or `@name`. */
  readonly name: string;
  /** Every datagram so far. */
  readonly received: Buffer[];
  /** Resolves with the first datagram (from index `from` on) that `match` accepts; rejects after `timeoutMs`. */
  waitFor(match: (text: string) => boolean, timeoutMs?: number, from?: number): Promise<string>;
  close(): void;
}

/** A unique socket name: a path in the temp dir, or an abstract name (`abstract`). */
export function uniqueSocketName(abstract: boolean): string {
  const tag = `kt-test-${process.pid}-${randomBytes(4).toString('hex')}`;
  return abstract ? `@${tag}` : join(tmpdir(), `${tag}.sock`);
}

export async function listenDgram(name: string): Promise<DgramListener> {
  const child: ChildProcess = spawn('python3', ['-c', SCRIPT, name], { stdio: ['ignore', 'pipe', 'pipe'] });
  const received: Buffer[] = [];
  const waiters = new Set<() => void>();
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const bound = new Promise<void>((resolve, reject) => {
    child.once('error', (e) => reject(new Error(`cannot run python3 for the datagram listener: ${e.message}`)));
    child.once('exit', (code) => reject(new Error(`datagram listener exited (${code}): ${stderr}`)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const m = JSON.parse(line) as { bound?: string; hex?: string };
      if (m.bound !== undefined) resolve();
      if (m.hex !== undefined) {
        received.push(Buffer.from(m.hex, 'hex'));
        for (const w of [...waiters]) w();
      }
    });
  });
  const timer = setTimeout(() => child.kill(), 10_000);
  try {
    await bound;
  } finally {
    clearTimeout(timer);
  }
  return {
    name,
    received,
    waitFor(match, timeoutMs = 5000, from = 0) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const hit = received.slice(from).find((b) => match(b.toString()));
          if (hit === undefined) return false;
          waiters.delete(check);
          clearTimeout(t);
          resolve(hit.toString());
          return true;
        };
        const t = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no matching datagram on ${name} within ${timeoutMs} ms; got ${JSON.stringify(received.map(String))}`));
        }, timeoutMs);
        if (!check()) waiters.add(check);
      });
    },
    close() {
      if (child.exitCode === null && child.pid !== undefined) child.kill();
      if (!name.startsWith('@')) rmSync(name, { force: true });
    },
  };
}
