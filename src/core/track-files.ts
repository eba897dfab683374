// track_file: the integer at the start of a file (0 when missing, empty or not a number), re-read when the
// file changes. keepalived watches with inotify; fs.watchFile's polling is simpler and survives the file
// being replaced or created later.
import { existsSync, readFileSync, unwatchFile, watchFile, writeFileSync } from 'node:fs';
import type { TrackFile } from '../config/model/vrrp.js';
import type { TrackFilePort } from '../vrrp/runtime-ports.js';

/** `init_file [VALUE] [overwrite]`: write the value before anything reads the file (when missing, or always). */
export function initTrackFiles(files: readonly TrackFile[]): void {
  for (const f of files) {
    if (!f.initFile || (existsSync(f.file) && !f.initFile.overwrite)) continue;
    writeFileSync(f.file, `${f.initFile.value}\n`);
  }
}

const POLL_MS = 200;

export class NodeTrackFiles implements TrackFilePort {
  private readonly watched = new Set<string>();

  read(path: string): number {
    try {
      const m = /^\s*(-?\d+)/.exec(readFileSync(path, 'utf8'));
      return m ? Number(m[1]) : 0;
    } catch {
      return 0;
    }
  }

  watch(path: string, onChange: () => void): void {
    this.watched.add(path);
    watchFile(path, { interval: POLL_MS, persistent: false }, () => onChange());
  }

  close(): void {
    for (const p of this.watched) unwatchFile(p);
    this.watched.clear();
  }
}
