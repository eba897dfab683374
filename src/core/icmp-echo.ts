// ICMP / ICMPv6 echo for PING_CHECK over the raw socket addon. One raw socket per family (and per output
// device, which is a socket option), opened on first use and shared by every probe: requests carry the
// socket's random identifier and a per-socket sequence number, and replies — or ICMP errors quoting one
// of our requests — are matched back by those two. The request is keepalived's: an empty header and
// 128 bytes of its "keepalived check - " fill. The kernel computes ICMPv6 checksums for raw sockets;
// ICMPv4's is computed here.
import { randomInt } from 'node:crypto';
import { RawSocket, type RawPacket } from '../native/index.js';
import { keepalivedFill } from '../check/checkers/udp.js';

const IPPROTO_ICMP = 1;
const IPPROTO_ICMPV6 = 58;
const ECHO_REQUEST = { 4: 8, 6: 128 } as const;
const ECHO_REPLY = { 4: 0, 6: 129 } as const;
/** Errors that quote the offending packet: v4 unreachable, time exceeded, parameter problem; v6 types 1..4. */
const QUOTING_ERRORS = { 4: new Set([3, 11, 12]), 6: new Set([1, 2, 3, 4]) } as const;
/** keepalived's ICMP_BUFSIZE. */
const PAYLOAD = keepalivedFill(128);

function inetChecksum(b: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < b.length; i += 2) sum += (b[i] << 8) | (b[i + 1] ?? 0);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

export function echoRequest(family: 4 | 6, id: number, seq: number): Buffer {
  const b = Buffer.alloc(8 + PAYLOAD.length);
  b[0] = ECHO_REQUEST[family];
  b.writeUInt16BE(id, 4);
  b.writeUInt16BE(seq, 6);
  PAYLOAD.copy(b, 8);
  if (family === 4) b.writeUInt16BE(inetChecksum(b), 2);
  return b;
}

/** Which of our requests (id, seq) a received ICMP message answers, and how; undefined if none. */
export function matchEcho(family: 4 | 6, icmp: Uint8Array, id: number): { seq: number; reply: boolean } | undefined {
  if (icmp.length < 8) return undefined;
  const v = Buffer.from(icmp.buffer, icmp.byteOffset, icmp.byteLength);
  if (icmp[0] === ECHO_REPLY[family]) return v.readUInt16BE(4) === id ? { seq: v.readUInt16BE(6), reply: true } : undefined;
  if (!QUOTING_ERRORS[family].has(icmp[0])) return undefined;
  // the quoted packet: our IP header, then at least the first 8 bytes of our request
  const q = v.subarray(8);
  const [hl, proto] = family === 4 ? [(q[0] & 0x0f) * 4, q[9]] : [40, q[6]];
  if (q.length < hl + 8 || proto !== (family === 4 ? IPPROTO_ICMP : IPPROTO_ICMPV6)) return undefined;
  const req = q.subarray(hl);
  if (req[0] !== ECHO_REQUEST[family] || req.readUInt16BE(4) !== id) return undefined;
  return { seq: req.readUInt16BE(6), reply: false };
}

interface EchoSocket {
  sock: RawSocket;
  id: number;
  seq: number;
  pending: Map<number, (answered: boolean) => void>;
}

export class IcmpEchoPort {
  private readonly sockets = new Map<string, EchoSocket>();

  /** `netns`: open the sockets in that network namespace (tests). */
  constructor(private readonly options: { netns?: string } = {}) {}

  echo(address: string, family: 4 | 6, opts: { source?: string; device?: string; signal: AbortSignal }): Promise<boolean> {
    return new Promise((resolve) => {
      if (opts.signal.aborted) return resolve(false);
      let es: EchoSocket;
      try {
        es = this.socket(family, opts.device);
      } catch {
        return resolve(false);
      }
      let seq = es.seq;
      // skip a sequence number still in flight after a wrap
      while (es.pending.has(seq)) seq = (seq + 1) & 0xffff;
      es.seq = (seq + 1) & 0xffff;
      const done = (answered: boolean) => {
        if (es.pending.get(seq) !== done) return;
        es.pending.delete(seq);
        opts.signal.removeEventListener('abort', onAbort);
        resolve(answered);
      };
      const onAbort = () => done(false);
      es.pending.set(seq, done);
      opts.signal.addEventListener('abort', onAbort, { once: true });
      try {
        es.sock.send(echoRequest(family, es.id, seq), { dst: address, ...(opts.source ? { src: opts.source } : {}) });
      } catch {
        // no route, bad address, ...: nothing will answer
        done(false);
      }
    });
  }

  close(): void {
    for (const es of this.sockets.values()) {
      es.sock.close();
      for (const done of [...es.pending.values()]) done(false);
    }
    this.sockets.clear();
  }

  private socket(family: 4 | 6, device: string | undefined): EchoSocket {
    const key = `${family}/${device ?? ''}`;
    const known = this.sockets.get(key);
    if (known) return known;
    const es: EchoSocket = { sock: undefined as unknown as RawSocket, id: randomInt(0x10000), seq: randomInt(0x10000), pending: new Map() };
    es.sock = RawSocket.open({
      family,
      protocol: family === 4 ? IPPROTO_ICMP : IPPROTO_ICMPV6,
      checksumOffset: null,
      ...(device ? { device } : {}),
      ...(this.options.netns ? { netns: this.options.netns } : {}),
      onPacket: (p: RawPacket) => {
        const m = matchEcho(family, p.data, es.id);
        if (m) es.pending.get(m.seq)?.(m.reply);
      },
      // a receive error says nothing about one echo; pending ones end at their deadline
      onError: () => {},
    });
    this.sockets.set(key, es);
    return es;
  }
}
