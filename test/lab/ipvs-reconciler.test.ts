// The IPVS reconciler proven in the lab: our daemon (-D, KT_IPVS_RESYNC_MS=300) against the real kernel
// in ONE UML boot. Phase A (alone, as it measures repair times): reloads that change one weight / add one
// real server / remove one do exactly that one operation; entries deleted or edited with ipvsadm are
// repaired; a foreign service (and a foreign real server in one of ours) is never touched; broken reloads;
// SIGTERM removes exactly our entries. Then, side by side: -I leaves the table, lvs_flush flushes at start,
// an operation the kernel refuses is logged and retried while everything else is programmed, and
// keepalived given the same broken reload as phase A (the reference for what a missing `}` does).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runInUml, type UmlResult } from './uml.js';
import { REPO } from './side-by-side-cases.js';

// --- configurations -------------------------------------------------------------------------------

interface RsSpec {
  addr: string;
  weight: number;
}

/** The phase A configuration: one NAT service whose real servers vary, and three that never change. */
function conf(rs: readonly RsSpec[], globals = ''): string {
  const servers = rs.map((r) => `    real_server ${r.addr} 8080 {\n        weight ${r.weight}\n    }\n`).join('');
  return `${globals}
virtual_server 10.60.0.1 80 {
    protocol TCP
    lb_algo wrr
    lb_kind NAT
${servers}}

virtual_server 10.60.0.2 53 {
    protocol UDP
    lb_algo rr
    lb_kind DR
    real_server 10.60.1.1 53 {
        weight 1
    }
}

virtual_server fwmark 60 {
    lb_algo rr
    lb_kind DR
    real_server 10.60.1.4 {
        weight 1
    }
}

virtual_server fd00:60::1 443 {
    protocol TCP
    lb_algo sh
    lb_kind NAT
    real_server fd00:60:1::1 8443 {
        weight 5
    }
}
`;
}

const RS1: RsSpec[] = [{ addr: '10.60.1.1', weight: 1 }, { addr: '10.60.1.2', weight: 2 }, { addr: '10.60.1.3', weight: 3 }];
/** (a) one line changed: the weight of 10.60.1.2 */
const RS2: RsSpec[] = [RS1[0], { addr: '10.60.1.2', weight: 7 }, RS1[2]];
/** (b) one real server more */
const RS3: RsSpec[] = [...RS2, { addr: '10.60.1.5', weight: 4 }];
/** (b) one real server less */
const RS4: RsSpec[] = [RS3[0], RS3[1], RS3[3]];

/** (f) a keyword without its value: keepalived stops reading there and cannot run (-t rc 2). */
const BROKEN_VALUE = conf(RS4).replace('    lb_algo wrr\n', '    lb_algo\n');
/** (f) a real_server block whose `}` is missing, mid-file. keepalived -t says rc 5 ("would run"). */
const BROKEN_BRACE = conf(RS4).replace('        weight 1\n    }\n    real_server 10.60.1.2', '        weight 1\n    real_server 10.60.1.2');

/** (e) a scheduler this kernel lacks (no ip_vs_twos), one whose module the script removes, one that works. */
const FAILING = `
virtual_server 10.61.0.1 80 {
    protocol TCP
    lb_algo twos
    lb_kind NAT
    real_server 10.61.1.1 8080 {
        weight 1
    }
}

virtual_server 10.61.0.2 80 {
    protocol TCP
    lb_algo sed
    lb_kind NAT
    real_server 10.61.1.2 8080 {
        weight 2
    }
}

virtual_server 10.61.0.3 80 {
    protocol TCP
    lb_algo rr
    lb_kind NAT
    real_server 10.61.1.3 8080 {
        weight 3
    }
    real_server 10.61.1.4 8080 {
        weight 4
    }
}
`;

// --- the lab script ---------------------------------------------------------------------------------

// Helpers: start our daemon or keepalived in a namespace, wait for log lines, mark the log (line count)
// so the host can cut it into steps, and snapshot the table (-S -n) under a name.
const HELPERS = `
mark() { echo "$2 $(wc -l < "$1/log")" >> "$1/marks"; }
snap() { ip netns exec "$2" ipvsadm -S -n > "$1/snap-$3" 2>&1; }
# wait_for DIR PATTERN COUNT SECONDS: the log holds COUNT lines with PATTERN
wait_for() {
  local i
  for ((i = 0; i < $4 * 10; i++)); do
    [ "$(grep -c -F -- "$2" "$1/log")" -ge "$3" ] && return 0
    sleep 0.1
  done
  echo "timeout waiting for '$2' x$3" >> "$1/errors"; return 1
}
# ours DIR NS CONF [ARGS...]: our daemon in the foreground of a background job; pid in DIR/pid
ours() {
  local d=$1 ns=$2 conf=$3; shift 3
  ip netns exec "$ns" env KT_IPVS_RESYNC_MS=300 node "$MAIN" -n -l -D -C -f "$conf" -p "$d/o.pid" -r "$d/ov.pid" -c "$d/oc.pid" "$@" > "$d/log" 2>&1 < /dev/null &
  echo $! > "$d/pid"
}
# stop DIR: SIGTERM, wait (20 s at most), exit code in DIR/rc
stop() {
  local pid; pid=$(cat "$1/pid")
  kill -TERM "$pid"
  ( sleep 20; echo killed >> "$1/errors"; kill -KILL "$pid" 2> /dev/null ) &
  local wd=$!
  wait "$pid"; echo $? > "$1/rc"
  kill "$wd" 2> /dev/null || true
}
# ns NAME
newns() { ip netns add "$1" && ip -n "$1" link set lo up; }
# reload DIR CONF-TO-INSTALL N: install the file, SIGHUP, wait for the N-th reload to end ("Reload complete",
# or the parent's "New configuration refused"), then three resyncs
reload() {
  cp "$2" "$1/daemon.conf"
  kill -HUP "$(cat "$1/pid")"
  local i
  for ((i = 0; i < 300; i++)); do
    [ "$(grep -c -E -- "Reload complete|New configuration refused" "$1/log")" -ge "$3" ] && break
    sleep 0.1
  done
  [ "$i" -lt 300 ] || echo "timeout waiting for the end of reload $3" >> "$1/errors"
  sleep 1
}
# ms_until DIR NS FILE-NAME COMMAND...: run COMMAND repeatedly until it succeeds (10 s at most); ms taken into FILE
ms_until() {
  local d=$1 ns=$2 f=$3; shift 3
  local t0=$EPOCHREALTIME i
  for ((i = 0; i < 200; i++)); do
    if ip netns exec "$ns" bash -c "$*"; then
      echo $(( (\${EPOCHREALTIME/./} - \${t0/./}) / 1000 )) > "$d/$f"; return 0
    fi
    sleep 0.05
  done
  echo "never: $*" >> "$d/errors"; echo -1 > "$d/$f"
}
`;

function phaseA(): string {
  return String.raw`
phase_a() {
  local d=$LAB_OUT/a ns=kta
  mkdir -p "$d"; newns $ns
  # (d) a foreign service with a real server, there before we start
  ip netns exec $ns ipvsadm -A -t 10.99.0.1:80 -s rr
  ip netns exec $ns ipvsadm -a -t 10.99.0.1:80 -r 10.99.1.1:80 -m -w 3
  cp "$CONF/c1.conf" "$d/daemon.conf"
  ours "$d" $ns "$d/daemon.conf"
  wait_for "$d" "Startup complete" 1 60
  snap "$d" $ns start
  # (d) a foreign real server inside one of our services
  ip netns exec $ns ipvsadm -a -t 10.60.0.1:80 -r 10.99.1.2:8080 -m -w 5
  sleep 1; snap "$d" $ns settled
  mark "$d" weight;  reload "$d" "$CONF/c2.conf" 1; mark "$d" weight-end;  snap "$d" $ns weight
  mark "$d" add;     reload "$d" "$CONF/c3.conf" 2; mark "$d" add-end;     snap "$d" $ns add
  mark "$d" remove;  reload "$d" "$CONF/c4.conf" 3; mark "$d" remove-end;  snap "$d" $ns remove
  # (c) an owned real server deleted, an owned weight edited, an owned service deleted, by hand
  mark "$d" repair-del
  ip netns exec $ns ipvsadm -d -t 10.60.0.1:80 -r 10.60.1.1:8080
  ms_until "$d" $ns repair-del-ms "ipvsadm -S -n | grep -q -- '-a -t 10.60.0.1:80 -r 10.60.1.1:8080 '"
  sleep 0.5; mark "$d" repair-del-end; snap "$d" $ns repair-del
  mark "$d" repair-edit
  ip netns exec $ns ipvsadm -e -t 10.60.0.1:80 -r 10.60.1.2:8080 -m -w 9
  ms_until "$d" $ns repair-edit-ms "ipvsadm -S -n | grep -q -- '-r 10.60.1.2:8080 -m -w 7$'"
  sleep 0.5; mark "$d" repair-edit-end; snap "$d" $ns repair-edit
  mark "$d" repair-svc
  ip netns exec $ns ipvsadm -D -u 10.60.0.2:53
  ms_until "$d" $ns repair-svc-ms "ipvsadm -S -n | grep -q -- '-a -u 10.60.0.2:53 -r 10.60.1.1:53 '"
  sleep 0.5; mark "$d" repair-svc-end; snap "$d" $ns repair-svc
  # (f) broken reloads, then the good file again
  mark "$d" broken-value; reload "$d" "$CONF/broken-value.conf" 4; mark "$d" broken-value-end; snap "$d" $ns broken-value
  mark "$d" broken-brace; reload "$d" "$CONF/broken-brace.conf" 5; mark "$d" broken-brace-end; snap "$d" $ns broken-brace
  mark "$d" restore; reload "$d" "$CONF/c4.conf" 6; mark "$d" restore-end; snap "$d" $ns restore
  # (g) stop
  mark "$d" stop; stop "$d"; mark "$d" stop-end; snap "$d" $ns stopped
  ip netns del $ns
}
`;
}

function phasesInParallel(): string {
  return String.raw`
# (g) -I leaves our entries in place
phase_i() {
  local d=$LAB_OUT/i ns=kti
  mkdir -p "$d"; newns $ns
  ours "$d" $ns "$CONF/c1.conf" -I
  wait_for "$d" "Startup complete" 1 60
  snap "$d" $ns running
  stop "$d"; snap "$d" $ns stopped
  ip netns del $ns
}
# (g) lvs_flush flushes the table at start (a foreign service goes)
phase_flush() {
  local d=$LAB_OUT/flush ns=ktf
  mkdir -p "$d"; newns $ns
  ip netns exec $ns ipvsadm -A -t 10.99.0.1:80 -s rr
  ip netns exec $ns ipvsadm -a -t 10.99.0.1:80 -r 10.99.1.1:80 -m -w 3
  snap "$d" $ns before
  cp "$CONF/flush.conf" "$d/daemon.conf"
  ours "$d" $ns "$d/daemon.conf"
  wait_for "$d" "Startup complete" 1 60
  snap "$d" $ns running
  # only at start: a foreign service added now survives resyncs, a reload and the stop
  ip netns exec $ns ipvsadm -A -t 10.99.0.1:80 -s rr
  ip netns exec $ns ipvsadm -a -t 10.99.0.1:80 -r 10.99.1.1:80 -m -w 3
  reload "$d" "$CONF/flush.conf" 1
  snap "$d" $ns reloaded
  stop "$d"; snap "$d" $ns stopped
  ip netns del $ns
}
# (e) operations the kernel refuses: no ip_vs_twos at all; ip_vs_sed removed, then loaded again
phase_fail() {
  local d=$LAB_OUT/fail ns=ktx
  mkdir -p "$d" "$LAB_TMP/mods/lib"; newns $ns
  ln -sfn /usr/lib/uml/modules "$LAB_TMP/mods/lib/modules"
  rmmod ip_vs_sed
  echo "start 0" > "$d/marks"
  ours "$d" $ns "$CONF/failing.conf"
  wait_for "$d" "Startup complete" 1 60
  # retried: at least three failed attempts for each
  wait_for "$d" "add-service [10.61.0.1]:tcp:80 failed, will retry" 3 20
  wait_for "$d" "add-service [10.61.0.2]:tcp:80 failed, will retry" 3 20
  snap "$d" $ns failing
  mark "$d" modprobe
  modprobe -d "$LAB_TMP/mods" ip_vs_sed
  ms_until "$d" $ns recovered-ms "ipvsadm -S -n | grep -q -- '-a -t 10.61.0.2:80 -r 10.61.1.2:8080 '"
  mark "$d" end; snap "$d" $ns recovered
  stop "$d"; snap "$d" $ns stopped
  ip netns del $ns
}
# keepalived given phase A's last good file and then the reload with a missing brace
phase_keepalived() {
  local d=$LAB_OUT/k ns=ktk
  mkdir -p "$d"; newns $ns
  cp "$CONF/c4.conf" "$d/k.conf"
  ip netns exec $ns keepalived -n -l -G -D -C -f "$d/k.conf" -p "$LAB_TMP/k.pid" -r "$LAB_TMP/kv.pid" -c "$LAB_TMP/kc.pid" > "$d/log" 2>&1 < /dev/null &
  echo $! > "$d/pid"
  wait_for "$d" "Activating BFD healthchecker" 1 60
  snap "$d" $ns start
  cp "$CONF/broken-brace.conf" "$d/k.conf"
  mark "$d" broken-brace
  kill -HUP "$(cat "$d/pid")"
  wait_for "$d" "Activating BFD healthchecker" 2 30
  sleep 1; snap "$d" $ns broken-brace
  stop "$d"; snap "$d" $ns stopped
  ip netns del $ns
}
`;
}

const SCRIPT = `${HELPERS}${phaseA()}${phasesInParallel()}
t0=$EPOCHREALTIME
phase_a
t1=$EPOCHREALTIME
phase_i & phase_flush & phase_fail & phase_keepalived & wait
echo "$t0 $t1 $EPOCHREALTIME" > "$LAB_OUT/times"
`;

// --- reading the results ----------------------------------------------------------------------------

/** `-S -n` lines, sorted; '' for a missing snapshot (so that comparisons fail loudly). */
function table(run: UmlResult, dir: string, name: string): string[] {
  const text = run.files[`${dir}/snap-${name}`];
  assert.ok(text !== undefined, `snapshot ${dir}/${name} was not taken\n${run.files[`${dir}/errors`] ?? ''}`);
  return text.split('\n').filter((l) => l !== '').sort();
}

function stripTime(line: string): string {
  return line.replace(/^\w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4}: /, '');
}

/** The log lines between two marks. */
function logBetween(run: UmlResult, dir: string, from: string, to: string): string[] {
  const lines = (run.files[`${dir}/log`] ?? '').split('\n');
  const marks = new Map(
    (run.files[`${dir}/marks`] ?? '').split('\n').filter(Boolean).map((l) => {
      const [name, n] = l.split(' ');
      return [name, Number(n)] as const;
    }),
  );
  const a = marks.get(from);
  const b = marks.get(to);
  assert.ok(a !== undefined && b !== undefined, `marks ${from}/${to} missing in ${dir}`);
  return lines.slice(a, b).map(stripTime);
}

/** Log lines that report an IPVS operation (applied, failed, or found already done). */
const OP = /^(Adding service|Removing service|Changing weight|Updating service|Updating virtual server|Adding virtual server|Removing Virtual Server|Shutting down service|IPVS (add|edit|del)-)/;
function ops(lines: readonly string[]): string[] {
  return lines.filter((l) => OP.test(l));
}

function ms(run: UmlResult, dir: string, name: string): number {
  return Number((run.files[`${dir}/${name}`] ?? '-1').trim());
}

const FOREIGN = ['-A -t 10.99.0.1:80 -s rr', '-a -t 10.99.0.1:80 -r 10.99.1.1:80 -m -w 3'];
const FOREIGN_IN_OURS = '-a -t 10.60.0.1:80 -r 10.99.1.2:8080 -m -w 5';

/** What the daemon must program for conf(rs) (without foreign entries). */
function ourTable(rs: readonly RsSpec[]): string[] {
  return [
    '-A -t 10.60.0.1:80 -s wrr',
    ...rs.map((r) => `-a -t 10.60.0.1:80 -r ${r.addr}:8080 -m -w ${r.weight}`),
    '-A -u 10.60.0.2:53 -s rr',
    '-a -u 10.60.0.2:53 -r 10.60.1.1:53 -g -w 1',
    '-A -f 60 -s rr',
    '-a -f 60 -r 10.60.1.4:0 -g -w 1',
    '-A -t [fd00:60::1]:443 -s sh',
    '-a -t [fd00:60::1]:443 -r [fd00:60:1::1]:8443 -m -w 5',
  ].sort();
}

const sorted = (l: readonly string[]) => [...l].sort();

describe('IPVS reconciler in the kernel (UML, our daemon)', { timeout: 10 * 60_000 }, () => {
  let run: UmlResult;
  let dir = '';

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kt-rec-'));
    const files: Record<string, string> = {
      'c1.conf': conf(RS1),
      'c2.conf': conf(RS2),
      'c3.conf': conf(RS3),
      'c4.conf': conf(RS4),
      'broken-value.conf': BROKEN_VALUE,
      'broken-brace.conf': BROKEN_BRACE,
      'flush.conf': conf(RS1, 'global_defs {\n    lvs_flush\n}\n'),
      'failing.conf': FAILING,
    };
    for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
    run = await runInUml(SCRIPT, { timeoutMs: 540_000, env: { MAIN: join(REPO, 'dist/src/cli/main.js'), CONF: dir } });
  });

  after(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('the lab ran every phase without a timeout', () => {
    for (const d of ['a', 'i', 'flush', 'fail', 'k']) {
      assert.equal(run.files[`${d}/errors`], undefined, `phase ${d}: ${run.files[`${d}/errors`]}\n${run.files[`${d}/log`]}`);
      assert.equal(run.files[`${d}/rc`]?.trim(), '0', `phase ${d} exit code\n${run.files[`${d}/log`]}`);
    }
  });

  test('start-up programs the configuration and leaves the foreign service alone', () => {
    assert.deepEqual(table(run, 'a', 'start'), sorted([...ourTable(RS1), ...FOREIGN]));
    assert.deepEqual(table(run, 'a', 'settled'), sorted([...ourTable(RS1), ...FOREIGN, FOREIGN_IN_OURS]));
  });

  test('(a) a one-line weight change is exactly one edit, and the kernel has the new weight', () => {
    assert.deepEqual(ops(logBetween(run, 'a', 'weight', 'weight-end')), [
      'Changing weight from 2 to 7 for active service [10.60.1.2]:tcp:8080 of VS [10.60.0.1]:tcp:80',
    ]);
    assert.deepEqual(table(run, 'a', 'weight'), sorted([...ourTable(RS2), ...FOREIGN, FOREIGN_IN_OURS]));
  });

  test('(b) adding one real server is one add; removing one is one delete', () => {
    assert.deepEqual(ops(logBetween(run, 'a', 'add', 'add-end')), ['Adding service [10.60.1.5]:tcp:8080 to VS [10.60.0.1]:tcp:80']);
    assert.deepEqual(table(run, 'a', 'add'), sorted([...ourTable(RS3), ...FOREIGN, FOREIGN_IN_OURS]));
    assert.deepEqual(ops(logBetween(run, 'a', 'remove', 'remove-end')), ['Removing service [10.60.1.3]:tcp:8080 from VS [10.60.0.1]:tcp:80']);
    assert.deepEqual(table(run, 'a', 'remove'), sorted([...ourTable(RS4), ...FOREIGN, FOREIGN_IN_OURS]));
  });

  test('(c) what ipvsadm deletes or edits behind our back is repaired on the next re-sync', () => {
    const want = sorted([...ourTable(RS4), ...FOREIGN, FOREIGN_IN_OURS]);
    assert.ok(ms(run, 'a', 'repair-del-ms') >= 0 && ms(run, 'a', 'repair-del-ms') < 5000, `ipvsadm -d repaired after ${ms(run, 'a', 'repair-del-ms')} ms`);
    assert.deepEqual(ops(logBetween(run, 'a', 'repair-del', 'repair-del-end')), ['Adding service [10.60.1.1]:tcp:8080 to VS [10.60.0.1]:tcp:80']);
    assert.deepEqual(table(run, 'a', 'repair-del'), want);

    assert.ok(ms(run, 'a', 'repair-edit-ms') >= 0 && ms(run, 'a', 'repair-edit-ms') < 5000, `ipvsadm -e repaired after ${ms(run, 'a', 'repair-edit-ms')} ms`);
    assert.deepEqual(ops(logBetween(run, 'a', 'repair-edit', 'repair-edit-end')), [
      'Changing weight from 9 to 7 for active service [10.60.1.2]:tcp:8080 of VS [10.60.0.1]:tcp:80',
    ]);
    assert.deepEqual(table(run, 'a', 'repair-edit'), want);

    // a whole service deleted by hand comes back with its real server
    assert.ok(ms(run, 'a', 'repair-svc-ms') >= 0 && ms(run, 'a', 'repair-svc-ms') < 5000, `ipvsadm -D repaired after ${ms(run, 'a', 'repair-svc-ms')} ms`);
    assert.deepEqual(ops(logBetween(run, 'a', 'repair-svc', 'repair-svc-end')), [
      'Adding virtual server [10.60.0.2]:udp:53',
      'Adding service [10.60.1.1]:udp:53 to VS [10.60.0.2]:udp:53',
    ]);
    assert.deepEqual(table(run, 'a', 'repair-svc'), want);
  });

  test('(d) the foreign service and the foreign real server are never touched, not even named in the log', () => {
    const log = run.files['a/log'] ?? '';
    assert.doesNotMatch(log, /10\.99\./);
    for (const snap of ['start', 'settled', 'weight', 'add', 'remove', 'repair-del', 'repair-edit', 'repair-svc', 'broken-value', 'broken-brace', 'restore']) {
      const t = table(run, 'a', snap);
      for (const f of FOREIGN) assert.ok(t.includes(f), `${snap}: ${f} is gone`);
      if (snap !== 'start') assert.ok(t.includes(FOREIGN_IN_OURS), `${snap}: ${FOREIGN_IN_OURS} is gone`);
    }
  });

  test('(f) a reload with a keyword missing its value is refused and the table is unchanged', () => {
    const lines = logBetween(run, 'a', 'broken-value', 'broken-value-end');
    assert.ok(lines.some((l) => /New configuration refused/.test(l)), lines.join('\n'));
    assert.deepEqual(ops(lines), []);
    assert.deepEqual(table(run, 'a', 'broken-value'), table(run, 'a', 'repair-svc'));
  });

  test('(f) a reload with a missing } is refused and the table is unchanged', () => {
    const lines = logBetween(run, 'a', 'broken-brace', 'broken-brace-end');
    assert.ok(lines.some((l) => /New configuration refused/.test(l)), `not refused; operations: ${JSON.stringify(ops(lines))}\n${lines.join('\n')}`);
    assert.deepEqual(ops(lines), []);
    assert.deepEqual(table(run, 'a', 'broken-brace'), table(run, 'a', 'repair-svc'));
    // the good file again: nothing to do
    assert.deepEqual(ops(logBetween(run, 'a', 'restore', 'restore-end')), []);
  });

  test('keepalived applies the reload with a missing }: an intended difference', () => {
    // keepalived runs such a file (-t rc 5) and, on reload, diffs against it. Its parser ignores the `{`
    // after the misplaced `real_server` keyword, so `weight 7` lands on 10.60.1.1 and the stray `}` closes
    // 10.60.1.1's block: 10.60.1.2 disappears and 10.60.1.1 gets weight 7. We refuse the reload instead.
    assert.deepEqual(table(run, 'k', 'start'), ourTable(RS4));
    assert.deepEqual(table(run, 'k', 'broken-brace'), ourTable([{ addr: '10.60.1.1', weight: 7 }, { addr: '10.60.1.5', weight: 4 }]));
    assert.deepEqual(table(run, 'k', 'stopped'), []);
  });

  test('(g) SIGTERM removes exactly our entries', () => {
    // Our service 10.60.0.1 goes, and with it the foreign real server an operator put inside it.
    assert.deepEqual(table(run, 'a', 'stopped'), sorted(FOREIGN));
    const stopOps = ops(logBetween(run, 'a', 'stop', 'stop-end'));
    assert.deepEqual(
      sorted(stopOps.filter((l) => l.startsWith('Shutting down'))),
      sorted(RS4.map((r) => `Shutting down service [${r.addr}]:tcp:8080 from VS [10.60.0.1]:tcp:80`).concat(
        'Shutting down service [10.60.1.1]:udp:53 from VS [10.60.0.2]:udp:53',
        'Shutting down service [10.60.1.4]:none:0 from VS FWM 60',
        'Shutting down service [fd00:60:1::1]:tcp:8443 from VS [fd00:60::1]:tcp:443',
      )),
    );
    assert.equal(stopOps.filter((l) => l.startsWith('Removing Virtual Server')).length, 4, stopOps.join('\n'));
  });

  test('(g) with -I the entries stay after SIGTERM', () => {
    assert.deepEqual(table(run, 'i', 'running'), ourTable(RS1));
    assert.deepEqual(table(run, 'i', 'stopped'), ourTable(RS1));
    assert.deepEqual(ops(logBetween0(run, 'i')).filter((l) => !l.startsWith('Adding')), []);
  });

  test('(g) lvs_flush flushes the table at start, and only then', () => {
    assert.deepEqual(table(run, 'flush', 'before'), sorted(FOREIGN));
    assert.deepEqual(table(run, 'flush', 'running'), ourTable(RS1));
    assert.deepEqual(table(run, 'flush', 'reloaded'), sorted([...ourTable(RS1), ...FOREIGN]));
    assert.deepEqual(table(run, 'flush', 'stopped'), sorted(FOREIGN));
    assert.equal((run.files['flush/log'] ?? '').match(/Flushing IPVS table/g)?.length, 1);
    for (const d of ['a', 'i', 'fail']) assert.doesNotMatch(run.files[`${d}/log`] ?? '', /Flushing/);
  });

  test('(e) a refused operation is logged and retried while every other service is programmed', () => {
    const before = logBetween(run, 'fail', 'start', 'modprobe');
    for (const vs of ['[10.61.0.1]:tcp:80', '[10.61.0.2]:tcp:80']) {
      const n = before.filter((l) => l.startsWith(`IPVS add-service ${vs} failed, will retry`)).length;
      assert.ok(n >= 3, `${vs}: ${n} failed attempts logged\n${before.join('\n')}`);
    }
    assert.deepEqual(table(run, 'fail', 'failing'), sorted([
      '-A -t 10.61.0.3:80 -s rr',
      '-a -t 10.61.0.3:80 -r 10.61.1.3:8080 -m -w 3',
      '-a -t 10.61.0.3:80 -r 10.61.1.4:8080 -m -w 4',
    ]));
    const log = (run.files['fail/log'] ?? '').split('\n').map(stripTime);
    // the destinations of a service the kernel refused are not even attempted
    assert.ok(!log.some((l) => /10\.61\.1\.[12]/.test(l) && /failed/.test(l)), 'a destination of a refused service was attempted');
    // once the module is back, the next retry programs the service
    const recovered = ms(run, 'fail', 'recovered-ms');
    assert.ok(recovered >= 0 && recovered < 3000, `sed service programmed ${recovered} ms after modprobe`);
    assert.deepEqual(table(run, 'fail', 'recovered'), sorted([
      '-A -t 10.61.0.2:80 -s sed',
      '-a -t 10.61.0.2:80 -r 10.61.1.2:8080 -m -w 2',
      '-A -t 10.61.0.3:80 -s rr',
      '-a -t 10.61.0.3:80 -r 10.61.1.3:8080 -m -w 3',
      '-a -t 10.61.0.3:80 -r 10.61.1.4:8080 -m -w 4',
    ]));
    assert.ok(ops(logBetween(run, 'fail', 'modprobe', 'end')).includes('Adding service [10.61.1.2]:tcp:8080 to VS [10.61.0.2]:tcp:80'));
    assert.deepEqual(table(run, 'fail', 'stopped'), []);
  });

  test('timings', (t) => {
    const [t0 = NaN, t1 = NaN, t2 = NaN] = (run.files.times ?? '').trim().split(' ').map(Number);
    t.diagnostic(`UML boot ${run.timings.bootMs} ms, modules ${run.timings.modulesMs} ms, script ${run.timings.scriptMs} ms, total ${run.timings.totalMs} ms`);
    t.diagnostic(`phase A ${Math.round((t1 - t0) * 1000)} ms, parallel phases ${Math.round((t2 - t1) * 1000)} ms`);
    t.diagnostic(`repair: ipvsadm -d ${ms(run, 'a', 'repair-del-ms')} ms, -e ${ms(run, 'a', 'repair-edit-ms')} ms, -D ${ms(run, 'a', 'repair-svc-ms')} ms; modprobe → service ${ms(run, 'fail', 'recovered-ms')} ms`);
    assert.ok(run.timings.totalMs > 0);
  });
});

/** Every log line of a phase (from the start). */
function logBetween0(run: UmlResult, dir: string): string[] {
  return (run.files[`${dir}/log`] ?? '').split('\n').map(stripTime);
}
