import { ApiErrorSchema, SITE_API } from '@linkboard/core';
import { createRunnerToken, createSubmission, registerModel } from '@linkboard/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alice, openTestSite } from '../site';

// A request that presents a token the site does not know (revoked, mistyped, a runner's) is told
// so on every REST route, before anything else: not "sign in first", not a 404 for the sender's
// own private submission (what the Python client's README promises: AuthenticationError, 401).

let site: Awaited<ReturnType<typeof openTestSite>>;
let token: string;
let revoked: string;
let privateId: number;
beforeAll(async () => {
  site = await openTestSite('token-test');
  ({ token } = await site.caller(alice).tokens.create({ name: 'script' }));
  const old = await site.caller(alice).tokens.create({ name: 'old' });
  await site.caller(alice).tokens.revoke({ id: old.id });
  revoked = old.token;
  const { db } = site.database;
  ({ submissionId: privateId } = await createSubmission(db, {
    modelId: await registerModel(db, { name: 'alice-private', ownerId: alice.id }),
    benchmarkVersionId: site.versionId,
    adapterConfig: { adapter: 'builtin', name: 'random' },
    shots: [2],
    policies: ['lcl'],
    visibility: 'private',
    ownerId: alice.id,
  }));
});
afterAll(() => site.database.drop());

type Handler = (request: Request) => Promise<Response>;
const route = async (path: string): Promise<Record<string, Handler>> =>
  import(`../../src/app/api/${path}/route`);

/** Every REST route, with a request that is well formed but for its token. */
const routes = (): [string, string, () => Promise<Handler>, string][] => [
  ['GET', SITE_API.benchmarks, () => route('v1/benchmarks').then((r) => r.GET as Handler), ''],
  ['GET', SITE_API.leaderboard, () => route('v1/leaderboard').then((r) => r.GET as Handler), ''],
  ['GET', SITE_API.ranked, () => route('v1/ranked').then((r) => r.GET as Handler), ''],
  ['GET', '/api/v1/traits', () => route('v1/traits').then((r) => r.GET as Handler), ''],
  [
    'GET',
    `/api/v1/submissions/${privateId}`,
    () => route('v1/submissions/[id]').then((r) => r.GET as Handler),
    '',
  ],
  [
    'GET',
    SITE_API.answers(privateId),
    () => route('v1/submissions/[id]/answers.jsonl').then((r) => r.GET as Handler),
    '',
  ],
  [
    'POST',
    SITE_API.submissions,
    () => route('v1/submissions').then((r) => r.POST as Handler),
    '{"name":"x"}',
  ],
  [
    'POST',
    '/api/v1/submissions/estimate',
    () => route('v1/submissions/estimate').then((r) => r.POST as Handler),
    '{"name":"x"}',
  ],
  ['GET', '/api/export', () => route('export').then((r) => r.GET as Handler), ''],
];

const send = async (
  method: string,
  path: string,
  handler: Handler,
  body: string,
  auth: string | null,
) =>
  handler(
    new Request(`http://site${path}`, {
      method,
      headers: {
        ...(body ? { 'content-type': 'application/json' } : {}),
        ...(auth ? { authorization: `Bearer ${auth}` } : {}),
      },
      ...(body ? { body } : {}),
    }),
  );

describe('a token the site does not know', () => {
  it('is a 401 "invalid or revoked token" on every REST route, reads and posts alike', async () => {
    for (const [method, path, load, body] of routes()) {
      const handler = await load();
      for (const [auth, said] of [
        ['lb_not-a-token-this-site-made', /^invalid or revoked token: /],
        [revoked, /^this API key was revoked: /],
        ['garbage', /^invalid or revoked token: /],
      ] as const) {
        const response = await send(method, path, handler, body, auth);
        expect(response.status, `${method} ${path} with ${auth}`).toBe(401);
        const { error } = ApiErrorSchema.parse(await response.json());
        expect(error.code).toBe('UNAUTHORIZED');
        expect(error.message, `${method} ${path}`).toMatch(said);
        expect(error.message).toContain('/tokens');
      }
    }
  });

  it('says so of a runner token, which opens the runner API only', async () => {
    const { token: runnerToken } = await createRunnerToken(site.database.db, 'token-test-lab');
    const handler = (await route('v1/submissions')).POST as Handler;
    const response = await send('POST', SITE_API.submissions, handler, '{}', runnerToken);
    expect(response.status).toBe(401);
    expect(ApiErrorSchema.parse(await response.json()).error.message).toMatch(
      /^invalid or revoked token: this is a runner token, which opens the runner API only/,
    );
  });

  it('leaves no token at all as it was: public reads answer, a private one is a 404, a post 401s', async () => {
    const ranked = (await route('v1/ranked')).GET as Handler;
    expect((await send('GET', SITE_API.ranked, ranked, '', null)).status).toBe(200);
    const status = (await route('v1/submissions/[id]')).GET as Handler;
    const path = `/api/v1/submissions/${privateId}`;
    expect((await send('GET', path, status, '', null)).status).toBe(404);
    const answers = (await route('v1/submissions/[id]/answers.jsonl')).GET as Handler;
    expect((await send('GET', SITE_API.answers(privateId), answers, '', null)).status).toBe(404);
    const post = (await route('v1/submissions')).POST as Handler;
    const anonymous = await send('POST', SITE_API.submissions, post, '{}', null);
    expect(anonymous.status).toBe(401);
    expect(ApiErrorSchema.parse(await anonymous.json()).error.message).toMatch(/^sign in first/);
    // And the owner's own token opens the private submission.
    expect((await send('GET', path, status, '', token)).status).toBe(200);
    expect((await send('GET', SITE_API.answers(privateId), answers, '', token)).status).toBe(200);
  });
});
