import type { OutcomeCounts, Weights } from '@linkboard/core';
import { sql } from 'drizzle-orm';
import type { Db } from '../client';

/** A transaction, as `db.transaction` hands it to its callback. */
export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];

/** The database, or a transaction on it. */
export type Executor = Db | Tx;

/** The rows a statement returns, typed by the caller. */
export const queryRows = async <T>(db: Executor, query: ReturnType<typeof sql>) =>
  (await db.execute(query)).rows as T[];

/** One bound parameter holding a whole array (drizzle would otherwise spread it into a list). */
export const pgArray = (values: readonly unknown[]) => sql.param(values);

/** A numeric column as pg returns it (numbers, or strings for bigint and numeric). */
export const num = (v: unknown) => Number(v ?? 0);

/** The six outcome-count columns of an aggregate row, as core's OutcomeCounts. */
export function outcomeCountsOf(r: Record<string, unknown>): OutcomeCounts {
  return {
    correct: num(r.correct),
    'other-label': num(r.other_label),
    both: num(r.both),
    neither: num(r.neither),
    empty: num(r.empty),
    error: num(r.error),
  };
}

/**
 * A row's model card, read from the columns `m.organisation, m.url AS model_url, m.params_b,
 * m.weights, m.licence, m.base_model, s.model_revision`; null where the submitter did not say.
 */
export interface CardColumns {
  organisation: string | null;
  paramsB: number | null;
  weights: Weights | null;
  licence: string | null;
  baseModel: string | null;
  modelUrl: string | null;
  revision: string | null;
}

export function cardOf(r: Record<string, unknown>): CardColumns {
  const text = (v: unknown) => (v === null || v === undefined ? null : String(v));
  return {
    organisation: text(r.organisation),
    paramsB: r.params_b === null || r.params_b === undefined ? null : Number(r.params_b),
    weights: (text(r.weights) as Weights | null) ?? null,
    licence: text(r.licence),
    baseModel: text(r.base_model),
    modelUrl: text(r.model_url),
    revision: text(r.model_revision),
  };
}

/**
 * The cluster of a concept row `c` joined with its version `v`, by the version's design (its
 * ranked setting's `clusterUnit`, core's `clusterUnitOf`): the pair by default, else the concept
 * (on a design of one concept per episode, the concept is the episode).
 */
export const clusterOfConcept = sql.raw(
  "CASE WHEN coalesce(v.ranked_setting ->> 'clusterUnit', 'pair') = 'pair' THEN c.pair_id ELSE c.id END",
);
