/**
 * Result ingest at leaderboard scale, against a bare COPY of the same rows on the same server.
 *
 * Full size: 1,000 submissions × 8 shot settings × 3 draws of a 26-pair benchmark, 9,984,000
 * result rows (each with one verdict row per registered scorer). BENCH_QUICK=1: 20 submissions.
 * Every submission answers differently (its own skill, its own answer to each episode, so its own
 * verdicts), drawn deterministically from its number.
 *
 * - ingest: the real write path, as runners drive it: claim a job, write its results in batches
 *   under the lease (lease check, idempotent insert with the verdicts, running tallies, job
 *   progress), complete it (its aggregates and exposure check, the submission marked done).
 * - baseline: a bare COPY of the same rows, every column of results and the verdict rows, into
 *   plain copies of the two tables (`CREATE TABLE … (LIKE … INCLUDING DEFAULTS)`: the same
 *   columns and NOT NULLs, no keys, no foreign keys, no indexes), in the same batches, each its
 *   own transaction committed the same way, by the same number of writers.
 * - keyed baseline: the same COPY into copies that keep the tables' primary keys (`INCLUDING
 *   INDEXES`): what the database itself spends storing these rows keyed as the schema keys them.
 *   `ingest_vs_keyed_copy` says how much of the gap to the bare COPY is the write path's own.
 *
 * All three run on one server warmed up first (a submission through each path, not counted), in
 * alternating rounds over the same submissions, so that anything else loading the machine falls
 * on all alike. The bench checks what it wrote (every result stored once, every submission
 * done, its counted aggregates equal to ones computed from its results) before it reads, and
 * removes its server and data folder however it ends.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buildEpisodes, type Episode, indexBenchmark, scoreAll, scorers } from '@linkboard/core';
import { fixtureManifest, percentile, printFigure } from '@linkboard/core/testing';
import { sql, TransactionRollbackError } from 'drizzle-orm';
import {
  claimJob,
  completeJob,
  computeAggregates,
  conceptBreakdown,
  conceptIdsByKey,
  connect,
  createSubmission,
  type Database,
  type EmbeddedPostgresHandle,
  importBenchmark,
  type ResultInput,
  registerModel,
  startEmbeddedPostgres,
  writeResults,
} from '../src';
import { migrateDatabase } from '../src/migrate';
import { copyInto } from '../src/queries/copy';
import { copyTextOf, RESULT_COLUMNS, VERDICT_COLUMNS } from '../src/queries/results';
import { freePort } from '../src/testing';

const quick = process.env.BENCH_QUICK === '1';
const SUBMISSIONS = quick ? 20 : 1000;
const SHOTS = [2, 4, 6, 8, 10, 12, 14, 16];
const DRAWS = 3;
/**
 * Results per write: one transaction each, for the write path and the baseline alike. BENCH_BATCH
 * sets another: a runner writes once 200 answers are pending (or at its heartbeat).
 */
const BATCH = Number(process.env.BENCH_BATCH ?? 2000);
/** Concurrent writers: two runners on this 2-core machine. */
const WRITERS = 2;
/** Rounds of the baselines then ingest, each over its own share of the submissions. */
const ROUNDS = quick ? 2 : 5;
const TRUNCATE_COPIES = 'TRUNCATE copy_results, copy_verdicts, keyed_results, keyed_verdicts';

// 26 pairs, 24 support and 8 queries per concept: 416 queries × 8 shot settings × 3 draws = 9,984
// results per submission.
const manifest = fixtureManifest({
  name: 'bench',
  pairs: 26,
  supportPerConcept: 24,
  queriesPerConcept: 8,
});

/** A well-mixed 32-bit hash of two integers (the murmur3 finaliser over their combination). */
function mix(a: number, b: number): number {
  let h = Math.imul(a ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(b + 0x7f4a7c15, 0xc2b2ae35);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

// What models answer: right in a few phrasings, the other label, both, neither, nothing, and two
// that the scorers disagree on (case, a longer word). Each episode's answers are scored once.
const RIGHT = [
  (l: string) => `there is "${l}" in the image.`,
  (l: string) => `This is a ${l}.`,
  (l: string) => l,
  (l: string) => `The image shows ${l}.`,
];
const WRONG = [
  (_: string, o: string) => `there is "${o}" in the image.`,
  (_: string, o: string) => o,
  (l: string, o: string) => `either ${l} or ${o}`,
  () => 'I am not sure.',
  () => 'a small animal on grass',
  () => '',
  (l: string) => l.toUpperCase(),
  (l: string) => `${l}s`,
];

interface Scored {
  raw: string | null;
  verdicts: ResultInput['verdicts'];
}

function scored(episode: Episode, answer: string | null): Scored {
  return { raw: answer, verdicts: scoreAll(answer, episode.query.label, episode.query.other) };
}

const T0 = Date.UTC(2026, 0, 1);

/** Submission `s`'s answers to episodes [lo, hi): its own, the same on every call. */
function answersOf(
  s: number,
  lo: number,
  hi: number,
  episodes: readonly Episode[],
  options: readonly { right: Scored[]; wrong: Scored[]; error: Scored }[],
  conceptIds: ReadonlyMap<string, number>,
): ResultInput[] {
  // A skill of its own, rising with the shots by a slope of its own.
  const skill = 0.2 + 0.5 * ((mix(s, 1) % 1000) / 1000);
  const slope = 0.08 * ((mix(s, 2) % 1000) / 1000);
  const reasoning = s % 4 === 0;
  const rows: ResultInput[] = [];
  for (let i = lo; i < hi; i++) {
    const episode = episodes[i] as Episode;
    const choice = options[i] as (typeof options)[number];
    const h = mix(s, i + 3);
    const u = (h % 100_000) / 100_000;
    const right = Math.min(0.97, skill + slope * Math.log2(episode.shots));
    const answer =
      u < 0.01
        ? choice.error
        : u < 0.01 + right
          ? (choice.right[(h >>> 17) % choice.right.length] as Scored)
          : (choice.wrong[(h >>> 17) % choice.wrong.length] as Scored);
    rows.push({
      episode,
      conceptId: conceptIds.get(episode.query.conceptId) as number,
      rawAnswer: answer.raw,
      errorClass: answer.raw === null ? 'timeout' : null,
      reasoning: reasoning && answer.raw !== null,
      verdicts: answer.verdicts,
      latencyMs: 150 + (h % 4000),
      promptTokens: 300 + 85 * episode.shots + (h % 40),
      completionTokens: answer.raw === null ? undefined : 1 + Math.ceil(answer.raw.length / 4),
      attempts: h % 50 === 0 ? 2 : 1,
      // Sent in order, four at a time, each batch a quarter of a second apart.
      sentAt: new Date(T0 + s * 3_600_000 + Math.floor(i / 4) * 250 + (h % 97)),
    });
  }
  return rows;
}

/**
 * CPU seconds the database server has used so far: its postmaster and every process it started
 * (backends, WAL writer, checkpointer, autovacuum), those that have exited included (the
 * postmaster's children's times). From /proc: Linux only; elsewhere NaN.
 */
function serverCpuSeconds(dataDir: string): number {
  try {
    const postmaster = readFileSync(path.join(dataDir, 'postgres', 'postmaster.pid'), 'utf8').split(
      '\n',
    )[0];
    let ticks = 0;
    for (const pid of readdirSync('/proc')) {
      if (!/^\d+$/.test(pid)) continue;
      let stat: string;
      try {
        stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      } catch {
        continue; // exited meanwhile
      }
      // After the command's closing parenthesis: state, ppid, …; utime and stime are fields 14
      // and 15 of stat, cutime and cstime 16 and 17, in clock ticks (100 a second on Linux).
      const fields = stat.slice(stat.lastIndexOf(') ') + 2).split(' ');
      if (pid === postmaster)
        ticks += Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]);
      else if (fields[1] === postmaster) ticks += Number(fields[11]) + Number(fields[12]);
    }
    return ticks / 100;
  } catch {
    return Number.NaN;
  }
}

/** CPU seconds this process has used so far. */
function ownCpuSeconds(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
}

async function stopAndRemove(
  database: Database | undefined,
  server: EmbeddedPostgresHandle | undefined,
  dataDir: string,
) {
  await database?.close().catch(() => {});
  await server?.stop().catch(() => {});
  await rm(dataDir, { recursive: true, force: true });
}

const dataDir = await mkdtemp(path.join(tmpdir(), 'linkboard-db-bench-'));
await chmod(dataDir, 0o755);
let server: EmbeddedPostgresHandle | undefined;
let database: Database | undefined;
// Ctrl-C or a kill: the server and the data folder go too (the bench stops the server itself).
// The signal may come more than once (to the process group, and again relayed by tsx): every one
// is answered, so that none ends the process before its cleanup has.
let stopping: Promise<void> | undefined;
for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.on(signal, () => {
    stopping ??= stopAndRemove(database, server, dataDir).finally(() => process.exit(130));
  });
try {
  server = await startEmbeddedPostgres({ dataDir, port: await freePort(), callerStops: true });
  database = connect(server.url, { max: WRITERS + 2 });
  const { db, pool } = database;
  await migrateDatabase(db);
  const { benchmarkVersionId } = await importBenchmark(db, manifest);
  const conceptIds = await conceptIdsByKey(db, benchmarkVersionId);
  const episodes = [
    ...buildEpisodes(indexBenchmark(manifest), { shots: SHOTS, policies: ['lcl'], draws: DRAWS }),
  ];
  const options = episodes.map((e) => ({
    right: RIGHT.map((f) => scored(e, f(e.query.label))),
    wrong: WRONG.map((f) => scored(e, f(e.query.label, e.query.other))),
    error: scored(e, null),
  }));
  const rowsOf = (s: number, lo: number, hi: number) =>
    answersOf(s, lo, hi, episodes, options, conceptIds);

  // Setup (not timed): a warm-up submission, then the submissions, as a site would queue them;
  // one job each.
  const submissionOf = new Map<number, number>();
  for (let s = -1; s < SUBMISSIONS; s++) {
    const modelId = await registerModel(db, { name: s < 0 ? 'warm-up' : `model-${s}` });
    const { submissionId } = await createSubmission(db, {
      modelId,
      benchmarkVersionId,
      adapterConfig: { adapter: 'builtin', name: 'random' },
      shots: SHOTS,
      policies: ['lcl'],
      draws: DRAWS,
      shardSize: 100_000,
    });
    submissionOf.set(submissionId, s);
  }
  await pool.query(
    `CREATE TABLE copy_results (LIKE results INCLUDING DEFAULTS);
     CREATE TABLE copy_verdicts (LIKE verdicts INCLUDING DEFAULTS);
     CREATE TABLE keyed_results (LIKE results INCLUDING DEFAULTS INCLUDING INDEXES);
     CREATE TABLE keyed_verdicts (LIKE verdicts INCLUDING DEFAULTS INCLUDING INDEXES)`,
  );
  const COPIES = {
    bare: ['copy_results', 'copy_verdicts'],
    keyed: ['keyed_results', 'keyed_verdicts'],
  } as const;

  /** One job through the write path: claim, write in batches, complete. Null: none left. */
  async function ingestOne(worker: string): Promise<number | null> {
    const lease = await claimJob(db, { worker, leaseMs: 600_000 });
    if (!lease) return null;
    const s = submissionOf.get(lease.submissionId) as number;
    let written = 0;
    for (let lo = 0; lo < episodes.length; lo += BATCH) {
      const hi = Math.min(lo + BATCH, episodes.length);
      written += await writeResults(db, lease, rowsOf(s, lo, hi), benchmarkVersionId);
    }
    await completeJob(
      db,
      lease,
      episodes.map((e) => e.id),
    );
    return written;
  }

  /** One submission's rows through a bare COPY, in the same batches and transactions. */
  async function copyOne(s: number, into: keyof typeof COPIES): Promise<number> {
    const [resultTable, verdictTable] = COPIES[into];
    const client = await pool.connect();
    try {
      for (let lo = 0; lo < episodes.length; lo += BATCH) {
        const hi = Math.min(lo + BATCH, episodes.length);
        const { results, verdicts } = copyTextOf(s, rowsOf(s, lo, hi));
        await client.query('BEGIN');
        await client.query('SET LOCAL synchronous_commit = off');
        await copyInto(client, resultTable, RESULT_COLUMNS, results);
        await copyInto(client, verdictTable, VERDICT_COLUMNS, verdicts);
        await client.query('COMMIT');
      }
      return episodes.length;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {});
      throw error;
    } finally {
      client.release();
    }
  }

  /**
   * Seconds for `WRITERS` writers to take every item of `work` in turn, and the CPU seconds this
   * process (the writers) and the database server used meanwhile: which of them limits the rate.
   */
  async function timedWriters(work: number[], each: (item: number, w: number) => Promise<number>) {
    let next = 0;
    let rows = 0;
    const cpuBefore = { writers: ownCpuSeconds(), server: serverCpuSeconds(dataDir) };
    const started = performance.now();
    await Promise.all(
      Array.from({ length: WRITERS }, async (_, w) => {
        for (let item = work[next++]; item !== undefined; item = work[next++]) {
          const n = await each(item, w);
          rows += n;
        }
      }),
    );
    return {
      rows,
      seconds: (performance.now() - started) / 1000,
      writersCpu: ownCpuSeconds() - cpuBefore.writers,
      serverCpu: serverCpuSeconds(dataDir) - cpuBefore.server,
    };
  }

  // Warm-up (not counted): the warm-up submission through both (its episodes are stored then).
  await ingestOne('warm-up');
  await copyOne(-1, 'bare');
  await copyOne(-1, 'keyed');
  await pool.query(TRUNCATE_COPIES);
  await pool.query('CHECKPOINT');

  const phase = () => ({ rows: 0, seconds: 0, writersCpu: 0, serverCpu: 0 });
  const totals = { ingest: phase(), copy: phase(), keyed: phase() };
  const started = performance.now();
  for (let round = 0; round < ROUNDS; round++) {
    const from = Math.floor((round * SUBMISSIONS) / ROUNDS);
    const to = Math.floor(((round + 1) * SUBMISSIONS) / ROUNDS);
    const share = Array.from({ length: to - from }, (_, k) => from + k);
    const copied = await timedWriters(share, (s) => copyOne(s, 'bare'));
    const keyed = await timedWriters(share, (s) => copyOne(s, 'keyed'));
    // The jobs are claimed in the order they were queued: this round's share.
    const ingested = await timedWriters(share, async (_, w) => (await ingestOne(`w${w}`)) ?? 0);
    for (const [total, run] of [
      [totals.copy, copied],
      [totals.keyed, keyed],
      [totals.ingest, ingested],
    ] as const) {
      total.rows += run.rows;
      total.seconds += run.seconds;
      total.writersCpu += run.writersCpu;
      total.serverCpu += run.serverCpu;
    }
    // The copies served their round: dropped, so that the disk holds one set of rows, not three.
    await pool.query(TRUNCATE_COPIES);
    const rate = (run: { rows: number; seconds: number }) => Math.round(run.rows / run.seconds);
    if (!quick)
      process.stderr.write(
        `round ${round + 1}/${ROUNDS}: ${to} submissions, copy ${rate(copied)} rows/s, keyed copy ${rate(keyed)} rows/s, ingest ${rate(ingested)} rows/s, ${((performance.now() - started) / 1000).toFixed(0)} s\n`,
      );
  }

  // What was written, checked before anything is read from it.
  const expected = SUBMISSIONS * episodes.length;
  const [stored] = (
    await pool.query(
      `SELECT (SELECT count(*)::int FROM results) AS results,
              (SELECT count(*)::int FROM submissions WHERE status = 'done') AS done`,
    )
  ).rows;
  if (totals.ingest.rows !== expected || stored.results !== expected + episodes.length)
    throw new Error(`ingest wrote ${totals.ingest.rows} results, ${stored.results} stored`);
  if (stored.done !== SUBMISSIONS + 1)
    throw new Error(`${stored.done} of ${SUBMISSIONS + 1} submissions done`);
  // The counted aggregates of a few submissions, against the same computed from their results
  // (in a transaction, rolled back).
  const aggregatesOf = async (id: number, run: (query: string) => Promise<{ rows: unknown[] }>) => {
    const tables: unknown[][] = [];
    for (const table of [
      'submission_scores',
      'submission_concept_scores',
      'submission_ranked_counts',
      'submission_summaries',
    ])
      tables.push(
        (
          await run(
            `SELECT to_jsonb(t) - 'submission_id' AS row FROM ${table} t WHERE submission_id = ${id} ORDER BY 1`,
          )
        ).rows,
      );
    return tables;
  };
  for (const id of [...submissionOf.keys()].filter((_, k) => k % 97 === 1)) {
    const counted = await aggregatesOf(id, (q) => pool.query(q));
    let computed: unknown[][] = [];
    await db
      .transaction(async (tx) => {
        await computeAggregates(tx, id);
        computed = await aggregatesOf(id, (q) => tx.execute(sql.raw(q)));
        tx.rollback();
      })
      .catch((error: unknown) => {
        if (!(error instanceof TransactionRollbackError)) throw error;
      });
    if ((counted[0]?.length ?? 0) === 0 || JSON.stringify(counted) !== JSON.stringify(computed))
      throw new Error(`submission ${id}: its counted aggregates differ from those of its results`);
  }

  // Reads are timed on a settled database, as a site sees it between submissions: autovacuum
  // working through ten million fresh rows would otherwise compete for the two cores.
  const vacuumStart = performance.now();
  await pool.query('VACUUM (ANALYZE)');
  const vacuumS = (performance.now() - vacuumStart) / 1000;
  async function p95(runs: number, fn: () => Promise<unknown>) {
    for (let i = 0; i < 10; i++) await fn();
    const samples: number[] = [];
    for (let i = 0; i < runs; i++) {
      const t = performance.now();
      await fn();
      samples.push(performance.now() - t);
    }
    return percentile(samples, 0.95);
  }
  const pingP95 = await p95(200, () => pool.query('SELECT 1'));
  const { rows: ids } = await pool.query('SELECT id FROM submissions ORDER BY random() LIMIT 50');
  let k = 0;
  const conceptP95 = await p95(100, () =>
    conceptBreakdown(db, Number(ids[k++ % ids.length]?.id), 'official'),
  );

  // A run's time, and the cores each side kept busy: the writers (this process) and the server.
  const timing = (run: ReturnType<typeof phase>) => ({
    seconds: run.seconds.toFixed(1),
    writers_cores: (run.writersCpu / run.seconds).toFixed(2),
    server_cores: (run.serverCpu / run.seconds).toFixed(2),
  });
  const copyRate = totals.copy.rows / totals.copy.seconds;
  const ingestRate = totals.ingest.rows / totals.ingest.seconds;
  const sizes = { submissions: SUBMISSIONS, rows: expected };
  const shape = { writers: WRITERS, batch: BATCH, verdicts_per_row: scorers().length };
  console.log(`mode=${quick ? 'quick' : 'full'} shot_settings=${SHOTS.length} rounds=${ROUNDS}`);
  printFigure('copy_rows_per_s', copyRate, {
    baseline: true,
    sizes: { ...sizes, ...shape },
    extra: { ...timing(totals.copy), into: 'LIKE-copies-without-keys' },
  });
  printFigure('ingest_rows_per_s', ingestRate, {
    sizes: { ...sizes, ...shape },
    extra: timing(totals.ingest),
  });
  printFigure('ingest_vs_copy', ingestRate / copyRate, {
    target: { atLeast: 0.5 },
    sizes,
  });
  // The same COPY into copies with the tables' own primary keys: what the database itself spends
  // on storing these rows keyed as the schema keys them, and how close the write path comes.
  const keyedRate = totals.keyed.rows / totals.keyed.seconds;
  printFigure('keyed_copy_rows_per_s', keyedRate, {
    baseline: true,
    sizes: { ...sizes, ...shape },
    extra: {
      ...timing(totals.keyed),
      into: 'LIKE-copies-with-primary-keys',
      vs_copy: keyedRate / copyRate,
    },
  });
  printFigure('ingest_vs_keyed_copy', ingestRate / keyedRate, { sizes });
  printFigure('vacuum_analyze_s', vacuumS, { sizes });
  printFigure('ping_p95_ms', pingP95, { baseline: true, extra: { query: 'SELECT-1' } });
  printFigure('concept_breakdown_p95_ms', conceptP95, {
    target: { atMost: 20 },
    sizes,
    extra: { ratio_to_ping: (conceptP95 / pingP95).toFixed(1) },
  });
} catch (error) {
  // Interrupted: what was in flight fails as the pool closes, and says nothing new.
  if (!stopping) throw error;
  await stopping;
} finally {
  await stopAndRemove(database, server, dataDir);
}
