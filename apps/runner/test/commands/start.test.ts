import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { cp } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { connect, embeddedUrl } from '@linkboard/db';
import { describe, expect, it } from 'vitest';
import { freePort, run, smallSynth, tempDir } from '../helpers';

const BIN = fileURLToPath(new URL('../../bin/linkboard.js', import.meta.url));

/** Starts `linkboard start` as a real process; resolves once it says it is running. */
async function startPlatform(dataDir: string, port: string) {
  const child = spawn(process.execPath, [BIN, 'start', '--no-web'], {
    env: {
      ...process.env,
      LINKBOARD_DATA_DIR: dataDir,
      LINKBOARD_PG_PORT: port,
      LINKBOARD_REFERENCE_PORT: String(Number(port) + 1),
      CI: 'true',
    },
  }) as ChildProcessWithoutNullStreams;
  let out = '';
  child.stdout.on('data', (chunk) => {
    out += chunk;
  });
  child.stderr.on('data', (chunk) => {
    out += chunk;
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  for (let i = 0; i < 600 && !out.includes('Ctrl-C stops it') && child.exitCode === null; i++) {
    await new Promise((r) => setTimeout(r, 100));
  }
  return { child, exited, output: () => out };
}

describe('linkboard start', () => {
  it('runs the platform on the data folder: benchmarks, baselines run by its runner; refuses a second start; stops on Ctrl-C', async () => {
    const dataDir = await tempDir();
    const port = String(await freePort());
    // A small isekai-synth stands in for the full default set, which takes seconds to draw.
    await cp(await smallSynth(), path.join(dataDir, 'benchmarks', 'isekai-synth'), {
      recursive: true,
    });
    const first = await startPlatform(dataDir, port);
    expect(first.output()).toContain('importing the ISEKAI sample');
    expect(first.output()).toContain('submitted the 3 baselines through the reference server');
    expect(first.output()).toMatch(/linkboard is running \(ready in [\d.]+ s\)/);
    expect(first.output()).toMatch(
      /database {2}postgres:\/\/linkboard:\*\*\*@127\.0\.0\.1:\d+\/linkboard/,
    );

    const second = await run(['start'], { dataDir, env: { LINKBOARD_PG_PORT: port } });
    expect(second.code).toBe(1);
    expect(second.stderr).toMatch(/linkboard is already running on .*; use that one/);

    const url = await embeddedUrl(dataDir);
    const database = connect(url as string);
    const { rows } = await database.pool.query(
      'SELECT b.name FROM benchmark_versions v JOIN benchmarks b ON b.id = v.benchmark_id ORDER BY b.name',
    );
    expect(rows.map((r) => r.name)).toEqual(['ISEKAI-sample', 'isekai-synth']);
    // The runner inside start works the baselines off, over HTTP to the reference server.
    let done = 0;
    for (let i = 0; i < 300 && done < 3; i++) {
      await new Promise((r) => setTimeout(r, 200));
      done = (
        await database.pool.query(
          `SELECT count(*)::int AS n FROM submissions WHERE status = 'done'`,
        )
      ).rows[0].n;
    }
    await database.close();
    expect(done).toBe(3);

    first.child.kill('SIGINT');
    expect([0, 130]).toContain(await first.exited);

    // The next start reuses everything under the data folder.
    const again = await startPlatform(dataDir, port);
    expect(again.output()).not.toContain('importing');
    expect(again.output()).toContain('Ctrl-C stops it');
    expect(again.output()).not.toContain('submitted the');
    again.child.kill('SIGTERM');
    await again.exited;
  }, 120_000);
});
