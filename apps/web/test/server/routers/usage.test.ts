import { AnswerLineSchema, SubmissionStatusSchema } from '@linkboard/core';
import { fixtureManifest } from '@linkboard/core/testing';
import { createSubmission, registerModel } from '@linkboard/db';
import superjson from 'superjson';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alice, answerQueuedJob, bob, openTestSite } from '../../site';

const BENCHMARK = 'usage-test';
const spec = { shots: [2], policies: ['lcl' as const], draws: 1 };

let site: Awaited<ReturnType<typeof openTestSite>>;
let routes: {
  submission: typeof import('../../../src/app/api/v1/submissions/[id]/route');
  answers: typeof import('../../../src/app/api/v1/submissions/[id]/answers.jsonl/route');
};
beforeAll(async () => {
  site = await openTestSite(BENCHMARK);
  routes = {
    submission: await import('../../../src/app/api/v1/submissions/[id]/route'),
    answers: await import('../../../src/app/api/v1/submissions/[id]/answers.jsonl/route'),
  };
});
afterAll(() => site.database.drop());

const servedBy = {
  // A list of names and counts: a model may well be called `prototype` or `__proto__`.
  models: [
    { name: 'vlm-2025-01', answers: 3 },
    { name: 'prototype', answers: 1 },
  ],
  fingerprints: [{ name: 'fp_a', answers: 4 }],
  engine: { name: 'vllm', version: '0.11.0' },
};

/**
 * Alice's finished submission, its answers given 1,000 prompt and 10 completion tokens each, its
 * prices, cap, preflight and what answered stored as a runner records them.
 */
async function finishedSubmission(
  model: string,
  visibility: 'public' | 'private',
  priced: boolean,
) {
  const { db, pool } = site.database;
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
    answer: (episode) => episode.query.label,
  });
  await pool.query(
    'UPDATE results SET prompt_tokens = 1000, completion_tokens = 10 WHERE submission_id = $1',
    [submissionId],
  );
  await pool.query(
    `UPDATE submissions SET input_usd_per_mtok = $2, output_usd_per_mtok = $3, max_cost_usd = $4,
       preflight = $5, served_by = $6 WHERE id = $1`,
    [
      submissionId,
      priced ? 3 : null,
      priced ? 15 : null,
      priced ? 1 : null,
      {
        images: 3,
        latencyMs: 640,
        promptTokens: 1200,
        completionTokens: 3,
        model: 'vlm-2025-01',
        fingerprint: 'fp_a',
        at: '2026-03-01T10:00:00.000Z',
      },
      servedBy,
    ],
  );
  return { submissionId, episodes };
}

describe('what a run used, as the site tells it', () => {
  it('the page’s procedures carry usage, what answered and the preflight; the polled status too', async () => {
    const { submissionId, episodes } = await finishedSubmission('usage-model', 'public', true);
    const n = episodes.length;
    // answerQueuedJob gives the i-th answer a latency of 100 + i ms.
    const latencies = episodes.map((_, i) => 100 + i);
    const percentile = (p: number) => {
      const at = p * (n - 1);
      const low = Math.floor(at);
      return (
        latencies[low]! + (at - low) * ((latencies[low + 1] ?? latencies[low]!) - latencies[low]!)
      );
    };
    const usage = {
      answers: n,
      answersWithTokens: n,
      promptTokens: 1000 * n,
      completionTokens: 10 * n,
      latencyP50Ms: percentile(0.5),
      latencyP95Ms: expect.closeTo(percentile(0.95), 9),
      costUsd: expect.closeTo((1000 * n * 3 + 10 * n * 15) / 1e6, 12),
      prices: { inputUsdPerMTok: 3, outputUsdPerMTok: 15 },
      maxCostUsd: 1,
    };
    const anyone = site.caller(null);
    const detail = await anyone.submissions.byId({ id: submissionId });
    expect(detail.usage).toEqual(usage);
    expect(detail.servedBy).toEqual(servedBy);
    expect(detail.preflight).toMatchObject({ images: 3, latencyMs: 640, model: 'vlm-2025-01' });
    const status = await anyone.submissions.status({ id: submissionId });
    expect(status).toMatchObject({ status: 'done', servedBy, preflight: detail.preflight });
    // The page polls this over HTTP through tRPC's transformer, which refuses an object with a
    // property named `prototype`: the model names must travel as values (a list), not keys.
    expect(superjson.parse(superjson.stringify(status))).toEqual(status);
    expect(status.usage).toEqual(usage);
  });

  it('GET /api/v1/submissions/{id} carries it in core’s schema, and the download has each answer’s tokens', async () => {
    const { submissionId, episodes } = await finishedSubmission('rest-model', 'public', true);
    const n = episodes.length;
    const response = await routes.submission.GET(
      new Request(`http://site/api/v1/submissions/${submissionId}`),
    );
    expect(response.status).toBe(200);
    const text = await response.text();
    const body = SubmissionStatusSchema.parse(JSON.parse(text));
    expect(body.usage).toMatchObject({
      answers: n,
      answers_with_tokens: n,
      prompt_tokens: 1000 * n,
      completion_tokens: 10 * n,
      prices: { input_usd_per_mtok: 3, output_usd_per_mtok: 15 },
      max_cost_usd: 1,
    });
    expect(body.usage.cost_usd).toBeCloseTo((1000 * n * 3 + 10 * n * 15) / 1e6, 12);
    expect(body.usage.latency_p50_ms).toEqual(expect.any(Number));
    expect(body.served_by).toEqual(servedBy);
    expect(body.preflight).toEqual({
      images: 3,
      latency_ms: 640,
      prompt_tokens: 1200,
      completion_tokens: 3,
      model: 'vlm-2025-01',
      fingerprint: 'fp_a',
      at: '2026-03-01T10:00:00.000Z',
    });
    // Where the run was sent is not in it (nor, then, any key).
    expect(text).not.toMatch(/endpoint|adapter_config|secret/i);
    // Done: its accuracy per policy and shot count under its scorer, as its counts have it.
    const { rows: counted } = await site.database.pool.query(
      `SELECT sc.policy::text AS policy, sc.shots, sc.correct, sc.n FROM submission_scores sc
         JOIN submissions s ON s.id = sc.submission_id AND sc.scorer = s.scorer
       WHERE sc.submission_id = $1 ORDER BY sc.policy, sc.shots`,
      [submissionId],
    );
    const [{ scorer }] = (
      await site.database.pool.query('SELECT scorer FROM submissions WHERE id = $1', [submissionId])
    ).rows;
    expect(counted.length).toBeGreaterThan(0);
    expect(body.accuracy).toEqual({ scorer, per_shot: counted });
    // Not done: none (a run's counts are final only then).
    await site.database.pool.query(`UPDATE submissions SET status = 'running' WHERE id = $1`, [
      submissionId,
    ]);
    const running = SubmissionStatusSchema.parse(
      await (
        await routes.submission.GET(new Request(`http://site/api/v1/submissions/${submissionId}`))
      ).json(),
    );
    expect(running.accuracy).toBeNull();
    await site.database.pool.query(`UPDATE submissions SET status = 'done' WHERE id = $1`, [
      submissionId,
    ]);

    const download = await routes.answers.GET(
      new Request(`http://site/api/v1/submissions/${submissionId}/answers.jsonl`),
    );
    const lines = (await download.text())
      .trimEnd()
      .split('\n')
      .map((line) => AnswerLineSchema.parse(JSON.parse(line)));
    expect(lines).toHaveLength(n);
    for (const line of lines)
      expect(line).toMatchObject({
        latency_ms: expect.any(Number),
        prompt_tokens: 1000,
        completion_tokens: 10,
      });
  });

  it('a run without prices has no cost; a private run’s usage is its owner’s', async () => {
    const { submissionId } = await finishedSubmission('unpriced-model', 'private', false);
    const mine = await site.caller(alice).submissions.byId({ id: submissionId });
    expect(mine.usage).toMatchObject({ costUsd: null, prices: null, maxCostUsd: null });
    expect(mine.usage.promptTokens).toBeGreaterThan(0);
    await expect(site.caller(bob).submissions.status({ id: submissionId })).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
    const response = await routes.submission.GET(
      new Request(`http://site/api/v1/submissions/${submissionId}`),
    );
    expect(response.status).toBe(404);
  });

  it('the leaderboard gives each row’s cost when asked, and only then', async () => {
    const priced = await finishedSubmission('board-priced', 'public', true);
    const unpriced = await finishedSubmission('board-unpriced', 'public', false);
    const anyone = site.caller(null);
    const plain = await anyone.leaderboard.rows({ benchmarkVersionId: site.versionId });
    expect(plain.length).toBeGreaterThanOrEqual(2);
    for (const row of plain) expect(row).not.toHaveProperty('cost');
    const costed = await anyone.leaderboard.rows({
      benchmarkVersionId: site.versionId,
      cost: true,
    });
    const byId = new Map(costed.map((r) => [r.submissionId, r]));
    const n = priced.episodes.length;
    expect(byId.get(priced.submissionId)?.cost).toEqual({
      costUsd: expect.closeTo((1000 * n * 3 + 10 * n * 15) / 1e6, 12),
      prices: { inputUsdPerMTok: 3, outputUsdPerMTok: 15 },
    });
    expect(byId.get(unpriced.submissionId)?.cost).toBeNull();
  });
});
