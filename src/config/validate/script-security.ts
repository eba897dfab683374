// keepalived's script security, applied to every script the configuration may run:
// - which user runs it (per-script user, else script_user, else keepalived_script, else root);
// - whether it can run at all (found in PATH or on disk, executable by that user);
// - whether it is safe: a script run as root whose path has a component not owned by root, or
//   writable by a non-root group or by everyone, is insecure; with enable_script_security it is
//   refused, without it keepalived -t exits 6 ("SECURITY VIOLATION") as soon as any script exists.
// We name the exact path component and mode that make a script unsafe (keepalived does not).
// Scripts keepalived would not run are removed from the VRRP objects that hold them.
import type { FileInfo } from '../env.js';
import type { KeepalivedConfig, ScriptRef } from '../model/index.js';
import type { Position } from '../issues.js';
import { vrrpParseState } from '../schema/vrrp/parse-state.js';
import type { Validator } from './index.js';

type Kind = 'track' | 'notify';

interface Verdict {
  /** The script exists (keepalived's SC_ISSCRIPT): enough for the violation without script security. */
  isScript: boolean;
  /** keepalived will not run it. */
  disabled: boolean;
  insecure?: { path: string; why: string };
}

interface User { name: string; uid: number; gid: number }

const octal = (mode: number) => (mode & 0o7777).toString(8).padStart(4, '0');

function isExecutable(f: FileInfo, u: User): boolean {
  const m = f.mode;
  return (u.uid === 0 && (m & 0o111) !== 0)
    || (u.uid === f.uid && (m & 0o100) !== 0)
    || (u.uid !== f.uid && ((u.gid === f.gid && (m & 0o010) !== 0) || (u.gid !== f.gid && (m & 0o001) !== 0)));
}

/** The first component of `path` (from '/') that a non-root user could change, and why. */
function unsafeComponent(path: string, stat: (p: string) => FileInfo | undefined): { path: string; why: string } | 'missing' | undefined {
  const parts = path.split('/').filter(Boolean);
  const prefixes = ['/', ...parts.map((_, i) => '/' + parts.slice(0, i + 1).join('/'))];
  for (let i = 0; i < prefixes.length; i++) {
    const p = prefixes[i];
    const f = stat(p);
    if (!f || !f.exists) return 'missing';
    const last = i === prefixes.length - 1;
    const isDir = (f.mode & 0o170000) === 0o040000;
    if (!last && !isDir) return { path: p, why: 'is not a directory' };
    if (f.uid !== 0) return { path: p, why: `is owned by uid ${f.uid}, not root (mode ${octal(f.mode)})` };
    const sticky = (f.mode & 0o1000) !== 0;
    if ((isDir && !sticky) || !isDir) {
      if (f.gid !== 0 && (f.mode & 0o020)) return { path: p, why: `is writable by group ${f.gid} (mode ${octal(f.mode)})` };
      if (f.mode & 0o002) return { path: p, why: `is writable by everyone (mode ${octal(f.mode)})` };
    }
  }
  return undefined;
}

export const scriptSecurity: Validator = (config, ctx) => {
  const env = ctx.env;
  if (!env.fileInfo || !env.lookupUser) return;
  const stat = (p: string) => env.fileInfo!(p);
  const g = config.global;
  const st = vrrpParseState(config);
  const security = g.enableScriptSecurity;
  let defaultUser: User | 'failed' | undefined;
  let reportedDefault = false;

  /** keepalived's get_default_script_user(), resolved once. */
  const getDefault = (pos: Position): User | 'failed' => {
    if (defaultUser) return defaultUser;
    if (g.scriptUser !== undefined) {
      const u = env.lookupUser!(g.scriptUser);
      defaultUser = st.scriptUserFailed || !u ? 'failed' : { name: g.scriptUser, ...u };
      return defaultUser;
    }
    const ks = env.lookupUser!('keepalived_script');
    if (ks) return (defaultUser = { name: 'keepalived_script', ...ks });
    if (!reportedDefault) {
      reportedDefault = true;
      ctx.sink.notice(pos, "Script user 'keepalived_script' does not exist", security ? undefined : 'scripts without their own user run as root');
      if (security) ctx.sink.error(pos, 'Unable to set default user keepalived_script for script', "with enable_script_security, create user keepalived_script or set script_user in global_defs");
    }
    defaultUser = security ? 'failed' : { name: 'root', uid: 0, gid: 0 };
    return defaultUser;
  };

  const judge = (ref: ScriptRef, kind: Kind): Verdict => {
    const label = kind === 'track' ? ref.role.replace(/^vrrp_script /, '') : ref.role;
    const disable = (msg: string, hint?: string): Verdict => {
      if (kind === 'track') ctx.sink.error(ref.pos, msg, hint);
      else ctx.sink.notice(ref.pos, msg, hint);
      return { isScript: false, disabled: true };
    };
    // the user
    let user: User;
    if (ref.user !== undefined) {
      const u = env.lookupUser!(ref.user);
      if (!u) {
        if (kind === 'track') return disable(`Unable to set uid/gid for script '${ref.command}'`, `user '${ref.user}' does not exist`);
        ctx.sink.notice(ref.pos, `Script user '${ref.user}' does not exist`);
        return disable(`Invalid user/group for ${ref.role} script ${ref.argv[0]} - ignoring`, `the script will not run; quote the command if '${ref.user}' was meant as an argument`);
      }
      user = { name: ref.user, ...u };
    } else {
      const d = getDefault(ref.pos);
      if (d === 'failed') {
        if (kind === 'track') return disable(`Unable to set default user for vrrp script ${label} - removing`);
        return disable(`Failed to set default user for ${ref.role} script ${ref.argv[0]} - ignoring`);
      }
      user = d;
    }
    const cmd = ref.argv[0] ?? '';
    // "</dev/tcp/..." style commands only open a file: run through the shell, not a script
    if (/^<[ \t]*\//.test(cmd)) return { isScript: false, disabled: false };
    let path = cmd;
    if (!cmd.includes('/')) {
      const found = env.which?.(cmd);
      if (!found) {
        const m = kind === 'track' ? `Disabling track script ${label} since not found/accessible` : `${ref.role}: script ${cmd} not found in PATH - it will not run`;
        return disable(m, `'${cmd}' is not in PATH; use the full path`);
      }
      ctx.sink.notice(ref.pos, `WARNING - script \`${cmd}\` resolved by path search to \`${found}\`. Please specify full path.`);
      path = found;
    }
    const f = stat(path);
    if (!f || !f.exists) {
      const m = kind === 'track' ? `Disabling track script ${label} since not found/accessible` : `${ref.role}: script ${path} does not exist - it will not run`;
      return disable(m);
    }
    const verdict: Verdict = { isScript: true, disabled: false };
    if (!isExecutable(f, user)) {
      ctx.sink.notice(ref.pos, `WARNING - script '${path}' is not executable for uid:gid ${user.uid}:${user.gid} - disabling.`, `chmod +x ${path}`);
      return { isScript: true, disabled: true };
    }
    const setuidRoot = (f.uid === 0 && (f.mode & 0o4100) === 0o4100) || (f.gid === 0 && (f.mode & 0o2010) === 0o2010);
    if (user.uid !== 0 && user.gid !== 0 && !setuidRoot) return verdict;
    const bad = unsafeComponent(path, stat);
    if (bad === 'missing') return disable(kind === 'track' ? `Disabling track script ${label} since not found/accessible` : `${ref.role}: script ${path} cannot be accessed - it will not run`);
    if (bad) {
      verdict.insecure = bad;
      const detail = `${bad.path} ${bad.why}`;
      if (security) {
        verdict.disabled = true;
        if (kind === 'track') ctx.sink.error(ref.pos, `Disabling track script ${label} due to insecure`, `${detail}; a non-root user could change what runs as root`);
        else ctx.sink.extra('warning', ref.pos, `${ref.role}: unsafe permissions for script '${path}' - it will not run`, `${detail}; a non-root user could change what runs as root`);
      } else {
        ctx.sink.notice(ref.pos, `Unsafe permissions found for script '${path}': ${detail}`, 'a non-root user could change what runs as root');
      }
    }
    return verdict;
  };

  const checkGroup = (scripts: { ref: ScriptRef; kind: Kind }[], message: string): Set<ScriptRef> => {
    const disabled = new Set<ScriptRef>();
    let first: ScriptRef | undefined;
    let insecure = false;
    for (const { ref, kind } of scripts) {
      const v = judge(ref, kind);
      if (v.disabled) disabled.add(ref);
      if (v.isScript && !first) first = ref;
      if (v.insecure) insecure = true;
    }
    if (!security && first) {
      ctx.sink.add('security', first.pos, `SECURITY VIOLATION - ${message} are being executed but script_security not enabled.${insecure ? ' There are insecure scripts.' : ''}`,
        { hint: 'add enable_script_security to global_defs (and create user keepalived_script or set script_user)' });
    }
    return disabled;
  };

  const fifoScripts = (...f: (typeof g.notifyFifo)[]) => f.flatMap((x) => (x?.script && x.path ? [{ ref: x.script, kind: 'notify' as Kind }] : []));

  // start/shutdown scripts (run by the parent)
  const startStop = [g.startupScript, g.shutdownScript].flatMap((r) => (r ? [{ ref: r, kind: 'notify' as Kind }] : []));
  if (startStop.length) checkGroup(startStop, 'start/shutdown scripts');

  // VRRP side: only when it has instances and gets as far as checking (a missing interface stops it first)
  if (config.vrrp.instances.length && !st.missingInterface) {
    const trackRefs = new Set(config.vrrp.vrrpScripts.map((s) => s.script));
    const list = config.vrrp.scripts.map((ref) => ({ ref, kind: (trackRefs.has(ref) ? 'track' : 'notify') as Kind }));
    const disabled = checkGroup([...list, ...fifoScripts(g.notifyFifo, g.vrrpNotifyFifo)], 'scripts');
    if (disabled.size) dropDisabled(config, disabled);
  }

  // checker side
  if (config.lvs.virtualServers.length) {
    const list = config.lvs.scripts.map((ref) => ({ ref, kind: 'notify' as Kind }));
    checkGroup([...list, ...fifoScripts(g.notifyFifo, g.lvsNotifyFifo)], 'check scripts');
  }
};

/** Remove scripts keepalived would not run from the objects holding them. */
function dropDisabled(config: KeepalivedConfig, disabled: Set<ScriptRef>): void {
  const v = config.vrrp;
  const gone = new Set(v.vrrpScripts.filter((s) => disabled.has(s.script)).map((s) => s.name));
  v.vrrpScripts = v.vrrpScripts.filter((s) => !gone.has(s.name));
  const fields = ['notifyMaster', 'notifyBackup', 'notifyFault', 'notifyStop', 'notifyDeleted', 'notify', 'notifyMasterRxLowerPri'] as const;
  for (const i of v.instances) {
    i.trackScript = i.trackScript.filter((t) => !gone.has(t.name));
    for (const f of fields) if (i[f] && disabled.has(i[f]!)) i[f] = undefined;
  }
  for (const sg of v.syncGroups) {
    sg.trackScript = sg.trackScript.filter((t) => !gone.has(t.name));
    for (const f of ['notifyMaster', 'notifyBackup', 'notifyFault', 'notifyStop', 'notify'] as const) if (sg[f] && disabled.has(sg[f]!)) sg[f] = undefined;
  }
}

