/** While it is unreachable, how often to look again. */
const PROBE_EVERY_MS = 1_000;

export interface DatabaseHealth {
  /** True while the last probe could not reach PostgreSQL: pages would fail, so answer 503. */
  readonly down: boolean;
  /** Something went wrong that an outage would explain (a 5xx, a lost connection): probe now. */
  suspect(): void;
  close(): void;
}

/**
 * Whether the site's database answers, learnt without a query per request: a probe runs only
 * when something suggests an outage, and then every second until PostgreSQL answers again. The
 * site answers 503 meanwhile instead of rendering pages that would fail (as 500s, or as 404s for
 * rows it could not read).
 */
export function databaseHealth(
  reachable: () => Promise<boolean>,
  log: (line: string) => void,
  probeEveryMs = PROBE_EVERY_MS,
): DatabaseHealth {
  let down = false;
  let probing = false;
  let closed = false;
  let timer: NodeJS.Timeout | undefined;
  let since = 0;

  let again = false;

  async function probe() {
    if (closed) return;
    // A suspicion during a probe (which may have started before the outage) asks again after it.
    if (probing) {
      again = true;
      return;
    }
    probing = true;
    const reached = await reachable().catch(() => false);
    probing = false;
    if (reached && again) {
      again = false;
      return probe();
    }
    again = false;
    if (reached) {
      if (down) log(`database reachable again after ${Math.round((Date.now() - since) / 1000)} s`);
      down = false;
      return;
    }
    if (!down) {
      since = Date.now();
      log('database unreachable: answering 503 until it is back');
    }
    down = true;
    if (!closed) timer = setTimeout(() => void probe(), probeEveryMs);
    timer?.unref();
  }

  return {
    get down() {
      return down;
    },
    suspect() {
      if (!down) void probe();
    },
    close() {
      closed = true;
      clearTimeout(timer);
    },
  };
}

/** The 503 answer while the database is away: a page that says so and reloads itself. */
export function unavailable(wantsJson: boolean): {
  status: 503;
  headers: Record<string, string>;
  body: string;
} {
  const headers = { 'retry-after': '5', 'cache-control': 'no-store' };
  if (wantsJson)
    return {
      status: 503,
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify({
        error: {
          message: "linkboard's database is unreachable right now; try again in a few seconds",
          code: 'SERVICE_UNAVAILABLE',
        },
      }),
    };
  return {
    status: 503,
    headers: { ...headers, 'content-type': 'text/html; charset=utf-8' },
    body: `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta http-equiv="refresh" content="5"><title>linkboard: back in a moment</title></head><body style="font-family: system-ui, sans-serif; max-width: 36rem; margin: 4rem auto; padding: 0 1rem"><h1>Back in a moment</h1><p>linkboard's database is unreachable right now, so this page cannot be shown. Nothing is lost: submissions keep their place, and runners carry on when it is back.</p><p>This page reloads itself every 5 seconds.</p></body></html>`,
  };
}
