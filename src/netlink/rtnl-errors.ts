// What can go wrong between us and rtnetlink (addresses, routes, rules, links): one named error class
// per failure, each naming the message type and the entry in `ip` syntax, as errors.ts does for IPVS.
import { errnoName } from './errors.js';

/** Base of every failure of the rtnetlink adapter; `op` is the message type, e.g. NEWADDR. */
export class RtnlAdapterError extends Error {
  override name = 'RtnlAdapterError';
  constructor(
    message: string,
    readonly op: string,
    /** The entry concerned in `ip` syntax, e.g. `10.0.0.1/24 dev eth0`, or '' for dumps. */
    readonly entry: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

const where = (op: string, entry: string) => `rtnetlink ${op}${entry ? ` ${entry}` : ''}`;

/** The kernel refused a request: `rtnetlink NEWADDR 10.0.0.1/24 dev eth0: EINVAL (22): <extack>`. */
export class RtnlError extends RtnlAdapterError {
  override name = 'RtnlError';
  /** Positive errno, e.g. 22. */
  readonly errno: number;
  /** Its name, e.g. EINVAL (as Node's `err.code`). */
  readonly code: string;
  constructor(op: string, entry: string, errno: number, detail?: string) {
    const code = errnoName(errno);
    super(`${where(op, entry)}: ${code} (${errno})${detail ? `: ${detail}` : ''}`, op, entry);
    this.errno = errno;
    this.code = code;
  }
}

/** No answer within the client's time limit. */
export class RtnlTimeoutError extends RtnlAdapterError {
  override name = 'RtnlTimeoutError';
  constructor(op: string, entry: string, readonly timeoutMs: number) {
    super(`${where(op, entry)}: no answer from the kernel within ${timeoutMs} ms`, op, entry);
  }
}

/** The netlink socket could not be opened, or failed under a request (a new one is opened on the next call). */
export class RtnlSocketError extends RtnlAdapterError {
  override name = 'RtnlSocketError';
  constructor(op: string, entry: string, detail: string, cause?: unknown) {
    super(`${where(op, entry)}: netlink socket failed: ${detail}`, op, entry, { cause });
  }
}

/** A kernel message that does not decode. */
export class RtnlDecodeError extends RtnlAdapterError {
  override name = 'RtnlDecodeError';
  constructor(op: string, entry: string, detail: string) {
    super(`${where(op, entry)}: undecodable reply: ${detail}`, op, entry);
  }
}

/** A configured option this adapter cannot put on the wire yet (encap, vrf, rtt, …): refused before sending. */
export class RtnlUnsupportedError extends RtnlAdapterError {
  override name = 'RtnlUnsupportedError';
  constructor(op: string, entry: string, readonly option: string, detail?: string) {
    super(`${where(op, entry)}: option '${option}' is not supported yet by keepalived-ts${detail ? ` (${detail})` : ''}`, op, entry);
  }
}
