// `-t/--config-test`: load, validate, print one diagnostic per line as `file:line:col: severity: message`,
// and exit with keepalived 2.2.7's codes (0 clean, 4 cannot run, 5 errors, 6 script security).
import { writeFileSync } from 'node:fs';
import { loadConfig, configTestExitCode, formatDiagnostic } from '../config/index.js';
import { configToJson, configToText } from '../config/dump.js';

export interface ConfigTestOptions {
  file: string;
  configId?: string;
  allConfig: boolean;
  /** `--config-test=FILE`: diagnostics go there instead of stderr. */
  logFile?: string;
  dumpFormat?: string;
  positions: boolean;
}

export function runConfigTest(o: ConfigTestOptions): number {
  if (o.dumpFormat !== undefined && o.dumpFormat !== 'text' && o.dumpFormat !== 'json') {
    process.stderr.write(`keepalived-ts: --dump-config takes 'text' or 'json', not '${o.dumpFormat}'\n`);
    return 1;
  }
  const { config, diagnostics } = loadConfig(o.file, { configId: o.configId, allConfig: o.allConfig });
  const text = diagnostics.map((d) => formatDiagnostic(d) + '\n').join('');
  if (o.logFile) writeFileSync(o.logFile, text);
  else process.stderr.write(text);
  if (o.dumpFormat === 'json') process.stdout.write(JSON.stringify(configToJson(config, { positions: o.positions }), null, 2) + '\n');
  else if (o.dumpFormat === 'text') process.stdout.write(configToText(config, { positions: o.positions }));
  return configTestExitCode(diagnostics);
}
