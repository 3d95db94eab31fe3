import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ApiErrorSchema } from '@linkboard/core';
import { createRunnerToken, createSubmission } from '@linkboard/db';
import { NextRequest } from 'next/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alice, bob, openTestSite, signUpSession, type TestViewer } from './site';

// The attack corpus (corpus/attacks at the repository root), as the site answers it.
const CORPUS = path.join(import.meta.dirname, '..', '..', '..', 'corpus', 'attacks');
const load = <T>(name: string) =>
  (JSON.parse(readFileSync(path.join(CORPUS, `${name}.json`), 'utf8')) as { cases: T[] }).cases;

const SITE = 'http://127.0.0.1:3000';
let site: Awaited<ReturnType<typeof openTestSite>>;
beforeAll(async () => {
  site = await openTestSite('corpus', { LINKBOARD_DAILY_QUOTA: '1000', BETTER_AUTH_URL: SITE });
});
afterAll(() => site.database.drop());
const caller = (viewer: TestViewer | null) => site.caller(viewer);
const count = async () =>
  (await site.database.pool.query('SELECT count(*)::int AS n FROM submissions')).rows[0]
    .n as number;

interface SiteInput {
  case: string;
  change: Record<string, unknown>;
  code: string;
  message: string;
}
describe('attack corpus: site inputs', () => {
  it.each(load<SiteInput>('site-inputs').map((c) => [c.case, c] as const))('%s', async (_n, c) => {
    const change = Object.fromEntries(
      Object.entries(c.change).map(([k, v]) => [
        k,
        v === '@long' ? 'x'.repeat(10_000) : (v ?? undefined),
      ]),
    );
    const before = await count();
    await expect(
      caller(alice).submissions.create({
        benchmark: site.benchmark,
        name: `corpus-${Math.random()}`,
        kind: 'endpoint',
        endpoint: 'http://127.0.0.1:9/v1',
        model: 'm',
        shots: [2],
        policies: ['lcl'],
        ...change,
      } as never),
    ).rejects.toMatchObject({
      code: c.code,
      message: expect.stringMatching(new RegExp(c.message)),
    });
    expect(await count()).toBe(before);
  });
});

interface ForeignMutation {
  case: string;
  mutation: string;
  target: string;
  viewer: 'anonymous' | 'bob';
  code: string;
}
describe('attack corpus: foreign mutations', () => {
  it.each(load<ForeignMutation>('foreign-mutations').map((c) => [c.case, c] as const))(
    '%s',
    async (_n, c) => {
      const owned = async (visibility: 'public' | 'private', probe = false) =>
        (
          await createSubmission(site.database.db, {
            model: { name: `alice-${Math.random()}`, ownerId: alice.id },
            benchmarkVersionId: site.versionId,
            adapterConfig: { adapter: 'openai', endpoint: 'http://127.0.0.1:9/v1', model: 'm' },
            probe,
            shots: [2],
            policies: ['lcl'],
            ownerId: alice.id,
            visibility: probe ? 'withdrawn' : visibility,
          })
        ).submissionId;
      const id =
        c.target === 'public' || c.target === 'private'
          ? await owned(c.target)
          : c.target === 'probe'
            ? await owned('private', true)
            : c.target === 'token'
              ? (await caller(alice).tokens.create({ name: 'mine' })).id
              : 987_654;
      const as = caller(c.viewer === 'bob' ? bob : null);
      // Submissions have numeric ids, API keys better-auth's text ones.
      const row = Number(id);
      const call = {
        cancel: () => as.submissions.cancel({ id: row }),
        retry: () => as.submissions.retry({ id: row }),
        publish: () => as.submissions.publish({ id: row }),
        withdraw: () => as.submissions.withdraw({ id: row }),
        probe: () => as.submissions.probe({ id: row }),
        revokeToken: () => as.tokens.revoke({ id: String(id) }),
      }[c.mutation] as () => Promise<unknown>;
      await expect(call()).rejects.toMatchObject({ code: c.code });
    },
  );
});

interface PageParam {
  case: string;
  url: string;
  status: number | null;
  message: string | null;
}
describe('attack corpus: page parameters', () => {
  it.each(load<PageParam>('page-params').map((c) => [c.case, c] as const))('%s', async (_n, c) => {
    const { proxy } = await import('../src/proxy');
    const response = proxy(new NextRequest(`http://site${c.url}`));
    if (c.status === null) {
      expect(response.headers.get('x-middleware-next')).toBe('1');
    } else {
      expect(response.status).toBe(c.status);
      expect(await response.text()).toMatch(new RegExp(c.message as string));
    }
  });
});

interface RequestCase {
  case: string;
  path: string;
  method?: 'GET' | 'POST';
  as: 'anonymous' | 'cookie' | 'token' | 'runner';
  headers: Record<string, string>;
  body?: unknown;
  bodyText?: string;
  /** A Content-Length with a body behind it that nobody should read. */
  declaredLength?: number;
  status: number;
  message: string;
}
describe('attack corpus: requests', () => {
  // Who sends them: a session signed up through better-auth, alice's API token, a runner token.
  const credentials: Record<RequestCase['as'], Record<string, string>> = {
    anonymous: {},
    cookie: {},
    token: {},
    runner: {},
  };
  const routes: [string, () => Promise<(request: Request) => Promise<Response>>][] = [
    ['/api/v1/submissions', async () => (await import('../src/app/api/v1/submissions/route')).POST],
    ['/api/v1/leaderboard', async () => (await import('../src/app/api/v1/leaderboard/route')).GET],
    [
      '/api/v1/runner/',
      async () => (await import('../src/app/api/v1/runner/[...path]/route')).POST,
    ],
    ['/api/auth/', async () => (await import('../src/app/api/auth/[...all]/route')).POST],
  ];
  beforeAll(async () => {
    credentials.cookie = {
      cookie: (await signUpSession(SITE, 'Carol', 'carol@example.com')).cookie,
    };
    const { token } = await site.caller(alice).tokens.create({ name: 'corpus' });
    credentials.token = { authorization: `Bearer ${token}` };
    const runner = await createRunnerToken(site.database.db, 'corpus-lab');
    credentials.runner = { authorization: `Bearer ${runner.token}` };
  });

  it.each(load<RequestCase>('requests').map((c) => [c.case, c] as const))('%s', async (_n, c) => {
    const route = routes.find(([prefix]) => c.path.startsWith(prefix));
    if (!route) throw new Error(`${c.case}: no route serves ${c.path}`);
    const handle = await route[1]();
    let read = false;
    const body =
      c.declaredLength !== undefined
        ? new ReadableStream(
            {
              pull(controller) {
                read = true;
                controller.close();
              },
            },
            // Pulled only when someone reads it.
            { highWaterMark: 0 },
          )
        : (c.bodyText ?? (c.body === undefined ? undefined : JSON.stringify(c.body)));
    const before = await count();
    const response = await handle(
      new Request(`${SITE}${c.path}`, {
        method: c.method ?? 'POST',
        headers: {
          ...c.headers,
          ...credentials[c.as],
          ...(c.declaredLength !== undefined && { 'content-length': String(c.declaredLength) }),
        },
        body,
        ...(body instanceof ReadableStream && { duplex: 'half' }),
      } as RequestInit),
    );
    expect(response.status).toBe(c.status);
    const { error } = ApiErrorSchema.parse(await response.json());
    expect(error.message).toMatch(new RegExp(c.message));
    // Refused before anything was read or stored.
    expect(read).toBe(false);
    expect(await count()).toBe(before);
  });
});
