import { OUTCOMES, type Outcome } from '@linkboard/core';
import { type SQL, sql } from 'drizzle-orm';
import { z } from 'zod';
import { col, type Executes, pgArray, rowsOf } from './rows';

/**
 * A submission's aggregates (submission_scores, submission_concept_scores,
 * submission_ranked_counts) are counted as its results are written, from each batch the write
 * path inserts (and back out of them for the error results a retry removes), so that completing
 * the submission does not read its results and verdicts again to count them.
 *
 * Until the submission is done those counts are running tallies, which nothing may show: a
 * failed run never had aggregates, and an open ranked run's per-concept error counts would name
 * the concepts of episodes it has not answered (see visibility.ts). They are kept in the same
 * tables under the scorer's name behind `RUNNING` — which no scorer's name starts with (core's
 * scorer names are lower case letters, digits and hyphens) and so no reader asks for — and the
 * transaction that completes the submission renames them (`publishTallies`), once it has checked
 * that they count every stored result.
 */
export const RUNNING = '~';

/** One result as the tallies count it: what it is grouped by, and its verdicts. */
export interface TalliedResult {
  conceptId: number;
  shots: number;
  policy: string;
  /** The episode's draw (the ranked setting counts the first draws only); null: unknown. */
  draw: number | null;
  queryClass: string;
  verdicts: readonly { scorer: string; outcome: Outcome }[];
}

/**
 * Counts per scorer × concept × shots × policy × draw × query class: the finest grouping any of
 * the three tables needs, which the database sums into each of them in one statement.
 */
export class Tallies {
  private readonly cells = new Map<
    string,
    { key: TalliedResult & { scorer: string }; counts: number[] }
  >();

  /** Adds (sign 1) or takes away (sign -1) one result's verdicts. */
  count(result: TalliedResult, sign: 1 | -1 = 1): void {
    for (const v of result.verdicts) {
      const key = `${v.scorer}\u0000${result.conceptId}\u0000${result.shots}\u0000${result.policy}\u0000${result.draw}\u0000${result.queryClass}`;
      let cell = this.cells.get(key);
      if (!cell) {
        cell = { key: { ...result, scorer: v.scorer }, counts: OUTCOMES.map(() => 0) };
        this.cells.set(key, cell);
      }
      const at = OUTCOMES.indexOf(v.outcome);
      if (at < 0)
        throw new Error(`verdict of scorer "${v.scorer}": unknown outcome "${v.outcome}"`);
      cell.counts[at] = (cell.counts[at] as number) + sign;
    }
  }

  get size(): number {
    return this.cells.size;
  }

  /**
   * Adds these counts to the submission's running tallies, in one statement; `also`: other
   * writes (data-modifying statements, each a CTE of it) that go in the same statement, one round
   * trip for all (the write path's progress), run even with nothing to count.
   */
  async apply(db: Executes, submissionId: number, also: readonly SQL[] = []): Promise<void> {
    const more = also.map((write, i) => sql`, ${sql.raw(`also_${i}`)} AS (${write})`);
    if (this.cells.size === 0) {
      if (also.length > 0)
        await db.execute(sql`WITH ${sql.raw('nothing')} AS (SELECT 1)${sql.join(more)} SELECT 1`);
      return;
    }
    const cells = [...this.cells.values()];
    const column = (at: number) => pgArray(cells.map((c) => c.counts[at]));
    const outcomes = sql`${column(0)}::int[], ${column(1)}::int[], ${column(2)}::int[], ${column(3)}::int[], ${column(4)}::int[], ${column(5)}::int[]`;
    const sums = sql`sum(correct), sum(other_label), sum("both"), sum(neither), sum(empty), sum(error)`;
    const add = sql.raw(`n = t.n + excluded.n, correct = t.correct + excluded.correct,
      other_label = t.other_label + excluded.other_label, "both" = t."both" + excluded."both",
      neither = t.neither + excluded.neither, empty = t.empty + excluded.empty, error = t.error + excluded.error`);
    // Each insert takes its rows in key order: two jobs of one submission writing at once lock
    // the rows they share in the same order, and so never deadlock.
    await db.execute(sql`
      WITH d AS (
        SELECT u.*, u.correct + u.other_label + u."both" + u.neither + u.empty + u.error AS n
        FROM unnest(${pgArray(cells.map((c) => RUNNING + c.key.scorer))}::text[], ${pgArray(cells.map((c) => c.key.conceptId))}::int[],
                    ${pgArray(cells.map((c) => c.key.shots))}::smallint[], ${pgArray(cells.map((c) => c.key.policy))}::policy[],
                    ${pgArray(cells.map((c) => c.key.draw))}::smallint[], ${pgArray(cells.map((c) => c.key.queryClass))}::query_class[],
                    ${outcomes})
          AS u(scorer, concept_id, shots, policy, draw, query_class, correct, other_label, "both", neither, empty, error)),
      scores AS (
        INSERT INTO submission_scores AS t (submission_id, scorer, shots, policy, n, correct, other_label, "both", neither, empty, error, novel_n, novel_correct)
        SELECT ${submissionId}, scorer, shots, policy, sum(n), ${sums},
               coalesce(sum(n) FILTER (WHERE query_class = 'novel'), 0), coalesce(sum(correct) FILTER (WHERE query_class = 'novel'), 0)
        FROM d GROUP BY scorer, shots, policy ORDER BY scorer, shots, policy
        ON CONFLICT (submission_id, scorer, shots, policy) DO UPDATE SET ${add},
          novel_n = t.novel_n + excluded.novel_n, novel_correct = t.novel_correct + excluded.novel_correct),
      concepts AS (
        INSERT INTO submission_concept_scores AS t (submission_id, scorer, concept_id, shots, policy, n, correct, other_label, "both", neither, empty, error)
        SELECT ${submissionId}, scorer, concept_id, shots, policy, sum(n), ${sums}
        FROM d GROUP BY scorer, concept_id, shots, policy ORDER BY scorer, concept_id, shots, policy
        ON CONFLICT (submission_id, scorer, concept_id, shots, policy) DO UPDATE SET ${add}),
      -- The ranked setting's episodes only, by computeAggregates' very test of them.
      ranked AS (
        INSERT INTO submission_ranked_counts AS t (submission_id, scorer, policy, concept_id, n, correct)
        SELECT ${submissionId}, d.scorer, d.policy, d.concept_id, sum(d.n), sum(d.correct)
        FROM d, submissions s JOIN benchmark_versions bv ON bv.id = s.benchmark_version_id
        WHERE s.id = ${submissionId} AND bv.ranked_setting -> 'shots' @> to_jsonb(d.shots::int)
          AND d.draw < (bv.ranked_setting ->> 'draws')::int
        GROUP BY d.scorer, d.policy, d.concept_id ORDER BY d.scorer, d.policy, d.concept_id
        ON CONFLICT (submission_id, scorer, policy, concept_id) DO UPDATE SET n = t.n + excluded.n, correct = t.correct + excluded.correct)${sql.join(more)}
      SELECT 1`);
    // Taking results away can empty a group: the aggregates have no row for an empty one.
    if (cells.some((c) => c.counts.some((n) => n < 0)))
      for (const table of TABLES)
        await db.execute(
          sql`DELETE FROM ${sql.identifier(table)} WHERE submission_id = ${submissionId} AND starts_with(scorer, ${RUNNING}) AND n = 0`,
        );
  }
}

const TABLES = ['submission_scores', 'submission_concept_scores', 'submission_ranked_counts'];

/**
 * Drops a submission's running tallies: its completion then finds them short of its results and
 * counts from the results (whatever is tallied after this only adds to what is missing).
 */
export async function discardTallies(db: Executes, submissionId: number): Promise<void> {
  for (const table of TABLES)
    await db.execute(
      sql`DELETE FROM ${sql.identifier(table)} WHERE submission_id = ${submissionId} AND starts_with(scorer, ${RUNNING})`,
    );
}

/**
 * At completion (the submission locked, its jobs done): makes the running tallies its aggregates,
 * if they count exactly the stored results — per shots × policy, for every scorer tallied, as
 * many as there are results — and returns true; otherwise (results written before tallies were
 * kept, or by some other way) leaves everything as it is and returns false, for the caller to
 * compute the aggregates from the results instead.
 *
 * Tallies only ever count results that were inserted (and subtract those deleted), so equal
 * counts mean they count each stored result once, with the verdicts it was stored with. The mean
 * latency is the one figure a tally cannot keep (the table holds a mean, not a sum): it is taken
 * here from the results, with their count, in one grouped read of the submission's results.
 */
export async function publishTallies(db: Executes, submissionId: number): Promise<boolean> {
  const stored = rowsOf(
    z.object({ shots: col.number, policy: col.text, n: col.number, mean: col.text.nullable() }),
    await db.execute(sql`
      SELECT shots, policy::text, count(*) AS n, avg(latency_ms)::text AS mean
      FROM results WHERE submission_id = ${submissionId} GROUP BY shots, policy`),
  );
  const tallied = rowsOf(
    z.object({ scorer: col.text, shots: col.number, policy: col.text, n: col.number }),
    await db.execute(sql`
      SELECT scorer, shots, policy::text, n FROM submission_scores
      WHERE submission_id = ${submissionId} AND starts_with(scorer, ${RUNNING})`),
  );
  const expected = new Map(stored.map((r) => [`${r.shots} ${r.policy}`, r.n]));
  const byScorer = new Map<string, number>();
  for (const t of tallied) {
    if (expected.get(`${t.shots} ${t.policy}`) !== t.n) return false;
    byScorer.set(t.scorer, (byScorer.get(t.scorer) ?? 0) + 1);
  }
  if (stored.length > 0 && byScorer.size === 0) return false;
  if ([...byScorer.values()].some((groups) => groups !== stored.length)) return false;
  for (const table of TABLES) {
    const t = sql.identifier(table);
    await db.execute(
      sql`DELETE FROM ${t} WHERE submission_id = ${submissionId} AND NOT starts_with(scorer, ${RUNNING})`,
    );
    await db.execute(
      sql`UPDATE ${t} SET scorer = substr(scorer, ${RUNNING.length + 1}) WHERE submission_id = ${submissionId} AND starts_with(scorer, ${RUNNING})`,
    );
  }
  // The mean as computeAggregates stores it: avg's numeric, exactly, cast to the column's real.
  if (stored.length > 0)
    await db.execute(sql`
      UPDATE submission_scores sc SET mean_latency_ms = m.mean::numeric
      FROM unnest(${pgArray(stored.map((r) => r.shots))}::smallint[], ${pgArray(stored.map((r) => r.policy))}::policy[],
                  ${pgArray(stored.map((r) => r.mean))}::text[]) AS m(shots, policy, mean)
      WHERE sc.submission_id = ${submissionId} AND sc.shots = m.shots AND sc.policy = m.policy`);
  return true;
}
