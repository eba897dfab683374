// Private network namespaces for running the reference keepalived.
//
// keepalived refuses or degrades configs whose interfaces do not exist, and a `dummy`
// interface disables VRRP on it, so every interface is one end of a veth pair (both ends
// live in the namespace, both up). Each namespace has a unique name (kt-or-<pid>-<n>) and
// is deleted on destroy, at process exit, and on failure paths.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';

export interface InterfaceSpec {
  name: string;
  /** CIDR addresses to assign; default from defaultAddressFor(name). */
  addresses?: string[];
}

export type InterfaceRequest = string | InterfaceSpec;

export interface ExecResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

export interface SpawnOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /**
   * Names under /run/netns that must resolve to this namespace for the spawned process
   * (for configs with `net_namespace NAME`). Done in the private mount namespace that
   * `ip netns exec` creates, so the host's /run/netns is never touched.
   */
  netnsAliases?: string[];
}

export interface ExecOptions extends SpawnOptions {
  /** Kill (SIGKILL) after this long; default 15 s. */
  timeoutMs?: number;
  input?: string;
}

export interface Netns {
  readonly name: string;
  /** Interface name -> assigned addresses. */
  readonly interfaces: ReadonlyMap<string, readonly string[]>;
  exec(argv: string[], opts?: ExecOptions): Promise<ExecResult>;
  spawn(argv: string[], opts?: SpawnOptions): ChildProcess;
  /** Create any of these interfaces that do not exist yet. */
  ensureInterfaces(requests: readonly InterfaceRequest[]): Promise<void>;
}

export interface OwnedNetns extends Netns {
  destroy(): Promise<void>;
}

export interface NetnsOptions {
  /** Interfaces to create; default DEFAULT_INTERFACES. */
  interfaces?: readonly InterfaceRequest[];
  /** Purpose tag in the name (kt-<tag>-<pid>-<n>); default "or" (oracle). */
  tag?: string;
}

export const DEFAULT_INTERFACES: readonly string[] = ['eth0', 'eth1', 'eth2', 'eth3'];

const IP = 'ip';
// Linux interface names: at most 15 bytes, no '/', ':' or white space.
const IFNAME_RE = /^[A-Za-z0-9_][A-Za-z0-9_.\-]{0,14}$/;

let counter = 0;
const live = new Set<string>();

function deleteLiveSync(): void {
  for (const name of live) spawnSync(IP, ['netns', 'del', name], { stdio: 'ignore' });
  live.clear();
}

// A test runner that exits or is interrupted mid-way must not leave namespaces behind.
let cleanupInstalled = false;
function installCleanup(): void {
  if (cleanupInstalled) return;
  cleanupInstalled = true;
  process.once('exit', deleteLiveSync);
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      deleteLiveSync();
      process.kill(process.pid, sig); // listener is gone: default action ends the process
    });
  }
}

export function isValidIfName(name: string): boolean {
  return IFNAME_RE.test(name) && name !== '.' && name !== '..' && !/^\d+$/.test(name);
}

/**
 * Deterministic addresses so dumps ("Using src_ip = ...") are stable across runs:
 * eth0 -> 192.168.200.10/24 (the samples' subnet), ethN -> 10.0.N.10/24,
 * anything else -> 10.1.H.10/24 with H a hash of the name.
 */
export function defaultAddressFor(name: string): string {
  if (name === 'eth0') return '192.168.200.10/24';
  const m = /^eth(\d{1,3})$/.exec(name);
  if (m && Number(m[1]) <= 255) return `10.0.${Number(m[1])}.10/24`;
  let h = 2166136261;
  for (const ch of name) h = Math.imul(h ^ ch.charCodeAt(0), 16777619) >>> 0;
  return `10.1.${h % 256}.10/24`;
}

function normalize(req: InterfaceRequest): InterfaceSpec {
  return typeof req === 'string' ? { name: req } : req;
}

/** Run a host command (not inside a namespace) and fail loudly on error. */
async function run(argv: string[], input?: string): Promise<ExecResult> {
  const res = await collect(spawn(argv[0], argv.slice(1), { stdio: ['pipe', 'pipe', 'pipe'] }), 15_000, input);
  if (res.code !== 0) {
    throw new Error(`command failed (rc ${res.code}): ${argv.join(' ')}\n${res.stderr}${res.stdout}`);
  }
  return res;
}

function collect(child: ChildProcess, timeoutMs: number, input?: string): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout?.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => {
      timedOut = true;
      if (child.pid) process.kill(child.pid, 'SIGKILL');
    }, timeoutMs);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, timedOut });
    });
    if (child.stdin) {
      child.stdin.on('error', () => undefined); // child may exit before reading
      child.stdin.end(input ?? '');
    }
  });
}

// sh prologue run inside `ip netns exec` (private mount namespace): map alias names under
// /run/netns onto the current namespace, then exec the real command.
const ALIAS_PROLOGUE =
  'set -e; mount -t tmpfs kt-oracle-netns /run/netns; ' +
  'while [ "$1" != "--" ]; do : > "/run/netns/$1"; mount --bind /proc/self/ns/net "/run/netns/$1"; shift; done; ' +
  'shift; exec "$@"';

function nsArgv(name: string, argv: string[], aliases: readonly string[] | undefined): string[] {
  const base = ['netns', 'exec', name];
  const wanted = (aliases ?? []).filter((a) => a !== name && /^[A-Za-z0-9_.\-]+$/.test(a));
  if (wanted.length === 0) return [...base, ...argv];
  return [...base, 'sh', '-c', ALIAS_PROLOGUE, 'kt-netns', ...wanted, '--', ...argv];
}

export async function createNetns(opts: NetnsOptions = {}): Promise<OwnedNetns> {
  const tag = opts.tag ?? 'or';
  const name = `kt-${tag}-${process.pid}-${++counter}`;
  if (name.length > 64) throw new Error(`namespace name too long: ${name}`);
  const interfaces = new Map<string, string[]>();
  let peerCount = 0;
  let destroyed = false;

  try {
    await run([IP, 'netns', 'add', name]);
  } catch (err) {
    throw new Error(
      `cannot create network namespace ${name} (need root and iproute2): ${(err as Error).message}`,
    );
  }
  live.add(name);
  installCleanup();

  async function addInterfaces(requests: readonly InterfaceRequest[]): Promise<void> {
    const todo = requests.map(normalize).filter((s) => !interfaces.has(s.name));
    const seen = new Set<string>();
    const added = new Map<string, string[]>();
    const cmds: string[] = [];
    for (const spec of todo) {
      if (seen.has(spec.name)) continue;
      seen.add(spec.name);
      if (!isValidIfName(spec.name)) throw new Error(`invalid interface name: ${JSON.stringify(spec.name)}`);
      // Peer names are unlikely to appear in any keepalived config.
      const peer = `ktp${++peerCount}`;
      const addrs = spec.addresses ?? [defaultAddressFor(spec.name)];
      cmds.push(`link add ${spec.name} type veth peer name ${peer}`);
      cmds.push(`link set ${peer} up`);
      cmds.push(`link set ${spec.name} up`);
      for (const a of addrs) cmds.push(`addr add ${a} dev ${spec.name}`);
      added.set(spec.name, addrs);
    }
    if (cmds.length === 0) return;
    await run([IP, '-n', name, '-batch', '-'], cmds.join('\n') + '\n');
    for (const [ifname, addrs] of added) interfaces.set(ifname, addrs);
  }

  let queue: Promise<unknown> = Promise.resolve();
  const ns: OwnedNetns = {
    name,
    interfaces,
    exec(argv, eopts = {}) {
      const child = ns.spawn(argv, eopts);
      return collect(child, eopts.timeoutMs ?? 15_000, eopts.input);
    },
    spawn(argv, sopts = {}) {
      if (destroyed) throw new Error(`namespace ${name} already destroyed`);
      return spawn(IP, nsArgv(name, argv, sopts.netnsAliases), {
        cwd: sopts.cwd,
        env: sopts.env ?? process.env,
        stdio: ['pipe', 'pipe', 'pipe'],
      });
    },
    ensureInterfaces(requests) {
      // Serialized: a caller must not see an interface as present while another call is
      // still creating it.
      const step = queue.then(() => addInterfaces(requests));
      queue = step.catch(() => undefined);
      return step;
    },
    async destroy() {
      if (destroyed) return;
      destroyed = true;
      // Anything still running in our namespace was started by us (e.g. a keepalived child
      // whose parent was SIGKILLed); end it by PID before deleting the namespace.
      const pids = spawnSync(IP, ['netns', 'pids', name], { encoding: 'utf8' }).stdout ?? '';
      for (const p of pids.split(/\s+/).filter(Boolean)) {
        try {
          process.kill(Number(p), 'SIGKILL');
        } catch {
          /* already gone */
        }
      }
      try {
        await run([IP, 'netns', 'del', name]);
      } finally {
        live.delete(name);
      }
    },
  };

  try {
    // lo up; no IPv6 DAD so link-local addresses (IPv6 VRRP source) are usable at once.
    await run([IP, '-n', name, 'link', 'set', 'lo', 'up']);
    await ns.exec(['sysctl', '-q', '-w', 'net.ipv6.conf.default.accept_dad=0', 'net.ipv6.conf.all.accept_dad=0']);
    await ns.ensureInterfaces(opts.interfaces ?? DEFAULT_INTERFACES);
  } catch (err) {
    await ns.destroy().catch(() => undefined);
    throw err;
  }
  return ns;
}

/** Run fn with a fresh namespace that is always deleted afterwards. */
export async function withNetns<T>(opts: NetnsOptions, fn: (ns: Netns) => Promise<T>): Promise<T> {
  const ns = await createNetns(opts);
  try {
    return await fn(ns);
  } finally {
    await ns.destroy();
  }
}
