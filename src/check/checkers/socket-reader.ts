// A connected checker socket turned into awaitable steps: each `read(timeoutMs)` yields the next
// chunk, the end of the stream, an error, its own timeout, or the transaction's abort — so a probe
// is written as a straight sequence of keepalived's thread steps, each with keepalived's own timer.
import type net from 'node:net';

export type ReadEvent =
  | { kind: 'data'; chunk: Buffer }
  | { kind: 'end' }
  | { kind: 'error'; code: string }
  | { kind: 'timeout' }
  | { kind: 'aborted' };

export type WriteResult = { ok: true } | { ok: false; code: string } | { ok: false; code: 'timeout' | 'aborted' };

export class SocketReader {
  private readonly queue: Array<Exclude<ReadEvent, { kind: 'timeout' | 'aborted' }>> = [];
  private waiter: ((e: ReadEvent) => void) | undefined;
  private closed = false;
  private endSeen = false;

  constructor(
    readonly socket: net.Socket,
    private readonly signal: AbortSignal,
  ) {
    socket.on('data', (chunk: Buffer) => this.deliver({ kind: 'data', chunk }));
    socket.on('end', () => this.deliver({ kind: 'end' }));
    socket.on('error', (e) => this.deliver({ kind: 'error', code: errCode(e) }));
    // a close without 'end' or 'error' (destroyed under us) still ends the stream
    socket.on('close', () => this.deliver({ kind: 'end' }));
  }

  /** The next event; after an end or error every further read repeats it. */
  read(timeoutMs: number): Promise<ReadEvent> {
    const head = this.queue[0];
    if (head) {
      if (head.kind === 'data') this.queue.shift();
      return Promise.resolve(head);
    }
    if (this.signal.aborted) return Promise.resolve({ kind: 'aborted' });
    return new Promise<ReadEvent>((resolve) => {
      const done = (e: ReadEvent): void => {
        clearTimeout(timer);
        this.signal.removeEventListener('abort', onAbort);
        this.waiter = undefined;
        resolve(e);
      };
      const onAbort = (): void => done({ kind: 'aborted' });
      const timer = setTimeout(() => done({ kind: 'timeout' }), Math.max(0, timeoutMs));
      this.signal.addEventListener('abort', onAbort, { once: true });
      this.waiter = (e) => {
        if (e.kind === 'data') this.queue.shift();
        done(e);
      };
    });
  }

  /** Write and wait until the bytes are handed to the kernel (or fail). */
  write(data: string | Uint8Array, timeoutMs: number): Promise<WriteResult> {
    if (this.signal.aborted) return Promise.resolve({ ok: false, code: 'aborted' });
    return new Promise<WriteResult>((resolve) => {
      let settled = false;
      const done = (r: WriteResult): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.signal.removeEventListener('abort', onAbort);
        resolve(r);
      };
      const onAbort = (): void => done({ ok: false, code: 'aborted' });
      const timer = setTimeout(() => done({ ok: false, code: 'timeout' }), Math.max(0, timeoutMs));
      this.signal.addEventListener('abort', onAbort, { once: true });
      try {
        this.socket.write(data, (err) => done(err ? { ok: false, code: errCode(err) } : { ok: true }));
      } catch (e) {
        done({ ok: false, code: errCode(e) });
      }
    });
  }

  /** Drop the connection at once (keepalived closes the fd; no graceful shutdown is awaited). */
  close(): void {
    this.closed = true;
    this.socket.destroy();
  }

  private deliver(e: Exclude<ReadEvent, { kind: 'timeout' | 'aborted' }>): void {
    if (this.closed) return;
    if (this.endSeen) return; // the stream already ended
    if (e.kind !== 'data') this.endSeen = true;
    this.queue.push(e);
    this.waiter?.(e);
  }
}

export function errCode(e: unknown): string {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === 'string' ? code : e instanceof Error ? e.message : String(e);
}
