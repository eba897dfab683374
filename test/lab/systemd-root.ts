// A Debian root file system that boots real systemd inside User-Mode Linux, for testing the packaged unit.
// The lab's usual root is the host's own (hostfs, init = a script), which has no running systemd; here
// debootstrap makes a minimal root once (cached under /var/cache/keepalived-ts, about a minute the first
// time), each run boots a private copy of it, so nothing the guest writes reaches the cache or the host.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { umlBinary } from './uml.js';

export const CACHE_DIR = process.env.KT_SYSTEMD_ROOT_CACHE ?? '/var/cache/keepalived-ts';
/** What the guest needs beyond minbase: systemd as init, ip for the veth pair, modprobe for the kernel's
 * module requests, ipvsadm to look at the table, ps; dbus because systemd expects it on a normal boot. */
const INCLUDE = ['systemd', 'systemd-sysv', 'iproute2', 'kmod', 'procps', 'ipvsadm', 'dbus'];
const ROOT_VERSION = 1;

function codename(): string {
  const m = /^VERSION_CODENAME=(\S+)$/m.exec(readFileSync('/etc/os-release', 'utf8'));
  if (!m) throw new Error('cannot tell the Debian release from /etc/os-release (VERSION_CODENAME)');
  return m[1];
}

/** The cached root, made with debootstrap if missing (built aside, then renamed, so a failed run leaves nothing). */
export function systemdRoot(): string {
  const suite = codename();
  const root = join(CACHE_DIR, `uml-systemd-${suite}-v${ROOT_VERSION}`);
  if (existsSync(join(root, 'lib/systemd/systemd'))) return root;
  if (!existsSync('/usr/sbin/debootstrap')) {
    throw new Error('debootstrap is needed to make the systemd lab root (apt-get install debootstrap)');
  }
  mkdirSync(CACHE_DIR, { recursive: true });
  const building = `${root}.building-${process.pid}`;
  rmSync(building, { recursive: true, force: true });
  const mirror = process.env.KT_DEBIAN_MIRROR ?? 'http://deb.debian.org/debian';
  const r = spawnSync('debootstrap', ['--variant=minbase', `--include=${INCLUDE.join(',')}`, suite, building, mirror], {
    encoding: 'utf8',
    timeout: 900_000,
  });
  if (r.status !== 0) {
    rmSync(building, { recursive: true, force: true });
    throw new Error(`debootstrap ${suite} failed (status ${r.status}${r.error ? `, ${r.error.message}` : ''}):\n${(r.stdout + r.stderr).slice(-3000)}`);
  }
  spawnSync('chroot', [building, 'apt-get', 'clean'], { timeout: 60_000 });
  renameSync(building, root);
  return root;
}

/** The UML kernel's modules directory (/usr/lib/uml/modules/VERSION): the guest's /lib/modules/VERSION. */
export function umlModules(): { version: string; dir: string } {
  const base = '/usr/lib/uml/modules';
  const versions = existsSync(base) ? readdirSync(base) : [];
  if (versions.length !== 1) throw new Error(`expected one kernel version under ${base}, found: ${versions.join(', ') || 'none'}`);
  return { version: versions[0], dir: join(base, versions[0]) };
}

/** A private copy of the cached root with the UML kernel's modules and this process's node in it. */
export function prepareGuestRoot(into: string): string {
  const root = join(into, 'root');
  const mods = umlModules();
  // cp -a: the root holds device nodes and owners that must come across as they are
  mkdirSync(into, { recursive: true });
  for (const [from, to] of [[systemdRoot(), root], [mods.dir, join(root, 'lib/modules', mods.version)], [process.execPath, join(root, 'usr/local/bin/node')]]) {
    mkdirSync(dirname(to), { recursive: true });
    const r = spawnSync('cp', ['-a', from, to], { encoding: 'utf8', timeout: 120_000 });
    if (r.status !== 0) throw new Error(`cp -a ${from} ${to}: ${r.stderr || r.error?.message}`);
  }
  return root;
}

/** Boots the guest with systemd as PID 1 and waits until it powers off (or kills it after timeoutMs). */
export function bootSystemd(root: string, workDir: string, timeoutMs: number): Promise<{ console: string; timedOut: boolean; ms: number }> {
  const umlDir = join(workDir, 'uml');
  mkdirSync(umlDir, { recursive: true });
  const args = [
    'mem=768M', 'rootfstype=hostfs', `rootflags=${root}`, 'rw', 'init=/lib/systemd/systemd',
    'con=null', 'con0=fd:0,fd:1', `uml_dir=${umlDir}`, `umid=kt-sd-${process.pid}-${workDir.slice(-6)}`,
  ];
  const started = Date.now();
  return new Promise((resolve, reject) => {
    // Its own process group: UML's helper processes end with it when the group is killed.
    const child = spawn(umlBinary(), args, { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    const pgid = child.pid;
    const kill = () => {
      if (pgid !== undefined) try { process.kill(-pgid, 'SIGKILL'); } catch { /* gone */ }
    };
    // a test run stopped by a signal must not leave the guest running
    const onSignal = (sig: NodeJS.Signals) => {
      kill();
      process.kill(process.pid, sig);
    };
    const watch = (on: boolean) => {
      if (on) {
        process.on('exit', kill);
        process.once('SIGINT', onSignal);
        process.once('SIGTERM', onSignal);
      } else {
        process.off('exit', kill);
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
    };
    watch(true);
    let text = '';
    const collect = (b: Buffer) => {
      text = (text + b.toString('utf8')).slice(-400_000);
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      kill();
    }, timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      watch(false);
      reject(new Error(`cannot start ${umlBinary()}: ${e.message}`));
    });
    child.on('close', () => {
      clearTimeout(timer);
      kill(); // helpers that outlived the kernel
      watch(false);
      resolve({ console: text, timedOut, ms: Date.now() - started });
    });
  });
}
