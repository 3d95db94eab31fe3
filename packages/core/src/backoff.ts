/**
 * Capped exponential backoff: `baseMs` doubled `attempt` times (attempt 0 is the first retry),
 * at most `capMs`, then jittered so that retries spread out. "full" draws uniformly below that
 * ceiling; "equal" draws in its upper half, so a retry never comes much sooner than planned.
 * The caller passes the randomness (`Math.random`, or a seeded source in tests): core stays pure.
 */
export function backoffDelay(
  attempt: number,
  options: {
    baseMs: number;
    capMs: number;
    jitter?: 'full' | 'equal';
    random: () => number;
  },
): number {
  const { baseMs, capMs, jitter = 'full', random } = options;
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.max(0, attempt));
  return jitter === 'full' ? random() * ceiling : ceiling / 2 + random() * (ceiling / 2);
}
