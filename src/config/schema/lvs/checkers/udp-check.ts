// UDP_CHECK: send `payload` (hex; random when absent); failure is mostly an ICMP unreachable.
// With require_reply a reply must arrive, of min..max_reply_length bytes, matching the optional
// hex pattern (x nibbles are wildcards).
import type { UdpCheck } from '../../../model/lvs.js';
import { applyBlock, blockKeyword, type KeywordSpec, type SchemaRegistry } from '../../types.js';
import type { RsDraft } from '../drafts.js';
import { readUnsignedArg } from '../read.js';
import { connectionKeywords, connectionUsable, newConnChecker, resolveConn, resolvePolled, timingKeywords, type ConnCheckerDraft } from './common.js';

interface UdpDraft extends ConnCheckerDraft {
  payload?: string;
  requireReply: boolean;
  replyData?: string;
  replyMask?: string;
  minReplyLength: number;
  maxReplyLength: number;
}

function nibble(c: string, wildcard: boolean): number | 'x' | undefined {
  if (/^[0-9a-fA-F]$/.test(c)) return parseInt(c, 16);
  if (wildcard && (c === 'x' || c === 'X')) return 'x';
  return undefined;
}

/**
 * keepalived's read_hex_str: blanks separate; two characters make an octet, a lone one its low
 * nibble (`Ab12f 3` = AB 12 0F 03). Returns lower-case hex and, with wildcards, a mask (f = ignore).
 * Like keepalived 2.2.7, rejects a string whose last octet is ff (see endsWithFfOctet).
 */
export function parseHexString(text: string, wildcard: boolean): { data: string; mask?: string } | undefined {
  const r = readHexOctets(text, wildcard);
  // read_hex_str uses 0xff as its "invalid character" marker and tests the last octet read against it
  if (!r || r.data[r.data.length - 1] === 0xff) return undefined;
  const hex = (a: number[]) => a.map((b) => b.toString(16).padStart(2, '0')).join('');
  return r.usingMask ? { data: hex(r.data), mask: hex(r.mask) } : { data: hex(r.data) };
}

/** True when the string is valid hex but its last octet is ff, which keepalived 2.2.7 rejects. */
export function endsWithFfOctet(text: string, wildcard: boolean): boolean {
  const r = readHexOctets(text, wildcard);
  return !!r && r.data[r.data.length - 1] === 0xff;
}

function readHexOctets(text: string, wildcard: boolean): { data: number[]; mask: number[]; usingMask: boolean } | undefined {
  const data: number[] = [];
  const mask: number[] = [];
  let usingMask = false;
  let i = 0;
  for (;;) {
    while (text[i] === ' ' || text[i] === '\t') i++;
    if (i >= text.length) break;
    let hi = nibble(text[i++], wildcard);
    if (hi === undefined) return undefined;
    let m = 0;
    if (hi === 'x') {
      m = 0xf;
      hi = 0;
      usingMask = true;
    }
    let v = hi;
    if (i < text.length && text[i] !== ' ') {
      let lo = nibble(text[i++], wildcard);
      if (lo === undefined) return undefined;
      m <<= 4;
      if (lo === 'x') {
        m |= 0xf;
        lo = 0;
        usingMask = true;
      }
      v = (hi << 4) | lo;
    }
    data.push(v);
    mask.push(m);
  }
  if (!data.length) return undefined;
  return { data, mask, usingMask };
}

const FF_HINT = 'keepalived 2.2.7 rejects a hex string whose last octet is ff (its parser takes that value for an error)';

export function udpCheckKeyword(registry: SchemaRegistry): KeywordSpec<RsDraft> {
  const table = registry.register<UdpDraft>('UDP_CHECK', {
    ...connectionKeywords<UdpDraft>(),
    ...timingKeywords<UdpDraft>(),
    payload: (s, d, ctx) => {
      if (!s.args.length) return ctx.sink.error(s.pos, 'UDP_CHECK payload requires a payload');
      const text = s.args.map((a) => a.text).join(' ');
      const r = parseHexString(text, false);
      if (!r) return ctx.sink.error(s.args[0].pos, 'Invalid hex string for UDP_CHECK payload', endsWithFfOctet(text, false) ? FF_HINT : undefined);
      d.payload = r.data;
    },
    require_reply: (s, d, ctx) => {
      d.requireReply = true;
      if (!s.args.length) return;
      const text = s.args.map((a) => a.text).join(' ');
      const r = parseHexString(text, true);
      if (!r) return ctx.sink.error(s.args[0].pos, 'Invalid hex string for UDP_CHECK reply', endsWithFfOctet(text, true) ? FF_HINT : undefined);
      d.replyData = r.data;
      d.replyMask = r.mask;
    },
    min_reply_length: (s, d, ctx) => {
      const v = readUnsignedArg(s, ctx, 0, 0, 65535, (t) => `UDP_CHECK min length ${t} not valid - must be between 0 & 65535`);
      if (v !== undefined) d.minReplyLength = v;
    },
    max_reply_length: (s, d, ctx) => {
      const v = readUnsignedArg(s, ctx, 0, 0, 65535, (t) => `UDP_CHECK max length ${t} not valid - must be between 0 & 65535`);
      if (v !== undefined) d.maxReplyLength = v;
    },
  });
  return blockKeyword((s, rs, ctx) => {
    const d: UdpDraft = { ...newConnChecker(s, rs), requireReply: false, minReplyLength: 0, maxReplyLength: 255 };
    applyBlock(s.block, table, d, ctx, 'UDP_CHECK');
    if (!connectionUsable(d.conn, ctx, s.pos)) return;
    if (d.minReplyLength > d.maxReplyLength) {
      ctx.sink.error(s.pos, `UDP_CHECK min_reply length ${d.minReplyLength} > max_reply_length ${d.maxReplyLength} - will always fail`);
    }
    rs.checkers.push({
      kind: 'UDP_CHECK',
      pos: s.pos,
      resolve: (r): UdpCheck => ({
        kind: 'UDP_CHECK',
        ...resolvePolled(d, r),
        connection: resolveConn(d.conn, r),
        ...(d.payload !== undefined ? { payload: d.payload } : {}),
        requireReply: d.requireReply,
        ...(d.replyData !== undefined ? { replyData: d.replyData } : {}),
        ...(d.replyMask !== undefined ? { replyMask: d.replyMask } : {}),
        minReplyLength: d.minReplyLength,
        maxReplyLength: d.maxReplyLength,
      }),
    });
  });
}
