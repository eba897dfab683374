// `keepalived-ts -t` and Debian's `keepalived -t` side by side, in the same private network namespace,
// on every sample keepalived ships, every example of ours and every broken configuration of the corpus:
// the exit codes agree (except the deliberate differences listed below, each asserted both ways),
// and every problem ours reports names its file:line:col.
import test from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createNetns, type OwnedNetns, type InterfaceRequest } from './netns.js';
import { keepalivedConfigTest, requireKeepalived } from './keepalived.js';
import { listBrokenConfigs } from './broken-corpus.js';
import { scanConfigNeeds } from './config-needs.js';
import { mapLimit } from './pool.js';

const SAMPLES = '/usr/share/doc/keepalived/samples';
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const CLI = path.join(ROOT, 'dist/src/cli/main.js');
const DIAG_LINE = /^(.+):(\d+):(\d+): (fatal|error|warning|security|notice): \S/;

interface Case {
  label: string;
  file: string;
  args: string[];
  /** 1-based line where the problem is, for broken configurations. */
  at?: number;
  interfaces?: string[];
}

/**
 * Where ours answers differently from keepalived on purpose. `keepalived` is what 2.2.7 does
 * (asserted, so a change in the reference is noticed), `ours` what we do instead, `why` the reason.
 */
const DIFFERENT_ON_PURPOSE: Record<string, { keepalived: number; ours: number; why: string }> = {
  'same-vip-two-instances.conf': { keepalived: 0, ours: 5, why: 'one VIP in two instances fights over the address' },
  'unicast-peer-is-src.conf': { keepalived: 0, ours: 5, why: 'an instance would advertise to itself' },
  'strict-without-accept-lvs.conf': { keepalived: 0, ours: 5, why: 'vrrp_strict without accept blackholes the balanced VIP' },
  'vs-group-undefined.conf': { keepalived: 0, ours: 5, why: 'a virtual_server naming a missing group programs nothing' },
  'persistence-granularity-bad.conf': { keepalived: 0, ours: 5, why: 'an invalid netmask is silently ignored by keepalived' },
  'http-get-no-url.conf': { keepalived: 139, ours: 5, why: 'keepalived -t crashes (SIGSEGV); we report the missing url' },
  'script-user-nonroot-config-test.conf': {
    keepalived: 143,
    ours: 6,
    why: "keepalived -t kills itself when script_user is not root; by keepalived's own rule an existing script without script security is rc 6",
  },
};

function sampleCases(): Case[] {
  assert.ok(existsSync(SAMPLES), `${SAMPLES} is missing: install Debian's keepalived (bash .ci/setup)`);
  const out: Case[] = [];
  for (const f of readdirSync(SAMPLES).filter((n) => n.startsWith('keepalived.conf')).sort()) {
    const file = path.join(SAMPLES, f);
    out.push({ label: `sample ${f}`, file, args: [] });
    if (f === 'keepalived.conf.conditional_conf') {
      for (const id of ['high', 'low']) out.push({ label: `sample ${f} -i ${id}`, file, args: ['-i', id] });
    }
  }
  return out;
}

function exampleCases(): Case[] {
  const dir = path.join(ROOT, 'examples');
  const out: Case[] = [];
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.conf')).sort()) {
    const file = path.join(dir, f);
    const ids = [...new Set([...readFileSync(file, 'utf8').matchAll(/^\s*@\^?(\S+)/gm)].map((m) => m[1]))];
    if (ids.length === 0) out.push({ label: `example ${f}`, file, args: [] });
    for (const id of ids) out.push({ label: `example ${f} -i ${id}`, file, args: ['-i', id] });
  }
  return out;
}

function brokenCases(): Case[] {
  return listBrokenConfigs().map((b) => ({
    label: `broken ${b.name}`,
    file: b.file,
    args: b.extraArgs ?? [],
    at: b.line,
    interfaces: b.interfaces,
  }));
}

interface Outcome {
  c: Case;
  keepalived: number;
  keepalivedLines: string[];
  ours: number;
  oursLines: string[];
}

async function runBoth(cases: Case[]): Promise<Outcome[]> {
  requireKeepalived();
  assert.ok(existsSync(CLI), `${CLI} is missing: run npm run build`);
  // One namespace per worker with every interface any case needs, except cases that ask for exactly theirs.
  const shared: InterfaceRequest[] = ['eth0', 'eth1', 'eth2', 'eth3'];
  for (const c of cases) if (!c.interfaces) for (const i of (await scanConfigNeeds(c.file)).interfaces) if (!shared.includes(i)) shared.push(i);
  const spaces = new Map<string, OwnedNetns>();
  const nsFor = async (c: Case, worker: number): Promise<OwnedNetns> => {
    const key = c.interfaces ? `${worker}:${c.interfaces.join(',')}` : `${worker}`;
    let ns = spaces.get(key);
    if (!ns) {
      ns = await createNetns({ interfaces: c.interfaces ?? shared, tag: 'xc' });
      spaces.set(key, ns);
    }
    return ns;
  };
  try {
    return await mapLimit(cases, 2, async (c, worker) => {
      const ns = await nsFor(c, worker);
      const cwd = path.dirname(c.file);
      const k = await keepalivedConfigTest(c.file, { ns, cwd, extraArgs: c.args, interfaces: c.interfaces });
      const aliases = (await scanConfigNeeds(c.file)).namespaces;
      const o = await ns.exec([process.execPath, CLI, '-t', '-f', c.file, ...c.args], { cwd, timeoutMs: 30_000, netnsAliases: aliases });
      const oursLines = o.stderr.split('\n').filter((l) => l.length);
      return { c, keepalived: k.status, keepalivedLines: k.lines, ours: o.code ?? 128, oursLines };
    });
  } finally {
    for (const ns of spaces.values()) await ns.destroy();
  }
}

function check(o: Outcome): string | undefined {
  const name = path.basename(o.c.file);
  const purpose = o.c.label.startsWith('broken ') ? DIFFERENT_ON_PURPOSE[name] : undefined;
  const problems: string[] = [];
  if (purpose) {
    if (o.keepalived !== purpose.keepalived) problems.push(`keepalived now answers ${o.keepalived} (we recorded ${purpose.keepalived})`);
    if (o.ours !== purpose.ours) problems.push(`ours ${o.ours}, want ${purpose.ours} (${purpose.why})`);
  } else if (o.ours !== o.keepalived) problems.push(`ours ${o.ours}, keepalived ${o.keepalived}`);
  for (const l of o.oursLines) if (!DIAG_LINE.test(l)) problems.push(`not a positioned diagnostic: ${l}`);
  if (o.ours !== 0 && !o.oursLines.some((l) => !/: notice: /.test(l))) problems.push('non-zero exit without a reported problem');
  if (o.c.at !== undefined && o.ours !== 0) {
    const lines = o.oursLines.map((l) => DIAG_LINE.exec(l)).filter((m) => m !== null);
    // A problem found in an included file is reported there (e.g. the include that closes a cycle).
    const here = (m: RegExpExecArray) => path.resolve(m[1]) === path.resolve(o.c.file);
    if (!lines.some((m) => (here(m) && Number(m[2]) === o.c.at) || !here(m))) problems.push(`no diagnostic at line ${o.c.at}`);
  }
  if (problems.length === 0) return undefined;
  return `${o.c.label}: ${problems.join('; ')}\n    keepalived: ${o.keepalivedLines.slice(0, 3).join(' | ')}\n    ours: ${o.oursLines.slice(0, 4).join(' | ')}`;
}

for (const [title, cases] of [
  ['samples shipped with keepalived', sampleCases],
  ['our examples', exampleCases],
  ['the broken-configuration corpus', brokenCases],
] as const) {
  test(`-t exit codes agree with keepalived 2.2.7 on ${title}, and every problem has a position`, async () => {
    const outcomes = await runBoth(cases());
    const failures = outcomes.map(check).filter((f) => f !== undefined);
    const agree = outcomes.length - failures.length;
    console.log(`# ${title}: ${agree}/${outcomes.length} agree`);
    assert.deepEqual(failures, [], `${failures.length} of ${outcomes.length} disagree:\n${failures.join('\n')}`);
  });
}
