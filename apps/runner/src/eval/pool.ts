/**
 * Calls `work` on every item, at most `concurrency` calls at a time, taking the items in order.
 * Before taking each item a worker asks `stop`: once it says so, no new item is taken and the
 * calls in flight finish. Rejects with the first error a call throws, as Promise.all does.
 */
export async function inPool<T>(
  items: readonly T[],
  options: { concurrency: number; stop?: () => boolean },
  work: (item: T, index: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length && !options.stop?.()) {
      const i = next++;
      await work(items[i] as T, i);
    }
  };
  const workers = Math.max(1, Math.min(options.concurrency, items.length));
  await Promise.all(Array.from({ length: workers }, worker));
}
