import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createTestDatabase, freePort } from '@linkboard/db/testing';
import { loadEnv } from '../src/env';

// Shared by tests and benchmarks, so no vitest import here.

// The folders smallSynth and smallSynthV3 made in this process (see `synthDirs`).
const made: string[] = [];
/** The temporary folders this process's small synths are in: a benchmark removes them when done. */
export const synthDirs = (): readonly string[] => made;

let synth: Promise<string> | undefined;
/** A small isekai-synth set (2 pairs, 12 images per concept, 2 of them queries), made once per file. */
export function smallSynth(): Promise<string> {
  synth ??= (async () => {
    const { generateSynth, writeDataset } = await import('@linkboard/datasets');
    const dir = await mkdtemp(path.join(tmpdir(), 'linkboard-synth-'));
    made.push(dir);
    await writeDataset(
      path.join(dir, 'synth'),
      await generateSynth({ pairs: 2, perConcept: 12, queriesPerConcept: 2 }),
    );
    return path.join(dir, 'synth');
  })();
  return synth;
}

let synthV3: Promise<string> | undefined;
/** A small isekai-synth v3 (the default benchmark's generator), generated once per test file. */
export function smallSynthV3(): Promise<string> {
  synthV3 ??= (async () => {
    const { generateSynth, writeDataset } = await import('@linkboard/datasets');
    const dir = await mkdtemp(path.join(tmpdir(), 'linkboard-synth-v3-'));
    made.push(dir);
    await writeDataset(
      path.join(dir, 'synth'),
      await generateSynth({ version: 3, pairs: 2, perConcept: 12, queriesPerConcept: 2 }),
    );
    return path.join(dir, 'synth');
  })();
  return synthV3;
}

export { freePort };

/** Where a test platform keeps its database. */
export interface PlatformDatabase {
  /**
   * A migrated template database on a running PostgreSQL (see `provideTestServer` in
   * @linkboard/db/testing): the platform gets a clone of it as DATABASE_URL, dropped at shutdown.
   * Absent: a freshly started embedded PostgreSQL under the data folder.
   */
  templateUrl?: string;
}

/**
 * A platform of its own for a test file: a data folder with the small isekai-synth published into
 * a freshly started embedded PostgreSQL, or a database of its own on a running server (see
 * `PlatformDatabase`). Stop it with `shutdown()`.
 */
export async function testPlatform(
  extraEnv: Record<string, string> = {},
  where: PlatformDatabase = {},
  /** A dataset folder to publish instead of the small isekai-synth. */
  datasetDir?: string,
) {
  const { openDatabase } = await import('../src/database');
  const { publishDataset } = await import('../src/worker/images');
  const { loadDataset } = await import('@linkboard/datasets');
  const dataDir = await mkdtemp(path.join(tmpdir(), 'linkboard-platform-'));
  const external = where.templateUrl ? await createTestDatabase(where.templateUrl) : undefined;
  const env = loadEnv({
    ...(external && { DATABASE_URL: external.url }),
    LINKBOARD_DATA_DIR: dataDir,
    LINKBOARD_PG_PORT: String(await freePort()),
    LINKBOARD_ALLOW_PRIVATE_ENDPOINTS: '1',
    CI: 'true',
    ...extraEnv,
  });
  const database = await openDatabase(env);
  const dataset = await loadDataset(datasetDir ?? (await smallSynth()));
  const { benchmarkVersionId } = await publishDataset(database.db, env, dataset);
  return {
    env,
    database,
    dataset,
    benchmarkVersionId,
    async shutdown() {
      await database.shutdown();
      await external?.drop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * A test platform with a reference server beside it that knows the platform's benchmark (so
 * always-familiar and prototype answer as in the platform). `latencyMs` lets a job last.
 */
export async function testPlatformWithServer(
  extraEnv: Record<string, string> = {},
  server: { latencyMs?: number } = {},
  where: PlatformDatabase = {},
) {
  const platform = await testPlatform(extraEnv, where);
  const { startReferenceServer } = await import('../src/server/reference-server');
  const { familiarFromPairs } = await import('../src/adapters/builtin');
  const reference = await startReferenceServer({
    port: 0,
    latencyMs: server.latencyMs,
    familiarOf: familiarFromPairs(platform.dataset.manifest.pairs),
  });
  return {
    ...platform,
    server: reference,
    async shutdown() {
      await reference.close();
      await platform.shutdown();
    },
  };
}

/**
 * The site's runner API (`@linkboard/platform/runner-api`, the handler the site mounts) served over real
 * HTTP for a platform, with a runner token named `tokenName`. `stop()` and `restart()` let a test
 * take the site away and bring it back on the same port.
 */
export async function startRunnerApi(
  platform: Awaited<ReturnType<typeof testPlatform>>,
  options: { tokenName?: string; port?: number } = {},
) {
  const { createServer } = await import('node:http');
  const { getRequestListener } = await import('@hono/node-server');
  const { runnerApi } = await import('@linkboard/platform/runner-api');
  const { createRunnerToken } = await import('@linkboard/db');
  const api = runnerApi(platform.database, {
    imagesDir: path.join(platform.env.dataDir, 'images'),
  });
  const { token } = await createRunnerToken(platform.database.db, options.tokenName ?? 'test-lab');
  const port = options.port ?? (await freePort());
  let server: import('node:http').Server | undefined;
  const listen = async () => {
    const started = createServer(getRequestListener(api.handle));
    await new Promise<void>((resolve, reject) => {
      started.once('error', reject);
      started.listen(port, '127.0.0.1', () => resolve());
    });
    server = started;
  };
  const stop = async () => {
    const running = server;
    server = undefined;
    if (!running) return;
    running.closeAllConnections();
    await new Promise<void>((resolve) => running.close(() => resolve()));
  };
  await listen();
  return {
    url: `http://127.0.0.1:${port}`,
    token,
    stop,
    restart: listen,
    async close() {
      await stop();
      await api.close();
    },
  };
}
