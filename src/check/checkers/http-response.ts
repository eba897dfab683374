// The HTTP_GET/SSL_GET response as keepalived 2.2.7 reads and judges it (check_http.c, lib/html.c),
// fed incrementally with the bytes received. keepalived reads until the server closes the
// connection; it does not decode chunked bodies and does not stop at Content-Length:
//   - the header ends at the first CRLF CRLF, which must arrive within its 4096-byte buffer
//     (4095 bytes); if it does not, keepalived reads 0 bytes, takes that for the end of the stream
//     and fails the check with "Read, no data received from";
//   - the status code is the 3 digits after the first space of the buffer, followed by a space
//     (a status line without a reason phrase has no readable code);
//   - Content-Length is found case-sensitively ("Content-Length:") anywhere in the buffer that
//     completed the header (up to a NUL byte), parsed with strtoul, and ignored unless followed by
//     CR, LF or the end of the buffer;
//   - the MD5 digest covers the raw body bytes after the header, but no more than Content-Length;
//     genhash prints the same digest;
//   - the regex is matched against the body only (offsets count from the first body byte).
import { createHash, type Hash } from 'node:crypto';
import type { HttpUrl } from '../../config/model/lvs.js';
import { execFrom, type CompiledRegex } from './pcre.js';

/** keepalived's MAX_BUFFER_LENGTH: the header must fit in one less than this. */
export const MAX_BUFFER_LENGTH = 4096;
const SIZE_MAX = (1n << 64n) - 1n;
const CRLFCRLF = Uint8Array.of(13, 10, 13, 10);

export interface HttpResponseSummary {
  /** The CRLF CRLF ending the header was seen (keepalived's req->extracted). */
  headerComplete: boolean;
  /** 0 when the status line has no readable code. */
  statusCode: number;
  /** Content-Length as keepalived parsed it (a size_t); undefined when absent or unusable. */
  contentLength?: bigint;
  /** Body bytes received. */
  rxBytes: number;
  /** Lower-case hex MD5 of the body (capped at Content-Length), when a digest was asked for. */
  digest?: string;
  /** The regex matched within [minOffset, maxOffset). */
  regexMatched: boolean;
}

export interface RegexSpec {
  compiled: CompiledRegex;
  minOffset: number;
  /** One beyond the last acceptable start offset; 0 = no limit. */
  maxOffset: number;
}

export interface ReaderOptions {
  digest: boolean;
  regex?: RegexSpec;
}

/**
 * Incremental reader of one response. `push` returns 'full' when the header did not fit in
 * keepalived's buffer: the caller must then stop reading and call `finish` (keepalived does the same).
 */
export class HttpResponseReader {
  private head: Uint8Array = new Uint8Array(0);
  private headerComplete = false;
  private statusCode = 0;
  private contentLength: bigint | undefined;
  private rxBytes = 0;
  private hashed = 0n;
  private readonly hash: Hash | undefined;
  private readonly scanner: BodyRegexScanner | undefined;

  constructor(opts: ReaderOptions) {
    this.hash = opts.digest ? createHash('md5') : undefined;
    this.scanner = opts.regex ? new BodyRegexScanner(opts.regex) : undefined;
  }

  push(chunk: Uint8Array): 'more' | 'full' {
    let rest = chunk;
    while (!this.headerComplete && rest.length > 0) {
      // keepalived reads at most what its buffer can still hold; the rest waits in the kernel
      const room = MAX_BUFFER_LENGTH - 1 - this.head.length;
      if (room === 0) return 'full';
      const take = rest.subarray(0, room);
      rest = rest.subarray(take.length);
      this.head = concat(this.head, take);
      const end = indexOf(this.head, CRLFCRLF);
      if (end === -1) continue;
      this.headerComplete = true;
      this.statusCode = extractStatusCode(this.head);
      this.contentLength = extractContentLength(this.head);
      this.body(this.head.subarray(end + 4));
    }
    if (!this.headerComplete) return this.head.length >= MAX_BUFFER_LENGTH - 1 ? 'full' : 'more';
    if (rest.length > 0) this.body(rest);
    return 'more';
  }

  finish(): HttpResponseSummary {
    this.scanner?.finish();
    return {
      headerComplete: this.headerComplete,
      statusCode: this.statusCode,
      ...(this.contentLength !== undefined ? { contentLength: this.contentLength } : {}),
      rxBytes: this.rxBytes,
      ...(this.hash ? { digest: this.hash.digest('hex') } : {}),
      regexMatched: this.scanner?.matched ?? false,
    };
  }

  private body(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    if (this.hash) {
      const cap = this.contentLength === undefined ? BigInt(bytes.length) : this.contentLength - this.hashed;
      const n = cap <= 0n ? 0 : cap >= BigInt(bytes.length) ? bytes.length : Number(cap);
      if (n > 0) {
        this.hash.update(bytes.subarray(0, n));
        this.hashed += BigInt(n);
      }
    }
    this.rxBytes += bytes.length;
    this.scanner?.push(bytes);
  }
}

/** How a url's response is judged, in keepalived's order: data, status, (length notice), digest, regex. */
export type HttpVerdict =
  | { ok: true; /** the first words of keepalived's success line */ what: 'HTTP status code' | 'MD5 digest' | 'Regex match' }
  | {
      ok: false;
      reason: 'no-data' | 'status' | 'digest' | 'regex';
      /** keepalived's timeout_epilog text; the line is `<detail> server <rs>.` */
      detail: string;
    };

export interface Judgement {
  verdict: HttpVerdict;
  /** Set when the status passed but Content-Length differed from the bytes received. */
  lengthMismatch?: { contentLength: bigint; rxBytes: number };
}

export function judgeHttpResponse(url: HttpUrl, s: HttpResponseSummary): Judgement {
  if (!s.headerComplete) return { verdict: { ok: false, reason: 'no-data', detail: 'Read, no data received from' } };
  if (!statusAccepted(url.statusCodes, s.statusCode)) {
    return { verdict: { ok: false, reason: 'status', detail: 'HTTP status code error to' } };
  }
  const j: Judgement = { verdict: { ok: true, what: 'HTTP status code' } };
  if (s.contentLength !== undefined && s.contentLength !== BigInt(s.rxBytes)) {
    j.lengthMismatch = { contentLength: s.contentLength, rxBytes: s.rxBytes };
  }
  if (url.digest !== undefined) {
    if (s.digest !== url.digest.toLowerCase()) return { ...j, verdict: { ok: false, reason: 'digest', detail: 'MD5 digest error to' } };
    j.verdict = { ok: true, what: 'MD5 digest' };
  }
  if (url.regex) {
    if (s.regexMatched === url.regex.noMatch) return { ...j, verdict: { ok: false, reason: 'regex', detail: 'Regex match failed' } };
    j.verdict = { ok: true, what: 'Regex match' };
  }
  return j;
}

/** keepalived keeps a bit per code 100..599; anything else never passes. */
export function statusAccepted(ranges: ReadonlyArray<readonly [number, number]>, code: number): boolean {
  if (code < 100 || code > 599) return false;
  return ranges.some(([lo, hi]) => code >= lo && code <= hi);
}

/** extract_status_code: the token after the first space, exactly 3 digits, then a space. */
export function extractStatusCode(buf: Uint8Array): number {
  const len = buf.length;
  let i = 0;
  while (i < len && buf[i] !== 0x20 && buf[i] !== 0x0d) i++;
  if (i >= len || buf[i] !== 0x20) return 0;
  i++;
  if (i + 3 >= len || buf[i] === 0x20 || buf[i + 3] !== 0x20) return 0;
  // strtoul would also take a sign or leading tab, but such codes are never in 100..599
  for (let k = 0; k < 3; k++) if (buf[i + k] < 0x30 || buf[i + k] > 0x39) return 0;
  return (buf[i] - 0x30) * 100 + (buf[i + 1] - 0x30) * 10 + (buf[i + 2] - 0x30);
}

/** extract_content_length: strstr("Content-Length:") then strtoul; undefined stands for SIZE_MAX. */
export function extractContentLength(buf: Uint8Array): bigint | undefined {
  let n = buf.indexOf(0);
  if (n === -1) n = buf.length;
  const text = latin1(buf.subarray(0, n));
  const at = text.indexOf('Content-Length:');
  if (at === -1) return undefined;
  const start = at + 'Content-Length:'.length;
  let j = start;
  while (j < text.length && ' \t\n\v\f\r'.includes(text[j])) j++;
  let negative = false;
  if (text[j] === '+' || text[j] === '-') {
    negative = text[j] === '-';
    j++;
  }
  const digits = j;
  while (j < text.length && text[j] >= '0' && text[j] <= '9') j++;
  let value: bigint;
  let end: number;
  if (j === digits) {
    value = 0n; // no conversion: strtoul leaves end at its argument
    end = start;
  } else {
    value = BigInt(text.slice(digits, j));
    if (value > SIZE_MAX) value = SIZE_MAX; // ERANGE
    else if (negative) value = (SIZE_MAX + 1n - value) & SIZE_MAX;
    end = j;
  }
  if (end < text.length && text[end] !== '\r' && text[end] !== '\n') return undefined;
  return value === SIZE_MAX ? undefined : value;
}

/** Bytes kept in front of new data when a long body is searched in windows. */
const REGEX_OVERLAP = 64 * 1024;
/** Body text searched at once before sliding the window. */
const REGEX_WINDOW = 1024 * 1024;

/**
 * The regex over a body of any length in bounded memory: the body is searched in windows of
 * 1 MiB that overlap by 64 KiB, so a match longer than 64 KiB that straddles two windows is missed.
 * (keepalived itself slides a 4 KiB buffer using PCRE2 partial matching.)
 */
class BodyRegexScanner {
  matched = false;
  private decided = false;
  private window = '';
  /** Body offset of window[0]. */
  private windowStart = 0;
  /** Body offset from which the next search starts. */
  private searchFrom: number;

  constructor(private readonly spec: RegexSpec) {
    this.searchFrom = spec.minOffset;
  }

  push(bytes: Uint8Array): void {
    if (this.decided) return;
    this.window += latin1(bytes);
    if (this.window.length >= REGEX_WINDOW) this.scan(false);
  }

  finish(): void {
    // keepalived never runs the regex on an empty body
    if (!this.decided && this.windowStart + this.window.length > 0) this.scan(true);
    this.decided = true;
  }

  private scan(final: boolean): void {
    const { maxOffset } = this.spec;
    if (maxOffset && this.searchFrom >= maxOffset) {
      this.decided = true;
      return;
    }
    const m = execFrom(this.spec.compiled, this.window, this.searchFrom - this.windowStart);
    if (m) {
      const start = this.windowStart + m.index;
      // a match reaching the window's end might read differently with more data: decide at the end
      if (final || m.index + m.length < this.window.length) {
        if (!maxOffset || start < maxOffset) {
          this.matched = true;
          this.decided = true;
          return;
        }
        if (final) {
          this.decided = true;
          return;
        }
      }
    } else if (final) {
      this.decided = true;
      return;
    }
    // slide: keep the overlap plus one byte before it (for lookbehind and anchors)
    const keep = Math.min(this.window.length, REGEX_OVERLAP + 1);
    const newStart = this.windowStart + this.window.length - keep;
    this.window = this.window.slice(this.window.length - keep);
    this.windowStart = newStart;
    this.searchFrom = Math.max(this.searchFrom, newStart + 1);
  }
}

function latin1(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i += 8192) s += String.fromCharCode(...b.subarray(i, i + 8192));
  return s;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

function indexOf(hay: Uint8Array, needle: Uint8Array): number {
  outer: for (let i = 0; i + needle.length <= hay.length; i++) {
    for (let k = 0; k < needle.length; k++) if (hay[i + k] !== needle[k]) continue outer;
    return i;
  }
  return -1;
}
