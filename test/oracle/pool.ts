// Bounded concurrency for keepalived runs: the machine has two cores, and each worker
// gets a stable index so it can own one network namespace.

export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, worker: number, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, async (_, w) => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i], w, i);
    }
  });
  await Promise.all(workers);
  return results;
}
