// Lexical tokens of keepalived.conf after preprocessing.
// Braces are tokens of their own (keepalived splits a line at every `{`/`}` outside quotes),
// comments run from `#` or `!` to the end of the line, and a newline ends a statement.
import { createToken, Lexer } from 'chevrotain';

export const WhiteSpace = createToken({ name: 'WhiteSpace', pattern: /[ \t\r\f\v]+/, group: Lexer.SKIPPED });
export const Comment = createToken({ name: 'Comment', pattern: /[#!][^\n]*/, group: Lexer.SKIPPED });
export const Newline = createToken({ name: 'Newline', pattern: /\n/, line_breaks: true });
export const LCurly = createToken({ name: 'LCurly', pattern: /\{/ });
export const RCurly = createToken({ name: 'RCurly', pattern: /\}/ });
/** A double-quoted string; backslash escapes stay in the text for the model layer to interpret. */
export const Quoted = createToken({ name: 'Quoted', pattern: /"(?:[^"\\\n]|\\.)*"/ });
/** A `"` with no closing quote on the same line. */
export const UnterminatedQuote = createToken({ name: 'UnterminatedQuote', pattern: /"[^\n]*/ });
/** Any other run of characters; `\#` and `\!` are literal characters, not comments. */
export const Word = createToken({ name: 'Word', pattern: /(?:[^\s{}"#!\\]|\\[^\n]|\\)+/ });

export const allTokens = [WhiteSpace, Comment, Newline, LCurly, RCurly, Quoted, UnterminatedQuote, Word];

export const confLexer = new Lexer(allTokens, { positionTracking: 'full', ensureOptimizations: false });
