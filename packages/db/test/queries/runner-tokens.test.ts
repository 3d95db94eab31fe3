import { describe, expect, it } from 'vitest';
import {
  createRunnerToken,
  listRunnerTokens,
  RunnerTokenError,
  revokeRunnerToken,
  runnerByToken,
} from '../../src';
import { freshDatabase } from '../helpers';

describe('runner tokens', () => {
  it('are shown once, found by token until revoked, and keep their name taken after', async () => {
    const { db, pool } = await freshDatabase();
    const created = await createRunnerToken(db, 'gpu-lab.1');
    expect(created.token).toMatch(/^lbr_[A-Za-z0-9_-]{32}$/);
    expect(await runnerByToken(db, created.token)).toEqual({ id: created.id, name: 'gpu-lab.1' });
    expect(await runnerByToken(db, `${created.token}x`)).toBeNull();
    const listed = await listRunnerTokens(db);
    expect(listed).toHaveLength(1);
    expect(JSON.stringify(listed)).not.toContain(created.token);
    const { rows } = await pool.query('SELECT last_used_at FROM runner_tokens');
    expect(rows[0].last_used_at).toBeInstanceOf(Date);

    expect(await revokeRunnerToken(db, 'gpu-lab.1')).toBe(true);
    expect(await revokeRunnerToken(db, 'gpu-lab.1')).toBe(false);
    expect(await runnerByToken(db, created.token)).toBeNull();
    await expect(createRunnerToken(db, 'gpu-lab.1')).rejects.toThrow(/exists already/);
  });

  it('refuse a name that would not read well in a lease owner', async () => {
    const { db } = await freshDatabase();
    for (const name of ['', 'has space', 'a/b', 'x'.repeat(65)])
      await expect(createRunnerToken(db, name)).rejects.toBeInstanceOf(RunnerTokenError);
  });
});
