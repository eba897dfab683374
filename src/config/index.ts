// Public entry of the configuration layer.
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { buildConfig, type BuildResult } from './build.js';
import { fsHost } from './fs-host.js';
import { hostEnv } from './host-env.js';
import type { ConfigEnv } from './env.js';

export interface LoadOptions {
  /** `-i`: defaults to the host name up to the first dot. */
  configId?: string;
  /** `-e`: missing configuration files make the configuration unusable. */
  allConfig?: boolean;
  env?: ConfigEnv;
}

export { DEFAULT_CONFIG_FILE } from './paths.js';

export function defaultConfigId(): string {
  return hostname().split('.')[0];
}

export function loadConfig(path: string, opts: LoadOptions = {}): BuildResult {
  return buildConfig(resolve(path), fsHost, {
    configId: opts.configId ?? defaultConfigId(),
    allConfig: opts.allConfig,
    env: opts.env ?? hostEnv(),
  });
}

export type { BuildResult } from './build.js';
export type { KeepalivedConfig } from './model/index.js';
export { configTestExitCode, formatDiagnostic, type Diagnostic } from './issues.js';
