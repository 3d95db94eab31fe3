import {
  ApiErrorSchema,
  BenchmarkListSchema,
  ClaimReplySchema,
  type CreateSubmissionBody,
  LeaderboardReplySchema,
  RUNNER_API,
  SITE_API,
  SubmissionCreatedSchema,
  SubmissionStatusSchema,
} from '@linkboard/core';
import { createRunnerToken } from '@linkboard/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { admin, alice, bob, openTestSite } from '../site';

let site: Awaited<ReturnType<typeof openTestSite>>;
let routes: {
  benchmarks: typeof import('../../src/app/api/v1/benchmarks/route');
  leaderboard: typeof import('../../src/app/api/v1/leaderboard/route');
  submissions: typeof import('../../src/app/api/v1/submissions/route');
  estimate: typeof import('../../src/app/api/v1/submissions/estimate/route');
  submission: typeof import('../../src/app/api/v1/submissions/[id]/route');
};
let token: string;
beforeAll(async () => {
  site = await openTestSite('api-test', { LINKBOARD_ALLOW_PRIVATE_ENDPOINTS: '1' });
  routes = {
    benchmarks: await import('../../src/app/api/v1/benchmarks/route'),
    leaderboard: await import('../../src/app/api/v1/leaderboard/route'),
    submissions: await import('../../src/app/api/v1/submissions/route'),
    estimate: await import('../../src/app/api/v1/submissions/estimate/route'),
    submission: await import('../../src/app/api/v1/submissions/[id]/route'),
  };
  ({ token } = await site.caller(alice).tokens.create({ name: 'script' }));
});
afterAll(() => site.database.drop());

const post = (body: unknown, auth: string | null = token) =>
  routes.submissions.POST(
    new Request(`http://site${SITE_API.submissions}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(auth ? { authorization: `Bearer ${auth}` } : {}),
      },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    }),
  );

const endpointSubmission = (): CreateSubmissionBody => ({
  benchmark: site.benchmark,
  name: 'api-model',
  kind: 'endpoint',
  endpoint: 'http://127.0.0.1:8000/v1',
  model: 'm',
  shots: [2],
  policies: ['lcl'],
});

/** A submission's body with no version named (the deprecated id is added to it). */
const withoutName = () => {
  const { benchmark: _, ...rest } = endpointSubmission();
  return rest;
};

describe('the public JSON API (v1)', () => {
  it('lists the benchmark versions in core’s schema, for anyone', async () => {
    const response = await routes.benchmarks.GET(new Request(`http://site${SITE_API.benchmarks}`));
    expect(response.status).toBe(200);
    const { benchmarks } = BenchmarkListSchema.parse(await response.json());
    expect(benchmarks).toEqual([
      expect.objectContaining({ benchmark: site.benchmark, name: 'api-test', pairs: 1 }),
    ]);
    // Its database id only for the deprecated benchmarkVersionId, for one release.
    expect(benchmarks[0]?.id).toBe(site.versionId);
    expect(benchmarks[0]!.manifestHash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('queues a submission as the token’s user: 201 with its id and episodes', async () => {
    const response = await post(endpointSubmission());
    expect(response.status).toBe(201);
    const created = SubmissionCreatedSchema.parse(await response.json());
    const detail = await site.caller(alice).submissions.byId({ id: created.id });
    expect(detail).toMatchObject({ model: 'api-model', ownerId: alice.id });
    expect(created.episodes).toBeGreaterThan(0);

    // What a client polls next.
    const poll = (id: string, auth: string | null = token) =>
      routes.submission.GET(
        new Request(`http://site/api/v1/submissions/${id}`, {
          headers: auth ? { authorization: `Bearer ${auth}` } : {},
        }),
      );
    const status = await poll(String(created.id));
    expect(status.status).toBe(200);
    expect(SubmissionStatusSchema.parse(await status.json())).toMatchObject({
      id: created.id,
      status: 'queued',
      done: 0,
      total: created.episodes,
      eta_seconds: null,
    });
    expect((await poll('x1')).status).toBe(400);
    expect((await poll('999999')).status).toBe(404);
  });

  it('takes generation settings, the official ones by default, and shows them (never the endpoint) in the detail', async () => {
    const plain = SubmissionCreatedSchema.parse(await (await post(endpointSubmission())).json());
    expect(await site.caller(alice).submissions.byId({ id: plain.id })).toMatchObject({
      generation: { maxTokens: 1024, temperature: 0, tokenLimitField: 'max_tokens' },
      maxImageSide: null,
    });
    const response = await post({
      ...endpointSubmission(),
      maxTokens: 4096,
      temperature: 0.3,
      tokenLimitField: 'max_completion_tokens',
      maxImageSide: 448,
    });
    expect(response.status).toBe(201);
    const created = SubmissionCreatedSchema.parse(await response.json());
    const detail = await site.caller(null).submissions.byId({ id: created.id });
    expect(detail).toMatchObject({
      generation: { maxTokens: 4096, temperature: 0.3, tokenLimitField: 'max_completion_tokens' },
      maxImageSide: 448,
    });
    expect(JSON.stringify(detail)).not.toContain('127.0.0.1:8000');
    const bad = await post({ ...endpointSubmission(), maxTokens: 0 });
    expect(bad.status).toBe(400);
    expect(ApiErrorSchema.parse(await bad.json()).error.message).toMatch(/^field maxTokens: /);
  });

  it('takes a model card, stores it with the model (the revision with the submission), and names a bad field', async () => {
    const card = {
      organisation: 'Acme',
      paramsB: 7.5,
      weights: 'open',
      licence: 'apache-2.0',
      baseModel: 'base-vlm',
      modelUrl: 'https://example.org/api-model',
      revision: 'abc123',
    } as const;
    const response = await post({ ...endpointSubmission(), name: 'carded-api-model', ...card });
    expect(response.status).toBe(201);
    const { id } = SubmissionCreatedSchema.parse(await response.json());
    expect((await site.caller(alice).submissions.byId({ id })).card).toEqual(card);
    for (const [bad, field] of [
      [{ modelUrl: 'javascript:alert(1)' }, 'modelUrl'],
      [{ licence: 'Apache License 2.0' }, 'licence'],
      [{ paramsB: 0 }, 'paramsB'],
      [{ weights: 'half' }, 'weights'],
    ] as const) {
      const refused = await post({ ...endpointSubmission(), name: 'carded-api-model', ...bad });
      expect(refused.status, field).toBe(400);
      expect(ApiErrorSchema.parse(await refused.json()).error.message, field).toMatch(
        new RegExp(`^field ${field}: `),
      );
    }
    // A refused submission changed nothing of the card.
    expect((await site.caller(alice).submissions.byId({ id })).card).toMatchObject({
      paramsB: 7.5,
      licence: 'apache-2.0',
    });
  });

  it('takes the deprecated benchmarkVersionId for one release, as the name it is', async () => {
    const response = await post({ ...withoutName(), benchmarkVersionId: site.versionId });
    expect(response.status).toBe(201);
    const { id } = SubmissionCreatedSchema.parse(await response.json());
    expect((await site.caller(alice).submissions.byId({ id })).benchmarkVersionId).toBe(
      site.versionId,
    );
    const estimate = await routes.estimate.POST(
      new Request(`http://site${SITE_API.estimate}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ ...withoutName(), benchmarkVersionId: site.versionId }),
      }),
    );
    expect(estimate.status).toBe(200);
  });

  it('answers every refusal as { error: { code, message } } with its HTTP status', async () => {
    const cases: [string, Response, number, string | RegExp][] = [
      ['no token', await post(endpointSubmission(), null), 401, 'UNAUTHORIZED'],
      ['a token that is not one', await post(endpointSubmission(), 'lb_nope'), 401, 'UNAUTHORIZED'],
      ['a body that is not JSON', await post('{"name":'), 400, 'the body is not JSON'],
      [
        'a field of the wrong type',
        await post({ ...endpointSubmission(), shots: 'two' }),
        400,
        /^field shots: /,
      ],
      [
        'an unknown scorer',
        await post({ ...endpointSubmission(), scorer: 'lenient' }),
        400,
        /field scorer: unknown scorer "lenient"; choose official, strict/,
      ],
      [
        'a benchmark version the site does not hold',
        await post({ ...endpointSubmission(), benchmark: 'api-test@9' }),
        404,
        `NOT_FOUND: benchmark api-test has no version "9" on this site; the benchmarks on this site are: ${site.benchmark}`,
      ],
      [
        'a malformed benchmark',
        await post({ ...endpointSubmission(), benchmark: 'api-test@' }),
        400,
        /^field benchmark: "api-test@" names no version after the @; write name@version/,
      ],
      [
        'a database id in its place',
        await post({ ...endpointSubmission(), benchmark: String(site.versionId) }),
        400,
        /^field benchmark: "\d+" is a number: a benchmark version is named, never by its database id/,
      ],
      [
        'the deprecated id of a version the site does not hold',
        await post({ ...withoutName(), benchmarkVersionId: 999_999 }),
        404,
        /^field benchmarkVersionId: benchmark version 999999 does not exist \(benchmarkVersionId is deprecated/,
      ],
      [
        'the deprecated id beside the name',
        await post({ ...endpointSubmission(), benchmarkVersionId: site.versionId }),
        400,
        /^field benchmarkVersionId: name the benchmark version once/,
      ],
    ];
    for (const [why, response, status, expected] of cases) {
      expect(response.status, why).toBe(status);
      const { error } = ApiErrorSchema.parse(await response.json());
      const said = `${error.code}: ${error.message}`;
      if (typeof expected === 'string') expect(said, why).toContain(expected);
      else expect(error.message, why).toMatch(expected);
    }
  });
});

describe('the board over the public API', () => {
  const board = (query: string) =>
    routes.leaderboard.GET(new Request(`http://site${SITE_API.leaderboard}?${query}`));

  it('gives a benchmark’s latest version, its ranked setting and the method, in core’s schema', async () => {
    const response = await board('benchmark=api-test');
    expect(response.status).toBe(200);
    const reply = LeaderboardReplySchema.parse(await response.json());
    expect(reply).toMatchObject({ benchmark: site.benchmark, policy: 'lcl', scorer: 'strict' });
    expect(reply).not.toHaveProperty('version');
    // By its one name, and by the deprecated separate version (for one release).
    const [, version] = site.benchmark.split('@');
    for (const query of [`benchmark=${site.benchmark}`, `benchmark=api-test&version=${version}`]) {
      const named = await board(query);
      expect(named.status, query).toBe(200);
      expect(LeaderboardReplySchema.parse(await named.json()).benchmark, query).toBe(
        site.benchmark,
      );
    }
    expect(reply.setting).toEqual({ shots: [2, 4, 8], draws: 2, policy: 'lcl', scorer: 'strict' });
    expect(reply.method).toMatch(/cluster-robust interval over pairs/);
    expect(reply.rows).toEqual([]);
  });

  it('says what is wrong with a query, and 404s a benchmark it does not hold', async () => {
    const cases: [string, number, RegExp][] = [
      ['', 400, /benchmark: /],
      ['benchmark=api-test&scorer=fuzzy', 400, /unknown scorer "fuzzy"; choose official, strict/],
      ['benchmark=api-test&policy=xyz', 400, /policy: /],
      [
        'benchmark=nope',
        404,
        /^benchmark: unknown benchmark "nope"; the benchmarks on this site are: api-test@/,
      ],
      [
        'benchmark=api-test@9',
        404,
        /^benchmark: benchmark api-test has no version "9" on this site/,
      ],
      ['benchmark=api-test&version=9', 404, /^benchmark: benchmark api-test has no version "9"/],
      ['benchmark=%40', 400, /^benchmark: "@" names no benchmark before the @/],
      ['benchmark=7', 400, /^benchmark: "7" is a number: a benchmark version is named/],
      ['benchmark=api-test@1&version=1', 400, /^version: name the version in benchmark alone/],
      ['benchmark=isekai-synth-ranked@1', 404, /is the ranked board .*GET \/api\/v1\/ranked/],
    ];
    for (const [query, status, message] of cases) {
      const response = await board(query);
      expect(response.status, query).toBe(status);
      expect(ApiErrorSchema.parse(await response.json()).error.message, query).toMatch(message);
    }
  });
});

describe('the runner API, as the site mounts it', () => {
  const claim = (auth: string | null) =>
    import('../../src/app/api/v1/runner/[...path]/route').then(({ POST }) =>
      POST(
        new Request(`http://site${RUNNER_API.claim}`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            ...(auth ? { authorization: `Bearer ${auth}` } : {}),
          },
          body: JSON.stringify({ worker: 'gpu-host:1', leaseMs: 60_000 }),
        }),
      ),
    );

  it('takes runner tokens only, and a runner token opens nothing else', async () => {
    const { token: runnerToken } = await createRunnerToken(site.database.db, 'web-test-lab');
    const granted = await claim(runnerToken);
    expect(granted.status).toBe(200);
    expect(ClaimReplySchema.parse(await granted.json())).toHaveProperty('lease');
    for (const auth of [token, null]) {
      const refused = await claim(auth);
      expect(refused.status).toBe(401);
      expect(ApiErrorSchema.parse(await refused.json()).error.code).toBe('UNAUTHORIZED');
    }
    // On the user API the runner token is nobody: submitting needs a user.
    const response = await post(endpointSubmission(), runnerToken);
    expect(response.status).toBe(401);
  });
});

describe('a run’s last error', () => {
  it('quotes the endpoint’s reply to the submission’s owner and admins only; anyone else sees its class and HTTP status', async () => {
    const { id } = SubmissionCreatedSchema.parse(await (await post(endpointSubmission())).json());
    const { pool } = site.database;
    const reply =
      'HTTP 400: {"error":"model m-secret-7 is not served here; ask ops@internal.example"}';
    const secret = /m-secret-7|ops@internal/;
    const classified = /^client-error \(HTTP 400\): \S/;
    const poll = async (auth: string | null) =>
      SubmissionStatusSchema.parse(
        await (
          await routes.submission.GET(
            new Request(`http://site/api/v1/submissions/${id}`, {
              headers: auth ? { authorization: `Bearer ${auth}` } : {},
            }),
          )
        ).json(),
      ).last_error;

    // Running, its job waiting to retry after the endpoint's reply, its runner's log quoting it.
    await pool.query(
      `UPDATE submissions SET status = 'running', visibility = 'public' WHERE id = $1`,
      [id],
    );
    await pool.query(
      `UPDATE jobs SET last_error = $2, error_class = 'client-error', run_after = now() + interval '1 day',
         run_info = $3, heartbeat_at = now() WHERE submission_id = $1`,
      [id, reply, JSON.stringify({ log: [`episode e1: client-error: ${reply}`] })],
    );
    for (const viewer of [null, bob]) {
      const status = await site.caller(viewer).submissions.status({ id });
      expect(status.lastError).toMatch(classified);
      expect(status.log).toEqual([]);
      expect(JSON.stringify(status)).not.toMatch(secret);
    }
    for (const viewer of [alice, admin]) {
      const status = await site.caller(viewer).submissions.status({ id });
      expect(status.lastError).toBe(reply);
      expect(status.log).toEqual([`episode e1: client-error: ${reply}`]);
    }
    expect(await poll(null)).toMatch(classified);
    expect(await poll(token)).toBe(reply);

    // Failed for good: the submission's own error, on its page and over the API.
    await pool.query(
      `UPDATE submissions SET status = 'failed', last_error = $2, finished_at = now() WHERE id = $1`,
      [id, `client-error: ${reply}`],
    );
    await pool.query(`UPDATE jobs SET status = 'failed' WHERE submission_id = $1`, [id]);
    for (const viewer of [null, bob]) {
      const detail = await site.caller(viewer).submissions.byId({ id });
      expect(detail.lastError).toMatch(classified);
      expect(JSON.stringify(detail)).not.toMatch(secret);
      expect((await site.caller(viewer).submissions.status({ id })).lastError).toMatch(classified);
    }
    for (const viewer of [alice, admin])
      expect((await site.caller(viewer).submissions.byId({ id })).lastError).toBe(
        `client-error: ${reply}`,
      );
    const anonymous = await poll(null);
    expect(anonymous).toMatch(classified);
    expect(anonymous).not.toMatch(secret);
    expect(await poll(token)).toBe(`client-error: ${reply}`);
  });
});
