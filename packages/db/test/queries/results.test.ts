import {
  buildBoard,
  compareOnSharedEpisodes,
  getScorer,
  type PolicyName,
  registerScorer,
  type Scorer,
  verdictOf,
  wilsonInterval,
} from '@linkboard/core';
import { fixtureManifest } from '@linkboard/core/testing';
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import {
  claimJob,
  completeJob,
  conceptBreakdown,
  createSubmission,
  episodeWithResult,
  getBenchmarkVersion,
  leaderboardCounts,
  pairedAnswers,
  queueStatus,
  registerModel,
  rescorableSubmissionIds,
  rescoreSubmission,
  submissionCurves,
  writeResults,
} from '../../src';
import { exposureCellsOf } from '../../src/queries/results';
import { resultRows, seedSubmission } from '../fixtures';
import { freshDatabase } from '../helpers';

// What the site shows: the database's counts and pairs, with core's statistics.
const leaderboardRows = async (...args: Parameters<typeof leaderboardCounts>) => {
  const version = await getBenchmarkVersion(args[0], args[1].benchmarkVersionId);
  return buildBoard(await leaderboardCounts(...args), version!.rankedSetting);
};
const compareSubmissions = async (...[db, a, b, scorer]: Parameters<typeof pairedAnswers>) =>
  compareOnSharedEpisodes(await pairedAnswers(db, a, b, scorer), `${a}|${b}`);

// Answers that tell the scorers apart: right, capitalised (official: wrong), the other label,
// a label inside a longer word, nothing.
const answerFor = (label: string, other: string, i: number) =>
  [`there is "${label}" in the image.`, label.toUpperCase(), `a ${other}`, `${label}s`, null][
    i % 5
  ] ?? null;

async function runSubmission(
  db: Parameters<typeof writeResults>[0],
  model: string,
  offset = 0,
  policies: PolicyName[] = ['lcl'],
) {
  const seeded = await seedSubmission(db, { model, policies });
  const spec = { shots: [2, 4], policies };
  const rows = await resultRows(db, seeded.manifest, seeded.benchmarkVersionId, spec, () => null);
  for (const [i, row] of rows.entries()) {
    const raw = answerFor(row.episode.query.label, row.episode.query.other, i + offset);
    const fresh = (
      await resultRows(db, seeded.manifest, seeded.benchmarkVersionId, spec, () => raw)
    )[i]!;
    rows[i] = fresh;
  }
  const lease = (await claimJob(db, { worker: 'w', leaseMs: 30_000 }))!;
  expect(await writeResults(db, lease, rows.slice(0, 10), seeded.benchmarkVersionId)).toBe(10);
  // A retried batch (overlapping the first) writes only what is new.
  expect(await writeResults(db, lease, rows, seeded.benchmarkVersionId)).toBe(rows.length - 10);
  expect(
    await completeJob(
      db,
      lease,
      rows.map((r) => r.episode.id),
    ),
  ).toEqual({ submissionDone: true });
  return { ...seeded, rows };
}

describe('one interval method for the headline and the per-shot bands', () => {
  it('gives the same interval to a board row and to its curve at the one ranked shot count', async () => {
    const { db } = await freshDatabase();
    // Four pairs, one shot count: the ranked setting is that shot count, so the headline and the
    // 2-shot point count the same answers, and must show the same interval.
    const seeded = await seedSubmission(db, {
      model: 'banded',
      shots: [2],
      manifest: fixtureManifest({ name: 'banded', pairs: 4 }),
    });
    const spec = { shots: [2], policies: ['lcl'] as PolicyName[] };
    const plain = await resultRows(
      db,
      seeded.manifest,
      seeded.benchmarkVersionId,
      spec,
      () => null,
    );
    // Right on most episodes of some pairs and on few of others: the clusters differ.
    const pairs = [...new Set(plain.map((r) => r.episode.pairId))].sort();
    const rows = await resultRows(db, seeded.manifest, seeded.benchmarkVersionId, spec, (i) => {
      const { episode } = plain[i]!;
      const share = [0.2, 0.5, 0.7, 0.9][pairs.indexOf(episode.pairId)]!;
      return (i * 0.37) % 1 < share ? `there is "${episode.query.label}"` : 'no idea';
    });
    const lease = (await claimJob(db, { worker: 'w', leaseMs: 30_000 }))!;
    await writeResults(db, lease, rows, seeded.benchmarkVersionId);
    await completeJob(
      db,
      lease,
      rows.map((r) => r.episode.id),
    );
    const [board] = await leaderboardRows(db, {
      benchmarkVersionId: seeded.benchmarkVersionId,
      policy: 'lcl',
      scorer: 'strict',
    });
    const [curve] = await submissionCurves(db, [seeded.submissionId], 'strict');
    expect(board?.ranked).toBe(true);
    expect(curve?.shots).toBe(2);
    expect(board?.low).not.toBeNull();
    expect([curve?.low, curve?.high]).toEqual([board?.low, board?.high]);
    // And it is the clustered interval, wider than one over independent episodes would be.
    const wilson = wilsonInterval(curve!.correct, curve!.n)!;
    expect(board!.high! - board!.low!).toBeGreaterThan(wilson.high - wilson.low);
  });
});

describe('the exposure check at completion', () => {
  it('plans its query without nested loops or JIT, and gives the settings back', async () => {
    const { db } = await freshDatabase();
    const { submissionId } = await runSubmission(db, 'model-a');
    const settings = async (tx: Parameters<Parameters<typeof db.transaction>[0]>[0]) =>
      (
        await tx.execute(
          sql`SELECT current_setting('enable_nestloop') AS nestloop, current_setting('jit') AS jit`,
        )
      ).rows[0];
    await db.transaction(async (tx) => {
      const before = await settings(tx);
      expect(await exposureCellsOf(tx, submissionId)).toEqual(
        await exposureCellsOf(db, submissionId),
      );
      expect(await settings(tx)).toEqual(before);
      expect(before).toMatchObject({ nestloop: 'on' });
    });
  });

  it('keeps each result’s send time, and stores an empty check when no result has one', async () => {
    const { db, pool } = await freshDatabase();
    const { submissionId } = await runSubmission(db, 'no-send-times');
    const [before] = (
      await pool.query('SELECT exposure FROM submissions WHERE id = $1', [submissionId])
    ).rows;
    expect(before.exposure).toEqual({
      slope: null,
      se: null,
      pValue: null,
      n: 0,
      clusters: 0,
      flagged: false,
    });

    const seeded = await seedSubmission(db, { model: 'send-times', policies: ['lcl'] });
    const spec = { shots: [2, 4], policies: ['lcl' as const] };
    const blank = await resultRows(
      db,
      seeded.manifest,
      seeded.benchmarkVersionId,
      spec,
      () => null,
    );
    const rows = await resultRows(
      db,
      seeded.manifest,
      seeded.benchmarkVersionId,
      spec,
      (i) => blank[i]!.episode.query.label,
    );
    const start = Date.UTC(2026, 0, 1);
    const timed = rows.map((r, i) => ({ ...r, sentAt: new Date(start + 1000 * i) }));
    const lease = (await claimJob(db, { worker: 'w', leaseMs: 30_000 }))!;
    await writeResults(db, lease, timed, seeded.benchmarkVersionId);
    await completeJob(
      db,
      lease,
      rows.map((r) => r.episode.id),
    );
    const stored = (
      await pool.query(
        'SELECT episode_id, sent_at FROM results WHERE submission_id = $1 ORDER BY sent_at',
        [seeded.submissionId],
      )
    ).rows;
    expect(stored.map((r) => [r.episode_id, (r.sent_at as Date).getTime()])).toEqual(
      timed.map((r) => [r.episode.id, r.sentAt.getTime()]),
    );
    const [after] = (
      await pool.query('SELECT exposure FROM submissions WHERE id = $1', [seeded.submissionId])
    ).rows;
    // Every answer right: nothing rises, nothing is flagged, but every answer was tested.
    expect(after.exposure).toMatchObject({ slope: 0, n: rows.length, flagged: false });
  });
});

const snapshot = async (pool: import('pg').Pool, id: number) => ({
  summaries: (
    await pool.query(
      'SELECT * FROM submission_summaries WHERE submission_id = $1 ORDER BY scorer, policy',
      [id],
    )
  ).rows,
  results: (
    await pool.query('SELECT * FROM results WHERE submission_id = $1 ORDER BY episode_id', [id])
  ).rows,
  verdicts: (
    await pool.query(
      'SELECT * FROM verdicts WHERE submission_id = $1 ORDER BY scorer, episode_id',
      [id],
    )
  ).rows,
  scores: (
    await pool.query(
      'SELECT * FROM submission_scores WHERE submission_id = $1 ORDER BY scorer, shots, policy',
      [id],
    )
  ).rows,
  concepts: (
    await pool.query(
      'SELECT * FROM submission_concept_scores WHERE submission_id = $1 ORDER BY scorer, concept_id, shots, policy',
      [id],
    )
  ).rows,
});

describe('results and aggregates', () => {
  it('writes results idempotently and aggregates them when the last job completes', async () => {
    const { db, pool } = await freshDatabase();
    const { submissionId, rows } = await runSubmission(db, 'model-a');
    const { rows: scores } = await pool.query(
      'SELECT scorer, shots, n, correct, other_label, "both", neither, empty, error FROM submission_scores WHERE submission_id = $1 ORDER BY scorer, shots',
      [submissionId],
    );
    const expected = (scorer: 'official' | 'strict', shots: number) => {
      const mine = rows
        .filter((r) => r.episode.shots === shots)
        .map((r) => verdictOf(r.verdicts, scorer).outcome);
      const count = (o: string) => mine.filter((x) => x === o).length;
      return {
        scorer,
        shots,
        n: mine.length,
        correct: count('correct'),
        other_label: count('other-label'),
        both: count('both'),
        neither: count('neither'),
        empty: count('empty'),
        error: count('error'),
      };
    };
    expect(scores).toEqual([
      expected('official', 2),
      expected('official', 4),
      expected('strict', 2),
      expected('strict', 4),
    ]);
    for (const s of scores)
      expect(s.correct + s.other_label + s.both + s.neither + s.empty + s.error).toBe(s.n);
  });

  it('re-scoring from stored raw answers gives what a fresh run with that scorer gave', async () => {
    const { db, pool } = await freshDatabase();
    const { submissionId } = await runSubmission(db, 'model-a');
    const fresh = await snapshot(pool, submissionId);
    // Spoil the strict verdicts and aggregates, then re-score: no model calls, same numbers.
    await pool.query(
      `UPDATE verdicts SET outcome = 'error', rule = 'stale' WHERE submission_id = $1 AND scorer = 'strict'`,
      [submissionId],
    );
    await pool.query(
      `UPDATE submission_scores SET correct = 0 WHERE submission_id = $1 AND scorer = 'strict'`,
      [submissionId],
    );
    await pool.query(
      `DELETE FROM submission_concept_scores WHERE submission_id = $1 AND scorer = 'strict'`,
      [submissionId],
    );
    expect(await rescoreSubmission(db, submissionId, 'strict')).toBe(fresh.results.length);
    expect(await snapshot(pool, submissionId)).toEqual(fresh);
  });

  it('re-scores ranked runs that ended otherwise (the ranked board pools them), and no run still going', async () => {
    const { db, pool } = await freshDatabase();
    const { submissionId } = await runSubmission(db, 'model-a');
    const fresh = await snapshot(pool, submissionId);
    const verdicts = async () =>
      (
        await pool.query(
          `SELECT episode_id, outcome, rule, scorer_version FROM verdicts WHERE submission_id = $1 AND scorer = 'strict' ORDER BY episode_id`,
          [submissionId],
        )
      ).rows;
    const right = await verdicts();
    // As a cancelled run: no aggregates, strict verdicts of an old version.
    const becomes = async (status: string, commitment: string | null) => {
      await pool.query(`UPDATE submissions SET status = $2, draw_commitment = $3 WHERE id = $1`, [
        submissionId,
        status,
        commitment,
      ]);
      for (const table of [
        'submission_scores',
        'submission_concept_scores',
        'submission_ranked_counts',
        'submission_summaries',
      ])
        await pool.query(`DELETE FROM ${table} WHERE submission_id = $1`, [submissionId]);
      await pool.query(
        `UPDATE verdicts SET outcome = 'correct', rule = 'stale', scorer_version = 1 WHERE submission_id = $1 AND scorer = 'strict'`,
        [submissionId],
      );
    };
    const refusal = (found: boolean) =>
      expect.objectContaining({ name: 'NotRescorableError', submissionId, found });

    await becomes('cancelled', null);
    await expect(rescoreSubmission(db, submissionId, 'strict')).rejects.toEqual(refusal(true));
    await becomes('running', 'c0ffee');
    await expect(rescoreSubmission(db, submissionId, 'strict')).rejects.toEqual(refusal(true));
    expect(await rescorableSubmissionIds(db)).not.toContain(submissionId);
    expect((await verdicts()).every((v) => v.rule === 'stale')).toBe(true);

    await becomes('cancelled', 'c0ffee');
    expect(await rescorableSubmissionIds(db)).toContain(submissionId);
    expect(await rescoreSubmission(db, submissionId, 'strict')).toBe(fresh.results.length);
    expect(await verdicts()).toEqual(right);
    // Its verdicts only: a run that did not finish gets no aggregates.
    const { rows } = await pool.query(
      'SELECT count(*)::int AS n FROM submission_scores WHERE submission_id = $1',
      [submissionId],
    );
    expect(rows[0].n).toBe(0);
    await expect(rescoreSubmission(db, 987_654, 'strict')).rejects.toEqual(
      expect.objectContaining({ name: 'NotRescorableError', found: false }),
    );
  });

  it('re-scores flip results against the swapped labels, as they were scored when answered', async () => {
    const { db, pool } = await freshDatabase();
    const { submissionId, rows, benchmarkVersionId } = await runSubmission(db, 'model-a', 0, [
      'lcl',
      'flip',
    ]);
    const flips = rows.filter((r) => r.episode.policy === 'flip');
    expect(flips.length).toBe(rows.length / 2);
    const fresh = await snapshot(pool, submissionId);
    await pool.query(
      `UPDATE verdicts SET outcome = 'error', rule = 'stale' WHERE submission_id = $1 AND scorer = 'strict'`,
      [submissionId],
    );
    expect(await rescoreSubmission(db, submissionId, 'strict')).toBe(rows.length);
    expect(await snapshot(pool, submissionId)).toEqual(fresh);
    // The board shows the flip control beside the ranked lcl accuracy.
    const [row] = await leaderboardRows(db, {
      benchmarkVersionId,
      policy: 'lcl',
      scorer: 'strict',
    });
    const followed = flips.filter((r) => verdictOf(r.verdicts, 'strict').correct).length;
    expect(followed).toBeGreaterThan(0);
    expect(row!.flipAccuracy).toBeCloseTo(followed / flips.length, 12);
    // An episode page names the right answer as the flipped demonstrations gave it.
    const flip = flips[0]!.episode;
    const shown = await episodeWithResult(db, flip.id, submissionId);
    expect(shown!.query).toMatchObject({ label: flip.query.label, other: flip.query.other });
    expect(shown!.query.label).not.toBe(
      rows.find((r) => r.episode.id === flip.id.replace(/-flip$/, '-lcl'))!.episode.query.label,
    );
  });

  it('stores and aggregates the verdicts of a scorer added to the registry, with its version', async () => {
    // A third scorer is one registry entry: no column, enum or query names it.
    const lenient: Scorer = {
      name: 'lenient',
      version: 2,
      description: 'the label anywhere, any case',
      score: (answer, label) =>
        answer?.toLowerCase().includes(label.toLowerCase())
          ? { correct: true, outcome: 'correct', rule: 'anywhere' }
          : { correct: false, outcome: answer === null ? 'error' : 'neither', rule: 'nowhere' },
    };
    const { db, pool } = await freshDatabase();
    const before = await runSubmission(db, 'model-before');
    const unregister = registerScorer(lenient);
    try {
      const { submissionId, rows, benchmarkVersionId } = await runSubmission(db, 'model-a');
      const { rows: stored } = await pool.query(
        `SELECT scorer, scorer_version, count(*)::int AS n, count(*) FILTER (WHERE outcome = 'correct')::int AS correct
         FROM verdicts WHERE submission_id = $1 GROUP BY 1, 2 ORDER BY 1`,
        [submissionId],
      );
      const correct = (scorer: string) =>
        rows.filter((r) => verdictOf(r.verdicts, scorer).correct).length;
      expect(stored).toEqual(
        ['lenient', 'official', 'strict'].map((scorer) => ({
          scorer,
          scorer_version: getScorer(scorer).version,
          n: rows.length,
          correct: correct(scorer),
        })),
      );
      // Upper-cased labels count for the lenient scorer only: it differs from both.
      expect(correct('lenient')).toBeGreaterThan(correct('strict'));
      const board = await leaderboardRows(db, {
        benchmarkVersionId,
        policy: 'lcl',
        scorer: 'lenient',
      });
      expect(board.find((r) => r.model === 'model-a')).toMatchObject({
        n: rows.length,
        accuracy: correct('lenient') / rows.length,
      });
      // A submission scored before the scorer existed has no verdicts of it until re-scored.
      expect(board.find((r) => r.model === 'model-before')).toBeUndefined();
      expect(await rescoreSubmission(db, before.submissionId, 'lenient')).toBe(before.rows.length);
      const again = await leaderboardRows(db, {
        benchmarkVersionId,
        policy: 'lcl',
        scorer: 'lenient',
      });
      expect(again.find((r) => r.model === 'model-before')?.n).toBe(before.rows.length);
    } finally {
      unregister();
    }
    await expect(rescoreSubmission(db, before.submissionId, 'lenient')).rejects.toThrow(
      'unknown scorer "lenient"',
    );
  });

  it('ranks finished public submissions on the leaderboard, from the aggregates', async () => {
    const { db, pool } = await freshDatabase();
    const a = await runSubmission(db, 'model-a', 0);
    const b = await runSubmission(db, 'model-b', 2);
    expect(b.benchmarkVersionId).toBe(a.benchmarkVersionId);
    const rows = await leaderboardRows(db, {
      benchmarkVersionId: a.benchmarkVersionId,
      policy: 'lcl',
      scorer: 'official',
    });
    expect(rows.map((r) => r.model).sort()).toEqual(['model-a', 'model-b']);
    // Each row carries its model's card and its submission's revision (null where unstated).
    expect(rows.find((r) => r.model === 'model-a')).toMatchObject({
      organisation: 'lab',
      paramsB: null,
      weights: null,
      revision: null,
    });
    await registerModel(db, { name: 'model-b', paramsB: 13, weights: 'closed', licence: 'other' });
    await pool.query("UPDATE submissions SET model_revision = 'v2' WHERE id = $1", [
      b.submissionId,
    ]);
    const carded = await leaderboardRows(db, {
      benchmarkVersionId: a.benchmarkVersionId,
      policy: 'lcl',
      scorer: 'official',
    });
    expect(carded.find((r) => r.model === 'model-b')).toMatchObject({
      organisation: 'lab',
      paramsB: 13,
      weights: 'closed',
      licence: 'other',
      baseModel: null,
      modelUrl: null,
      revision: 'v2',
    });
    for (const row of rows) {
      expect(row.n).toBe(a.rows.length);
      expect(Object.keys(row.perShot)).toEqual(['2', '4']);
      expect(row.low).toBeLessThanOrEqual(row.accuracy!);
      expect(row.tier).toBe(1);
    }
    // Link gain needs both policies on the same episodes: give model-a ICL counts one correct
    // answer lower on every concept it got any right.
    expect(rows.every((r) => r.linkGain === null)).toBe(true);
    const lcl = rows.find((r) => r.model === 'model-a')!;
    const { rowCount: concepts } = await pool.query(
      `INSERT INTO submission_ranked_counts
       SELECT submission_id, scorer, 'icl', concept_id, n, correct - least(correct, 1)
       FROM submission_ranked_counts WHERE submission_id = $1 AND scorer = 'official' AND policy = 'lcl'`,
      [a.submissionId],
    );
    const { rows: lower } = await pool.query(
      `SELECT count(*)::int AS k FROM submission_ranked_counts
       WHERE submission_id = $1 AND scorer = 'official' AND policy = 'lcl' AND correct > 0`,
      [a.submissionId],
    );
    expect(concepts).toBeGreaterThan(1);
    const withIcl = await leaderboardRows(db, {
      benchmarkVersionId: a.benchmarkVersionId,
      policy: 'lcl',
      scorer: 'official',
    });
    const gained = withIcl.find((r) => r.model === 'model-a')!;
    expect(gained.linkGain).toBeCloseTo(lower[0].k / lcl.n, 12);
    expect(gained.linkGainLow!).toBeLessThanOrEqual(gained.linkGain!);
    expect(withIcl.find((r) => r.model === 'model-b')!.linkGain).toBeNull();
    // Queued or private submissions do not show.
    const modelId = await registerModel(db, { name: 'model-c' });
    await createSubmission(db, {
      modelId,
      benchmarkVersionId: a.benchmarkVersionId,
      adapterConfig: { adapter: 'builtin', name: 'random' },
      shots: [2],
      policies: ['lcl'],
    });
    expect(
      await leaderboardRows(db, {
        benchmarkVersionId: a.benchmarkVersionId,
        policy: 'lcl',
        scorer: 'official',
      }),
    ).toHaveLength(2);
  });

  it('breaks a submission down per concept, with outcome counts', async () => {
    const { db } = await freshDatabase();
    const { submissionId, rows } = await runSubmission(db, 'model-a');
    const breakdown = await conceptBreakdown(db, submissionId, 'official');
    expect(breakdown.reduce((s, r) => s + r.n, 0)).toBe(rows.length);
    const first = breakdown[0]!;
    expect(
      first.correct +
        Object.values(first.outcomes).reduce((a, b) => a + b, 0) -
        first.outcomes.correct,
    ).toBe(first.n);
  });

  it('shows one episode with its support in order and the submission’s raw answer', async () => {
    const { db } = await freshDatabase();
    const { submissionId, rows } = await runSubmission(db, 'model-a');
    const row = rows[2]!;
    const episode = await episodeWithResult(db, row.episode.id, submissionId);
    expect(episode?.support).toEqual(
      row.episode.support.map((s) => ({ imageId: s.imageId, label: s.label })),
    );
    expect(episode?.query).toMatchObject({
      label: row.episode.query.label,
      other: row.episode.query.other,
    });
    expect(episode?.result).toMatchObject({
      rawAnswer: row.rawAnswer,
      answerTruncated: false,
      verdicts: row.verdicts.map(({ scorer, version, outcome, rule }) => ({
        scorer,
        version,
        outcome,
        rule,
      })),
    });
    expect(await episodeWithResult(db, 'nope')).toBeNull();
  });

  it('keeps the flag of an answer that was cut at the cap', async () => {
    const { db } = await freshDatabase();
    const seeded = await seedSubmission(db, { model: 'verbose' });
    const rows = await resultRows(
      db,
      seeded.manifest,
      seeded.benchmarkVersionId,
      { shots: [2, 4] },
      () => 'x'.repeat(8_000),
    );
    const lease = (await claimJob(db, { worker: 'w', leaseMs: 30_000 }))!;
    await writeResults(
      db,
      lease,
      rows.map((r, i) => ({ ...r, answerTruncated: i === 0 })),
      seeded.benchmarkVersionId,
    );
    const [first, second] = rows;
    expect(
      (await episodeWithResult(db, first!.episode.id, seeded.submissionId))?.result,
    ).toMatchObject({ answerTruncated: true });
    expect(
      (await episodeWithResult(db, second!.episode.id, seeded.submissionId))?.result,
    ).toMatchObject({ answerTruncated: false });
  });

  it('compares two submissions on their shared episodes', async () => {
    const { db } = await freshDatabase();
    const a = await runSubmission(db, 'model-a', 0);
    const b = await runSubmission(db, 'model-b', 1);
    const comparison = await compareSubmissions(db, a.submissionId, b.submissionId, 'official');
    expect(comparison.perShot.map((r) => [r.shots, r.n])).toEqual([
      [2, a.rows.length / 2],
      [4, a.rows.length / 2],
    ]);
    const disagree = a.rows.filter(
      (r, i) =>
        verdictOf(r.verdicts, 'official').correct !==
        verdictOf(b.rows[i]!.verdicts, 'official').correct,
    ).length;
    expect(comparison.disagreements).toHaveLength(disagree);
    expect(comparison.perShot[0]!.mcnemar.pValue).toBeGreaterThan(0);
    // The headline test is clustered by concept: never more confident than the episodes allow.
    expect(comparison.perShot[0]!.clustered.pValue).toBeGreaterThan(0);
    expect(comparison.perConcept.reduce((sum, c) => sum + c.n, 0)).toBe(a.rows.length);
    const errors = a.rows.filter((r) => r.rawAnswer === null).length;
    expect((await queueStatus(db, a.submissionId))?.errorsByClass).toEqual({ timeout: errors });
  });

  it('reports queue status: position while queued, progress and ETA while running', async () => {
    const { db } = await freshDatabase();
    const first = await seedSubmission(db, { model: 'one' });
    const second = await seedSubmission(db, { model: 'two' });
    expect(await queueStatus(db, second.submissionId)).toMatchObject({
      status: 'queued',
      position: 2,
      done: 0,
    });
    const lease = (await claimJob(db, { worker: 'w', leaseMs: 30_000 }))!;
    expect(lease.submissionId).toBe(first.submissionId);
    const rows = await resultRows(
      db,
      first.manifest,
      first.benchmarkVersionId,
      { shots: [2, 4] },
      () => 'x',
    );
    await writeResults(db, lease, rows.slice(0, 5), first.benchmarkVersionId);
    const status = await queueStatus(db, first.submissionId);
    expect(status).toMatchObject({
      status: 'running',
      position: null,
      done: 5,
      total: rows.length,
    });
    expect(await queueStatus(db, 999)).toBeNull();
  });
});

describe('verdicts, kept with their results (no foreign key: migration 0023)', () => {
  const verdictCounts = async (pool: import('pg').Pool) =>
    (
      await pool.query(
        `SELECT submission_id AS id, count(*)::int AS n,
                count(*) FILTER (WHERE NOT EXISTS (SELECT 1 FROM results r
                  WHERE r.submission_id = v.submission_id AND r.episode_id = v.episode_id))::int AS orphans
         FROM verdicts v GROUP BY submission_id ORDER BY submission_id`,
      )
    ).rows;

  it('go with a deleted result, or a deleted submission, and only with them', async () => {
    const { db, pool } = await freshDatabase();
    const a = await runSubmission(db, 'model-a');
    const b = await runSubmission(db, 'model-b', 1);
    const n = a.rows.length;
    expect(await verdictCounts(pool)).toEqual([
      { id: a.submissionId, n: 2 * n, orphans: 0 },
      { id: b.submissionId, n: 2 * n, orphans: 0 },
    ]);
    // One result of a: its two verdicts go; b's verdicts of the same episode stay.
    const episode = a.rows[0]!.episode.id;
    await pool.query('DELETE FROM results WHERE submission_id = $1 AND episode_id = $2', [
      a.submissionId,
      episode,
    ]);
    expect(await verdictCounts(pool)).toEqual([
      { id: a.submissionId, n: 2 * n - 2, orphans: 0 },
      { id: b.submissionId, n: 2 * n, orphans: 0 },
    ]);
    expect(
      (await pool.query('SELECT count(*)::int AS n FROM verdicts WHERE episode_id = $1', [episode]))
        .rows[0].n,
    ).toBe(2);
    // A result keeps its key: its verdicts name it.
    await expect(
      pool.query(`UPDATE results SET episode_id = episode_id || 'x' WHERE submission_id = $1`, [
        b.submissionId,
      ]),
    ).rejects.toMatchObject({ code: '23503' });
    // A result must name a submission that exists.
    await expect(
      pool.query(
        `INSERT INTO results (submission_id, episode_id, shots, policy, concept_id, query_class)
         SELECT $1, episode_id || 'y', shots, policy, concept_id, query_class FROM results LIMIT 2`,
        [b.submissionId + 1000],
      ),
    ).rejects.toMatchObject({ code: '23503' });
    // Submission a, deleted: its results go, and its verdicts with them.
    await pool.query('DELETE FROM submissions WHERE id = $1', [a.submissionId]);
    expect(await verdictCounts(pool)).toEqual([{ id: b.submissionId, n: 2 * n, orphans: 0 }]);
    expect(
      (await pool.query('SELECT submission_id AS id, count(*)::int AS n FROM results GROUP BY 1'))
        .rows,
    ).toEqual([{ id: b.submissionId, n }]);
    await pool.query('TRUNCATE results');
    expect(await verdictCounts(pool)).toEqual([]);
  });

  it('go with a submission deleted while its results are being written', async () => {
    const { db, pool } = await freshDatabase();
    const { submissionId, rows } = await runSubmission(db, 'model-a');
    const other = await pool.connect();
    try {
      // A writer stores more results of the submission, and commits only once a deletion of the
      // submission has started: the deletion waits for it, then takes its results too.
      await other.query('BEGIN');
      await other.query(
        `INSERT INTO results (submission_id, episode_id, shots, policy, concept_id, query_class)
         SELECT submission_id, episode_id || '-again', shots, policy, concept_id, query_class
         FROM results WHERE submission_id = $1`,
        [submissionId],
      );
      const deleting = pool.query('DELETE FROM submissions WHERE id = $1', [submissionId]);
      await new Promise((r) => setTimeout(r, 300));
      await other.query('COMMIT');
      await deleting;
    } finally {
      other.release();
    }
    expect(rows.length).toBeGreaterThan(0);
    expect(
      (
        await pool.query(
          'SELECT (SELECT count(*)::int FROM results) AS results, (SELECT count(*)::int FROM verdicts) AS verdicts',
        )
      ).rows[0],
    ).toEqual({ results: 0, verdicts: 0 });
  });

  it('are not re-scored for a result deleted while re-scoring reads them', async () => {
    const { db, pool } = await freshDatabase();
    const { submissionId, rows } = await runSubmission(db, 'model-a');
    const gone = rows[1]!.episode.id;
    const other = await pool.connect();
    try {
      // The result is deleted (its verdicts with it) by a transaction that commits only once
      // re-scoring has read the submission's results.
      await other.query('BEGIN');
      await other.query('DELETE FROM results WHERE submission_id = $1 AND episode_id = $2', [
        submissionId,
        gone,
      ]);
      const rescoring = rescoreSubmission(db, submissionId, 'strict');
      await new Promise((r) => setTimeout(r, 300));
      await other.query('COMMIT');
      expect(await rescoring).toBe(rows.length - 1);
    } finally {
      other.release();
    }
    expect(await verdictCounts(pool)).toEqual([
      { id: submissionId, n: 2 * rows.length - 2, orphans: 0 },
    ]);
  });
});
