/**
 * The site under load: p50/p95 latency of the leaderboard page and of its tRPC query with 50
 * requests in flight, against a database seeded with 1,000 finished submissions, and the
 * first-load JavaScript of `/` (gzip). Latencies are measured per request by an undici loop
 * (autocannon reports p90 and p97.5 but not p95); `SELECT 1` through the same server is the
 * baseline. BENCH_QUICK=1 shortens each run to 3 s.
 */
import { spawn } from 'node:child_process';
import { access, mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { fixtureManifest } from '@linkboard/core/testing';
import { importBenchmark } from '@linkboard/db';
import { createTestDatabase, startTestServer } from '@linkboard/db/testing';
import { Agent, request } from 'undici';
import { benchEnv } from './env';

const quick = benchEnv.quick;
const SECONDS = quick ? 3 : 10;
const CONCURRENCY = 50;
const WEB = fileURLToPath(new URL('..', import.meta.url));
const NEXT = fileURLToPath(new URL('../../../node_modules/next/dist/bin/next', import.meta.url));
const PORT = 3290;

const server = await startTestServer();
const database = await createTestDatabase(server.url);
let site: ReturnType<typeof spawn> | undefined;
try {
  // A 24-pair benchmark and 1,000 finished submissions with their aggregate rows.
  const manifest = fixtureManifest({
    name: 'bench',
    pairs: 24,
    supportPerConcept: 24,
    queriesPerConcept: 8,
  });
  const { benchmarkVersionId } = await importBenchmark(database.db, manifest);
  const q = (text: string, params: unknown[] = []) => database.pool.query(text, params);
  await q(
    `INSERT INTO models (name, organisation) SELECT 'model-' || g, 'lab ' || (g % 37) FROM generate_series(1, 1000) g`,
  );
  await q(
    `INSERT INTO submissions (model_id, benchmark_version_id, adapter, shots, policies, total_episodes, status, finished_at)
     SELECT id, $1, 'openai', '{2,4,6,8,10,12,14,16}', '{lcl,icl}', 6144, 'done', now() - (id || ' minutes')::interval FROM models`,
    [benchmarkVersionId],
  );
  await q(`INSERT INTO submission_scores (submission_id, scorer, shots, policy, n, correct, other_label, "both", neither, empty, error, novel_n, novel_correct)
           SELECT s.id, sc::scorer, sh, p::policy, 384, (random() * 384)::int, 40, 0, 4, 0, 0, 192, (random() * 192)::int
           FROM submissions s, unnest('{official,strict}'::text[]) sc, unnest('{2,4,6,8,10,12,14,16}'::int[]) sh, unnest('{lcl,icl}'::text[]) p`);
  await q(`INSERT INTO submission_summaries SELECT submission_id, scorer, policy, sum(n), sum(correct), sum(novel_n), sum(novel_correct), sum(neither + empty),
           jsonb_object_agg(shots::text, jsonb_build_array(correct, n)) FROM submission_scores GROUP BY submission_id, scorer, policy`);
  await q('ANALYZE');

  const built = await access(path.join(WEB, '.next', 'BUILD_ID')).then(
    () => true,
    () => false,
  );
  if (!built) throw new Error('build the site first: npm run build');
  const dataDir = await mkdtemp(path.join(tmpdir(), 'linkboard-web-bench-'));
  site = spawn(process.execPath, [NEXT, 'start', '-p', String(PORT), '-H', '127.0.0.1'], {
    cwd: WEB,
    env: {
      ...benchEnv.inherited,
      DATABASE_URL: database.pool.options.connectionString,
      LINKBOARD_DATA_DIR: dataDir,
      NEXT_TELEMETRY_DISABLED: '1',
    },
    stdio: 'ignore',
  });
  const base = `http://127.0.0.1:${PORT}`;
  for (let i = 0; i < 200; i++) {
    if (
      await fetch(`${base}/queue`).then(
        (r) => r.ok,
        () => false,
      )
    )
      break;
    await new Promise((r) => setTimeout(r, 200));
  }

  const input = encodeURIComponent(
    JSON.stringify({ json: { benchmarkVersionId, policy: 'lcl', scorer: 'official', limit: 100 } }),
  );
  const targets = {
    page: `${base}/?version=${benchmarkVersionId}`,
    trpc: `${base}/api/trpc/leaderboard.rows?input=${input}`,
    baseline: `${base}/api/trpc/leaderboard.versions`,
  };

  async function load(url: string) {
    const agent = new Agent({ connections: CONCURRENCY });
    for (let i = 0; i < 20; i++) await (await request(url, { dispatcher: agent })).body.text();
    const latencies: number[] = [];
    const until = performance.now() + SECONDS * 1000;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (performance.now() < until) {
          const t = performance.now();
          const response = await request(url, { dispatcher: agent });
          await response.body.text();
          if (response.statusCode !== 200) throw new Error(`${url}: HTTP ${response.statusCode}`);
          latencies.push(performance.now() - t);
        }
      }),
    );
    await agent.close();
    latencies.sort((a, b) => a - b);
    const at = (p: number) =>
      latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))] as number;
    return { p50: at(0.5), p95: at(0.95), rps: latencies.length / SECONDS };
  }

  const baseline = await load(targets.baseline);
  const trpc = await load(targets.trpc);
  const page = await load(targets.page);

  // First-load JS of `/`: every script the page's HTML loads, gzip-compressed.
  const html = await (await fetch(targets.page)).text();
  const scripts = [
    ...new Set(
      [...html.matchAll(/src="(\/_next\/static\/[^"]+\.js)"/g)].map((m) => m[1] as string),
    ),
  ];
  let gzip = 0;
  for (const src of scripts)
    gzip += gzipSync(await readFile(path.join(WEB, '.next', src.replace('/_next/', '')))).length;

  const fmt = (r: { p50: number; p95: number; rps: number }) =>
    `p50_ms=${r.p50.toFixed(1)} p95_ms=${r.p95.toFixed(1)} requests_per_s=${r.rps.toFixed(0)}`;
  console.log(`submissions=1000 concurrency=${CONCURRENCY} seconds=${SECONDS}`);
  console.log(
    `baseline_versions_query ${fmt(baseline)} (baseline: the smallest tRPC query through the same server)`,
  );
  console.log(
    `leaderboard_trpc ${fmt(trpc)} p95_ratio_to_baseline=${(trpc.p95 / baseline.p95).toFixed(2)} target_p95<=100`,
  );
  console.log(
    `leaderboard_page ${fmt(page)} p95_ratio_to_baseline=${(page.p95 / baseline.p95).toFixed(2)} target_p95<=100`,
  );
  console.log(
    `first_load_js_gzip_kb=${(gzip / 1024).toFixed(1)} scripts=${scripts.length} target<=250`,
  );
} finally {
  site?.kill('SIGTERM');
  await database.drop();
  await server.stop();
}
