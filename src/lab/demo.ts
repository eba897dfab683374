// The main job on a built-in default: a User-Mode Linux lab (the host kernel has no IPVS) with a
// director running keepalived-ts, three HTTP real servers and a client. It shows the table our
// daemon programs, requests spreading by the configured weights, a reload that changes one weight
// (one kernel operation), an entry deleted behind our back coming back, and a clean stop.
// The VRRP director pair and health checks join this demo when those engines land.
import { fileURLToPath } from 'node:url';
import { dirname, resolve } from 'node:path';
import { runInUml } from './uml.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

const CONFIG = `# keepalived-ts demo: LVS-NAT, weighted round robin over three web servers
global_defs {
    router_id demo_director
}
virtual_server 10.0.1.100 80 {
    protocol TCP
    lb_algo wrr
    lb_kind NAT
    delay_loop 5
    real_server 10.0.2.11 80 {
        weight 3
    }
    real_server 10.0.2.12 80 {
        weight 2
    }
    real_server 10.0.2.13 80 {
        weight 1
    }
}
`;

const CLIENT = `
const http = require('node:http');
const n = Number(process.argv[2]);
const counts = {};
let failed = 0;
(async () => {
  for (let i = 0; i < n; i++) {
    const body = await new Promise((res) => {
      const req = http.get({ host: '10.0.1.100', port: 80, path: '/', agent: false, timeout: 2000 }, (r) => {
        let b = ''; r.on('data', (d) => (b += d)); r.on('end', () => res(b.trim()));
      });
      req.on('error', () => res(null));
      req.on('timeout', () => req.destroy());
    });
    if (body === null) failed++; else counts[body] = (counts[body] || 0) + 1;
  }
  const line = Object.keys(counts).sort().map((k) => k + '=' + counts[k]).join('  ');
  console.log('   ' + n + ' requests: ' + line + (failed ? '  failed=' + failed : '  (0 failed)'));
})();
`;

function script(): string {
  const cli = `${ROOT}/dist/src/cli/main.js`;
  return String.raw`
set -e
D=$LAB_TMP/demo; mkdir -p $D
cat > $D/keepalived.conf <<'CONF'
${CONFIG}CONF
cat > $D/client.js <<'JS'
${CLIENT}JS
say() { printf '\n== %s\n' "$*"; }
nsx() { local n=$1; shift; ip netns exec "$n" "$@"; }

say "Building the lab: client 10.0.1.2 -- director (VIP 10.0.1.100) -- real servers 10.0.2.11-13"
for n in client director rs1 rs2 rs3; do ip netns add $n; ip -n $n link set lo up; done
ip link add eth0 netns client type veth peer name front netns director
ip -n client addr add 10.0.1.2/24 dev eth0; ip -n client link set eth0 up; ip -n client route add default via 10.0.1.1
ip -n director addr add 10.0.1.1/24 dev front; ip -n director link set front up
# The VIP is added by hand here; VRRP will own it once the VRRP engine lands.
ip -n director addr add 10.0.1.100/32 dev front
ip -n director link add br0 type bridge; ip -n director addr add 10.0.2.1/24 dev br0; ip -n director link set br0 up
nsx director sysctl -qw net.ipv4.ip_forward=1
for i in 1 2 3; do
  ip link add eth0 netns rs$i type veth peer name to-rs$i netns director
  ip -n director link set to-rs$i master br0; ip -n director link set to-rs$i up
  ip -n rs$i addr add 10.0.2.1$i/24 dev eth0; ip -n rs$i link set eth0 up; ip -n rs$i route add default via 10.0.2.1
  nsx rs$i node -e "require('http').createServer((q,s)=>s.end('rs$i\n')).listen(80)" &
done
for i in 1 2 3; do for t in $(seq 1 100); do nsx director bash -c "</dev/tcp/10.0.2.1$i/80" 2>/dev/null && break; sleep 0.1; done; done
echo "   three HTTP servers answer on port 80"

say "keepalived-ts -C programs the director's IPVS table from keepalived.conf"
# ip netns exec execs node, so $! is the daemon's own pid (signals must reach it, not a subshell)
KT_IPVS_RESYNC_MS=1000 ip netns exec director node ${cli} -n -l -D -C -f $D/keepalived.conf > $D/daemon.log 2>&1 &
KT=$!
for t in $(seq 1 100); do [ "$(nsx director ipvsadm -Ln | grep -c '\->.*Masq')" = 3 ] && break; sleep 0.1; done
nsx director ipvsadm -Ln | sed 's/^/   /'

say "Client traffic through the VIP is spread 3:2:1 by wrr"
nsx client node $D/client.js 60

say "Reload (SIGHUP) with rs3's weight 1 -> 3: one kernel operation, nothing removed"
sed -i '/10.0.2.13/{n;s/weight 1/weight 3/}' $D/keepalived.conf
kill -HUP $KT
for t in $(seq 1 100); do nsx director ipvsadm -Ln | grep -q '10.0.2.13:80 *Masq *3' && break; sleep 0.1; done
grep -E 'Reload|Changing weight' $D/daemon.log | sed 's/^[A-Za-z]* [A-Za-z]* *[0-9]* [0-9:]* [0-9]*: /   log: /'
nsx client node $D/client.js 60

say "An operator deletes rs2 with ipvsadm: the next re-sync puts it back (keepalived would not)"
nsx director ipvsadm -d -t 10.0.1.100:80 -r 10.0.2.12:80
echo "   after ipvsadm -d: $(nsx director ipvsadm -Ln | grep -c '\->.*Masq') real servers"
for t in $(seq 1 50); do [ "$(nsx director ipvsadm -Ln | grep -c '\->.*Masq')" = 3 ] && break; sleep 0.1; done
echo "   after the re-sync: $(nsx director ipvsadm -Ln | grep -c '\->.*Masq') real servers"

say "Stop (SIGTERM): keepalived-ts removes exactly the entries it owns"
nsx director ipvsadm -A -t 10.0.1.200:443 -s rr
kill -TERM $KT; wait $KT || true
nsx director ipvsadm -Ln | sed 's/^/   /'
echo "   (the operator's own 10.0.1.200:443 service is left alone)"
ops=$(grep -cE 'Adding service|Removing service|Shutting down|Changing weight' $D/daemon.log || true)
printf '\n== Summary: %s logged real-server operations in the whole run; no flush, no delete-and-re-add.\n' "$ops"
`;
}

async function main(): Promise<void> {
  process.stdout.write('keepalived-ts lab demo (User-Mode Linux with the real ip_vs; takes about half a minute)\n');
  const r = await runInUml(script(), { timeoutMs: 180_000 });
  process.stdout.write(r.output);
  if (r.code !== 0) {
    process.stderr.write(`\ndemo failed (exit ${r.code})\n`);
    process.exitCode = 1;
  }
}

void main();
