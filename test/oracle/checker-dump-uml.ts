// Runs Debian's keepalived checker (-C) with -d inside the UML lab for each given config, one after another
// in a single boot, and returns its configuration dump parsed, plus the IPVS table it programmed.
import { readFile } from 'node:fs/promises';
import { DEFAULT_MODULES, runInUml, type UmlOptions, type UmlTimings } from '../lab/uml.js';
import { shq } from '../lab/shell.js';
import { parseCheckerDump, stripLogPrefix, type ComparableVirtualServer } from './checker-dump.js';

export interface KeepalivedCheckerDump {
  file: string;
  /** `-i` given to keepalived, if any */
  configId?: string;
  /** keepalived's exit status after SIGTERM */
  exitCode: number;
  /** every log line, timestamps stripped */
  log: string[];
  virtualServers: ComparableVirtualServer[];
  /** `ipvsadm -Ln` taken right after the dump, before any checker has run */
  ipvsadmLn: string;
  /** `ipvsadm -S -n` at the same moment */
  ipvsadmSn: string;
  /** scripts that did not exist and were stubbed (`exit 0`) so that keepalived kept what uses them */
  stubbedScripts: string[];
  /** keepalived start → dump complete */
  dumpMs: number;
  /** keepalived start → stopped */
  totalMs: number;
}

export interface CheckerDumpRun {
  dumps: KeepalivedCheckerDump[];
  timings: UmlTimings;
}

/**
 * keepalived disables a MISC_CHECK or notify/quorum script whose file is missing, and then leaves it out
 * of the dump. The sample configs name scripts such as /usr/local/bin/script.sh, so the names are
 * collected here and stubbed inside UML (never on the host) for the oracle to see the checkers.
 */
export function scriptPathsIn(configText: string): string[] {
  const found = new Set<string>();
  const re = /^\s*(?:misc_path|quorum_up|quorum_down|notify_up|notify_down)\s+(?:"([^"]*)"|'([^']*)'|(\S+))/gm;
  for (const m of configText.matchAll(re)) {
    const command = (m[1] ?? m[2] ?? m[3] ?? '').trim();
    const path = command.split(/\s+/)[0];
    if (path?.startsWith('/')) found.add(path);
  }
  return [...found];
}

// Bash run once per config. In a private mount namespace, each missing script's nearest existing directory
// gets an overlay whose upper layer (tmpfs) holds the stub: the host's directory shows through unchanged.
const DUMP_FUNCTION = String.raw`
kd_dump() {
  local name=$1 conf=$2 id=$3; shift 3
  local out="$LAB_OUT/$name" tmp="$LAB_TMP/$name"
  mkdir -p "$out" "$tmp"
  local t0=$EPOCHREALTIME
  unshare -m --propagation private bash -c '
    tmp=$1; shift; conf=$1; shift; id=$1; shift; n=0
    for s in "$@"; do
      [ -e "$s" ] && continue
      d=$(dirname "$s"); while [ ! -d "$d" ]; do d=$(dirname "$d"); done
      [ "$d" = / ] && { echo "kd_dump: refusing to overlay / for $s" >&2; exit 90; }
      if ! grep -q " $d overlay " /proc/mounts; then
        n=$((n+1)); mkdir -p "$tmp/ov$n/u" "$tmp/ov$n/w"
        mount -t overlay overlay -o "lowerdir=$d,upperdir=$tmp/ov$n/u,workdir=$tmp/ov$n/w" "$d" || exit 91
      fi
      mkdir -p "$(dirname "$s")" && printf "#!/bin/sh\nexit 0\n" > "$s" && chmod 755 "$s" || exit 92
      echo "$s" >> "$tmp/stubbed"
    done
    # the stubs are done with: "$@" now carries the -i option, if any
    if [ -n "$id" ]; then set -- -i "$id"; else set --; fi
    exec keepalived -n -l -G -D -d -C -f "$conf" "$@" -p "$tmp/k.pid" -r "$tmp/v.pid" -c "$tmp/c.pid"
  ' kd-stub "$tmp" "$conf" "$id" "$@" > "$tmp/log" 2>&1 < /dev/null &
  local pid=$!
  # "Activating BFD healthchecker" is the checker child's last start-up line, logged after the dump. tail -F
  # wakes on inotify and ends with keepalived (--pid): polling costs ~170 ms a round in UML, where forks are slow.
  timeout 30 grep -m1 -q "Activating BFD healthchecker" < <(exec tail -n +1 -F --pid=$pid "$tmp/log" 2> /dev/null)
  local tailpid=$!
  local t1=$EPOCHREALTIME
  ipvsadm -Ln > "$out/ipvsadm-Ln" 2>&1
  ipvsadm -S -n > "$out/ipvsadm-Sn" 2>&1
  kill -TERM $pid 2> /dev/null
  wait $pid
  echo $? > "$out/rc"
  kill $tailpid 2> /dev/null
  local t2=$EPOCHREALTIME
  echo "$t0 $t1 $t2" > "$out/times"
  cp "$tmp/log" "$out/log"
  [ -e "$tmp/stubbed" ] && cp "$tmp/stubbed" "$out/stubbed"
  # leave the next config a clean table even if this one left entries behind
  ipvsadm -C
}
`;

export interface CheckerDumpOptions extends UmlOptions {
  /** scripts to stub when missing; default: those scriptPathsIn() finds in each file */
  stubScripts?: (file: string, text: string) => string[];
}

/** A config file, optionally with the config-id (`-i`) that selects its `@ID` lines. */
export type CheckerDumpInput = string | { file: string; configId?: string };

/** One UML boot; keepalived runs for each file in turn, each with its own pid files, stopped by SIGTERM. */
export async function keepalivedCheckerDumpInUml(
  inputs: readonly CheckerDumpInput[],
  opts: CheckerDumpOptions = {},
): Promise<CheckerDumpRun> {
  const lines = [DUMP_FUNCTION];
  const files = inputs.map((input) => (typeof input === 'string' ? { file: input, configId: undefined } : input));
  for (const [i, { file, configId }] of files.entries()) {
    const text = await readFile(file, 'utf8');
    const stubs = (opts.stubScripts ?? ((_f, t) => scriptPathsIn(t)))(file, text);
    lines.push(`kd_dump kd${i} ${[file, configId ?? '', ...stubs].map(shq).join(' ')}`);
  }
  const run = await runInUml(lines.join('\n'), {
    timeoutMs: 30_000 + files.length * 25_000,
    ...opts,
    modules: opts.modules ?? [...DEFAULT_MODULES, 'overlay'],
  });
  const dumps = files.map(({ file, configId }, i): KeepalivedCheckerDump => {
    const get = (name: string) => run.files[`kd${i}/${name}`];
    const rc = get('rc');
    const logText = get('log');
    if (rc === undefined || logText === undefined) {
      throw new Error(`keepalived dump of ${file} did not complete inside UML (batch exit ${run.code})\n${run.output}`);
    }
    const log = logText.split('\n').filter((l) => l !== '').map(stripLogPrefix);
    // bash $EPOCHREALTIME stamps, seconds with microseconds
    const [t0 = NaN, t1 = NaN, t2 = NaN] = (get('times') ?? '').trim().split(' ').map(Number);
    return {
      file,
      ...(configId !== undefined ? { configId } : {}),
      exitCode: Number.parseInt(rc, 10),
      log,
      virtualServers: parseCheckerDump(log),
      ipvsadmLn: get('ipvsadm-Ln') ?? '',
      ipvsadmSn: get('ipvsadm-Sn') ?? '',
      stubbedScripts: (get('stubbed') ?? '').split('\n').filter(Boolean),
      dumpMs: Math.round((t1 - t0) * 1000),
      totalMs: Math.round((t2 - t0) * 1000),
    };
  });
  return { dumps, timings: run.timings };
}
