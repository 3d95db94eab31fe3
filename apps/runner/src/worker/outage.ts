import { setTimeout as delay } from 'node:timers/promises';
import { backoffDelay } from '@linkboard/core';

/**
 * Whether an error means the queue could not be reached (the database, or the site for a runner
 * on its API: down, restarting, refusing connections), as opposed to a request it refused: the
 * first is waited out, the second is not. pg reports the first as network errors or PostgreSQL's
 * connection-exception (08) and shutdown (57P01–57P03) classes.
 */
export function isQueueUnreachable(error: unknown): boolean {
  for (let e: unknown = error; e instanceof Error; e = e.cause) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') {
      // ESITEUNAVAILABLE: a runner on the site's API could not reach it (see site-queue.ts).
      if (
        [
          'ECONNREFUSED',
          'ECONNRESET',
          'EPIPE',
          'ETIMEDOUT',
          'EAI_AGAIN',
          'ESITEUNAVAILABLE',
        ].includes(code)
      )
        return true;
      if (/^(08|57P0[123])/.test(code)) return true;
    }
    // pg's words for a client whose connection dropped under it: the next query on a client held
    // through the outage (inside a transaction, say) fails with the last one, and no code.
    if (
      /Connection terminated|timeout exceeded when trying to connect|has encountered a connection error and is not queryable/i.test(
        e.message,
      )
    )
      return true;
  }
  return false;
}

/**
 * Runs `step` until the database answers it: while it is unreachable, waits with capped
 * exponential backoff and full jitter and tries again. Returns undefined when `signal` aborts
 * first; rethrows any other error, and the last one once `giveUpMs` has passed.
 */
export async function untilReachable<T>(
  step: () => Promise<T>,
  options: {
    signal?: AbortSignal;
    giveUpMs?: number;
    /** Called at the first failure of an outage, and when it is over (with its length). */
    onOutage?: (error: unknown) => void;
    onBack?: (ms: number) => void;
  } = {},
): Promise<T | undefined> {
  let since: number | null = null;
  let failures = 0;
  for (;;) {
    try {
      const value = await step();
      if (since !== null) options.onBack?.(Date.now() - since);
      return value;
    } catch (error) {
      if (!isQueueUnreachable(error)) throw error;
      if (since === null) {
        since = Date.now();
        options.onOutage?.(error);
      }
      if (options.giveUpMs !== undefined && Date.now() - since > options.giveUpMs) throw error;
      if (options.signal?.aborted) return undefined;
      await delay(
        backoffDelay(failures++, { baseMs: 500, capMs: 10_000, random: Math.random }),
        undefined,
        {
          signal: options.signal,
        },
      ).catch(() => {});
      if (options.signal?.aborted) return undefined;
    }
  }
}
