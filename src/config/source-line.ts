// A line of configuration text that remembers where each of its characters came from,
// so positions survive includes, `@id` stripping and `$MACRO` expansion. Most lines are only
// trimmed, so the column map is kept as an offset and materialised only when text is spliced in
// (per-character arrays for every line made large configurations slow and GC-bound).

export interface SourceLine {
  readonly text: string;
  readonly file: string;
  /** 1-based line in `file`. */
  readonly line: number;
  /** Original 1-based column of text[0], when `map` is absent. */
  readonly start: number;
  /** Original 1-based column of each character, once text has been spliced in. */
  readonly map?: readonly number[];
}

export function makeLine(text: string, file: string, line: number): SourceLine {
  return { text, file, line, start: 1 };
}

/** Original column of character `i`; past the end, one after the last character. */
export function colAt(l: SourceLine, i: number): number {
  const n = l.text.length;
  const j = Math.max(0, i);
  if (!l.map) return l.start + j;
  if (n === 0 || l.map.length === 0) return l.start;
  return j < l.map.length ? l.map[j] : l.map[l.map.length - 1] + 1;
}

export function sliceLine(l: SourceLine, start: number, end = l.text.length): SourceLine {
  if (!l.map) return { text: l.text.slice(start, end), file: l.file, line: l.line, start: l.start + start };
  return { text: l.text.slice(start, end), file: l.file, line: l.line, start: l.start, map: l.map.slice(start, end) };
}

function fullMap(l: SourceLine): number[] {
  return l.map ? [...l.map] : Array.from({ length: l.text.length }, (_, i) => l.start + i);
}

/** Replace text[start,end) with `insert`, whose characters all map to the column of text[start]. */
export function spliceLine(l: SourceLine, start: number, end: number, insert: string): SourceLine {
  const at = colAt(l, start);
  const map = fullMap(l);
  map.splice(start, end - start, ...new Array<number>(insert.length).fill(at));
  return { text: l.text.slice(0, start) + insert + l.text.slice(end), file: l.file, line: l.line, start: l.start, map };
}

/** Text that all maps to one column (an extra line of a multi-line definition). */
export function lineAt(text: string, like: SourceLine, col: number): SourceLine {
  return { text, file: like.file, line: like.line, start: col, map: new Array<number>(text.length).fill(col) };
}

/** Append characters that map just past the end of the line. */
export function appendLine(l: SourceLine, extra: string): SourceLine {
  const at = colAt(l, l.text.length);
  if (!l.map) return { ...l, text: l.text + extra, map: [...fullMap(l), ...new Array<number>(extra.length).fill(at)] };
  return { ...l, text: l.text + extra, map: [...l.map, ...new Array<number>(extra.length).fill(at)] };
}
