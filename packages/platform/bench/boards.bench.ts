/**
 * Boards at scale: the snapshot rebuild (read the counts, joint bootstrap of every ranked row,
 * write every row) at 1,000 and 10,000 ranked submissions, with the growth factor between them,
 * and the read a board page makes (its first 100 rows from the snapshot, one read at a time, no
 * cache) at 10,000; the whole board fetched from the database (once per snapshot) and held (what
 * the page, filters and exports read after that); and the read the site made before snapshots
 * (counts, then ranking on the request) as the baseline. Every submission ran the
 * version's whole ranked setting, so every row is ranked. BENCH_QUICK=1 runs 100 and 1,000.
 */
import { buildBoard, DEFAULT_RANKED_SETTING } from '@linkboard/core';
import { fixtureManifest, percentile, printFigure } from '@linkboard/core/testing';
import {
  type BoardKey,
  importBenchmark,
  leaderboardCounts,
  readBoardSnapshot,
} from '@linkboard/db';
import { createTestDatabase, seedRankedBoard, startTestServer } from '@linkboard/db/testing';
import {
  BOARD_METHOD,
  BOARD_REPLICATES,
  buildBoardSnapshot,
  inlineBoardRanker,
  readBoard,
} from '../src/boards';
import { benchEnv } from './env';

const quick = benchEnv.quick;
const [SMALL, LARGE] = quick ? [100, 1_000] : [1_000, 10_000];
const READS = quick ? 200 : 500;

const server = await startTestServer();
const database = await createTestDatabase(server.url, { max: 4 });
try {
  const manifest = fixtureManifest({
    name: 'bench',
    pairs: 24,
    supportPerConcept: 24,
    queriesPerConcept: 8,
  });
  const { benchmarkVersionId } = await importBenchmark(database.db, manifest);
  await database.pool.query('UPDATE benchmark_versions SET ranked_setting = $1 WHERE id = $2', [
    JSON.stringify(DEFAULT_RANKED_SETTING),
    benchmarkVersionId,
  ]);
  const key: BoardKey = {
    benchmarkVersionId,
    policy: 'lcl',
    scorer: 'official',
    selfReported: false,
  };

  /** Seeds up to `count` submissions, then times a rebuild (median of `runs`). */
  const rebuildAt = async (count: number, from: number, runs: number) => {
    await seedRankedBoard(database.pool, {
      benchmarkVersionId,
      count: count - from,
      prefix: `m${count}-`,
    });
    await database.pool.query('ANALYZE');
    const builds: Awaited<ReturnType<typeof buildBoardSnapshot>>[] = [];
    for (let i = 0; i < runs; i++) builds.push(await buildBoardSnapshot(database.db, key));
    const median = (of: (b: (typeof builds)[number]) => number) => percentile(builds.map(of), 0.5);
    const rows = builds[0]?.rows;
    if (rows !== count) throw new Error(`the board has ${rows} rows, not ${count}`);
    return {
      ms: median((b) => b.buildMs),
      read_counts_ms: median((b) => b.phases.readMs),
      rank_ms: median((b) => b.phases.rankMs),
      write_ms: median((b) => b.phases.writeMs),
    };
  };

  const small = await rebuildAt(SMALL, 0, 3);
  const { ms: smallMs, ...smallPhases } = small;
  printFigure('snapshot_rebuild_ms', smallMs, {
    sizes: { submissions: SMALL, ranked: SMALL, replicates: BOARD_REPLICATES },
    extra: smallPhases,
  });
  const large = await rebuildAt(LARGE, SMALL, 3);
  const { ms: largeMs, ...largePhases } = large;
  printFigure('snapshot_rebuild_ms', largeMs, {
    sizes: { submissions: LARGE, ranked: LARGE, replicates: BOARD_REPLICATES },
    extra: largePhases,
  });
  printFigure('snapshot_rebuild_growth', largeMs / smallMs, {
    target: { atMost: 15 },
    sizes: { from: SMALL, to: LARGE },
  });

  const ranker = inlineBoardRanker(database.db);
  const time = async (reads: number, read: () => Promise<unknown>) => {
    for (let i = 0; i < 20; i++) await read(); // warm the pool, the plan and the JIT
    const times: number[] = [];
    for (let i = 0; i < reads; i++) {
      const started = performance.now();
      await read();
      times.push(performance.now() - started);
    }
    return { p50: percentile(times, 0.5), p95: percentile(times, 0.95) };
  };
  const top = await time(READS, async () => {
    const read = await readBoard(database.db, key, ranker, { limit: 100 });
    if (read.rows.length !== 100 || read.snapshot.stale) throw new Error('not the board read');
  });
  printFigure('leaderboard_read_p95_ms', top.p95, {
    target: { atMost: 20 },
    sizes: { submissions: LARGE, ranked: LARGE, rows_read: 100, reads: READS, cache: 'off' },
    extra: { p50_ms: top.p50 },
  });
  // The whole board (the site's page, a filter, an export): fetched and parsed once per snapshot
  // generation, then held by the process (readBoard checks the generation, one small query).
  const fetched = await time(quick ? 10 : 20, async () => {
    const read = await readBoardSnapshot(database.db, key, { method: BOARD_METHOD });
    if (read?.rows?.length !== LARGE) throw new Error('not the whole board');
  });
  printFigure('leaderboard_read_all_rows_fetch_p95_ms', fetched.p95, {
    sizes: { submissions: LARGE, rows_read: LARGE },
    extra: { p50_ms: fetched.p50 },
  });
  const whole = await time(READS, async () => {
    const read = await readBoard(database.db, key, ranker);
    if (read.rows.length !== LARGE) throw new Error('not the whole board');
  });
  printFigure('leaderboard_read_all_rows_held_p95_ms', whole.p95, {
    target: { atMost: 20 },
    sizes: { submissions: LARGE, rows_read: LARGE, reads: READS },
    extra: { p50_ms: whole.p50, speedup_vs_fetch: fetched.p95 / whole.p95 },
  });
  // Before snapshots every uncached read did this: the counts, then the joint bootstrap.
  const before = await time(quick ? 3 : 2, async () => {
    const counts = await leaderboardCounts(database.db, key);
    buildBoard(counts, DEFAULT_RANKED_SETTING, { replicates: BOARD_REPLICATES, seed: 'bench' });
  });
  printFigure('ranking_on_read_p95_ms', before.p95, {
    baseline: true,
    sizes: { submissions: LARGE },
    extra: { snapshot_read_speedup: before.p95 / top.p95 },
  });
} finally {
  await database.drop();
  await server.stop();
}
