// Live VRRP adverts from the reference keepalived 2.2.7, captured on the wire.
//
// Two private namespaces joined by one veth pair (eth0 on each side): keepalived in the sender
// namespace runs one instance per case below with priority 150 (or as address owner) and becomes
// MASTER; once it is, keepalived in the receiver namespace starts with the mirror configuration at
// priority 100 (peers swapped for unicast) and must stay BACKUP, proving a real peer accepted the
// adverts; tcpdump on the receiver's eth0 writes what arrives to a pcap file. After a few more adverts
// per case the receiver is stopped, then the sender (whose masters then send priority-0 adverts),
// then tcpdump.
//
// Everything is started here and ended here by PID; the namespaces are deleted afterwards, also on
// failure (createNetns also deletes them when the process exits).
import { spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createNetns, type OwnedNetns } from './netns.js';
import { KEEPALIVED_BIN, requireKeepalived } from './keepalived.js';
import { ipOfFrame, readPcap, type IpPacket } from './pcap.js';
import { peekHeader, VRRP_PROTOCOL } from '../../src/vrrp/packet.js';

export const TCPDUMP_BIN = '/usr/bin/tcpdump';

/** Sender and receiver addresses on the veth link. */
export const SENDER = { v4: '10.99.7.1', v6: 'fd00:99:7::1' };
export const RECEIVER = { v4: '10.99.7.2', v6: 'fd00:99:7::2' };

export interface WireCase {
  /** File-name-safe case name (golden file test/golden/vrrp/<name>.json). */
  name: string;
  what: string;
  vrid: number;
  version: 2 | 3;
  family: 4 | 6;
  /** Sender priority; undefined = `state MASTER` without priority (address owner, 255). */
  priority?: number;
  /** Seconds, as written in the config. */
  advertInt: number;
  authPass?: string;
  vips: string[];
  unicast?: boolean;
  /** Sender uses `old_unicast_checksum` (v3 unicast pseudo-header names the multicast group). */
  oldUnicastChecksum?: boolean;
}

export const WIRE_CASES: readonly WireCase[] = [
  { name: 'v2-multicast', what: 'VRRPv2 multicast, no authentication', vrid: 11, version: 2, family: 4, priority: 150, advertInt: 1, vips: ['10.99.7.111'] },
  { name: 'v2-multicast-pass', what: 'VRRPv2 multicast, PASS with a short password (zero-padded)', vrid: 12, version: 2, family: 4, priority: 150, advertInt: 1, authPass: 'secret', vips: ['10.99.7.112'] },
  { name: 'v2-multicast-pass-long', what: 'VRRPv2 multicast, PASS with a long password (first 8 bytes sent), two VIPs', vrid: 13, version: 2, family: 4, priority: 150, advertInt: 1, authPass: 'longpassword42', vips: ['10.99.7.113', '10.99.7.114/24'] },
  { name: 'v2-unicast', what: 'VRRPv2 unicast to one peer', vrid: 14, version: 2, family: 4, priority: 150, advertInt: 1, unicast: true, vips: ['10.99.7.115'] },
  { name: 'v2-owner-many-vips', what: 'VRRPv2 address owner (state MASTER, priority 255), six VIPs', vrid: 15, version: 2, family: 4, advertInt: 1, vips: ['10.99.7.116', '10.99.7.117/24', '192.168.77.1/24', '192.168.77.2', '172.16.5.9/16', '10.99.8.1'] },
  { name: 'v3-multicast', what: 'VRRPv3 IPv4 multicast, priority 150, advert_int 1', vrid: 21, version: 3, family: 4, priority: 150, advertInt: 1, vips: ['10.99.7.121'] },
  { name: 'v3-multicast-fast', what: 'VRRPv3 IPv4 multicast, priority 150, advert_int 0.5', vrid: 22, version: 3, family: 4, priority: 150, advertInt: 0.5, vips: ['10.99.7.122', '10.99.7.123'] },
  { name: 'v3-unicast', what: 'VRRPv3 IPv4 unicast (pseudo-header with the peer as destination)', vrid: 23, version: 3, family: 4, priority: 150, advertInt: 1, unicast: true, vips: ['10.99.7.124'] },
  { name: 'v3-unicast-old-checksum', what: 'VRRPv3 IPv4 unicast with old_unicast_checksum (pseudo-header names 224.0.0.18)', vrid: 24, version: 3, family: 4, priority: 150, advertInt: 1, unicast: true, oldUnicastChecksum: true, vips: ['10.99.7.125'] },
  { name: 'v3-ipv6-multicast', what: 'VRRPv3 IPv6 multicast, link-local first VIP', vrid: 31, version: 3, family: 6, priority: 150, advertInt: 1, vips: ['fe80::31:1/64', 'fd00:99:7::131/64', 'fd00:99:7::132'] },
  { name: 'v3-ipv6-unicast', what: 'VRRPv3 IPv6 unicast to one peer', vrid: 32, version: 3, family: 6, priority: 150, advertInt: 1, unicast: true, vips: ['fe80::32:1/64', 'fd00:99:7::133'] },
];

export type Side = 'sender' | 'receiver';

/** The vrrp_instance block of a case for one side of the link. */
export function instanceConfig(c: WireCase, side: Side): string {
  const me = side === 'sender' ? SENDER : RECEIVER;
  const peer = side === 'sender' ? RECEIVER : SENDER;
  const fam = c.family === 4 ? 'v4' : 'v6';
  const lines = [`vrrp_instance ${c.name.toUpperCase().replace(/-/g, '_')} {`, '  interface eth0', `  virtual_router_id ${c.vrid}`];
  if (side === 'sender' && c.priority === undefined) lines.push('  state MASTER');
  else lines.push('  state BACKUP', `  priority ${side === 'sender' ? c.priority : 100}`);
  lines.push(`  version ${c.version}`, `  advert_int ${c.advertInt}`);
  if (c.authPass) lines.push('  authentication {', '    auth_type PASS', `    auth_pass ${c.authPass}`, '  }');
  if (c.unicast) {
    lines.push(`  unicast_src_ip ${me[fam]}`);
    // The receiver also checks the source and its TTL window, to exercise those checks live.
    lines.push('  unicast_peer {', `    ${peer[fam]}${side === 'receiver' ? ' min_ttl 1 max_ttl 255' : ''}`, '  }');
    // Sender only: the receiver is left to detect the old form by itself, as keepalived does.
    if (c.oldUnicastChecksum && side === 'sender') lines.push('  old_unicast_checksum');
  }
  lines.push('  virtual_ipaddress {', ...c.vips.map((v) => `    ${v}`), '  }', '}');
  return lines.join('\n') + '\n';
}

export function keepalivedConfig(cases: readonly WireCase[], side: Side): string {
  return `global_defs {\n  router_id kt-wire-${side}\n}\n\n` + cases.map((c) => instanceConfig(c, side)).join('\n');
}

export interface CapturedAdvert {
  /** The case whose VRID the advert carries (undefined: not one of ours). */
  caseName?: string;
  packet: IpPacket;
}

export interface WireCapture {
  adverts: CapturedAdvert[];
  /** Console lines of each keepalived (-l -D). */
  senderLog: string[];
  receiverLog: string[];
  senderMac: string;
  durationMs: number;
}

export interface CaptureOptions {
  cases?: readonly WireCase[];
  /** Non-zero-priority adverts to wait for per case (default 3). */
  advertsPerCase?: number;
  /** Give up waiting after this long (default 25 s); the capture is returned as it is. */
  timeoutMs?: number;
}

export function requireTcpdump(): string {
  const r = spawnSync(TCPDUMP_BIN, ['--version'], { encoding: 'utf8' });
  if (r.status !== 0) {
    throw new Error(`tcpdump not found at ${TCPDUMP_BIN}: install Debian's tcpdump (bash .ci/setup does)`);
  }
  return TCPDUMP_BIN;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs both keepalived instances and tcpdump as described at the top, and returns the adverts seen. */
export async function captureKeepalivedAdverts(opts: CaptureOptions = {}): Promise<WireCapture> {
  requireKeepalived();
  requireTcpdump();
  const cases = opts.cases ?? WIRE_CASES;
  const want = opts.advertsPerCase ?? 3;
  const started = Date.now();
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'kt-vrrp-wire-'));
  const spaces: OwnedNetns[] = [];
  const children: ChildProcess[] = [];
  try {
    const a = await createNetns({ interfaces: [], tag: 'vwa' });
    spaces.push(a);
    const b = await createNetns({ interfaces: [], tag: 'vwb' });
    spaces.push(b);
    await nsRun(a, ['ip', 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', b.name]);
    for (const [ns, me] of [[a, SENDER], [b, RECEIVER]] as const) {
      await nsRun(ns, ['ip', 'addr', 'add', `${me.v4}/24`, 'dev', 'eth0']);
      await nsRun(ns, ['ip', 'addr', 'add', `${me.v6}/64`, 'dev', 'eth0', 'nodad']);
      await nsRun(ns, ['ip', 'link', 'set', 'eth0', 'up']);
    }
    const senderMac = (await nsRun(a, ['cat', '/sys/class/net/eth0/address'])).trim();
    await waitLinkLocal(a);
    await waitLinkLocal(b);

    const pcap = path.join(tmp, 'adverts.pcap');
    const tcpdump = b.spawn([TCPDUMP_BIN, '-i', 'eth0', '-n', '-U', '-Z', 'root', '-s', '0', '-w', pcap, `ip proto ${VRRP_PROTOCOL} or ip6 proto ${VRRP_PROTOCOL}`]);
    children.push(tcpdump);
    const tcpdumpErr = collectLines(tcpdump);
    await waitFor(() => tcpdumpErr.some((l) => l.includes('listening on')), 5000, () => `tcpdump did not start: ${tcpdumpErr.join('\n')}`);

    const senderConf = path.join(tmp, 'sender.conf');
    const receiverConf = path.join(tmp, 'receiver.conf');
    await writeFile(senderConf, keepalivedConfig(cases, 'sender'));
    await writeFile(receiverConf, keepalivedConfig(cases, 'receiver'));
    const keepalived = (ns: OwnedNetns, conf: string, tag: string): ChildProcess => {
      const pids = ['-p', 'keepalived', '-r', 'vrrp', '-c', 'checkers', '-b', 'bfd'].map((x, i) => (i % 2 ? path.join(tmp, `${tag}-${x}.pid`) : x));
      const child = ns.spawn([KEEPALIVED_BIN, '-n', '-l', '-D', '-G', '-P', '-f', conf, ...pids]);
      child.stdin?.end();
      children.push(child);
      return child;
    };
    const captured = async (): Promise<CapturedAdvert[]> => {
      const bytes = await readFile(pcap).catch(() => new Uint8Array(0));
      return readPcap(bytes).flatMap((f) => {
        const packet = ipOfFrame(f);
        if (!packet || packet.protocol !== VRRP_PROTOCOL) return [];
        const vrid = peekHeader(packet.payload)?.vrid;
        const c = cases.find((k) => k.vrid === vrid && k.family === packet.family);
        return [{ caseName: c?.name, packet }];
      });
    };
    const deadline = Date.now() + (opts.timeoutMs ?? 25_000);
    /** Waits until every case has `n` non-zero-priority adverts from the sender since `since` (s). */
    const waitAdverts = async (n: number, since: number, alive: ChildProcess[]): Promise<void> => {
      const enough = (list: CapturedAdvert[]) =>
        cases.every((c) => list.filter((x) => x.caseName === c.name && x.packet.srcMac === senderMac && x.packet.payload[2] !== 0 && x.packet.time >= since).length >= n);
      while (Date.now() < deadline && !enough(await captured())) {
        if (alive.some((c) => c.exitCode !== null || c.signalCode !== null)) return;
        await sleep(200);
      }
    };

    const sender = keepalived(a, senderConf, 'sender');
    const senderLog = collectLines(sender);
    // The receiver starts once the sender is MASTER everywhere, so it never races the sender's
    // master-down timer (however loaded the machine), and then has to accept `want` more adverts.
    await waitAdverts(1, 0, [sender]);
    const receiverStart = Date.now() / 1000;
    const receiver = keepalived(b, receiverConf, 'receiver');
    const receiverLog = collectLines(receiver);
    await waitFor(() => receiverLog.filter((l) => l.includes('Entering BACKUP STATE (init)')).length >= cases.length || Date.now() > deadline, 30_000, () => 'the receiving keepalived did not start');
    await waitAdverts(want, receiverStart + 0.1, [sender, receiver]);

    // Receiver first: once the sender's masters send priority 0, a live receiver would take over.
    await stop(receiver);
    await stop(sender);
    await sleep(300);
    await stop(tcpdump, 'SIGINT');
    return { adverts: await captured(), senderLog, receiverLog, senderMac, durationMs: Date.now() - started };
  } finally {
    for (const c of children) if (c.exitCode === null && c.signalCode === null && c.pid) kill(c.pid, 'SIGKILL');
    for (const ns of spaces) await ns.destroy().catch(() => undefined);
    await rm(tmp, { recursive: true, force: true });
  }
}

function kill(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    /* already gone */
  }
}

/** SIGTERM (or sig), then SIGKILL after 5 s. */
async function stop(child: ChildProcess, sig: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || !child.pid) return;
  const closed = new Promise<void>((r) => child.once('close', () => r()));
  kill(child.pid, sig);
  const timer = setTimeout(() => child.pid && kill(child.pid, 'SIGKILL'), 5000);
  await closed;
  clearTimeout(timer);
}

function collectLines(child: ChildProcess): string[] {
  const lines: string[] = [];
  for (const s of [child.stdout, child.stderr]) {
    let partial = '';
    s?.setEncoding('utf8').on('data', (d: string) => {
      const parts = (partial + d).split('\n');
      partial = parts.pop() ?? '';
      lines.push(...parts.filter((l) => l.trim() !== ''));
    });
  }
  return lines;
}

async function waitFor(ok: () => boolean, ms: number, why: () => string): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(why());
    await sleep(50);
  }
}

async function waitLinkLocal(ns: OwnedNetns): Promise<void> {
  const end = Date.now() + 5000;
  for (;;) {
    const out = await nsRun(ns, ['ip', '-6', '-o', 'addr', 'show', 'dev', 'eth0', 'scope', 'link']);
    if (/fe80::/.test(out) && !/tentative/.test(out)) return;
    if (Date.now() > end) throw new Error(`no usable link-local address on eth0 in ${ns.name}: ${out}`);
    await sleep(50);
  }
}

async function nsRun(ns: OwnedNetns, argv: string[]): Promise<string> {
  const r = await ns.exec(argv);
  if (r.code !== 0) throw new Error(`${argv.join(' ')} in ${ns.name} failed (rc ${r.code}): ${r.stderr}`);
  return r.stdout;
}

// Run directly: print a summary of one capture (node dist/test/oracle/vrrp-wire.js).
if (import.meta.url === `file://${process.argv[1]}`) {
  const cap = await captureKeepalivedAdverts();
  for (const x of cap.adverts) {
    const p = x.packet;
    console.log(`${x.caseName ?? '?'}\t${p.src.text} > ${p.dst.text} ttl ${p.ttl} tos 0x${p.tos.toString(16)} ${p.srcMac}\t${Buffer.from(p.payload).toString('hex')}`);
  }
  console.log(`${cap.adverts.length} adverts in ${cap.durationMs} ms`);
  console.log('--- sender\n' + cap.senderLog.join('\n') + '\n--- receiver\n' + cap.receiverLog.join('\n'));
}
