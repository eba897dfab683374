// Runs keepalived's checker and our daemon on the same configuration files inside ONE UML boot, each
// run in a fresh network namespace (IPVS tables are per namespace), and brings back what ipvsadm shows
// while each runs and after each has been stopped with SIGTERM.
import { DEFAULT_MODULES, runInUml, type UmlOptions, type UmlTimings } from './uml.js';
import { shq } from './shell.js';

/** What ipvsadm is asked, by view name. `timeout` shows lvs_timeouts (restored by keepalived on stop). */
export const VIEWS = {
  Ln: 'ipvsadm -Ln',
  thresholds: 'ipvsadm -Ln --thresholds',
  persistent: 'ipvsadm -Ln --persistent-conn',
  save: 'ipvsadm -S -n',
  timeout: 'ipvsadm -L --timeout',
} as const;
export type ViewName = keyof typeof VIEWS;
export const VIEW_NAMES = Object.keys(VIEWS) as ViewName[];
/** After stop only the table itself and the timeouts matter (ipvsadm costs ~0.15 s a call in UML). */
export const STOPPED_VIEW_NAMES: readonly ViewName[] = ['Ln', 'save', 'timeout'];

export type Daemon = 'keepalived' | 'ours';

export interface DaemonRun {
  /** the start-up marker was logged (keepalived: its checker's last start-up line; ours: "Startup complete") */
  started: boolean;
  /** the table kept changing for 10 s after start-up */
  unstable: boolean;
  /** killed with SIGKILL after not stopping within 20 s of SIGTERM */
  killed: boolean;
  exitCode: number;
  running: Record<ViewName, string>;
  /** STOPPED_VIEW_NAMES only; the others are '' */
  stopped: Record<ViewName, string>;
  log: string;
  /** start → marker, marker → first capture, first capture → stable, SIGTERM → exited; ms */
  startMs: number;
  captureMs: number;
  settleMs: number;
  stopMs: number;
  totalMs: number;
}

export interface SideBySideInput {
  name: string;
  /** the (stripped) file both daemons read */
  file: string;
  configId?: string;
}

export interface SideBySideRun {
  runs: Map<string, Record<Daemon, DaemonRun>>;
  timings: UmlTimings;
  /** wall time per input, both daemons, ms */
  perFileMs: Map<string, number>;
}

const DAEMON_CODE: Record<Daemon, string> = { keepalived: 'k', ours: 'o' };

// sbs_run NAME WHO CONF ID NS. keepalived's checker logs "Activating BFD healthchecker" as its last
// start-up line, after the table is programmed; ours logs "Startup complete" after the first reconcile.
// tail -F wakes on inotify and ends with the daemon (--pid): polling is slow in UML, where forks cost.
function runFunction(): string {
  const views = (names: readonly ViewName[]) => names.map((name) => `${VIEWS[name]} > "$d/${name}" 2>&1`).join('; ');
  return String.raw`
sbs_snap() { ip netns exec "$1" ipvsadm -S -n 2>&1; }
sbs_running_views() { ip netns exec "$1" bash -c 'd=$1; ${views(VIEW_NAMES)}' sbs-views "$2"; }
sbs_stopped_views() { ip netns exec "$1" bash -c 'd=$1; ${views(STOPPED_VIEW_NAMES)}' sbs-views "$2"; }
sbs_run() {
  local name=$1 who=$2 conf=$3 id=$4 ns=$5
  local out="$LAB_OUT/$name/$who" tmp="$LAB_TMP/$name/$who" marker pid
  mkdir -p "$out/running" "$out/stopped" "$tmp"
  ip netns add "$ns" && ip -n "$ns" link set lo up || { echo "netns $ns failed" > "$out/error"; return 1; }
  # the -i option, if any, as "$@" (a config id selects the file's @ID lines)
  if [ -n "$id" ]; then set -- -i "$id"; else set --; fi
  local t0=$EPOCHREALTIME
  if [ "$who" = k ]; then
    marker="Activating BFD healthchecker"
    ip netns exec "$ns" keepalived -n -l -G -D -C -f "$conf" "$@" \
      -p "$tmp/k.pid" -r "$tmp/v.pid" -c "$tmp/c.pid" > "$tmp/log" 2>&1 < /dev/null &
  else
    marker="Startup complete"
    ip netns exec "$ns" node "$SBS_MAIN" -n -l -D -C -f "$conf" "$@" \
      -p "$tmp/o.pid" -r "$tmp/ov.pid" -c "$tmp/oc.pid" > "$tmp/log" 2>&1 < /dev/null &
  fi
  pid=$!
  if timeout 60 grep -m1 -q -F "$marker" < <(exec tail -n +1 -F --pid=$pid "$tmp/log" 2> /dev/null); then
    : > "$out/started"
  fi
  local t1=$EPOCHREALTIME n=0
  # stable: the captured table (its -S -n view) is still the same 0.25 s later
  sbs_running_views "$ns" "$out/running"
  local t2=$EPOCHREALTIME
  while sleep 0.25; [ "$(sbs_snap "$ns")" != "$(cat "$out/running/save")" ]; do
    n=$((n + 1))
    [ $n -ge 40 ] && { : > "$out/unstable"; break; }
    sbs_running_views "$ns" "$out/running"
  done
  local t3=$EPOCHREALTIME
  kill -TERM $pid 2> /dev/null
  ( sleep 20; : > "$out/killed"; kill -KILL $pid 2> /dev/null ) &
  local wd=$!
  wait $pid
  echo $? > "$out/rc"
  kill $wd 2> /dev/null
  local t4=$EPOCHREALTIME
  sbs_stopped_views "$ns" "$out/stopped"
  echo "$t0 $t1 $t2 $t3 $t4" > "$out/times"
  cp "$tmp/log" "$out/log"
  ip netns del "$ns"
}
sbs_file() {
  local t0=$EPOCHREALTIME
  if [ "$SBS_PARALLEL" = 1 ]; then
    sbs_run "$1" k "$2" "$3" "sbs$4k" & sbs_run "$1" o "$2" "$3" "sbs$4o" & wait
  else
    sbs_run "$1" k "$2" "$3" "sbs$4k"; sbs_run "$1" o "$2" "$3" "sbs$4o"
  fi
  echo "$t0 $EPOCHREALTIME" > "$LAB_OUT/$1/times"
}
`;
}

export interface SideBySideOptions extends UmlOptions {
  /** path of our CLI (dist/src/cli/main.js) */
  main: string;
  /** run keepalived and ours on a file at the same time (each in its own namespace) */
  parallel?: boolean;
}

function ms(a: number, b: number): number {
  return Math.round((b - a) * 1000);
}

/** One boot for all inputs. Throws if a run left no trace (the batch died). */
export async function runSideBySide(inputs: readonly SideBySideInput[], opts: SideBySideOptions): Promise<SideBySideRun> {
  const lines = [runFunction()];
  inputs.forEach((c, i) => lines.push(`sbs_file ${[c.name, c.file, c.configId ?? '', String(i)].map(shq).join(' ')}`));
  const run = await runInUml(lines.join('\n'), {
    timeoutMs: 60_000 + inputs.length * 30_000,
    ...opts,
    // the sip persistence engine is loaded on demand by the kernel, which cannot find modules here
    modules: opts.modules ?? [...DEFAULT_MODULES, 'ip_vs_pe_sip'],
    env: { SBS_MAIN: opts.main, SBS_PARALLEL: opts.parallel ? '1' : '0', ...(opts.env ?? {}) },
  });
  const runs = new Map<string, Record<Daemon, DaemonRun>>();
  const perFileMs = new Map<string, number>();
  for (const c of inputs) {
    const pair = {} as Record<Daemon, DaemonRun>;
    for (const who of ['keepalived', 'ours'] as const) {
      const base = `${c.name}/${DAEMON_CODE[who]}`;
      const get = (f: string) => run.files[`${base}/${f}`];
      const rc = get('rc');
      if (rc === undefined) {
        throw new Error(`side-by-side: ${who} on ${c.name} did not complete inside UML (batch exit ${run.code})\n${get('error') ?? ''}\n${run.output.split('\n').slice(-30).join('\n')}`);
      }
      const [t0 = NaN, t1 = NaN, t2 = NaN, t3 = NaN, t4 = NaN] = (get('times') ?? '').trim().split(' ').map(Number);
      const views = (dir: string) => Object.fromEntries(VIEW_NAMES.map((v) => [v, get(`${dir}/${v}`) ?? ''])) as Record<ViewName, string>;
      pair[who] = {
        started: get('started') !== undefined,
        unstable: get('unstable') !== undefined,
        killed: get('killed') !== undefined,
        exitCode: Number.parseInt(rc.trim(), 10),
        running: views('running'),
        stopped: views('stopped'),
        log: get('log') ?? '',
        startMs: ms(t0, t1),
        captureMs: ms(t1, t2),
        settleMs: ms(t2, t3),
        stopMs: ms(t3, t4),
        totalMs: ms(t0, t4),
      };
    }
    runs.set(c.name, pair);
    const [f0 = NaN, f1 = NaN] = (run.files[`${c.name}/times`] ?? '').trim().split(' ').map(Number);
    perFileMs.set(c.name, ms(f0, f1));
  }
  return { runs, timings: run.timings, perFileMs };
}
