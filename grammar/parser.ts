// The statement/block grammar of keepalived.conf. It knows nothing of keywords:
//   file      := (Newline | statement)*
//   statement := Word (Word | Quoted)* block?
//   block     := '{' (Newline | statement)* '}'
// Newlines between a statement and its `{` are removed before parsing (see index.ts), so a brace
// on the next line opens the block of the statement above it, as in keepalived.
import './polyfill.js';
import { CstParser, type CstNode } from 'chevrotain';
import { allTokens, LCurly, RCurly, Newline, Word, Quoted, UnterminatedQuote } from './tokens.js';

export class ConfParser extends CstParser {
  constructor() {
    super(allTokens, { recoveryEnabled: true, maxLookahead: 2 });
    this.performSelfAnalysis();
  }

  public file = this.RULE('file', () => {
    this.MANY(() => {
      this.OR([
        { ALT: () => this.CONSUME(Newline) },
        { ALT: () => this.SUBRULE(this.statement) },
        // A `}` with no open block: keep it in the tree so the model can report it.
        { ALT: () => this.CONSUME(RCurly, { LABEL: 'strayClose' }) },
        { ALT: () => this.SUBRULE(this.block, { LABEL: 'strayBlock' }) },
      ]);
    });
  });

  public statement = this.RULE('statement', () => {
    this.CONSUME(Word, { LABEL: 'keyword' });
    this.MANY(() => {
      this.OR([
        { ALT: () => this.CONSUME2(Word, { LABEL: 'arg' }) },
        { ALT: () => this.CONSUME(Quoted, { LABEL: 'arg' }) },
        { ALT: () => this.CONSUME(UnterminatedQuote, { LABEL: 'arg' }) },
      ]);
    });
    this.OPTION(() => this.SUBRULE(this.block));
  });

  public block = this.RULE('block', () => {
    this.CONSUME(LCurly);
    this.MANY(() => {
      this.OR([
        { ALT: () => this.CONSUME(Newline) },
        { ALT: () => this.SUBRULE(this.statement) },
        { ALT: () => this.SUBRULE2(this.block, { LABEL: 'strayBlock' }) },
      ]);
    });
    this.CONSUME(RCurly);
  });
}

/** One parser instance for the process: chevrotain parsers are reusable and costly to build. */
export const confParser = new ConfParser();
export type { CstNode };
