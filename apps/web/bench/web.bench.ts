/**
 * The site under load: p50/p95 latency of the leaderboard page and of its tRPC query with 50
 * requests in flight, against a database seeded with 1,000 finished submissions, and the
 * first-load JavaScript of `/` (gzip). The site runs as `linkboard start` runs it
 * (src/front/server.ts), twice: with the page cache off — every request rendered by Next, the
 * baseline — and on; then on again while the leaderboard changes every second (each change
 * empties the cache under load). With the cache on, the page is loaded by anonymous clients and
 * then by 50 signed-in ones (50 accounts made through the sign-up route, each session checked
 * with `accounts.me` first), who are served the same cached page: their p95 is printed beside
 * the anonymous one with the ratio, and so is the p95 of `accounts.me`, the one request of their
 * own that a signed-in browser makes per page load (to fill in the header).
 * Latencies are measured per request by an undici loop (autocannon reports p90 and p97.5 but
 * not p95). BENCH_QUICK=1 shortens each run to 3 s; BENCH_PORT (default 3290) moves the site.
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
const SERVER = fileURLToPath(new URL('../src/front/server.ts', import.meta.url));
const PORT = benchEnv.port;

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
    `INSERT INTO models (name, name_key, organisation) SELECT 'model-' || g, 'model-' || g, 'lab ' || (g % 37) FROM generate_series(1, 1000) g`,
  );
  await q(
    `INSERT INTO submissions (model_id, benchmark_version_id, adapter, shots, policies, total_episodes, status, finished_at)
     SELECT id, $1, 'openai', '{2,4,6,8,10,12,14,16}', '{lcl,icl}', 6144, 'done', now() - (id || ' minutes')::interval FROM models`,
    [benchmarkVersionId],
  );
  await q(`INSERT INTO submission_scores (submission_id, scorer, shots, policy, n, correct, other_label, "both", neither, empty, error, novel_n, novel_correct)
           SELECT s.id, sc, sh, p::policy, 384, (random() * 384)::int, 40, 0, 4, 0, 0, 192, (random() * 192)::int
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
  const base = `http://127.0.0.1:${PORT}`;
  async function startSite(cacheMb: number) {
    const child = spawn(process.execPath, ['--import', 'tsx', SERVER], {
      cwd: WEB,
      env: {
        ...benchEnv.inherited,
        DATABASE_URL: database.pool.options.connectionString,
        LINKBOARD_DATA_DIR: dataDir,
        LINKBOARD_PORT: String(PORT),
        LINKBOARD_PAGE_CACHE_MB: String(cacheMb),
        // Sign-ups are limited per client (3 in 10 s): each bench account signs up from an
        // address of its own, said in X-Forwarded-For, which the site believes from loopback.
        LINKBOARD_TRUSTED_PROXIES: '127.0.0.1,::1',
        NEXT_TELEMETRY_DISABLED: '1',
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    site = child;
    for (let i = 0; i < 300; i++) {
      if (child.exitCode !== null) throw new Error(`the site exited with ${child.exitCode}`);
      const up = await fetch(`${base}/queue`).then(
        (r) => r.ok,
        () => false,
      );
      if (up) return child;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error('the site did not start within a minute');
  }
  async function stopSite() {
    const child = site;
    site = undefined;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  }

  const input = encodeURIComponent(
    JSON.stringify({ json: { benchmarkVersionId, policy: 'lcl', scorer: 'official', limit: 100 } }),
  );
  const targets = {
    page: `${base}/?version=${benchmarkVersionId}`,
    trpc: `${base}/api/trpc/leaderboard.rows?input=${input}`,
    baseline: `${base}/api/trpc/leaderboard.versions`,
  };

  /** 50 accounts, each signed up (so signed in) through the site: their session cookies. */
  async function signUpClients(): Promise<{ name: string; email: string; cookie: string }[]> {
    const clients = [];
    for (let i = 0; i < CONCURRENCY; i++) {
      const name = `Bench Visitor ${i}`;
      const email = `bench-visitor-${i}@example.com`;
      const response = await request(`${base}/api/auth/sign-up/email`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          origin: base,
          'x-forwarded-for': `198.51.100.${i + 1}`,
        },
        body: JSON.stringify({ name, email, password: 'bench visitor password' }),
      });
      const body = await response.body.text();
      if (response.statusCode !== 200)
        throw new Error(`sign-up of ${email}: HTTP ${response.statusCode} ${body.slice(0, 200)}`);
      const setCookie = [response.headers['set-cookie'] ?? []].flat();
      const session = setCookie
        .map((c) => c.split(';')[0] as string)
        .find((c) => c.startsWith('better-auth.session_token='));
      if (!session) throw new Error(`sign-up of ${email}: no session cookie`);
      clients.push({ name, email, cookie: session });
    }
    return clients;
  }
  /** Each session is valid: `accounts.me` names its account. */
  async function checkSessions(clients: { name: string; cookie: string }[]) {
    for (const { name, cookie } of clients) {
      const response = await request(`${base}/api/trpc/accounts.me`, { headers: { cookie } });
      const me = JSON.parse(await response.body.text())?.result?.data?.json;
      if (response.statusCode !== 200 || me?.name !== name)
        throw new Error(`the session of ${name} is not valid: ${JSON.stringify(me)}`);
    }
  }

  /** `headers(i)`: what client i sends with each request (its session cookie). */
  async function load(
    url: string,
    options: {
      during?: () => Promise<void>;
      headers?: (client: number) => Record<string, string>;
    } = {},
  ) {
    const { during, headers = () => ({}) } = options;
    const agent = new Agent({ connections: CONCURRENCY });
    for (let i = 0; i < 20; i++)
      await (
        await request(url, { dispatcher: agent, headers: headers(i % CONCURRENCY) })
      ).body.text();
    const latencies: number[] = [];
    const states: Record<string, number> = {};
    const until = performance.now() + SECONDS * 1000;
    let changes = 0;
    await Promise.all([
      ...Array.from({ length: CONCURRENCY }, async (_, client) => {
        while (performance.now() < until) {
          const t = performance.now();
          const response = await request(url, { dispatcher: agent, headers: headers(client) });
          await response.body.text();
          if (response.statusCode !== 200) throw new Error(`${url}: HTTP ${response.statusCode}`);
          latencies.push(performance.now() - t);
          const state = String(response.headers['x-linkboard-cache'] ?? 'none');
          states[state] = (states[state] ?? 0) + 1;
        }
      }),
      (async () => {
        if (!during) return;
        while (performance.now() < until - 1000) {
          await new Promise((r) => setTimeout(r, 1000));
          await during();
          changes++;
        }
      })(),
    ]);
    await agent.close();
    latencies.sort((a, b) => a - b);
    const at = (p: number) =>
      latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))] as number;
    return { p50: at(0.5), p95: at(0.95), rps: latencies.length / SECONDS, states, changes };
  }

  // A change the leaderboard shows: one submission leaves it, or comes back.
  let hidden = false;
  const changeLeaderboard = async () => {
    hidden = !hidden;
    await q(`UPDATE submissions SET visibility = $1 WHERE id = (SELECT min(id) FROM submissions)`, [
      hidden ? 'private' : 'public',
    ]);
  };

  await startSite(0);
  const clients = await signUpClients();
  await checkSessions(clients);
  const signedIn = (client: number) => ({ cookie: (clients[client] as { cookie: string }).cookie });
  const baseline = await load(targets.baseline);
  const uncached = { trpc: await load(targets.trpc), page: await load(targets.page) };
  await stopSite();
  await startSite(64);
  // Sessions live in the database: still valid after the restart.
  await checkSessions(clients);
  const cached = { trpc: await load(targets.trpc), page: await load(targets.page) };
  const signedInPage = await load(targets.page, { headers: signedIn });
  const me = await load(`${base}/api/trpc/accounts.me`, { headers: signedIn });
  // What a signed-in client is served is the anonymous page, byte for byte, naming nobody
  // (checked before the changes below, which re-render it).
  const pageFor = async (headers: Record<string, string>) =>
    Buffer.from(await (await request(targets.page, { headers })).body.arrayBuffer());
  const anonymousHtml = await pageFor({});
  const personal = clients.flatMap(({ name, email, cookie }) => [
    name,
    email,
    cookie.split('=')[1] as string,
  ]);
  for (const client of clients.slice(0, 5)) {
    const html = await pageFor({ cookie: client.cookie });
    if (!html.equals(anonymousHtml) || personal.some((p) => html.includes(p)))
      throw new Error(`${client.name} was served a page other than the anonymous one`);
  }
  const churn = await load(targets.page, { during: changeLeaderboard });

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

  type Run = Awaited<ReturnType<typeof load>>;
  const fmt = (r: Run) =>
    `p50_ms=${r.p50.toFixed(1)} p95_ms=${r.p95.toFixed(1)} requests_per_s=${r.rps.toFixed(0)}`;
  const cacheStates = (r: Run) =>
    Object.entries(r.states)
      .map(([state, n]) => `${state}=${n}`)
      .join(' ');
  console.log(`submissions=1000 concurrency=${CONCURRENCY} seconds=${SECONDS}`);
  console.log(`baseline_versions_query_uncached ${fmt(baseline)} (the smallest tRPC query)`);
  for (const [name, off, on] of [
    ['leaderboard_trpc', uncached.trpc, cached.trpc],
    ['leaderboard_page', uncached.page, cached.page],
  ] as const) {
    console.log(`${name}_uncached ${fmt(off)} (cache off: every request rendered)`);
    console.log(
      `${name}_cached ${fmt(on)} p95_ratio_to_uncached=${(on.p95 / off.p95).toFixed(3)} ${cacheStates(on)} target_p95<=100`,
    );
  }
  console.log(
    `leaderboard_page_signed_in ${fmt(signedInPage)} ${cacheStates(signedInPage)} clients=${clients.length} (each its own session)`,
  );
  console.log(
    `leaderboard_page_p95_signed_in_ms=${signedInPage.p95.toFixed(1)} anonymous_ms=${cached.page.p95.toFixed(1)} ratio_signed_to_anonymous=${(signedInPage.p95 / cached.page.p95).toFixed(2)} target<=2`,
  );
  console.log(
    `signed_in_page_identical_to_anonymous=true (5 clients' HTML: same bytes, no name, e-mail or session token)`,
  );
  console.log(
    `accounts_me_signed_in ${fmt(me)} (once per signed-in page load, to fill in the header)`,
  );
  console.log(
    `leaderboard_page_cached_with_changes ${fmt(churn)} changes=${churn.changes} (one per second) ${cacheStates(churn)}`,
  );
  const pageBytes = Buffer.byteLength(html);
  console.log(
    `leaderboard_page_bytes=${pageBytes} gzip_bytes=${gzipSync(html).length} (the bench client asks uncompressed; browsers get gzip)`,
  );
  console.log(
    `first_load_js_gzip_kb=${(gzip / 1024).toFixed(1)} scripts=${scripts.length} target<=250`,
  );
} finally {
  site?.kill('SIGTERM');
  await database.drop();
  await server.stop();
}
