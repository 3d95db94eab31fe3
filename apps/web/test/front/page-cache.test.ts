import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { cacheableRequest, type Fetched, PageCache, type RequestLike } from '~/front/page-cache';

const get = (url: string, headers: RequestLike['headers'] = {}): RequestLike => ({
  method: 'GET',
  url,
  headers: { host: 'site', ...headers },
});
const rowsUrl = '/api/trpc/leaderboard.rows?input=%7B%7D';

describe('cacheableRequest', () => {
  it.each([
    ['the leaderboard page, anonymous', get('/?version=1&sort=model'), true],
    ['HEAD is served from the same entry', { ...get('/'), method: 'HEAD' }, true],
    ['the leaderboard rows query', get(rowsUrl), true],
    [
      'a batch of only leaderboard queries',
      get('/api/trpc/leaderboard.versions,leaderboard.rows?batch=1'),
      true,
    ],
    ['an unrelated cookie does not identify anyone here', get('/', { cookie: 'theme=dark' }), true],
    [
      'a client-side navigation to the leaderboard (flight response)',
      get('/?_rsc=abc', { rsc: '1', 'next-router-state-tree': '%5B%5D' }),
      true,
    ],
    [
      'a signed-in visitor: the board is the same for everyone, the header is filled in later',
      get('/', { cookie: 'better-auth.session_token=x' }),
      true,
    ],
    [
      'the secure-prefixed session cookie too',
      get('/', { cookie: 'a=1; __Secure-better-auth.session_token=x' }),
      true,
    ],
    [
      'a client-side navigation of a signed-in visitor',
      get('/?_rsc=abc', { rsc: '1', cookie: 'better-auth.session_token=x' }),
      true,
    ],
    ['an API token asking for public rows', get(rowsUrl, { authorization: 'Bearer lb_x' }), true],
    ['a POST changes things', { ...get('/'), method: 'POST' }, false],
    [
      'a batch asking who is signed in',
      get('/api/trpc/leaderboard.versions,accounts.me?batch=1', {
        cookie: 'better-auth.session_token=x',
      }),
      false,
    ],
    [
      'who is signed in',
      get('/api/trpc/accounts.me', { cookie: 'better-auth.session_token=x' }),
      false,
    ],
    ['my submissions', get('/submissions', { cookie: 'better-auth.session_token=x' }), false],
    [
      'a private submission of a signed-in owner',
      get('/submissions/1', { cookie: 'better-auth.session_token=x' }),
      false,
    ],
    ['a server action', get('/', { 'next-action': 'abc' }), false],
    ['a Next header the cache does not know', get('/', { 'next-hmr-refresh': '1' }), false],
    ['a submission page changes while it runs', get('/submissions/1'), false],
    [
      'a batch with a live query',
      get('/api/trpc/leaderboard.rows,submissions.queue?batch=1'),
      false,
    ],
    ['a procedure outside the allowlist', get('/api/trpc/submissions.queue'), false],
    [
      'a streamed tRPC reply carries errors inside a 200',
      get(rowsUrl, { 'trpc-accept': 'application/jsonl' }),
      false,
    ],
    ['a target WHATWG cannot parse (Next answers it)', get('//'), false],
    ['an absolute-form target', get('http://elsewhere/'), false],
    ['a target over 2 KiB', get(`/?q=${'x'.repeat(2100)}`), false],
  ])('%s', (_why, request, cacheable) => {
    expect(cacheableRequest(request) !== null).toBe(cacheable);
  });

  it('keys apart what Next answers differently, and passes on only those headers', () => {
    const variants = [
      get(rowsUrl),
      get('/'),
      get('/', { rsc: '1' }),
      get('/', { rsc: '1', 'next-router-prefetch': '1' }),
      get('/', { rsc: '1', 'next-router-state-tree': 'from-concepts' }),
      get('/?sort=model'),
    ];
    const keys = new Set(variants.map((r) => cacheableRequest(r)?.key));
    expect(keys.size).toBe(variants.length);
    const forwarded = cacheableRequest(
      get('/', { rsc: '1', 'user-agent': 'x', 'accept-language': 'de', cookie: 'theme=dark' }),
    );
    expect(forwarded?.headers).toEqual({ rsc: '1' });
  });

  it('keys and renders a signed-in request as the anonymous one: credentials never reach a fill', () => {
    const session = 'better-auth.session_token=secret-session.sig';
    for (const [url, vary] of [
      ['/?version=2&sort=model', {}],
      ['/?_rsc=abc', { rsc: '1', 'next-router-state-tree': '%5B%5D' }],
      [rowsUrl, {}],
    ] as const) {
      const anonymous = cacheableRequest(get(url, vary));
      for (const credentials of [
        { cookie: session },
        { cookie: `theme=dark; __Secure-${session}` },
        { authorization: 'Bearer lb_secret' },
      ]) {
        const signedIn = cacheableRequest(get(url, { ...vary, ...credentials }));
        expect(signedIn).toEqual(anonymous);
        expect(JSON.stringify(signedIn)).not.toMatch(/secret|cookie|authorization/i);
      }
    }
  });

  it('keys apart the boards it shows: ranking self-reported uploads is another page', () => {
    const plain = cacheableRequest(get('/?version=2'));
    const self = cacheableRequest(get('/?version=2&self=1'));
    expect(self?.url).toBe('/?version=2&self=1');
    expect(self?.key).not.toBe(plain?.key);
  });

  it('keys and asks Next by the query parameters the route reads, whatever else is sent', () => {
    const plain = cacheableRequest(get('/?version=2&sort=model'));
    const padded = cacheableRequest(get('/?pad=1&version=2&utm=x&sort=model', { host: 'evil' }));
    expect(padded).toEqual(plain);
    expect(padded?.url).toBe('/?version=2&sort=model');
    expect(cacheableRequest(get(`${rowsUrl}&pad=1`))?.url).toBe(rowsUrl);
  });

  it('keeps every parameter the board reads, filters included, so a filtered page is not the whole board', () => {
    const url = '/?self=1&params_min=1&params_max=70&weights=open&organisation=Acme';
    expect(cacheableRequest(get(url))?.url).toBe(url);
    const keys = new Set(
      ['/', '/?weights=open', '/?weights=closed', '/?params_min=7', '/?self=1'].map(
        (u) => cacheableRequest(get(u))?.key,
      ),
    );
    expect(keys.size).toBe(5);
  });
});

/** A fake Next: counts renders, answers `v<n>` (long enough to be compressed), on demand. */
function origin(options: { status?: number; setCookie?: boolean; size?: number } = {}) {
  let renders = 0;
  const pending: (() => void)[] = [];
  let gated = false;
  const fetch = async (): Promise<Fetched> => {
    renders++;
    const n = renders;
    if (gated) await new Promise<void>((r) => pending.push(r));
    return {
      status: options.status ?? 200,
      headers: { 'content-type': 'text/html; charset=utf-8', date: 'x', 'Content-Length': '9' },
      body: Buffer.from(`v${n} `.padEnd(options.size ?? 2000, '.')),
      cacheable: (options.status ?? 200) === 200 && !options.setCookie,
    };
  };
  return {
    fetch,
    get renders() {
      return renders;
    },
    gate() {
      gated = true;
    },
    release() {
      gated = false;
      for (const r of pending.splice(0)) r();
    },
  };
}
const version = (body: Buffer) => body.toString().split(' ')[0];

describe('PageCache', () => {
  const make = (now = () => 0) => new PageCache({ maxBytes: 1 << 20, maxAgeMs: 60_000, now });

  it('renders once and serves the kept response after that', async () => {
    const cache = make();
    const next = origin();
    const [first, s1] = await cache.get('k', next.fetch);
    const [second, s2] = await cache.get('k', next.fetch);
    expect([s1, s2, next.renders]).toEqual(['miss', 'hit', 1]);
    // Counted for /metrics' hit ratio.
    expect(cache.served).toEqual({ hit: 1, miss: 1, stale: 0 });
    expect(second.body.equals(first.body)).toBe(true);
    // Per-response headers are rewritten when served; compressible bodies are kept gzipped too.
    expect(second.headers).not.toHaveProperty('date');
    expect(second.headers).not.toHaveProperty('content-length');
    expect(second.headers.vary).toMatch(/Accept-Encoding/);
    expect(gunzipSync(second.gzip as Buffer).equals(second.body)).toBe(true);
  });

  it('lets 50 concurrent first requests share one render', async () => {
    const cache = make();
    const next = origin();
    next.gate();
    const all = Array.from({ length: 50 }, () => cache.get('k', next.fetch));
    next.release();
    const answers = await Promise.all(all);
    expect(next.renders).toBe(1);
    expect(new Set(answers.map(([r]) => version(r.body)))).toEqual(new Set(['v1']));
  });

  it('after a change, the next request waits for a fresh render; others get the old page meanwhile', async () => {
    const cache = make();
    const next = origin();
    await cache.get('k', next.fetch);
    cache.invalidate();
    next.gate();
    const first = cache.get('k', next.fetch);
    const [during, state] = await cache.get('k', next.fetch);
    expect([version(during.body), state]).toEqual(['v1', 'stale']);
    next.release();
    const [fresh, freshState] = await first;
    expect([version(fresh.body), freshState]).toEqual(['v2', 'miss']);
    expect(version((await cache.get('k', next.fetch))[0].body)).toBe('v2');
    expect(next.renders).toBe(2);
  });

  it('does not keep a render that began before a change, nor hand it to requests after it', async () => {
    const cache = make();
    const next = origin();
    next.gate();
    const before = cache.get('k', next.fetch);
    cache.invalidate();
    const after = cache.get('k', next.fetch);
    next.release();
    expect(version((await before)[0].body)).toBe('v1');
    expect(version((await after)[0].body)).toBe('v2');
    const [kept, state] = await cache.get('k', next.fetch);
    expect([version(kept.body), state]).toEqual(['v2', 'hit']);
  });

  it.each([
    ['an error page', { status: 500 }],
    ['a response that sets a cookie', { setCookie: true }],
    ['a body larger than a quarter of the cache', { size: 300_000 }],
  ])('answers but does not keep %s', async (_why, options) => {
    const cache = new PageCache({ maxBytes: 1 << 20, maxAgeMs: 60_000 });
    const next = origin(options);
    await cache.get('k', next.fetch);
    const [, state] = await cache.get('k', next.fetch);
    expect([state, next.renders]).toEqual(['miss', 2]);
  });

  it('renders again once the maximum age has passed, even without a change', async () => {
    let now = 0;
    const cache = make(() => now);
    const next = origin();
    await cache.get('k', next.fetch);
    now = 59_999;
    expect((await cache.get('k', next.fetch))[1]).toBe('hit');
    now = 60_000;
    expect((await cache.get('k', next.fetch))[1]).toBe('miss');
  });

  it('counts keys in its memory bound, so long URLs cannot grow it past the limit', async () => {
    const cache = new PageCache({ maxBytes: 1 << 20, maxAgeMs: 60_000 });
    const next = origin({ size: 100 });
    for (let i = 0; i < 1000; i++) await cache.get(`${i}`.padEnd(2000, '.'), next.fetch);
    // 1,000 entries of ~4.6 kB each (key counted twice, as UTF-16) would be 4.6 MB.
    expect(cache.size).toBeLessThan(250);
  });

  it('serves a signed-in visitor the bytes an anonymous one got, rendered without credentials', async () => {
    const cache = make();
    // A fake Next that would leak: it writes into the page whatever credentials it was sent.
    let renders = 0;
    const render = (headers: Record<string, string>) => async (): Promise<Fetched> => {
      renders++;
      const who = headers.cookie ?? headers.authorization ?? 'nobody';
      return {
        status: 200,
        headers: { 'content-type': 'text/html; charset=utf-8' },
        body: Buffer.from(`<header>${who}</header>`.padEnd(2000, '.')),
        cacheable: true,
      };
    };
    const ask = async (headers: RequestLike['headers']) => {
      const request = cacheableRequest(get('/?version=1', headers));
      if (!request) throw new Error('not cacheable');
      const [stored, state] = await cache.get(request.key, render(request.headers));
      return { body: stored.body, state };
    };
    // Whoever comes first, the kept page names nobody, and every later visitor gets its bytes.
    const signedIn = await ask({ cookie: 'better-auth.session_token=ada-token.sig' });
    const anonymous = await ask({});
    const otherUser = await ask({ authorization: 'Bearer lb_grace' });
    expect([signedIn.state, anonymous.state, otherUser.state, renders]).toEqual([
      'miss',
      'hit',
      'hit',
      1,
    ]);
    expect(signedIn.body.toString()).toContain('<header>nobody</header>');
    expect(signedIn.body.toString()).not.toMatch(/ada|grace|token/);
    expect(anonymous.body.equals(signedIn.body)).toBe(true);
    expect(otherUser.body.equals(signedIn.body)).toBe(true);
  });

  it('forgets a failed render, so the next request tries again', async () => {
    const cache = make();
    let calls = 0;
    const failing = async (): Promise<Fetched> => {
      calls++;
      throw new Error('connection refused');
    };
    await expect(cache.get('k', failing)).rejects.toThrow('connection refused');
    await expect(cache.get('k', failing)).rejects.toThrow('connection refused');
    expect(calls).toBe(2);
  });
});
