/**
 * The site's HTTP server: Next.js (custom server mode) behind the leaderboard page cache.
 * `linkboard start` and `npm start -w apps/web` run this file; it replaces `next start`.
 *
 * A cacheable request (see `cacheableRequest`) is answered from memory, or by asking Next over
 * loopback for the page (marked with a per-process token, so that request goes straight to
 * Next) and keeping the answer. Everything else goes straight to Next's handler. The cache
 * empties when PostgreSQL says the leaderboard's data changed.
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { embeddedUrl, type LeaderboardWatch, watchLeaderboard } from '@linkboard/db';
import next from 'next';
import { Agent, request } from 'undici';
import { env } from '../env';
import { FILL_HEADER } from './fill';
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

function send(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  stored: StoredResponse,
  state: CacheState,
) {
  const gzip = stored.gzip && /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
  const body = gzip ? (stored.gzip as Buffer) : stored.body;
  res.writeHead(stored.status, {
    ...stored.headers,
    ...(gzip ? { 'content-encoding': 'gzip' } : {}),
    'content-length': body.length,
    'x-linkboard-cache': state,
  });
  res.end(req.method === 'HEAD' ? undefined : body);
}

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
  const cache =
    env.LINKBOARD_PAGE_CACHE_MB > 0 && databaseUrl
      ? new PageCache({ maxBytes: env.LINKBOARD_PAGE_CACHE_MB * 2 ** 20, maxAgeMs: MAX_AGE_MS })
      : null;
  let watch: LeaderboardWatch | null = null;
  if (cache && databaseUrl) {
    watch = watchLeaderboard(databaseUrl, () => cache.invalidate(), {
      onError: (error) =>
        console.error(
          `page cache: lost the leaderboard change feed (${error.message}); reconnecting, kept pages expire within ${MAX_AGE_MS / 1000} s meanwhile`,
        ),
    });
  }

  const fillToken = randomUUID();
  const fills = new Agent({ connections: 16 });
  let origin = '';
  /** Asks Next for a page as an anonymous visitor would, with only the headers the key holds. */
  async function fetchFromNext(url: string, vary: Record<string, string>): Promise<Fetched> {
    const headers = { ...vary, [FILL_HEADER]: fillToken };
    const response = await request(`${origin}${url}`, { headers, dispatcher: fills });
    const body = Buffer.from(await response.body.arrayBuffer());
    const flat: Record<string, string> = {};
    for (const [name, value] of Object.entries(response.headers))
      if (value !== undefined) flat[name] = Array.isArray(value) ? value.join(', ') : value;
    return {
      status: response.statusCode,
      headers: flat,
      body,
      cacheable: response.statusCode === 200 && !response.headers['set-cookie'],
    };
  }

  const server = http.createServer((req, res) => {
    if (req.headers[FILL_HEADER] === fillToken) return void handle(req, res);
    delete req.headers[FILL_HEADER];
    const cacheable = cache ? cacheableRequest(req) : null;
    if (!cache || !cacheable) return void handle(req, res);
    cache
      .get(cacheable.key, () => fetchFromNext(req.url ?? '/', cacheable.headers))
      .then(
        ([stored, state]) => send(req, res, stored, state),
        (error: Error) => {
          console.error(
            `page cache: could not render ${req.url} (${error.message}); serving it directly`,
          );
          void handle(req, res);
        },
      );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(env.LINKBOARD_PORT, env.LINKBOARD_HOST, resolve);
  });
  const address = server.address() as AddressInfo;
  const loopback = ['0.0.0.0', '::'].includes(address.address) ? '127.0.0.1' : address.address;
  origin = `http://${loopback.includes(':') ? `[${loopback}]` : loopback}:${address.port}`;
  console.log(
    `linkboard site on http://${env.LINKBOARD_HOST}:${address.port}/ (leaderboard page cache: ${cache ? `${env.LINKBOARD_PAGE_CACHE_MB} MiB` : 'off'})`,
  );

  const stop = async () => {
    server.close();
    server.closeAllConnections();
    await Promise.allSettled([watch?.close(), fills.close(), app.close()]);
    process.exit(0);
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((error: Error) => {
  console.error(`linkboard site: ${error.message}`);
  process.exit(1);
});
