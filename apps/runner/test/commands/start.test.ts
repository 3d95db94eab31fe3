import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { cp, readFile, stat } from 'node:fs/promises';
import { type AddressInfo, createServer } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { connect, createSubmission, embeddedUrl, registerModel } from '@linkboard/db';
import { describe, expect, it } from 'vitest';
import { sitePlatformEnv } from '../../src/commands/start';
import { loadEnv } from '../../src/env';
import { freePort, run, smallSynth, smallSynthV3, tempDir } from '../helpers';

const BIN = fileURLToPath(new URL('../../bin/linkboard.js', import.meta.url));

/** Starts `linkboard start` as a real process; resolves once it says it is running. */
async function startPlatform(dataDir: string, port: string, extraEnv: Record<string, string> = {}) {
  const child = spawn(process.execPath, [BIN, 'start', '--no-web'], {
    env: {
      ...process.env,
      LINKBOARD_DATA_DIR: dataDir,
      LINKBOARD_PG_PORT: port,
      // A port of its own: the one after the database's may be anybody's.
      LINKBOARD_REFERENCE_PORT: String(await freePort()),
      // Small fresh draws for the ranked baselines (the default is 2,408 episodes each).
      LINKBOARD_RANKED_PER_POLICY: '3',
      CI: 'true',
      ...extraEnv,
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

describe('the site under linkboard start', () => {
  it('is told the platform: database, absolute data folder, where to listen, the endpoint policy', () => {
    const env = loadEnv({
      LINKBOARD_DATA_DIR: 'relative/data',
      LINKBOARD_HOST: '127.0.0.1',
      LINKBOARD_PORT: '4100',
      DATABASE_URL: 'postgres://u:p@db.example:5432/linkboard',
      BETTER_AUTH_SECRET: 'x'.repeat(32),
    });
    const url = 'postgres://u:p@db.example:5432/linkboard';
    expect(sitePlatformEnv(env, url)).toEqual({
      DATABASE_URL: url,
      LINKBOARD_DATA_DIR: path.resolve('relative/data'),
      LINKBOARD_HOST: '127.0.0.1',
      LINKBOARD_PORT: '4100',
      // A shared database: private endpoints refused on loopback too (the platform's one default,
      // passed explicitly all the same).
      LINKBOARD_ALLOW_PRIVATE_ENDPOINTS: '0',
      // The platform's limits, so the site holds accounts to what the CLI's --owner is held to.
      LINKBOARD_DAILY_QUOTA: '20',
      LINKBOARD_DAILY_CONNECTION_TESTS: '50',
      LINKBOARD_MAX_EPISODES: '250000',
      LINKBOARD_RANKED_OPEN: '0',
    });
    expect(
      sitePlatformEnv(
        loadEnv({ LINKBOARD_RANKED_PER_POLICY: '40', LINKBOARD_RANKED_OPEN: '1' }),
        url,
      ),
    ).toMatchObject({ LINKBOARD_RANKED_PER_POLICY: '40', LINKBOARD_RANKED_OPEN: '1' });
    expect(sitePlatformEnv(loadEnv({}), url).LINKBOARD_ALLOW_PRIVATE_ENDPOINTS).toBe('1');
  });
});

describe('linkboard start', () => {
  it('runs the platform on the data folder: benchmarks, baselines run by its runner; refuses a second start; stops on Ctrl-C', async () => {
    const dataDir = await tempDir();
    const port = String(await freePort());
    // A small isekai-synth v3 stands in for the full default set, which takes seconds to draw;
    // a v2 generated before (the default until v3) is published beside it, as history.
    await cp(await smallSynthV3(), path.join(dataDir, 'benchmarks', 'isekai-synth-v3'), {
      recursive: true,
    });
    await cp(await smallSynth(), path.join(dataDir, 'benchmarks', 'isekai-synth'), {
      recursive: true,
    });
    const first = await startPlatform(dataDir, port);
    expect(first.output()).toContain('importing the ISEKAI sample');
    // The baselines on the default public benchmark, and ranked on draws of their own.
    expect(first.output()).toContain('submitted 8 baseline runs through the reference server');
    const keyFile = path.join(dataDir, 'secrets', 'ranked.key');
    const key = (await readFile(keyFile, 'utf8')).trim();
    // Owner only, in a folder that is owner only, and never printed.
    expect((await stat(keyFile)).mode & 0o777).toBe(0o600);
    expect((await stat(path.dirname(keyFile))).mode & 0o777).toBe(0o700);
    expect(first.output()).not.toContain(key);
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
      'SELECT b.name, v.version, v.split::text, v.manifest::text AS manifest FROM benchmark_versions v JOIN benchmarks b ON b.id = v.benchmark_id WHERE NOT v.ranked_draw ORDER BY b.name, v.version',
    );
    const draws = await database.pool.query(
      `SELECT v.split::text, v.version, s.draw_commitment FROM benchmark_versions v JOIN submissions s ON s.benchmark_version_id = v.id WHERE v.ranked_draw`,
    );
    // A draw of its own per ranked baseline (and the two adversaries), hidden, named by its
    // commitment.
    expect(draws.rows).toHaveLength(5);
    for (const d of draws.rows) {
      expect(d.split).toBe('hidden');
      expect(d.version).toBe(`1+${String(d.draw_commitment).slice(0, 16)}`);
    }
    expect(rows.map((r) => [r.name, r.version, r.split])).toEqual([
      ['ISEKAI-sample', '1', 'public'],
      ['isekai-synth', '2.1', 'public'],
      ['isekai-synth', '3.1', 'public'],
    ]);
    // The runner inside start works the baselines off, over HTTP to the reference server.
    let done = 0;
    for (let i = 0; i < 600 && done < 8; i++) {
      await new Promise((r) => setTimeout(r, 200));
      done = (
        await database.pool.query(
          `SELECT count(*)::int AS n FROM submissions WHERE status = 'done'`,
        )
      ).rows[0].n;
    }
    await database.close();
    expect(done).toBe(8);

    first.child.kill('SIGINT');
    expect([0, 130]).toContain(await first.exited);
    // One line per phase with its time, and a last line once everything has stopped.
    for (const phase of [
      'benchmarks ready',
      'database started and migrated',
      'benchmarks published',
      'baselines queued',
    ])
      expect(first.output()).toMatch(new RegExp(`^${phase}: [\\d.]+ s$`, 'm'));
    expect(first.output().trimEnd()).toMatch(
      /stopping \(SIGINT\)\nstopped: site, runner, reference server and database \([\d.]+ s\)$/,
    );

    // The next start reuses everything under the data folder.
    const again = await startPlatform(dataDir, port);
    expect(again.output()).not.toContain('importing');
    expect(again.output()).toContain('Ctrl-C stops it');
    expect(again.output()).not.toContain('submitted the');
    again.child.kill('SIGTERM');
    await again.exited;
  }, 120_000);

  it('says which variable to change when the reference server’s port is taken, and exits 1', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const { port: heldPort } = taken.address() as AddressInfo;
    try {
      const platform = await startPlatform(await tempDir(), String(await freePort()), {
        LINKBOARD_REFERENCE_PORT: String(heldPort),
      });
      expect(await platform.exited).toBe(1);
      expect(platform.output()).toContain(
        `the reference server cannot listen on port ${heldPort}: it is taken (another linkboard start?); set LINKBOARD_REFERENCE_PORT to a free one`,
      );
    } finally {
      taken.close();
    }
  }, 120_000);

  it('with LINKBOARD_ALLOW_PRIVATE_ENDPOINTS=0, refuses loopback endpoints and still runs the baselines', async () => {
    const dataDir = await tempDir();
    const port = String(await freePort());
    const referencePort = await freePort();
    await cp(await smallSynthV3(), path.join(dataDir, 'benchmarks', 'isekai-synth-v3'), {
      recursive: true,
    });
    const strict = { LINKBOARD_ALLOW_PRIVATE_ENDPOINTS: '0' };
    const platform = await startPlatform(dataDir, port, {
      ...strict,
      LINKBOARD_REFERENCE_PORT: String(referencePort),
    });
    expect(platform.output()).toContain('Ctrl-C stops it');
    const database = connect((await embeddedUrl(dataDir)) as string);
    try {
      // At submit: the loopback reference server, named as a URL, is refused.
      const refused = await run(
        [
          'submit',
          '--name',
          'loopback',
          '--endpoint',
          `http://127.0.0.1:${referencePort}/v1`,
          '--model',
          'prototype',
        ],
        { dataDir, env: { LINKBOARD_PG_PORT: port, ...strict } },
      );
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/\(loopback\); private and loopback endpoints are refused/);

      // At the runner: a submission and a connection test that reached the queue anyway (made
      // before the operator changed the setting, say) fail without a request being made.
      const [{ id: versionId }] = (
        await database.pool.query(
          `SELECT v.id FROM benchmark_versions v JOIN benchmarks b ON b.id = v.benchmark_id WHERE b.name = 'isekai-synth' AND NOT v.ranked_draw ORDER BY v.id`,
        )
      ).rows;
      const endpoint = `http://127.0.0.1:${referencePort}/v1`;
      const queued = [];
      for (const [name, probe] of [
        ['queued-loopback', false],
        ['connection-test', true],
      ] as const) {
        queued.push(
          await createSubmission(database.db, {
            modelId: await registerModel(database.db, { name }),
            benchmarkVersionId: versionId,
            adapterConfig: {
              adapter: 'openai',
              endpoint,
              model: 'prototype',
              ...(probe ? { retries: 1 } : {}),
            },
            probe,
            shots: [2],
            policies: ['lcl'],
            episodeLimit: probe ? 1 : undefined,
          }),
        );
      }
      const ids = queued.map((q) => q.submissionId);
      let rows: {
        id: number;
        status: string;
        last_error: string | null;
        adapter_config: object;
      }[] = [];
      for (let i = 0; i < 300; i++) {
        rows = (
          await database.pool.query(
            'SELECT id, status, last_error, adapter_config FROM submissions ORDER BY id',
          )
        ).rows;
        if (rows.every((r) => r.status === 'done' || r.status === 'failed')) break;
        await new Promise((r) => setTimeout(r, 200));
      }
      // The three baselines, on the public benchmark and ranked, ran through the internal path
      // to the reference server.
      const baselines = rows.filter((r) => !ids.includes(r.id));
      expect(baselines.map((r) => r.status)).toEqual(Array(8).fill('done'));
      expect(baselines.map((r) => r.adapter_config)).toEqual(
        [
          ...Array(2).fill(['random', 'always-familiar', 'prototype']).flat(),
          'lookup',
          'query-only',
        ].map((model) => ({
          internal: 'reference-server',
          model,
          // Stored with the official generation settings.
          maxTokens: 1024,
          temperature: 0,
          tokenLimitField: 'max_tokens',
        })),
      );
      for (const id of ids) {
        const row = rows.find((r) => r.id === id);
        expect(row?.status).toBe('failed');
        expect(row?.last_error).toMatch(
          /^endpoint-refused: endpoint 127\.0\.0\.1:\d+ resolves to 127\.0\.0\.1 \(loopback\)/,
        );
      }
      const results = await database.pool.query(
        'SELECT count(*)::int AS n FROM results WHERE submission_id = ANY($1)',
        [ids],
      );
      expect(results.rows[0].n).toBe(0);
    } finally {
      await database.close();
      platform.child.kill('SIGINT');
      await platform.exited;
    }
  }, 120_000);
});
