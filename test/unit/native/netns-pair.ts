// Two private network namespaces joined by a veth pair, for the raw socket tests: A (10.112.0.1, fd00:112::1)
// and B (10.112.0.2, fd00:112::2). Names are unique per process; remove() deletes both, also after a failure.
import { spawnSync } from 'node:child_process';

export interface End {
  ns: string;
  dev: string;
  ifindex: number;
  mac: string;
  v4: string;
  v6: string;
  linkLocal: string;
}

export interface Pair {
  a: End;
  b: End;
  remove(): void;
}

export function run(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return r.stdout;
}

function sysctl(ns: string, key: string, value: number): void {
  run('ip', ['netns', 'exec', ns, 'sysctl', '-qw', `${key}=${value}`]);
}

interface IpLink {
  ifindex: number;
  address: string;
}
interface IpAddr {
  addr_info: { family: string; local: string; scope: string; tentative?: boolean }[];
}

function describe(ns: string, dev: string, v4: string, v6: string): End {
  const [link] = JSON.parse(run('ip', ['-n', ns, '-j', 'link', 'show', 'dev', dev])) as IpLink[];
  // The link-local address appears once the link is up; DAD is off, so it is usable at once.
  for (let i = 0; i < 200; i++) {
    const [addrs] = JSON.parse(run('ip', ['-n', ns, '-j', '-6', 'addr', 'show', 'dev', dev])) as IpAddr[];
    const ll = addrs?.addr_info.find((a) => a.scope === 'link' && !a.tentative);
    if (ll) return { ns, dev, ifindex: link!.ifindex, mac: link!.address, v4, v6, linkLocal: ll.local };
    spawnSync('sleep', ['0.01']);
  }
  throw new Error(`no link-local address on ${dev} in ${ns}`);
}

const PREFIX = 'ktn-';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Namespaces left by a test process that died before its after() hook (a crash in the addon, say): named
 * ktn-TAG-PID-a|b with PID gone. The processes still inside (a keepalived the dead test started) end too.
 */
function sweepStale(): void {
  const names = run('ip', ['netns', 'list']).split('\n').map((l) => l.split(' ')[0]!);
  for (const ns of names) {
    const m = /^ktn-[a-z]+-(\d+)-[ab]$/.exec(ns);
    if (!m || alive(Number(m[1]))) continue;
    for (const pid of run('ip', ['netns', 'pids', ns]).split(/\s+/).filter(Boolean)) spawnSync('kill', ['-KILL', pid]);
    spawnSync('ip', ['netns', 'del', ns]);
  }
}

export function createPair(tag: string): Pair {
  sweepStale();
  const id = `${tag}-${process.pid}`;
  const a = `${PREFIX}${id}-a`;
  const b = `${PREFIX}${id}-b`;
  const remove = () => {
    for (const ns of [a, b]) spawnSync('ip', ['netns', 'del', ns]);
  };
  try {
    for (const ns of [a, b]) {
      run('ip', ['netns', 'add', ns]);
      run('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
      // No duplicate address detection: IPv6 addresses, link-local ones too, are usable at once.
      sysctl(ns, 'net.ipv6.conf.default.accept_dad', 0);
      sysctl(ns, 'net.ipv6.conf.all.accept_dad', 0);
    }
    run('ip', ['link', 'add', 'vA', 'netns', a, 'type', 'veth', 'peer', 'name', 'vB', 'netns', b]);
    for (const [ns, dev, n] of [[a, 'vA', 1], [b, 'vB', 2]] as const) {
      run('ip', ['-n', ns, 'addr', 'add', `10.112.0.${n}/24`, 'dev', dev]);
      run('ip', ['-n', ns, 'addr', 'add', `fd00:112::${n}/64`, 'dev', dev, 'nodad']);
      run('ip', ['-n', ns, 'link', 'set', dev, 'up']);
    }
    return {
      a: describe(a, 'vA', '10.112.0.1', 'fd00:112::1'),
      b: describe(b, 'vB', '10.112.0.2', 'fd00:112::2'),
      remove,
    };
  } catch (e) {
    remove();
    throw e;
  }
}
