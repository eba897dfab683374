// The configuration pipeline: files → preprocessed lines → statement tree → typed model → validation.
// Never throws on bad input: every problem becomes a positioned diagnostic.
import { DiagnosticSink, type Diagnostic } from './issues.js';
import { preprocess, type SourceHost } from './preprocess.js';
import { buildSyntax, type Stmt } from './syntax.js';
import { applyBlock, SchemaRegistry, type BuildContext, type KeywordTable } from './schema/types.js';
import { vrrpTopLevel, completeVrrp } from './schema/vrrp/index.js';
import { lvsTopLevel, completeLvs } from './schema/lvs/index.js';
import { defaultGlobalDefs } from './model/global.js';
import { emptyVrrpSection } from './model/vrrp.js';
import { emptyLvsSection } from './model/lvs.js';
import type { KeepalivedConfig } from './model/index.js';
import type { ConfigEnv } from './env.js';
import { validators } from './validate/index.js';

export interface BuildOptions {
  configId: string;
  allConfig?: boolean;
  env: ConfigEnv;
  random?: () => number;
}

export interface BuildResult {
  config: KeepalivedConfig;
  diagnostics: Diagnostic[];
}

interface Schema {
  registry: SchemaRegistry;
  top: KeywordTable<KeepalivedConfig>;
}

let schema: Schema | undefined;

/** The keyword tables, built once per process. */
function getSchema(): Schema {
  if (!schema) {
    const registry = new SchemaRegistry();
    const top = registry.register<KeepalivedConfig>('top level', { ...vrrpTopLevel(registry), ...lvsTopLevel(registry) });
    schema = { registry, top };
  }
  return schema;
}

export function buildConfig(rootPath: string, host: SourceHost, opts: BuildOptions): BuildResult {
  const sink = new DiagnosticSink();
  const { lines, files } = preprocess(rootPath, host, { configId: opts.configId, allConfig: opts.allConfig, random: opts.random }, sink);
  const stmts = buildSyntax(lines, sink);
  return buildFromStatements(stmts, files, sink, opts.env);
}

export function buildFromStatements(stmts: readonly Stmt[], files: string[], sink: DiagnosticSink, env: ConfigEnv): BuildResult {
  const { registry, top } = getSchema();
  const ctx: BuildContext = { sink, env, registry };
  const config: KeepalivedConfig = {
    global: defaultGlobalDefs(env.hostname),
    vrrp: emptyVrrpSection(),
    lvs: emptyLvsSection(),
    files,
  };
  applyBlock(stmts, top, config, ctx, 'top level');
  completeVrrp(config, ctx);
  completeLvs(config, ctx);
  for (const v of validators) v(config, ctx);
  return { config, diagnostics: sink.items };
}
