// Runs an AddressClient inside a network namespace for the tests (`ip netns exec NS node address-driver.js`):
// Node cannot setns, so the test talks to this process instead. One JSON request a line on stdin, one
// JSON line per answer on stdout; events and trouble reports come as their own lines.
//   {"id":1,"op":"addAddress","arg":VIP}           → {"id":1,"ok":true,"value":...} | {"id":1,"ok":false,"error":{...}}
//   {"id":2,"op":"parallel","calls":[{op,arg}...]}  → {"id":2,"ok":true,"value":{"ms":12.3,"errors":[...]}}
//   {"id":3,"op":"subscribe"}                       → then {"event":{...},"at":ms} lines
// argv: --event-rcvbuf N (SO_RCVBUF of the event socket), --max-in-flight N.
import { createInterface } from 'node:readline';
import { performance } from 'node:perf_hooks';
import { AddressClient } from '../../../src/netlink/address-client.js';
import { RtnlAdapterError, RtnlError, RtnlUnsupportedError } from '../../../src/netlink/rtnl-errors.js';

const arg = (name: string) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : undefined;
};

const client = new AddressClient({
  eventRecvBufferSize: arg('--event-rcvbuf'),
  maxInFlight: arg('--max-in-flight'),
  onEventTrouble: (err) => print({ trouble: err.message }),
});

/** Uint8Array → plain array on the way out. */
function print(v: unknown): void {
  process.stdout.write(JSON.stringify(v, (_k, x) => (x instanceof Uint8Array ? [...x] : x)) + '\n');
}

/** The model's `bytes` fields come back as arrays (or index-keyed objects): make them Uint8Array again. */
function revive(_key: string, v: unknown): unknown {
  if (_key === 'bytes' && v && typeof v === 'object') return Uint8Array.from(Object.values(v as Record<string, number>));
  return v;
}

function errorJson(e: unknown) {
  const err = e as Error;
  return {
    name: err.name,
    message: err.message,
    ...(e instanceof RtnlAdapterError ? { op: e.op, entry: e.entry } : {}),
    ...(e instanceof RtnlError ? { code: e.code, errno: e.errno } : {}),
    ...(e instanceof RtnlUnsupportedError ? { option: e.option } : {}),
  };
}

type Call = { op: string; arg?: unknown };

async function call(c: Call): Promise<unknown> {
  const fn = (client as unknown as Record<string, (a?: unknown) => Promise<unknown>>)[c.op];
  if (typeof fn !== 'function') throw new Error(`unknown op ${c.op}`);
  return fn.call(client, c.arg);
}

const rl = createInterface({ input: process.stdin });
rl.on('line', async (line) => {
  const req = JSON.parse(line, revive) as Call & { id: number; calls?: Call[] };
  try {
    let value: unknown;
    if (req.op === 'subscribe') {
      client.subscribe((event) => print({ event, at: performance.now() }));
    } else if (req.op === 'parallel') {
      const t0 = performance.now();
      const settled = await Promise.allSettled(req.calls!.map(call));
      const ms = performance.now() - t0;
      value = { ms, errors: settled.flatMap((s) => (s.status === 'rejected' ? [errorJson(s.reason)] : [])) };
    } else {
      value = await call(req);
    }
    print({ id: req.id, ok: true, value: value ?? null });
  } catch (e) {
    print({ id: req.id, ok: false, error: errorJson(e) });
  }
});
rl.on('close', () => {
  client.close();
});
