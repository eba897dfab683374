// track_script / track_file / track_process / track_bfd naming an object that is not defined
// before it: keepalived ignores the entry and says so ("... not found, ignoring...").
import { vrrpParseState } from '../schema/vrrp/parse-state.js';
import { nearest } from '../suggest.js';
import type { Validator } from './index.js';

export const vrrpTrackRefs: Validator = (config, ctx) => {
  const v = config.vrrp;
  for (const r of vrrpParseState(config).unresolvedTrack) {
    const defs: { name: string; pos?: { file: string; line: number } }[] =
      r.kind === 'script' ? v.vrrpScripts
        : r.kind === 'file' ? v.trackFiles
          : r.kind === 'process' ? v.trackProcesses
            : v.bfdInstances.map((name) => ({ name }));
    const later = defs.find((d) => d.name === r.name);
    const what = r.kind === 'script' ? 'vrrp_script' : r.kind === 'file' ? 'track_file' : r.kind === 'process' ? 'vrrp_track_process' : 'bfd_instance';
    let hint: string;
    if (later?.pos) hint = `${what} ${r.name} is defined later (${later.pos.file}:${later.pos.line}); keepalived only knows definitions that come before their use`;
    else {
      const near = nearest(r.name, defs.map((d) => d.name));
      hint = near ? `did you mean '${near}'?` : `no ${what} ${r.name} is defined`;
    }
    ctx.sink.error(r.pos, `(${r.owner}) track ${r.kind} ${r.name} not found, ignoring...`, hint);
  }
};
