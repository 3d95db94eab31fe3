import { promisify } from 'node:util';
import { gzip as gzipCallback } from 'node:zlib';
import { LRUCache } from 'lru-cache';

const gzip = promisify(gzipCallback);

/**
 * The rendered leaderboard, kept in memory and served to every visitor, signed in or not.
 *
 * Rendering `/` with 100 ranked rows costs tens of milliseconds of CPU, and the front page is
 * what most visitors ask for, so the site keeps whole responses and serves them again until
 * the leaderboard's data changes (a PostgreSQL notification, see `watchLeaderboard`) or
 * `maxAgeMs` passes. Only responses that cannot depend on who asks are kept: GETs of the
 * leaderboard page and its public tRPC queries. The board lists public submissions only, to
 * everyone (a private one shows nowhere but its own page until published), and the header's
 * account part is filled in by the browser (src/components/account-menu.tsx), so the page is
 * the same for every visitor. It is always rendered as an anonymous visitor's: a request's
 * cookies and authorization are neither part of its key nor passed on to the render.
 */

/**
 * Pages and tRPC procedures whose output changes only with the leaderboard's data, and not with
 * the viewer, each with the query parameters it reads. Others are dropped from the key and from
 * the fill, so that varying them (`?pad=…`) cannot multiply entries or evict the front page.
 */
const CACHEABLE_PAGES = new Map([
  [
    '/',
    [
      // The version shown, `name@version`; `version` (a link of before, a database id) is a
      // redirect of its own, so it stays in the key rather than share the front page's entry.
      'benchmark',
      'version',
      'policy',
      'scorer',
      'sort',
      'q',
      'all',
      'self',
      // The model-card filters (core's `boardFilterQueryShape`).
      'params_min',
      'params_max',
      'weights',
      'organisation',
      // The cost column (shown on request): a page of its own.
      'cost',
      '_rsc',
    ],
  ],
]);
const CACHEABLE_PROCEDURES = new Set(['leaderboard.versions', 'leaderboard.rows']);
const TRPC_PREFIX = '/api/trpc/';
const TRPC_PARAMS = ['batch', 'input'];
/** Longer request targets are served, but never kept. */
const MAX_URL_LENGTH = 2048;

export interface RequestLike {
  method?: string;
  url?: string;
  headers: Record<string, string | string[] | undefined>;
}

/**
 * The request headers Next's answers vary on (its `Vary`): React Server Component navigations
 * and prefetches send these, and the `_rsc` query parameter is a hash of them. They are part of
 * the key, and the only ones a fill passes on to Next.
 */
const VARY_HEADERS = [
  'rsc',
  'next-router-state-tree',
  'next-router-prefetch',
  'next-router-segment-prefetch',
  'next-url',
];

/** A request the cache may answer: its key, and what to ask Next for (path, query, headers). */
export interface CacheableRequest {
  key: string;
  url: string;
  headers: Record<string, string>;
}

function parse(url: string | undefined): URL | null {
  if (!url || url.length > MAX_URL_LENGTH || !url.startsWith('/')) return null;
  try {
    return new URL(url, 'http://site');
  } catch {
    return null; // `//`, and anything else WHATWG refuses: Next answers it, uncached
  }
}

/**
 * Whether a request's answer can be kept and given to anyone who asks the same: GETs of the
 * leaderboard page and its public tRPC queries, from anyone (a session cookie or an API token
 * changes nothing in them), and none carrying a Next header outside `VARY_HEADERS` (server
 * actions, dev tools) or asking tRPC to stream (a streamed reply carries errors inside a 200).
 * The headers it returns, the only ones a fill sends, never include the visitor's credentials.
 */
export function cacheableRequest(request: RequestLike): CacheableRequest | null {
  if (request.method !== 'GET' && request.method !== 'HEAD') return null;
  const { headers: incoming } = request;
  if (incoming['trpc-accept']) return null;
  for (const name of Object.keys(incoming))
    if (name.startsWith('next-') && !VARY_HEADERS.includes(name)) return null;
  const url = parse(request.url);
  if (!url) return null;
  let params: string[] | undefined;
  if (url.pathname.startsWith(TRPC_PREFIX)) {
    const procedures = url.pathname.slice(TRPC_PREFIX.length).split(',');
    if (procedures.every((procedure) => CACHEABLE_PROCEDURES.has(procedure))) params = TRPC_PARAMS;
  } else {
    params = CACHEABLE_PAGES.get(url.pathname);
  }
  if (!params) return null;
  const query = new URLSearchParams();
  for (const [name, value] of url.searchParams)
    if (params.includes(name)) query.append(name, value);
  const canonical = `${url.pathname}${query.size ? `?${query}` : ''}`;
  const headers: Record<string, string> = {};
  for (const name of VARY_HEADERS) {
    const value = incoming[name];
    if (typeof value === 'string') headers[name] = value;
  }
  return { key: `${canonical}\n${JSON.stringify(headers)}`, url: canonical, headers };
}

/** What a fill returns: Next's answer, uncompressed. */
export interface Fetched {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
  /** False for answers that must not be reused (errors, cookies): serve those from Next. */
  cacheable: boolean;
}

/** A fetched response ready to be served again. */
export interface StoredResponse extends Fetched {
  /** The body gzip-compressed, for clients that accept it; absent when not worth it. */
  gzip: Buffer | null;
}

export type CacheState = 'hit' | 'miss' | 'stale';

interface Entry extends StoredResponse {
  generation: number;
  storedAt: number;
  /** Bytes this entry holds, its key included. */
  size: number;
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
  /** Answers so far by how they were served, for `/metrics` (a stale answer is from memory too). */
  readonly served: Record<CacheState, number> = { hit: 0, miss: 0, stale: 0 };

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
      // An answer larger than a quarter of the cache would churn it: it is served, not kept.
      maxEntrySize: Math.max(1, Math.floor(options.maxBytes / 4)),
      sizeCalculation: (e) => e.size,
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
    const answer = await this.lookUp(key, fetch);
    this.served[answer[1]]++;
    return answer;
  }

  private async lookUp(
    key: string,
    fetch: () => Promise<Fetched>,
  ): Promise<[StoredResponse, CacheState]> {
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
      // An answer that is not kept is rendered again for each request: no use compressing it.
      const compressible =
        fetched.cacheable &&
        fetched.body.length > 1024 &&
        !headers['content-encoding'] &&
        /^(text\/|application\/json)/.test(headers['content-type'] ?? '');
      if (compressible) {
        const vary = headers.vary ?? '';
        if (!/accept-encoding/i.test(vary))
          headers.vary = vary ? `${vary}, Accept-Encoding` : 'Accept-Encoding';
      }
      // Compressed off the event loop: a `?all=1` page is megabytes.
      const compressed = compressible ? await gzip(fetched.body) : null;
      const stored: Entry = {
        status: fetched.status,
        headers,
        body: fetched.body,
        gzip: compressed,
        cacheable: fetched.cacheable,
        generation,
        storedAt: this.now(),
        size: key.length * 2 + fetched.body.length + (compressed?.length ?? 0) + 512,
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
