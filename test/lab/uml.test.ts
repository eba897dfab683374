// The kernel lab itself: UML boots with IPVS, namespaces and node usable, and reports back faithfully.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { runInUml, runNodeInUml, SCHEDULER_MODULES, UmlMissingError, type UmlResult } from './uml.js';
import { batchCase, caseResult } from './batch.js';
import { addrAdd, lan, netnsAdd, nsExec, vethPair } from './netns.js';

const report = (what: string, r: UmlResult) =>
  console.log(`${what}: boot ${r.timings.bootMs} ms, modules ${r.timings.modulesMs} ms, ` +
    `script ${r.timings.scriptMs} ms, shutdown ${r.timings.shutdownMs} ms, total ${r.timings.totalMs} ms`);

describe('UML lab, one boot for many cases', () => {
  let run: UmlResult;
  const ns = { a: `kt-uml-a-${process.pid}`, b: `kt-uml-b-${process.pid}`, c: `kt-uml-c-${process.pid}`, d: `kt-uml-d-${process.pid}` };
  // a refused connection proves the path both ways without starting a server (node takes ~1 s in UML)
  const probe = (label: string, from: string | undefined, host: string) =>
    nsExec(from, `echo "${label}: $( (exec 3<>/dev/tcp/${host}/9) 2>&1 )"`);

  before(async () => {
    const script = [
      batchCase('ipvs', [
        'ipvsadm -Ln',
        'echo "--- added"',
        'ipvsadm -A -t 10.0.0.1:80 -s rr',
        'ipvsadm -a -t 10.0.0.1:80 -r 10.0.1.2:80 -m -w 2',
        'ipvsadm -Ln',
        'echo "--- deleted"',
        'ipvsadm -D -t 10.0.0.1:80',
        'ipvsadm -Ln',
      ].join('\n')),
      // every scheduler the kernel has must be accepted by the kernel, not only loaded
      batchCase('schedulers', SCHEDULER_MODULES.map((m, i) => {
        const vip = `10.0.2.${i + 1}:80`;
        return `ipvsadm -A -t ${vip} -s ${m.slice('ip_vs_'.length)}`;
      }).join('\n') + '\nipvsadm -Ln\nipvsadm -C'),
      batchCase('netns', [
        netnsAdd(ns.a),
        netnsAdd(ns.b),
        vethPair({ name: 'eth0', ns: ns.a }, { name: 'eth0', ns: ns.b }),
        addrAdd('eth0', '10.9.0.1/24', ns.a),
        addrAdd('eth0', '10.9.0.2/24', ns.b),
        // a TCP exchange across the pair: node serves in one namespace, bash connects from the other
        nsExec(ns.a, `node -e 'require("net").createServer(s => s.end("pong\\n")).listen(7, "10.9.0.1", () => require("fs").writeFileSync(process.env.LAB_TMP + "/ready", ""))' &`),
        'for i in $(seq 100); do [ -e "$LAB_TMP/ready" ] && break; sleep 0.1; done',
        nsExec(ns.b, 'exec 3<>/dev/tcp/10.9.0.1/7; cat <&3'),
        'ip netns list',
        `ip netns del ${ns.a}`,
        `ip netns del ${ns.b}`,
      ].join('\n')),
      batchCase('lan', [
        lan({
          bridge: 'ktbr0',
          bridgeAddrs: ['10.9.1.1/24'],
          hosts: [
            { ns: ns.c, addrs: ['10.9.1.2/24', 'fd00:9::2/64'], gateway: '10.9.1.1' },
            { ns: ns.d, addrs: ['10.9.1.3/24', 'fd00:9::3/64'] },
          ],
        }),
        probe('c->d v4', ns.c, '10.9.1.3'),
        probe('c->d v6', ns.c, 'fd00:9::3'),
        probe('root->c v4', undefined, '10.9.1.2'),
        `ip netns del ${ns.c}`,
        `ip netns del ${ns.d}`,
        'ip link del ktbr0',
      ].join('\n')),
      batchCase('node', [
        's=$EPOCHREALTIME',
        `node -e 'console.log(JSON.stringify({ version: process.version, ipvs: require("fs").existsSync("/proc/net/ip_vs") }))'`,
        'echo "startMs=$(( (${EPOCHREALTIME/./} - ${s/./}) / 1000 ))"',
      ].join('\n')),
    ].join('\n');
    run = await runInUml(script, { timeoutMs: 120_000 });
    report('batch boot', run);
  });

  test('ipvsadm: a TCP rr service with a masquerade dest is added, listed and deleted', () => {
    const r = caseResult(run, 'ipvs');
    assert.equal(r.code, 0, r.output);
    const [initial, added, deleted] = r.output.split(/^--- \w+\n/m);
    assert.match(initial!, /IP Virtual Server version \d+\.\d+\.\d+/);
    assert.doesNotMatch(initial!, /^TCP/m);
    assert.match(added!, /^TCP {2}10\.0\.0\.1:80 rr\s*$/m);
    assert.match(added!, /^ {2}-> 10\.0\.1\.2:80\s+Masq\s+2\s+0\s+0\s*$/m);
    assert.doesNotMatch(deleted!, /10\.0\.0\.1:80/);
  });

  test('every IPVS scheduler module is loaded and accepted by the kernel', () => {
    for (const m of SCHEDULER_MODULES) assert.ok(run.modules.includes(m), `${m} not loaded: ${run.modules.join(' ')}`);
    const r = caseResult(run, 'schedulers');
    assert.equal(r.code, 0, r.output);
    for (const m of SCHEDULER_MODULES) assert.match(r.output, new RegExp(` ${m.slice(6)}\\s*$`, 'm'));
  });

  test('a network namespace pair joined by veth carries TCP', () => {
    const r = caseResult(run, 'netns');
    assert.equal(r.code, 0, r.output);
    assert.match(r.output, /^pong$/m);
    assert.match(r.output, new RegExp(`^${ns.a}`, 'm'));
  });

  test('lan(): hosts in namespaces on one bridge reach each other over IPv4 and IPv6, and the root reaches them', () => {
    const r = caseResult(run, 'lan');
    assert.equal(r.code, 0, r.output);
    for (const label of ['c->d v4', 'c->d v6', 'root->c v4']) {
      assert.match(r.output, new RegExp(`^${label}: .*Connection refused`, 'm'), r.output);
    }
  });

  test('node runs inside and sees /proc/net/ip_vs', () => {
    const r = caseResult(run, 'node');
    assert.equal(r.code, 0, r.output);
    const info = JSON.parse(r.output.split('\n')[0]!) as { version: string; ipvs: boolean };
    assert.equal(info.version, process.version);
    assert.equal(info.ipvs, true);
    console.log(`node start-up inside UML: ${/startMs=(\d+)/.exec(r.output)?.[1]} ms`);
  });

  test('the script output excludes the kernel console', () => {
    assert.doesNotMatch(run.output, /IPVS: Registered protocols/);
    assert.match(run.console, /IPVS: Registered protocols/);
  });
});

test('runNodeInUml: a compiled module of ours does the kernel work inside, its JSON comes out', async () => {
  const probe = fileURLToPath(new URL('./fixtures/ipvs-probe.js', import.meta.url));
  const { result, run } = await runNodeInUml<{ procIpVs: boolean; argv: string[]; listed: string; after: string }>(
    probe, ['an arg', "it's"],
  );
  report('runNodeInUml boot', run);
  assert.equal(result.procIpVs, true);
  assert.deepEqual(result.argv, ['an arg', "it's"]);
  assert.match(result.listed, /^UDP {2}10\.0\.0\.2:53 wrr\s*$/m);
  assert.match(result.listed, /^ {2}-> 10\.0\.1\.3:53\s+Route\s+3\s/m);
  assert.doesNotMatch(result.after, /10\.0\.0\.2/);
});

test("a failing script's exit code and output are returned", async () => {
  const r = await runInUml('echo before failing\necho to stderr >&2\nexit 7', { modules: ['ip_vs'] });
  report('failing-script boot', r);
  assert.equal(r.code, 7);
  assert.equal(r.output, 'before failing\nto stderr\n');
});

test('a missing linux.uml fails loudly, naming the package to install', async () => {
  await assert.rejects(runInUml('true', { binary: '/nonexistent/linux.uml' }), (err: unknown) => {
    assert.ok(err instanceof UmlMissingError);
    assert.match(err.message, /\/nonexistent\/linux\.uml.*user-mode-linux/s);
    return true;
  });
});
