import { buildBoard, DEFAULT_RANKED_SETTING } from '@linkboard/core';
import { fixtureManifest } from '@linkboard/core/testing';
import {
  type BoardKey,
  boardInputsSeq,
  type Database,
  importBenchmark,
  leaderboardCounts,
  readBoardSnapshot,
  writeBoardSnapshot,
} from '@linkboard/db';
import { seedRankedBoard } from '@linkboard/db/testing';
import { beforeEach, describe, expect, it } from 'vitest';
import { workerBoardRanker } from '../src/board-worker';
import {
  BOARD_METHOD,
  BOARD_REPLICATES,
  type BoardRanker,
  boardRanker,
  buildBoardSnapshot,
  inlineBoardRanker,
  readBoard,
  refreshStaleBoards,
} from '../src/boards';
import { freshDatabase } from './helpers';

let database: Database;
let key: BoardKey;
let ids: number[];

beforeEach(async () => {
  database = await freshDatabase();
  const manifest = fixtureManifest({ name: 'boards', pairs: 6, supportPerConcept: 16 });
  const { benchmarkVersionId } = await importBenchmark(database.db, manifest);
  // The fixture's own ranked setting may be smaller; the seeded runs ran the default one.
  await database.pool.query('UPDATE benchmark_versions SET ranked_setting = $1 WHERE id = $2', [
    JSON.stringify(DEFAULT_RANKED_SETTING),
    benchmarkVersionId,
  ]);
  ({ submissionIds: ids } = await seedRankedBoard(database.pool, {
    benchmarkVersionId,
    count: 30,
  }));
  key = { benchmarkVersionId, policy: 'lcl', scorer: 'official', selfReported: false };
});

const seq = () => boardInputsSeq(database.db, key.benchmarkVersionId);
const hide = (id: number) =>
  database.pool.query(`UPDATE submissions SET visibility = 'private' WHERE id = $1`, [id]);

/** A ranker that counts its builds and builds only when `release` is called. */
function heldRanker() {
  const builds: BoardKey[] = [];
  let release: () => void = () => {};
  const ranker = boardRanker(
    async (k) => {
      builds.push(k);
      await new Promise<void>((resolve) => {
        release = resolve;
      });
      await buildBoardSnapshot(database.db, k);
    },
    { background: true },
  );
  return { ranker, builds, release: () => release() };
}

describe('board snapshots', () => {
  it('stores the board the read path used to compute, row for row', async () => {
    const read = await readBoard(database.db, key, inlineBoardRanker(database.db));
    const setting = { ...DEFAULT_RANKED_SETTING, policy: key.policy };
    const direct = buildBoard(await leaderboardCounts(database.db, key), setting, {
      seed: `board|${key.benchmarkVersionId}|${key.policy}|${key.scorer}`,
      replicates: BOARD_REPLICATES,
    });
    expect(read.rows).toHaveLength(30);
    expect(read.rows.every((r) => r.ranked && r.rankLow !== null && r.tier !== null)).toBe(true);
    expect(read.rows).toEqual(direct);
    expect(read.rows[0]?.finishedAt).toBeInstanceOf(Date);
    expect(read.snapshot).toMatchObject({ stale: false, rowCount: 30, method: BOARD_METHOD });
    const top = await readBoard(database.db, key, inlineBoardRanker(database.db), { limit: 5 });
    expect(top.rows).toEqual(direct.slice(0, 5));
  });

  it('never ranks on a read of a current snapshot', async () => {
    let builds = 0;
    const counting: BoardRanker = boardRanker(
      (k) => {
        builds++;
        return buildBoardSnapshot(database.db, k);
      },
      { background: false },
    );
    for (let i = 0; i < 5; i++) await readBoard(database.db, key, counting, { limit: 10 });
    expect(builds).toBe(1);
  });

  it('marks a board stale when what it shows changes, and only then', async () => {
    const ranker = inlineBoardRanker(database.db);
    await readBoard(database.db, key, ranker);
    const fresh = async () =>
      (await readBoardSnapshot(database.db, key, { method: BOARD_METHOD }))?.facts.stale === false;
    expect(await fresh()).toBe(true);
    // Quiet: a running submission's progress, a private one's summary.
    await database.pool.query(`UPDATE submissions SET status = 'running' WHERE id = $1`, [ids[0]]);
    expect(await fresh()).toBe(false);
    await readBoard(database.db, key, ranker);
    const before = await seq();
    await database.pool.query(`UPDATE submissions SET preflight = '{}' WHERE id = $1`, [ids[0]]);
    await database.pool.query(
      `UPDATE submission_summaries SET correct = correct WHERE submission_id = $1`,
      [ids[0]],
    );
    expect(await seq()).toBe(before);
    expect(await fresh()).toBe(true);
    // Each of these changes a board row: a re-score, a model card, leaving the board.
    await database.pool.query(
      `UPDATE submission_summaries SET correct = correct - 1 WHERE submission_id = $1 AND policy = 'lcl' AND scorer = 'official'`,
      [ids[1]],
    );
    expect(await seq()).toBe(before + 1);
    await database.pool.query(
      `UPDATE models SET url = 'https://example.org/m' WHERE id = (SELECT model_id FROM submissions WHERE id = $1)`,
      [ids[2]],
    );
    expect(await seq()).toBe(before + 2);
    await hide(ids[3] as number);
    expect(await seq()).toBe(before + 3);
    expect(await fresh()).toBe(false);
  });

  it('serves the previous snapshot, marked stale, while a background ranker rebuilds it', async () => {
    await readBoard(database.db, key, inlineBoardRanker(database.db));
    const gone = ids[4] as number;
    await hide(gone);
    const held = heldRanker();
    const served = await readBoard(database.db, key, held.ranker);
    expect(served.snapshot.stale).toBe(true);
    expect(served.rows.map((r) => r.submissionId)).toContain(gone);
    expect(held.builds).toHaveLength(1);
    await new Promise((resolve) => setTimeout(resolve, 10));
    held.release();
    await held.ranker.close();
    const after = await readBoard(database.db, key, held.ranker);
    expect(after.snapshot.stale).toBe(false);
    expect(after.rows.map((r) => r.submissionId)).not.toContain(gone);
    expect(after.rows).toHaveLength(29);
  });

  it('builds a board asked for while it builds once more, and never more', async () => {
    const held = heldRanker();
    const first = held.ranker.rebuild(key);
    await new Promise((resolve) => setTimeout(resolve, 10));
    const again = [1, 2, 3, 4].map(() => held.ranker.rebuild(key));
    held.release();
    await first;
    await new Promise((resolve) => setTimeout(resolve, 10));
    held.release();
    await Promise.all(again);
    expect(held.builds).toHaveLength(2);
  });

  it('keeps a snapshot from later inputs over one a slower builder finishes after it', async () => {
    await buildBoardSnapshot(database.db, key);
    const now = await seq();
    const older = await writeBoardSnapshot(database.db, key, {
      inputsSeq: now - 1,
      method: BOARD_METHOD,
      buildMs: 1,
      rows: [],
    });
    expect(older).toBeNull();
    expect(
      (await readBoardSnapshot(database.db, key, { method: BOARD_METHOD }))?.rows,
    ).toHaveLength(30);
  });

  it('rebuilds every stale board when asked, and a method change makes a board stale', async () => {
    const ranker = inlineBoardRanker(database.db);
    const icl = { ...key, policy: 'icl' as const };
    await readBoard(database.db, key, ranker);
    await readBoard(database.db, icl, ranker);
    await hide(ids[5] as number);
    expect(await refreshStaleBoards(database.db, ranker)).toBe(2);
    await ranker.close();
    expect(await refreshStaleBoards(database.db, inlineBoardRanker(database.db))).toBe(0);
    const other = await readBoardSnapshot(database.db, key, { method: `${BOARD_METHOD}-next` });
    expect(other?.facts.stale).toBe(true);
  });

  it('refuses a board of a version that does not exist', async () => {
    await expect(
      readBoard(
        database.db,
        { ...key, benchmarkVersionId: 999_999 },
        inlineBoardRanker(database.db),
      ),
    ).rejects.toThrow(/benchmark version 999999 does not exist/);
  });
});

describe('whole boards held between reads', () => {
  it('are read once per snapshot: later reads of the same generation share the rows', async () => {
    const ranker = inlineBoardRanker(database.db);
    const first = await readBoard(database.db, key, ranker);
    const again = await readBoard(database.db, key, ranker);
    expect(again.rows).toBe(first.rows);
    expect(again.snapshot.generation).toBe(first.snapshot.generation);
    // A page of a held board comes from it, in rank order.
    const page = await readBoard(database.db, key, ranker, { limit: 5 });
    expect(page.rows).toEqual(first.rows.slice(0, 5));
    // Another database's board of the same name is its own.
    const other = await freshDatabase();
    const manifest = fixtureManifest({ name: 'boards', pairs: 6, supportPerConcept: 16 });
    const { benchmarkVersionId } = await importBenchmark(other.db, manifest);
    await expect(
      readBoard(other.db, { ...key, benchmarkVersionId }, inlineBoardRanker(other.db)),
    ).resolves.toMatchObject({ rows: [] });
  });

  it('are read again once the board is rebuilt, one copy between the readers', async () => {
    const ranker = inlineBoardRanker(database.db);
    const before = await readBoard(database.db, key, ranker);
    await hide(ids[0] as number);
    const [a, b] = await Promise.all([
      readBoard(database.db, key, ranker),
      readBoard(database.db, key, ranker),
    ]);
    expect(a.snapshot.generation).not.toBe(before.snapshot.generation);
    expect(a.rows).toHaveLength(29);
    expect(a.rows.some((r) => r.submissionId === ids[0])).toBe(false);
    expect(b.rows).toBe(a.rows);
    // The rows the earlier readers hold are as they were.
    expect(before.rows).toHaveLength(30);
  });
});

describe('the worker ranker', () => {
  it('builds on a thread of its own and reports a failed build', async () => {
    const url = database.pool.options.connectionString as string;
    const ranker = workerBoardRanker(url);
    try {
      expect(ranker.background).toBe(true);
      await ranker.rebuild(key);
      const stored = await readBoardSnapshot(database.db, key, { method: BOARD_METHOD });
      expect(stored?.rows).toHaveLength(30);
      await expect(ranker.rebuild({ ...key, benchmarkVersionId: 999_999 })).rejects.toThrow(
        /does not exist/,
      );
    } finally {
      await ranker.close();
    }
  });
});
