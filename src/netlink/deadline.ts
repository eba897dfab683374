// Time limits for the requests a netlink client has outstanding, swept by one timer per client rather
// than a timer per request: every setTimeout reads the clock, and where reading the clock is a system
// call (User-Mode Linux has no vDSO) a timer per request cost more than the request itself.
//
// The sweep runs every limit/4; a request gives up on the fifth sweep after it was sent, so after at
// least the limit and at most 1.25 times it. On an event loop running seconds behind, the sweep and the
// kernel's answer can be due together, and timers run before I/O: the answer gets one turn of I/O
// (setImmediate follows the poll phase) before a request is given up.
const SWEEPS = 4;

export class RequestDeadlines {
  private readonly items = new Map<number, { sweep: number; giveUp: () => void }>();
  private sweeps = 0;
  private timer?: NodeJS.Timeout;

  constructor(private readonly limitMs: number) {}

  /** `giveUp` runs once the request `key` has been outstanding for the limit, unless removed first. */
  add(key: number, giveUp: () => void): void {
    this.items.set(key, { sweep: this.sweeps, giveUp });
    if (!this.timer) {
      // it runs only while requests are outstanding, so it may keep the process alive
      this.timer = setInterval(() => this.sweep(), Math.max(1, this.limitMs / SWEEPS));
    }
  }

  /** The request was answered (or failed): no deadline any more. */
  remove(key: number): void {
    this.items.delete(key);
    if (this.items.size === 0) this.stop();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private sweep(): void {
    const now = ++this.sweeps;
    setImmediate(() => {
      for (const [key, item] of this.items) {
        if (now - item.sweep <= SWEEPS) break; // in the order sent: the rest are younger
        this.items.delete(key);
        item.giveUp();
      }
      if (this.items.size === 0) this.stop();
    });
  }
}
