// The IPVS codec without a kernel: every attribute, in every combination, round-trips; framing
// errors are values; truncations, garbage and bit flips never throw.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  decodeFrames,
  decodeIpvsAttrs,
  decodeIpvsDatagram,
  destAttrs,
  destFromAttrs,
  encodeDone,
  encodeError,
  encodeIpvsMessage,
  IPVS_CMD,
  NLM_F_MULTI,
  serviceAttrs,
  serviceFromAttrs,
  serviceKeyAttrs,
  type IpvsDaemonAttrs,
  type IpvsDestAttrs,
  type IpvsMessage,
  type IpvsServiceAttrs,
  type NetlinkFrame,
} from '../../../src/netlink/ipvs-attrs.js';
import { IpvsValueError, type DecodeError, type Result } from '../../../src/netlink/errors.js';
import {
  AF_INET,
  AF_INET6,
  IP_VS_CONN_F_DROUTE,
  IP_VS_CONN_F_MASQ,
  IP_VS_CONN_F_TUNNEL,
  IP_VS_SVC_F_HASHED,
  IP_VS_SVC_F_ONEPACKET,
  IP_VS_SVC_F_PERSISTENT,
  IP_VS_SVC_F_SCHED_SH_FALLBACK,
  IP_VS_SVC_F_SCHED_SH_PORT,
  IPPROTO_SCTP,
  IPPROTO_TCP,
  IPPROTO_UDP,
  type IpvsDestEntry,
  type IpvsServiceEntry,
  type IpvsStats,
} from '../../../src/ipvs/types.js';
import { prng } from './prng.js';

const HDR = { type: 28, flags: 0, seq: 7, port: 1234 };
const U32_MAX = 0xffffffff;
const U64_MAX = (1n << 64n) - 1n;

function roundTrip(m: IpvsMessage, pad64Base?: number): IpvsMessage {
  const bytes = encodeIpvsMessage(m, HDR, { pad64Base });
  assert.equal(bytes.length % 4, 0, 'messages are 4-aligned');
  const r = decodeIpvsDatagram(bytes);
  assert.ok(r.ok, !r.ok ? JSON.stringify(r.error) : '');
  assert.equal(r.value.length, 1);
  const f = r.value[0]!;
  assert.equal(f.kind, 'genl');
  assert.deepEqual(f.header, { ...HDR, len: bytes.length });
  return f.ipvs!;
}

/** Every subset of `fields`, each field present or absent, values drawn from its list by rotation. */
function* subsets<T extends object>(fields: { [K in keyof T]-?: readonly T[K][] }): Generator<T> {
  const keys = Object.keys(fields) as (keyof T)[];
  for (let mask = 0; mask < 1 << keys.length; mask++) {
    const o: Partial<T> = {};
    keys.forEach((k, i) => {
      if (!(mask & (1 << i))) return;
      const values = fields[k];
      o[k] = values[(mask + i) % values.length];
    });
    yield o as T;
  }
}

const FULL_STATS: IpvsStats = {
  conns: 1n, inpkts: 2n, outpkts: BigInt(U32_MAX), inbytes: U64_MAX, outbytes: 1n << 40n,
  cps: 3n, inpps: 4n, outpps: 5n, inbps: 6n, outbps: 7n,
};
const FULL_STATS64: IpvsStats = {
  conns: U64_MAX, inpkts: 1n << 33n, outpkts: 0n, inbytes: 12345678901234n, outbytes: 0n,
  cps: 1n << 62n, inpps: 9n, outpps: 10n, inbps: 11n, outbps: 12n,
};

describe('attribute sets round-trip: encode then decode gives the same value', () => {
  test('service: all 4096 subsets of the 12 attributes, IPv4 and IPv6, every 64-bit padding phase', () => {
    let n = 0;
    for (const af of [AF_INET, AF_INET6] as const) {
      const v4 = af === AF_INET;
      for (const s of subsets<IpvsServiceAttrs>({
        af: [af],
        protocol: [0, IPPROTO_TCP, IPPROTO_UDP, IPPROTO_SCTP, 0xffff],
        addr: v4 ? ['10.0.0.1', '0.0.0.0', '255.255.255.255'] : ['fd00::1', '::', 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', '2001:db8::a:0:0:1'],
        port: [0, 1, 80, 65535],
        fwmark: [0, 1, U32_MAX],
        schedName: ['rr', 'wlc', 'abcdefghijklmno'],
        flags: [{ flags: 0, mask: 0 }, { flags: 0x3f, mask: U32_MAX }, { flags: U32_MAX, mask: 0x12345678 }],
        timeout: [0, 300, U32_MAX],
        netmask: v4 ? [U32_MAX, 0xffffff00, 0] : [128, 64, 1],
        stats: [FULL_STATS, {}, { conns: 5n, outbytes: 9n }],
        peName: ['sip', 'abcdefghijklmno'],
        stats64: [FULL_STATS64, {}, { inbytes: U64_MAX }],
      })) {
        // ADDR and NETMASK mean something only with AF; without it they do not decode (tested below).
        if (s.af === undefined && (s.addr !== undefined || s.netmask !== undefined)) continue;
        const m: IpvsMessage = { cmd: IPVS_CMD.NEW_SERVICE, version: 1, service: s };
        assert.deepEqual(roundTrip(m, n % 9 === 8 ? undefined : n % 8), m);
        n++;
      }
    }
    assert.ok(n > 4000, `${n} cases`);
  });

  test('dest: all 32768 subsets of the 15 attributes, family from ADDR_FAMILY or from the service', () => {
    let n = 0;
    for (const [af, addrs] of [[AF_INET, ['10.0.1.5', '0.0.0.0']], [AF_INET6, ['fd00::5', '::1']]] as const) {
      for (const d of subsets<IpvsDestAttrs>({
        addr: addrs,
        port: [0, 80, 65535],
        fwdMethod: [IP_VS_CONN_F_MASQ, IP_VS_CONN_F_TUNNEL, IP_VS_CONN_F_DROUTE, U32_MAX],
        weight: [0, 1, 2 ** 31 - 1, -(2 ** 31)],
        uThreshold: [0, U32_MAX],
        lThreshold: [0, 10],
        activeConns: [0, 7],
        inactConns: [U32_MAX, 3],
        persistConns: [1, 0],
        stats: [FULL_STATS, {}],
        addrFamily: [af],
        stats64: [FULL_STATS64, { cps: 1n }],
        tunType: [0, 1, 2, 255],
        tunPort: [0, 6080, 65535],
        tunFlags: [0, 1, 2, 0xffff],
      })) {
        // Without ADDR_FAMILY the address is read in the service's family.
        const m: IpvsMessage = d.addrFamily === undefined && d.addr !== undefined
          ? { cmd: IPVS_CMD.NEW_DEST, version: 1, service: { af }, dest: d }
          : { cmd: IPVS_CMD.SET_DEST, version: 1, dest: d };
        assert.deepEqual(roundTrip(m, n % 8), m);
        n++;
      }
    }
    assert.equal(n, 2 * 32768);
  });

  test('daemon: all subsets, IPv4 and IPv6 multicast groups', () => {
    let n = 0;
    for (const group of ['224.0.0.81', 'ff02::1:2']) {
      for (const d of subsets<IpvsDaemonAttrs>({
        state: [1, 2, 0, U32_MAX],
        mcastIfn: ['eth0', 'a', 'abcdefghijklmno'],
        syncId: [0, 255, U32_MAX],
        syncMaxlen: [0, 1472, 65535],
        mcastGroup: [group],
        mcastPort: [8848, 0, 65535],
        mcastTtl: [1, 255, 0],
      })) {
        for (const cmd of [IPVS_CMD.NEW_DAEMON, IPVS_CMD.DEL_DAEMON]) {
          const m: IpvsMessage = { cmd, version: 1, daemon: d };
          assert.deepEqual(roundTrip(m), m);
          n++;
        }
      }
    }
    assert.equal(n, 2 * 2 * 128);
  });

  test('first level: timeouts (SET_CONFIG) in every combination, info (SET_INFO), bare commands', () => {
    for (const t of subsets<Pick<IpvsMessage, 'timeoutTcp' | 'timeoutTcpFin' | 'timeoutUdp'>>({
      timeoutTcp: [900, 0, U32_MAX], timeoutTcpFin: [120, 1], timeoutUdp: [300, 7],
    })) {
      const m: IpvsMessage = { cmd: IPVS_CMD.SET_CONFIG, version: 1, ...t };
      assert.deepEqual(roundTrip(m), m);
    }
    for (const info of subsets<NonNullable<IpvsMessage['info']>>({ version: [0x010201, U32_MAX], connTabSize: [4096, 0] })) {
      const m: IpvsMessage = Object.keys(info).length ? { cmd: IPVS_CMD.SET_INFO, version: 1, info } : { cmd: IPVS_CMD.SET_INFO, version: 1 };
      assert.deepEqual(roundTrip(m), m);
    }
    for (const cmd of Object.values(IPVS_CMD)) {
      assert.deepEqual(roundTrip({ cmd, version: 1 }), { cmd, version: 1 });
    }
    // A message carrying service, dest and daemon at once keeps them apart.
    const all: IpvsMessage = {
      cmd: IPVS_CMD.ZERO, version: 1, service: { af: AF_INET, fwmark: 3 }, dest: { addr: '10.1.1.1', port: 1 },
      daemon: { state: 1 }, timeoutUdp: 5,
    };
    assert.deepEqual(roundTrip(all), all);
  });
});

const SERVICES: IpvsServiceEntry[] = [
  { af: AF_INET, protocol: IPPROTO_TCP, addr: '10.0.0.1', port: 80, fwmark: 0, schedName: 'wlc', flags: IP_VS_SVC_F_HASHED, timeout: 0, netmask: U32_MAX },
  { af: AF_INET, protocol: IPPROTO_UDP, addr: '10.0.0.1', port: 53, fwmark: 0, schedName: 'rr', flags: IP_VS_SVC_F_ONEPACKET, timeout: 0, netmask: U32_MAX },
  { af: AF_INET, protocol: IPPROTO_TCP, addr: '10.0.0.3', port: 443, fwmark: 0, schedName: 'wrr', flags: IP_VS_SVC_F_PERSISTENT, timeout: 300, netmask: 0xffffff00 },
  { af: AF_INET, protocol: IPPROTO_SCTP, addr: '10.0.0.2', port: 3868, fwmark: 0, schedName: 'lc', flags: 0, timeout: 0, netmask: U32_MAX, stats: FULL_STATS, stats64: FULL_STATS64 },
  { af: AF_INET6, protocol: IPPROTO_TCP, addr: 'fd00::1', port: 443, fwmark: 0, schedName: 'sh', flags: IP_VS_SVC_F_SCHED_SH_FALLBACK | IP_VS_SVC_F_SCHED_SH_PORT, timeout: 0, netmask: 128 },
  { af: AF_INET6, protocol: IPPROTO_UDP, addr: 'fd00::2', port: 5060, fwmark: 0, schedName: 'rr', flags: IP_VS_SVC_F_PERSISTENT, timeout: 60, netmask: 64, peName: 'sip' },
  { af: AF_INET, protocol: 0, addr: '0.0.0.0', port: 0, fwmark: 7, schedName: 'wrr', flags: 0, timeout: 0, netmask: U32_MAX },
  { af: AF_INET6, protocol: 0, addr: '::', port: 0, fwmark: U32_MAX, schedName: 'mh', flags: 0x18, timeout: 0, netmask: 128 },
];

const DESTS: IpvsDestEntry[] = [
  { af: AF_INET, addr: '10.0.1.1', port: 80, fwdMethod: IP_VS_CONN_F_MASQ, weight: 1, uThreshold: 0, lThreshold: 0, activeConns: 0, inactConns: 0, persistConns: 0 },
  { af: AF_INET, addr: '10.0.1.2', port: 8080, fwdMethod: IP_VS_CONN_F_MASQ, weight: 5, uThreshold: 100, lThreshold: 10, activeConns: 3, inactConns: 2, persistConns: 1, stats: FULL_STATS, stats64: FULL_STATS64 },
  { af: AF_INET, addr: '10.0.1.3', port: 80, fwdMethod: IP_VS_CONN_F_DROUTE, weight: 2 ** 31 - 1, uThreshold: 0, lThreshold: 0, activeConns: 0, inactConns: 0, persistConns: 0, tunType: 0, tunPort: 0, tunFlags: 0 },
  { af: AF_INET, addr: '10.0.1.5', port: 80, fwdMethod: IP_VS_CONN_F_TUNNEL, weight: 0, uThreshold: 0, lThreshold: 0, activeConns: 0, inactConns: 0, persistConns: 0, tunType: 1, tunPort: 6080, tunFlags: 1 },
  { af: AF_INET6, addr: 'fd00::10', port: 443, fwdMethod: IP_VS_CONN_F_MASQ, weight: 1, uThreshold: 0, lThreshold: 0, activeConns: 0, inactConns: 0, persistConns: 0 },
];

describe('typed values round-trip through their attribute sets', () => {
  test('services: TCP/UDP/SCTP, IPv4/IPv6, fwmark, persistence + netmask, one-packet, sched flags, pe', () => {
    for (const s of SERVICES) {
      const m = roundTrip({ cmd: IPVS_CMD.NEW_SERVICE, service: serviceAttrs(s) });
      const back = serviceFromAttrs(m.service);
      assert.ok(back.ok);
      assert.deepEqual(back.value, s);
    }
  });

  test('a fwmark service travels without protocol, address or port', () => {
    const fwm = SERVICES[6]!;
    assert.deepEqual(serviceKeyAttrs(fwm), { af: AF_INET, fwmark: 7 });
    assert.deepEqual(Object.keys(serviceAttrs(fwm)).sort(), ['af', 'flags', 'fwmark', 'netmask', 'schedName', 'timeout']);
  });

  test('the kernel\'s flags mask applies; HASHED is reported as the kernel set it', () => {
    const r = serviceFromAttrs({ ...serviceAttrs(SERVICES[0]!), flags: { flags: 0x3f, mask: 0x0f } });
    assert.ok(r.ok);
    assert.equal(r.value.flags, 0x0f);
  });

  test('dests: masq, route, tunnel (GUE with port and csum), thresholds, counters, IPv6', () => {
    for (const d of DESTS) {
      const m = roundTrip({ cmd: IPVS_CMD.NEW_DEST, service: serviceKeyAttrs(SERVICES[0]!), dest: destAttrs(d) });
      const back = destFromAttrs(m.dest);
      assert.ok(back.ok);
      assert.deepEqual(back.value, d);
    }
  });

  test('a dest without ADDR_FAMILY (older kernels) takes the service family', () => {
    const { addrFamily: _drop, ...noFamily } = destAttrs(DESTS[4]!);
    const r = decodeIpvsAttrs(encodeIpvsMessage({ cmd: IPVS_CMD.NEW_DEST, dest: noFamily }, HDR).subarray(20), IPVS_CMD.NEW_DEST, { destAf: AF_INET6 });
    assert.ok(r.ok);
    const d = destFromAttrs(r.value.dest, AF_INET6);
    assert.ok(d.ok);
    assert.equal(d.value.addr, 'fd00::10');
  });

  test('missing required attributes are reported by name, not thrown', () => {
    const cases: Array<[Result<unknown>, string]> = [
      [serviceFromAttrs(undefined), 'SERVICE'],
      [serviceFromAttrs({ protocol: 6 }), 'SERVICE.AF'],
      [serviceFromAttrs({ af: AF_INET, protocol: 6, port: 80 }), 'SERVICE.ADDR'],
      [serviceFromAttrs({ af: AF_INET, fwmark: 1 }), 'SERVICE.SCHED_NAME'],
      [destFromAttrs({ addr: '10.0.0.1' }), 'DEST.ADDR_FAMILY'],
      [destFromAttrs({ ...destAttrs(DESTS[0]!), activeConns: undefined }), 'DEST.ACTIVE_CONNS'],
    ];
    for (const [r, where] of cases) {
      assert.ok(!r.ok);
      assert.equal(r.error.code, 'missing');
      assert.equal(r.error.where, where);
    }
  });
});

describe('wire details', () => {
  const bytesOf = (m: IpvsMessage) => Buffer.from(encodeIpvsMessage(m, HDR));

  test('header, genl header, nest and attribute layout of a DEL_SERVICE', () => {
    const b = bytesOf({ cmd: IPVS_CMD.DEL_SERVICE, service: serviceKeyAttrs(SERVICES[0]!) });
    assert.equal(b.toString('hex'),
      '44000000' + '1c00' + '0000' + '07000000' + 'd2040000' + // nlmsghdr: len 68, type 28, seq 7, pid 1234
      '03010000' + //                                              genl: DEL_SERVICE, version 1
      '30000100' + //                                              SERVICE nest, 48 bytes
      '0600010002000000' + //                                      AF = 2, padded
      '0600020006000000' + //                                      PROTOCOL = 6
      '140003000a000001000000000000000000000000' + //              ADDR: 16 bytes, IPv4 first
      '0600040000500000'); //                                      PORT 80, network order
  });

  test('an IPv4 netmask is a network-order mask, an IPv6 one a host-order prefix length', () => {
    const v4 = bytesOf({ cmd: 1, service: { af: AF_INET, netmask: 0xffffff00 } });
    assert.match(v4.toString('hex'), /08000900ffffff00$/);
    const v6 = bytesOf({ cmd: 1, service: { af: AF_INET6, netmask: 64 } });
    assert.match(v6.toString('hex'), /0800090040000000$/);
  });

  test('64-bit counters get the kernel\'s PAD attribute only when asked to emulate it', () => {
    const m: IpvsMessage = { cmd: 1, service: { stats64: { conns: 1n } } };
    // header 16 + genl 4 + SERVICE 4 + STATS64 4 = 28: a u64 payload at 32 is aligned from base 0 ...
    assert.equal(encodeIpvsMessage(m, HDR, { pad64Base: 0 }).length, 28 + 12);
    // ... and not from base 4, where the kernel puts a 4-byte PAD first.
    const padded = Buffer.from(encodeIpvsMessage(m, HDR, { pad64Base: 4 }));
    assert.equal(padded.length, 28 + 4 + 12);
    assert.equal(padded.subarray(28, 32).toString('hex'), '04000b00');
    assert.deepEqual(roundTrip(m, 4), { ...m, version: 1 });
  });

  test('names are NUL-terminated; flags carry their mask; ports and tunnel ports are network order', () => {
    const b = bytesOf({ cmd: 1, service: { schedName: 'wrr', flags: { flags: 1, mask: U32_MAX } } });
    assert.match(b.toString('hex'), /08000600777272000c00070001000000ffffffff$/);
    const d = bytesOf({ cmd: 5, dest: { port: 8080, tunPort: 6080, tunFlags: 1 } });
    assert.ok(d.toString('hex').includes('060002001f900000'), 'PORT 8080 = 0x1f90 big-endian');
    assert.ok(d.toString('hex').includes('06000e0017c00000'), 'TUN_PORT 6080 = 0x17c0 big-endian');
    assert.ok(d.toString('hex').includes('06000f0001000000'), 'TUN_FLAGS 1 host order');
  });

  test('acks, errors and DONE decode to errno values', () => {
    const req = { len: 68, type: 28, flags: 5, seq: 9, port: 1234 };
    const frames = decodeFrames(Buffer.concat([
      encodeError({ flags: 0, seq: 9, port: 1234 }, 0, req),
      encodeError({ flags: 0, seq: 10, port: 1234 }, 17, req),
      encodeDone({ flags: NLM_F_MULTI, seq: 11, port: 1234 }),
      encodeDone({ flags: NLM_F_MULTI, seq: 12, port: 1234 }, 3),
    ]));
    assert.ok(frames.ok);
    const summary = frames.value.map((f) => [f.kind, f.header.seq, 'errno' in f ? f.errno : null]);
    assert.deepEqual(summary, [['error', 9, 0], ['error', 10, 17], ['done', 11, 0], ['done', 12, 3]]);
  });

  test('an extended ack message is kept', () => {
    const err = Buffer.from(encodeError({ flags: 0x200, seq: 1, port: 0 }, 22, { len: 20, type: 28, flags: 5, seq: 1, port: 0 }));
    const msg = Buffer.from('bad scheduler\0\0\0'); // 14 + NUL, padded to 16
    const tlv = Buffer.concat([Buffer.from([msg.length + 4 - 2, 0, 1, 0]), msg.subarray(0, msg.length - 2)]);
    const full = Buffer.concat([err, tlv, Buffer.alloc((4 - (tlv.length % 4)) % 4)]);
    full.writeUInt32LE(full.length, 0);
    const r = decodeFrames(full);
    assert.ok(r.ok, !r.ok ? JSON.stringify(r.error) : '');
    const f = r.value[0] as Extract<NetlinkFrame, { kind: 'error' }>;
    assert.equal(f.errno, 22);
    assert.equal(f.extack, 'bad scheduler');
  });
});

function expectError(r: Result<unknown>, code: DecodeError['code'], where?: RegExp): void {
  assert.ok(!r.ok, 'expected a decode error');
  assert.equal(r.error.code, code, JSON.stringify(r.error));
  if (where) assert.match(r.error.where, where);
}

describe('garbled input gives error values', () => {
  const good = () => Buffer.from(encodeIpvsMessage({ cmd: 1, service: serviceAttrs(SERVICES[0]!) }, HDR));

  test('specific faults, each named with where it is', () => {
    // A u16 attribute (AF) with a 4-byte payload.
    const wide = Buffer.from('0800010002000000', 'hex');
    expectError(decodeIpvsAttrs(Buffer.concat([Buffer.from('0c000100', 'hex'), wide]), 1), 'bad-length', /SERVICE\.AF/);
    // A scheduler name without its NUL.
    expectError(decodeIpvsAttrs(Buffer.from('0c000100' + '0800060072727272', 'hex'), 1), 'bad-value', /SCHED_NAME/);
    // Unknown address family.
    expectError(decodeIpvsAttrs(Buffer.from('0c000100' + '0600010007000000', 'hex'), 1), 'bad-value', /SERVICE\.AF/);
    // An address without a family.
    expectError(decodeIpvsAttrs(Buffer.from('18000100' + '14000300' + '0a000001'.padEnd(32, '0'), 'hex'), 1), 'missing', /SERVICE\.ADDR/);
    // The same attribute twice.
    expectError(decodeIpvsAttrs(Buffer.from('14000100' + '0600010002000000' + '0600010002000000', 'hex'), 1), 'duplicate', /SERVICE\.AF/);
    // An attribute shorter than its header.
    expectError(decodeIpvsAttrs(Buffer.from('02000100', 'hex'), 1), 'bad-length');
    // An attribute longer than what is left.
    expectError(decodeIpvsAttrs(Buffer.from('40000100', 'hex'), 1), 'truncated');
    // A message length shorter than the netlink header.
    const short = good();
    short.writeUInt32LE(8, 0);
    expectError(decodeFrames(short), 'bad-length');
    // A message length beyond the datagram.
    const long = good();
    long.writeUInt32LE(long.length + 4, 0);
    expectError(decodeFrames(long), 'truncated');
    // An error message too short to carry the request's header.
    const err = Buffer.from(encodeError({ flags: 0, seq: 1, port: 0 }, 1, { len: 0, type: 0, flags: 0, seq: 0, port: 0 })).subarray(0, 24);
    err.writeUInt32LE(24, 0);
    expectError(decodeFrames(err), 'bad-length');
  });

  test('truncation at every byte offset of a dump datagram: an error, or the whole messages before the cut', () => {
    const msgs = SERVICES.map((s, i) =>
      Buffer.from(encodeIpvsMessage({ cmd: 1, service: serviceAttrs(s) }, { ...HDR, flags: NLM_F_MULTI, seq: 100 + i }, { pad64Base: 0 })));
    const datagram = Buffer.concat([...msgs, Buffer.from(encodeDone({ flags: NLM_F_MULTI, seq: 100, port: 1234 }))]);
    const bounds = new Set<number>();
    let at = 0;
    for (const m of msgs) bounds.add((at += m.length));
    for (let cut = 0; cut < datagram.length; cut++) {
      const r = decodeIpvsDatagram(datagram.subarray(0, cut));
      if (bounds.has(cut) || cut === 0) {
        assert.ok(r.ok, `cut at message boundary ${cut}`);
        assert.equal(r.value.length, [...bounds].filter((b) => b <= cut).length);
      } else {
        assert.ok(!r.ok, `cut at ${cut} must not decode`);
        assert.ok(r.error.offset >= 0 && r.error.offset <= cut, `offset ${r.error.offset} within the ${cut} bytes`);
      }
    }
  });

  test('truncation inside a message whose length field agrees: never throws, cuts mid-attribute are errors', () => {
    for (const s of SERVICES) {
      const full = Buffer.from(encodeIpvsMessage({ cmd: 1, service: serviceAttrs(s) }, HDR));
      for (let cut = 21; cut < full.length; cut++) {
        const b = Buffer.from(full.subarray(0, cut));
        b.writeUInt32LE(cut, 0);
        const r = decodeIpvsDatagram(b);
        // The SERVICE nest's own length now runs past the message: always an error.
        assert.ok(!r.ok, `cut ${cut}`);
      }
    }
  });

  test('50,000 random buffers and 50,000 bit flips of real messages never throw', () => {
    const rnd = prng(0x1f5);
    const seeds = [
      ...SERVICES.map((s) => encodeIpvsMessage({ cmd: 1, service: serviceAttrs(s) }, HDR, { pad64Base: 4 })),
      ...DESTS.map((d) => encodeIpvsMessage({ cmd: 5, service: serviceKeyAttrs(SERVICES[4]!), dest: destAttrs(d) }, HDR)),
      encodeIpvsMessage({ cmd: 9, daemon: { state: 1, mcastIfn: 'eth0', syncId: 1, mcastGroup: 'ff02::1' } }, HDR),
      encodeIpvsMessage({ cmd: IPVS_CMD.SET_INFO, info: { version: 1, connTabSize: 2 } }, HDR),
      encodeDone({ flags: 2, seq: 1, port: 1 }),
    ];
    let errors = 0;
    for (let i = 0; i < 50_000; i++) {
      const len = Math.floor(rnd() * 200);
      const b = new Uint8Array(len);
      for (let j = 0; j < len; j++) b[j] = Math.floor(rnd() * 256);
      // Make the header plausible half the time so the attribute decoders get exercised too.
      if (len >= 20 && rnd() < 0.5) {
        new DataView(b.buffer).setUint32(0, len, true);
        new DataView(b.buffer).setUint16(4, 28, true);
      }
      const r = decodeIpvsDatagram(b);
      if (!r.ok) errors++;
    }
    for (let i = 0; i < 50_000; i++) {
      const b = Uint8Array.from(seeds[i % seeds.length]!);
      const flips = 1 + Math.floor(rnd() * 4);
      for (let k = 0; k < flips; k++) b[Math.floor(rnd() * b.length)] ^= 1 << Math.floor(rnd() * 8);
      const r = decodeIpvsDatagram(b);
      if (!r.ok) errors++;
      else for (const f of r.value) if (f.ipvs?.service) serviceFromAttrs(f.ipvs.service);
    }
    assert.ok(errors > 10_000, `${errors} rejected`);
  });
});

describe('values that cannot be encoded are refused with IpvsValueError', () => {
  const bad: Array<[string, () => unknown]> = [
    ['port 70000', () => encodeIpvsMessage({ cmd: 1, service: { af: AF_INET, port: 70000 } }, HDR)],
    ['a bad address', () => encodeIpvsMessage({ cmd: 1, service: { af: AF_INET, addr: '10.0.0.300' } }, HDR)],
    ['an IPv6 address in an IPv4 service', () => encodeIpvsMessage({ cmd: 1, service: { af: AF_INET, addr: 'fd00::1' } }, HDR)],
    ['a 16-byte scheduler name', () => encodeIpvsMessage({ cmd: 1, service: { schedName: 'abcdefghijklmnop' } }, HDR)],
    ['an empty name', () => encodeIpvsMessage({ cmd: 9, daemon: { mcastIfn: '' } }, HDR)],
    ['a netmask without family', () => encodeIpvsMessage({ cmd: 1, service: { netmask: 1 } }, HDR)],
    ['address family 3', () => encodeIpvsMessage({ cmd: 1, service: { af: 3 as 2 } }, HDR)],
    ['a weight over INT32_MAX', () => encodeIpvsMessage({ cmd: 5, dest: { weight: 2 ** 31 } }, HDR)],
    ['a fractional timeout', () => encodeIpvsMessage({ cmd: 1, service: { timeout: 1.5 } }, HDR)],
    ['a u32 stat over 32 bits', () => encodeIpvsMessage({ cmd: 1, service: { stats: { conns: 1n << 32n } } }, HDR)],
    ['a fwmark key with an address', () => serviceKeyAttrs({ ...SERVICES[6]!, addr: '10.0.0.1' })],
    ['info on a non-info command', () => encodeIpvsMessage({ cmd: 1, info: { version: 1 } }, HDR)],
  ];
  for (const [what, fn] of bad) {
    test(what, () => assert.throws(fn, IpvsValueError));
  }
});
