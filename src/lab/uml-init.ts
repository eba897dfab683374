// The PID-1 script of a lab UML instance, as text. Pure: the host side (uml.ts) writes it to disk.
import { exportLines, shq } from './shell.js';

/** Directories the init script works with, all absolute host paths (hostfs shows them unchanged inside). */
export interface UmlInitPaths {
  /** the user's batch script, run with bash */
  script: string;
  /** private modprobe root: holds lib/modules -> /usr/lib/uml/modules */
  modprobeRoot: string;
  /** timestamps, exit code and captured output land here; the host reads them after power-off */
  results: string;
  /** the script's working directory and $LAB_OUT: every file left here is returned to the host */
  out: string;
}

export interface UmlInitOptions {
  paths: UmlInitPaths;
  /** module names; a trailing `?` marks one that is loaded only if this kernel has it */
  modules: readonly string[];
  /** PATH inside; must reach node, ip, ipvsadm, keepalived */
  path: string;
  env: Record<string, string>;
}

/** Scratch space private to the UML instance (tmpfs), exported as $LAB_TMP and $TMPDIR. */
export const LAB_TMP = '/run/lab';

export function umlInitScript(o: UmlInitOptions): string {
  const required = o.modules.filter((m) => !m.endsWith('?'));
  const optional = o.modules.filter((m) => m.endsWith('?')).map((m) => m.slice(0, -1));
  const r = shq(o.paths.results);
  const mods = shq(o.paths.modprobeRoot);
  // /tmp is deliberately NOT covered by a tmpfs: it is the host's /tmp over hostfs, and the lab
  // directory (script, results) lives there. Scratch that must not reach the host goes to $LAB_TMP.
  return `#!/bin/bash
# PID 1 of a keepalived-ts lab instance: mount, load modules, run the batch script, power off.
${exportLines({ PATH: o.path, HOME: '/root', LANG: 'C.UTF-8', TERM: 'dumb', LAB_TMP, TMPDIR: LAB_TMP, LAB_OUT: o.paths.out, ...o.env })}
# Exiting PID 1 panics the kernel; always leave through here. sync: hostfs writes go through the UML page cache.
power_off() { sync; poweroff -f; halt -f; sleep 1000; }
mount -t proc proc /proc && mount -t sysfs sysfs /sys && mount -t tmpfs tmpfs /run || { echo "mount failed" > ${r}/init.err; power_off; }
echo "$EPOCHREALTIME" > ${r}/booted
# devtmpfs lacks these links; bash process substitution needs /dev/fd
for l in fd:/proc/self/fd stdin:/proc/self/fd/0 stdout:/proc/self/fd/1 stderr:/proc/self/fd/2; do
  [ -e /dev/\${l%%:*} ] || ln -s \${l#*:} /dev/\${l%%:*}
done
mkdir -p ${LAB_TMP} ${mods}/lib && ln -sfn /usr/lib/uml/modules ${mods}/lib/modules
# modprobe looks in /lib/modules/$(uname -r), which the host does not have: point -d at a private root.
${required.length === 0 ? '' : `if ! modprobe -a -d ${mods} ${required.map(shq).join(' ')} 2> ${r}/modules.err; then
  echo "modprobe of required modules failed" >> ${r}/init.err; power_off
fi
`}for m in ${optional.map(shq).join(' ')}; do
  if [ -n "$(find /usr/lib/uml/modules/"$(uname -r)" -name "$m.ko*" -print -quit)" ]; then
    modprobe -d ${mods} "$m" 2>> ${r}/modules.err || { echo "modprobe $m failed" >> ${r}/init.err; power_off; }
  fi
done
ip link set lo up
cat /proc/modules | cut -d' ' -f1 > ${r}/modules
echo "$EPOCHREALTIME" > ${r}/script-start
(cd "$LAB_OUT" && exec bash ${shq(o.paths.script)}) > ${r}/output 2>&1 < /dev/null
echo $? > ${r}/rc
echo "$EPOCHREALTIME" > ${r}/script-end
power_off
`;
}
