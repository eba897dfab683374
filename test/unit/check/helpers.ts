// Shared pieces of the checker tests: checker configurations around a target, a probe context whose
// signal aborts at the deadline, ports that fail loudly when a probe uses one it should not, and
// timing of a probe.
import { parseIp, type IpAddress } from '../../../src/lib/ip.js';
import type { ConnectionOptions, PolledCheckerBase } from '../../../src/config/model/lvs.js';
import type { CheckPorts, ProbeContext, ProbeResult } from '../../../src/check/probe.js';

export function ip(text: string): IpAddress {
  const a = parseIp(text);
  if (!a) throw new Error(`bad address ${text}`);
  return a;
}

export function connection(address: string, port: number, extra: Partial<ConnectionOptions> = {}): ConnectionOptions {
  return { connectIp: ip(address), connectPort: port, bindPort: 0, connectTimeout: 5, fwmark: 0, ...extra };
}

export const polled: PolledCheckerBase = {
  pos: { file: 'keepalived.conf', line: 1, col: 1 },
  alpha: false, retry: 1, delayBeforeRetry: 1, delayLoop: 60, warmup: 60, logAllFailures: false,
};

export const noPorts: CheckPorts = {
  runScript: () => { throw new Error('runScript not expected'); },
  icmpEcho: () => { throw new Error('icmpEcho not expected'); },
  readTrackFile: () => { throw new Error('readTrackFile not expected'); },
};

export const RS = '[127.0.0.1]:udp:53';
export const VS = '[10.0.0.1]:udp:53';

/** A context whose signal aborts after `timeoutMs`, as the scheduler's deadline does. */
export function context(timeoutMs: number, ports: CheckPorts = noPorts, keys: { rsKey?: string; vsKey?: string } = {}): ProbeContext {
  return { signal: AbortSignal.timeout(timeoutMs), timeoutMs, ports, rsKey: keys.rsKey ?? RS, vsKey: keys.vsKey ?? VS };
}

/** Runs a probe and measures how long it took to settle. */
export async function timed(p: Promise<ProbeResult>): Promise<{ r: ProbeResult; ms: number }> {
  const t0 = performance.now();
  const r = await p;
  return { r, ms: performance.now() - t0 };
}
