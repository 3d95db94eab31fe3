/**
 * The site under load, against a database of SUBMISSIONS finished submissions that each ran the
 * version's whole ranked setting (so every row is ranked: the joint bootstrap has the board's
 * real work). The site runs as `linkboard start` runs it (src/front/server.ts), first with the
 * page cache off (every request rendered by Next: the baseline), then on; each read at 50 and 500
 * connections by autocannon. Printed, each as `name=value target… sizes…` (core's printFigure):
 * the first read, which waits while the site's board worker ranks the board; the read of the
 * board's first 100 rows one request at a time (cache off); the cached board page for anonymous
 * visitors and for 50 signed-in ones (each its own session, served the same bytes) at 500
 * connections, and the ratio between them; beside the cached page, the same load on a bare
 * Node.js server answering every request with the same bytes from memory (bench/bare-server.ts:
 * the floor this machine sets under any Node.js site, printed as `bare_server_p95_ms_*` and as
 * each board figure's `ratio_to_baseline`); the cached page while the board changes every second;
 * the first-load JavaScript of `/`. Beside each run, the CPU the site and this process (the load
 * generator) used, in cores, to show which one limits the rate. BENCH_QUICK=1 runs 1,000
 * submissions for 3 s a run; BENCH_PORT (default 3290) moves the site (the bare server takes the
 * port after it). Everything it made (the database, its server, the site's data folder) is
 * removed on the way out.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { access, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { DEFAULT_RANKED_SETTING } from '@linkboard/core';
import { fixtureManifest, percentile, printFigure } from '@linkboard/core/testing';
import { importBenchmark } from '@linkboard/db';
import { createTestDatabase, seedRankedBoard, startTestServer } from '@linkboard/db/testing';
import autocannon from 'autocannon';
import { request } from 'undici';
import { benchEnv } from './env';

const quick = benchEnv.quick;
const SECONDS = quick ? 3 : 10;
const SUBMISSIONS = quick ? 1_000 : 10_000;
/** Signed-in visitors, each with a session of its own. */
const CLIENTS = 50;
const WEB = fileURLToPath(new URL('..', import.meta.url));
const SERVER = fileURLToPath(new URL('../src/front/server.ts', import.meta.url));
const BARE_SERVER = fileURLToPath(new URL('./bare-server.ts', import.meta.url));
/** Per-connection headers, which a server writes for itself. */
const HOP_HEADERS = new Set([
  'connection',
  'keep-alive',
  'transfer-encoding',
  'content-length',
  'date',
]);
const PORT = benchEnv.port;

/** CPU seconds (user + system) a process has used, from /proc (Linux); 0 when unknown. */
function cpuSecondsOf(pid: number | undefined): number {
  if (!pid) return 0;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    // utime and stime are fields 14 and 15 of stat, in clock ticks (100 a second on Linux).
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

const server = await startTestServer();
const database = await createTestDatabase(server.url);
let site: ReturnType<typeof spawn> | undefined;
let bareServer: ReturnType<typeof spawn> | undefined;
let dataDir: string | undefined;
try {
  // A 24-pair benchmark whose every submission ran the default ranked setting.
  const manifest = fixtureManifest({
    name: 'bench',
    pairs: 24,
    supportPerConcept: 24,
    queriesPerConcept: 8,
  });
  const { benchmarkVersionId } = await importBenchmark(database.db, manifest);
  const q = (text: string, params: unknown[] = []) => database.pool.query(text, params);
  await q('UPDATE benchmark_versions SET ranked_setting = $1 WHERE id = $2', [
    JSON.stringify(DEFAULT_RANKED_SETTING),
    benchmarkVersionId,
  ]);
  await seedRankedBoard(database.pool, { benchmarkVersionId, count: SUBMISSIONS });
  await q('ANALYZE');

  const built = await access(path.join(WEB, '.next', 'BUILD_ID')).then(
    () => true,
    () => false,
  );
  if (!built) throw new Error('build the site first: npm run build');
  dataDir = await mkdtemp(path.join(tmpdir(), 'linkboard-web-bench-'));
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
    page: `${base}/?benchmark=${manifest.benchmark.name}@${manifest.benchmark.version}`,
    trpc: `${base}/api/trpc/leaderboard.rows?input=${input}`,
    baseline: `${base}/api/trpc/leaderboard.versions`,
  };

  /**
   * bench/bare-server.ts on the next port, serving the bytes and headers the site answers `url`
   * with (its gzip copy, as autocannon asks for it): what the machine allows a Node.js server.
   */
  async function startBareServer(url: string) {
    const response = await request(url, { headers: { 'accept-encoding': 'gzip' } });
    const body = Buffer.from(await response.body.arrayBuffer());
    if (response.statusCode !== 200 || response.headers['content-encoding'] !== 'gzip')
      throw new Error(`${url}: HTTP ${response.statusCode}, not a gzip page to serve again`);
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(response.headers))
      if (typeof value === 'string' && !HOP_HEADERS.has(name)) headers[name] = value;
    const folder = await mkdtemp(path.join(dataDir as string, 'bare-'));
    await writeFile(path.join(folder, 'body'), body);
    await writeFile(path.join(folder, 'headers.json'), JSON.stringify(headers));
    const port = PORT + 1;
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        BARE_SERVER,
        String(port),
        path.join(folder, 'body'),
        path.join(folder, 'headers.json'),
      ],
      { cwd: WEB, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    bareServer = child;
    await new Promise<void>((ready, failed) => {
      child.stdout?.once('data', () => ready());
      child.once('exit', (code) => failed(new Error(`the bare server exited with ${code}`)));
    });
    return {
      child,
      url: `http://127.0.0.1:${port}/`,
      stop: async () => {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
        bareServer = undefined;
      },
    };
  }

  /** 50 accounts, each signed up (so signed in) through the site: their session cookies. */
  async function signUpClients(): Promise<{ name: string; email: string; cookie: string }[]> {
    const clients = [];
    for (let i = 0; i < CLIENTS; i++) {
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

  /**
   * `connections` clients, each sending its next request when the last is answered, for SECONDS,
   * by autocannon (its client counts body bytes without decoding them, so it is not what limits
   * the rate; the site's and this process's CPU over the run are printed to show which one is).
   * Latency per request from autocannon's response events (its summary has no p95).
   */
  async function load(
    url: string,
    options: {
      connections: number;
      during?: () => Promise<void>;
      headers?: (client: number) => Record<string, string>;
      /** The server under load, whose CPU is measured: the site unless said. */
      server?: ReturnType<typeof spawn>;
    },
  ) {
    const { connections, during, headers } = options;
    const measured = options.server ?? site;
    const latencies: number[] = [];
    let client = 0;
    const siteCpu = cpuSecondsOf(measured?.pid);
    const ownCpu = process.cpuUsage();
    let changes = 0;
    let finished!: Promise<autocannon.Result>;
    const started = new Promise<void>((begun) => {
      finished = new Promise((resolve, reject) => {
        const instance = autocannon(
          {
            url,
            connections,
            duration: SECONDS,
            // Browsers ask for gzip; the site keeps a gzip copy of each cached page.
            headers: { 'accept-encoding': 'gzip' },
            setupClient: headers
              ? (c) => c.setHeaders({ 'accept-encoding': 'gzip', ...headers(client++ % CLIENTS) })
              : undefined,
          },
          (error, result) => (error ? reject(error) : resolve(result)),
        );
        instance.on('response', (_client, statusCode, _bytes, responseTime) => {
          if (statusCode === 200) latencies.push(responseTime);
        });
        begun();
      });
    });
    await started;
    const churn = (async () => {
      if (!during) return;
      const until = performance.now() + (SECONDS - 1) * 1000;
      while (performance.now() < until) {
        await new Promise((r) => setTimeout(r, 1000));
        await during();
        changes++;
      }
    })();
    const result = await finished;
    await churn;
    const cpu = process.cpuUsage(ownCpu);
    const failed = result.non2xx + result.errors + result.timeouts;
    // None answered within the run (every client still waiting on a saturated site): NaN, said so.
    return {
      answered: latencies.length,
      p50: percentile(latencies, 0.5),
      p95: percentile(latencies, 0.95),
      rps: latencies.length / SECONDS,
      failed,
      changes,
      siteCores: (cpuSecondsOf(measured?.pid) - siteCpu) / SECONDS,
      loadCores: (cpu.user + cpu.system) / 1e6 / SECONDS,
    };
  }
  type Run = Awaited<ReturnType<typeof load>>;
  const report = (name: string, run: Run, options: Parameters<typeof printFigure>[2] = {}) =>
    printFigure(name, run.p95, {
      ...options,
      sizes: { submissions: SUBMISSIONS, ...options.sizes },
      extra: {
        p50_ms: run.p50,
        requests_per_s: run.rps,
        answered: run.answered,
        failed: run.failed,
        site_cpu_cores: run.siteCores,
        load_generator_cpu_cores: run.loadCores,
        ...options.extra,
      },
    });

  /** One request at a time: the read's own latency, with nothing queued before it. */
  async function sequential(url: string, reads: number) {
    for (let i = 0; i < 20; i++) await (await request(url)).body.text();
    const latencies: number[] = [];
    for (let i = 0; i < reads; i++) {
      const t = performance.now();
      const response = await request(url);
      await response.body.text();
      if (response.statusCode !== 200) throw new Error(`${url}: HTTP ${response.statusCode}`);
      latencies.push(performance.now() - t);
    }
    return { p50: percentile(latencies, 0.5), p95: percentile(latencies, 0.95) };
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
  // The board has never been ranked: the first read waits while the site's worker ranks it.
  const firstStarted = performance.now();
  const first = await request(targets.trpc);
  await first.body.text();
  if (first.statusCode !== 200) throw new Error(`first read: HTTP ${first.statusCode}`);
  printFigure('first_read_with_ranking_ms', performance.now() - firstStarted, {
    sizes: { submissions: SUBMISSIONS, ranked: SUBMISSIONS },
  });
  // The page under test is the board: its rows are there (a redirect or an error page is not).
  const boardHtml = await (await fetch(targets.page)).text();
  const shownRows = new Set(boardHtml.match(/ranked-model-\d+/g) ?? []).size;
  if (shownRows < 100)
    throw new Error(
      `${targets.page} shows ${shownRows} of the board's rows: ${boardHtml
        .replace(/<[^>]+>/g, ' ')
        .replace(/\s+/g, ' ')
        .slice(0, 1500)}`,
    );
  const clients = await signUpClients();
  await checkSessions(clients);
  const signedIn = (client: number) => ({ cookie: (clients[client] as { cookie: string }).cookie });
  // One request at a time: the smallest tRPC query (Next's own cost of a request) and the board's.
  const floor = await sequential(targets.baseline, quick ? 100 : 300);
  printFigure('versions_query_http_p95_ms', floor.p95, {
    baseline: true,
    sizes: { connections: 1, cache: 'off' },
    extra: { p50_ms: floor.p50 },
  });
  const read = await sequential(targets.trpc, quick ? 100 : 300);
  printFigure('leaderboard_read_http_p95_ms', read.p95, {
    target: { atMost: 20 },
    sizes: { submissions: SUBMISSIONS, ranked: SUBMISSIONS, connections: 1, cache: 'off' },
    extra: { p50_ms: read.p50, rows: 100, ratio_to_baseline: read.p95 / floor.p95 },
  });
  const uncached: Record<string, Run> = {};
  for (const connections of [50, 500]) {
    const versions = await load(targets.baseline, { connections });
    report(`baseline_versions_query_p95_ms_${connections}`, versions, {
      baseline: true,
      sizes: { connections, cache: 'off' },
    });
    const trpc = await load(targets.trpc, { connections });
    uncached[`trpc${connections}`] = trpc;
    report(`leaderboard_trpc_p95_ms_${connections}`, trpc, {
      sizes: { connections, cache: 'off', rows: 100 },
    });
    const page = await load(targets.page, { connections });
    uncached[`page${connections}`] = page;
    report(`board_page_p95_ms_${connections}`, page, { sizes: { connections, cache: 'off' } });
  }
  await stopSite();
  await startSite(64);
  // Sessions live in the database: still valid after the restart.
  await checkSessions(clients);
  // The floor: a bare Node.js server answering every request with the cached page's bytes.
  const bare = await startBareServer(targets.page);
  const cached: Record<string, Run> = {};
  for (const connections of [50, 500]) {
    cached[`trpc${connections}`] = await load(targets.trpc, { connections });
    report(`leaderboard_trpc_cached_p95_ms_${connections}`, cached[`trpc${connections}`] as Run, {
      sizes: { connections, cache: 'on' },
      extra: {
        p95_vs_cache_off:
          (cached[`trpc${connections}`] as Run).p95 / (uncached[`trpc${connections}`] as Run).p95,
      },
    });
    const page = await load(targets.page, { connections });
    cached[`page${connections}`] = page;
    const floor = await load(bare.url, { connections, server: bare.child });
    report(`bare_server_p95_ms_${connections}`, floor, {
      baseline: true,
      sizes: { connections, body: 'the cached board page, gzip' },
    });
    report(`board_p95_ms_${connections}`, page, {
      target: { atMost: 20 },
      sizes: { connections, cache: 'on', visitors: 'anonymous' },
      extra: {
        p95_vs_cache_off: page.p95 / (uncached[`page${connections}`] as Run).p95,
        ratio_to_baseline: page.p95 / floor.p95,
      },
    });
  }
  await bare.stop();
  const signedInPage = await load(targets.page, { connections: 500, headers: signedIn });
  report('board_signed_in_p95_ms_500', signedInPage, {
    sizes: { connections: 500, sessions: clients.length, cache: 'on' },
  });
  printFigure('signed_in_vs_anonymous', signedInPage.p95 / (cached.page500 as Run).p95, {
    target: { atMost: 2 },
    sizes: { connections: 500, sessions: clients.length },
    extra: { anonymous_p95_ms: (cached.page500 as Run).p95, signed_in_p95_ms: signedInPage.p95 },
  });
  const me = await load(`${base}/api/trpc/accounts.me`, { connections: 50, headers: signedIn });
  report('accounts_me_p95_ms_50', me, { sizes: { connections: 50, sessions: clients.length } });
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
  const churn = await load(targets.page, { connections: 50, during: changeLeaderboard });
  report('board_with_changes_p95_ms_50', churn, {
    sizes: { connections: 50, cache: 'on' },
    extra: { changes: churn.changes },
  });

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
  printFigure('board_page_bytes', Buffer.byteLength(html), {
    extra: { gzip_bytes: gzipSync(html).length },
  });
  printFigure('first_load_js_gzip_kb', gzip / 1024, {
    target: { atMost: 250 },
    sizes: { scripts: scripts.length },
  });
} finally {
  if (bareServer && bareServer.exitCode === null) bareServer.kill('SIGTERM');
  if (site && site.exitCode === null) {
    const exited = new Promise((r) => site?.once('exit', r));
    site.kill('SIGTERM');
    await exited;
  }
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
  await database.drop();
  await server.stop();
}
