// A private network namespace for the checker tests that need a target that does not answer:
//   10.98.0.1  its own address, on a veth link to a second namespace (10.98.0.3);
//   10.99.0.2  routed via that second namespace, which does not forward: packets vanish, no ICMP error;
//   10.98.0.2  on the link, but nobody has it: ARP fails and the kernel reports ICMP host unreachable
//              (after ~0.3 s: 3 probes 100 ms apart); fd00:98::2 likewise for IPv6 (neighbour discovery).
// Names are unique per process; remove() deletes both namespaces (and with them the links).
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';

export interface CheckNetns {
  ns: string;
  /** Drops everything sent to it. */
  silent: string;
  /** Host unreachable (no ARP answer). */
  noArp: string;
  /** Address unreachable (no neighbour advertisement). */
  noNdp: string;
  /** The namespace's own address (answers pings). */
  own: string;
  remove(): void;
}

function run(args: string[]): void {
  const r = spawnSync('ip', args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`ip ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
}

export function createCheckNetns(): CheckNetns {
  const tag = `${process.pid}-${randomBytes(3).toString('hex')}`;
  const ns = `ktc-${tag}`;
  const far = `ktc-far-${tag}`;
  const short = randomBytes(4).toString('hex');
  const remove = () => {
    for (const n of [ns, far]) spawnSync('ip', ['netns', 'del', n]);
  };
  try {
    run(['netns', 'add', ns]);
    run(['netns', 'add', far]);
    run(['-n', ns, 'link', 'set', 'lo', 'up']);
    run(['-n', ns, 'link', 'add', `ka${short}`, 'type', 'veth', 'peer', 'name', `kb${short}`, 'netns', far]);
    run(['-n', ns, 'addr', 'add', '10.98.0.1/24', 'dev', `ka${short}`]);
    run(['-n', ns, 'addr', 'add', 'fd00:98::1/64', 'dev', `ka${short}`, 'nodad']);
    run(['-n', ns, 'link', 'set', `ka${short}`, 'up']);
    run(['-n', far, 'addr', 'add', '10.98.0.3/24', 'dev', `kb${short}`]);
    run(['-n', far, 'addr', 'add', 'fd00:98::3/64', 'dev', `kb${short}`, 'nodad']);
    run(['-n', far, 'link', 'set', `kb${short}`, 'up']);
    // the far namespace does not forward (the default): what is routed through it vanishes silently
    run(['-n', ns, 'route', 'add', '10.99.0.0/24', 'via', '10.98.0.3']);
    run(['netns', 'exec', ns, 'sysctl', '-qw', `net.ipv4.neigh.ka${short}.retrans_time_ms=100`, `net.ipv6.neigh.ka${short}.retrans_time_ms=100`]);
  } catch (e) {
    remove();
    throw e;
  }
  return { ns, silent: '10.99.0.2', noArp: '10.98.0.2', noNdp: 'fd00:98::2', own: '10.98.0.1', remove };
}

/** Runs an ES module snippet with node inside the namespace; resolves with its stdout (rejects on a non-zero exit). */
export function nodeInNetns(ns: string, code: string, timeoutMs = 20_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('ip', ['netns', 'exec', ns, process.execPath, '--input-type=module', '-e', code], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new Error(`node in ${ns} ended with ${code ?? signal}: ${err}`));
    });
  });
}
