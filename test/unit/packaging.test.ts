// The Debian package (packaging/): built from this tree by packaging/build-deb.sh, inspected with dpkg-deb,
// unpacked into a scratch root (the host's dpkg database is never touched) and run from there; the unit is
// checked by `systemd-analyze verify` in a private mount namespace where the package's files are overlaid
// on /usr/sbin, /lib/systemd/system and the man directory, so the host's own files stay as they are.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

function run(cmd: string, args: string[], opts: SpawnSyncOptions = {}): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 60_000, ...opts });
  if (r.error) throw new Error(`${cmd} ${args.join(' ')}: ${r.error.message}`);
  return { status: r.status, stdout: String(r.stdout), stderr: String(r.stderr) };
}

let work: string;
let deb: string;
let scratch: string;

before(() => {
  for (const bin of ['/usr/bin/dpkg-deb', '/usr/bin/systemd-analyze', '/usr/bin/unshare', '/usr/bin/man']) {
    assert.ok(existsSync(bin), `${bin} is needed by the packaging test (Debian packages dpkg, systemd, util-linux, man-db)`);
  }
  work = mkdtempSync(join(tmpdir(), 'kt-deb-'));
  const built = run('bash', [join(ROOT, 'packaging/build-deb.sh'), join(work, 'out')], { timeout: 180_000 });
  assert.equal(built.status, 0, `build-deb.sh failed:\n${built.stderr}`);
  deb = built.stdout.trim();
  assert.ok(existsSync(deb), `build-deb.sh printed ${deb}, which does not exist`);
  scratch = join(work, 'root');
  const x = run('dpkg-deb', ['-x', deb, scratch]);
  assert.equal(x.status, 0, x.stderr);
});

after(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

test('control: name, version from package.json, this machine\'s architecture, no hard Node dependency', () => {
  const arch = run('dpkg', ['--print-architecture']).stdout.trim();
  assert.equal(deb, join(work, 'out', `keepalived-ts_${VERSION}_${arch}.deb`));
  const f = run('dpkg-deb', ['-f', deb, 'Package', 'Version', 'Architecture', 'Depends', 'Recommends']).stdout;
  assert.match(f, /^Package: keepalived-ts$/m);
  assert.match(f, new RegExp(`^Version: ${VERSION.replace(/\./g, '\\.')}$`, 'm'));
  assert.match(f, new RegExp(`^Architecture: ${arch}$`, 'm'));
  assert.doesNotMatch(f.match(/^Depends:.*$/m)?.[0] ?? '', /nodejs/);
  assert.match(f, /^Recommends:.*nodejs \(>= 20\.11\)/m);
  const conffiles = run('dpkg-deb', ['-I', deb, 'conffiles']);
  assert.equal(conffiles.stdout, '/etc/default/keepalived-ts\n');
});

test('contents: program, addon, production modules only, launcher, unit, defaults, man page; all root-owned', () => {
  const lines = run('dpkg-deb', ['-c', deb]).stdout.trim().split('\n');
  const entries = new Map(lines.map((l) => {
    const f = l.split(/\s+/);
    return [f.slice(5).join(' ').replace(/ -> .*$/, ''), { mode: f[0], owner: f[1] }] as const;
  }));
  for (const [path, e] of entries) assert.equal(e.owner, 'root/root', `${path} is owned by ${e.owner}`);
  const L = './usr/lib/keepalived-ts';
  const want: Record<string, RegExp> = {
    './usr/sbin/keepalived-ts': /^-rwxr-xr-x$/,
    './lib/systemd/system/keepalived-ts.service': /^-rw-r--r--$/,
    './etc/default/keepalived-ts': /^-rw-r--r--$/,
    './usr/share/man/man8/keepalived-ts.8.gz': /^-rw-r--r--$/,
    [`${L}/package.json`]: /^-rw-r--r--$/,
    [`${L}/dist/src/cli/main.js`]: /^-/,
    [`${L}/dist/grammar/index.js`]: /^-/,
    [`${L}/build/Release/raw_socket.node`]: /^-/,
    [`${L}/node_modules/chevrotain/package.json`]: /^-/,
    [`${L}/node_modules/commander/package.json`]: /^-/,
    [`${L}/node_modules/pino/package.json`]: /^-/,
    [`${L}/node_modules/netlink/package.json`]: /^-/,
  };
  for (const [path, mode] of Object.entries(want)) {
    const e = entries.get(path);
    assert.ok(e, `${path} is not in the package`);
    assert.match(e.mode, mode, `${path} has mode ${e.mode}`);
  }
  const paths = [...entries.keys()];
  for (const unwanted of [`${L}/node_modules/typescript/`, `${L}/node_modules/@types/node/`, `${L}/dist/test/`, `${L}/dist/src/lab/`]) {
    assert.ok(!paths.some((p) => p.startsWith(unwanted)), `${unwanted} should not be packaged`);
  }
  assert.ok(!paths.some((p) => p.startsWith(`${L}/dist/`) && p.endsWith('.map')), 'our source maps should not be packaged');
});

test('the unpacked launcher runs --version and -t from the scratch root', () => {
  const bin = join(scratch, 'usr/sbin/keepalived-ts');
  const v = run(bin, ['--version'], { cwd: '/' });
  assert.equal(v.status, 0, v.stderr);
  assert.equal(v.stdout, `keepalived-ts v${VERSION} (compatible with Keepalived v2.2.7 (01/16,2022))\n`);

  const good = join(work, 'good.conf');
  writeFileSync(good, [
    'virtual_server 127.0.0.1 80 {',
    '  lb_algo rr',
    '  lb_kind NAT',
    '  protocol TCP',
    '  real_server 127.0.0.2 8080 {',
    '    TCP_CHECK {',
    '      connect_timeout 3',
    '    }',
    '  }',
    '}',
    '',
  ].join('\n'));
  const t = run(bin, ['-t', '-f', good], { cwd: '/' });
  assert.equal(t.stderr, '');
  assert.equal(t.status, 0);

  const bad = join(work, 'bad.conf');
  writeFileSync(bad, 'virtual_server 127.0.0.1 80 {\n  lb_algo bogus\n  lb_kind NAT\n  protocol TCP\n}\n');
  const tb = run(bin, ['-t', '-f', bad], { cwd: '/' });
  assert.equal(tb.status, 5, tb.stderr);
  assert.match(tb.stderr, new RegExp(`^${bad.replace(/[.]/g, '\\.')}:2:\\d+: error: Invalid lvs_scheduler 'bogus'`, 'm'));

  // Through a symbolic link (an admin's /usr/local/sbin/keepalived, say) the launcher still finds its lib.
  const link = join(work, 'keepalived-link');
  symlinkSync(bin, link);
  assert.equal(run(link, ['--version']).status, 0);
});

test('the packaged modules and native addons load from the scratch root, not from this tree', () => {
  const lib = join(scratch, 'usr/lib/keepalived-ts');
  const script = `
    const { createRequire } = require('node:module');
    const req = createRequire(${JSON.stringify(join(lib, 'dist/src/cli/main.js'))});
    const out = {};
    for (const m of ['netlink', 'pino', 'chevrotain', 'commander']) out[m] = req.resolve(m);
    req('netlink'); // its prebuilt binary, through node-gyp-build
    out.addon = Object.keys(req(${JSON.stringify(join(lib, 'build/Release/raw_socket.node'))})).length;
    console.log(JSON.stringify(out));`;
  const r = run(process.execPath, ['-e', script], { cwd: '/' });
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout) as Record<string, string | number>;
  for (const m of ['netlink', 'pino', 'chevrotain', 'commander']) {
    assert.ok(String(out[m]).startsWith(join(lib, 'node_modules', m) + '/'), `${m} resolved to ${out[m]}`);
  }
  assert.ok(Number(out.addon) > 0, 'raw_socket.node exports nothing');
});

test('the launcher refuses a Node older than 20.11 with a clear message', () => {
  const fake = join(work, 'node18');
  writeFileSync(fake, '#!/bin/sh\necho v18.19.0\n', { mode: 0o755 });
  const r = run(join(scratch, 'usr/sbin/keepalived-ts'), ['--version'], { env: { ...process.env, KEEPALIVED_TS_NODE: fake } });
  assert.equal(r.status, 1);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /Node\.js >= 20\.11 is needed, but .*node18 is v18\.19\.0/);
});

test('the unit is keepalived\'s, adapted, and systemd-analyze verify finds nothing to say', () => {
  const unit = readFileSync(join(scratch, 'lib/systemd/system/keepalived-ts.service'), 'utf8');
  for (const line of [
    'Type=notify',
    'EnvironmentFile=-/etc/default/keepalived-ts',
    'ExecStart=/usr/sbin/keepalived-ts --dont-fork $DAEMON_ARGS',
    'ExecReload=/bin/kill -HUP $MAINPID',
    'ConditionFileNotEmpty=/etc/keepalived/keepalived.conf',
    'Conflicts=keepalived.service',
  ]) assert.ok(unit.split('\n').includes(line), `the unit lacks ${line}`);
  const defaults = readFileSync(join(scratch, 'etc/default/keepalived-ts'), 'utf8');
  assert.match(defaults, /^DAEMON_ARGS=""$/m);

  // The package's files overlaid on the host's directories, in a mount namespace of this command only:
  // verify then checks ExecStart's binary, /bin/kill and the man page reference as on an installed system.
  const overlay = ['usr/sbin', 'lib/systemd/system', 'usr/share/man/man8']
    .map((d) => `mount -t overlay overlay -o lowerdir=${join(scratch, d)}:/${d} /${d} || exit 90`)
    .join('\n');
  const r = run('unshare', ['--mount', '--propagation', 'private', 'sh', '-c',
    `${overlay}\nman -w keepalived-ts || exit 91\nexec systemd-analyze verify keepalived-ts.service`]);
  assert.equal(r.status, 0, r.stderr);
  // verify's complaints (unknown settings, bad values, missing man pages) are warnings with status 0.
  assert.equal(r.stderr, '');
  assert.equal(r.stdout.trim(), '/usr/share/man/man8/keepalived-ts.8.gz');
});

test('the man page formats without groff warnings', () => {
  const r = run('man', ['--warnings', '-E', 'UTF-8', '-l', join(scratch, 'usr/share/man/man8/keepalived-ts.8.gz')], {
    env: { ...process.env, MANPAGER: 'cat', PAGER: 'cat', MANWIDTH: '80' },
  });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stderr, '');
  assert.match(r.stdout, /keepalived-ts - keepalived-compatible VRRP and IPVS control plane/);
});
