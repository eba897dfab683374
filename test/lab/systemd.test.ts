// The Debian package under real systemd: packaging/build-deb.sh's .deb installed with dpkg into a private
// copy of a debootstrap root (test/lab/systemd-root.ts), booted in User-Mode Linux with systemd as PID 1;
// a oneshot unit there starts, reloads and stops keepalived-ts.service and reads journalctl -u. One boot
// (~40 s) for the whole file.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bootSystemd, prepareGuestRoot } from './systemd-root.js';
import { LAB_SCRIPT, LAB_UNIT, VIP, labConfig } from './systemd-guest.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

/** Capability numbers (include/uapi/linux/capability.h) of the names the unit may list. */
const CAP_BITS: Record<string, number> = {
  CAP_CHOWN: 0, CAP_DAC_OVERRIDE: 1, CAP_DAC_READ_SEARCH: 2, CAP_FOWNER: 3, CAP_FSETID: 4, CAP_KILL: 5,
  CAP_SETGID: 6, CAP_SETUID: 7, CAP_SETPCAP: 8, CAP_NET_BIND_SERVICE: 10, CAP_NET_BROADCAST: 11,
  CAP_NET_ADMIN: 12, CAP_NET_RAW: 13, CAP_IPC_LOCK: 14, CAP_SYS_MODULE: 16, CAP_SYS_CHROOT: 18,
  CAP_SYS_PTRACE: 19, CAP_SYS_ADMIN: 21, CAP_SYS_NICE: 23, CAP_SYS_RESOURCE: 24,
};

let work: string;
let guest: string;
let out: string;
let consoleText = '';

function file(name: string): string {
  const p = join(out, name);
  assert.ok(existsSync(p), `the guest did not write ${name}\n--- trace ---\n${read('trace').slice(-3000)}\n--- console (tail) ---\n${consoleText.slice(-3000)}`);
  return readFileSync(p, 'utf8');
}
function read(name: string): string {
  try { return readFileSync(join(out, name), 'utf8'); } catch { return ''; }
}
/** `systemctl show` output as a map. */
function props(name: string): Record<string, string> {
  return Object.fromEntries(file(name).trim().split('\n').map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
}

before(async () => {
  assert.ok(existsSync('/usr/bin/linux.uml'), '/usr/bin/linux.uml is missing (Debian package user-mode-linux)');
  work = mkdtempSync('/var/tmp/kt-systemd-');
  const built = spawnSync('bash', [join(ROOT, 'packaging/build-deb.sh'), join(work, 'pkg')], { encoding: 'utf8', timeout: 180_000 });
  assert.equal(built.status, 0, `build-deb.sh failed:\n${built.stderr}`);
  const deb = built.stdout.trim();

  guest = prepareGuestRoot(work);
  copyFileSync(deb, join(guest, 'tmp/keepalived-ts.deb'));
  // dpkg inside the copy: the real installation path, maintainer scripts and conffile handling included
  const inst = spawnSync('chroot', [guest, 'dpkg', '-i', '/tmp/keepalived-ts.deb'], { encoding: 'utf8', timeout: 120_000 });
  assert.equal(inst.status, 0, `dpkg -i in the guest root failed:\n${inst.stdout}${inst.stderr}`);

  mkdirSync(join(guest, 'etc/keepalived'), { recursive: true });
  writeFileSync(join(guest, 'etc/keepalived/keepalived.conf'), labConfig(['127.0.0.1']));
  writeFileSync(join(guest, 'etc/keepalived/keepalived.conf.reload'), labConfig(['127.0.0.1', '127.0.0.2']));
  writeFileSync(join(guest, 'usr/local/sbin/kt-lab.sh'), LAB_SCRIPT, { mode: 0o755 });
  writeFileSync(join(guest, 'etc/systemd/system/kt-lab.service'), LAB_UNIT);
  symlinkSync('/etc/systemd/system/kt-lab.service', join(guest, 'etc/systemd/system/multi-user.target.wants/kt-lab.service'));
  out = join(guest, 'root/kt-lab');

  const booted = await bootSystemd(guest, work, 240_000);
  consoleText = booted.console;
  assert.ok(!booted.timedOut, `the systemd guest did not power off within 240 s\n--- trace ---\n${read('trace').slice(-3000)}\n--- console (tail) ---\n${consoleText.slice(-4000)}`);
  file('done');
});

after(() => {
  if (work && process.env.KT_LAB_KEEP !== '1') rmSync(work, { recursive: true, force: true });
});

test('dpkg installed the package in the guest: launcher, unit, conffile', () => {
  for (const p of ['usr/sbin/keepalived-ts', 'lib/systemd/system/keepalived-ts.service', 'etc/default/keepalived-ts', 'usr/share/man/man8/keepalived-ts.8.gz']) {
    assert.ok(existsSync(join(guest, p)), `${p} is not installed`);
  }
  const status = readFileSync(join(guest, 'var/lib/dpkg/status'), 'utf8');
  assert.match(status, /^Package: keepalived-ts\nStatus: install ok installed$/m);
  assert.match(status, /^Conffiles:\n \/etc\/default\/keepalived-ts [0-9a-f]{32}$/m);
});

test('systemctl start returns once the daemon is ready (Type=notify), with node exec\'d by the launcher as the main process', () => {
  assert.equal(file('start.rc').trim(), '0');
  const s = props('show-started');
  assert.equal(s.ActiveState, 'active');
  assert.equal(s.SubState, 'running');
  assert.equal(s.NotifyAccess, 'main');
  assert.equal(s.StatusText, 'Startup complete');
  assert.match(file('cmdline'), /^\/usr\/local\/bin\/node \/usr\/lib\/keepalived-ts\/dist\/src\/cli\/main\.js --dont-fork $/);
});

test('the main process has exactly the unit\'s capability bounding set', () => {
  const unit = readFileSync(join(ROOT, 'packaging/keepalived-ts.service'), 'utf8');
  const names = [...unit.matchAll(/^CapabilityBoundingSet=(.*)$/gm)].flatMap((m) => m[1].trim().split(/\s+/));
  assert.ok(names.length > 0);
  let mask = 0n;
  for (const n of names) {
    assert.ok(n in CAP_BITS, `unknown capability ${n} in the unit (add it to CAP_BITS)`);
    mask |= 1n << BigInt(CAP_BITS[n]);
  }
  const got = BigInt('0x' + file('capbnd').trim().split(/\s+/)[1]);
  assert.equal(got.toString(16), mask.toString(16));
  assert.ok(!names.includes('CAP_SYS_MODULE'));
});

test('ip_vs was loaded by the daemon\'s generic netlink lookup, without CAP_SYS_MODULE', () => {
  assert.doesNotMatch(file('lsmod-before'), /^ip_vs /m);
  assert.match(file('lsmod-started'), /^ip_vs /m);
  assert.match(file('ipvs-started'), new RegExp(`^TCP  ${VIP.replace(/\./g, '\\.')}:80 rr`, 'm'));
  assert.match(file('ipvs-started'), /-> 127\.0\.0\.1:8080\s+Masq\s+1/);
});

test('VRRP runs under the unit: the lone instance becomes MASTER and adds the VIP', () => {
  assert.match(file('addr-master'), new RegExp(` ${VIP.replace(/\./g, '\\.')}/24 `));
});

test('systemctl reload sends SIGHUP: same main process, the new real server programmed, READY again', () => {
  assert.equal(file('reload.rc').trim(), '0');
  assert.equal(file('same-pid').trim(), '0');
  const s = props('show-reloaded');
  assert.equal(s.ActiveState, 'active');
  assert.equal(s.StatusText, 'Reload complete');
  assert.match(file('ipvs-reloaded'), /-> 127\.0\.0\.2:8080/);
});

test('systemctl stop: clean exit, VIP and IPVS entries removed', () => {
  assert.equal(file('stop.rc').trim(), '0');
  const s = props('show-stopped');
  assert.equal(s.ActiveState, 'inactive');
  assert.equal(s.Result, 'success');
  assert.equal(s.ExecMainStatus, '0');
  assert.doesNotMatch(file('addr-stopped'), new RegExp(VIP.replace(/\./g, '\\.')));
  assert.doesNotMatch(file('ipvs-stopped'), /^TCP /m);
});

test('journalctl -u shows the daemon\'s lines in order, under the identifier Keepalived', () => {
  const journal = file('journal');
  const order = [
    /systemd\[1\]: Starting keepalived-ts\.service/,
    /Keepalived\[\d+\]: Starting keepalived-ts/,
    /Keepalived\[\d+\]: Keepalived_vrrp: \(VI_1\) Entering BACKUP STATE \(init\)/,
    /Keepalived\[\d+\]: Startup complete/,
    /systemd\[1\]: Started keepalived-ts\.service/,
    /Keepalived\[\d+\]: Keepalived_vrrp: \(VI_1\) Entering MASTER STATE/,
    /systemd\[1\]: Reloading keepalived-ts\.service/,
    /Keepalived\[\d+\]: Reloading \.\.\./,
    /Keepalived\[\d+\]: Reload complete/,
    // systemd's "Stopping" and ours land in the same millisecond, in either order
    /systemd\[1\]: Stopping keepalived-ts\.service|Keepalived\[\d+\]: Stopping/,
    /Keepalived\[\d+\]: Stopped/,
    /systemd\[1\]: Stopped keepalived-ts\.service/,
  ];
  const lines = journal.split('\n');
  let at = 0;
  for (const re of order) {
    const i = lines.findIndex((l, k) => k >= at && re.test(l));
    assert.ok(i >= 0, `journal lacks ${re} after line ${at}:\n${journal}`);
    at = i + 1;
  }
  assert.match(journal, /systemd\[1\]: Stopping keepalived-ts\.service/);
  assert.match(journal, /Keepalived\[\d+\]: Stopping/);
  const entries = file('journal.json').trim().split('\n').map((l) => JSON.parse(l) as Record<string, string>);
  const ready = entries.find((e) => e.MESSAGE === 'Startup complete');
  assert.ok(ready, 'no "Startup complete" entry from the main process');
  assert.equal(ready.SYSLOG_IDENTIFIER, 'Keepalived');
  assert.equal(ready.PRIORITY, '6');
});
