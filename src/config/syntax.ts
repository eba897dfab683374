// Preprocessed lines → a plain tree of statements with their original positions.
// The grammar (chevrotain) gives the shape; this file gives every word its file:line:col back.
import type { CstNode, IToken } from 'chevrotain';
import { parseText } from '../../grammar/index.js';
import type { DiagnosticSink, Position } from './issues.js';
import { colAt, type SourceLine } from './source-line.js';

export interface Word {
  /** The word as the model reads it: quotes removed. */
  readonly text: string;
  /** The word as written, quotes included (script commands need the original quoting). */
  readonly raw: string;
  readonly quoted: boolean;
  readonly pos: Position;
}

export interface Stmt {
  readonly keyword: string;
  readonly pos: Position;
  readonly args: readonly Word[];
  /** Present when the statement is followed by `{ ... }`. */
  readonly block?: readonly Stmt[];
  readonly blockPos?: Position;
}

export function buildSyntax(lines: readonly SourceLine[], sink: DiagnosticSink): Stmt[] {
  const text = lines.map((l) => l.text).join('\n');
  const { cst, errors } = parseText(text);
  const posOf = (line: number, column: number): Position => {
    const l = lines[Math.min(Math.max(line - 1, 0), lines.length - 1)];
    if (!l) return { file: '<empty>', line: 1, col: 1 };
    return { file: l.file, line: l.line, col: colAt(l, column - 1) };
  };
  const tokPos = (t: IToken): Position => posOf(t.startLine ?? 1, t.startColumn ?? 1);

  const structure = (at: Position, message: string) => sink.add('error', at, message, { code: 'structure' });
  for (const e of errors) structure(posOf(e.line, e.column), e.message);

  const word = (t: IToken): Word => {
    const quoted = t.tokenType.name === 'Quoted' || t.tokenType.name === 'UnterminatedQuote';
    const raw = t.image;
    let body = raw;
    if (t.tokenType.name === 'Quoted') body = raw.slice(1, -1);
    else if (t.tokenType.name === 'UnterminatedQuote') body = raw.slice(1);
    return { text: body, raw, quoted, pos: tokPos(t) };
  };

  const statement = (node: CstNode): Stmt | undefined => {
    const kw = (node.children.keyword as IToken[] | undefined)?.[0];
    if (!kw || kw.isInsertedInRecovery || Number.isNaN(kw.startOffset)) return undefined;
    // Tokens under one label are in source order already.
    const argTokens = (node.children.arg as IToken[] | undefined) ?? [];
    const args: Word[] = [];
    for (const t of argTokens) if (!t.isInsertedInRecovery) args.push(word(t));
    const blockNode = (node.children.block as CstNode[] | undefined)?.[0];
    const base = { keyword: kw.image, pos: tokPos(kw), args };
    if (!blockNode) return base;
    const open = (blockNode.children.LCurly as IToken[] | undefined)?.[0];
    const close = (blockNode.children.RCurly as IToken[] | undefined)?.[0];
    if (!close || close.isInsertedInRecovery || Number.isNaN(close.startOffset)) {
      // Say which block is left open, at its keyword: the end of the file says nothing useful.
      structure(base.pos, `'${kw.image}' block is not closed: missing '}'`);
    }
    return { ...base, block: statements(blockNode), blockPos: open && !Number.isNaN(open.startOffset) ? tokPos(open) : base.pos };
  };

  const statements = (node: CstNode): Stmt[] => {
    const out: Stmt[] = [];
    for (const child of (node.children.statement as CstNode[] | undefined) ?? []) {
      const s = statement(child);
      if (s) out.push(s);
    }
    for (const stray of (node.children.strayBlock as CstNode[] | undefined) ?? []) {
      const open = (stray.children.LCurly as IToken[] | undefined)?.[0];
      if (open) structure(tokPos(open), "unexpected '{'");
    }
    for (const t of (node.children.strayClose as IToken[] | undefined) ?? []) structure(tokPos(t), "Extra '}' found");
    return out;
  };

  return statements(cst);
}
