// ConfigEnv on the running machine: host name, interfaces, files and users.
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

export function hostEnv(opts: { checkInterfaces?: boolean } = {}): ConfigEnv {
  return {
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
  };
}
