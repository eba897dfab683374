// Golden bytes from a real kernel: inside UML, ipvsadm (not us) builds a table, our client dumps it
// with a tap on the socket, and the raw datagrams come back to the host, which turns them into
// test/golden/ipvs/*.json (ipvs-golden-format.ts). The lab test re-runs this capture each time;
// KT_WRITE_GOLDEN=1 rewrites the files.
import { execFileSync } from 'node:child_process';
import { connect } from 'node:net';
import { IpvsClient } from '../../src/netlink/ipvs-client.js';
import { AF_INET, AF_INET6, IPPROTO_TCP, IPPROTO_UDP, type IpvsAf, type IpvsServiceKey } from '../../src/ipvs/types.js';

/** What a capture carries from UML to the host. */
export interface GoldenCapture {
  readonly name: string;
  readonly what: string;
  /** The ipvsadm commands that built the table. */
  readonly setup: readonly string[];
  /** The request as sent, and every datagram the kernel answered with. */
  readonly requestHex: string;
  readonly replyHex: readonly string[];
  /** Family of the service whose dests were dumped (the decoder's fallback for ADDR_FAMILY). */
  readonly destAf?: IpvsAf;
  /** `ipvsadm -S -n` and `-Ln --thresholds` at capture time, the independent reading. */
  readonly ipvsadmSave: string;
  readonly ipvsadmThresholds: string;
  readonly kernel: string;
}

const ipvsadm = (args: string) => execFileSync('ipvsadm', args.split(' '), { encoding: 'utf8' });

const SETUP = [
  '-A -t 10.0.0.1:80 -s wrr -p 300 -M 255.255.255.0',
  '-a -t 10.0.0.1:80 -r 10.0.1.5:8080 -m -w 3 -x 100 -y 10',
  '-a -t 10.0.0.1:80 -r 10.0.1.6:80 -g -w 0',
  '-a -t 10.0.0.1:80 -r 10.0.1.7:80 -i --tun-type gue --tun-port 6080 --tun-remcsum',
  '-a -t 10.0.0.1:80 -r 10.0.1.8:80 -i --tun-type gre --tun-csum',
  '-a -t 10.0.0.1:80 -r 10.0.1.9:80 -i -w 2147483647',
  '-A -u [fd00::1]:53 -s sh -b sh-fallback,sh-port',
  '-a -u [fd00::1]:53 -r [fd00::2]:53 -m -w 2',
  '-a -u [fd00::1]:53 -r 10.0.1.20:53 -i',
  '-A -f 7 -6 -s rr',
  '-a -f 7 -6 -r [fd00::3]:0 -g',
  '-A --sctp-service 10.0.0.2:3868 -s lc',
  '-A -u 10.0.0.4:53 -s rr -o',
  '-A -u 10.0.0.5:5060 -s rr -p 30 --pe sip',
  '-A -f 9 -s mh -b mh-port',
  '--set 1000 100 200',
];
/** The sync protocol cannot carry mixed-family services: the kernel refuses the daemon while one exists. */
const UNMIX = '-d -u [fd00::1]:53 -r 10.0.1.20:53';
const DAEMON = '--start-daemon master --mcast-interface kt-gold0 --syncid 7 --sync-maxlen 1400 --mcast-group 224.0.0.82 --mcast-port 8850 --mcast-ttl 2';

const TCP80: IpvsServiceKey = { af: AF_INET, protocol: IPPROTO_TCP, addr: '10.0.0.1', port: 80, fwmark: 0 };
const UDP53: IpvsServiceKey = { af: AF_INET6, protocol: IPPROTO_UDP, addr: 'fd00::1', port: 53, fwmark: 0 };
const FWM7: IpvsServiceKey = { af: AF_INET6, protocol: 0, addr: '::', port: 0, fwmark: 7 };

/** One TCP connection attempt through the virtual service, so counters are not all zero. */
async function traffic(): Promise<void> {
  execFileSync('ip', ['link', 'add', 'kt-gold-rs', 'type', 'dummy']);
  execFileSync('ip', ['addr', 'add', '10.0.1.1/24', 'dev', 'kt-gold-rs']);
  execFileSync('ip', ['link', 'set', 'kt-gold-rs', 'up']);
  execFileSync('ip', ['route', 'add', '10.0.0.0/24', 'dev', 'kt-gold-rs']);
  await new Promise<void>((resolve) => {
    const s = connect(80, '10.0.0.1');
    s.on('error', () => resolve());
    setTimeout(() => {
      s.destroy();
      resolve();
    }, 300);
  });
  // The counters the kernel reports are copied from per-CPU ones by its 2-second estimator timer.
  await new Promise((r) => setTimeout(r, 2500));
}

/** Runs inside UML on an empty table; leaves it empty. */
export async function captureGolden(): Promise<GoldenCapture[]> {
  const kernel = execFileSync('uname', ['-r'], { encoding: 'utf8' }).trim();
  for (const line of SETUP) ipvsadm(line);
  await traffic();
  execFileSync('ip', ['link', 'add', 'kt-gold0', 'type', 'veth', 'peer', 'name', 'kt-gold1']);
  execFileSync('ip', ['link', 'set', 'kt-gold0', 'up']);
  let setup = SETUP.map((l) => `ipvsadm ${l}`);

  const taps: Array<{ dir: 'in' | 'out'; bytes: Uint8Array }> = [];
  const client = new IpvsClient({ tap: (dir, bytes) => taps.push({ dir, bytes: Uint8Array.from(bytes) }) });
  await client.familyId();
  const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
  const out: GoldenCapture[] = [];
  const capture = async (name: string, what: string, call: () => Promise<unknown>, destAf?: IpvsAf) => {
    taps.length = 0;
    await call();
    const [req, ...rest] = taps;
    if (req?.dir !== 'out' || rest.some((t) => t.dir !== 'in')) throw new Error(`golden ${name}: unexpected traffic`);
    out.push({
      name, what, setup, requestHex: hex(req.bytes), replyHex: rest.map((t) => hex(t.bytes)), ...(destAf ? { destAf } : {}),
      ipvsadmSave: ipvsadm('-S -n'), ipvsadmThresholds: ipvsadm('-Ln --thresholds'), kernel,
    });
  };
  await capture('services', 'GET_SERVICE dump: TCP/UDP/SCTP, IPv4/IPv6, fwmark, persistence + netmask, sched flags, one-packet, pe sip, counters',
    () => client.listServices());
  await capture('dests-tcp', 'GET_DEST dump of TCP 10.0.0.1:80: masq + thresholds, route, tunnels ipip/gue/gre with csum flags, counters',
    () => client.listDests(TCP80), AF_INET);
  await capture('dests-udp6', 'GET_DEST dump of UDP [fd00::1]:53: an IPv6 masq dest and an IPv4 tunnel dest (mixed family)',
    () => client.listDests(UDP53), AF_INET6);
  await capture('dests-fwmark6', 'GET_DEST dump of FWM 7 IPv6', () => client.listDests(FWM7), AF_INET6);
  await capture('service-get', 'GET_SERVICE (not a dump) of TCP 10.0.0.1:80: the reply, then the ack', () => client.getService(TCP80));
  await capture('info', 'GET_INFO reply (version, connection table size), then the ack', () => client.getInfo());
  await capture('config', 'GET_CONFIG reply (timeouts set by ipvsadm --set 1000 100 200), then the ack', () => client.getTimeouts());
  ipvsadm(UNMIX);
  ipvsadm(DAEMON);
  setup = [...setup, `ipvsadm ${UNMIX}`, `ipvsadm ${DAEMON}`];
  await capture('daemons', 'GET_DAEMON dump: a master sync daemon with group, port, ttl, maxlen', () => client.getDaemons());
  client.close();

  ipvsadm('--stop-daemon master');
  ipvsadm('--set 900 120 300');
  ipvsadm('-C');
  execFileSync('ip', ['link', 'del', 'kt-gold0']);
  execFileSync('ip', ['link', 'del', 'kt-gold-rs']);
  return out;
}
