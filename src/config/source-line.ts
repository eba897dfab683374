// A line of configuration text that remembers where each of its characters came from,
// so positions survive includes, `@id` stripping and `$MACRO` expansion.

export interface SourceLine {
  readonly text: string;
  readonly file: string;
  /** 1-based line in `file`. */
  readonly line: number;
  /** For each character of `text`, its 1-based column in the original line. */
  readonly cols: readonly number[];
}

export function makeLine(text: string, file: string, line: number): SourceLine {
  return { text, file, line, cols: Array.from({ length: text.length }, (_, i) => i + 1) };
}

export function sliceLine(l: SourceLine, start: number, end = l.text.length): SourceLine {
  return { ...l, text: l.text.slice(start, end), cols: l.cols.slice(start, end) };
}

/** Replace text[start,end) with `insert`, whose characters all map to the column of text[start]. */
export function spliceLine(l: SourceLine, start: number, end: number, insert: string): SourceLine {
  const at = l.cols[start] ?? l.cols[l.cols.length - 1] ?? 1;
  return {
    ...l,
    text: l.text.slice(0, start) + insert + l.text.slice(end),
    cols: [...l.cols.slice(0, start), ...new Array<number>(insert.length).fill(at), ...l.cols.slice(end)],
  };
}

/** Column of character `i` (1-based for diagnostics), clamped to the line. */
export function colAt(l: SourceLine, i: number): number {
  if (l.cols.length === 0) return 1;
  return l.cols[Math.min(Math.max(i, 0), l.cols.length - 1)] + (i >= l.cols.length ? 1 : 0);
}
