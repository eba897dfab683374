// The project's test command (run by `npm test` after the build): checks that the real things the
// suite needs are present — and fails loudly if not, instead of letting tests skip — then runs
// every test file under dist/test with Node's built-in runner.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const problems = [];
if (process.getuid && process.getuid() !== 0) problems.push('the suite needs root (network namespaces, raw sockets, UML)');
for (const [bin, pkg] of [
  ['/usr/sbin/keepalived', 'keepalived'],
  ['/usr/bin/linux.uml', 'user-mode-linux'],
  ['/usr/sbin/ipvsadm', 'ipvsadm'],
  ['/usr/sbin/modprobe', 'kmod'],
  ['/usr/bin/ip', 'iproute2'],
  ['/usr/bin/tcpdump', 'tcpdump'],
  ['/usr/sbin/nft', 'nftables'],
  ['/usr/bin/openssl', 'openssl'],
  ['/usr/sbin/debootstrap', 'debootstrap'],
]) {
  if (!existsSync(bin) && !existsSync(bin.replace('/usr', ''))) problems.push(`${bin} is missing (Debian package ${pkg})`);
}
if (!existsSync('/usr/lib/uml/modules')) problems.push('/usr/lib/uml/modules is missing (Debian package user-mode-linux)');
if (problems.length === 0) {
  const probe = `kt-probe-${process.pid}`;
  const add = spawnSync('ip', ['netns', 'add', probe]);
  if (add.status !== 0) problems.push(`cannot create a network namespace: ${add.stderr}`);
  else spawnSync('ip', ['netns', 'del', probe]);
}
if (problems.length) {
  console.error('keepalived-ts tests cannot run here:\n' + problems.map((p) => `  - ${p}`).join('\n'));
  console.error('Run `bash .ci/setup` as root on Debian first (it installs the packages above and runs npm ci).');
  process.exit(2);
}

// Node 20 treats every .js file under a directory named `test` as a test file; only *.test.js are.
function testFiles(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? testFiles(join(dir, e.name)) : e.name.endsWith('.test.js') ? [join(dir, e.name)] : [],
  );
}
const roots = process.argv.length > 2 ? process.argv.slice(2) : ['dist/test'];
const files = roots.flatMap((r) => (r.endsWith('.js') ? [r] : testFiles(r))).sort();
if (files.length === 0) {
  console.error('no test files found under ' + roots.join(', ') + ' (did the build run?)');
  process.exit(2);
}
const args = ['--test', '--test-concurrency=2', ...files];
const r = spawnSync(process.execPath, args, { stdio: 'inherit' });
process.exit(r.status ?? 1);
