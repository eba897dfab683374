// chevrotain 13 calls Object.groupBy (ES2024), which Node 20 lacks; Node 21+ has it natively.
// This must be imported before chevrotain builds a parser.
type GroupBy = <T, K extends PropertyKey>(items: Iterable<T>, key: (item: T, index: number) => K) => Partial<Record<K, T[]>>;

const objectCtor = Object as unknown as { groupBy?: GroupBy };
if (typeof objectCtor.groupBy !== 'function') {
  objectCtor.groupBy = <T, K extends PropertyKey>(items: Iterable<T>, key: (item: T, index: number) => K) => {
    const out = Object.create(null) as Partial<Record<K, T[]>>;
    let i = 0;
    for (const item of items) {
      const k = key(item, i++);
      (out[k] ??= []).push(item);
    }
    return out;
  };
}
export {};
