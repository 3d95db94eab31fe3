import { spawn } from 'node:child_process';
import { access, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createSubmission, registerModel } from '@linkboard/db';
import { describe, expect, it } from 'vitest';
import { runRunner } from '../../src/worker/runner';
import { freePort, run, tempDir, testPlatform } from '../helpers';

const BIN = fileURLToPath(new URL('../../bin/linkboard.js', import.meta.url));

describe('linkboard db', () => {
  it('migrates a fresh, empty data folder in seconds (starting and stopping the embedded server)', async () => {
    const dataDir = await tempDir();
    const env = { LINKBOARD_PG_PORT: String(await freePort()) };
    const first = await run(['db', 'migrate'], { dataDir, env });
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(
      /^migrated postgres:\/\/linkboard:\*\*\*@127\.0\.0\.1:\d+\/linkboard in \d+\.\d s$/m,
    );
    // Again on the same folder: the cluster is reused and nothing is left to apply.
    expect((await run(['db', 'migrate'], { dataDir, env })).code).toBe(0);
  });

  it('serves until SIGINT, and a second start on the same folder says one is running', async () => {
    const dataDir = await tempDir();
    const port = String(await freePort());
    const child = spawn(process.execPath, [BIN, 'db', 'start'], {
      env: { ...process.env, LINKBOARD_DATA_DIR: dataDir, LINKBOARD_PG_PORT: port, CI: 'true' },
    });
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    for (let i = 0; i < 300 && !out.includes('Ctrl-C stops it'); i++)
      await new Promise((r) => setTimeout(r, 100));
    expect(out).toMatch(
      /embedded PostgreSQL running at postgres:\/\/linkboard:\*\*\*@127\.0\.0\.1:\d+\/linkboard/,
    );
    expect(out).not.toMatch(/linkboard:[^*]/);

    const second = await run(['db', 'start'], { dataDir, env: { LINKBOARD_PG_PORT: port } });
    expect(second.code).toBe(1);
    expect(second.stderr).toMatch(
      /linkboard's PostgreSQL is already running on .* \(pid \d+, port \d+\)/,
    );
    // Other processes join the running server instead of starting one.
    expect((await run(['db', 'migrate'], { dataDir })).stdout).toContain(`:${port}/linkboard`);

    child.kill('SIGINT');
    // 130 is the shell's code for "ended by SIGINT"; the server must be down either way.
    expect([0, 130]).toContain(await exited);
    await expect(access(path.join(dataDir, 'postgres', 'postmaster.pid'))).rejects.toThrow();
    const restarted = await run(['db', 'migrate'], { dataDir, env: { LINKBOARD_PG_PORT: port } });
    expect(restarted.code).toBe(0);
  });

  it('notices when its PostgreSQL dies under it, says so and exits non-zero', async () => {
    const dataDir = await tempDir();
    const child = spawn(process.execPath, [BIN, 'db', 'start'], {
      env: {
        ...process.env,
        LINKBOARD_DATA_DIR: dataDir,
        LINKBOARD_PG_PORT: String(await freePort()),
        CI: 'true',
      },
    });
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
    });
    let err = '';
    child.stderr.on('data', (chunk) => {
      err += chunk;
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    for (let i = 0; i < 300 && !out.includes('Ctrl-C stops it'); i++)
      await new Promise((r) => setTimeout(r, 100));
    // The server is killed outright, as the OOM killer would.
    const pid = Number(
      (await readFile(path.join(dataDir, 'postgres', 'postmaster.pid'), 'utf8')).split('\n')[0],
    );
    process.kill(pid, 'SIGKILL');
    expect(await exited).toBe(1);
    expect(err).toMatch(
      /^linkboard: the embedded PostgreSQL stopped on its own \(signal SIGKILL\)/m,
    );
  });
});

describe('linkboard db rescore', () => {
  it('scores finished submissions again from their answers, and touches nothing when asked wrongly', async () => {
    const platform = await testPlatform();
    try {
      const { db, pool } = platform.database;
      const modelId = await registerModel(db, { name: 'rescored' });
      const { submissionId, episodes } = await createSubmission(db, {
        modelId,
        benchmarkVersionId: platform.benchmarkVersionId,
        adapterConfig: { adapter: 'builtin', name: 'prototype' },
        shots: [2, 4],
        policies: ['lcl'],
        draws: 1,
      });
      const queued = await createSubmission(db, {
        modelId,
        benchmarkVersionId: platform.benchmarkVersionId,
        adapterConfig: { adapter: 'builtin', name: 'random' },
        shots: [2],
        policies: ['lcl'],
      });
      await runRunner(
        platform.database,
        platform.env,
        { concurrency: 2, gpus: 'none', once: true, log: () => {} },
        new AbortController().signal,
      );
      const strict = async () =>
        (
          await pool.query(
            `SELECT outcome, scorer_version, count(*)::int AS n FROM verdicts WHERE submission_id = $1 AND scorer = 'strict' GROUP BY 1, 2 ORDER BY 1`,
            [submissionId],
          )
        ).rows;
      const right = await strict();
      // As if scored by an old version that called everything correct.
      await pool.query(
        `UPDATE verdicts SET outcome = 'correct', scorer_version = 0 WHERE submission_id = $1 AND scorer = 'strict'`,
        [submissionId],
      );
      const cli = (args: string[]) =>
        run(['db', 'rescore', ...args], {
          dataDir: platform.env.dataDir,
          env: platform.env.DATABASE_URL ? { DATABASE_URL: platform.env.DATABASE_URL } : {},
        });

      const wrong = await cli([]);
      expect(wrong.code).toBe(1);
      expect(wrong.stderr).toMatch(/name the submissions to re-score \(ids\), or give --all/);
      // Still running (one of them): refused, and the finished one is left as it was.
      await pool.query(`UPDATE submissions SET status = 'running' WHERE id = $1`, [
        queued.submissionId,
      ]);
      const refused = await cli([String(submissionId), String(queued.submissionId)]);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain(
        `not finished (or not there): submission ${queued.submissionId}`,
      );
      expect((await strict()).every((r) => r.outcome === 'correct')).toBe(true);

      const done = await cli([String(submissionId), '--scorer', 'strict']);
      expect(done.code).toBe(0);
      expect(done.stdout).toContain(
        `submission ${submissionId}: ${episodes} results re-scored with strict v`,
      );
      expect(await strict()).toEqual(right);
    } finally {
      await platform.shutdown();
    }
  }, 120_000);
});
