import { ApiErrorSchema, type CreateSubmissionBody, SITE_API } from '@linkboard/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alice, openTestSite, signUpSession } from '../site';

/**
 * The API's door (`admit`, src/server/api-v1.ts), as both its routes have it: `POST
 * /api/v1/submissions` and tRPC over `/api/trpc`. A request signed in with the session cookie that
 * would change something must be JSON from the site's own origin (a page on another port of the
 * same host gets the cookie too); an API token is held to neither; and no body is read before the
 * request's size and who is asking are known.
 */

const SITE = 'http://127.0.0.1:3000';
let site: Awaited<ReturnType<typeof openTestSite>>;
let routes: {
  submissions: typeof import('../../src/app/api/v1/submissions/route');
  trpc: typeof import('../../src/app/api/trpc/[trpc]/route');
  auth: typeof import('../../src/app/api/auth/[...all]/route');
};
let limits: typeof import('../../src/server/api-v1').BODY_LIMITS;
let cookie: string;
let userId: string;
let token: string;

beforeAll(async () => {
  site = await openTestSite('admission', { BETTER_AUTH_URL: SITE });
  routes = {
    submissions: await import('../../src/app/api/v1/submissions/route'),
    trpc: await import('../../src/app/api/trpc/[trpc]/route'),
    auth: await import('../../src/app/api/auth/[...all]/route'),
  };
  limits = (await import('../../src/server/api-v1')).BODY_LIMITS;
  // A real session, signed up through better-auth as the site's form does it.
  ({ userId, cookie } = await signUpSession(SITE, 'Carol', 'carol@example.com'));
  expect(cookie).toContain('better-auth.session_token=');
  ({ token } = await site.caller(alice).tokens.create({ name: 'script' }));
});
afterAll(() => site.database.drop());

const submission = (name: string): CreateSubmissionBody => ({
  benchmark: site.benchmark,
  name,
  kind: 'endpoint',
  endpoint: 'http://127.0.0.1:8000/v1',
  model: 'm',
  shots: [2],
  policies: ['lcl'],
});

const submissionsOf = async (ownerId: string) =>
  (
    await site.database.pool.query(
      'SELECT count(*)::int AS n FROM submissions WHERE owner_id = $1',
      [ownerId],
    )
  ).rows[0].n as number;

const restPost = (headers: Record<string, string>, body: BodyInit | null) =>
  routes.submissions.POST(
    new Request(`${SITE}${SITE_API.submissions}`, {
      method: 'POST',
      headers,
      body,
      ...(body instanceof ReadableStream ? { duplex: 'half' } : {}),
    } as RequestInit),
  );

const refusalOf = async (response: Response) => ApiErrorSchema.parse(await response.json()).error;

/** A body that records whether anyone read it: `size` bytes of spaces, 1 MiB a pull. */
function watchedBody(size: number) {
  const chunk = new Uint8Array(2 ** 20).fill(0x20);
  const state = { pulls: 0, bytes: 0 };
  const stream = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        state.pulls++;
        if (state.bytes >= size) return controller.close();
        const next = chunk.subarray(0, Math.min(chunk.length, size - state.bytes));
        state.bytes += next.length;
        controller.enqueue(next);
      },
    },
    { highWaterMark: 0 },
  );
  return { stream, state };
}

describe('cookie-signed mutations over the REST API', () => {
  it('refuses a text/plain post from another origin, and creates nothing', async () => {
    const before = await submissionsOf(userId);
    // The attack: a page on another port of the same host, a simple (no preflight) request.
    const response = await restPost(
      { 'content-type': 'text/plain;charset=UTF-8', origin: 'http://127.0.0.1:8080', cookie },
      JSON.stringify(submission('forged-model')),
    );
    expect(response.status).toBe(403);
    const error = await refusalOf(response);
    expect(error.code).toBe('FORBIDDEN');
    expect(error.message).toMatch(/content-type: application\/json, not "text\/plain"/);
    expect(await submissionsOf(userId)).toBe(before);
  });

  it('refuses JSON from another origin, or that says nothing of where it comes from', async () => {
    const body = JSON.stringify(submission('forged-model'));
    const json = { 'content-type': 'application/json', cookie };
    for (const [why, headers, expected] of [
      [
        'another port',
        { ...json, origin: 'http://127.0.0.1:3001' },
        /not "http:\/\/127\.0\.0\.1:3001"/,
      ],
      [
        'another site',
        { ...json, origin: 'https://evil.example' },
        /not "https:\/\/evil\.example"/,
      ],
      ['an opaque origin', { ...json, origin: 'null' }, /not "null"/],
      ['no Origin', json, /an Origin header, or Sec-Fetch-Site: same-origin/],
      ['a cross-site fetch', { ...json, 'sec-fetch-site': 'same-site' }, /an Origin header/],
    ] as const) {
      const response = await restPost(headers, body);
      expect(response.status, why).toBe(403);
      expect((await refusalOf(response)).message, why).toMatch(expected);
    }
    expect(await submissionsOf(userId)).toBe(0);
  });

  it('accepts JSON from the site’s own pages', async () => {
    const json = { 'content-type': 'application/json', cookie };
    for (const [name, headers] of [
      ['same-origin', { ...json, origin: SITE }],
      ['same-origin-localhost', { ...json, origin: 'http://localhost:3000' }],
      ['same-origin-fetch-metadata', { ...json, 'sec-fetch-site': 'same-origin' }],
    ] as const) {
      const response = await restPost(headers, JSON.stringify(submission(name)));
      expect(response.status, name).toBe(201);
    }
    expect(await submissionsOf(userId)).toBe(3);
  });

  it('accepts an API token from anywhere, in any content type', async () => {
    const response = await restPost(
      {
        'content-type': 'text/plain',
        origin: 'https://evil.example',
        authorization: `Bearer ${token}`,
      },
      JSON.stringify(submission('token-model')),
    );
    expect(response.status).toBe(201);
  });
});

describe('bodies are read after their size and who is asking are known', () => {
  it('answers an anonymous post 401 without reading its body', async () => {
    const { stream, state } = watchedBody(60 * 2 ** 20);
    const response = await restPost(
      { 'content-type': 'application/json', 'content-length': String(60 * 2 ** 20) },
      stream,
    );
    expect(response.status).toBe(401);
    expect((await refusalOf(response)).code).toBe('UNAUTHORIZED');
    expect(state.pulls).toBe(0);
  });

  it('answers a Content-Length over the route’s limit 413 without reading the body', async () => {
    const over = limits.submission + 1;
    const { stream, state } = watchedBody(over);
    const response = await restPost(
      {
        'content-type': 'application/json',
        'content-length': String(over),
        authorization: `Bearer ${token}`,
      },
      stream,
    );
    expect(response.status).toBe(413);
    const error = await refusalOf(response);
    expect(error).toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
    expect(error.message).toContain('over 64 MiB');
    expect(state.pulls).toBe(0);
  });

  it('cuts a body sent without a length off at the limit', async () => {
    const { stream, state } = watchedBody(limits.submission + 8 * 2 ** 20);
    const response = await restPost(
      { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      stream,
    );
    expect(response.status).toBe(413);
    expect((await refusalOf(response)).code).toBe('PAYLOAD_TOO_LARGE');
    // Read up to the limit and one chunk past it, no further.
    expect(state.bytes).toBeLessThanOrEqual(limits.submission + 2 ** 20);
  });

  it('holds a submission to a submission’s size and everything else to a small one', () => {
    // Predictions up to 50 MB (core's schema), JSON-encoded, fit; a form's JSON is far smaller.
    expect(limits.submission).toBeGreaterThan(50_000_000 * 1.25);
    expect(limits.json).toBeLessThanOrEqual(2 ** 20);
  });
});

describe('tRPC mutations', () => {
  /** A call as the browser makes it (superjson's envelope), with these headers. */
  const call = (
    procedure: string,
    input: unknown,
    headers: Record<string, string>,
    method = 'POST',
  ) =>
    routes.trpc.POST(
      new Request(`${SITE}/api/trpc/${procedure}`, {
        method,
        headers,
        ...(method === 'POST' ? { body: JSON.stringify({ json: input }) } : {}),
      }),
    );
  const errorOf = async (response: Response) =>
    ((await response.json()) as { error: { json: { message: string; data: { code: string } } } })
      .error.json;
  const tokenCount = async () =>
    (
      await site.database.pool.query(
        'SELECT count(*)::int AS n FROM api_keys WHERE reference_id = $1',
        [userId],
      )
    ).rows[0].n as number;

  it('refuses a forged one in tRPC’s own shape, whatever its content type', async () => {
    const before = await tokenCount();
    for (const [why, headers, expected] of [
      [
        'text/plain from another port',
        { 'content-type': 'text/plain', origin: 'http://127.0.0.1:8080', cookie },
        /content-type: application\/json, not "text\/plain"/,
      ],
      [
        'a form from another port',
        {
          'content-type': 'multipart/form-data; boundary=x',
          origin: 'http://127.0.0.1:8080',
          cookie,
        },
        /not "multipart\/form-data"/,
      ],
      [
        'JSON from another port',
        { 'content-type': 'application/json', origin: 'http://127.0.0.1:8080', cookie },
        /own pages/,
      ],
    ] as const) {
      const response = await call('tokens.create', { name: 'forged' }, headers);
      expect(response.status, why).toBe(403);
      const error = await errorOf(response);
      expect(error.data.code, why).toBe('FORBIDDEN');
      expect(error.message, why).toMatch(expected);
    }
    expect(await tokenCount()).toBe(before);
  });

  it('accepts one from the site’s own pages', async () => {
    const before = await tokenCount();
    const response = await call(
      'tokens.create',
      { name: 'from-the-site' },
      { 'content-type': 'application/json', origin: SITE, cookie },
    );
    expect(response.status).toBe(200);
    expect(await tokenCount()).toBe(before + 1);
  });

  it('leaves reads alone, from wherever they come', async () => {
    const response = await routes.trpc.GET(
      new Request(`${SITE}/api/trpc/accounts.me`, {
        headers: { origin: 'https://evil.example', cookie },
      }),
    );
    expect(response.status).toBe(200);
  });

  it('answers an anonymous one 401 without reading its body', async () => {
    const { stream, state } = watchedBody(60 * 2 ** 20);
    const response = await routes.trpc.POST(
      new Request(`${SITE}/api/trpc/submissions.create`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': String(60 * 2 ** 20) },
        body: stream,
        duplex: 'half',
      } as RequestInit),
    );
    expect(response.status).toBe(401);
    expect((await errorOf(response)).data.code).toBe('UNAUTHORIZED');
    expect(state.pulls).toBe(0);
  });

  it('holds each procedure’s body to its limit, declared or streamed', async () => {
    const signedIn = { 'content-type': 'application/json', origin: SITE, cookie };
    const post = (procedure: string, headers: Record<string, string>, size: number) => {
      const watched = watchedBody(size);
      const response = routes.trpc.POST(
        new Request(`${SITE}/api/trpc/${procedure}`, {
          method: 'POST',
          headers,
          body: watched.stream,
          duplex: 'half',
        } as RequestInit),
      );
      return { response, state: watched.state };
    };
    // Declared: refused unread, at a small form's limit or a submission's.
    for (const [procedure, limit] of [
      ['tokens.revoke', limits.json],
      ['submissions.create', limits.submission],
    ] as const) {
      const { response, state } = post(
        procedure,
        { ...signedIn, 'content-length': String(limit + 1) },
        limit + 1,
      );
      expect((await response).status, procedure).toBe(413);
      expect(state.pulls, procedure).toBe(0);
    }
    // Streamed: cut off at the limit.
    const { response, state } = post('tokens.revoke', signedIn, 4 * 2 ** 20);
    const refused = await response;
    expect(refused.status).toBe(413);
    expect((await errorOf(refused)).message).toContain('over 1 MiB');
    expect(state.bytes).toBeLessThanOrEqual(2 * 2 ** 20);
  });

  it('all need an account, so an anonymous one is refused at the door', async () => {
    const { appRouter } = await import('../../src/server/routers');
    // Every procedure by its dotted path (tRPC keeps them flat beside the nested record).
    const procedures = appRouter._def.procedures as unknown as Record<
      string,
      { _def: { type: string } }
    >;
    const mutations = Object.entries(procedures)
      .filter(([, procedure]) => procedure._def.type === 'mutation')
      .map(([path]) => path);
    expect(mutations).toContain('submissions.create');
    for (const path of mutations) {
      const procedure = path
        .split('.')
        .reduce<unknown>(
          (node, key) => (node as Record<string, unknown>)[key],
          site.caller(null),
        ) as (input: unknown) => Promise<unknown>;
      await expect(procedure({}), path).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    }
  });
});

describe('better-auth’s routes', () => {
  it('hold a form to a small size, before better-auth reads it', async () => {
    const { stream, state } = watchedBody(60 * 2 ** 20);
    const response = await routes.auth.POST(
      new Request(`${SITE}/api/auth/sign-up/email`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': String(60 * 2 ** 20) },
        body: stream,
        duplex: 'half',
      } as RequestInit),
    );
    expect(response.status).toBe(413);
    expect((await refusalOf(response)).code).toBe('PAYLOAD_TOO_LARGE');
    expect(state.pulls).toBe(0);
  });

  it('cut a form sent without a length off at the limit', async () => {
    const { stream, state } = watchedBody(60 * 2 ** 20);
    const response = await routes.auth.POST(
      new Request(`${SITE}/api/auth/sign-up/email`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: stream,
        duplex: 'half',
      } as RequestInit),
    );
    expect(response.status).toBe(413);
    expect((await refusalOf(response)).code).toBe('PAYLOAD_TOO_LARGE');
    expect(state.bytes).toBeLessThanOrEqual(limits.json + 2 ** 20);
  });
});
