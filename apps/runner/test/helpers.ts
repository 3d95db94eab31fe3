import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { ISEKAI_SAMPLE as SHIPPED_SAMPLE } from '@linkboard/datasets';
import { afterEach, inject } from 'vitest';
import { main } from '../src/cli';
import { loadEnv } from '../src/env';
import {
  type PlatformDatabase,
  testPlatform as platformOn,
  testPlatformWithServer as platformWithServerOn,
} from './platform';

/** The ISEKAI sample that ships in @linkboard/datasets, as a folder. */
export const ISEKAI_SAMPLE = path.dirname(SHIPPED_SAMPLE.records);

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

/** Imports the ISEKAI sample into `out` (default: a temporary folder); returns that folder. */
export async function importSample(out?: string): Promise<string> {
  out ??= path.join(await tempDir(), 'sample');
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

export { freePort, smallSynth, smallSynthV3 } from './platform';

/**
 * Where this project's test platforms keep their databases: the external project (a running
 * PostgreSQL, LINKBOARD_TEST_DATABASE_URL) clones its template; the embedded one starts its own.
 */
export function platformDatabase(): PlatformDatabase {
  return inject('pgServer') ? { templateUrl: inject('pgUrl') } : {};
}

/** `testPlatform` of ./platform, on this project's server. */
export const testPlatform = (extraEnv: Record<string, string> = {}, datasetDir?: string) =>
  platformOn(extraEnv, platformDatabase(), datasetDir);

/** `testPlatformWithServer` of ./platform, on this project's server. */
export const testPlatformWithServer = (
  extraEnv: Record<string, string> = {},
  server: { latencyMs?: number } = {},
) => platformWithServerOn(extraEnv, server, platformDatabase());
