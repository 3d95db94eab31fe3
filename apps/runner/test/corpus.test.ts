import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadEnv } from '../src/env';
import { importSample, run } from './helpers';

// The attack corpus (corpus/attacks at the repository root), as the CLI answers it.
const CORPUS = path.join(import.meta.dirname, '..', '..', '..', 'corpus', 'attacks');

interface CliCase {
  case: string;
  args: string[];
  stdin?: string;
  env?: Record<string, string>;
  code: number;
  stderr: string;
}
const load = async (name: string) =>
  (JSON.parse(await readFile(path.join(CORPUS, `${name}.json`), 'utf8')) as { cases: CliCase[] })
    .cases;
const categories = {
  'CLI inputs': await load('cli-inputs'),
  environment: await load('environment'),
};

let sample: string;
beforeAll(async () => {
  // Kept for the whole file (helpers' temporary folders go after each test).
  const dir = await mkdtemp(path.join(tmpdir(), 'linkboard-corpus-'));
  sample = await importSample(path.join(dir, 'sample'));
  return () => rm(dir, { recursive: true, force: true });
});

describe.each(Object.entries(categories))('attack corpus: %s', (_category, cases) => {
  it.each(cases.map((c) => [c.case, c] as const))('%s', async (_name, c) => {
    const args = c.args.map((a) => (a === '@sample' ? sample : a));
    let result: { code: number; stderr: string };
    try {
      result = await run(args, { stdin: c.stdin, env: c.env });
    } catch (error) {
      // A bad environment is refused before the CLI starts (main's loadEnv in a real process).
      expect(() => loadEnv({ ...c.env })).toThrow();
      result = { code: 1, stderr: `linkboard: ${(error as Error).message}\n` };
    }
    expect(result.code).toBe(c.code);
    // The first line says what is wrong (commander adds the usage after its own errors).
    expect(result.stderr.split('\n')[0]).toMatch(new RegExp(c.stderr));
    expect(result.stderr).not.toMatch(/^\s+at /m);
  });
});
