import { gzipSync } from 'node:zlib';
import { LRUCache } from 'lru-cache';

/**
 * The rendered leaderboard, kept in memory for anonymous visitors.
 *
 * Rendering `/` with 100 ranked rows costs tens of milliseconds of CPU, and the front page is
 * what most visitors ask for, so the site keeps whole responses and serves them again until
 * the leaderboard's data changes (a PostgreSQL notification, see `watchLeaderboard`) or
 * `maxAgeMs` passes. Only responses that cannot depend on who asks are kept: anonymous GETs
 * of the leaderboard page and its public tRPC queries.
 */

/** Pages and tRPC procedures whose output changes only with the leaderboard's data. */
const CACHEABLE_PAGES = new Set(['/']);
const CACHEABLE_PROCEDURES = new Set(['leaderboard.versions', 'leaderboard.rows']);
const TRPC_PREFIX = '/api/trpc/';

export interface RequestLike {
  method?: string;
  url?: string;
  headers: Record<string, string | string[] | undefined>;
}

/**
 * The key a request's response is kept under, or null when it must reach Next every time:
 * anything signed in (a better-auth cookie or a bearer token), React Server Component and
 * router requests (their responses vary on `rsc`/`next-*` headers), and every other route.
 */
export function cacheKeyOf(request: RequestLike): string | null {
  if (request.method !== 'GET' && request.method !== 'HEAD') return null;
  const { headers } = request;
  if (headers.authorization) return null;
  const cookie = String(headers.cookie ?? '');
  if (cookie.includes('better-auth.')) return null;
  for (const name of Object.keys(headers))
    if (name === 'rsc' || name.startsWith('next-')) return null;
  const url = new URL(request.url ?? '/', 'http://site');
  if (url.searchParams.has('_rsc')) return null;
  const path = url.pathname;
  const cacheable = path.startsWith(TRPC_PREFIX)
    ? path
        .slice(TRPC_PREFIX.length)
        .split(',')
        .every((procedure) => CACHEABLE_PROCEDURES.has(procedure))
    : CACHEABLE_PAGES.has(path);
  if (!cacheable) return null;
  // tRPC streams its reply when asked to: a different body for the same URL.
  return `${headers.host ?? ''} ${request.url} ${headers['trpc-accept'] ?? ''}`;
}

/** A response as Next produced it (uncompressed), ready to be served again. */
export interface StoredResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
  /** The body gzip-compressed, for clients that accept it; absent when not worth it. */
  gzip: Buffer | null;
}

export type CacheState = 'hit' | 'miss' | 'stale';

/** What a fill returns: Next's answer; `cacheable` false keeps it out (errors, cookies). */
export interface Fetched {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
  cacheable: boolean;
}

interface Entry extends StoredResponse {
  generation: number;
  storedAt: number;
}

// Hop-by-hop and per-response headers are rewritten when served, never replayed.
const DROPPED = new Set([
  'connection',
  'keep-alive',
  'transfer-encoding',
  'content-length',
  'date',
  'x-linkboard-cache',
]);

export class PageCache {
  private generation = 0;
  private readonly entries: LRUCache<string, Entry>;
  private readonly fills = new Map<string, { generation: number; entry: Promise<Entry> }>();
  private readonly now: () => number;

  constructor(
    private readonly options: {
      maxBytes: number;
      maxAgeMs: number;
      now?: () => number;
    },
  ) {
    this.now = options.now ?? Date.now;
    this.entries = new LRUCache<string, Entry>({
      maxSize: options.maxBytes,
      // Kept responses larger than an eighth of the cache would churn it; they are served uncached.
      maxEntrySize: Math.max(1, Math.floor(options.maxBytes / 8)),
      sizeCalculation: (e) => e.body.length + (e.gzip?.length ?? 0) + 512,
    });
  }

  /** Everything kept is out of date: the next request for each key waits for a fresh render. */
  invalidate(): void {
    this.generation++;
  }

  get size(): number {
    return this.entries.size;
  }

  /**
   * The response for `key`: kept and current (`hit`); or fetched now, with concurrent requests
   * for the same key sharing one fetch (`miss`); or, while a fresh fetch is already under way
   * after a change, the previous response (`stale`) rather than a queue behind the render.
   * The request that starts a fetch after a change always waits for it, so whoever caused a
   * change never sees the page from before it.
   */
  async get(key: string, fetch: () => Promise<Fetched>): Promise<[StoredResponse, CacheState]> {
    const kept = this.entries.get(key);
    const expired = !kept || this.now() - kept.storedAt >= this.options.maxAgeMs;
    if (kept && !expired && kept.generation === this.generation) return [kept, 'hit'];
    const pending = this.fills.get(key);
    if (pending && pending.generation === this.generation) {
      if (kept) return [kept, 'stale'];
      return [await pending.entry, 'miss'];
    }
    return [await this.fill(key, fetch), 'miss'];
  }

  private fill(key: string, fetch: () => Promise<Fetched>): Promise<Entry> {
    const generation = this.generation;
    const entry = (async () => {
      const fetched = await fetch();
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(fetched.headers))
        if (!DROPPED.has(name.toLowerCase())) headers[name.toLowerCase()] = value;
      const compressible =
        fetched.body.length > 1024 &&
        !headers['content-encoding'] &&
        /^(text\/|application\/json)/.test(headers['content-type'] ?? '');
      if (compressible) {
        const vary = headers.vary ?? '';
        if (!/accept-encoding/i.test(vary))
          headers.vary = vary ? `${vary}, Accept-Encoding` : 'Accept-Encoding';
      }
      const stored: Entry = {
        status: fetched.status,
        headers,
        body: fetched.body,
        gzip: compressible ? gzipSync(fetched.body) : null,
        generation,
        storedAt: this.now(),
      };
      // A fill that began before a change answers the requests that came before it, no more.
      if (fetched.cacheable && generation === this.generation) this.entries.set(key, stored);
      return stored;
    })();
    const record = { generation, entry };
    this.fills.set(key, record);
    const forget = () => {
      if (this.fills.get(key) === record) this.fills.delete(key);
    };
    entry.then(forget, forget);
    return entry;
  }
}
