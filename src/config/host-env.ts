// ConfigEnv on the running machine: host name, interfaces, files and users.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { hostname } from 'node:os';
import { delimiter, join } from 'node:path';
import type { ConfigEnv, FileInfo } from './env.js';

function lookupUser(name: string): { uid: number; gid: number } | undefined {
  try {
    for (const line of readFileSync('/etc/passwd', 'utf8').split('\n')) {
      const f = line.split(':');
      if (f[0] === name && f.length >= 4) return { uid: Number(f[2]), gid: Number(f[3]) };
    }
  } catch { /* no passwd file */ }
  return undefined;
}

/** Interface names inside a named network namespace (`ip -n NAME -o link`), or undefined if it cannot be read. */
function interfacesInNetns(name: string): Set<string> | undefined {
  const r = spawnSync('ip', ['-n', name, '-o', 'link', 'show'], { encoding: 'utf8', timeout: 5000 });
  if (r.status !== 0) return undefined;
  return new Set([...r.stdout.matchAll(/^\d+:\s+([^:@\s]+)/gm)].map((m) => m[1]));
}

export function hostEnv(opts: { checkInterfaces?: boolean } = {}): ConfigEnv {
  const env: ConfigEnv = {
    hostname: hostname(),
    interfaceExists: opts.checkInterfaces === false ? undefined : (name) => existsSync(`/sys/class/net/${name}`),
    fileInfo(path): FileInfo | undefined {
      try {
        const st = statSync(path);
        return { exists: true, isFile: st.isFile(), mode: st.mode, uid: st.uid, gid: st.gid };
      } catch {
        return { exists: false, isFile: false, mode: 0, uid: -1, gid: -1 };
      }
    },
    lookupUser,
    which(name) {
      for (const dir of (process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin').split(delimiter)) {
        const p = join(dir, name);
        if (existsSync(p)) return p;
      }
      return undefined;
    },
    inNetns(name) {
      if (!/^[\w.-]+$/.test(name) || !existsSync(`/run/netns/${name}`)) return undefined;
      const names = interfacesInNetns(name);
      if (!names) return undefined;
      return { ...env, interfaceExists: opts.checkInterfaces === false ? undefined : (n) => names.has(n) };
    },
  };
  return env;
}
