// Shared fixtures for the network checker tests: checker configurations, probe contexts, local
// servers on 127.0.0.1 / ::1 (ephemeral ports), a listener whose accept queue is full (connects
// hang), a self-signed certificate made with the openssl CLI, and genhash (keepalived's own HTTP
// client code) as an oracle.
import net from 'node:net';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ConnectionOptions, HttpCheck, HttpUrl, PolledCheckerBase, SmtpCheck, TcpCheck } from '../../../src/config/model/lvs.js';
import { parseIp } from '../../../src/lib/ip.js';
import type { CheckPorts, ProbeContext } from '../../../src/check/probe.js';

const POS = { file: 'test.conf', line: 1, col: 1 };

export function connection(port: number, opts: { ip?: string; timeout?: number } = {}): ConnectionOptions {
  const ip = parseIp(opts.ip ?? '127.0.0.1');
  if (!ip) throw new Error(`bad ip ${opts.ip}`);
  return { connectIp: ip, connectPort: port, bindPort: 0, connectTimeout: opts.timeout ?? 1, fwmark: 0 };
}

function base(): PolledCheckerBase {
  return { pos: POS, alpha: false, retry: 1, delayBeforeRetry: 1, delayLoop: 60, warmup: 0, logAllFailures: false };
}

export function tcpCheck(co: ConnectionOptions): TcpCheck {
  return { ...base(), kind: 'TCP_CHECK', connection: co };
}

export function url(path: string, extra: Partial<HttpUrl> = {}): HttpUrl {
  return { pos: POS, path, statusCodes: [[200, 299]], ...extra };
}

export function httpCheck(co: ConnectionOptions, urls: HttpUrl[], extra: Partial<HttpCheck> = {}): HttpCheck {
  return { ...base(), kind: 'HTTP_GET', connection: co, httpProtocol: '1.0', enableSni: false, fastRecovery: false, urls, ...extra };
}

export function smtpCheck(co: ConnectionOptions, heloName = 'smtpchecker.keepalived.org'): SmtpCheck {
  return { ...base(), kind: 'SMTP_CHECK', connection: co, heloName };
}

const noPorts: CheckPorts = {
  runScript: () => Promise.reject(new Error('not used')),
  icmpEcho: () => Promise.reject(new Error('not used')),
  readTrackFile: () => 0,
};

/** A context like the scheduler's: `signal` aborts after `deadlineMs` (none by default). */
export function probeContext(rsKey: string, opts: { deadlineMs?: number; signal?: AbortSignal } = {}): ProbeContext {
  const signal = opts.signal ?? (opts.deadlineMs !== undefined ? AbortSignal.timeout(opts.deadlineMs) : new AbortController().signal);
  return { signal, timeoutMs: opts.deadlineMs ?? 1000, ports: noPorts, rsKey, vsKey: '[10.0.0.1]:tcp:80' };
}

export interface TestServer {
  port: number;
  close(): Promise<void>;
}

/** A TCP server on host:0 calling `onConnection` for each accepted socket. */
export async function startServer(onConnection: (s: net.Socket) => void, host = '127.0.0.1'): Promise<TestServer> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => {});
    onConnection(s);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve());
  });
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A port on 127.0.0.1 nobody listens on (bound once, then released). */
export async function closedPort(): Promise<number> {
  const s = await startServer(() => {});
  await s.close();
  return s.port;
}

/**
 * A listener on 127.0.0.1 with backlog 0 whose accept queue is already full and that never accepts:
 * the kernel drops further SYNs, so a connect to it hangs. Node always accepts, hence python3.
 */
export async function hangingListener(): Promise<{ port: number; stop(): void }> {
  const script = [
    'import socket, sys, time',
    's = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(0)',
    'port = s.getsockname()[1]; fill = []',
    'for i in range(3):',
    '    c = socket.socket(); c.setblocking(False); c.connect_ex(("127.0.0.1", port)); fill.append(c)',
    'time.sleep(0.2)',
    'print(port, flush=True)',
    'sys.stdin.read()',
  ].join('\n');
  const child: ChildProcess = spawn('python3', ['-c', script], { stdio: ['pipe', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('error', (e) => reject(new Error(`python3 is needed for the hanging listener: ${e.message}`)));
    child.stdout!.once('data', (d: Buffer) => resolve(Number(d.toString().trim())));
    child.once('exit', (code) => reject(new Error(`hanging listener exited with ${code}`)));
  });
  return {
    port,
    stop: () => {
      child.stdin!.end();
      if (child.pid !== undefined && child.exitCode === null) child.kill();
    },
  };
}

/** A self-signed certificate for CN=test, made with the openssl CLI (required). */
export function selfSignedCert(): { key: Buffer; cert: Buffer; dir: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'kt-cert-'));
  const r = spawnSync(
    'openssl',
    ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '2', '-subj', '/CN=test'],
    { encoding: 'utf8', timeout: 30_000 },
  );
  if (r.status !== 0) throw new Error(`openssl (Debian package openssl) is needed to make a test certificate: ${r.error?.message ?? r.stderr}`);
  return {
    key: readFileSync(join(dir, 'key.pem')),
    cert: readFileSync(join(dir, 'cert.pem')),
    dir,
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** Run /usr/bin/genhash (keepalived's HTTP checker code in a command) and return its stdout. */
export function genhash(args: string[]): Promise<{ stdout: string; stderr: string; status: number | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn('/usr/bin/genhash', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill(), 10_000);
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(new Error(`genhash (Debian package keepalived) is needed: ${e.message}`));
    });
    child.once('close', (status) => {
      clearTimeout(timer);
      resolve({ stdout, stderr, status });
    });
  });
}

/** Collect what a client sends until the header ends (CRLF CRLF), then call `respond`. */
export function onRequest(s: net.Socket, respond: (request: string, s: net.Socket) => void): void {
  let buf = '';
  let done = false;
  s.on('data', (d: Buffer) => {
    if (done) return;
    buf += d.toString('latin1');
    if (buf.includes('\r\n\r\n')) {
      done = true;
      respond(buf, s);
    }
  });
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
