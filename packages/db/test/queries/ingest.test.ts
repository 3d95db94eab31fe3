import { randomUUID } from 'node:crypto';
import type { PolicyName } from '@linkboard/core';
import { describe, expect, it } from 'vitest';
import {
  claimJob,
  clearErrorResults,
  completeJob,
  computeAggregates,
  conceptBreakdown,
  type Db,
  episodeWithResult,
  heartbeat,
  type Lease,
  LeaseLostError,
  type ResultInput,
  submissionCurves,
  writeResults,
} from '../../src';
import { RUNNING } from '../../src/queries/tallies';
import { fixtureManifest, resultRows, seedSubmission } from '../fixtures';
import { freshDatabase } from '../helpers';

/*
 * The write path (COPY under the lease, running tallies) against what it must keep: a lease lost
 * writes nothing, a batch is written whole or not at all, a result is stored and counted once
 * however often it is sent, and the aggregates a submission finishes with are exactly those
 * computed from its stored results, whatever retries, removals and concurrent jobs came before.
 */

type Pool = import('pg').Pool;

const AGGREGATE_TABLES = [
  'submission_scores',
  'submission_concept_scores',
  'submission_ranked_counts',
  'submission_summaries',
] as const;

/** A submission's aggregate rows, in a fixed order. */
async function aggregatesOf(pool: Pool, id: number, tables: readonly string[] = AGGREGATE_TABLES) {
  const out: Record<string, unknown[]> = {};
  for (const table of tables)
    out[table] = (
      await pool.query(
        `SELECT to_jsonb(t) - 'submission_id' AS row FROM ${table} t WHERE submission_id = $1 ORDER BY 1`,
        [id],
      )
    ).rows.map((r) => r.row);
  return out;
}

/** The aggregates computeAggregates makes of the stored results now (in a transaction undone). */
async function computedFromResults(pool: Pool, id: number) {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    // Through a drizzle on this very connection, so that the rollback undoes it.
    const { drizzle } = await import('drizzle-orm/node-postgres');
    await computeAggregates(drizzle(client) as unknown as Db, id);
    const rows: Record<string, unknown[]> = {};
    for (const table of AGGREGATE_TABLES)
      rows[table] = (
        await client.query(
          `SELECT to_jsonb(t) - 'submission_id' AS row FROM ${table} t WHERE submission_id = $1 ORDER BY 1`,
          [id],
        )
      ).rows.map((r) => r.row);
    return rows;
  } finally {
    await client.query('ROLLBACK');
    client.release();
  }
}

/** The running tallies as the aggregates they will become (scorer names without RUNNING). */
async function talliesOf(pool: Pool, id: number) {
  const out: Record<string, unknown[]> = {};
  for (const table of AGGREGATE_TABLES.slice(0, 3))
    out[table] = (
      await pool.query(
        `SELECT to_jsonb(t) - 'submission_id' - 'mean_latency_ms' || jsonb_build_object('scorer', substr(scorer, 2)) AS row
         FROM ${table} t WHERE submission_id = $1 AND starts_with(scorer, $2) ORDER BY 1`,
        [id, RUNNING],
      )
    ).rows.map((r) => r.row);
  return out;
}

const withoutLatency = (tables: Record<string, unknown[]>) =>
  Object.fromEntries(
    Object.entries(tables)
      .filter(([table]) => table !== 'submission_summaries')
      .map(([table, rows]) => [
        table,
        rows.map((r) => {
          const { mean_latency_ms: _, ...rest } = r as Record<string, unknown>;
          return rest;
        }),
      ]),
  );

// Right, capitalised (official: wrong), the other label, a longer word, nothing (an error).
const answerFor = (row: ResultInput, i: number) =>
  [
    `there is "${row.episode.query.label}" in the image.`,
    row.episode.query.label.toUpperCase(),
    `a ${row.episode.query.other}`,
    `${row.episode.query.label}s`,
    null,
  ][i % 5] ?? null;

async function seeded(
  db: Db,
  options: { shardSize?: number; draws?: number; policies?: PolicyName[] } = {},
) {
  const policies = options.policies ?? ['lcl', 'flip'];
  const seed = await seedSubmission(db, {
    manifest: fixtureManifest({ pairs: 3, queries: 3 }),
    shots: [2, 4],
    draws: options.draws ?? 2,
    policies,
    shardSize: options.shardSize,
  });
  const spec = { shots: [2, 4], draws: options.draws ?? 2, policies };
  const blank = await resultRows(db, seed.manifest, seed.benchmarkVersionId, spec, () => null);
  const rows = await resultRows(db, seed.manifest, seed.benchmarkVersionId, spec, (i) =>
    answerFor(blank[i] as ResultInput, i),
  );
  const start = Date.UTC(2026, 0, 1);
  return {
    ...seed,
    rows: rows.map((r, i) => ({
      ...r,
      // Every other answer has no latency: the mean counts the others only.
      latencyMs: i % 2 === 0 ? 37 * i + 0.4 : undefined,
      sentAt: new Date(start + 1000 * ((i * 7) % rows.length)),
      reasoning: i % 3 === 0,
    })),
  };
}

const claim = async (db: Db, worker = 'w') =>
  (await claimJob(db, { worker, leaseMs: 30_000 })) as Lease;

describe('the write path', () => {
  it('counts each result once however often it is sent, and finishes with the aggregates of the stored results', async () => {
    const { db, pool } = await freshDatabase();
    const { rows, submissionId, benchmarkVersionId } = await seeded(db);
    const lease = await claim(db);
    // Out of order, overlapping, resent whole: 19, then 7 of them again with 12 new, then all.
    expect(await writeResults(db, lease, rows.slice(5, 24), benchmarkVersionId)).toBe(19);
    expect(await writeResults(db, lease, rows.slice(0, 12), benchmarkVersionId)).toBe(5);
    expect(await writeResults(db, lease, rows.slice(17, 31), benchmarkVersionId)).toBe(7);
    expect(await writeResults(db, lease, [...rows].reverse(), benchmarkVersionId)).toBe(
      rows.length - 31,
    );
    expect(await writeResults(db, lease, rows, benchmarkVersionId)).toBe(0);
    const { rows: stored } = await pool.query(
      `SELECT (SELECT count(*)::int FROM results WHERE submission_id = $1) AS results,
              (SELECT count(*)::int FROM verdicts WHERE submission_id = $1) AS verdicts,
              (SELECT progress_done FROM jobs WHERE id = $2) AS progress,
              (SELECT (provenance ->> 'reasoningAnswers')::int FROM submissions WHERE id = $1) AS reasoning`,
      [submissionId, lease.jobId],
    );
    expect(stored[0]).toEqual({
      results: rows.length,
      verdicts: 2 * rows.length,
      progress: rows.length,
      reasoning: rows.filter((r) => r.reasoning).length,
    });
    // While it runs, the tallies are already what the results make, and nothing shows them.
    const computed = await computedFromResults(pool, submissionId);
    expect(await talliesOf(pool, submissionId)).toEqual(withoutLatency(computed));
    expect(await conceptBreakdown(db, submissionId, 'official')).toEqual([]);
    expect(await submissionCurves(db, [submissionId], 'strict')).toEqual([]);
    expect(
      await completeJob(
        db,
        lease,
        rows.map((r) => r.episode.id),
      ),
    ).toEqual({ submissionDone: true });
    const finished = await aggregatesOf(pool, submissionId);
    expect(finished).toEqual(computed);
    expect(finished.submission_ranked_counts?.length).toBeGreaterThan(0);
    // Not a running tally left behind.
    expect(
      (
        await pool.query(
          `SELECT count(*)::int AS n FROM submission_concept_scores WHERE starts_with(scorer, $1)`,
          [RUNNING],
        )
      ).rows[0].n,
    ).toBe(0);
  });

  it('keeps the first stored answer: a resent result with another answer changes nothing', async () => {
    const { db, pool } = await freshDatabase();
    const { rows, submissionId, benchmarkVersionId } = await seeded(db);
    const lease = await claim(db);
    await writeResults(db, lease, rows.slice(0, 4), benchmarkVersionId);
    const before = await aggregatesOf(pool, submissionId, ['submission_scores']);
    const changed = rows.slice(0, 4).map((r) => ({
      ...r,
      rawAnswer: 'something else',
      errorClass: null,
      verdicts: r.verdicts.map((v) => ({ ...v, outcome: 'neither' as const, rule: 'changed' })),
    }));
    expect(await writeResults(db, lease, changed, benchmarkVersionId)).toBe(0);
    expect(await aggregatesOf(pool, submissionId, ['submission_scores'])).toEqual(before);
    const shown = await episodeWithResult(db, rows[0]!.episode.id, submissionId);
    expect(shown?.result?.rawAnswer).toBe(rows[0]!.rawAnswer);
  });

  it('writes nothing for a lease that was lost, and nothing of a batch that fails part-way', async () => {
    const { db, pool } = await freshDatabase();
    const { rows, submissionId, benchmarkVersionId } = await seeded(db);
    const first = (await claimJob(db, { worker: 'a', leaseMs: 100 })) as Lease;
    await writeResults(db, first, rows.slice(0, 3), benchmarkVersionId);
    await new Promise((r) => setTimeout(r, 200));
    const second = await claim(db, 'b');
    expect(second.jobId).toBe(first.jobId);
    await expect(
      writeResults(db, first, rows.slice(3, 10), benchmarkVersionId),
    ).rejects.toBeInstanceOf(LeaseLostError);
    const counts = async () =>
      (
        await pool.query(
          `SELECT (SELECT count(*)::int FROM results WHERE submission_id = $1) AS results,
                  (SELECT count(*)::int FROM verdicts WHERE submission_id = $1) AS verdicts,
                  (SELECT sum(n)::int FROM submission_scores WHERE submission_id = $1) AS tallied,
                  (SELECT progress_done FROM jobs WHERE submission_id = $1) AS progress`,
          [submissionId],
        )
      ).rows[0];
    expect(await counts()).toEqual({ results: 3, verdicts: 6, tallied: 6, progress: 3 });
    // The last verdict cannot be stored (a version past smallint): the results before it, taken
    // already, are not stored either.
    const broken = rows
      .slice(3, 10)
      .map((r, i) => (i === 6 ? { ...r, verdicts: [{ ...r.verdicts[0]!, version: 70_000 }] } : r));
    await expect(writeResults(db, second, broken, benchmarkVersionId)).rejects.toThrow();
    const unknown = rows
      .slice(3, 10)
      .map((r, i) =>
        i === 6 ? { ...r, verdicts: [{ ...r.verdicts[0]!, outcome: 'maybe' as never }] } : r,
      );
    await expect(writeResults(db, second, unknown, benchmarkVersionId)).rejects.toThrow();
    // Nor is a batch that names an episode twice.
    await expect(
      writeResults(db, second, [rows[4]!, rows[5]!, rows[4]!], benchmarkVersionId),
    ).rejects.toThrow(`episode ${rows[4]!.episode.id}: given twice in one batch`);
    const invalid = rows
      .slice(3, 10)
      .map((r, i) => (i === 5 ? { ...r, latencyMs: Number.NaN } : r));
    await expect(writeResults(db, second, invalid, benchmarkVersionId)).rejects.toThrow();
    expect(await counts()).toEqual({ results: 3, verdicts: 6, tallied: 6, progress: 3 });
    // The connection each failure ran on is fine to use again.
    await heartbeat(db, second, { leaseMs: 30_000 });
    expect(await writeResults(db, second, rows.slice(3, 10), benchmarkVersionId)).toBe(7);
  });

  it('stores answers as they were given: tabs, newlines, backslashes, \\N, quotes and any script', async () => {
    const { db } = await freshDatabase();
    const { rows, submissionId, benchmarkVersionId } = await seeded(db);
    const answers = [
      'a\tb\nc\r\nd',
      '\\N',
      'back\\slash \\t not a tab',
      '',
      '"quoted" and \'single\'',
      'ünïcødé 猫 🐈 \u200b',
      '\\.',
      ' \n',
    ];
    const lease = await claim(db);
    const batch = answers.map((rawAnswer, i) => ({
      ...(rows[i] as ResultInput),
      rawAnswer,
      errorClass: i === 2 ? 'has\ttab' : null,
      answerTruncated: i === 3,
    }));
    await writeResults(db, lease, batch, benchmarkVersionId);
    for (const [i, r] of batch.entries()) {
      const shown = await episodeWithResult(db, r.episode.id, submissionId);
      expect(shown?.result).toMatchObject({
        rawAnswer: answers[i],
        errorClass: r.errorClass,
        answerTruncated: i === 3,
      });
    }
  });

  it('takes error results back out of the tallies when a retry clears them', async () => {
    const { db, pool } = await freshDatabase();
    const { rows, submissionId, benchmarkVersionId } = await seeded(db);
    const lease = await claim(db);
    await writeResults(db, lease, rows, benchmarkVersionId);
    const errors = rows.filter((r) => r.rawAnswer === null);
    expect(errors.length).toBeGreaterThan(2);
    expect(
      await clearErrorResults(
        db,
        lease,
        rows.map((r) => r.episode.id),
      ),
    ).toBe(errors.length);
    expect(await talliesOf(pool, submissionId)).toEqual(
      withoutLatency(await computedFromResults(pool, submissionId)),
    );
    // Their verdicts went with them (a trigger: verdicts have no foreign key to results).
    expect(
      (
        await pool.query(
          `SELECT count(*)::int AS n FROM verdicts v WHERE NOT EXISTS (SELECT 1 FROM results r
             WHERE r.submission_id = v.submission_id AND r.episode_id = v.episode_id)`,
        )
      ).rows[0].n,
    ).toBe(0);
    expect(
      (
        await pool.query('SELECT count(*)::int AS n FROM verdicts WHERE submission_id = $1', [
          submissionId,
        ])
      ).rows[0].n,
    ).toBe(2 * (rows.length - errors.length));
    // Asked again: answered this time, some of them.
    const again = errors.map((r, i) =>
      i % 2 === 0
        ? {
            ...r,
            rawAnswer: r.episode.query.label,
            errorClass: null,
            verdicts: r.verdicts.map((v) => ({ ...v, outcome: 'correct' as const, rule: 'again' })),
          }
        : r,
    );
    expect(await writeResults(db, lease, again, benchmarkVersionId)).toBe(errors.length);
    const computed = await computedFromResults(pool, submissionId);
    expect(await talliesOf(pool, submissionId)).toEqual(withoutLatency(computed));
    await completeJob(
      db,
      lease,
      rows.map((r) => r.episode.id),
    );
    expect(await aggregatesOf(pool, submissionId)).toEqual(computed);
  });

  it('counts correctly with two jobs of one submission written at once', async () => {
    const { db, pool } = await freshDatabase({ max: 6 });
    const { rows, submissionId, benchmarkVersionId } = await seeded(db, { shardSize: 12 });
    const leases = [await claim(db, 'a'), await claim(db, 'b'), await claim(db, 'c')];
    // Every job's slice, in small batches, the jobs interleaved.
    await Promise.all(
      leases.map(async (lease) => {
        const slice = rows.slice(lease.firstEpisode, lease.firstEpisode + lease.episodeCount);
        for (let i = 0; i < slice.length; i += 3)
          await writeResults(db, lease, slice.slice(i, i + 3), benchmarkVersionId);
      }),
    );
    const computed = await computedFromResults(pool, submissionId);
    expect(await talliesOf(pool, submissionId)).toEqual(withoutLatency(computed));
    for (;;) {
      const lease = await claimJob(db, { worker: 'd', leaseMs: 30_000 });
      if (!lease) break;
      leases.push(lease);
      const slice = rows.slice(lease.firstEpisode, lease.firstEpisode + lease.episodeCount);
      await writeResults(db, lease, slice, benchmarkVersionId);
    }
    const done = await Promise.all(
      leases.map((lease) =>
        completeJob(
          db,
          lease,
          rows
            .slice(lease.firstEpisode, lease.firstEpisode + lease.episodeCount)
            .map((r) => r.episode.id),
        ),
      ),
    );
    expect(done.filter((d) => d.submissionDone)).toHaveLength(1);
    expect(await aggregatesOf(pool, submissionId)).toEqual(
      await computedFromResults(pool, submissionId),
    );
  });

  it('writes a batch again, less what another writer stored meanwhile, when the two collide', async () => {
    const { db, pool } = await freshDatabase();
    const { rows, submissionId, benchmarkVersionId } = await seeded(db);
    const lease = await claim(db);
    const taken = rows[3] as ResultInput;
    // Another writer (a runner writing outside its slice) stores one of the batch's results and
    // has not committed when the batch is read: the batch's COPY meets it at the unique key.
    const other = await pool.connect();
    try {
      await other.query('BEGIN');
      await other.query(
        `INSERT INTO results (submission_id, episode_id, shots, policy, concept_id, query_class, raw_answer)
         VALUES ($1, $2, $3, $4, $5, $6, 'theirs')`,
        [
          submissionId,
          taken.episode.id,
          taken.episode.shots,
          taken.episode.policy,
          taken.conceptId,
          taken.episode.query.queryClass,
        ],
      );
      const writing = writeResults(db, lease, rows.slice(0, 10), benchmarkVersionId);
      await new Promise((r) => setTimeout(r, 300));
      await other.query('COMMIT');
      expect(await writing).toBe(9);
    } finally {
      other.release();
    }
    const shown = await episodeWithResult(db, taken.episode.id, submissionId);
    expect(shown?.result?.rawAnswer).toBe('theirs');
    expect(
      (
        await pool.query('SELECT count(*)::int AS n FROM results WHERE submission_id = $1', [
          submissionId,
        ])
      ).rows[0].n,
    ).toBe(10);
  });

  it('stores the episodes each database lacks, whatever this process has stored elsewhere', async () => {
    // Two databases, the same benchmark: the second's writer must not take the episodes the
    // first stored (and this process saw stored) as stored in its own.
    const stored = [];
    for (let k = 0; k < 2; k++) {
      const { db, pool } = await freshDatabase();
      const { rows, benchmarkVersionId } = await seeded(db);
      const lease = await claim(db);
      expect(await writeResults(db, lease, rows.slice(0, 10), benchmarkVersionId)).toBe(10);
      // Resent with more: the ten are stored already, the rest is new.
      expect(await writeResults(db, lease, rows.slice(0, 20), benchmarkVersionId)).toBe(10);
      stored.push(
        (
          await pool.query('SELECT count(*)::int AS n FROM episodes WHERE id = ANY($1::text[])', [
            rows.slice(0, 20).map((r) => r.episode.id),
          ])
        ).rows[0].n,
      );
    }
    expect(stored).toEqual([20, 20]);
  });

  it('reads again which episodes are stored once a write has failed', async () => {
    const { db, pool } = await freshDatabase();
    const { rows, benchmarkVersionId, manifest } = await seeded(db);
    const first = await claim(db);
    expect(await writeResults(db, first, rows.slice(0, 5), benchmarkVersionId)).toBe(5);
    // As if the server had lost the commit that stored them (it does not wait for the disk).
    const ids = rows.slice(0, 5).map((r) => r.episode.id);
    await pool.query('DELETE FROM episodes WHERE id = ANY($1::text[])', [ids]);
    // A write fails (here a lease that is not held): what the pool saw stored is forgotten.
    await expect(
      writeResults(db, { ...first, token: randomUUID() }, rows.slice(5, 6), benchmarkVersionId),
    ).rejects.toBeInstanceOf(LeaseLostError);
    // Another submission answers the same episodes: they are stored again.
    await seedSubmission(db, {
      manifest,
      model: 'model-b',
      shots: [2, 4],
      draws: 2,
      policies: ['lcl', 'flip'],
    });
    const second = await claim(db, 'other');
    expect(second.submissionId).not.toBe(first.submissionId);
    expect(await writeResults(db, second, rows.slice(0, 5), benchmarkVersionId)).toBe(5);
    expect(
      (
        await pool.query('SELECT count(*)::int AS n FROM episodes WHERE id = ANY($1::text[])', [
          ids,
        ])
      ).rows[0].n,
    ).toBe(5);
  });

  it('counts a result that has no verdict into its job’s progress', async () => {
    const { db, pool } = await freshDatabase();
    const { rows, benchmarkVersionId } = await seeded(db);
    const lease = await claim(db);
    const bare = rows.slice(0, 3).map((r) => ({ ...r, verdicts: [], reasoning: true }));
    expect(await writeResults(db, lease, bare, benchmarkVersionId)).toBe(3);
    expect(
      (
        await pool.query(
          `SELECT j.progress_done AS progress, (s.provenance ->> 'reasoningAnswers')::int AS reasoning,
                  (SELECT count(*)::int FROM submission_scores WHERE submission_id = s.id) AS tallied
           FROM jobs j JOIN submissions s ON s.id = j.submission_id WHERE j.id = $1`,
          [lease.jobId],
        )
      ).rows[0],
    ).toEqual({ progress: 3, reasoning: 3, tallied: 0 });
  });

  it('counts from the results at completion where the tallies do not account for them all', async () => {
    const { db, pool } = await freshDatabase();
    const { rows, submissionId, benchmarkVersionId } = await seeded(db);
    const lease = await claim(db);
    await writeResults(db, lease, rows, benchmarkVersionId);
    // As if some results had been written before tallies were kept (or in some other way).
    await pool.query('DELETE FROM submission_concept_scores WHERE submission_id = $1', [
      submissionId,
    ]);
    await pool.query(
      'UPDATE submission_scores SET n = n - 1, correct = correct - 1 WHERE submission_id = $1 AND correct > 0',
      [submissionId],
    );
    const computed = await computedFromResults(pool, submissionId);
    await completeJob(
      db,
      lease,
      rows.map((r) => r.episode.id),
    );
    expect(await aggregatesOf(pool, submissionId)).toEqual(computed);
    expect(computed.submission_concept_scores?.length).toBeGreaterThan(0);
  });
});
