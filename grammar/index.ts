// parseText: preprocessed keepalived.conf text → CST and positioned lexing/parsing errors.
import type { CstNode, IToken } from 'chevrotain';
import { confLexer, LCurly, Newline, RCurly } from './tokens.js';
import { confParser } from './parser.js';

export interface GrammarError {
  /** 1-based line and column in the parsed text. */
  line: number;
  column: number;
  message: string;
}

export interface ParseResult {
  cst: CstNode;
  errors: GrammarError[];
}

export function parseText(text: string): ParseResult {
  const lexed = confLexer.tokenize(text);
  const errors: GrammarError[] = lexed.errors.map((e) => ({
    line: e.line ?? 1,
    column: e.column ?? 1,
    message: `unexpected character '${text.slice(e.offset, e.offset + e.length)}'`,
  }));
  confParser.input = prepareTokens(lexed.tokens, errors);
  const cst = confParser.file();
  for (const e of confParser.errors) {
    const t = e.token;
    const atEof = t.tokenType.name === 'EOF' || Number.isNaN(t.startOffset);
    const last = lexed.tokens[lexed.tokens.length - 1];
    errors.push({
      line: atEof ? (last?.endLine ?? 1) : (t.startLine ?? 1),
      column: atEof ? (last?.endColumn ?? 1) : (t.startColumn ?? 1),
      message: describeParseError(e.message, atEof),
    });
  }
  return { cst, errors };
}

/** keepalived's deepest real block is 4 levels; far deeper nesting is hostile input that would exhaust the stack. */
export const MAX_BLOCK_DEPTH = 32;

/**
 * One pass over the tokens (a 10,000-real-server file has ~120,000): drop the newlines that separate a
 * statement from a `{` on a following line (it opens that statement's block, as in keepalived), and drop
 * braces nested deeper than MAX_BLOCK_DEPTH (with one error) so the recursive parser stays bounded.
 */
function prepareTokens(tokens: IToken[], errors: GrammarError[]): IToken[] {
  let depth = 0;
  let dropped = 0;
  const out: IToken[] = [];
  for (const t of tokens) {
    const type = t.tokenType;
    if (type === LCurly) {
      while (out.length && out[out.length - 1].tokenType === Newline) out.pop();
      if (depth >= MAX_BLOCK_DEPTH) {
        if (dropped++ === 0) errors.push({ line: t.startLine ?? 1, column: t.startColumn ?? 1, message: `blocks nested deeper than ${MAX_BLOCK_DEPTH} levels` });
        continue;
      }
      depth++;
    } else if (type === RCurly) {
      if (dropped > 0) { dropped--; continue; }
      if (depth > 0) depth--;
    }
    out.push(t);
  }
  return out;
}

function describeParseError(message: string, atEof: boolean): string {
  if (atEof && /RCurly/.test(message)) return "missing '}' at end of file";
  if (/Expecting token of type --> RCurly <--/.test(message)) return "expected '}'";
  return message.replace(/\s+/g, ' ').replace(/-->\s*/g, '').replace(/\s*<--/g, '');
}

export type { CstNode, IToken };
