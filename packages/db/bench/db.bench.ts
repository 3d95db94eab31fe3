/**
 * Database figures at leaderboard scale: result ingest through the real write path (lease check,
 * episodes, idempotent insert, job progress), and the two hottest site reads. Full size: 1,000
 * submissions × 8 shot settings, about 10 million result rows. BENCH_QUICK=1: 20 submissions.
 * Each figure is printed with a baseline measured in the same run.
 */
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  buildBoard,
  buildEpisodes,
  DEFAULT_RANKED_SETTING,
  indexBenchmark,
  scoreAll,
  verdictOf,
} from '@linkboard/core';
import { fixtureManifest } from '@linkboard/core/testing';
import {
  claimJob,
  completeJob,
  conceptBreakdown,
  conceptIdsByKey,
  connect,
  createSubmission,
  importBenchmark,
  leaderboardCounts,
  type ResultInput,
  registerModel,
  startEmbeddedPostgres,
  writeResults,
} from '../src';
import { migrateDatabase } from '../src/migrate';
import { freePort } from '../src/testing';

const quick = process.env.BENCH_QUICK === '1';
const SUBMISSIONS = quick ? 20 : 1000;
const SHOTS = [2, 4, 6, 8, 10, 12, 14, 16];
const DRAWS = 3;
const BATCH = 2000;

function p95(samples: number[]) {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.95))] as number;
}

async function timed(runs: number, fn: () => Promise<unknown>) {
  for (let i = 0; i < 10; i++) await fn();
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await fn();
    samples.push(performance.now() - t);
  }
  return p95(samples);
}

// 26 pairs, 24 support and 8 queries per concept: 416 queries × 8 shot settings × 3 draws = 9,984
// results per submission.
const manifest = fixtureManifest({
  name: 'bench',
  pairs: 26,
  supportPerConcept: 24,
  queriesPerConcept: 8,
});

const dataDir = await mkdtemp(path.join(tmpdir(), 'linkboard-db-bench-'));
await chmod(dataDir, 0o755);
const server = await startEmbeddedPostgres({ dataDir, port: await freePort() });
const { db, pool, close } = connect(server.url, { max: 4 });
try {
  await migrateDatabase(db);
  const { benchmarkVersionId } = await importBenchmark(db, manifest);
  const conceptIds = await conceptIdsByKey(db, benchmarkVersionId);
  const episodes = [
    ...buildEpisodes(indexBenchmark(manifest), { shots: SHOTS, policies: ['lcl'], draws: DRAWS }),
  ];
  const answers = [
    (l: string) => `there is "${l}" in the image.`,
    (_: string, o: string) => `there is "${o}" in the image.`,
    () => 'I am not sure.',
  ];
  const rowsFor = (s: number): ResultInput[] =>
    episodes.map((episode, i) => {
      const raw = (answers[(i * 7 + s * 13) % 3] as (l: string, o: string) => string)(
        episode.query.label,
        episode.query.other,
      );
      const { label, other } = episode.query;
      return {
        episode,
        conceptId: conceptIds.get(episode.query.conceptId) as number,
        rawAnswer: raw,
        verdicts: scoreAll(raw, label, other),
        latencyMs: 100 + (i % 50),
      };
    });

  // Baseline: the same rows through a bare unnest insert into an unindexed, unlogged table.
  await pool.query(
    'CREATE UNLOGGED TABLE baseline_rows (submission_id int, episode_id text, shots smallint, raw_answer text, outcome text)',
  );
  const sample = rowsFor(0);
  const t = performance.now();
  for (let i = 0; i < sample.length; i += BATCH) {
    const b = sample.slice(i, i + BATCH);
    await pool.query(
      'INSERT INTO baseline_rows SELECT 0, * FROM unnest($1::text[], $2::smallint[], $3::text[], $4::text[])',
      [
        b.map((r) => r.episode.id),
        b.map((r) => r.episode.shots),
        b.map((r) => r.rawAnswer),
        b.map((r) => verdictOf(r.verdicts).outcome),
      ],
    );
  }
  const baselineRate = sample.length / ((performance.now() - t) / 1000);

  // Setup (not timed): the submissions, as a site would queue them.
  for (let s = 0; s < SUBMISSIONS; s++) {
    const modelId = await registerModel(db, { name: `model-${s}` });
    await createSubmission(db, {
      modelId,
      benchmarkVersionId,
      adapterConfig: { adapter: 'builtin', name: 'random' },
      shots: SHOTS,
      policies: ['lcl'],
      draws: DRAWS,
      shardSize: 100_000,
    });
  }
  const prepared = Array.from({ length: 4 }, (_, s) => rowsFor(s));
  // Timed: claim, write in batches through the lease-checked path, complete (with aggregates), by
  // two writers, as two runners would on this 2-core machine.
  let ingested = 0;
  const started = performance.now();
  await Promise.all(
    [0, 1].map(async (w) => {
      for (;;) {
        const lease = await claimJob(db, { worker: `w${w}`, leaseMs: 600_000 });
        if (!lease) break;
        const rows = prepared[lease.submissionId % prepared.length] as ResultInput[];
        for (let i = 0; i < rows.length; i += BATCH) {
          const written = await writeResults(
            db,
            lease,
            rows.slice(i, i + BATCH),
            benchmarkVersionId,
          );
          ingested += written;
        }
        await completeJob(
          db,
          lease,
          rows.map((r) => r.episode.id),
        );
        if (!quick && lease.submissionId % 100 === 0) {
          process.stderr.write(
            `${lease.submissionId}/${SUBMISSIONS} submissions, ${ingested} rows, ${((performance.now() - started) / 1000).toFixed(0)} s\n`,
          );
        }
      }
    }),
  );
  const ingestRate = ingested / ((performance.now() - started) / 1000);
  // Reads are timed on a settled database, as a site sees it between submissions: autovacuum
  // working through ten million fresh rows would otherwise compete for the two cores.
  const vacuumStart = performance.now();
  await pool.query('VACUUM (ANALYZE)');
  const vacuumS = (performance.now() - vacuumStart) / 1000;

  const pingP95 = await timed(200, () => pool.query('SELECT 1'));
  const leaderboardP95 = await timed(100, () =>
    leaderboardCounts(db, { benchmarkVersionId, policy: 'lcl', scorer: 'official' }).then((rows) =>
      buildBoard(rows, DEFAULT_RANKED_SETTING),
    ),
  );
  const { rows: ids } = await pool.query('SELECT id FROM submissions ORDER BY random() LIMIT 50');
  let k = 0;
  const conceptP95 = await timed(100, () =>
    conceptBreakdown(db, Number(ids[k++ % ids.length]?.id), 'official'),
  );

  console.log(
    `mode=${quick ? 'quick' : 'full'} submissions=${SUBMISSIONS} shot_settings=${SHOTS.length} result_rows=${ingested}`,
  );
  console.log(
    `baseline_unnest_insert_rows_per_s=${Math.round(baselineRate)} (baseline: bare insert, no keys)`,
  );
  console.log(
    `ingest_rows_per_s=${Math.round(ingestRate)} ratio_to_baseline=${(ingestRate / baselineRate).toFixed(2)} target>=50000`,
  );
  console.log(`vacuum_analyze_s=${vacuumS.toFixed(1)}`);
  console.log(`ping_p95_ms=${pingP95.toFixed(2)} (baseline: SELECT 1)`);
  console.log(
    `leaderboard_p95_ms=${leaderboardP95.toFixed(2)} ratio_to_ping=${(leaderboardP95 / pingP95).toFixed(1)} target<=20`,
  );
  console.log(
    `concept_breakdown_p95_ms=${conceptP95.toFixed(2)} ratio_to_ping=${(conceptP95 / pingP95).toFixed(1)} target<=20`,
  );
} finally {
  await close();
  await server.stop();
  await rm(dataDir, { recursive: true, force: true });
}
