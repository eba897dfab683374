// The main job on a built-in default (README, `.ci/demo`): a User-Mode Linux lab (the host kernel has no
// IPVS) with an LVS-DR director pair running keepalived-ts, three HTTP real servers and a client on its
// own subnet behind a router. It shows both directors' VRRP state, the master's table, a steady stream of
// requests spread by wrr, a real server dying and its checker taking it out, and the master crashing
// while the backup takes over; then a summary. The script's output goes to a host file that this process
// prints as it grows, so the reader sees each step as it happens.
import { fileURLToPath } from 'node:url';
import { dirname, join, resolve } from 'node:path';
import { closeSync, mkdirSync, mkdtempSync, openSync, readSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { runInUml } from './uml.js';
import { DEMO_CONFIG, REAL_SERVERS, VIP } from './demo-config.js';
import { addrAdd, ipForward, lan, netnsAdd, nsExec, routeAdd, vethPair } from './netns.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
function topology(): string {
  return [
    // the LAN: a bridge in the UML root namespace, which is also the router to the client's subnet
    lan({
      bridge: 'lan0',
      bridgeAddrs: ['10.0.1.1/24'],
      hosts: [
        { ns: 'dir1', addrs: ['10.0.1.2/24'], gateway: '10.0.1.1' },
        { ns: 'dir2', addrs: ['10.0.1.3/24'], gateway: '10.0.1.1' },
        ...REAL_SERVERS.map((rs) => ({ ns: rs.name, addrs: [`${rs.ip}/24`], gateway: '10.0.1.1' })),
      ],
    }),
    // LVS-DR real servers: ARP for the VIP neither answered nor announced, set before the VIP goes on lo
    ...REAL_SERVERS.map((rs) =>
      nsExec(rs.name, `sysctl -qw ${['all', 'lo'].map((d) => `net.ipv4.conf.${d}.arp_ignore=1 net.ipv4.conf.${d}.arp_announce=2`).join(' ')} && ip addr add ${VIP}/32 dev lo`),
    ),
    netnsAdd('client'),
    vethPair({ name: 'eth0', ns: 'client' }, { name: 'to-client' }),
    addrAdd('to-client', '10.0.0.1/24'),
    addrAdd('eth0', '10.0.0.2/24', 'client'),
    routeAdd('default', '10.0.0.1', 'client'),
    ipForward(),
  ].join('\n');
}

function script(): string {
  const cli = `${ROOT}/dist/src/cli/main.js`;
  const client = `${ROOT}/dist/src/lab/demo-client.js`;
  return String.raw`
set -eu
exec >> "$KT_DEMO_LIVE" 2>&1
# hostfs writes sit in the UML page cache until written back: write back often, so the host sees each step
sysctl -qw vm.dirty_writeback_centisecs=10 vm.dirty_expire_centisecs=10 || true
D=$LAB_TMP/demo; mkdir -p $D
trap 'echo "FAILED: line $LINENO: $BASH_COMMAND"' ERR
# the logs come back to the host (saved with KT_DEMO_LOGS=DIR)
trap 'cp $D/*.log $D/keepalived.conf "$LAB_OUT"/ 2>/dev/null || true' EXIT
cat > $D/keepalived.conf <<'CONF'
${DEMO_CONFIG}CONF

now() { local sec usec; IFS=. read -r sec usec <<< "$EPOCHREALTIME"; NOW=$((sec * 1000 + 10#$usec / 1000)); }
now; T0=$NOW
secs() { printf '%d.%d' $(($1 / 1000)) $(($1 % 1000 / 100)); }
say() { now; printf '[%5ss] %s\n' "$(secs $((NOW - T0)))" "$*"; }
more() { printf '         %s\n' "$@"; }
indent() { sed 's/^/           /'; }
die() { say "FAILED: $*"; for f in $D/*.log; do echo "--- $f"; tail -n 20 $f; done; exit 1; }
# wait_until SECONDS WHAT COMMAND...: poll every 50 ms
wait_until() {
  local limit=$1 what=$2; shift 2; now; local end=$((NOW + limit * 1000))
  until "$@"; do now; [ $NOW -lt $end ] || die "$what (not within $limit s)"; sleep 0.05; done
}
# since_line DIRECTOR N TEXT: logged after the log's first N lines
since_line() { tail -n +$(($2 + 1)) $D/$1.log | grep -qF "$3"; }
lines() { wc -l < $D/$1.log; }
answered() { [ "$(wc -l < $D/requests.log)" -ge $1 ]; }
table_has() { [ "$(real_servers $1)" = $2 ]; }
# a director's log line, without the date keepalived's console format puts in front
logline() { grep -F "$2" $D/$1.log | tail -n 1 | sed -E 's/^[A-Z][a-z]{2} [A-Z][a-z]{2} [ 0-9]{2} [0-9:]{8} [0-9]{4}: //'; }
real_servers() { ip netns exec $1 ipvsadm -Ln | grep -c -- '-> [0-9].*Route'; }
has_vip() { ip -n $1 -4 -o addr show dev eth0 | grep -qF " ${VIP}/"; }
# the VRRP state a director last entered, and the way it got there
state_of() { grep -F '(VI_1) Entering' $D/$1.log | tail -n 1 | sed -E 's/.*Entering ([A-Z]+) STATE.*/\1/'; }
history_of() { grep -F '(VI_1) Entering' $D/$1.log | sed -E 's/.*Entering ([A-Z]+) STATE(.*)/\1\2/' | paste -sd, | sed 's/,/ -> /g'; }
elected() { [ "$(state_of dir1)" = MASTER ] && [ "$(state_of dir2)" = BACKUP ] && has_vip dir1 && ! has_vip dir2; }
no_process_in() { [ -z "$(ip netns pids $1)" ]; }
took_over() { [ "$(state_of dir2)" = MASTER ] && has_vip dir2; }
# awk over the client's record (sent_ms done_ms outcome): requests sent in [from, to)
window() { awk -v a=$1 -v b=$2 '$1 >= a && $1 < b' $D/requests.log; }
# "N requests, F failed; answered by rs1 a (x%), ...", shares of the answered ones
spread() {
  awk '{ n++; if ($3 ~ /^fail/) f++; else c[$3]++ }
       END { ok = n - f; printf "%d requests, %d failed; answered by", n, f
             for (i = 1; i <= 3; i++) { k = "rs" i; printf "%s %s %d (%d%%)", (i > 1 ? "," : ""), k, c[k], ok ? int(100 * c[k] / ok + 0.5) : 0 }
             printf "\n" }'
}
failed() { awk '$3 ~ /^fail/ { f++ } END { print f + 0 }'; }
plural() { if [ $1 = 1 ]; then echo "1 $2"; else echo "$1 $2s"; fi; }
# the longest time between two answers, counting only gaps that end after time $1
longest_gap() {
  awk '$3 !~ /^fail/ { print $2 }' $D/requests.log | sort -n |
    awk -v k=$1 'NR > 1 && $1 > k && $1 - p > g { g = $1 - p } { p = $1 } END { print g + 0 }'
}

say "Lab: client 10.0.0.2 -- router 10.0.0.1 | 10.0.1.1 -- LAN 10.0.1.0/24"
more "directors dir1 10.0.1.2 and dir2 10.0.1.3: keepalived-ts (VRRP, health checks, IPVS), VIP ${VIP}" \
     "real servers rs1-rs3 10.0.1.11-13: one web server each (LVS-DR: the VIP on their lo, ARP for it off)"
${topology()}
WEB='import http.server, sys
body = (sys.argv[1] + "\n").encode()
class Answer(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200); self.send_header("Content-Length", str(len(body))); self.end_headers(); self.wfile.write(body)
    def log_message(self, *args): pass
http.server.ThreadingHTTPServer(("", 80), Answer).serve_forever()'
for i in 1 2 3; do
  # Python's http.server starts in a third of Node's time inside UML; each answers its own name
  ip netns exec rs$i python3 -c "$WEB" rs$i &
  eval "PID_rs$i=\$!"
done

# the directors start while the web servers come up (both mostly program start-up on UML's one CPU);
# setsid: each daemon leads its own process group, so the crash below can kill -9 all of it at once
for d in dir1 dir2; do
  setsid ip netns exec $d node ${cli} -n -l -D -i $d -f $D/keepalived.conf -p $D/$d.pid -r $D/$d-vrrp.pid -c $D/$d-checker.pid > $D/$d.log 2>&1 < /dev/null &
  eval "PID_$d=\$!"
  disown  # no "Killed" job notice when the crash below kills it
done
ip netns exec client node ${client} ${VIP} 80 50 2000 $D/requests.log $D/go &
PID_client=$!
say "keepalived-ts starts on dir1 and dir2: one keepalived.conf, -i dir1 / -i dir2 pick priority 150 / 100"
for i in 1 2 3; do wait_until 60 "rs$i answering" bash -c "</dev/tcp/10.0.1.1$i/80" 2>/dev/null; done
say "the web servers answer on port 80"
wait_until 90 "dir1 MASTER and dir2 BACKUP, the VIP on dir1 only" elected
say "VRRP (VI_1): dir1 MASTER, dir2 BACKUP, VIP ${VIP} on dir1's eth0 only"
for d in dir1 dir2; do
  path=$(history_of $d)
  case $path in *' -> '*) path="   [$path]" ;; *) path= ;; esac
  more "$d: $(logline $d '(VI_1) Entering')$path"
done
wait_until 30 "dir1's table" table_has dir1 3
wait_until 30 "dir2's table" table_has dir2 3
say "ipvsadm -Ln on dir1 (the master; dir2 has programmed the same table and waits):"
ip netns exec dir1 ipvsadm -Ln | indent

touch $D/go
say "the client starts: GET http://${VIP}/ every 50 ms, each on a new connection"
wait_until 60 "120 requests answered" answered 120
FIRST=$(sort -n $D/requests.log | head -n 120)
say "first $(spread <<< "$FIRST")"
more "(wrr, weights 3:2:1)"

now; K2=$NOW; L1=$(lines dir1); L2=$(lines dir2)
kill $PID_rs2
say "rs2's web server stops"
wait_until 20 "dir1 removing rs2" since_line dir1 $L1 "Removing service [10.0.1.12]:tcp:80"
now; R2=$NOW
wait_until 20 "dir2 removing rs2" since_line dir2 $L2 "Removing service [10.0.1.12]:tcp:80"
say "dir1: $(logline dir1 'HTTP_CHECK on service [10.0.1.12]')"
more "dir1: $(logline dir1 'Removing service [10.0.1.12]')   (seen $(secs $((R2 - K2))) s after the stop)" \
     "dir2: $(logline dir2 'Removing service [10.0.1.12]')"
table_has dir1 2 || die "rs2 still in dir1's table"
more "ipvsadm -Ln on dir1 now:"
ip netns exec dir1 ipvsadm -Ln | grep -- '-> [0-9]' | indent
DOWN_FAILED=$(window $K2 $R2 | failed)
more "$(plural $DOWN_FAILED request) failed in between (sent to rs2 before the checker took it out)"
sleep 2
now; AFTER2=$NOW
AFTER2_FAILED=$(window $R2 $AFTER2 | failed)
say "since then $(window $R2 $AFTER2 | spread)"

# ip -ts monitor: the moment the VIP lands on dir2, to the microsecond (the daemons' logs have seconds)
ip -n dir2 -ts monitor address > $D/dir2-addresses.log &
MONITOR=$!
sleep 0.2
now; K3=$NOW
kill -9 -- -$PID_dir1
ip -n dir1 link set eth0 down
say "dir1 crashes: kill -9 of keepalived-ts's process group, and its link goes down"
more "(a killed daemon alone leaves its VIP and its kernel table forwarding; a dead machine does not)"
wait_until 10 "dir1's processes gone" no_process_in dir1
more "no process left in dir1"
wait_until 20 "dir2 MASTER with the VIP" took_over
VIP_AT=$(grep -v Deleted $D/dir2-addresses.log | grep -m 1 -F " ${VIP}/" | sed -E 's/^\[([^]]+)\].*/\1/')
if [ -n "$VIP_AT" ]; then M3=$(date -d "$VIP_AT" +%s%3N); else now; M3=$NOW; fi
kill $MONITOR
say "dir2: $(logline dir2 '(VI_1) Entering MASTER STATE'); the VIP is on its eth0 $(secs $((M3 - K3))) s after the crash"
sleep 2
kill $PID_client; wait $PID_client || true
now; END=$NOW
say "ipvsadm -Ln on dir2 (the master now; InActConn counts the connections it forwarded):"
ip netns exec dir2 ipvsadm -Ln | indent
OVER_FAILED=$(window $K3 $END | failed)
GAP=$(longest_gap $K3)
LATE=$(window $M3 $END | wc -l)
LATE_FAILED=$(window $M3 $END | failed)
say "since the crash $(window $K3 $END | spread)"
more "the longest time without an answer: $GAP ms"

echo
say "Summary"
more "$(spread < $D/requests.log | sed 's/;.*//'): $DOWN_FAILED while rs2 was down but still in the table, $OVER_FAILED during the failover" \
     "wrr 3:2:1: the first 120 went to $(spread <<< "$FIRST" | sed 's/.*answered by //')" \
     "rs2 stopped: the checkers took it out within $(secs $((R2 - K2))) s; $AFTER2_FAILED failed after that" \
     "dir1 crashed: dir2 took over the VIP in $(secs $((M3 - K3))) s; no answer for $GAP ms at most" \
     "sent after the takeover: $LATE requests, $LATE_FAILED failed"
`;
}

/** Prints what the lab writes to `file` as it grows, until stopped; returns the stopper (which prints the rest). */
function follow(file: string): () => void {
  let offset = 0;
  const buf = Buffer.alloc(64 * 1024);
  const drain = () => {
    let fd: number;
    try {
      fd = openSync(file, 'r');
    } catch {
      return; // not written yet
    }
    try {
      for (;;) {
        const n = readSync(fd, buf, 0, buf.length, offset);
        if (n <= 0) break;
        // only whole lines, so a line written back in two pieces is not printed torn
        const text = buf.subarray(0, n).toString('utf8');
        const end = text.lastIndexOf('\n') + 1;
        if (end === 0) break;
        process.stdout.write(text.slice(0, end));
        offset += Buffer.byteLength(text.slice(0, end));
        if (n < buf.length) break;
      }
    } finally {
      closeSync(fd);
    }
  };
  const timer = setInterval(drain, 200);
  return () => {
    clearInterval(timer);
    drain();
  };
}

async function main(): Promise<void> {
  process.stdout.write(
    'keepalived-ts lab demo: an LVS-DR director pair, three web servers and a client in User-Mode Linux ' +
      '(the real ip_vs; under a minute)\n',
  );
  const dir = mkdtempSync(join(tmpdir(), 'kt-demo-'));
  const live = join(dir, 'output');
  const stop = follow(live);
  try {
    const r = await runInUml(script(), { timeoutMs: 300_000, memMB: 1024, env: { KT_DEMO_LIVE: live } });
    stop();
    // KT_DEMO_LOGS=DIR: the daemons' logs and the client's record, for a look afterwards
    const logs = process.env.KT_DEMO_LOGS;
    if (logs) {
      mkdirSync(logs, { recursive: true });
      for (const [name, text] of Object.entries(r.files)) writeFileSync(join(logs, name), text);
    }
    if (r.code !== 0) {
      process.stderr.write(`\ndemo failed (exit ${r.code})${r.output ? `\n${r.output}` : ''}\n`);
      process.exitCode = 1;
    }
  } catch (e) {
    stop();
    process.stderr.write(`\ndemo failed: ${(e as Error).message}\n`);
    process.exitCode = 1;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

void main().catch(() => undefined);
