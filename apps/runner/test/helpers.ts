import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterEach } from 'vitest';
import { main } from '../src/cli';
import { loadEnv } from '../src/env';

export const ISEKAI_SAMPLE = fileURLToPath(
  new URL('../../../../shared/fixtures/isekai-sample', import.meta.url),
);

const made: string[] = [];
afterEach(async () => {
  await Promise.all(made.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

export async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'linkboard-cli-'));
  made.push(dir);
  return dir;
}

function collect(stream: PassThrough): () => string {
  const chunks: Buffer[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk));
  return () => Buffer.concat(chunks).toString('utf8');
}

/** Runs the CLI in-process with its own streams, as `linkboard <args>` would run. */
export async function run(
  args: string[],
  options: { stdin?: string; dataDir?: string; env?: Record<string, string> } = {},
) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out = collect(stdout);
  const err = collect(stderr);
  const env = loadEnv({
    LINKBOARD_DATA_DIR: options.dataDir ?? (await tempDir()),
    CI: 'true',
    ...options.env,
  });
  const code = await main(
    ['node', 'linkboard', ...args],
    { stdin: Readable.from([options.stdin ?? '']), stdout, stderr },
    env,
  );
  return { code, stdout: out(), stderr: err() };
}

/** Imports the ISEKAI sample into a temporary folder; returns that folder. */
export async function importSample(): Promise<string> {
  const out = path.join(await tempDir(), 'sample');
  const result = await run([
    'dataset',
    'import',
    '--format',
    'isekai',
    path.join(ISEKAI_SAMPLE, 'ISEKAI-sample.json'),
    '--images',
    path.join(ISEKAI_SAMPLE, 'images'),
    '--out',
    out,
  ]);
  if (result.code !== 0) throw new Error(`import failed: ${result.stderr}`);
  return out;
}

let synth: Promise<string> | undefined;
/** A small isekai-synth set (2 pairs, 12 images per concept, 2 of them queries), made once per file. */
export function smallSynth(): Promise<string> {
  synth ??= (async () => {
    const { generateSynth, writeDataset } = await import('@linkboard/datasets');
    const dir = await mkdtemp(path.join(tmpdir(), 'linkboard-synth-'));
    await writeDataset(
      path.join(dir, 'synth'),
      await generateSynth({ pairs: 2, perConcept: 12, queriesPerConcept: 2 }),
    );
    return path.join(dir, 'synth');
  })();
  return synth;
}

/** A TCP port nothing listens on right now. */
export async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * A platform of its own for a test file: a data folder with the small isekai-synth published into
 * a freshly started embedded PostgreSQL. Stop it with `shutdown()`.
 */
export async function testPlatform(extraEnv: Record<string, string> = {}) {
  const { openDatabase } = await import('../src/database');
  const { publishDataset } = await import('../src/worker/images');
  const { loadDataset } = await import('@linkboard/datasets');
  const dataDir = await mkdtemp(path.join(tmpdir(), 'linkboard-platform-'));
  const env = loadEnv({
    LINKBOARD_DATA_DIR: dataDir,
    LINKBOARD_PG_PORT: String(await freePort()),
    LINKBOARD_ALLOW_PRIVATE_ENDPOINTS: '1',
    CI: 'true',
    ...extraEnv,
  });
  const database = await openDatabase(env);
  const dataset = await loadDataset(await smallSynth());
  const { benchmarkVersionId } = await publishDataset(database.db, env, dataset);
  return {
    env,
    database,
    dataset,
    benchmarkVersionId,
    async shutdown() {
      await database.shutdown();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
