import type { OutcomeCounts } from '@linkboard/core';
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
