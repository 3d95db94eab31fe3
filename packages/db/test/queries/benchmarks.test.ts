import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  ConflictError,
  createSubmission,
  decryptSecret,
  encryptSecret,
  getSubmission,
  getSubmissionSecret,
  importBenchmark,
  registerModel,
} from '../../src';
import { fixtureManifest } from '../fixtures';
import { freshDatabase } from '../helpers';

describe('benchmarks', () => {
  it('imports a manifest once: a second import of the same hash returns the same version', async () => {
    const { db, pool } = await freshDatabase();
    const manifest = fixtureManifest();
    const first = await importBenchmark(db, manifest);
    const again = await importBenchmark(db, manifest);
    expect(first.created).toBe(true);
    expect(again).toEqual({ benchmarkVersionId: first.benchmarkVersionId, created: false });
    const { rows } = await pool.query('SELECT count(*)::int AS n FROM images');
    expect(rows[0].n).toBe(manifest.images.length);
  });

  it('refuses another manifest under an existing name and version (versions are immutable)', async () => {
    const { db } = await freshDatabase();
    await importBenchmark(db, fixtureManifest());
    const changed = fixtureManifest({ pairs: 3 });
    await expect(importBenchmark(db, changed)).rejects.toBeInstanceOf(ConflictError);
    await expect(importBenchmark(db, changed)).rejects.toThrow(
      /fixture@1 already exists with manifest [0-9a-f]{64}/,
    );
  });

  it('refuses a submission whose shots the benchmark cannot supply, creating nothing', async () => {
    const { db, pool } = await freshDatabase();
    const { benchmarkVersionId } = await importBenchmark(db, fixtureManifest({ support: 2 }));
    const modelId = await registerModel(db, { name: 'm' });
    await expect(
      createSubmission(db, {
        modelId,
        benchmarkVersionId,
        adapterConfig: { adapter: 'builtin', name: 'random' },
        shots: [8],
        policies: ['lcl'],
      }),
    ).rejects.toThrow(/at most 4 shots/);
    expect((await pool.query('SELECT count(*)::int AS n FROM submissions')).rows[0].n).toBe(0);
  });

  it('keeps an endpoint key encrypted, and out of what the site reads', async () => {
    const { db } = await freshDatabase();
    const key = randomBytes(32);
    const { benchmarkVersionId } = await importBenchmark(db, fixtureManifest());
    const modelId = await registerModel(db, { name: 'm' });
    const sealed = encryptSecret(key, 'sk-live-abc');
    const { submissionId } = await createSubmission(db, {
      modelId,
      benchmarkVersionId,
      adapterConfig: { adapter: 'openai', endpoint: 'https://api.example.com/v1', model: 'm' },
      secret: sealed,
      shots: [2],
      policies: ['lcl'],
    });
    expect(sealed).not.toContain('sk-live');
    expect(JSON.stringify(await getSubmission(db, submissionId))).not.toContain(sealed);
    expect(decryptSecret(key, (await getSubmissionSecret(db, submissionId))!)).toBe('sk-live-abc');
    expect(() => decryptSecret(randomBytes(32), sealed)).toThrow();
  });
});
