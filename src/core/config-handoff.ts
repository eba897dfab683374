// The configuration the parent hands its children. The parent has to parse and validate a new file before
// any child reloads (a bad one changes nothing), so it parses once and gives each child the part it reads,
// structured-cloned over the IPC channel: a child then never loads the parser nor parses the file again
// (parsing a 10,000-real-server file takes seconds in UML; the clone is ~10x cheaper), and holds only its
// own part (the VRRP child no virtual servers, the checker no VRRP instances).
import { deserialize, serialize } from 'node:v8';
import { configTestExitCode, formatDiagnostic, type Diagnostic } from '../config/issues.js';
import type { KeepalivedConfig } from '../config/model/index.js';
import { emptyLvsSection } from '../config/model/lvs.js';
import { emptyVrrpSection } from '../config/model/vrrp.js';
import type { Log } from '../lib/log.js';
import type { ChildKind } from './parent.js';

export interface LoadedConfig {
  config: KeepalivedConfig;
  diagnostics: readonly Diagnostic[];
}

/** What `kind` reads of the configuration: the VRRP side never looks at virtual servers, nor the checker at instances. */
export function childPart(kind: ChildKind, loaded: LoadedConfig): LoadedConfig {
  const c = loaded.config;
  const config = kind === 'vrrp' ? { ...c, lvs: emptyLvsSection() } : { ...c, vrrp: emptyVrrpSection() };
  return { config, diagnostics: loaded.diagnostics };
}

/** v8's structured clone keeps what JSON would lose (the addresses' Uint8Arrays, undefined fields). */
export function encodeConfig(loaded: LoadedConfig): Uint8Array {
  return serialize(loaded);
}

export function decodeConfig(data: Uint8Array): LoadedConfig {
  return deserialize(data) as LoadedConfig;
}

/** Whether a configuration may run: what keepalived would run, and on reload nothing with unbalanced braces. */
export function configRunnable(diagnostics: readonly Diagnostic[], reloading: boolean): boolean {
  const rc = configTestExitCode(diagnostics);
  if (rc !== 0 && rc !== 5 && rc !== 6) return false;
  // keepalived would run such a file (-t rc 5), but the diff against it deletes whatever the misplaced
  // blocks were meant to configure, while a good configuration is running
  return !(reloading && diagnostics.some((d) => d.code === 'structure'));
}

/** A child's acceptance of a configuration: its warnings logged (as each keepalived child logs them), or undefined if it cannot run. */
export function acceptConfig(loaded: LoadedConfig, log: Log, reloading: boolean): KeepalivedConfig | undefined {
  for (const d of loaded.diagnostics) if (d.severity !== 'notice') log.warn(formatDiagnostic(d));
  return configRunnable(loaded.diagnostics, reloading) ? loaded.config : undefined;
}

/** The file read by the child itself: a child run without a parent, or sent SIGHUP directly. The parser is loaded only then. */
export async function readConfigFile(file: string, configId: string | undefined): Promise<LoadedConfig> {
  const { loadConfig } = await import('../config/index.js');
  return loadConfig(file, { configId });
}
