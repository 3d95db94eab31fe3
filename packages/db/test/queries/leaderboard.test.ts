import {
  buildEpisodes,
  buildRankedBoard,
  DEFAULT_SCORER,
  drawSeed,
  indexBenchmark,
  policyTotals,
  scoreAll,
} from '@linkboard/core';
import { rankedFixtureManifest } from '@linkboard/core/testing';

import { describe, expect, it } from 'vitest';
import {
  cancelSubmission,
  claimJob,
  completeJob,
  conceptIdsByKey,
  createRankedSubmission,
  type Db,
  failJob,
  rankedModelCounts,
  writeResults,
} from '../../src';
import { freshDatabase } from '../helpers';

const KEY = '7d'.repeat(32);
const SHOTS = [2, 4];
/** Episodes per shot count and policy: 6 lcl and 6 flip per run. */
const PER_POLICY = 3;
/** Tells the runs' draws apart. */
let drawn = 0;

/**
 * A draw as the platform stores it (db does not render, so core's miniature stands in for
 * datasets' `drawRanked`): lcl and flip, `perPolicy` per shot count, with a seed of its own.
 */
function drawRanked(options: { seed: string; shots: readonly number[]; perPolicy: number }) {
  const manifest = rankedFixtureManifest({
    perPolicy: options.perPolicy,
    shots: options.shots,
    tag: options.seed,
  });
  return { manifest, seed: options.seed, commitment: String(manifest.origin?.commitment) };
}

/**
 * A ranked run of `model` on a fresh draw, answered by `answer` (the query's own name or the
 * other one) on its first `answered` episodes in send order, then ended as `end` says. Returns
 * its id and the lcl and flip counts of what it answered, under the default scorer.
 */
async function rankedRun(
  db: Db,
  options: {
    model: string;
    answer: 'right' | 'wrong';
    end: 'done' | 'cancelled' | 'failed';
    answered?: number;
    visibility?: 'public' | 'private' | 'withdrawn';
  },
) {
  const draw = drawRanked({
    seed: drawSeed(KEY, drawn++),
    shots: SHOTS,
    perPolicy: PER_POLICY,
  });
  const { submissionId, benchmarkVersionId } = await createRankedSubmission(db, {
    model: { name: options.model },
    adapterConfig: { adapter: 'builtin', name: 'random' },
    manifest: draw.manifest,
    ranked: { keyId: 'kdb', commitment: draw.commitment, seed: draw.seed },
    visibility: options.visibility ?? 'public',
    shardSize: 1000,
  });
  const lease = await claimJob(db, { worker: 'test', leaseMs: 60_000 });
  if (lease?.submissionId !== submissionId) throw new Error('expected this run’s job to be next');
  const conceptIds = await conceptIdsByKey(db, benchmarkVersionId);
  const episodes = [
    ...buildEpisodes(indexBenchmark(draw.manifest), {
      shots: SHOTS,
      policies: ['lcl', 'flip'],
      draws: 1,
    }),
  ];
  const rows = episodes.slice(0, options.answered ?? episodes.length).map((episode) => {
    const { label, other } = episode.query;
    const raw = `there is "${options.answer === 'right' ? label : other}" in the image.`;
    return {
      episode,
      conceptId: conceptIds.get(episode.query.conceptId) as number,
      rawAnswer: raw,
      errorClass: null,
      verdicts: scoreAll(raw, label, other),
      latencyMs: 10,
    };
  });
  await writeResults(db, lease, rows, benchmarkVersionId);
  if (options.end === 'done')
    await completeJob(
      db,
      lease,
      episodes.map((e) => e.id),
    );
  else if (options.end === 'cancelled') await cancelSubmission(db, submissionId);
  else
    await failJob(db, lease, { error: 'endpoint gone', errorClass: 'http-4xx', retryable: false });
  const counts = policyTotals(
    rows.map((r) => ({
      policy: r.episode.policy,
      n: 1,
      correct: r.verdicts.find((v) => v.scorer === DEFAULT_SCORER)?.outcome === 'correct' ? 1 : 0,
    })),
  );
  return { submissionId, counts };
}

const rowOf = async (db: Db, model: string) =>
  (await rankedModelCounts(db)).find((r) => r.model === model);

describe('the ranked board’s counts', () => {
  it('pool every ended run of a model into one row: counts summed per policy and shot count', async () => {
    const { db, pool } = await freshDatabase();
    const first = await rankedRun(db, { model: 'pooled', answer: 'right', end: 'done' });
    const second = await rankedRun(db, { model: 'pooled', answer: 'wrong', end: 'done' });
    const other = await rankedRun(db, { model: 'other', answer: 'right', end: 'done' });

    const rows = await rankedModelCounts(db);
    expect(rows.map((r) => r.model).sort()).toEqual(['other', 'pooled']);
    const pooled = rows.find((r) => r.model === 'pooled');
    // Each run answered 3 lcl and 3 flip episodes per shot count: the first all right, the
    // second all wrong.
    expect(pooled).toMatchObject({
      submissionIds: [second.submissionId, first.submissionId],
      referenceModels: [],
      perShot: [
        { shots: 2, lcl: { correct: 3, n: 6 }, flip: { correct: 3, n: 6 } },
        { shots: 4, lcl: { correct: 3, n: 6 }, flip: { correct: 3, n: 6 } },
      ],
    });
    // Another model's run stays in its own row.
    expect(rows.find((r) => r.model === 'other')).toMatchObject({
      submissionIds: [other.submissionId],
      perShot: [
        { shots: 2, lcl: { correct: 3, n: 3 }, flip: { correct: 3, n: 3 } },
        { shots: 4, lcl: { correct: 3, n: 3 }, flip: { correct: 3, n: 3 } },
      ],
    });
    // The row's time is its latest run's.
    const { rows: ended } = await pool.query(
      'SELECT max(finished_at) AS at FROM submissions WHERE id = ANY($1)',
      [[first.submissionId, second.submissionId]],
    );
    expect(pooled?.finishedAt).toEqual(ended[0].at);
    // Scored from the pooled counts: the mean of 12/24 lcl and 12/24 flip.
    const board = buildRankedBoard(rows);
    expect(board.find((r) => r.model === 'pooled')).toMatchObject({
      lcl: { correct: 6, n: 12 },
      flip: { correct: 6, n: 12 },
      score: { score: 0.5 },
    });
  });

  it('pool private, cancelled and failed runs, never ones an admin withdrew; list a model only once a run of it is public and done', async () => {
    const { db } = await freshDatabase();
    const shown = await rankedRun(db, { model: 'lab', answer: 'right', end: 'done' });
    const privately = await rankedRun(db, {
      model: 'lab',
      answer: 'wrong',
      end: 'done',
      visibility: 'private',
    });
    // Cancelled and failed part-way: the answers stored before are pooled all the same.
    const cancelled = await rankedRun(db, {
      model: 'lab',
      answer: 'wrong',
      end: 'cancelled',
      answered: 5,
    });
    const failed = await rankedRun(db, {
      model: 'lab',
      answer: 'wrong',
      end: 'failed',
      answered: 2,
    });
    await rankedRun(db, { model: 'lab', answer: 'right', end: 'done', visibility: 'withdrawn' });
    await rankedRun(db, {
      model: 'secretive',
      answer: 'right',
      end: 'done',
      visibility: 'private',
    });
    await rankedRun(db, { model: 'gave-up', answer: 'right', end: 'cancelled', answered: 4 });

    expect((await rankedModelCounts(db)).map((r) => r.model)).toEqual(['lab']);
    const lab = await rowOf(db, 'lab');
    // Four runs pooled; the public ones named (a private run's id is its owner's to know).
    expect(lab?.runs).toBe(4);
    expect(lab?.submissionIds).toEqual([
      failed.submissionId,
      cancelled.submissionId,
      shown.submissionId,
    ]);
    expect(lab?.submissionIds).not.toContain(privately.submissionId);
    const pooled = policyTotals(
      (lab?.perShot ?? []).flatMap((cell) => [
        { policy: 'lcl', ...cell.lcl },
        { policy: 'flip', ...cell.flip },
      ]),
    );
    const runs = [shown, privately, cancelled, failed];
    expect(pooled).toEqual(
      policyTotals(
        runs.flatMap(({ counts }) => [
          { policy: 'lcl', ...counts.lcl },
          { policy: 'flip', ...counts.flip },
        ]),
      ),
    );
    // 12 answers each from the two done runs, 5 and 2 from the ones that ended early; only the
    // public done run answered right (the withdrawn one's answers are not there).
    expect(pooled.lcl.n + pooled.flip.n).toBe(12 + 12 + 5 + 2);
    expect(pooled.lcl.correct + pooled.flip.correct).toBe(12);
  });

  it('leave out runs still going; list a model whose runs have no counts as a row without cells', async () => {
    const { db, pool } = await freshDatabase();
    const silent = await rankedRun(db, { model: 'silent', answer: 'wrong', end: 'done' });
    // As if its aggregates were gone: the model keeps its row, with nothing to score.
    await pool.query('DELETE FROM submission_scores WHERE submission_id = $1', [
      silent.submissionId,
    ]);
    expect(await rowOf(db, 'silent')).toMatchObject({
      submissionIds: [silent.submissionId],
      perShot: [],
    });

    const done = await rankedRun(db, { model: 'busy', answer: 'right', end: 'done' });
    // A second run, queued: not pooled until it ends.
    const draw = drawRanked({ seed: drawSeed(KEY, drawn++), shots: SHOTS, perPolicy: 1 });
    await createRankedSubmission(db, {
      model: { name: 'busy' },
      adapterConfig: { adapter: 'builtin', name: 'random' },
      manifest: draw.manifest,
      ranked: { keyId: 'kdb', commitment: draw.commitment, seed: draw.seed },
    });
    expect((await rowOf(db, 'busy'))?.submissionIds).toEqual([done.submissionId]);
  });
});
