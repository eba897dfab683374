// Proves that our LVS model says what keepalived 2.2.7 itself reports for the virtual-server part: every
// Debian sample with a virtual_server, every example of examples/ with one (once per config-id its `@`
// lines name), and the fixtures test/fixtures/dump/lvs-*.conf, which cover what the samples do not.
// keepalived runs `-d -C` on each file inside the UML lab (one boot; its kernel has IPVS), its checker
// dump is parsed (checker-dump.ts); the same file is loaded here with loadConfig, projected onto the same
// shape (ours-lvs.ts), and the two are compared with one deepEqual, every difference listed at once.
//
// Our loader is given the view of the machine keepalived had: the host's files, users and groups (UML runs
// on the host's root file system), except that the scripts keepalived found missing are the executable
// root-owned stubs it ran with. The host name is fixed; nothing in the LVS part derives from it.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../../src/config/index.js';
import { hostEnv } from '../../src/config/host-env.js';
import type { ConfigEnv, FileInfo } from '../../src/config/env.js';
import { keepalivedCheckerDumpInUml, type KeepalivedCheckerDump } from './checker-dump-uml.js';
import type { ComparableVirtualServer } from './checker-dump.js';
import { oursAsComparable } from './ours-lvs.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const SAMPLES = '/usr/share/doc/keepalived/samples';
const EXAMPLES = path.join(ROOT, 'examples');
const FIXTURES = path.join(ROOT, 'test/fixtures/dump');
/** The host name our loader is given (keepalived's, inside UML, is the host's). */
const HOSTNAME = 'kt-lvs-dump';

interface Case {
  /** file (relative) plus config-id, for messages */
  label: string;
  file: string;
  configId?: string;
}

const hasVirtualServer = (text: string): boolean => /^\s*(@\^?\S+\s+)?virtual_server\s/m.test(text);
const conditionalIds = (text: string): string[] => [...new Set([...text.matchAll(/^\s*@\^?([^\s^]+)\s/gm)].map((m) => m[1]!))];

function casesIn(dir: string, select: (name: string) => boolean, base: string): Case[] {
  return readdirSync(dir)
    .filter(select)
    .sort()
    .flatMap((name) => {
      const file = path.join(dir, name);
      const text = readFileSync(file, 'utf8');
      if (!hasVirtualServer(text)) return [];
      const ids = conditionalIds(text);
      return (ids.length ? ids : [undefined]).map((configId) => ({
        label: `${path.relative(base, file)}${configId !== undefined ? ` -i ${configId}` : ''}`,
        file,
        ...(configId !== undefined ? { configId } : {}),
      }));
    });
}

function allCases(): Case[] {
  return [
    ...casesIn(SAMPLES, () => true, SAMPLES),
    ...casesIn(EXAMPLES, (n) => n.endsWith('.conf'), ROOT),
    ...casesIn(FIXTURES, (n) => /^lvs-.*\.conf$/.test(n), ROOT),
  ];
}

/** The machine as keepalived saw it inside UML: the host, plus the stubs of the scripts that were missing. */
function envSeenBy(dump: KeepalivedCheckerDump): ConfigEnv {
  const host = hostEnv({ checkInterfaces: false });
  const stubs = dump.stubbedScripts;
  const stub: FileInfo = { exists: true, isFile: true, mode: 0o100755, uid: 0, gid: 0 };
  const stubDir: FileInfo = { exists: true, isFile: false, mode: 0o40755, uid: 0, gid: 0 };
  return {
    hostname: HOSTNAME,
    lookupUser: host.lookupUser,
    which: host.which,
    fileInfo(p) {
      if (stubs.includes(p)) return stub;
      const real = host.fileInfo!(p);
      // directories the stubs needed were created too (inside UML only)
      if (!real?.exists && stubs.some((s) => s.startsWith(`${p}/`))) return stubDir;
      return real;
    },
  };
}

/** Number of values compared (leaves of the comparable form). */
function leaves(value: unknown): number {
  if (value === null || typeof value !== 'object') return 1;
  const items = Array.isArray(value) ? value : Object.values(value);
  return items.reduce((n: number, v) => n + leaves(v), 0);
}

const show = (v: unknown): string => (v === undefined ? 'absent' : JSON.stringify(v));

/** Every difference, each on one line named in keepalived's terms: VS key > RS key > checker > field. */
function differences(ours: unknown, theirs: unknown, where: string, out: string[]): void {
  if (ours === null || typeof ours !== 'object' || theirs === null || typeof theirs !== 'object') {
    if (!Object.is(ours, theirs)) out.push(`${where}: ours ${show(ours)}, keepalived ${show(theirs)}`);
    return;
  }
  if (Array.isArray(ours) !== Array.isArray(theirs)) {
    out.push(`${where}: ours ${show(ours)}, keepalived ${show(theirs)}`);
    return;
  }
  if (Array.isArray(ours) && Array.isArray(theirs)) {
    const label = (item: unknown, i: number): string => {
      const o = item as { key?: unknown; kind?: unknown } | null;
      if (o && typeof o === 'object' && typeof o.key === 'string') return o.key;
      if (o && typeof o === 'object' && typeof o.kind === 'string' && /CHECK|_GET/.test(o.kind)) return `#${i + 1} ${o.kind}`;
      return `[${i}]`;
    };
    const n = Math.max(ours.length, theirs.length);
    if (ours.length !== theirs.length) out.push(`${where}: ours has ${ours.length} entries, keepalived ${theirs.length}`);
    for (let i = 0; i < n; i++) {
      const name = `${where} > ${label(ours[i] ?? theirs[i], i)}`;
      if (i >= ours.length) out.push(`${name}: only in keepalived: ${show(theirs[i])}`);
      else if (i >= theirs.length) out.push(`${name}: only in ours: ${show(ours[i])}`);
      else differences(ours[i], theirs[i], name, out);
    }
    return;
  }
  const a = ours as Record<string, unknown>;
  const b = theirs as Record<string, unknown>;
  for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
    // virtual and real servers and checkers are named by their key above; their lists add nothing
    const name = k === 'realServers' || k === 'checkers' ? where : `${where} . ${k}`;
    differences(a[k], b[k], name, out);
  }
}

describe('our LVS model equals keepalived 2.2.7\'s checker dump (inside UML)', () => {
  const cases = allCases();
  const dumps: KeepalivedCheckerDump[] = [];
  const ours: ComparableVirtualServer[][] = [];

  before(async () => {
    const started = Date.now();
    const run = await keepalivedCheckerDumpInUml(cases.map(({ file, configId }) => ({ file, configId })));
    dumps.push(...run.dumps);
    const t = run.timings;
    const loadStart = Date.now();
    for (const [i, c] of cases.entries()) {
      const { config } = loadConfig(c.file, { configId: c.configId ?? HOSTNAME, env: envSeenBy(dumps[i]!) });
      ours.push(oursAsComparable(config));
    }
    console.log(
      `${cases.length} files: UML boot ${t.bootMs} ms, modules ${t.modulesMs} ms, keepalived dumps ${t.scriptMs} ms, ` +
        `shutdown ${t.shutdownMs} ms; our loader ${Date.now() - loadStart} ms; total ${Date.now() - started} ms`,
    );
  });

  test('the cases: every sample and example with a virtual_server, and the lvs-* fixtures', () => {
    const labels = cases.map((c) => c.label);
    assert.ok(labels.filter((l) => l.startsWith('keepalived.conf.')).length >= 16, labels.join('\n'));
    assert.ok(labels.includes('examples/dr-pair-wrr-persistence.conf -i director1'), labels.join('\n'));
    assert.ok(labels.includes('examples/dr-pair-wrr-persistence.conf -i director2'), labels.join('\n'));
    assert.ok(labels.filter((l) => l.startsWith('test/fixtures/dump/lvs-')).length >= 6, labels.join('\n'));
  });

  test('keepalived read every file, completed its dump and stopped cleanly', () => {
    for (const [i, d] of dumps.entries()) {
      const label = cases[i]!.label;
      assert.equal(d.exitCode, 0, `${label}: keepalived exit ${d.exitCode}\n${d.log.join('\n')}`);
      assert.ok(d.log.includes('Activating BFD healthchecker'), `${label}: start-up not complete\n${d.log.join('\n')}`);
      assert.ok(d.virtualServers.length > 0, `${label}: no virtual server in the dump`);
    }
  });

  test('the keepalived dumps cover every scheduler, forwarding method, tunnel type, checker kind and group form', () => {
    const vss = dumps.flatMap((d) => d.virtualServers);
    const rss = vss.flatMap((v) => v.realServers);
    const checkers = rss.flatMap((r) => r.checkers);
    const methods = new Set([...vss, ...rss, ...vss.flatMap((v) => (v.sorryServer ? [v.sorryServer] : []))].map((s) =>
      s.tunnel ? `${s.lbKind} ${s.tunnel.type}${s.tunnel.checksum ? ` ${s.tunnel.checksum}` : ''}` : s.lbKind,
    ));
    const sorted = (s: Iterable<string>) => [...new Set(s)].sort();
    assert.deepEqual(sorted(vss.map((v) => v.lbAlgo)), sorted(['rr', 'wrr', 'lc', 'wlc', 'lblc', 'sh', 'mh', 'dh', 'fo', 'ovf', 'lblcr', 'sed', 'nq', 'twos']));
    assert.deepEqual(sorted(methods), sorted(['NAT', 'DR', 'TUN IPIP', 'TUN GUE nocsum', 'TUN GUE csum', 'TUN GUE remcsum', 'TUN GRE nocsum', 'TUN GRE csum']));
    assert.deepEqual(sorted(checkers.map((c) => c.kind)), sorted([
      'HTTP_GET', 'SSL_GET', 'TCP_CHECK', 'MISC_CHECK', 'SMTP_CHECK', 'DNS_CHECK', 'UDP_CHECK', 'PING_CHECK', 'FILE_CHECK', 'BFD_CHECK',
    ]));
    assert.deepEqual(sorted(vss.map((v) => v.family ?? 'null')), sorted(['inet', 'inet6', 'IPv4 & IPv6', 'unknown']));
    assert.deepEqual(sorted(vss.map((v) => v.kind)), sorted(['address', 'fwmark', 'group']));
    assert.deepEqual(sorted(vss.flatMap((v) => v.group?.entries.map((e) => `${e.kind}${'family' in e && e.family ? ` ${e.family}` : ''}`) ?? [])), sorted([
      'address', 'range', 'fwmark', 'fwmark inet', 'fwmark inet6',
    ]));
    assert.deepEqual(sorted(vss.flatMap((v) => v.schedulerFlags)), sorted(['flag-1', 'flag-2', 'flag-3', 'sh-port', 'sh-fallback', 'mh-port', 'mh-fallback']));
    assert.ok(vss.some((v) => v.ops) && vss.some((v) => v.persistenceGranularity?.includes('.')) && vss.some((v) => v.family === 'inet6' && v.persistenceGranularity));
    assert.ok(vss.some((v) => v.sorryServer?.inhibitOnFailure) && vss.some((v) => v.sorryServer?.duplicatesRealServer));
    assert.ok(vss.some((v) => v.alpha && v.omega && v.quorum > 1 && v.hysteresis > 0));
    assert.ok(rss.some((r) => r.thresholds.lower > 0 && r.thresholds.upper > 0));
  });

  test('for every file, each virtual server, real server and checker equals keepalived\'s, field by field', () => {
    const found: string[] = [];
    let vsCount = 0;
    let rsCount = 0;
    let checkerCount = 0;
    let fields = 0;
    for (const [i, c] of cases.entries()) {
      const theirs = dumps[i]!.virtualServers;
      differences(ours[i], theirs, c.label, found);
      vsCount += theirs.length;
      rsCount += theirs.reduce((n, v) => n + v.realServers.length, 0);
      checkerCount += theirs.reduce((n, v) => n + v.realServers.reduce((m, r) => m + r.checkers.length, 0), 0);
      fields += leaves(theirs);
    }
    console.log(`compared ${cases.length} files: ${vsCount} virtual servers, ${rsCount} real servers, ${checkerCount} checkers, ${fields} values`);
    assert.deepEqual(ours, dumps.map((d) => d.virtualServers), `${found.length} difference(s), ours vs keepalived:\n${found.join('\n')}`);
  });
});
