// Host side of the health-check lab: writes the configuration, the MISC_CHECK script and a self-signed
// certificate to a temporary directory, builds the LAN (a namespace holding every real server address,
// one director namespace per daemon, a bridge) and runs check-driver.ts inside ONE UML boot, in the real
// servers' namespace. Returns the driver's record.
import { execFile } from 'node:child_process';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { LAB_TMP } from '../../src/lab/uml-init.js';
import { lan, sysctlSet } from '../../src/lab/netns.js';
import { shq } from '../../src/lab/shell.js';
import type { UmlResult } from '../../src/lab/uml.js';
import { runDriverInUml } from '../../src/lab/driver.js';
import { LAB, MISC_SCRIPT, TRACKS, checkConfig } from './check-scenario.js';
import type { DriverInput, DriverResult } from './check-driver.js';

const run = promisify(execFile);

export interface CheckLabOptions {
  /** dist/src/cli/main.js */
  main: string;
  /** dist/test/lab/check-driver.js */
  driver: string;
  marginMs: number;
  settleMs: number;
  capMs?: number;
  timeoutMs?: number;
  keep?: boolean;
}

export interface CheckLabRun {
  result: DriverResult;
  run: UmlResult;
  /** the configuration both daemons ran */
  config: string;
  /** the MISC_CHECK script's path as keepalived logs it */
  miscScript: string;
}

/** A throwaway self-signed certificate for the HTTPS real servers (openssl is a test dependency). */
async function selfSigned(dir: string): Promise<{ key: string; cert: string }> {
  const key = join(dir, 'rs.key');
  const cert = join(dir, 'rs.crt');
  try {
    // ECDSA: its handshakes cost the lab's one CPU far less than RSA's
    await run('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', cert, '-days', '2', '-subj', '/CN=lab.test'], { timeout: 30_000 });
  } catch (e) {
    throw new Error(`openssl could not make the HTTPS real servers' certificate (Debian package openssl): ${(e as Error).message}`);
  }
  return { key, cert };
}

/** The LAN: the real servers' namespace holding every real server address, both directors, one bridge. */
export function networkScript(): string {
  const reals = [...new Set(TRACKS.flatMap((t) => t.reals.map((r) => r.addr)))];
  const rs = LAB.realServers.ns;
  return [
    lan({
      bridge: LAB.bridge,
      hosts: [
        { ns: rs, addrs: [LAB.realServers.addr, ...reals.map((a) => `${a}/32`)] },
        { ns: LAB.directors.keepalived.ns, addrs: [`${LAB.directors.keepalived.addr}/16`] },
        { ns: LAB.directors.ours.ns, addrs: [`${LAB.directors.ours.addr}/16`] },
      ],
    }),
    // UDP_CHECK without require_reply fails only on an ICMP port unreachable: never rate-limit those
    sysctlSet('net.ipv4.icmp_ratelimit', 0, rs),
    `ip -n ${shq(rs)} route add blackhole default table ${LAB.blackholeTable}`,
  ].join('\n');
}

export async function runCheckLab(opts: CheckLabOptions): Promise<CheckLabRun> {
  const dir = await mkdtemp(join(tmpdir(), 'kt-chk-'));
  try {
    const miscScript = join(dir, 'check-misc.sh');
    await writeFile(miscScript, MISC_SCRIPT);
    await chmod(miscScript, 0o755);
    const miscDir = `${LAB_TMP}/chk-misc`;
    const config = checkConfig({ miscScript, miscDir });
    const conf = join(dir, 'keepalived.conf');
    await writeFile(conf, config);
    const input: DriverInput = {
      conf, main: opts.main, miscDir, tls: await selfSigned(dir),
      marginMs: opts.marginMs, settleMs: opts.settleMs, capMs: opts.capMs ?? 15_000, startTimeoutMs: 40_000, pollMs: 200,
    };
    // the driver serves the real servers, so it runs in their namespace; it reaches the directors by name
    const { result, run } = await runDriverInUml<DriverResult>({
      dir, input, network: networkScript(), ns: LAB.realServers.ns, driver: opts.driver, name: 'check driver',
      uml: { timeoutMs: opts.timeoutMs ?? 6 * 60_000, ...(opts.keep ? { keep: true } : {}) },
    });
    return { result, run, config, miscScript };
  } finally {
    if (!opts.keep) await rm(dir, { recursive: true, force: true });
  }
}
