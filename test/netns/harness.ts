// A LAN of network namespaces for VRRP between real daemons: a hub namespace with a bridge (br0, no STP,
// no multicast snooping) and nodes a, b, c... each with eth0 (10.120.0.N/24, fd00:120::N/64, link-local)
// on a bridge port. Nodes run our daemon (`-P`) or Debian's keepalived 2.2.7 with the same configuration
// text. The LAN can be cut per node (bridge port disabled: carrier stays up, nothing passes) or a node's
// link taken down; tcpdump on br0 records everything. remove() ends every process this LAN started and
// deletes its namespaces, also after a failure.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readPcap, type Frame } from './pcap.js';

export const KEEPALIVED = '/usr/sbin/keepalived';
const MAIN = resolve(dirname(fileURLToPath(import.meta.url)), '../../src/cli/main.js');
const PREFIX = 'ktv-';

export function run(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return r.stdout;
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Namespaces of test processes that died before cleaning up (ktv-TAG-PID-x with PID gone), and what runs in them. */
function sweepStale(): void {
  for (const ns of run('ip', ['netns', 'list']).split('\n').map((l) => l.split(' ')[0]!)) {
    const m = /^ktv-[a-z0-9]+-(\d+)-[a-z]$/.exec(ns);
    if (!m || alive(Number(m[1]))) continue;
    for (const pid of run('ip', ['netns', 'pids', ns]).split(/\s+/).filter(Boolean)) spawnSync('kill', ['-KILL', pid]);
    spawnSync('ip', ['netns', 'del', ns]);
  }
}

export interface LanNode {
  name: string;
  ns: string;
  dev: 'eth0';
  /** The node's port on the hub's bridge. */
  port: string;
  v4: string;
  v6: string;
  linkLocal: string;
  mac: string;
}

export type DaemonKind = 'ours' | 'keepalived';

export interface DaemonOptions {
  /** Ours without -P (VRRP in a worker thread, the checker only if virtual servers are configured). */
  combined?: boolean;
  /**
   * keepalived started in the initial namespace with `-s NS` instead of under `ip netns exec`: only so does
   * its proc connector (track_process) work — inside a namespace the kernel refuses the listener.
   */
  namespaceOption?: boolean;
  /** More command-line flags, given to either daemon (e.g. -X). */
  extraArgs?: readonly string[];
}

export class Daemon {
  out = '';
  readonly exited: Promise<number | null>;
  private readonly child: ChildProcess;

  constructor(readonly kind: DaemonKind, readonly node: LanNode, readonly dir: string, conf: string, opts: DaemonOptions = {}) {
    mkdirSync(dir, { recursive: true });
    const file = join(dir, 'keepalived.conf');
    writeFileSync(file, conf);
    const args = kind === 'ours'
      ? [process.execPath, MAIN, ...(opts.combined ? [] : ['-P']), '-n', '-l', '-D', '-f', file, '-p', join(dir, 'o.pid'), '-r', join(dir, 'ov.pid'), '-c', join(dir, 'oc.pid')]
      : [KEEPALIVED, '-P', '-n', '-l', '-D', '-G', '-f', file, '-p', join(dir, 'k.pid'), '-r', join(dir, 'v.pid')];
    args.push(...(opts.extraArgs ?? []));
    // keepalived -s enters the namespace itself, after opening its proc connector socket where it works
    const cmd = opts.namespaceOption && kind === 'keepalived' ? [args[0], '-s', node.ns, ...args.slice(1)] : ['ip', 'netns', 'exec', node.ns, ...args];
    // its own process group, so a crash can be simulated for the whole daemon (keepalived: parent and child)
    this.child = spawn(cmd[0], cmd.slice(1), {
      stdio: ['ignore', 'pipe', 'pipe'], detached: true, env: { ...process.env, TMPDIR: dir },
    });
    this.child.stdout!.on('data', (d) => (this.out += d));
    this.child.stderr!.on('data', (d) => (this.out += d));
    this.exited = new Promise((r) => this.child.on('exit', (code) => r(code)));
  }

  get pid(): number {
    return this.child.pid!;
  }

  /**
   * Resolves once the daemon has logged its start-up ("Startup complete", ours and keepalived alike) or has
   * exited. Our daemon starts two Node processes (parent and VRRP child), which can take seconds on a loaded
   * machine: the timings the tests assert begin after this, not at spawn.
   */
  async started(ms = 60_000): Promise<void> {
    const end = Date.now() + ms;
    while (Date.now() < end && this.running && !/Startup complete/.test(this.out)) await sleep(20);
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Where the log is now; waitFor(re, ms, mark) looks only after it. */
  mark(): number {
    return this.out.length;
  }

  async waitFor(re: RegExp, ms: number, from = 0): Promise<void> {
    const end = Date.now() + ms;
    while (Date.now() < end) {
      if (re.test(this.out.slice(from))) return;
      await sleep(20);
    }
    throw new Error(`${this.kind} on ${this.node.name}: no ${re} within ${ms} ms; log:\n${this.out.slice(-3000)}`);
  }

  /** A crash: SIGKILL to the whole process group. */
  kill9(): void {
    try { process.kill(-this.pid, 'SIGKILL'); } catch { /* gone */ }
  }

  signal(sig: NodeJS.Signals): void {
    try { process.kill(this.pid, sig); } catch { /* gone */ }
  }

  /** SIGTERM and wait for the exit (SIGKILL after `ms`). */
  async stop(ms = 5000): Promise<void> {
    if (!this.running) return;
    this.signal('SIGTERM');
    const t = setTimeout(() => this.kill9(), ms);
    await this.exited;
    clearTimeout(t);
  }

  /** Our statistics dump (SIGUSR2 → $TMPDIR/keepalived.stats). */
  async stats(): Promise<string> {
    const file = join(this.dir, 'keepalived.stats');
    rmSync(file, { force: true });
    this.signal('SIGUSR2');
    const end = Date.now() + 3000;
    while (Date.now() < end) {
      if (existsSync(file)) {
        const text = readFileSync(file, 'utf8');
        if (text) return text;
      }
      await sleep(20);
    }
    throw new Error(`no ${file}`);
  }
}

export class Capture {
  private readonly child: ChildProcess;
  private err = '';
  readonly ready: Promise<void>;

  constructor(ns: string, dev: string, readonly file: string) {
    this.child = spawn('ip', ['netns', 'exec', ns, 'tcpdump', '-i', dev, '--immediate-mode', '-U', '-n', '-s', '256', '-w', file], { stdio: ['ignore', 'ignore', 'pipe'] });
    this.ready = new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`tcpdump did not start: ${this.err}`)), 5000);
      this.child.stderr!.on('data', (d) => {
        this.err += d;
        if (/listening on/.test(this.err)) {
          clearTimeout(t);
          resolve();
        }
      });
    });
  }

  /** Frames so far (tcpdump -U writes each packet at once). */
  frames(): Frame[] {
    return existsSync(this.file) ? readPcap(this.file) : [];
  }

  async stop(): Promise<Frame[]> {
    if (this.child.exitCode === null) {
      const done = new Promise((r) => this.child.on('exit', r));
      this.child.kill('SIGINT');
      await done;
    }
    return this.frames();
  }
}

export class Lan {
  readonly nodes: LanNode[] = [];
  readonly hub: string;
  readonly dir: string;
  private readonly daemons: Daemon[] = [];
  private readonly captures: Capture[] = [];
  private seq = 0;

  private constructor(readonly tag: string, count: number) {
    const id = `${tag}-${process.pid}`;
    this.hub = `${PREFIX}${id}-h`;
    this.dir = mkdtempSync(join(tmpdir(), `kt-${tag}-`));
    const names = 'abcdefg'.slice(0, count).split('');
    try {
      run('ip', ['netns', 'add', this.hub]);
      run('ip', ['-n', this.hub, 'link', 'add', 'br0', 'type', 'bridge', 'stp_state', '0', 'mcast_snooping', '0']);
      run('ip', ['-n', this.hub, 'link', 'set', 'br0', 'up']);
      names.forEach((name, i) => {
        const ns = `${PREFIX}${id}-${name}`;
        const n = i + 1;
        run('ip', ['netns', 'add', ns]);
        run('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
        for (const k of ['default', 'all']) run('ip', ['netns', 'exec', ns, 'sysctl', '-qw', `net.ipv6.conf.${k}.accept_dad=0`]);
        run('ip', ['-n', this.hub, 'link', 'add', `p${name}`, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns]);
        run('ip', ['-n', this.hub, 'link', 'set', `p${name}`, 'master', 'br0', 'up']);
        run('ip', ['-n', ns, 'addr', 'add', `10.120.0.${n}/24`, 'dev', 'eth0']);
        run('ip', ['-n', ns, 'addr', 'add', `fd00:120::${n}/64`, 'dev', 'eth0', 'nodad']);
        run('ip', ['-n', ns, 'link', 'set', 'eth0', 'up']);
        this.nodes.push({ name, ns, dev: 'eth0', port: `p${name}`, v4: `10.120.0.${n}`, v6: `fd00:120::${n}`, linkLocal: '', mac: '' });
      });
      for (const node of this.nodes) this.describe(node);
    } catch (e) {
      this.remove();
      throw e;
    }
  }

  static create(tag: string, count = 2): Lan {
    sweepStale();
    return new Lan(tag, count);
  }

  private describe(node: LanNode): void {
    const [link] = JSON.parse(run('ip', ['-n', node.ns, '-j', 'link', 'show', 'dev', 'eth0'])) as Array<{ address: string }>;
    node.mac = link!.address;
    for (let i = 0; i < 300; i++) {
      const [a] = JSON.parse(run('ip', ['-n', node.ns, '-j', '-6', 'addr', 'show', 'dev', 'eth0'])) as Array<{ addr_info: Array<{ scope: string; local: string; tentative?: boolean }> }>;
      const ll = a?.addr_info.find((x) => x.scope === 'link' && !x.tentative);
      if (ll) {
        node.linkLocal = ll.local;
        return;
      }
      spawnSync('sleep', ['0.01']);
    }
    throw new Error(`no link-local address on ${node.ns}`);
  }

  node(name: string): LanNode {
    return this.nodes.find((n) => n.name === name)!;
  }

  /** `combined`: ours without -P (a VRRP child, and a checker child only if virtual servers are configured). */
  start(kind: DaemonKind, node: string, conf: string, opts: DaemonOptions = {}): Daemon {
    const d = new Daemon(kind, this.node(node), join(this.dir, `${node}-${kind}-${++this.seq}`), conf, opts);
    this.daemons.push(d);
    return d;
  }

  async capture(): Promise<Capture> {
    const c = new Capture(this.hub, 'br0', join(this.dir, `lan-${++this.seq}.pcap`));
    this.captures.push(c);
    await c.ready;
    return c;
  }

  /** Addresses on the node's eth0 (IPv4 and IPv6, without prefix). */
  addresses(node: string): string[] {
    const [a] = JSON.parse(run('ip', ['-n', this.node(node).ns, '-j', 'addr', 'show', 'dev', 'eth0'])) as Array<{ addr_info: Array<{ local: string }> }>;
    return a?.addr_info.map((x) => x.local) ?? [];
  }

  /** Every running daemon has finished its start-up. */
  async allStarted(): Promise<void> {
    await Promise.all(this.daemons.filter((d) => d.running).map((d) => d.started()));
  }

  /** Which nodes hold `vip` now. */
  holders(vip: string): string[] {
    return this.nodes.filter((n) => this.addresses(n.name).includes(vip)).map((n) => n.name);
  }

  /** Polls until `vip` is held by exactly `who` (node names); resolves with the ms it took. */
  async waitHolders(vip: string, who: string[], ms: number): Promise<number> {
    await this.allStarted();
    const start = Date.now();
    const want = [...who].sort().join(',');
    let now = '';
    while (Date.now() - start < ms) {
      now = this.holders(vip).sort().join(',');
      if (now === want) return Date.now() - start;
      await sleep(20);
    }
    throw new Error(`${vip} held by [${now}] after ${ms} ms, expected [${want}]`);
  }

  /** Asserts the holders of `vip` do not change for `ms`. */
  async steadyHolders(vip: string, who: string[], ms: number): Promise<void> {
    await this.allStarted();
    const end = Date.now() + ms;
    const want = [...who].sort().join(',');
    while (Date.now() < end) {
      const now = this.holders(vip).sort().join(',');
      if (now !== want) throw new Error(`${vip} held by [${now}], expected [${want}] throughout`);
      await sleep(50);
    }
  }

  /** Cuts the node off the LAN without touching its carrier (bridge port disabled). */
  cut(node: string): void {
    run('ip', ['netns', 'exec', this.hub, 'bridge', 'link', 'set', 'dev', this.node(node).port, 'state', '0']);
  }

  heal(node: string): void {
    run('ip', ['netns', 'exec', this.hub, 'bridge', 'link', 'set', 'dev', this.node(node).port, 'state', '3']);
  }

  /** Carrier loss on the node's eth0 (its bridge-side peer goes down). */
  linkDown(node: string): void {
    run('ip', ['-n', this.hub, 'link', 'set', this.node(node).port, 'down']);
  }

  linkUp(node: string): void {
    run('ip', ['-n', this.hub, 'link', 'set', this.node(node).port, 'up']);
  }

  /** A second link on the node to track (veth trk0 ↔ trk0p, both up): no dummy driver on this kernel. */
  addTrackLink(node: string): void {
    const ns = this.node(node).ns;
    run('ip', ['-n', ns, 'link', 'add', 'trk0', 'type', 'veth', 'peer', 'name', 'trk0p']);
    run('ip', ['-n', ns, 'link', 'set', 'trk0p', 'up']);
    run('ip', ['-n', ns, 'link', 'set', 'trk0', 'up']);
  }

  setTrackLink(node: string, up: boolean): void {
    run('ip', ['-n', this.node(node).ns, 'link', 'set', 'trk0', up ? 'up' : 'down']);
  }

  ifindex(node: string): number {
    const [l] = JSON.parse(run('ip', ['-n', this.node(node).ns, '-j', 'link', 'show', 'dev', 'eth0'])) as Array<{ ifindex: number }>;
    return l!.ifindex;
  }

  /** Stops every daemon (SIGTERM, then SIGKILL) and capture this LAN started. */
  async stopAll(): Promise<void> {
    await Promise.all(this.daemons.filter((d) => d.running).map((d) => d.stop(3000)));
    for (const c of this.captures) await c.stop().catch(() => undefined);
  }

  remove(): void {
    for (const d of this.daemons) if (d.running) d.kill9();
    for (const ns of [this.hub, ...this.nodes.map((n) => n.ns)]) {
      if (!existsSync(`/run/netns/${ns}`)) continue;
      for (const pid of spawnSync('ip', ['netns', 'pids', ns], { encoding: 'utf8' }).stdout.split(/\s+/).filter(Boolean)) {
        // only what this LAN started runs in its namespaces
        spawnSync('kill', ['-KILL', pid]);
      }
      spawnSync('ip', ['netns', 'del', ns]);
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export interface InstanceOptions {
  name?: string;
  vrid?: number;
  priority: number;
  version?: 2 | 3;
  advertInt?: number;
  vips: string[];
  /** Extra lines inside the instance block. */
  extra?: string;
  unicastSrc?: string;
  peers?: string[];
}

/** A vrrp_instance block both daemons read the same way. */
export function instance(o: InstanceOptions): string {
  const lines = [
    `vrrp_instance ${o.name ?? 'VI_1'} {`,
    '  state BACKUP',
    '  interface eth0',
    `  virtual_router_id ${o.vrid ?? 51}`,
    `  priority ${o.priority}`,
    `  advert_int ${o.advertInt ?? 1}`,
  ];
  if (o.version) lines.push(`  version ${o.version}`);
  if (o.unicastSrc) lines.push(`  unicast_src_ip ${o.unicastSrc}`);
  if (o.peers) lines.push('  unicast_peer {', ...o.peers.map((p) => `    ${p}`), '  }');
  if (o.extra) lines.push(o.extra);
  lines.push('  virtual_ipaddress {', ...o.vips.map((v) => `    ${v}`), '  }', '}');
  return lines.join('\n') + '\n';
}

export function config(...blocks: string[]): string {
  return ['global_defs {', '  router_id kt_netns', '}', ...blocks].join('\n');
}

/** RFC 3768 / keepalived v2 master-down interval (ms) for a backup with `priority`. */
export function masterDownV2(priority: number, advertIntS = 1): number {
  return 3 * advertIntS * 1000 + ((256 - priority) * 1000) / 256;
}

/** RFC 5798 master-down interval (ms). */
export function masterDownV3(priority: number, advertIntS: number): number {
  return 3 * advertIntS * 1000 + ((256 - priority) * advertIntS * 1000) / 256;
}
