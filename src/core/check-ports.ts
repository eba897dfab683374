// The machine behind the health checkers' CheckPorts: MISC_CHECK scripts through the script runner the
// VRRP side uses (own process group, killed at the timeout), PING_CHECK echoes over shared raw sockets,
// and FILE_CHECK values read like vrrp track_files.
import type { ScriptRef } from '../config/model/script.js';
import type { CheckPorts, ScriptOutcome } from '../check/probe.js';
import type { ScriptPort } from '../vrrp/runtime-ports.js';
import { IcmpEchoPort } from './icmp-echo.js';
import { NodeTrackFiles } from './track-files.js';

export class NodeCheckPorts implements CheckPorts {
  private readonly icmp: IcmpEchoPort;
  private readonly files: Pick<NodeTrackFiles, 'read'>;

  /** `netns`: send echoes from that network namespace (tests). */
  constructor(private readonly scripts: Pick<ScriptPort, 'check'>, options: { trackFiles?: Pick<NodeTrackFiles, 'read'>; netns?: string } = {}) {
    this.icmp = new IcmpEchoPort(options.netns !== undefined ? { netns: options.netns } : {});
    this.files = options.trackFiles ?? new NodeTrackFiles();
  }

  runScript(script: ScriptRef, timeoutMs: number): Promise<ScriptOutcome> {
    return this.scripts.check(script, timeoutMs);
  }

  icmpEcho(address: string, family: 4 | 6, opts: { source?: string; device?: string; signal: AbortSignal }): Promise<boolean> {
    return this.icmp.echo(address, family, opts);
  }

  readTrackFile(path: string): number {
    return this.files.read(path);
  }

  /** Closes the echo sockets (they keep the event loop alive); echoes in flight resolve false. */
  close(): void {
    this.icmp.close();
  }
}
