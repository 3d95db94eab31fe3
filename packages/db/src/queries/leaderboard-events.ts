import pg from 'pg';

/** Spoken by triggers (migration 0003) whenever what a public leaderboard shows may have changed. */
export const LEADERBOARD_CHANNEL = 'linkboard_leaderboard';

export interface LeaderboardWatch {
  /** True while the LISTEN connection is up; while false, changes may go unheard. */
  readonly listening: boolean;
  close(): Promise<void>;
}

/** A listening connection that stays quiet is asked `SELECT 1` this often, to notice half-open ones. */
const PING_MS = 30_000;
/** Connecting and a ping each get this long, by default. */
const TIMEOUT_MS = 10_000;
/** How long a closing connection may take to say goodbye before its socket is cut. */
const CLOSE_GRACE_MS = 1_000;

/** Settles with `promise`, or rejects with `message` after `ms`. */
async function within<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(message)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** Ends a client; one still connecting, or one whose server will not say goodbye, is cut off. */
async function endClient(c: pg.Client, connected: boolean): Promise<void> {
  // pg has no public way to drop a connection that will not answer; its socket is `connection.stream`.
  const cut = () =>
    (
      c as unknown as { connection?: { stream?: { destroy(): void } } }
    ).connection?.stream?.destroy();
  if (!connected) return cut();
  await within(c.end(), CLOSE_GRACE_MS, 'no goodbye').catch(cut);
}

/**
 * Calls `onChange` whenever the leaderboard's data changes, on its own connection (a pooled one
 * would be handed to queries between notifications). `onChange` also runs each time the
 * connection is (re)established, because changes made while it was down were never heard.
 * A lost connection (an error, the server closing it, a connect or ping that takes longer than
 * `timeoutMs`) is retried with backoff (0.5 s doubling to 30 s) until `close()`, which never waits
 * on the server for more than a second.
 */
export function watchLeaderboard(
  url: string,
  onChange: (reason: string) => void,
  options: {
    onError?: (error: Error) => void;
    /** The connection is gone, with or without an error (a server shutting down just closes it). */
    onLost?: () => void;
    timeoutMs?: number;
  } = {},
): LeaderboardWatch {
  const timeoutMs = options.timeoutMs ?? TIMEOUT_MS;
  let client: pg.Client | null = null;
  let closed = false;
  let listening = false;
  let delayMs = 500;
  let retry: NodeJS.Timeout | undefined;
  let ping: NodeJS.Timeout | undefined;

  /** Drops `c` if it is still the current client; returns whether it had been listening. */
  const detach = (c: pg.Client): { current: boolean; connected: boolean } => {
    if (client !== c) return { current: false, connected: false };
    const connected = listening;
    client = null;
    listening = false;
    clearInterval(ping);
    return { current: true, connected };
  };

  const lost = (c: pg.Client, error?: Error) => {
    const { current, connected } = detach(c);
    if (!current) return;
    options.onLost?.();
    if (error) options.onError?.(error);
    void endClient(c, connected);
    if (closed) return;
    retry = setTimeout(connectOnce, delayMs);
    delayMs = Math.min(delayMs * 2, 30_000);
  };

  async function connectOnce() {
    if (closed) return;
    const c = new pg.Client({
      connectionString: url,
      connectionTimeoutMillis: timeoutMs,
      keepAlive: true,
    });
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
    ping = setInterval(() => {
      within(c.query('SELECT 1'), timeoutMs, `no answer to a ping in ${timeoutMs} ms`).catch(
        (error: Error) => lost(c, error),
      );
    }, PING_MS);
    ping.unref();
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
      if (!c) return;
      const { connected } = detach(c);
      await endClient(c, connected);
    },
  };
}
