import { spawn } from 'node:child_process';
import { access, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { freePort, run, tempDir } from '../helpers';

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
