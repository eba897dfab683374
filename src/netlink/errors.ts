// What can go wrong between us and the kernel's IPVS: decode failures as values (the codec never
// throws on input bytes), everything else as one named error class per failure.
import { constants as osConstants } from 'node:os';

/** Why a byte sequence is not a valid IPVS netlink message. */
export type DecodeErrorCode =
  /** the bytes end before a length field says they should */
  | 'truncated'
  /** a length field is impossible (shorter than its own header, misaligned, wrong for the type) */
  | 'bad-length'
  /** an attribute value is out of its domain (unknown family, string without NUL, …) */
  | 'bad-value'
  /** the same attribute twice in one set */
  | 'duplicate'
  /** a required attribute is absent */
  | 'missing'
  /** a message of a type or command that was not expected here */
  | 'unexpected';

export interface DecodeError {
  readonly code: DecodeErrorCode;
  /** Byte offset of the problem within the buffer handed to the decoder. */
  readonly offset: number;
  /** Where: attribute path such as `SERVICE.ADDR`. */
  readonly where: string;
  readonly message: string;
}

export type Result<T, E = DecodeError> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: E };

export const ok = <T>(value: T): Result<T, never> => ({ ok: true, value });
export const fail = (code: DecodeErrorCode, offset: number, where: string, message: string): Result<never> => ({
  ok: false,
  error: { code, offset, where, message },
});

const ERRNO_NAMES = new Map<number, string>(Object.entries(osConstants.errno).map(([name, n]) => [n, name]));

/** `EEXIST` for 17; `E123` for numbers this platform does not name. */
export function errnoName(errno: number): string {
  return ERRNO_NAMES.get(errno) ?? `E${errno}`;
}

/** Base of every failure of the IPVS adapter; `op` is the command, e.g. NEW_DEST. */
export class IpvsAdapterError extends Error {
  override name = 'IpvsAdapterError';
  constructor(
    message: string,
    readonly op: string,
    /** The entry concerned, e.g. `TCP 10.0.0.1:80 -> 10.0.1.5:80`, or '' for table-wide commands. */
    readonly entry: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

const where = (op: string, entry: string) => `IPVS ${op}${entry ? ` ${entry}` : ''}`;

/** The kernel refused a request: `IPVS NEW_DEST TCP 10.0.0.1:80 -> 10.0.1.5:80: EEXIST (17)`. */
export class IpvsError extends IpvsAdapterError {
  override name = 'IpvsError';
  /** Positive errno, e.g. 17. */
  readonly errno: number;
  /** Its name, e.g. EEXIST (as Node's `err.code`). */
  readonly code: string;
  constructor(op: string, entry: string, errno: number, extack?: string) {
    const code = errnoName(errno);
    super(`${where(op, entry)}: ${code} (${errno})${extack ? `: ${extack}` : ''}`, op, entry);
    this.errno = errno;
    this.code = code;
  }
}

/** No answer within the client's time limit. */
export class IpvsTimeoutError extends IpvsAdapterError {
  override name = 'IpvsTimeoutError';
  constructor(op: string, entry: string, readonly timeoutMs: number) {
    super(`${where(op, entry)}: no answer from the kernel within ${timeoutMs} ms`, op, entry);
  }
}

/** The netlink socket could not be opened, or failed under a request (it is reopened on the next call). */
export class IpvsSocketError extends IpvsAdapterError {
  override name = 'IpvsSocketError';
  constructor(op: string, entry: string, detail: string, cause?: unknown) {
    super(`${where(op, entry)}: netlink socket failed: ${detail}`, op, entry, { cause });
  }
}

/** The kernel has no "IPVS" generic netlink family: ip_vs is not loaded (or not built). */
export class IpvsFamilyMissingError extends IpvsAdapterError {
  override name = 'IpvsFamilyMissingError';
  constructor(detail: string) {
    super(`IPVS generic netlink family not found (${detail}): is the ip_vs module loaded?`, 'GET_FAMILY', 'IPVS');
  }
}

/** A kernel reply that does not decode; carries the decoder's error value. */
export class IpvsDecodeError extends IpvsAdapterError {
  override name = 'IpvsDecodeError';
  constructor(op: string, entry: string, readonly decodeError: DecodeError) {
    super(
      `${where(op, entry)}: undecodable reply: ${decodeError.code} at byte ${decodeError.offset}` +
        `${decodeError.where ? ` (${decodeError.where})` : ''}: ${decodeError.message}`,
      op,
      entry,
    );
  }
}

/** A value we were asked to send cannot be expressed on the wire (port 70000, a bad address, …). */
export class IpvsValueError extends IpvsAdapterError {
  override name = 'IpvsValueError';
  constructor(what: string, detail: string) {
    super(`IPVS: cannot encode ${what}: ${detail}`, 'ENCODE', what);
  }
}
