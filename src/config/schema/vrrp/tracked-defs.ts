// Definitions of tracked objects at top level: `vrrp_script`, `track_file` (and the deprecated
// `vrrp_track_file`), `vrrp_track_process`, and `bfd_instance` (BFD is recognised, not supported).
import { splitCommand } from '../../model/script.js';
import type { KeepalivedConfig, TrackFile, TrackProcess, VrrpScript } from '../../model/index.js';
import type { Stmt } from '../../syntax.js';
import { applyBlock, blockKeyword, type BuildContext, type KeywordSpec, type SchemaRegistry } from '../types.js';
import { argPos, kaUnsigned, parseDecimalUs, parseSigned } from './util.js';

interface ScriptCtx {
  config: KeepalivedConfig;
  def: Omit<VrrpScript, 'script'> & { command?: string; argv?: string[]; user?: string; group?: string; scriptPos?: Stmt['pos'] };
}

export function vrrpScriptKeyword(registry: SchemaRegistry): KeywordSpec<KeepalivedConfig> {
  const table = registry.register<ScriptCtx>('vrrp_script', {
    script: (s, c, ctx) => {
      const w = s.args[0];
      if (!w) {
        ctx.sink.error(s.pos, `(${c.def.name}) script needs a command`);
        return;
      }
      // only the first word is the command line: quote it to pass arguments
      c.def.command = w.text;
      c.def.argv = splitCommand(w.text);
      c.def.scriptPos = s.pos;
      if (s.args.length > 1) ctx.sink.notice(s.args[1].pos, `keepalived uses only '${w.text}' as the script; '${s.args.slice(1).map((a) => a.text).join(' ')}' is ignored`, `quote the command: script "${s.args.map((a) => a.text).join(' ')}"`);
    },
    interval: (s, c, ctx) => {
      const v = kaUnsigned(s, ctx, 0, 0, 4294, `(${c.def.name}): vrrp script interval '${s.args[0]?.text ?? ''}' must be between 1 and 4294 - ignoring`);
      if (v === undefined) return;
      if (v === 0) ctx.sink.error(s.args[0].pos, `(${c.def.name}): vrrp script interval must be greater than 0, setting to 1`);
      c.def.interval = Math.max(v, 1);
    },
    timeout: (s, c, ctx) => {
      const v = kaUnsigned(s, ctx, 0, 0, 4294, `(${c.def.name}): vrrp script timeout '${s.args[0]?.text ?? ''}' invalid - ignoring`);
      if (v === undefined) return;
      if (v === 0) ctx.sink.error(s.args[0].pos, `(${c.def.name}): vrrp script timeout must be greater than 0, setting to 1`);
      c.def.timeout = Math.max(v, 1);
    },
    weight: (s, c, ctx) => {
      const w = s.args[0];
      const v = w ? parseSigned(w.text, -253, 253) : undefined;
      if (v === undefined) ctx.sink.error(argPos(s, 0), `vrrp_script ${c.def.name} weight ${w?.text ?? ''} must be in [-253, 253]`);
      else c.def.weight = v;
      if (s.args.length >= 2) {
        if (s.args[1].text === 'reverse') c.def.weightReverse = true;
        else ctx.sink.error(s.args[1].pos, `vrrp_script ${c.def.name} unknown weight option ${s.args[1].text}`, 'the only option is reverse');
      }
    },
    rise: (s, c, ctx) => {
      c.def.rise = kaUnsigned(s, ctx, 0, 1, 0x7fffffff, `(${c.def.name}): vrrp script rise value '${s.args[0]?.text ?? ''}' invalid, defaulting to 1`) ?? 1;
    },
    fall: (s, c, ctx) => {
      c.def.fall = kaUnsigned(s, ctx, 0, 1, 0x7fffffff, `(${c.def.name}): vrrp script fall value '${s.args[0]?.text ?? ''}' invalid, defaulting to 1`) ?? 1;
    },
    user: (s, c, ctx) => {
      if (!s.args[0]) {
        ctx.sink.error(s.pos, `(${c.def.name}) user needs a user name`);
        return;
      }
      c.def.user = s.args[0].text;
      c.def.group = s.args[1]?.text;
    },
    init_fail: (_s, c) => { c.def.initFail = true; },
  });
  return blockKeyword((s, config, ctx) => {
    const w = s.args[0];
    if (!w) {
      ctx.sink.error(s.pos, 'vrrp_script needs a name', 'the block is skipped');
      return;
    }
    const c: ScriptCtx = {
      config,
      def: { name: w.text, pos: s.pos, interval: 1, timeout: 0, weight: 0, weightReverse: false, rise: 1, fall: 1, initFail: false },
    };
    applyBlock(s.block, table, c, ctx, 'vrrp_script');
    const d = c.def;
    if (!d.argv?.length) {
      ctx.sink.error(s.pos, `No script set for vrrp_script ${d.name} - removing`, 'add: script "/path/to/check args"');
      return;
    }
    const script = { command: d.command!, argv: d.argv, user: d.user, group: d.group, role: `vrrp_script ${d.name}`, pos: d.scriptPos ?? s.pos };
    config.vrrp.vrrpScripts.push({
      name: d.name, pos: d.pos, script, interval: d.interval, timeout: d.timeout || d.interval,
      weight: d.weight, weightReverse: d.weightReverse, rise: d.rise, fall: d.fall, initFail: d.initFail,
    });
    config.vrrp.scripts.push(script);
  });
}

interface FileCtx {
  def: Omit<TrackFile, 'file'> & { file?: string; weightSet: boolean };
}

export function trackFileKeyword(registry: SchemaRegistry, deprecatedName: boolean): KeywordSpec<KeepalivedConfig> {
  const table = registry.register<FileCtx>(deprecatedName ? 'vrrp_track_file' : 'track_file', {
    file: (s, c, ctx) => {
      const w = s.args[0];
      if (!w) {
        ctx.sink.error(s.pos, 'track file file name missing');
        return;
      }
      if (c.def.file !== undefined) {
        ctx.sink.error(w.pos, `File already set for track file ${c.def.name} - ignoring ${w.text}`);
        return;
      }
      c.def.file = w.text;
    },
    weight: (s, c, ctx) => {
      const w = s.args[0];
      if (!w) {
        ctx.sink.error(s.pos, `No weight specified for track file ${c.def.name} - ignoring`);
        return;
      }
      if (c.def.weight !== 1) {
        ctx.sink.error(w.pos, `Weight already set for track file ${c.def.name} - ignoring ${w.text}`);
        return;
      }
      const v = parseSigned(w.text, -254, 254);
      if (v === undefined) ctx.sink.error(w.pos, `Weight (${w.text}) for track_file ${c.def.name} must be between [-254..254] inclusive. Ignoring...`);
      c.def.weight = v ?? 1;
      c.def.weightSet = true;
      if (s.args.length >= 2) {
        if (s.args[1].text === 'reverse') c.def.weightReverse = true;
        else ctx.sink.error(s.args[1].pos, `track_file ${c.def.name} unknown weight option ${s.args[1].text}`);
      }
    },
    init_file: (s, c, ctx) => {
      const init = { value: 0, overwrite: false };
      for (const w of s.args) {
        if (/^\s*[-\d]/.test(w.text)) {
          const v = parseSigned(w.text, -2147483648, 2147483647);
          if (v === undefined) ctx.sink.error(w.pos, `Track file ${c.def.name} init value ${w.text} is invalid`);
          else {
            if (v < -254 || v > 254) ctx.sink.error(w.pos, `Track file ${c.def.name} init value ${v} is outside sensible range [-254, 254]`);
            init.value = v;
          }
        } else if (w.text === 'overwrite') init.overwrite = true;
        else ctx.sink.error(w.pos, `Unknown track file init option ${w.text}`);
      }
      c.def.initFile = init;
    },
  });
  return blockKeyword((s, config, ctx) => {
    if (deprecatedName) ctx.sink.notice(s.pos, '"vrrp_track_file" is deprecated, please use "track_file"');
    const w = s.args[0];
    if (!w) {
      ctx.sink.error(s.pos, `${s.keyword} needs a name`, 'the block is skipped');
      return;
    }
    const c: FileCtx = { def: { name: w.text, pos: s.pos, weight: 1, weightReverse: false, weightSet: false } };
    applyBlock(s.block, table, c, ctx, deprecatedName ? 'vrrp_track_file' : 'track_file');
    const d = c.def;
    if (d.file === undefined) {
      ctx.sink.error(s.pos, `No file set for track_file ${d.name} - ignoring`, 'add: file /path/to/file');
      return;
    }
    config.vrrp.trackFiles.push({ name: d.name, pos: d.pos, file: d.file, weight: d.weight, weightReverse: d.weightReverse, initFile: d.initFile });
  });
}

interface ProcessCtx {
  def: Omit<TrackProcess, 'process'> & { process?: string; weightSet: boolean };
}

function delayHandler(which: 'both' | 'terminate' | 'fork') {
  return (s: Stmt, c: ProcessCtx, ctx: BuildContext): void => {
    const w = s.args[0];
    const us = w ? parseDecimalUs(w.text, 1, 3600e6) : undefined;
    if (us === undefined) {
      const p = which === 'terminate' ? 'terminate_' : which === 'fork' ? 'fork_' : '';
      ctx.sink.error(argPos(s, 0), `${p}delay (${w?.text ?? ''}) for vrrp_track_process ${c.def.name} must be between [0.000001..3600] inclusive. Ignoring...`);
      return;
    }
    if (which !== 'fork') c.def.terminateDelay = us / 1e6;
    if (which !== 'terminate') c.def.forkDelay = us / 1e6;
  };
}

export function trackProcessKeyword(registry: SchemaRegistry): KeywordSpec<KeepalivedConfig> {
  const table = registry.register<ProcessCtx>('vrrp_track_process', {
    process: (s, c, ctx) => {
      const w = s.args[0];
      if (!w) {
        ctx.sink.error(s.pos, `Process name missing for track process ${c.def.name}`);
        return;
      }
      if (c.def.process !== undefined) {
        ctx.sink.error(w.pos, `Process already set for track process ${c.def.name} - ignoring ${w.text}`);
        return;
      }
      c.def.process = w.text;
      if (s.args.length > 1) {
        c.def.params = s.args.slice(1).map((a) => a.text);
        if (c.def.paramMatch === 'none') c.def.paramMatch = 'exact';
        c.def.fullCommand = true;
      }
    },
    param_match: (s, c, ctx) => {
      const w = s.args[0];
      if (!w) c.def.paramMatch = 'exact';
      else if (w.text === 'initial' || w.text === 'partial') c.def.paramMatch = w.text;
      else {
        ctx.sink.error(w.pos, `Invalid param_match type ${w.text} - ignoring`, 'use initial or partial');
        return;
      }
      c.def.fullCommand = true;
    },
    weight: (s, c, ctx) => {
      const w = s.args[0];
      if (!w) {
        ctx.sink.error(s.pos, `No weight specified for track process ${c.def.name} - ignoring`);
        return;
      }
      if (c.def.weight) {
        ctx.sink.error(w.pos, `Weight already set for track process ${c.def.name} - ignoring ${w.text}`);
        return;
      }
      const v = parseSigned(w.text, -254, 254);
      if (v === undefined) {
        ctx.sink.error(w.pos, `Weight (${w.text}) for vrrp_track_process ${c.def.name} must be between [-254..254] inclusive. Ignoring...`);
        return;
      }
      if (s.args.length >= 2) {
        if (s.args[1].text === 'reverse') c.def.weightReverse = true;
        else ctx.sink.error(s.args[1].pos, `vrrp_track_process ${c.def.name} unknown weight option ${s.args[1].text}`);
      }
      c.def.weight = v;
    },
    quorum: (s, c, ctx) => {
      const v = kaUnsigned(s, ctx, 0, 1, 65535, `Quorum (${s.args[0]?.text ?? ''}) for vrrp_track_process ${c.def.name} must be between [1..65535] inclusive. Ignoring...`);
      if (v === undefined) return;
      if (c.def.quorumMax !== undefined && v > c.def.quorumMax) {
        ctx.sink.error(s.args[0].pos, 'Quorum is greater than quorum_max - ignoring');
        return;
      }
      c.def.quorum = v;
    },
    quorum_max: (s, c, ctx) => {
      const v = kaUnsigned(s, ctx, 0, 0, 65535, `quorum_max (${s.args[0]?.text ?? ''}) for vrrp_track_process ${c.def.name} must be between [0..65535] inclusive. Ignoring...`);
      if (v === undefined) return;
      if ((v || c.def.quorum > 1) && v < c.def.quorum) {
        ctx.sink.error(s.args[0].pos, 'quorum_max is less than quorum - ignoring');
        return;
      }
      c.def.quorumMax = v;
      if (v === 0) c.def.quorum = 0;
      else if (!c.def.quorum) c.def.quorum = 1;
    },
    delay: delayHandler('both'),
    terminate_delay: delayHandler('terminate'),
    fork_delay: delayHandler('fork'),
    full_command: (_s, c) => { c.def.fullCommand = true; },
  });
  return blockKeyword((s, config, ctx) => {
    const w = s.args[0];
    if (!w) {
      ctx.sink.error(s.pos, 'vrrp_track_process needs a name', 'the block is skipped');
      return;
    }
    const c: ProcessCtx = {
      def: {
        name: w.text, pos: s.pos, params: [], paramMatch: 'none', weight: 0, weightReverse: false, quorum: 1,
        terminateDelay: 0, forkDelay: 0, fullCommand: false, weightSet: false,
      },
    };
    applyBlock(s.block, table, c, ctx, 'vrrp_track_process');
    const d = c.def;
    if (d.process === undefined) {
      ctx.sink.error(s.pos, `track process '${d.name}' process name not specified`, 'add: process NAME');
      return;
    }
    const { weightSet: _w, ...rest } = d;
    config.vrrp.trackProcesses.push({ ...rest, process: d.process });
  });
}

export function bfdInstanceKeyword(): KeywordSpec<KeepalivedConfig> {
  return blockKeyword((s, config, ctx) => {
    ctx.sink.notice(s.pos, "'bfd_instance' is not supported yet by keepalived-ts (BFD); ignored");
    const w = s.args[0];
    if (w && !config.vrrp.bfdInstances.includes(w.text)) config.vrrp.bfdInstances.push(w.text);
  });
}

