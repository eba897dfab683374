// The no_accept firewall applied with Debian's `nft` (keepalived 2.2.7 speaks nf_tables netlink itself;
// the batches here produce the same tables, sets, chains and rule bytecode — src/vrrp/firewall.ts). Each
// change is one `nft -f -` transaction: tables and chains once, then set elements added and deleted by
// diff; only our own table is ever created or deleted. Calls are serialised; a failed batch is logged
// (never thrown) and the next change rebuilds our tables from scratch, since their contents are then
// unknown. Without nft, an error says loudly that VIP traffic is not filtered.
import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import type { Log } from '../lib/log.js';
import {
  cleanupScript, desiredElements, emptyFirewall, planFirewall,
  type FirewallElement, type FirewallPort, type FirewallSettings, type FirewallState,
} from '../vrrp/firewall.js';

const NFT_PATHS = ['/usr/sbin/nft', '/sbin/nft', '/usr/bin/nft', '/bin/nft'];

/** Where Debian's nft is, if installed. */
export function findNft(): string | undefined {
  for (const p of NFT_PATHS) {
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch { /* next */ }
  }
  return undefined;
}

export interface NftablesOptions {
  /** The nft binary; default: found in /usr/sbin, /sbin, /usr/bin, /bin. Null: not installed. */
  nft?: string | null;
  /** Limit for one nft run (killed after it). */
  timeoutMs?: number;
}

export interface NftResult {
  ok: boolean;
  error?: string;
  missing?: boolean;
}

/** Runs `nft -f -` with `script` on stdin. Never throws. */
export function runNft(nft: string, script: string, timeoutMs: number): Promise<NftResult> {
  return new Promise((resolve) => {
    let stderr = '';
    let settled = false;
    const done = (r: NftResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(r);
    };
    const child = spawn(nft, ['-f', '-'], { stdio: ['pipe', 'ignore', 'pipe'] });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      done({ ok: false, error: `no answer within ${timeoutMs} ms (killed)` });
    }, timeoutMs);
    child.stderr!.on('data', (d) => (stderr += d));
    child.on('error', (e: NodeJS.ErrnoException) => done({ ok: false, error: e.message, missing: e.code === 'ENOENT' }));
    child.on('close', (code, signal) => {
      if (code === 0) done({ ok: true });
      else done({ ok: false, error: `${signal ? `killed by ${signal}` : `exit ${code}`}: ${stderr.trim().split('\n').slice(0, 6).join(' | ')}` });
    });
    child.stdin!.on('error', () => undefined); // nft gone early: 'close' reports it
    child.stdin!.end(script);
  });
}

export class NftablesFirewall implements FirewallPort {
  private state: FirewallState = emptyFirewall;
  /** Each master's elements, in the order instances took their rules (table order follows it). */
  private readonly byInstance = new Map<string, readonly FirewallElement[]>();
  private busy: Promise<void> = Promise.resolve();
  private readonly nft?: string;
  private readonly timeoutMs: number;
  private missingLogged = false;
  private rebuild = false;

  constructor(private readonly settings: FirewallSettings, private readonly log: Log, opts: NftablesOptions = {}) {
    this.nft = opts.nft === null ? undefined : (opts.nft ?? findNft());
    this.timeoutMs = opts.timeoutMs ?? 5000;
    if (!this.nft) this.reportMissing();
  }

  /** The installed state (tests). */
  get current(): FirewallState {
    return this.state;
  }

  instance(name: string, elements: readonly FirewallElement[] | undefined): Promise<void> {
    if (elements) {
      // a re-added instance moves to the end, as its elements would in keepalived's order
      this.byInstance.delete(name);
      this.byInstance.set(name, elements);
    } else if (!this.byInstance.delete(name)) return this.busy;
    return this.serial(() => this.sync());
  }

  /** Stop: our tables go (keepalived does this at stop even with -V, which leaves the VIPs). */
  stop(): Promise<void> {
    this.byInstance.clear();
    return this.serial(async () => {
      const script = cleanupScript(this.state, this.settings);
      this.state = emptyFirewall;
      this.rebuild = false;
      if (script) await this.apply(script, 'remove the tables');
    });
  }

  /** Resolves once every change asked for so far has been tried. */
  idle(): Promise<void> {
    return this.busy;
  }

  private async sync(): Promise<void> {
    const desired = desiredElements(this.byInstance.values());
    const plan = planFirewall(this.state, desired, this.settings, { rebuild: this.rebuild });
    if (!plan.script) return;
    if (await this.apply(plan.script, 'update the VIP drop rules')) {
      this.state = plan.state;
      this.rebuild = false;
      return;
    }
    if (!this.nft) return;
    // the kernel may hold something else than we think (a set flushed by hand): start over at once
    const again = planFirewall(this.state, desired, this.settings, { rebuild: true });
    if (await this.apply(again.script, 'rebuild the VIP drop rules')) {
      this.state = again.state;
      this.rebuild = false;
    } else this.rebuild = true;
  }

  private async apply(script: string, what: string): Promise<boolean> {
    if (!this.nft) {
      this.reportMissing();
      return false;
    }
    const r = await runNft(this.nft, script, this.timeoutMs);
    if (r.ok) return true;
    if (r.missing) this.reportMissing();
    else {
      this.log.error(`nftables: cannot ${what} in table ${this.settings.table}: ${r.error}; VIP traffic is NOT being filtered as keepalived would`, {
        event: 'vrrp.nftables_failed', table: this.settings.table,
      });
    }
    return false;
  }

  private reportMissing(): void {
    if (this.missingLogged) return;
    this.missingLogged = true;
    this.log.error(
      `nftables: the nft command is not installed (Debian package nftables); no_accept/vrrp_strict VIP traffic is NOT being filtered as keepalived would`,
      { event: 'vrrp.nftables_missing', table: this.settings.table },
    );
  }

  private serial(fn: () => Promise<void>): Promise<void> {
    const next = this.busy.then(fn, fn).catch((e: unknown) => {
      this.log.error(`nftables: ${(e as Error).message}`, { event: 'vrrp.nftables_failed' });
    });
    this.busy = next;
    return next;
  }
}
