import { Worker } from 'node:worker_threads';
import type { BoardKey } from '@linkboard/db';
import { type BoardRanker, boardRanker } from './boards';

/**
 * A ranker whose builds run on a worker thread (`board-worker-thread.ts`, loaded through tsx by `board-worker-entry.mjs`) with a database pool of
 * its own: reading the counts, the joint bootstrap and writing the snapshot all happen there, so
 * the thread that answers requests only posts a board's key and hears back when it is stored.
 * A worker that dies is started again on the next build; the build it was running fails.
 */
export function workerBoardRanker(
  databaseUrl: string,
  options: { onError?: (key: BoardKey, error: unknown) => void } = {},
): BoardRanker {
  let worker: Worker | null = null;
  let next = 0;
  const pending = new Map<number, { resolve(): void; reject(error: Error): void }>();
  const failAll = (error: Error) => {
    for (const waiting of pending.values()) waiting.reject(error);
    pending.clear();
  };
  const start = () => {
    const w = new Worker(new URL('./board-worker-entry.mjs', import.meta.url), {
      workerData: { databaseUrl },
    });
    w.on('message', (message: { id: number; error?: string }) => {
      const waiting = pending.get(message.id);
      pending.delete(message.id);
      if (message.error === undefined) waiting?.resolve();
      else waiting?.reject(new Error(message.error));
      if (pending.size === 0) w.unref();
    });
    w.on('error', (error) => failAll(error));
    w.on('exit', (code) => {
      if (worker === w) worker = null;
      failAll(new Error(`the board worker stopped (exit code ${code})`));
    });
    return w;
  };
  const ranker = boardRanker(
    (key) =>
      new Promise<void>((resolve, reject) => {
        worker ??= start();
        const id = next++;
        pending.set(id, { resolve, reject });
        // Busy, it keeps the process alive for the build's caller; idle, it must not.
        worker.ref();
        worker.postMessage({ id, key });
      }),
    { background: true, onError: options.onError },
  );
  return {
    background: true,
    rebuild: (key) => ranker.rebuild(key),
    async close() {
      await ranker.close().catch(() => {});
      const w = worker;
      worker = null;
      if (w) {
        w.postMessage({ close: true });
        await new Promise((resolve) => w.once('exit', resolve));
      }
    },
  };
}
