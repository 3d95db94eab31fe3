import { POLICY_NAMES, type PolicyName, type ScorerName } from '@linkboard/core';
import { sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../client';
import type { LeaderboardRow } from './leaderboard';
import { col, queryRows } from './rows';

/**
 * Board snapshots (migration 0021): a board's ranking computed once, off the request path, and
 * read as rows. A snapshot is current while its version's change counter (`board_inputs.seq`,
 * bumped by triggers) still says what it said when the counts were read, and while it was ranked
 * by the method the code ranks with now.
 */

/** One board: a version's rows under one policy and scorer, with or without uploaded predictions. */
export interface BoardKey {
  benchmarkVersionId: number;
  policy: PolicyName;
  scorer: ScorerName;
  selfReported: boolean;
}

export interface BoardSnapshotFacts {
  /** Grows with every build of any board: a snapshot's version. */
  generation: number;
  builtAt: Date;
  buildMs: number;
  rowCount: number;
  method: string;
  /** Its inputs changed since it was built (or it was ranked another way): a new one is due. */
  stale: boolean;
}

const KEY_WHERE = (key: BoardKey) =>
  sql`benchmark_version_id = ${key.benchmarkVersionId} AND policy = ${key.policy}::policy
      AND scorer = ${key.scorer} AND self_reported = ${key.selfReported}`;

/** The version's change counter now (0 before anything was counted). */
export async function boardInputsSeq(db: Db, benchmarkVersionId: number): Promise<number> {
  const [row] = await queryRows(
    db,
    z.object({ seq: col.number }),
    sql`SELECT seq FROM board_inputs WHERE benchmark_version_id = ${benchmarkVersionId}`,
  );
  return row?.seq ?? 0;
}

/**
 * Replaces a board's snapshot with `rows` (in rank order) in one transaction, so a reader sees the
 * old one or the new one, never a mix. A snapshot already there that was built from later inputs
 * by the same method is kept (two builders raced; the later counts win): then null.
 */
export async function writeBoardSnapshot(
  db: Db,
  key: BoardKey,
  snapshot: { inputsSeq: number; method: string; buildMs: number; rows: readonly LeaderboardRow[] },
): Promise<number | null> {
  return db.transaction(async (tx) => {
    // Serialises builders of one board (the row lock of the unique key is not there to take yet).
    await tx.execute(
      sql`SELECT pg_advisory_xact_lock(hashtext('board_snapshot'), hashtext(${boardKeyName(key)}))`,
    );
    const [newer] = await queryRows(
      tx,
      z.object({ generation: col.number }),
      sql`SELECT generation FROM board_snapshots WHERE ${KEY_WHERE(key)}
          AND inputs_seq > ${snapshot.inputsSeq} AND method = ${snapshot.method}`,
    );
    if (newer) return null;
    await tx.execute(sql`DELETE FROM board_snapshots WHERE ${KEY_WHERE(key)}`);
    const [made] = await queryRows(
      tx,
      z.object({ generation: col.number }),
      sql`INSERT INTO board_snapshots (benchmark_version_id, policy, scorer, self_reported, inputs_seq, method, row_count, build_ms)
          VALUES (${key.benchmarkVersionId}, ${key.policy}::policy, ${key.scorer}, ${key.selfReported},
                  ${snapshot.inputsSeq}, ${snapshot.method}, ${snapshot.rows.length}, ${Math.round(snapshot.buildMs)})
          RETURNING generation`,
    );
    const generation = (made as { generation: number }).generation;
    if (snapshot.rows.length > 0) {
      // One JSON array for the whole board: a single parameter, split by the server.
      await tx.execute(
        sql`INSERT INTO board_snapshot_rows (generation, position, row)
            SELECT ${generation}, ord - 1, value FROM jsonb_array_elements(${JSON.stringify(snapshot.rows)}::jsonb) WITH ORDINALITY AS t(value, ord)`,
      );
    }
    return generation;
  });
}

/**
 * A board's snapshot and its first `limit` rows (all without), in one statement so the rows are
 * the snapshot's even while a builder replaces it; null when the board has never been built.
 * `known`: the generation the caller holds the rows of already; when it is still the board's,
 * the facts come back alone (`rows: null`), since a generation's rows never change.
 */
export async function readBoardSnapshot(
  db: Db,
  key: BoardKey,
  options: { method: string; limit?: number; known?: number },
): Promise<{ facts: BoardSnapshotFacts; rows: LeaderboardRow[] | null } | null> {
  const limit = options.limit ?? null;
  const known = options.known ?? null;
  const found = await queryRows(
    db,
    z.object({
      generation: col.number,
      built_at: col.time,
      build_ms: col.number,
      row_count: col.number,
      method: col.text,
      stale: col.bool,
      row: col.stored<LeaderboardRow>().nullable(),
    }),
    sql`
    WITH s AS (
      SELECT generation, built_at, build_ms, row_count, method,
             method <> ${options.method}
             OR inputs_seq < coalesce((SELECT seq FROM board_inputs WHERE benchmark_version_id = ${key.benchmarkVersionId}), 0) AS stale
      FROM board_snapshots WHERE ${KEY_WHERE(key)}
    )
    SELECT s.*, r.row FROM s
    LEFT JOIN LATERAL (
      SELECT row FROM board_snapshot_rows
      WHERE generation = s.generation AND s.generation IS DISTINCT FROM ${known}::bigint
      ORDER BY position LIMIT ${limit}
    ) r ON true`,
  );
  const [first] = found;
  if (!first) return null;
  return {
    facts: {
      generation: first.generation,
      builtAt: first.built_at,
      buildMs: first.build_ms,
      rowCount: first.row_count,
      method: first.method,
      stale: first.stale,
    },
    rows:
      known !== null && first.generation === known
        ? null
        : found.flatMap((r) => (r.row ? [reviveRow(r.row)] : [])),
  };
}

/** JSON keeps dates as text: the row's one date comes back as a Date. */
function reviveRow(row: LeaderboardRow): LeaderboardRow {
  const finished = row.finishedAt as unknown;
  return typeof finished === 'string' ? { ...row, finishedAt: new Date(finished) } : row;
}

/** Boards built before whose inputs changed since (or that another method ranked): due again. */
export async function staleBoards(db: Db, method: string): Promise<BoardKey[]> {
  const rows = await queryRows(
    db,
    z.object({
      benchmark_version_id: col.number,
      policy: z.enum(POLICY_NAMES),
      scorer: col.text,
      self_reported: col.bool,
    }),
    sql`
    SELECT s.benchmark_version_id, s.policy, s.scorer, s.self_reported
    FROM board_snapshots s LEFT JOIN board_inputs i ON i.benchmark_version_id = s.benchmark_version_id
    WHERE s.method <> ${method} OR s.inputs_seq < coalesce(i.seq, 0)
    ORDER BY s.built_at`,
  );
  return rows.map((r) => ({
    benchmarkVersionId: r.benchmark_version_id,
    policy: r.policy,
    scorer: r.scorer as ScorerName,
    selfReported: r.self_reported,
  }));
}

/** A board's name in logs and locks: `version/policy/scorer[/self-reported]`. */
export function boardKeyName(key: BoardKey): string {
  return `${key.benchmarkVersionId}/${key.policy}/${key.scorer}${key.selfReported ? '/self-reported' : ''}`;
}
