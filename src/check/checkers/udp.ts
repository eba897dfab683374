// UDP_CHECK, as keepalived 2.2.7's check_udp.c: send one datagram (the configured payload, else 32 bytes
// of keepalived's fill pattern) on a connected socket, then wait connect_timeout.
// - Without require_reply: any reply, or silence until the deadline, is success; an ICMP error is failure.
// - With require_reply: the deadline is failure; a reply passes, and when reply data is configured it
//   must also be min..max_reply_length long and match the data under its mask (keepalived checks the
//   lengths only together with the data).
// Differences: keepalived fails the check only on ICMP destination unreachable and takes other ICMP
// errors (time exceeded, parameter problem) for success; Node reports them all alike, so here they fail
// it. fwmark (SO_MARK) cannot be set on a Node socket and is not applied.
import type { Socket } from 'node:dgram';
import type { UdpCheck } from '../../config/model/lvs.js';
import type { ProbeContext, ProbeResult } from '../probe.js';
import { closeQuietly, openConnectedUdp, UdpSetupError } from './udp-socket.js';

/** keepalived's set_buf: "keepalived check - " repeated over `length` bytes (its payload when none is given). */
export function keepalivedFill(length: number): Buffer {
  const unit = Buffer.from('keepalived check - ');
  const out = Buffer.alloc(length);
  for (let p = 0; p < length; p += unit.length) unit.copy(out, p, 0, Math.min(unit.length, length - p));
  return out;
}

/** keepalived's UDP_BUFSIZE: the size of the default payload. */
const DEFAULT_PAYLOAD_LENGTH = 32;

/** check_udp_reply, inverted: the reply has an acceptable length and matches reply data under the mask. */
export function udpReplyMatches(check: Pick<UdpCheck, 'replyData' | 'replyMask' | 'minReplyLength' | 'maxReplyLength'>, reply: Uint8Array): boolean {
  if (reply.length < check.minReplyLength || reply.length > check.maxReplyLength) return false;
  const data = Buffer.from(check.replyData ?? '', 'hex');
  const mask = check.replyMask !== undefined ? Buffer.from(check.replyMask, 'hex') : undefined;
  // only the shorter of the reply and the pattern is compared
  const n = Math.min(reply.length, data.length);
  for (let i = 0; i < n; i++) {
    if ((reply[i] ^ data[i]) & ~(mask?.[i] ?? 0) & 0xff) return false;
  }
  return true;
}

export function probeUdp(check: UdpCheck, ctx: ProbeContext): Promise<ProbeResult> {
  const success: ProbeResult = { ok: true, message: `UDP connection to ${ctx.rsKey} success.` };
  const failed = (reason: string): ProbeResult => ({ ok: false, reason, message: `UDP connection to ${ctx.rsKey} failed.` });
  const payload = check.payload !== undefined ? Buffer.from(check.payload, 'hex') : keepalivedFill(DEFAULT_PAYLOAD_LENGTH);

  return new Promise((resolve) => {
    let socket: Socket | undefined;
    let settled = false;
    const settle = (r: ProbeResult) => {
      if (settled) return;
      settled = true;
      ctx.signal.removeEventListener('abort', onDeadline);
      closeQuietly(socket);
      resolve(r);
    };
    // keepalived's read timeout: success unless a reply is required
    const onDeadline = () => settle(check.requireReply ? failed('timeout') : success);

    openConnectedUdp(check.connection, { recvErr: true, signal: ctx.signal }).then(
      (s) => {
        socket = s;
        s.on('error', (e: NodeJS.ErrnoException) => settle(failed(e.code === 'ECONNREFUSED' ? 'refused' : 'unreachable')));
        s.on('message', (reply: Buffer) => {
          if (check.requireReply && check.replyData !== undefined && !udpReplyMatches(check, reply)) {
            settle({ ok: false, reason: 'mismatch', message: `UDP check to ${ctx.rsKey} reply data mismatch.` });
          } else settle(success);
        });
        ctx.signal.addEventListener('abort', onDeadline, { once: true });
        if (ctx.signal.aborted) return onDeadline();
        s.send(payload, (err) => {
          if (err) settle(failed('send'));
        });
      },
      (err: unknown) => {
        if (err instanceof UdpSetupError) settle(failed(err.stage));
        else onDeadline();
      },
    );
  });
}
