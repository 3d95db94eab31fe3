import pg from 'pg';

/** Spoken by triggers (migration 0003) whenever what a leaderboard shows may have changed. */
export const LEADERBOARD_CHANNEL = 'linkboard_leaderboard';

export interface LeaderboardWatch {
  /** True while the LISTEN connection is up; while false, changes may go unheard. */
  readonly listening: boolean;
  close(): Promise<void>;
}

/**
 * Calls `onChange` whenever the leaderboard's data changes, on its own connection (a pooled one
 * would be handed to queries between notifications). `onChange` also runs each time the
 * connection is (re)established, because changes made while it was down were never heard.
 * A lost connection is retried with backoff (0.5 s doubling to 30 s) until `close()`.
 */
export function watchLeaderboard(
  url: string,
  onChange: (reason: string) => void,
  options: { onError?: (error: Error) => void } = {},
): LeaderboardWatch {
  let client: pg.Client | null = null;
  let closed = false;
  let listening = false;
  let delayMs = 500;
  let retry: NodeJS.Timeout | undefined;

  const lost = (c: pg.Client, error?: Error) => {
    if (client !== c) return;
    client = null;
    listening = false;
    if (error) options.onError?.(error);
    c.end().catch(() => {});
    if (closed) return;
    retry = setTimeout(connectOnce, delayMs);
    delayMs = Math.min(delayMs * 2, 30_000);
  };

  async function connectOnce() {
    if (closed) return;
    const c = new pg.Client({ connectionString: url });
    client = c;
    c.on('notification', (message) => onChange(message.payload || LEADERBOARD_CHANNEL));
    c.on('error', (error) => lost(c, error));
    c.on('end', () => lost(c));
    try {
      await c.connect();
      await c.query(`LISTEN ${LEADERBOARD_CHANNEL}`);
    } catch (error) {
      lost(c, error as Error);
      return;
    }
    if (client !== c) return;
    listening = true;
    delayMs = 500;
    onChange('listening');
  }

  void connectOnce();
  return {
    get listening() {
      return listening;
    },
    async close() {
      closed = true;
      clearTimeout(retry);
      const c = client;
      client = null;
      listening = false;
      await c?.end().catch(() => {});
    },
  };
}
