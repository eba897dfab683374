// Shell text helpers shared by the lab's script generators.

/** Quotes one word for bash so that it is passed through literally. */
export function shq(word: string | number): string {
  const s = String(word);
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(s)) return s;
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** `export NAME=value` lines; names are checked so a typo cannot inject shell text. */
export function exportLines(env: Record<string, string>): string {
  return Object.entries(env)
    .map(([name, value]) => {
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new Error(`invalid environment variable name: ${name}`);
      return `export ${name}=${shq(value)}`;
    })
    .join('\n');
}
