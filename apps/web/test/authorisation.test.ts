import { createSubmission, registerModel, users } from '@linkboard/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { admin, alice, bob, openTestSite, type TestViewer } from './site';

// A small quota to test.
let site: Awaited<ReturnType<typeof openTestSite>>;
let database: Awaited<ReturnType<typeof openTestSite>>['database'];
let versionId: number;
beforeAll(async () => {
  site = await openTestSite('web-test', {
    LINKBOARD_DAILY_QUOTA: '3',
    LINKBOARD_DAILY_CONNECTION_TESTS: '2',
  });
  ({ database, versionId } = site);
});
afterAll(() => database.drop());

const caller = (viewer: TestViewer | null) => site.caller(viewer);

async function aliceSubmission(visibility: 'public' | 'private' = 'public') {
  const modelId = await registerModel(database.db, {
    name: `alice-${Math.random()}`,
    ownerId: alice.id,
  });
  const { submissionId } = await createSubmission(database.db, {
    modelId,
    benchmarkVersionId: versionId,
    adapterConfig: { adapter: 'builtin', name: 'random' },
    shots: [2],
    policies: ['lcl'],
    ownerId: alice.id,
    visibility,
  });
  return submissionId;
}

const endpointSubmission = (name = 'alice <script>x</script>') => ({
  benchmark: site.benchmark,
  name,
  kind: 'endpoint' as const,
  endpoint: 'http://127.0.0.1:9/v1',
  model: 'm',
  apiKey: 'sk-secret',
  shots: [2],
  policies: ['lcl' as const],
});

describe('every mutation: anonymous → 401, another user → 403', () => {
  it.each([
    [
      'submissions.cancel',
      (c: ReturnType<typeof caller>, id: number) => c.submissions.cancel({ id }),
    ],
    [
      'submissions.retry',
      (c: ReturnType<typeof caller>, id: number) => c.submissions.retry({ id }),
    ],
    [
      'submissions.rerunErrors',
      (c: ReturnType<typeof caller>, id: number) => c.submissions.rerunErrors({ id }),
    ],
    [
      'submissions.publish',
      (c: ReturnType<typeof caller>, id: number) => c.submissions.publish({ id }),
    ],
    [
      'submissions.withdraw (admins only)',
      (c: ReturnType<typeof caller>, id: number) => c.submissions.withdraw({ id }),
    ],
  ])('%s', async (_name, call) => {
    const id = await aliceSubmission();
    await expect(call(caller(null), id)).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    await expect(call(caller(bob), id)).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(call(caller(admin), id)).resolves.toBeDefined();
  });

  it.each([
    ['cancel', (c: ReturnType<typeof caller>, id: number) => c.submissions.cancel({ id })],
    ['retry', (c: ReturnType<typeof caller>, id: number) => c.submissions.retry({ id })],
    ['publish', (c: ReturnType<typeof caller>, id: number) => c.submissions.publish({ id })],
  ])(
    'submissions.%s of another’s private submission → 404, as for a missing id',
    async (_name, call) => {
      const id = await aliceSubmission('private');
      const missing = 2_000_000_000;
      const refusal = await call(caller(bob), id).catch(
        (e: { code: string; message: string }) => e,
      );
      const absent = await call(caller(bob), missing).catch(
        (e: { code: string; message: string }) => e,
      );
      expect(refusal).toMatchObject({ code: 'NOT_FOUND', message: `submission ${id} not found` });
      expect(absent).toMatchObject({
        code: 'NOT_FOUND',
        message: `submission ${missing} not found`,
      });
      await expect(call(caller(null), id)).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
      await expect(call(caller(alice), id)).resolves.toBeDefined();
      await expect(call(caller(admin), id)).resolves.toBeDefined();
    },
  );

  it('submissions.create and tokens need a session; a token is revoked only by its owner', async () => {
    await expect(caller(null).submissions.create(endpointSubmission())).rejects.toMatchObject({
      code: 'UNAUTHORIZED',
    });
    await expect(caller(null).tokens.create({ name: 'cli' })).rejects.toMatchObject({
      code: 'UNAUTHORIZED',
    });
    await expect(caller(null).tokens.list()).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    const token = await caller(alice).tokens.create({ name: 'cli' });
    expect(token.token).toMatch(/^lb_/);
    await expect(caller(null).tokens.revoke({ id: token.id })).rejects.toMatchObject({
      code: 'UNAUTHORIZED',
    });
    await expect(caller(bob).tokens.revoke({ id: token.id })).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
    await expect(caller(alice).tokens.revoke({ id: token.id })).resolves.toEqual({ revoked: true });
  });

  it('connection tests: a session to start one, its owner to read it; off every list and outside the quota', async () => {
    const probe = { benchmark: site.benchmark, endpoint: 'http://127.0.0.1:9/v1', model: 'm' };
    await expect(caller(null).submissions.testConnection(probe)).rejects.toMatchObject({
      code: 'UNAUTHORIZED',
    });
    const { id } = await caller(alice).submissions.testConnection(probe);
    await expect(caller(null).submissions.probe({ id })).rejects.toMatchObject({
      code: 'UNAUTHORIZED',
    });
    // Another's connection test is as unknown as a missing one.
    await expect(caller(bob).submissions.probe({ id })).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
    await expect(caller(alice).submissions.probe({ id })).resolves.toMatchObject({
      status: 'queued',
      answer: null,
    });
    await expect(caller(bob).submissions.byId({ id })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    const { rows } = await database.pool.query(
      'SELECT total_episodes FROM submissions WHERE id = $1',
      [id],
    );
    expect(rows[0].total_episodes).toBe(1);
  });

  it('an API token signs the CLI in as its owner, until revoked', async () => {
    const { id, token } = await caller(alice).tokens.create({ name: 'cli' });
    const viewer = await site.trpc.createContext({
      headers: new Headers({ authorization: `Bearer ${token}` }),
    });
    expect(viewer.viewer).toEqual({ ...alice, via: 'token', scopes: ['read', 'submit'] });
    await caller(alice).tokens.revoke({ id });
    const after = await site.trpc.createContext({
      headers: new Headers({ authorization: `Bearer ${token}` }),
    });
    expect(after.viewer).toBeNull();
  });
});

describe('submissions through the site', () => {
  it('stores the key encrypted, never returns it, and shows markup in names as data', async () => {
    const { id } = await caller(bob).submissions.create(endpointSubmission());
    const shown = await caller(null).submissions.byId({ id });
    expect(shown.model).toBe('alice <script>x</script>');
    expect(JSON.stringify(shown)).not.toContain('sk-secret');
    const { rows } = await database.pool.query('SELECT secret FROM submissions WHERE id = $1', [
      id,
    ]);
    expect(rows[0].secret).toMatch(/^v1\./);
    expect(rows[0].secret).not.toContain('sk-secret');
  });

  it('keeps a private submission to its owner (and admins) until published', async () => {
    const id = await aliceSubmission('private');
    await expect(caller(null).submissions.byId({ id })).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
    await expect(caller(bob).submissions.byId({ id })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(caller(alice).submissions.byId({ id })).resolves.toMatchObject({
      visibility: 'private',
    });
    await caller(alice).submissions.publish({ id });
    await expect(caller(bob).submissions.byId({ id })).resolves.toMatchObject({
      visibility: 'public',
    });
    await caller(admin).submissions.withdraw({ id });
    await expect(caller(alice).submissions.byId({ id })).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
    await expect(caller(alice).submissions.publish({ id })).rejects.toMatchObject({
      code: 'FORBIDDEN',
    });
  });

  it('refuses bad predictions with their line, and enforces the daily quota', async () => {
    const carol = { id: 'user-carol', role: 'submitter' as const, via: 'session' as const };
    await database.db
      .insert(users)
      .values({ id: carol.id, name: 'Carol', email: 'carol@example.com' });
    await expect(
      caller(carol).submissions.create({
        ...endpointSubmission(),
        kind: 'predictions',
        predictions: '{"episode_id":"nope","answer":"x"}',
      }),
    ).rejects.toThrow(/predictions\.jsonl:1: unknown episode_id "nope"/);
    // A refused submission does not count; the quota is 3 a day.
    // Six at once: the count and the insert share a transaction, so exactly three get through.
    const attempts = await Promise.allSettled(
      Array.from({ length: 6 }, () =>
        caller(carol).submissions.create(endpointSubmission('carol-model')),
      ),
    );
    expect(attempts.filter((a) => a.status === 'fulfilled')).toHaveLength(3);
    for (const refused of attempts.filter((a) => a.status === 'rejected'))
      expect((refused as PromiseRejectedResult).reason).toMatchObject({
        code: 'TOO_MANY_REQUESTS',
      });
    // Connection tests have their own allowance (2 here), and do not use the submissions'.
    const probe = { benchmark: site.benchmark, endpoint: 'http://127.0.0.1:9/v1', model: 'm' };
    await caller(carol).submissions.testConnection(probe);
    await caller(carol).submissions.testConnection(probe);
    await expect(caller(carol).submissions.testConnection(probe)).rejects.toMatchObject({
      code: 'TOO_MANY_REQUESTS',
    });
  });

  it('keeps private work private through every read that takes a submission id', async () => {
    const secret = await aliceSubmission('private');
    const open = await aliceSubmission('public');
    // An episode as a runner would have stored it.
    const episodeId = 'episode-for-visibility';
    await database.pool.query(
      `INSERT INTO episodes (id, benchmark_version_id, query_image, concept_id, shots, draw, policy, support, prompt_text, demo_hash)
       SELECT $1, $2, 'q', c.id, 2, 1, 'lcl', '[]', 'p', 'h' FROM concepts c JOIN pairs p ON p.id = c.pair_id
       WHERE p.benchmark_version_id = $2 LIMIT 1`,
      [episodeId, versionId],
    );
    for (const viewer of [null, bob]) {
      const c = caller(viewer);
      await expect(c.episodes.byId({ id: episodeId, submission: secret })).rejects.toMatchObject({
        code: 'NOT_FOUND',
      });
      await expect(c.episodes.compare({ a: open, b: secret })).rejects.toMatchObject({
        code: 'NOT_FOUND',
      });
      await expect(c.episodes.compare({ a: secret, b: secret })).rejects.toMatchObject({
        code: 'NOT_FOUND',
      });
      // Overlays of what the viewer may not see are left out of the chart.
      expect(await c.leaderboard.curves({ ids: [secret] })).toEqual([]);
      const queued = (await c.submissions.queue()).find((q) => q.id === secret);
      expect(queued?.model).toBeNull();
    }
    await expect(caller(null).episodes.byId({ id: episodeId })).resolves.toBeDefined();
    await expect(
      caller(alice).episodes.byId({ id: episodeId, submission: secret }),
    ).resolves.toMatchObject({ id: episodeId });
    await expect(caller(alice).episodes.compare({ a: open, b: secret })).resolves.toMatchObject({
      disagreementCount: 0,
    });
    expect((await caller(alice).submissions.queue()).find((q) => q.id === secret)?.model).toMatch(
      /^alice-/,
    );
  });

  it('gives a model name to its first owner: no results under another account’s name', async () => {
    const dave = { id: 'user-dave', role: 'submitter' as const, via: 'session' as const };
    const erin = { id: 'user-erin', role: 'submitter' as const, via: 'session' as const };
    await database.db.insert(users).values([
      { id: dave.id, name: 'Dave', email: 'dave@example.com' },
      { id: erin.id, name: 'Erin', email: 'erin@example.com' },
    ]);
    await caller(dave).submissions.create(endpointSubmission('dave-vlm'));
    await expect(
      caller(erin).submissions.create(endpointSubmission('dave-vlm')),
    ).rejects.toMatchObject({ code: 'CONFLICT' });
    // Its owner may submit under it again.
    await expect(
      caller(dave).submissions.create(endpointSubmission('dave-vlm')),
    ).resolves.toBeDefined();
    // The platform's baselines are nobody's account: their names are taken too.
    await registerModel(database.db, { name: 'random' });
    await expect(
      caller(erin).submissions.create(endpointSubmission('random')),
    ).rejects.toMatchObject({ code: 'CONFLICT' });
  });

  it.each([
    ['a policy twice (the same episodes asked again)', { policies: ['lcl', 'lcl'] }],
    ['a shot count twice', { shots: [2, 2] }],
    ['a javascript: endpoint', { endpoint: 'javascript:alert(1)' }],
    ['a file: endpoint', { endpoint: 'file:///etc/passwd' }],
    ['credentials in the endpoint URL', { endpoint: 'https://user:pass@example.com/v1' }],
  ])('refuses %s before creating anything', async (_why, change) => {
    const before = (await database.pool.query('SELECT count(*)::int AS n FROM submissions')).rows[0]
      .n;
    await expect(
      caller(bob).submissions.create({ ...endpointSubmission('bob-bounds'), ...change } as never),
    ).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    expect(
      (await database.pool.query('SELECT count(*)::int AS n FROM submissions')).rows[0].n,
    ).toBe(before);
  });

  it('lets an API token submit, but not manage tokens (a leaked one could mint its successor)', async () => {
    const viaToken = { ...alice, via: 'token' as const, scopes: ['read', 'submit'] as const };
    for (const call of [
      () => caller(viaToken).tokens.create({ name: 'next' }),
      () => caller(viaToken).tokens.list(),
      () => caller(viaToken).tokens.revoke({ id: 'any' }),
    ])
      await expect(call()).rejects.toMatchObject({ code: 'FORBIDDEN' });
  });
});

describe('ids in reads', () => {
  it.each([
    [
      'leaderboard.rows',
      (c: ReturnType<typeof caller>) => c.leaderboard.rows({ benchmarkVersionId: 1e15 }),
    ],
    ['submissions.byId', (c: ReturnType<typeof caller>) => c.submissions.byId({ id: 2 ** 31 })],
    [
      'episodes.compare',
      (c: ReturnType<typeof caller>) => c.episodes.compare({ a: 1, b: 99_999_999_999 }),
    ],
    [
      'leaderboard.curves (too many overlays)',
      (c: ReturnType<typeof caller>) =>
        c.leaderboard.curves({ ids: Array.from({ length: 21 }, (_, i) => i + 1) }),
    ],
  ])('%s: beyond what a row can have → 400, not a failed query', async (_name, call) => {
    await expect(call(caller(null))).rejects.toMatchObject({ code: 'BAD_REQUEST' });
  });
});

describe('my submissions', () => {
  it('are listed for their owner only, and need a signed-in viewer', async () => {
    const id = await aliceSubmission('private');
    expect((await caller(alice).submissions.mine()).map((s) => s.id)).toContain(id);
    expect((await caller(bob).submissions.mine()).map((s) => s.id)).not.toContain(id);
    await expect(caller(null).submissions.mine()).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
  });
});

describe('re-scoring', () => {
  it('is for admins, on finished submissions', async () => {
    const id = await aliceSubmission();
    await expect(caller(alice).submissions.rescore({ id })).rejects.toMatchObject({
      code: 'FORBIDDEN',
    });
    await expect(caller(admin).submissions.rescore({ id })).rejects.toMatchObject({
      code: 'CONFLICT',
    });
    await database.pool.query(`UPDATE submissions SET status = 'done' WHERE id = $1`, [id]);
    expect(await caller(admin).submissions.rescore({ id })).toMatchObject({ results: 0 });
  });
});
