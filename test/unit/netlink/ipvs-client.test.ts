// IpvsClient against a fake kernel: what it sends for each operation, how it reads dumps, how it
// reports refusals, silence, garbage and broken sockets.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { IpvsClient } from '../../../src/netlink/ipvs-client.js';
import {
  IpvsDecodeError,
  IpvsError,
  IpvsFamilyMissingError,
  IpvsSocketError,
  IpvsTimeoutError,
  IpvsValueError,
} from '../../../src/netlink/errors.js';
import {
  destAttrs,
  IPVS_CMD,
  NLM_F_ACK,
  NLM_F_DUMP,
  NLM_F_REQUEST,
  serviceAttrs,
  serviceKeyAttrs,
  type IpvsMessage,
} from '../../../src/netlink/ipvs-attrs.js';
import {
  AF_INET,
  AF_INET6,
  IP_VS_CONN_F_MASQ,
  IP_VS_CONN_F_TUNNEL,
  IP_VS_STATE_BACKUP,
  IP_VS_STATE_MASTER,
  IPPROTO_TCP,
  type IpvsDest,
  type IpvsDestEntry,
  type IpvsService,
  type IpvsServiceEntry,
} from '../../../src/ipvs/types.js';
import { FAMILY_ID, FakeKernel, type FakeRequest } from './fake-kernel.js';

const SVC: IpvsService = {
  af: AF_INET, protocol: IPPROTO_TCP, addr: '10.0.0.1', port: 80, fwmark: 0, schedName: 'wlc', flags: 0, timeout: 0, netmask: 0xffffffff,
};
const SVC6: IpvsService = { ...SVC, af: AF_INET6, addr: 'fd00::1', netmask: 128 };
const DEST: IpvsDest = { af: AF_INET, addr: '10.0.1.5', port: 80, fwdMethod: IP_VS_CONN_F_MASQ, weight: 3, uThreshold: 0, lThreshold: 0 };
const ENTRY: IpvsDestEntry = { ...DEST, activeConns: 1, inactConns: 2, persistConns: 0 };

function setup(timeoutMs = 500): { k: FakeKernel; c: IpvsClient } {
  const k = new FakeKernel();
  return { k, c: new IpvsClient({ openChannel: k.open, timeoutMs }) };
}

describe('IpvsClient: each operation sends its command', () => {
  const cases: Array<[string, (c: IpvsClient) => Promise<unknown>, Omit<IpvsMessage, 'version'>, boolean]> = [
    ['addService', (c) => c.addService(SVC), { cmd: IPVS_CMD.NEW_SERVICE, service: serviceAttrs(SVC) }, false],
    ['editService', (c) => c.editService(SVC6), { cmd: IPVS_CMD.SET_SERVICE, service: serviceAttrs(SVC6) }, false],
    ['delService', (c) => c.delService(SVC), { cmd: IPVS_CMD.DEL_SERVICE, service: serviceKeyAttrs(SVC) }, false],
    ['getService', (c) => c.getService(SVC), { cmd: IPVS_CMD.GET_SERVICE, service: serviceKeyAttrs(SVC) }, false],
    ['listServices', (c) => c.listServices(), { cmd: IPVS_CMD.GET_SERVICE }, true],
    ['listDests', (c) => c.listDests(SVC), { cmd: IPVS_CMD.GET_DEST, service: serviceKeyAttrs(SVC) }, true],
    ['addDest', (c) => c.addDest(SVC, DEST), { cmd: IPVS_CMD.NEW_DEST, service: serviceKeyAttrs(SVC), dest: destAttrs(DEST) }, false],
    ['editDest', (c) => c.editDest(SVC, DEST), { cmd: IPVS_CMD.SET_DEST, service: serviceKeyAttrs(SVC), dest: destAttrs(DEST) }, false],
    ['delDest', (c) => c.delDest(SVC, DEST), {
      cmd: IPVS_CMD.DEL_DEST, service: serviceKeyAttrs(SVC), dest: { addrFamily: AF_INET, addr: '10.0.1.5', port: 80 },
    }, false],
    ['getDaemons', (c) => c.getDaemons(), { cmd: IPVS_CMD.GET_DAEMON }, true],
    ['startDaemon', (c) => c.startDaemon({ state: IP_VS_STATE_MASTER, mcastIfn: 'eth0', syncId: 5, mcastGroup: '224.0.0.81', mcastPort: 8848, mcastTtl: 1, syncMaxlen: 1400 }), {
      cmd: IPVS_CMD.NEW_DAEMON,
      daemon: { state: 1, mcastIfn: 'eth0', syncId: 5, mcastGroup: '224.0.0.81', mcastPort: 8848, mcastTtl: 1, syncMaxlen: 1400 },
    }, false],
    ['stopDaemon', (c) => c.stopDaemon(IP_VS_STATE_BACKUP), { cmd: IPVS_CMD.DEL_DAEMON, daemon: { state: 2 } }, false],
    ['setTimeouts', (c) => c.setTimeouts({ tcp: 1000, udp: 60 }), { cmd: IPVS_CMD.SET_CONFIG, timeoutTcp: 1000, timeoutUdp: 60 }, false],
    ['zero (all)', (c) => c.zero(), { cmd: IPVS_CMD.ZERO }, false],
    ['zero (one service)', (c) => c.zero(SVC), { cmd: IPVS_CMD.ZERO, service: serviceKeyAttrs(SVC) }, false],
    ['flush', (c) => c.flush(), { cmd: IPVS_CMD.FLUSH }, false],
  ];
  for (const [name, call, expected, dump] of cases) {
    test(`${name} -> ${Object.entries(IPVS_CMD).find(([, v]) => v === expected.cmd)![0]}${dump ? ' (dump)' : ''}`, async () => {
      const { k, c } = setup();
      await call(c);
      const [req] = k.ipvsRequests();
      assert.ok(req);
      assert.deepEqual(req.ipvs, { version: 1, ...expected });
      assert.equal(req.header.type, FAMILY_ID);
      assert.equal(req.header.flags, NLM_F_REQUEST | (dump ? NLM_F_DUMP : NLM_F_ACK));
      assert.equal(req.header.port, k.current.port);
      c.close();
    });
  }

  test('the family is resolved once, through the controller, and reused', async () => {
    const { k, c } = setup();
    await c.flush();
    await c.flush();
    assert.equal(await c.familyId(), FAMILY_ID);
    assert.equal(k.requests.filter((r) => !r.ipvs).length, 1);
    assert.equal(k.channels.length, 1);
    c.close();
  });

  test('ip_vs reloaded under a new family id: ENOENT makes the client look again, move, and retry once', async () => {
    const { k, c } = setup();
    await c.flush();
    k.family = FAMILY_ID + 1;
    await c.flush();
    assert.equal(await c.familyId(), FAMILY_ID + 1);
    assert.equal(k.channels.length, 2);
    const flushes = k.requests.filter((r) => r.cmd === IPVS_CMD.FLUSH);
    assert.deepEqual(flushes.map((r) => r.header.type), [FAMILY_ID, FAMILY_ID, FAMILY_ID + 1]);
    c.close();
  });

  test('ip_vs unloaded under a running client: IpvsFamilyMissingError, not a bare ENOENT', async () => {
    const { k, c } = setup();
    await c.flush();
    k.family = { errno: 2 };
    await assert.rejects(c.flush(), IpvsFamilyMissingError);
    c.close();
  });

  test('an ENOENT from IPVS itself (same family) stays an IpvsError, after one look at the controller', async () => {
    const { k, c } = setup();
    k.handler = (req) => [[k.ack(req, 2)]];
    await assert.rejects(c.delDest(SVC, DEST), { message: 'IPVS DEL_DEST TCP 10.0.0.1:80 -> 10.0.1.5:80: ENOENT (2)' });
    assert.equal(k.ipvsRequests().length, 1, 'not retried');
    assert.equal(k.channels.length, 1);
    c.close();
  });

  test('a kernel without IPVS: IpvsFamilyMissingError', async () => {
    const { k, c } = setup();
    k.family = { errno: 2 };
    await assert.rejects(c.listServices(), (e: unknown) => e instanceof IpvsFamilyMissingError && /ip_vs module loaded/.test(e.message));
  });
});

describe('IpvsClient: replies', () => {
  test('a dump spread over several datagrams is read to its DONE', async () => {
    const { k, c } = setup();
    const services: IpvsServiceEntry[] = Array.from({ length: 7 }, (_, i) => ({
      ...SVC, addr: `10.0.0.${i + 1}`, flags: 2, stats: { conns: BigInt(i) }, stats64: { conns: BigInt(i) },
    }));
    k.handler = (req) => [
      services.slice(0, 3).map((s) => k.reply(req, { cmd: IPVS_CMD.NEW_SERVICE, service: serviceAttrs(s) }, 0)),
      services.slice(3).map((s) => k.reply(req, { cmd: IPVS_CMD.NEW_SERVICE, service: serviceAttrs(s) }, 4)),
      [k.done(req)],
    ];
    assert.deepEqual(await c.listServices(), services);
    c.close();
  });

  test('listDests decodes addresses in the service family when the kernel omits ADDR_FAMILY', async () => {
    const { k, c } = setup();
    const dest6: IpvsDestEntry = { ...ENTRY, af: AF_INET6, addr: 'fd00::5' };
    k.handler = (req) => {
      const { addrFamily: _omit, ...attrs } = destAttrs(dest6);
      return [[k.reply(req, { cmd: IPVS_CMD.NEW_DEST, dest: attrs }), k.done(req)]];
    };
    assert.deepEqual(await c.listDests(SVC6), [dest6]);
    c.close();
  });

  test('getService returns the entry, or undefined when the kernel says ESRCH', async () => {
    const { k, c } = setup();
    const entry: IpvsServiceEntry = { ...SVC, flags: 2 };
    k.handler = (req) => (req.ipvs!.service!.addr === '10.0.0.1'
      ? [[k.reply(req, { cmd: IPVS_CMD.NEW_SERVICE, service: serviceAttrs(entry) }), k.ack(req)]]
      : [[k.ack(req, 3)]]);
    assert.deepEqual(await c.getService(SVC), entry);
    assert.equal(await c.getService({ ...SVC, addr: '10.9.9.9' }), undefined);
    c.close();
  });

  test('timeouts and info come back typed', async () => {
    const { k, c } = setup();
    k.handler = (req) => [[
      req.cmd === IPVS_CMD.GET_INFO
        ? k.reply(req, { cmd: IPVS_CMD.SET_INFO, info: { version: 0x010201, connTabSize: 4096 } })
        : k.reply(req, { cmd: IPVS_CMD.SET_CONFIG, timeoutTcp: 900, timeoutTcpFin: 120, timeoutUdp: 300 }),
      k.ack(req),
    ]];
    assert.deepEqual(await c.getInfo(), { version: 0x010201, versionText: '1.2.1', connTabSize: 4096 });
    assert.deepEqual(await c.getTimeouts(), { tcp: 900, tcpFin: 120, udp: 300 });
    c.close();
  });

  test('daemons are listed typed', async () => {
    const { k, c } = setup();
    k.handler = (req) => [[
      k.reply(req, { cmd: IPVS_CMD.NEW_DAEMON, daemon: { state: 1, mcastIfn: 'eth0', syncId: 3, syncMaxlen: 1472, mcastPort: 8848, mcastTtl: 1, mcastGroup: '224.0.0.81' } }),
      k.reply(req, { cmd: IPVS_CMD.NEW_DAEMON, daemon: { state: 2, mcastIfn: 'eth1', syncId: 3, mcastGroup: 'ff02::81' } }),
      k.done(req),
    ]];
    assert.deepEqual(await c.getDaemons(), [
      { state: 1, mcastIfn: 'eth0', syncId: 3, syncMaxlen: 1472, mcastPort: 8848, mcastTtl: 1, mcastGroup: '224.0.0.81' },
      { state: 2, mcastIfn: 'eth1', syncId: 3, mcastGroup: 'ff02::81' },
    ]);
    c.close();
  });

  test('concurrent requests are matched by sequence number, whatever order the answers come in', async () => {
    const { k, c } = setup();
    await c.familyId();
    const held: FakeRequest[] = [];
    k.handler = (req) => {
      held.push(req);
      return 'silence';
    };
    const a = c.addDest(SVC, DEST);
    const b = c.addDest(SVC, { ...DEST, addr: '10.0.1.6' });
    await new Promise((r) => setImmediate(r));
    assert.equal(held.length, 2);
    assert.equal(k.current.held, true, 'the socket keeps the process alive while requests are out');
    k.current.deliver(Buffer.concat([k.ack(held[1]!, 17), k.ack(held[0]!)]));
    await a;
    await assert.rejects(b, (e: unknown) => e instanceof IpvsError && e.errno === 17);
    assert.equal(k.current.held, false);
    c.close();
  });
});

describe('IpvsClient: at most maxInFlight requests outstanding', () => {
  const tick = () => new Promise((r) => setImmediate(r));

  test('more requests wait their turn and go out as answers come back, in order', async () => {
    const k = new FakeKernel();
    const c = new IpvsClient({ openChannel: k.open, maxInFlight: 2 });
    await c.familyId();
    const held: FakeRequest[] = [];
    k.handler = (req) => {
      held.push(req);
      return 'silence';
    };
    const all = Promise.all(Array.from({ length: 5 }, (_, i) => c.addDest(SVC, { ...DEST, addr: `10.0.1.${i + 1}` })));
    await tick();
    assert.equal(held.length, 2);
    k.current.deliver(k.ack(held[0]!));
    await tick();
    await tick();
    assert.equal(held.length, 3);
    k.current.deliver(Buffer.concat([k.ack(held[1]!), k.ack(held[2]!)]));
    await tick();
    await tick();
    assert.equal(held.length, 5);
    k.current.deliver(Buffer.concat([k.ack(held[3]!), k.ack(held[4]!)]));
    await all;
    assert.deepEqual(held.map((r) => r.ipvs!.dest!.addr), ['10.0.1.1', '10.0.1.2', '10.0.1.3', '10.0.1.4', '10.0.1.5']);
    c.close();
  });

  test('waiting requests fail with the socket, and the next call gets a fresh one', async () => {
    const k = new FakeKernel();
    const c = new IpvsClient({ openChannel: k.open, maxInFlight: 1 });
    await c.familyId();
    k.handler = () => 'silence';
    const out = c.flush();
    const waiting = c.flush();
    await tick();
    k.current.fail(new Error('recvmsg ENOBUFS'));
    await assert.rejects(out, IpvsSocketError);
    await assert.rejects(waiting, IpvsSocketError);
    k.handler = (req) => [[k.ack(req)]];
    await c.flush();
    assert.equal(k.channels.length, 2);
    c.close();
  });

  test('1,000 pipelined requests, the first sent while the family is being resolved, all complete', async () => {
    const { k, c } = setup();
    let maxOut = 0;
    let out = 0;
    k.handler = (req) => {
      maxOut = Math.max(maxOut, ++out);
      setTimeout(() => {
        out--;
        k.current.deliver(k.ack(req));
      }, 1);
      return 'silence';
    };
    await Promise.all(Array.from({ length: 1000 }, (_, i) => c.addDest(SVC, { ...DEST, addr: `10.1.${i >> 8}.${i & 255}` })));
    assert.equal(k.ipvsRequests().length, 1000);
    assert.ok(maxOut <= 64, `${maxOut} outstanding at most`);
    c.close();
  });
});

describe('IpvsClient: failures', () => {
  test('a kernel refusal is an IpvsError naming the command, the entry and the errno', async () => {
    const { k, c } = setup();
    k.handler = (req) => [[k.ack(req, 17)]];
    await assert.rejects(c.addDest(SVC, DEST), (e: unknown) => {
      assert.ok(e instanceof IpvsError);
      assert.equal(e.message, 'IPVS NEW_DEST TCP 10.0.0.1:80 -> 10.0.1.5:80: EEXIST (17)');
      assert.equal(e.errno, 17);
      assert.equal(e.code, 'EEXIST');
      assert.equal(e.op, 'NEW_DEST');
      assert.equal(e.entry, 'TCP 10.0.0.1:80 -> 10.0.1.5:80');
      return true;
    });
    k.handler = (req) => [[k.ack(req, 3)]];
    await assert.rejects(c.editService(SVC6), { message: 'IPVS SET_SERVICE TCP [fd00::1]:80: ESRCH (3)' });
    await assert.rejects(c.delService({ ...SVC, protocol: 0, addr: '0.0.0.0', port: 0, fwmark: 7 }), { message: 'IPVS DEL_SERVICE FWM 7: ESRCH (3)' });
    await assert.rejects(c.addDest({ ...SVC6, protocol: 0, addr: '::', port: 0, fwmark: 9 }, { ...DEST, fwdMethod: IP_VS_CONN_F_TUNNEL }),
      { message: 'IPVS NEW_DEST FWM 9 IPv6 -> 10.0.1.5:80: ESRCH (3)' });
    await assert.rejects(c.flush(), { message: 'IPVS FLUSH: ESRCH (3)' });
    c.close();
  });

  test('a dump that ends in an error status rejects', async () => {
    const { k, c } = setup();
    k.handler = (req) => [[k.done(req, 22)]];
    await assert.rejects(c.listServices(), { name: 'IpvsError', message: 'IPVS GET_SERVICE: EINVAL (22)' });
    c.close();
  });

  test('silence: IpvsTimeoutError after the time limit; a late answer is ignored; the next call works', async () => {
    const { k, c } = setup(60);
    await c.familyId();
    let late: FakeRequest | undefined;
    k.handler = (req) => {
      late = req;
      return 'silence';
    };
    const t0 = Date.now();
    await assert.rejects(c.addService(SVC), (e: unknown) => e instanceof IpvsTimeoutError && e.timeoutMs === 60 && e.op === 'NEW_SERVICE');
    assert.ok(Date.now() - t0 >= 55);
    k.current.deliver(k.ack(late!, 17));
    k.handler = (req) => [[k.ack(req)]];
    await c.addService(SVC);
    assert.equal(k.channels.length, 1);
    c.close();
  });

  test('a socket error fails what is outstanding; the next call opens a new socket and resolves again', async () => {
    const { k, c } = setup();
    await c.familyId();
    k.handler = () => 'silence';
    const p = c.listServices();
    await new Promise((r) => setImmediate(r));
    k.current.fail(Object.assign(new Error('recvmsg ENOBUFS'), { errno: 105 }));
    await assert.rejects(p, (e: unknown) => e instanceof IpvsSocketError && /ENOBUFS/.test(e.message));
    assert.equal(k.channels[0]!.closed, true);
    k.handler = (req) => [[k.done(req)]];
    assert.deepEqual(await c.listServices(), []);
    assert.equal(k.channels.length, 2);
    assert.equal(k.requests.filter((r) => !r.ipvs).length, 2, 'family resolved again on the new socket');
    c.close();
  });

  test('a send error is an IpvsSocketError and the socket is replaced', async () => {
    const { k, c } = setup();
    await c.familyId();
    k.failNextSend = new Error('send EBADF');
    await assert.rejects(c.flush(), (e: unknown) => e instanceof IpvsSocketError && /EBADF/.test(e.message));
    await c.flush();
    assert.equal(k.channels.length, 2);
    c.close();
  });

  test('an undecodable datagram fails the outstanding requests with IpvsDecodeError', async () => {
    const { k, c } = setup();
    k.handler = (req) => {
      setImmediate(() => k.current.deliver(Uint8Array.from([1, 2, 3])));
      void req;
      return 'silence';
    };
    await assert.rejects(c.flush(), (e: unknown) => e instanceof IpvsDecodeError && e.decodeError.code === 'truncated');
    k.handler = (req) => [[k.ack(req)]];
    await c.flush();
    c.close();
  });

  test('a reply whose attributes do not make an entry is an IpvsDecodeError naming the attribute', async () => {
    const { k, c } = setup();
    k.handler = (req) => [[k.reply(req, { cmd: IPVS_CMD.NEW_SERVICE, service: { af: AF_INET, fwmark: 1 } }), k.done(req)]];
    await assert.rejects(c.listServices(), (e: unknown) => e instanceof IpvsDecodeError && e.decodeError.where === 'SERVICE.SCHED_NAME');
    c.close();
  });

  test('a value that cannot be encoded is refused before anything is sent', async () => {
    const { k, c } = setup();
    await assert.rejects(c.addService({ ...SVC, port: 70000 }), IpvsValueError);
    assert.equal(k.ipvsRequests().length, 0);
    c.close();
  });

  test('close() fails outstanding requests and later calls', async () => {
    const { k, c } = setup();
    await c.familyId();
    k.handler = () => 'silence';
    const p = c.flush();
    await new Promise((r) => setImmediate(r));
    c.close();
    await assert.rejects(p, IpvsSocketError);
    await assert.rejects(c.flush(), IpvsSocketError);
    assert.equal(k.current.closed, true);
  });
});
