// lvs_sync_daemon side by side with keepalived 2.2.7, in one UML boot: two directors on one bridge, ours
// (-P) in one namespace and keepalived (-P) in the other, both with `lvs_sync_daemon eth0 inst VI_1 …` and
// a track_file that lets the test move mastership between them. After every VRRP transition each
// director's `ipvsadm -L --daemon` is read: each daemon must run the sync daemon keepalived runs in the same
// situation (backup at start-up, master when it becomes MASTER, backup when it leaves MASTER, none after
// stop), so ours is compared with keepalived's own output. And the point of it all: a TCP connection made
// through the master director (LVS-DR to a real server) appears in the backup's `ipvsadm -Lnc`, and
// still works after the VIP moves to the other director.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runInUml, type UmlResult } from './uml.js';
import { drRealServer, lan } from './netns.js';
import { shq } from './shell.js';

const MAIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const SUFFIX = `${process.pid}-${Math.random().toString(36).slice(2, 6)}`;
const NS = { ours: `sd-o-${SUFFIX}`, kd: `sd-k-${SUFFIX}`, rs: `sd-r-${SUFFIX}`, cl: `sd-c-${SUFFIX}` };
const VIP = '10.0.0.100';
const SYNC = 'lvs_sync_daemon eth0 inst VI_1 id 7 maxlen 1400 port 8850 ttl 2 group 224.0.0.82';
const LINE = (role: string) => `${role} sync daemon (mcast=eth0, syncid=7, maxlen=1400, group=224.0.0.82, port=8850, ttl=2)`;
/** Track files on the instance's tmpfs (inotify works there; not on hostfs). */
const PRIO = { ours: '/run/lab/sd-ours.prio', kd: '/run/lab/sd-kd.prio' };

function config(who: 'ours' | 'kd'): string {
  return `global_defs {
  router_id sd-${who}
  ${SYNC}
}
track_file prio {
  file ${PRIO[who]}
}
vrrp_instance VI_1 {
  state BACKUP
  interface eth0
  virtual_router_id 51
  priority 100
  advert_int 1
  track_file {
    prio weight 1
  }
  virtual_ipaddress {
    ${VIP}/24
  }
}
`;
}

/** No instance named: the checker runs master and backup for as long as it runs (-C, a virtual server). */
const UNBOUND = `global_defs {
  lvs_sync_daemon eth0 id 8
}
virtual_server 10.0.0.200 80 {
  lb_algo rr
  lb_kind DR
  protocol TCP
  real_server 10.0.0.10 80 {
    weight 1
  }
}
`;
const UNBOUND_LINE = (role: string) => `${role} sync daemon (mcast=eth0, syncid=8, maxlen=1472, group=224.0.0.81, port=8848, ttl=1)`;

/** The batch: every step appends `<ms> <step>` to events; snapshots land in <step>.<who>.daemon / .conns. */
function script(conf: { ours: string; kd: string; unbound: string }): string {
  const o = shq(NS.ours);
  const k = shq(NS.kd);
  return `set -e
${lan({
  bridge: 'br0',
  hosts: [
    { ns: NS.ours, addrs: ['10.0.0.1/24'] },
    { ns: NS.kd, addrs: ['10.0.0.2/24'] },
    { ns: NS.rs, addrs: ['10.0.0.10/24'] },
    { ns: NS.cl, addrs: ['10.0.0.20/24'] },
  ],
})}
# the sync messages are multicast: flood them instead of relying on IGMP snooping
ip link set br0 type bridge mcast_snooping 0
${drRealServer(NS.rs, VIP)}
for ns in ${o} ${k}; do
  ip netns exec "$ns" ipvsadm -A -t ${VIP}:80 -s rr
  ip netns exec "$ns" ipvsadm -a -t ${VIP}:80 -r 10.0.0.10:80 -g
done
# the real server: a line echo server
ip netns exec ${shq(NS.rs)} node -e "require('net').createServer((s) => s.pipe(s)).listen(80, '0.0.0.0', () => require('fs').writeFileSync('$LAB_TMP/rs.up', ''))" > rs.log 2>&1 &
rs=$!
# the client: one TCP connection to the VIP, a word sent each time the batch says so, the echo recorded
cat > "$LAB_TMP/client.sh" <<'CLIENT'
exec 3<>/dev/tcp/${VIP}/80 || { echo "connect failed" >> client.out; exit 1; }
for word in one two three; do
  while [ ! -e "$LAB_TMP/send-$word" ]; do sleep 0.1; done
  echo "$word" >&3
  if read -r -t 5 line <&3; then echo "$word:$line" >> client.out; else echo "$word:TIMEOUT" >> client.out; fi
done
CLIENT
echo 50 > ${PRIO.ours}
echo 0 > ${PRIO.kd}
set +e
t0=$(date +%s%3N)
ev() { echo "$(( $(date +%s%3N) - t0 )) $*" >> events; }
# waitfor SECONDS STEP COMMAND...: poll every 100 ms; a timeout is recorded and ends the batch
waitfor() {
  local limit=$(( $(date +%s%3N) + $1 * 1000 )) step=$2; shift 2
  until "$@"; do
    if (( $(date +%s%3N) > limit )); then ev "TIMEOUT $step"; snap "timeout-$step"; finish; exit 1; fi
    sleep 0.1
  done
  ev "$step"
}
entered() { [ "$(grep -c "(VI_1) Entering $2 STATE" "$1.log")" -ge "$3" ]; }
running() { ip netns exec "$1" ipvsadm -L --daemon | grep -q sync; }
snap() {
  ip netns exec ${o} ipvsadm -L --daemon > "$1.ours.daemon" 2>&1
  ip netns exec ${k} ipvsadm -L --daemon > "$1.kd.daemon" 2>&1
  ip netns exec ${o} ipvsadm -Lnc > "$1.ours.conns" 2>&1
  ip netns exec ${k} ipvsadm -Lnc > "$1.kd.conns" 2>&1
}
# after a VRRP transition, give both daemons the same short moment to switch the sync daemon
settle() { sleep 0.5; snap "$1"; ev "snap $1"; }
finish() {
  [ -n "$ours" ] && kill -TERM "$ours" 2>/dev/null
  [ -n "$kd" ] && kill -TERM "$kd" 2>/dev/null
  [ -n "$client" ] && kill -TERM "$client" 2>/dev/null
  kill -TERM "$rs" 2>/dev/null
  wait
}
waitfor 20 rs-up test -e "$LAB_TMP/rs.up"

# 1. start-up: both BACKUP (init), both run the backup sync daemon. Ours first: node starts slowly here, and
# keepalived alone would become MASTER before ours is up; started within ours' master-down interval, it
# stays BACKUP and ours (higher priority) wins the election.
ip netns exec ${o} node ${shq(MAIN)} -P -n -l -D -G -f ${shq(conf.ours)} -p "$LAB_TMP/o.pid" -r "$LAB_TMP/ov.pid" -c "$LAB_TMP/oc.pid" > ours.log 2>&1 &
ours=$!
ev started-ours
waitfor 30 ours-init entered ours BACKUP 1
# each director is read right after its own BACKUP (init), well inside its master-down interval
waitfor 3 ours-running running ${o}
snap init-ours; ev "snap init-ours"
if grep -q 'Entering MASTER STATE' ours.log; then ev "TIMEOUT init: ours became MASTER before the snapshot"; fi
ip netns exec ${k} keepalived -P -n -l -D -G -f ${shq(conf.kd)} -p "$LAB_TMP/k.pid" -r "$LAB_TMP/kv.pid" -c "$LAB_TMP/kc.pid" > kd.log 2>&1 &
kd=$!
ev started-kd
waitfor 10 kd-init entered kd BACKUP 1
waitfor 3 kd-running running ${k}
snap init-kd; ev "snap init-kd"
if grep -q 'Entering MASTER STATE' kd.log; then ev "TIMEOUT init: keepalived became MASTER before the snapshot"; fi
# 2. ours (150) wins the election: MASTER, master sync daemon; keepalived stays BACKUP
waitfor 15 ours-master entered ours MASTER 1
settle ours-master
# 3. a connection through ours (it holds the VIP); it must reach keepalived's table by sync
ip netns exec ${shq(NS.cl)} bash "$LAB_TMP/client.sh" &
client=$!
touch "$LAB_TMP/send-one"
waitfor 10 echo-one grep -q '^one:' client.out
waitfor 10 conn-synced bash -c "ip netns exec ${k} ipvsadm -Lnc | grep -q '${VIP}:80.*ESTABLISHED\\|ESTABLISHED.*${VIP}:80'"
snap synced; ev "snap synced"
# 4. keepalived to 200: it preempts; ours leaves MASTER (backup sync daemon), keepalived runs the master one
echo 100 > ${PRIO.kd}
waitfor 15 kd-master entered kd MASTER 1
waitfor 10 ours-left entered ours BACKUP 2
settle kd-master
# the connection survives the move: keepalived forwards it from the synced entry
touch "$LAB_TMP/send-two"
waitfor 10 echo-two grep -q '^two:' client.out
# 5. ours to 250: it preempts back; keepalived leaves MASTER
echo 200 > ${PRIO.ours}
waitfor 15 ours-master-again entered ours MASTER 2
waitfor 10 kd-left entered kd BACKUP 2
settle ours-master-again
touch "$LAB_TMP/send-three"
waitfor 10 echo-three grep -q '^three:' client.out
# 6. stop ours while MASTER; keepalived takes over at once (priority 0)
kill -TERM "$ours"
waitfor 15 ours-stopped bash -c "! kill -0 $ours 2>/dev/null"
ours=
waitfor 10 kd-master-again entered kd MASTER 2
settle ours-stopped
# 7. stop keepalived while MASTER
kill -TERM "$kd"
waitfor 15 kd-stopped bash -c "! kill -0 $kd 2>/dev/null"
kd=
snap all-stopped; ev "snap all-stopped"
# 8. no instance named: both checkers (-C) run master and backup until stopped
count() { [ "$(ip netns exec "$1" ipvsadm -L --daemon | grep -c sync)" -eq "$2" ]; }
ip netns exec ${o} node ${shq(MAIN)} -C -n -l -D -G -f ${shq(conf.unbound)} -p "$LAB_TMP/o2.pid" -r "$LAB_TMP/ov2.pid" -c "$LAB_TMP/oc2.pid" > ours-unbound.log 2>&1 &
ours=$!
ip netns exec ${k} keepalived -C -n -l -D -G -f ${shq(conf.unbound)} -p "$LAB_TMP/k2.pid" -r "$LAB_TMP/kv2.pid" -c "$LAB_TMP/kc2.pid" > kd-unbound.log 2>&1 &
kd=$!
waitfor 30 unbound-running bash -c "$(declare -f count); count ${o} 2 && count ${k} 2"
sleep 0.3; snap unbound; ev "snap unbound"
kill -TERM "$ours" "$kd"
waitfor 15 unbound-stopped bash -c "! kill -0 $ours 2>/dev/null && ! kill -0 $kd 2>/dev/null"
ours=; kd=
snap unbound-stopped; ev "snap unbound-stopped"
finish
ev done
`;
}

const lines = (text: string | undefined) => (text ?? '').split('\n').map((l) => l.trim()).filter(Boolean);

describe('lvs_sync_daemon in UML: ours and keepalived 2.2.7 as the two directors of one VRRP instance', () => {
  let run: UmlResult;
  let dir: string;
  const daemons = (step: string, who: 'ours' | 'kd') => {
    const f = run.files[`${step}.${who}.daemon`];
    assert.ok(f !== undefined, `no snapshot ${step} (events:\n${run.files.events ?? ''})`);
    return lines(f);
  };

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kt-syncd-lab-'));
    const conf = { ours: join(dir, 'ours.conf'), kd: join(dir, 'kd.conf'), unbound: join(dir, 'unbound.conf') };
    await writeFile(conf.ours, config('ours'));
    await writeFile(conf.kd, config('kd'));
    await writeFile(conf.unbound, UNBOUND);
    run = await runInUml(script(conf), { timeoutMs: 120_000 });
  });
  after(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('the scenario ran to its end within its time limits', () => {
    const events = lines(run.files.events);
    const failed = events.find((e) => e.includes('TIMEOUT'));
    assert.equal(failed, undefined, `${failed}\n--- ours ---\n${run.files['ours.log']}\n--- keepalived ---\n${run.files['kd.log']}`);
    assert.match(events.at(-1) ?? '', / done$/, events.join('\n'));
    assert.ok(run.timings.totalMs < 90_000, `took ${run.timings.totalMs} ms`);
  });

  test('start-up: both directors run the backup sync daemon only, with identical parameters', () => {
    assert.deepEqual(daemons('init-ours', 'ours'), [LINE('backup')]);
    assert.deepEqual(daemons('init-kd', 'kd'), [LINE('backup')]);
  });

  test('becoming MASTER: the master daemon replaces the backup one (ours at step 2, keepalived at step 4)', () => {
    assert.deepEqual(daemons('ours-master', 'ours'), [LINE('master')]);
    assert.deepEqual(daemons('kd-master', 'kd'), [LINE('master')]);
    assert.deepEqual(daemons('ours-master-again', 'ours'), [LINE('master')]);
    assert.deepEqual(daemons('ours-stopped', 'kd'), [LINE('master')], 'keepalived after ours stopped');
  });

  test('staying BACKUP keeps the backup daemon; leaving MASTER goes back to it (ours at step 4, keepalived at step 5)', () => {
    assert.deepEqual(daemons('ours-master', 'kd'), [LINE('backup')]);
    assert.deepEqual(daemons('kd-master', 'ours'), daemons('ours-master-again', 'kd'), 'ours after MASTER = keepalived after MASTER');
    assert.deepEqual(daemons('kd-master', 'ours'), [LINE('backup')]);
  });

  test('stop: the director stopped as MASTER runs no sync daemon afterwards, ours as keepalived', () => {
    assert.deepEqual(daemons('ours-stopped', 'ours'), []);
    assert.deepEqual(daemons('all-stopped', 'kd'), []);
    assert.deepEqual(daemons('all-stopped', 'ours'), []);
  });

  test('connection sync: the master’s connection appears in the backup’s table and survives two moves of the VIP', () => {
    const synced = lines(run.files['synced.kd.conns']).filter((l) => l.includes(`${VIP}:80`));
    assert.equal(synced.length, 1, run.files['synced.kd.conns']);
    assert.match(synced[0], new RegExp(`^TCP\\s+\\S+\\s+ESTABLISHED\\s+10\\.0\\.0\\.20:\\d+\\s+${VIP.replace(/\./g, '\\.')}:80\\s+10\\.0\\.0\\.10:80$`));
    assert.deepEqual(lines(run.files['client.out']), ['one:one', 'two:two', 'three:three']);
  });

  test('no instance named: the checker runs master and backup until it stops, ours as keepalived', () => {
    assert.deepEqual(daemons('unbound', 'ours'), [UNBOUND_LINE('master'), UNBOUND_LINE('backup')]);
    assert.deepEqual(daemons('unbound', 'kd'), daemons('unbound', 'ours'));
    assert.deepEqual(daemons('unbound-stopped', 'ours'), []);
    assert.deepEqual(daemons('unbound-stopped', 'kd'), []);
  });

  test('neither daemon logged a refused IPVS command', () => {
    const ipvsErrors = (log: string | undefined) => lines(log).filter((l) => /IPVS cmd|Can't initialize ipvs/.test(l));
    for (const f of ['kd.log', 'ours.log', 'kd-unbound.log', 'ours-unbound.log']) assert.deepEqual(ipvsErrors(run.files[f]), [], f);
  });
});
