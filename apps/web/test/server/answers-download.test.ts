import { AnswerLineSchema, ApiErrorSchema, SITE_API } from '@linkboard/core';
import { fixtureManifest } from '@linkboard/core/testing';
import { createSubmission, registerModel } from '@linkboard/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { admin, alice, answerQueuedJob, bob, openTestSite } from '../site';

const BENCHMARK = 'download-test';
const spec = { shots: [2, 4], policies: ['lcl' as const], draws: 2 };

let site: Awaited<ReturnType<typeof openTestSite>>;
let GET: typeof import('../../src/app/api/v1/submissions/[id]/answers.jsonl/route').GET;
const tokens: Record<'alice' | 'bob' | 'admin', string> = { alice: '', bob: '', admin: '' };
beforeAll(async () => {
  site = await openTestSite(BENCHMARK);
  ({ GET } = await import('../../src/app/api/v1/submissions/[id]/answers.jsonl/route'));
  for (const [name, viewer] of [
    ['alice', alice],
    ['bob', bob],
    ['admin', admin],
  ] as const)
    tokens[name] = (await site.caller(viewer).tokens.create({ name: 'script' })).token;
});
afterAll(() => site.database.drop());

/** Alice's submission with every episode answered (the label, or nothing every third time). */
async function finishedSubmission(model: string, visibility: 'public' | 'private') {
  const { db } = site.database;
  const manifest = fixtureManifest({ name: BENCHMARK, pairs: 1, supportPerConcept: 4 });
  const { submissionId } = await createSubmission(db, {
    modelId: await registerModel(db, { name: model, ownerId: alice.id }),
    benchmarkVersionId: site.versionId,
    adapterConfig: { adapter: 'builtin', name: 'random' },
    ...spec,
    visibility,
    ownerId: alice.id,
    shardSize: 10_000,
  });
  const { episodes } = await answerQueuedJob(db, {
    benchmarkVersionId: site.versionId,
    manifest,
    spec,
    answer: (episode, i) => (i % 3 === 0 ? null : episode.query.label),
  });
  return { submissionId, episodes };
}

const download = (id: number | string, token: string | null = null) =>
  GET(
    new Request(`http://site/api/v1/submissions/${id}/answers.jsonl`, {
      headers: token ? { authorization: `Bearer ${token}` } : {},
    }),
  );

describe('GET /api/v1/submissions/{id}/answers.jsonl', () => {
  it('streams one JSON line per answered episode, as core’s AnswerLineSchema, to anyone for a public submission', async () => {
    const { submissionId, episodes } = await finishedSubmission('public-model', 'public');
    expect(`http://site${SITE_API.answers(submissionId)}`).toBe(
      `http://site/api/v1/submissions/${submissionId}/answers.jsonl`,
    );
    const response = await download(submissionId);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/x-ndjson; charset=utf-8');
    expect(response.headers.get('content-disposition')).toBe(
      `attachment; filename="submission-${submissionId}-answers.jsonl"`,
    );
    const text = await response.text();
    expect(text.endsWith('\n')).toBe(true);
    const lines = text
      .trimEnd()
      .split('\n')
      .map((line) => AnswerLineSchema.parse(JSON.parse(line)));
    expect(lines).toHaveLength(episodes.length);
    expect(new Set(lines.map((l) => l.episode_id))).toEqual(new Set(episodes.map((e) => e.id)));
    // Each line names its version as the site and the API do, `name@version`.
    expect(new Set(lines.map((l) => l.benchmark))).toEqual(new Set([site.benchmark]));
    const errored = lines.filter((l) => l.raw_answer === null);
    expect(errored.length).toBe(Math.ceil(episodes.length / 3));
    for (const line of errored) expect(line.error).toBe('timeout');
    for (const line of lines.filter((l) => l.raw_answer !== null)) {
      expect(line.raw_answer).toBe(line.query.label);
      expect(line.verdicts?.map((v) => v.outcome)).toEqual(['correct', 'correct']);
    }
  });

  it('gives a private submission’s answers to its owner and admins; anyone else is told it does not exist', async () => {
    const { submissionId, episodes } = await finishedSubmission('private-model', 'private');
    const lineCount = async (response: Response) =>
      (await response.text()).trimEnd().split('\n').length;
    for (const token of [tokens.alice, tokens.admin]) {
      const response = await download(submissionId, token);
      expect(response.status).toBe(200);
      expect(await lineCount(response)).toBe(episodes.length);
    }
    // As the submission's page and status answer: a 404, the same as for an id that is not there,
    // so that nobody can probe for others' private work.
    for (const token of [null, tokens.bob]) {
      const response = await download(submissionId, token);
      expect(response.status).toBe(404);
      expect(response.headers.get('content-type')).toMatch(/^application\/json/);
      expect(ApiErrorSchema.parse(await response.json()).error).toEqual({
        code: 'NOT_FOUND',
        message: `submission ${submissionId} not found`,
      });
    }
    // A token the site does not know is told so (401), before anything of the submission.
    const unknown = await download(submissionId, 'lb_not-a-token');
    expect(unknown.status).toBe(401);
    expect(ApiErrorSchema.parse(await unknown.json()).error.message).toMatch(
      /^invalid or revoked token/,
    );
  });

  it('needs a key that may read: the owner’s submit-only key is refused the private answers, with nothing of them', async () => {
    const { submissionId, episodes } = await finishedSubmission('scoped-model', 'private');
    const submitOnly = (
      await site.caller(alice).tokens.create({ name: 'uploader', scopes: ['submit'] })
    ).token;
    const refused = await download(submissionId, submitOnly);
    expect(refused.status).toBe(403);
    const text = await refused.text();
    expect(ApiErrorSchema.parse(JSON.parse(text)).error.message).toMatch(
      /^this API key may submit, not read/,
    );
    for (const episode of episodes) expect(text).not.toContain(episode.id);
    // The same owner's key that may read downloads them.
    const reader = (await site.caller(alice).tokens.create({ name: 'reader', scopes: ['read'] }))
      .token;
    const allowed = await download(submissionId, reader);
    expect(allowed.status).toBe(200);
    expect((await allowed.text()).trimEnd().split('\n')).toHaveLength(episodes.length);
  });

  it('answers 404 for a submission that is not there and 400 for a path that names none', async () => {
    const missing = await download(999_999);
    expect(missing.status).toBe(404);
    expect(ApiErrorSchema.parse(await missing.json()).error.code).toBe('NOT_FOUND');
    for (const id of ['x1', '0', '99999999999']) {
      const bad = await download(id);
      expect(bad.status, id).toBe(400);
      expect(ApiErrorSchema.parse(await bad.json()).error.message).toBe(
        `"${id}" is not a submission id`,
      );
    }
  });

  it('is empty, not an error, for a submission with no answers yet', async () => {
    const { db } = site.database;
    const { submissionId } = await createSubmission(db, {
      modelId: await registerModel(db, { name: 'queued-model', ownerId: alice.id }),
      benchmarkVersionId: site.versionId,
      adapterConfig: { adapter: 'builtin', name: 'random' },
      ...spec,
      ownerId: alice.id,
    });
    const response = await download(submissionId);
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('');
  });
});
