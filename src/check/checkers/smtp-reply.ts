// SMTP_CHECK's reading of server replies, as keepalived 2.2.7 does it (check_smtp.c): a 512-byte
// buffer, cleared before each expected reply, filled read by read until it holds a \n; only the text
// before the first \n is looked at, and whatever else that read brought is dropped (bytes the read
// did not take stay for the next reply). The status is 3 digits followed by a space or the end of
// the line — so a multi-line reply ("220-...") is not accepted, nor is "220\r".

/** keepalived's SMTP_BUFF_MAX. */
export const SMTP_BUFF_MAX = 512;

export class SmtpLineBuffer {
  private buf: number[] = [];
  /** Bytes received but not yet "read" (they did not fit in the buffer). */
  private pending: Uint8Array = new Uint8Array(0);
  /** How often the buffer wrapped (keepalived logs a line each time). */
  overflows = 0;

  /** Start waiting for a new reply: the buffer is emptied; unread bytes remain. */
  expectLine(): void {
    this.buf = [];
  }

  /** Bytes that arrived; returns the reply line once the buffer holds a \n. */
  push(chunk: Uint8Array): string | undefined {
    this.pending = this.pending.length ? concat(this.pending, chunk) : chunk;
    return this.drain();
  }

  /** Process bytes already received (call after expectLine). */
  drain(): string | undefined {
    while (this.pending.length > 0) {
      if (this.buf.length >= SMTP_BUFF_MAX - 1) {
        this.overflows++;
        this.buf = [];
      }
      const room = SMTP_BUFF_MAX - 1 - this.buf.length;
      const read = this.pending.subarray(0, room);
      this.pending = this.pending.subarray(read.length);
      for (const b of read) this.buf.push(b);
      // strchr stops at a NUL byte
      let end = this.buf.indexOf(0);
      if (end === -1) end = this.buf.length;
      const nl = this.buf.slice(0, end).indexOf(0x0a);
      if (nl !== -1) return String.fromCharCode(...this.buf.slice(0, nl));
    }
    return undefined;
  }
}

/** smtp_get_status: the reply code, or -1 when the line does not start with 3 digits then a space or its end. */
export function smtpStatus(line: string): number {
  const m = /^(\d{3})(?: |$|\0)/.exec(line);
  return m ? Number(m[1]) : -1;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}
