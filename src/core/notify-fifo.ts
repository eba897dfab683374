// notify_fifo / vrrp_notify_fifo: keepalived creates the FIFO when missing, starts the configured reader
// script with the FIFO path as its last argument, and writes one line per state change. We open the FIFO
// read-write and non-blocking, so a missing reader neither blocks us nor loses the FIFO; a full FIFO
// drops the line rather than stall VRRP. Closing unlinks a FIFO this writer created (keepalived's order:
// unlink first, so a reader that reopens the path when it sees the end cannot reopen this one).
import { spawnSync } from 'node:child_process';
import { closeSync, constants, existsSync, openSync, unlinkSync, writeSync } from 'node:fs';
import type { NotifyFifo } from '../config/model/global.js';
import type { Log } from '../lib/log.js';
import type { FifoPort, ScriptPort } from '../vrrp/runtime-ports.js';

export class NotifyFifoWriter implements FifoPort {
  private readonly fds: number[] = [];
  /** FIFOs this writer made (unlinked on close, as keepalived does). */
  private readonly created: string[] = [];

  constructor(fifos: readonly (NotifyFifo | undefined)[], scripts: ScriptPort, private readonly log: Log) {
    for (const f of fifos) {
      if (!f?.path) continue;
      try {
        if (!existsSync(f.path)) {
          const r = spawnSync('mkfifo', ['-m', '600', f.path], { encoding: 'utf8' });
          if (r.status !== 0) throw new Error(`mkfifo: ${r.stderr.trim()}`);
          this.created.push(f.path);
        }
        this.fds.push(openSync(f.path, constants.O_RDWR | constants.O_NONBLOCK));
        if (f.script) void scripts.notify(f.script, [f.path]);
      } catch (e) {
        log.error(`Unable to open notify FIFO ${f.path}: ${(e as Error).message}`, { event: 'vrrp.fifo_error', path: f.path });
      }
    }
  }

  write(line: string): void {
    const bytes = Buffer.from(`${line}\n`);
    for (const fd of this.fds) {
      try {
        writeSync(fd, bytes);
      } catch (e) {
        this.log.warn(`Notify FIFO write failed (${(e as NodeJS.ErrnoException).code}): ${line}`, { event: 'vrrp.fifo_error' });
      }
    }
  }

  close(): void {
    for (const path of this.created.splice(0)) {
      try { unlinkSync(path); } catch { /* gone already */ }
    }
    for (const fd of this.fds.splice(0)) {
      try { closeSync(fd); } catch { /* already closed */ }
    }
  }
}
