/**
 * The site's HTTP server: Next.js (custom server mode) behind the leaderboard page cache.
 * `npm run start -w @linkboard/web` runs this file (`linkboard start` runs that script); it
 * replaces `next start`.
 *
 * A cacheable request (see `cacheableRequest`) is answered from memory, or by asking Next over
 * loopback for the page (a "fill", see ./fill.ts) and keeping the answer. Everything else, and
 * any answer that must not be kept, goes straight to Next's handler. The cache empties when
 * PostgreSQL says the leaderboard's data changed. `/healthz`, `/readyz` and `/metrics` (see
 * ./operations.ts) are answered before all of that. Logs are JSON lines on stderr (readable in a
 * terminal).
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import {
  boardKeyName,
  connect,
  type Database,
  databaseReachable,
  embeddedUrl,
  type LeaderboardWatch,
  watchLeaderboard,
} from '@linkboard/db';
import { refreshStaleBoards, setBoardRanker } from '@linkboard/platform';
import { workerBoardRanker } from '@linkboard/platform/board-worker';
import { createLogger } from '@linkboard/platform/log';
import Negotiator from 'negotiator';
import next from 'next';
import { Agent, request } from 'undici';
import { env } from '../env';
import { stampClientAddress } from './client-address';
import { databaseHealth, unavailable } from './database-health';
import { FILL_HEADER, fillIdOf, fillState } from './fill';
import { operations } from './operations';
import {
  type CacheState,
  cacheableRequest,
  type Fetched,
  PageCache,
  type StoredResponse,
} from './page-cache';

const WEB_DIR = fileURLToPath(new URL('../..', import.meta.url));
/** A safety net under the change notifications: nothing kept is older than this. */
const MAX_AGE_MS = 60_000;
/** The largest request body the site reads: a 50 MB predictions upload, JSON-encoded, fits. */
const MAX_BODY_BYTES = 64 * 2 ** 20;
/** After a stop signal, what does not close within this is cut off. */
const STOP_GRACE_MS = 5_000;

function send(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  stored: StoredResponse,
  state: CacheState,
) {
  const gzip =
    stored.gzip !== null && new Negotiator(req).encoding(['identity', 'gzip']) === 'gzip';
  const body = gzip ? (stored.gzip as Buffer) : stored.body;
  res.writeHead(stored.status, {
    ...stored.headers,
    ...(gzip ? { 'content-encoding': 'gzip' } : {}),
    'content-length': body.length,
    'x-linkboard-cache': state,
  });
  res.end(req.method === 'HEAD' ? undefined : body);
}

/** The server's log: JSON lines on stderr, readable ones in a terminal. */
const log = createLogger('site', process.stderr);

async function main() {
  const app = next({
    dev: false,
    dir: WEB_DIR,
    hostname: env.LINKBOARD_HOST,
    port: env.LINKBOARD_PORT,
  });
  await app.prepare();
  const handle = app.getRequestHandler();

  const databaseUrl = env.DATABASE_URL ?? (await embeddedUrl(env.dataDir));
  if (env.LINKBOARD_PAGE_CACHE_MB > 0 && !databaseUrl)
    log.warn('page cache: off, no database to hear changes from (set DATABASE_URL)');
  const cache =
    env.LINKBOARD_PAGE_CACHE_MB > 0 && databaseUrl
      ? new PageCache({ maxBytes: env.LINKBOARD_PAGE_CACHE_MB * 2 ** 20, maxAgeMs: MAX_AGE_MS })
      : null;
  const health = databaseUrl
    ? databaseHealth(
        () => databaseReachable(databaseUrl),
        (line) => log.warn(line),
      )
    : null;
  // A small pool of its own for /readyz and /metrics: they answer while Next's pool is busy.
  const operationsDatabase: Database | null = databaseUrl
    ? connect(databaseUrl, { max: 2, connectTimeoutMs: 2_000, queryTimeoutMs: 5_000 })
    : null;
  // Boards are ranked on a worker thread when their inputs change (see platform's boards.ts):
  // the pages read snapshots, and this thread only asks for builds.
  const ranker = databaseUrl
    ? workerBoardRanker(databaseUrl, {
        onError: (key, error) =>
          log.error(`board ${boardKeyName(key)}: ranking failed (${(error as Error).message})`),
      })
    : null;
  setBoardRanker(ranker);
  const refreshBoards = () => {
    if (!ranker || !operationsDatabase) return;
    refreshStaleBoards(operationsDatabase.db, ranker).catch((error: Error) =>
      log.warn(`boards: could not look for stale boards (${error.message})`),
    );
  };
  let watch: LeaderboardWatch | null = null;
  if (databaseUrl) {
    watch = watchLeaderboard(
      databaseUrl,
      () => {
        cache?.invalidate();
        refreshBoards();
      },
      {
        // A server shutting down closes the feed at once: the earliest word of an outage.
        onLost: () => health?.suspect(),
        onError: (error) =>
          log.warn(
            `leaderboard change feed lost (${error.message}); reconnecting${cache ? `, kept pages expire within ${MAX_AGE_MS / 1000} s meanwhile` : ''}`,
          ),
      },
    );
  }

  const ops = operations({ database: operationsDatabase, health, cache });

  const fills = fillState();
  fills.token = randomUUID();
  let nextFillId = 0;
  const agent = new Agent({ connections: 16 });
  let origin = '';
  /** Asks Next for a page as an anonymous visitor would, with only the headers the key holds. */
  async function fetchFromNext(url: string, vary: Record<string, string>): Promise<Fetched> {
    const id = String(nextFillId++);
    const headers = { ...vary, [FILL_HEADER]: `${fills.token}:${id}` };
    try {
      const response = await request(`${origin}${url}`, { headers, dispatcher: agent });
      const body = Buffer.from(await response.body.arrayBuffer());
      const flat: Record<string, string> = {};
      for (const [name, value] of Object.entries(response.headers))
        if (value !== undefined) flat[name] = Array.isArray(value) ? value.join(', ') : value;
      return {
        status: response.statusCode,
        headers: flat,
        body,
        cacheable:
          response.statusCode === 200 && !response.headers['set-cookie'] && !fills.failed.has(id),
      };
    } finally {
      fills.failed.delete(id);
    }
  }

  function answer(req: http.IncomingMessage, res: http.ServerResponse) {
    // Health, readiness and metrics first: never cached, and answered during an outage.
    if (ops.handle(req, res)) return;
    if (Number(req.headers['content-length'] ?? 0) > MAX_BODY_BYTES) {
      res.writeHead(413, { 'content-type': 'text/plain; charset=utf-8', connection: 'close' });
      return void res.end(`request body over ${MAX_BODY_BYTES / 2 ** 20} MiB\n`);
    }
    // A streamed body has no length to check up front; the site's own clients always send one.
    if (req.headers['transfer-encoding'] && req.headers['content-length'] === undefined) {
      res.writeHead(411, { 'content-type': 'text/plain; charset=utf-8', connection: 'close' });
      return void res.end('send Content-Length with a request body\n');
    }
    if (fillIdOf(req.headers[FILL_HEADER]) !== null) return void handle(req, res);
    delete req.headers[FILL_HEADER];
    // While the database is away, pages would fail (as 500s, or as 404s for rows they could not
    // read): say so with a 503 instead. Static assets need no database.
    if (health?.down && !req.url?.startsWith('/_next/static/')) {
      const down = unavailable(req.url?.startsWith('/api/') ?? false);
      res.writeHead(down.status, down.headers);
      return void res.end(req.method === 'HEAD' ? undefined : down.body);
    }
    // A server error may be the first sign of an outage: look.
    res.once('finish', () => {
      if (res.statusCode >= 500) health?.suspect();
    });
    const cacheable = cache ? cacheableRequest(req) : null;
    if (!cache || !cacheable) return void handle(req, res);
    cache
      .get(cacheable.key, () => fetchFromNext(cacheable.url, cacheable.headers))
      .then(
        ([stored, state]) =>
          // An answer that is not kept (an error, a cookie) is rendered again for this request.
          stored.cacheable ? send(req, res, stored, state) : void handle(req, res),
        (error: Error) => {
          log.error(
            `page cache: could not render ${cacheable.url} (${error.message}); serving it directly`,
          );
          void handle(req, res);
        },
      );
  }

  const server = http.createServer((req, res) => {
    stampClientAddress(req, env.LINKBOARD_TRUSTED_PROXIES?.list ?? null);
    try {
      answer(req, res);
    } catch (error) {
      // The cache is an optimisation: whatever goes wrong in it, Next still answers.
      log.error(`page cache: ${(error as Error).message}; serving ${req.url} directly`);
      void handle(req, res);
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(env.LINKBOARD_PORT, env.LINKBOARD_HOST, resolve);
  });
  const address = server.address() as AddressInfo;
  const loopback =
    address.address === '0.0.0.0'
      ? '127.0.0.1'
      : address.address === '::'
        ? '::1'
        : address.address;
  origin = `http://${loopback.includes(':') ? `[${loopback}]` : loopback}:${address.port}`;
  log.info(
    `linkboard site on http://${env.LINKBOARD_HOST}:${address.port}/ (leaderboard page cache: ${cache ? `${env.LINKBOARD_PAGE_CACHE_MB} MiB` : 'off'})`,
  );

  const stop = async () => {
    setTimeout(() => process.exit(0), STOP_GRACE_MS).unref();
    server.close();
    server.closeAllConnections();
    health?.close();
    await Promise.allSettled([
      watch?.close(),
      ranker?.close(),
      agent.close(),
      app.close(),
      operationsDatabase?.close(),
    ]);
    process.exit(0);
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((error: Error) => {
  log.fatal(error.message);
  process.exit(1);
});
