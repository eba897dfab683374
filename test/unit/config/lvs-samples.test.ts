// Debian's keepalived samples with a virtual_server: what we find in them, and that the LVS side
// reports exactly what keepalived 2.2.7's `-t` reports for them (only keepalived.conf.fwmark has an
// LVS problem). Counts were checked against keepalived's own checker dump (-C -d, in the UML lab).
import test from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { loadConfig } from '../../../src/config/index.js';

const SAMPLES = '/usr/share/doc/keepalived/samples';

/** sample → [virtual servers, real servers, checkers, LVS problems] */
const EXPECTED: Record<string, [number, number, number, string[]]> = {
  'keepalived.conf.HTTP_GET.port': [1, 1, 1, []],
  'keepalived.conf.IPv6': [1, 1, 1, []],
  'keepalived.conf.PING_CHECK': [1, 1, 1, []],
  'keepalived.conf.SMTP_CHECK': [1, 3, 9, []],
  'keepalived.conf.SSL_GET': [2, 2, 2, []],
  'keepalived.conf.UDP_CHECK': [1, 1, 1, []],
  'keepalived.conf.fwmark': [1, 2, 2, ['12:3 Warning: Virtual server FWM 1: protocol specified for fwmark - protocol will be ignored']],
  'keepalived.conf.inhibit': [1, 1, 1, []],
  'keepalived.conf.misc_check': [1, 1, 1, []],
  'keepalived.conf.misc_check_arg': [1, 1, 1, []],
  'keepalived.conf.quorum': [1, 10, 10, []],
  'keepalived.conf.sample': [1, 1, 1, []],
  'keepalived.conf.status_code': [1, 1, 1, []],
  'keepalived.conf.virtual_server_group': [1, 2, 2, []],
  'keepalived.conf.virtualhost': [1, 1, 1, []],
  'keepalived.conf.vrrp.lvs_syncd': [1, 1, 1, []],
};

/** Line ranges of the top-level LVS blocks (virtual_server, virtual_server_group, SSL). */
function lvsLines(text: string): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  let depth = 0;
  let start = 0;
  text.split('\n').forEach((raw, i) => {
    const line = raw.replace(/[#!].*$/, '');
    if (depth === 0 && /^\s*(virtual_server|virtual_server_group|SSL)\b/.test(line)) start = i + 1;
    for (const ch of line) {
      if (ch === '{') depth++;
      else if (ch === '}') {
        depth--;
        if (depth === 0 && start) {
          out.push([start, i + 1]);
          start = 0;
        }
      }
    }
  });
  return out;
}

function load(name: string) {
  const file = `${SAMPLES}/${name}`;
  assert.ok(existsSync(file), `${file} is missing: install Debian's keepalived (bash .ci/setup)`);
  const r = loadConfig(file, { configId: 'testhost', env: { hostname: 'testhost' } });
  const ranges = lvsLines(readFileSync(file, 'utf8'));
  const inLvs = (line: number) => ranges.some(([a, b]) => line >= a && line <= b);
  const problems = r.diagnostics
    .filter((d) => d.severity !== 'notice' && inLvs(d.line))
    .map((d) => `${d.line}:${d.col} ${d.message}`);
  return { r, problems };
}

for (const [name, [nVs, nRs, nCheckers, problems]] of Object.entries(EXPECTED)) {
  test(`${name}: ${nVs} VS, ${nRs} RS, ${nCheckers} checkers; LVS diagnostics as keepalived`, () => {
    const { r, problems: got } = load(name);
    const vss = r.config.lvs.virtualServers;
    const rss = vss.flatMap((v) => v.realServers);
    assert.deepEqual([vss.length, rss.length, rss.flatMap((x) => x.checkers).length], [nVs, nRs, nCheckers]);
    assert.deepEqual(got, problems);
  });
}

test('keepalived.conf.sample: the values keepalived dumps', () => {
  const vs = load('keepalived.conf.sample').r.config.lvs.virtualServers[0];
  assert.deepEqual([vs.key, vs.lbAlgo, vs.lbKind.kind, vs.persistenceTimeout, vs.delayLoop, vs.sorryServer?.key], [
    '[10.10.10.2]:tcp:1358', 'rr', 'NAT', 50, 6, '[192.168.200.200]:tcp:1358',
  ]);
  const c = vs.realServers[0].checkers[0];
  assert.ok(c.kind === 'HTTP_GET');
  assert.deepEqual([c.retry, c.delayBeforeRetry, c.delayLoop, c.warmup, c.connection.connectTimeout], [3, 3, 6, 6, 3]);
  assert.deepEqual(c.urls.map((u) => [u.path, u.digest]), [['/testurl3/test.jsp', '640205b7b0fc66c1ea91c463fac6334d']]);
});

test('keepalived.conf.quorum: alpha, omega, quorum 7, hysteresis 2, scripts', () => {
  const { r } = load('keepalived.conf.quorum');
  const vs = r.config.lvs.virtualServers[0];
  assert.deepEqual([vs.alpha, vs.omega, vs.quorum, vs.hysteresis, vs.lbAlgo], [true, true, 7, 2, 'wrr']);
  assert.deepEqual(r.config.lvs.scripts.map((s) => s.role), ['quorum_up of virtual_server [10.0.1.1]:tcp:80', 'quorum_down of virtual_server [10.0.1.1]:tcp:80']);
  assert.ok(vs.realServers.every((rs) => rs.checkers[0].kind === 'TCP_CHECK' && rs.checkers[0].alpha && rs.checkers[0].connection.connectPort === 80));
});

test('keepalived.conf.virtual_server_group: group VSG_1 expands to 13 services', async () => {
  const { expandVirtualServerGroup } = await import('../../../src/config/model/lvs.js');
  const { r } = load('keepalived.conf.virtual_server_group');
  const vs = r.config.lvs.virtualServers[0];
  assert.equal(vs.key, '[VSG_1]:0');
  assert.ok(vs.service.kind === 'group');
  assert.equal(expandVirtualServerGroup(vs.service.group).length, 13);
});

test('keepalived.conf.misc_check_arg: the quoted command becomes argv', () => {
  const c = load('keepalived.conf.misc_check_arg').r.config.lvs.virtualServers[0].realServers[0].checkers[0];
  assert.ok(c.kind === 'MISC_CHECK');
  assert.deepEqual(c.script.argv, ['/usr/local/bin/script.sh', 'arg1', 'arg2']);
});
