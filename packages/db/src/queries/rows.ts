import {
  LIVE_SUBMISSION_STATUSES,
  OUTCOMES,
  type OutcomeCounts,
  WEIGHTS,
  type Weights,
} from '@linkboard/core';
import { type SQL, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../client';

/** A transaction, as `db.transaction` hands it to its callback. */
export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];

/** The database, or a transaction on it. */
export type Executor = Db | Tx;

/**
 * Whatever runs a statement: the database, a transaction, or a drizzle over one connection that
 * holds a transaction of its own (the write path's, which also streams COPY on it).
 */
export type Executes = Pick<Executor, 'execute'>;

/** core's live submission states as a SQL array parameter (`status::text = ANY(${LIVE}::text[])`). */
export const LIVE = sql.param([...LIVE_SUBMISSION_STATUSES]);

/**
 * Raw SQL typed at the edge: every statement whose rows are read goes through `queryRows` (or
 * `rowsOf` on a result in hand) with a zod schema of its row, so a column renamed, dropped or of
 * another type than the code believes fails loudly where it is read, not as `undefined` or
 * "null" further on. Columns are described with `col`, which says once how each PostgreSQL type
 * arrives through drizzle's pg driver.
 */
export function rowsOf<S extends z.ZodType>(
  row: S,
  result: { rows: readonly unknown[] },
): z.output<S>[] {
  return result.rows.map((r, i) => {
    const parsed = row.safeParse(r);
    if (!parsed.success)
      throw new Error(`row ${i} is not what the query reads: ${z.prettifyError(parsed.error)}`);
    return parsed.data;
  });
}

/** Runs a statement and returns its rows, each checked against `row` (see `rowsOf`). */
export const queryRows = async <S extends z.ZodType>(
  db: Executes,
  row: S,
  query: SQL,
): Promise<z.output<S>[]> => rowsOf(row, await db.execute(query));

/** A row read for its presence only (`SELECT 1`, a `RETURNING` whose count is what matters). */
export const ANY_ROW = z.object({});

/**
 * Numbers, coerced here and nowhere else: pg hands int2, int4 and float8 over as numbers, but
 * int8 (`count(*)`, `sum` of integers, bigserial ids) and numeric (`sum`, `avg`) as strings, to
 * keep their precision; every count this package reads fits a double.
 */
const number = z
  .union([z.number(), z.string().regex(/^-?\d+(\.\d+)?(e[-+]?\d+)?$/i)])
  .transform(Number)
  .pipe(z.number());

/** How each kind of column arrives through drizzle's pg driver, as zod schemas for `rowsOf`. */
export const col = {
  /** Any numeric type (see `number`). */
  number,
  /** An int[] or bigint[] column, element by element as `number`. */
  numbers: z.array(number),
  text: z.string(),
  texts: z.array(z.string()),
  bool: z.boolean(),
  /**
   * A timestamp: drizzle's driver passes timestamptz on as PostgreSQL's text (it parses dates
   * itself in the query builder), read here as a Date.
   */
  time: z.string().transform((s) => new Date(s)),
  /**
   * A jsonb value of the platform's own writing, trusted to be `T` once it is an object: stored
   * blobs (an exposure check, a provenance) outlive the code that wrote them, so their fields are
   * not re-validated on every read.
   */
  stored: <T>() =>
    z.custom<T>((v) => typeof v === 'object' && v !== null, 'expected a stored JSON object'),
} as const;

/** The six outcome-count columns of an aggregate row (`other_label`, `"both"`, …). */
export const OUTCOME_COLUMNS = {
  correct: col.number,
  other_label: col.number,
  both: col.number,
  neither: col.number,
  empty: col.number,
  error: col.number,
};

/** The six outcome-count columns of an aggregate row, as core's OutcomeCounts. */
export function outcomeCountsOf(r: z.output<z.ZodObject<typeof OUTCOME_COLUMNS>>): OutcomeCounts {
  return {
    correct: r.correct,
    'other-label': r.other_label,
    both: r.both,
    neither: r.neither,
    empty: r.empty,
    error: r.error,
  };
}

/*
 * jsonb keeps an object's keys shorter first, then bytewise, and zod builds its output in its
 * schema's key order: the two JSON shapes below list their keys in jsonb's order, so that what is
 * passed on (a JSONL download, say) keeps the bytes it had.
 */

/** An episode's support as stored (`episodes.support`): its images in order, with their labels. */
export const STORED_SUPPORT = z.array(z.object({ label: z.string(), imageId: z.string() }));

/**
 * A result's verdicts, as `jsonb_agg(jsonb_build_object('scorer', v.scorer, 'version',
 * v.scorer_version, 'outcome', v.outcome, 'rule', v.rule))` gives them.
 */
export const VERDICTS = z.array(
  z.object({
    rule: z.string(),
    scorer: z.string(),
    outcome: z.enum(OUTCOMES),
    version: z.number().int(),
  }),
);

/** One bound parameter holding a whole array (drizzle would otherwise spread it into a list). */
export const pgArray = (values: readonly unknown[]) => sql.param(values);

/**
 * The model card's columns, as selected by `m.organisation, m.url AS model_url, m.params_b,
 * m.weights, m.licence, m.base_model, s.model_revision` (`params_b` is numeric: a string in pg).
 */
export const CARD_COLUMNS = {
  organisation: col.text.nullable(),
  model_url: col.text.nullable(),
  params_b: col.number.nullable(),
  weights: z.enum(WEIGHTS).nullable(),
  licence: col.text.nullable(),
  base_model: col.text.nullable(),
  model_revision: col.text.nullable(),
};

/** A row's model card; null where the submitter did not say. */
export interface CardColumns {
  organisation: string | null;
  paramsB: number | null;
  weights: Weights | null;
  licence: string | null;
  baseModel: string | null;
  modelUrl: string | null;
  revision: string | null;
}

export function cardOf(r: z.output<z.ZodObject<typeof CARD_COLUMNS>>): CardColumns {
  return {
    organisation: r.organisation,
    paramsB: r.params_b,
    weights: r.weights,
    licence: r.licence,
    baseModel: r.base_model,
    modelUrl: r.model_url,
    revision: r.model_revision,
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

/** The `clusterOfConcept` column (a row id) as core's tallies name a cluster: a string. */
export const CLUSTER = col.number.transform(String);
