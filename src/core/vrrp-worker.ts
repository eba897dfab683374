// The VRRP side on its own event loop (a worker thread), so a checker burst, a big reload or a GC pause on
// the main thread never delays an advert. The main thread forwards signals as messages; the worker logs
// to stderr itself (as Keepalived_vrrp). Separate processes (keepalived's model) come later.
import { parentPort, Worker, workerData } from 'node:worker_threads';
import { createLog, IDENT, type LogSettings } from './logging.js';
import { VrrpProcess, type VrrpProcessOptions } from './vrrp.js';

type Request = { op: 'stop' | 'reload' | 'stats' | 'stats-clear' | 'data' | 'json'; id: number };
type Reply = { id: number; done: true; error?: string } | { started: true; rc?: number };

interface WorkerData {
  opts: VrrpProcessOptions;
  log: LogSettings;
}

if (parentPort && (workerData as { kind?: string } | undefined)?.kind === 'keepalived-ts-vrrp') {
  const port = parentPort;
  const { opts, log: logSettings } = (workerData as { data: WorkerData }).data;
  const log = createLog({ ...logSettings, ident: IDENT.vrrp });
  const proc = new VrrpProcess(opts, log);
  port.on('message', (m: Request) => {
    const run = async () => {
      switch (m.op) {
        case 'stop': await proc.stop(); break;
        case 'reload': await proc.reload(); break;
        case 'stats': proc.dumpStats(); break;
        case 'stats-clear': proc.dumpStats(true); break;
        case 'data': proc.dumpData(); break;
        case 'json': proc.dumpJson(); break;
      }
    };
    run().then(
      () => port.postMessage({ id: m.id, done: true } satisfies Reply),
      (e: unknown) => port.postMessage({ id: m.id, done: true, error: (e as Error).message } satisfies Reply),
    ).finally(() => {
      // after a stop nothing is left to do: let the thread end by itself once its sockets are closed
      if (m.op === 'stop') port.close();
    });
  });
  proc.start().then(
    (rc) => port.postMessage({ started: true, rc } satisfies Reply),
    (e: unknown) => {
      log.error(`VRRP start-up failed: ${(e as Error).stack ?? String(e)}`);
      port.postMessage({ started: true, rc: 1 } satisfies Reply);
    },
  );
}

/** The main thread's handle on the VRRP worker. */
export class VrrpWorker {
  private nextId = 1;
  private readonly waiting = new Map<number, (error?: string) => void>();

  private constructor(private readonly worker: Worker) {
    worker.on('message', (m: Reply) => {
      if ('id' in m) {
        this.waiting.get(m.id)?.(m.error);
        this.waiting.delete(m.id);
      }
    });
  }

  /** Starts the worker; resolves with it once its start-up is over, or with the exit code it failed with. */
  static start(opts: VrrpProcessOptions, log: LogSettings): Promise<{ worker?: VrrpWorker; rc?: number }> {
    const data: WorkerData = { opts, log };
    const w = new Worker(new URL('./vrrp-worker.js', import.meta.url), { workerData: { kind: 'keepalived-ts-vrrp', data } });
    return new Promise((resolve) => {
      const onExit = (code: number) => resolve({ rc: code || 1 });
      w.once('exit', onExit);
      w.on('message', (m: Reply) => {
        if (!('started' in m)) return;
        w.off('exit', onExit);
        if (m.rc !== undefined) {
          void w.terminate();
          resolve({ rc: m.rc });
        } else resolve({ worker: new VrrpWorker(w) });
      });
    });
  }

  request(op: Request['op']): Promise<void> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, (error) => (error ? reject(new Error(error)) : resolve()));
      this.worker.postMessage({ op, id } satisfies Request);
    });
  }

  /**
   * Orderly stop; the thread then ends by itself. It is terminated only if it lingers: terminating it while
   * native sockets are still closing can abort the process.
   */
  async stop(): Promise<void> {
    const exited = new Promise<void>((resolve) => this.worker.once('exit', () => resolve()));
    await this.request('stop');
    const timer = setTimeout(() => void this.worker.terminate(), 3000);
    await exited;
    clearTimeout(timer);
  }
}
