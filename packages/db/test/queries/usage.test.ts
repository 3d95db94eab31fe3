import { describe, expect, it } from 'vitest';
import { claimJob, type Db, spentCosts, submissionDetail, writeResults } from '../../src';
import { resultRows, seedSubmission } from '../fixtures';
import { freshDatabase } from '../helpers';

const spec = { shots: [2, 4] };

/**
 * Writes the first results of the seeded submission's one job with the latencies and token
 * counts given (undefined: the reply did not say), answered or not as `resultRows` makes them.
 */
async function writeUsage(
  db: Db,
  seeded: Awaited<ReturnType<typeof seedSubmission>>,
  used: { latencyMs?: number; promptTokens?: number; completionTokens?: number }[],
) {
  const lease = await claimJob(db, { worker: 'w', leaseMs: 60_000 });
  if (!lease) throw new Error('no job was queued');
  const rows = await resultRows(db, seeded.manifest, seeded.benchmarkVersionId, spec, (i) =>
    i === 1 ? null : 'an answer',
  );
  await writeResults(
    db,
    lease,
    used.map((u, i) => ({ ...rows[i]!, ...u })),
    seeded.benchmarkVersionId,
  );
}

describe('a submission’s usage', () => {
  it('sums tokens, takes latency percentiles over the answers that have one, and costs them at the stated prices', async () => {
    const { db, pool } = await freshDatabase();
    const seeded = await seedSubmission(db, spec);
    await writeUsage(db, seeded, [
      { latencyMs: 100, promptTokens: 1000, completionTokens: 10 },
      // An error that still spent tokens: counted.
      { latencyMs: 400, promptTokens: 2000, completionTokens: 20 },
      { latencyMs: 300, promptTokens: 3000, completionTokens: 30 },
      { latencyMs: 200 },
      // No latency, no tokens: in `answers` alone.
      { latencyMs: undefined },
    ]);
    await pool.query(
      'UPDATE submissions SET input_usd_per_mtok = 2.5, output_usd_per_mtok = 10, max_cost_usd = 5 WHERE id = $1',
      [seeded.submissionId],
    );
    const detail = await submissionDetail(db, seeded.submissionId);
    expect(detail?.usage).toEqual({
      answers: 5,
      answersWithTokens: 3,
      promptTokens: 6000,
      completionTokens: 60,
      // Over 100, 200, 300, 400 (the fifth has none): continuous percentiles.
      latencyP50Ms: 250,
      latencyP95Ms: 385,
      costUsd: (6000 * 2.5 + 60 * 10) / 1e6,
      prices: { inputUsdPerMTok: 2.5, outputUsdPerMTok: 10 },
      maxCostUsd: 5,
    });
    expect(detail?.usage.costUsd).toBeCloseTo(0.0156, 10);
  });

  it('is zeros and nulls before any result, and its cost is null without prices (or with one of two)', async () => {
    const { db, pool } = await freshDatabase();
    const seeded = await seedSubmission(db, spec);
    const empty = await submissionDetail(db, seeded.submissionId);
    expect(empty?.usage).toEqual({
      answers: 0,
      answersWithTokens: 0,
      promptTokens: 0,
      completionTokens: 0,
      latencyP50Ms: null,
      latencyP95Ms: null,
      costUsd: null,
      prices: null,
      maxCostUsd: null,
    });
    expect(empty?.preflight).toBeNull();
    expect(empty?.servedBy).toBeNull();

    await writeUsage(db, seeded, [{ latencyMs: 50, promptTokens: 700, completionTokens: 7 }]);
    const unpriced = await submissionDetail(db, seeded.submissionId);
    expect(unpriced?.usage).toMatchObject({ promptTokens: 700, costUsd: null, prices: null });
    expect(unpriced?.usage.latencyP95Ms).toBe(50);

    // An input price alone prices nothing: core's Prices needs both.
    await pool.query('UPDATE submissions SET input_usd_per_mtok = 1 WHERE id = $1', [
      seeded.submissionId,
    ]);
    expect((await submissionDetail(db, seeded.submissionId))?.usage).toMatchObject({
      costUsd: null,
      prices: null,
    });
    // Priced at zero is a cost of zero, not an unknown one.
    await pool.query(
      'UPDATE submissions SET input_usd_per_mtok = 0, output_usd_per_mtok = 0 WHERE id = $1',
      [seeded.submissionId],
    );
    expect((await submissionDetail(db, seeded.submissionId))?.usage.costUsd).toBe(0);
  });

  it('reads the preflight and what answered as stored, keeping what reads and dropping the rest', async () => {
    const { db, pool } = await freshDatabase();
    const seeded = await seedSubmission(db, spec);
    const servedBy = {
      models: [
        { name: 'gpt-x-2025', answers: 40 },
        { name: '__proto__', answers: 2 },
      ],
      fingerprints: [{ name: 'fp_1', answers: 42 }],
      engine: { name: 'vllm', version: '0.11.0' },
    };
    await pool.query('UPDATE submissions SET preflight = $2, served_by = $3 WHERE id = $1', [
      seeded.submissionId,
      {
        images: 9,
        latencyMs: 812.5,
        promptTokens: 6100,
        completionTokens: 4,
        model: 'gpt-x-2025',
        fingerprint: null,
        at: '2026-03-01T10:00:00.000Z',
      },
      servedBy,
    ]);
    const detail = await submissionDetail(db, seeded.submissionId);
    expect(detail?.preflight).toEqual({
      images: 9,
      latencyMs: 812.5,
      promptTokens: 6100,
      completionTokens: 4,
      model: 'gpt-x-2025',
      fingerprint: null,
      at: '2026-03-01T10:00:00.000Z',
    });
    expect(detail?.servedBy).toEqual(servedBy);

    // Written by another version of the runner: a field that does not read is null, an unknown
    // key (whatever it holds) is not passed on, a bad count leaves its tally.
    await pool.query('UPDATE submissions SET preflight = $2, served_by = $3 WHERE id = $1', [
      seeded.submissionId,
      { images: 'nine', latencyMs: 30, endpoint: 'http://10.0.0.1/v1', apiKey: 'sk-secret' },
      {
        models: [
          { name: 'a', answers: 3 },
          { name: 'b', answers: -1 },
          { name: 'c', answers: 'x' },
        ],
        fingerprints: 'none',
        engine: { name: 'tgi' },
      },
    ]);
    const odd = await submissionDetail(db, seeded.submissionId);
    expect(odd?.preflight).toEqual({
      images: null,
      latencyMs: 30,
      promptTokens: null,
      completionTokens: null,
      model: null,
      fingerprint: null,
      at: null,
    });
    expect(JSON.stringify(odd)).not.toContain('sk-secret');
    expect(odd?.servedBy).toEqual({
      models: [{ name: 'a', answers: 3 }],
      fingerprints: [],
      engine: null,
    });

    // Not an object at all: nothing.
    await pool.query(
      `UPDATE submissions SET preflight = '"passed"', served_by = '[1]' WHERE id = $1`,
      [seeded.submissionId],
    );
    const scalar = await submissionDetail(db, seeded.submissionId);
    expect(scalar?.preflight).toBeNull();
    expect(scalar?.servedBy).toBeNull();
  });

  it('is null for a submission that does not exist', async () => {
    const { db } = await freshDatabase();
    expect(await submissionDetail(db, 999_999)).toBeNull();
  });
});

describe('the leaderboard’s costs', () => {
  it('are the priced submissions’ alone, summed over all their results', async () => {
    const { db, pool } = await freshDatabase();
    const seeded = await seedSubmission(db, spec);
    await writeUsage(db, seeded, [
      { promptTokens: 1_000_000, completionTokens: 1000 },
      { promptTokens: 500_000 },
    ]);
    expect(await spentCosts(db, [seeded.submissionId])).toEqual(new Map());
    await pool.query(
      'UPDATE submissions SET input_usd_per_mtok = 2, output_usd_per_mtok = 8 WHERE id = $1',
      [seeded.submissionId],
    );
    const costs = await spentCosts(db, [seeded.submissionId, 999_999]);
    expect([...costs.keys()]).toEqual([seeded.submissionId]);
    expect(costs.get(seeded.submissionId)).toEqual({
      costUsd: 1.5 * 2 + 0.001 * 8,
      prices: { inputUsdPerMTok: 2, outputUsdPerMTok: 8 },
    });
    expect(await spentCosts(db, [])).toEqual(new Map());
  });
});
