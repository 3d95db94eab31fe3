import { costOf, type Prices, type RunUsage, type TallyEntry } from '@linkboard/core';
import { sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../client';
import { col, type Executor, pgArray, queryRows } from './rows';

/**
 * What a run used and what answered it, read after (or while) it runs: tokens, latency and cost
 * over its stored results, at the prices stated with the submission, and the facts the runner
 * recorded of its preflight and of the replies.
 */

/** Tokens, latency and cost over a submission's stored results (core's `RunUsage`). */
export type SubmissionUsage = RunUsage;

const count = z.number().int().min(0);
const short = z.string().max(200);

/**
 * The stored preflight (core's `PreflightFacts`), read field by field: a blob written by an older
 * or newer runner keeps what still reads, and keys this code does not know are dropped rather
 * than passed on to a page.
 */
const PREFLIGHT = z
  .object({
    images: count.nullable().catch(null),
    latencyMs: z.number().min(0).nullable().catch(null),
    promptTokens: count.nullable().catch(null),
    completionTokens: count.nullable().catch(null),
    model: short.nullable().catch(null),
    fingerprint: short.nullable().catch(null),
    at: z.string().max(64).nullable().catch(null),
  })
  .nullable()
  .catch(null);
export type StoredPreflight = z.output<typeof PREFLIGHT>;

/** A tally of names and counts (core's `TallyEntry` list), keeping the entries that read. */
const TALLY = z.unknown().transform((value): TallyEntry[] => {
  if (!Array.isArray(value)) return [];
  return value.flatMap((entry) => {
    const parsed = z.object({ name: short, answers: count }).safeParse(entry);
    return parsed.success ? [{ name: parsed.data.name, answers: parsed.data.answers }] : [];
  });
});

/** The stored `served_by` (core's `ServedBy`), read as leniently as the preflight. */
const SERVED_BY = z
  .object({
    models: TALLY,
    fingerprints: TALLY,
    engine: z.object({ name: short, version: short }).nullable().catch(null),
  })
  .nullable()
  .catch(null);
export type StoredServedBy = z.output<typeof SERVED_BY>;

/** A submission's prices as core's `Prices`, or null unless both were stated. */
const pricesOf = (input: number | null, output: number | null): Prices | null =>
  input !== null && output !== null ? { inputUsdPerMTok: input, outputUsdPerMTok: output } : null;

/**
 * A submission's usage with its preflight and what answered it; null for no such submission.
 * One statement: the submission's row and one aggregate over its results (the results' primary
 * key starts with the submission, so this reads the submission's range of it and nothing else).
 * Over every stored result, the episodes an open ranked run does not show yet included: sums and
 * percentiles say nothing of any episode's label.
 */
export async function submissionUsage(
  db: Executor,
  submissionId: number,
): Promise<{
  usage: SubmissionUsage;
  preflight: StoredPreflight;
  servedBy: StoredServedBy;
} | null> {
  const [r] = await queryRows(
    db,
    z.object({
      input_usd_per_mtok: col.number.nullable(),
      output_usd_per_mtok: col.number.nullable(),
      max_cost_usd: col.number.nullable(),
      preflight: PREFLIGHT,
      served_by: SERVED_BY,
      answers: col.number,
      answers_with_tokens: col.number,
      prompt_tokens: col.number,
      completion_tokens: col.number,
      latency_p50_ms: col.number.nullable(),
      latency_p95_ms: col.number.nullable(),
    }),
    sql`
    SELECT s.input_usd_per_mtok, s.output_usd_per_mtok, s.max_cost_usd, s.preflight, s.served_by,
           u.answers, u.answers_with_tokens, u.prompt_tokens, u.completion_tokens,
           u.latency_p50_ms, u.latency_p95_ms
    FROM submissions s
    CROSS JOIN LATERAL (
      SELECT count(*) AS answers,
             count(*) FILTER (WHERE r.prompt_tokens IS NOT NULL OR r.completion_tokens IS NOT NULL) AS answers_with_tokens,
             coalesce(sum(r.prompt_tokens), 0) AS prompt_tokens,
             coalesce(sum(r.completion_tokens), 0) AS completion_tokens,
             -- percentile_cont skips nulls: over the answers that have a latency, null if none has.
             percentile_cont(0.5) WITHIN GROUP (ORDER BY r.latency_ms) AS latency_p50_ms,
             percentile_cont(0.95) WITHIN GROUP (ORDER BY r.latency_ms) AS latency_p95_ms
      FROM results r WHERE r.submission_id = s.id) u
    WHERE s.id = ${submissionId}`,
  );
  if (!r) return null;
  const prices = pricesOf(r.input_usd_per_mtok, r.output_usd_per_mtok);
  const tokens = { promptTokens: r.prompt_tokens, completionTokens: r.completion_tokens };
  return {
    usage: {
      answers: r.answers,
      answersWithTokens: r.answers_with_tokens,
      ...tokens,
      latencyP50Ms: r.latency_p50_ms,
      latencyP95Ms: r.latency_p95_ms,
      costUsd: costOf(tokens, prices),
      prices,
      maxCostUsd: r.max_cost_usd,
    },
    preflight: r.preflight,
    servedBy: r.served_by,
  };
}

/** What a leaderboard row's run cost, at the prices stated with it. */
export interface SpentCost {
  costUsd: number;
  prices: Prices;
}

/**
 * What each of these submissions cost, for those whose prices were stated (the rest are absent:
 * their cost is not known). One aggregate, and only over the priced submissions' results: the
 * leaderboard asks for it only when its cost column is shown.
 */
export async function spentCosts(
  db: Db,
  submissionIds: readonly number[],
): Promise<Map<number, SpentCost>> {
  const costs = new Map<number, SpentCost>();
  if (submissionIds.length === 0) return costs;
  const rows = await queryRows(
    db,
    z.object({
      id: col.number,
      input_usd_per_mtok: col.number,
      output_usd_per_mtok: col.number,
      prompt_tokens: col.number,
      completion_tokens: col.number,
    }),
    sql`
    SELECT s.id, s.input_usd_per_mtok, s.output_usd_per_mtok,
           coalesce(sum(r.prompt_tokens), 0) AS prompt_tokens,
           coalesce(sum(r.completion_tokens), 0) AS completion_tokens
    FROM submissions s LEFT JOIN results r ON r.submission_id = s.id
    WHERE s.id = ANY(${pgArray(submissionIds)}::int[])
      AND s.input_usd_per_mtok IS NOT NULL AND s.output_usd_per_mtok IS NOT NULL
    GROUP BY s.id`,
  );
  for (const r of rows) {
    const prices = {
      inputUsdPerMTok: r.input_usd_per_mtok,
      outputUsdPerMTok: r.output_usd_per_mtok,
    };
    const costUsd = costOf(
      { promptTokens: r.prompt_tokens, completionTokens: r.completion_tokens },
      prices,
    );
    if (costUsd !== null) costs.set(r.id, { costUsd, prices });
  }
  return costs;
}
