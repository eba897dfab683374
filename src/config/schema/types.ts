// The machinery of keyword tables: one table per configuration block, mapping each keyword
// keepalived 2.2.7 accepts there to a handler that reads its arguments into the typed model.
// Keyword meaning lives here and in the tables, never in the grammar.
import type { DiagnosticSink, Position } from '../issues.js';
import type { Stmt } from '../syntax.js';
import { nearest } from '../suggest.js';
import type { ConfigEnv } from '../env.js';

export interface BuildContext {
  readonly sink: DiagnosticSink;
  /** The machine, for checks that need it (interfaces, script files, users); `net_namespace` switches it. */
  env: ConfigEnv;
  /** Where the keyword tables are registered, for "belongs in" hints on misplaced keywords. */
  readonly registry: SchemaRegistry;
}

export type Handler<T> = (s: Stmt, target: T, ctx: BuildContext) => void;

export interface KeywordSpec<T> {
  readonly handler: Handler<T>;
  /** 'block': must be followed by `{ }`; 'none': must not; 'optional': either. Default 'none'. */
  readonly block?: 'block' | 'none' | 'optional';
  /** Logged as a deprecation warning (keepalived accepts it and warns). */
  readonly deprecated?: string;
}

export type KeywordTable<T> = Record<string, KeywordSpec<T> | Handler<T>>;

/** A tier-3 keyword: recognised, reported as not supported yet, never as unknown. */
export function unsupported<T>(what?: string, block: 'block' | 'none' | 'optional' = 'optional'): KeywordSpec<T> {
  return {
    block,
    handler: (s, _t, ctx) =>
      ctx.sink.notice(s.pos, `'${s.keyword}' is not supported yet by keepalived-ts${what ? ` (${what})` : ''}; ignored`),
  };
}

/** A keyword that has a sub-block; `handler` runs the sub-block through its own table. */
export function blockKeyword<T>(handler: Handler<T>): KeywordSpec<T> {
  return { block: 'block', handler };
}

export class SchemaRegistry {
  private readonly tables = new Map<string, KeywordTable<never>>();
  register<T>(blockName: string, table: KeywordTable<T>): KeywordTable<T> {
    this.tables.set(blockName, table as KeywordTable<never>);
    return table;
  }
  /** Blocks (other than `except`) whose table has this keyword. */
  blocksWith(keyword: string, except: string): string[] {
    const out: string[] = [];
    for (const [name, t] of this.tables) if (name !== except && Object.hasOwn(t, keyword)) out.push(name);
    return out;
  }
}

function specOf<T>(e: KeywordSpec<T> | Handler<T>): KeywordSpec<T> {
  return typeof e === 'function' ? { handler: e } : e;
}

/**
 * Run every statement of a block through its keyword table. Unknown keywords are reported with
 * their position and the nearest known keyword, or the block they belong in when misplaced.
 */
export function applyBlock<T>(
  stmts: readonly Stmt[] | undefined,
  table: KeywordTable<T>,
  target: T,
  ctx: BuildContext,
  blockName: string,
): void {
  for (const s of stmts ?? []) applyStatement(s, table, target, ctx, blockName);
}

export function applyStatement<T>(s: Stmt, table: KeywordTable<T>, target: T, ctx: BuildContext, blockName: string): void {
  const entry = Object.hasOwn(table, s.keyword) ? table[s.keyword] : undefined;
  if (!entry) {
    reportUnknown(s, Object.keys(table), ctx, blockName);
    return;
  }
  const spec = specOf(entry);
  const mode = spec.block ?? 'none';
  if (mode === 'block' && !s.block) {
    ctx.sink.error(s.pos, `'${s.keyword}' needs a '{ ... }' block`);
    return;
  }
  if (mode === 'none' && s.block) {
    ctx.sink.error(s.blockPos ?? s.pos, `unexpected '{' after '${s.keyword}'`);
  }
  if (spec.deprecated) ctx.sink.warning(s.pos, `'${s.keyword}' is deprecated${spec.deprecated ? ` - ${spec.deprecated}` : ''}`);
  spec.handler(s, target, ctx);
}

export function reportUnknown(s: Stmt, known: readonly string[], ctx: BuildContext, blockName: string): void {
  const elsewhere = ctx.registry.blocksWith(s.keyword, blockName);
  let hint: string | undefined;
  if (elsewhere.length) hint = `'${s.keyword}' belongs in ${elsewhere.slice(0, 3).map((b) => `'${b}'`).join(' or ')}, not in '${blockName}'`;
  else {
    const near = nearest(s.keyword, known);
    if (near) hint = `did you mean '${near}'?`;
  }
  ctx.sink.error(s.pos, `Unknown keyword '${s.keyword}' in ${blockName}`, hint);
}

export function at(s: Stmt, argIndex?: number): Position {
  if (argIndex === undefined) return s.pos;
  return s.args[argIndex]?.pos ?? s.pos;
}
