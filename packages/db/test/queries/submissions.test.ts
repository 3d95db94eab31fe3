import { buildEpisodes, episodeRange, indexBenchmark } from '@linkboard/core';
import { describe, expect, it } from 'vitest';
import {
  createSubmission,
  importBenchmark,
  predictionsFor,
  probeResult,
  QuotaError,
  registerModel,
  users,
} from '../../src';
import { fixtureManifest } from '../fixtures';
import { freshDatabase } from '../helpers';

const spec = { shots: [2, 4], policies: ['lcl' as const], draws: 2 };

describe('predictions submissions', () => {
  it('store the upload as rows of their own; a job reads only its slice', async () => {
    const { db, pool } = await freshDatabase();
    const manifest = fixtureManifest();
    const { benchmarkVersionId } = await importBenchmark(db, manifest);
    const episodes = [...buildEpisodes(indexBenchmark(manifest), spec)];
    // Every episode but the last has an answer; one of them is null.
    const answers = new Map<string, string | null>(
      episodes.slice(0, -1).map((e, i) => [e.id, i === 1 ? null : `answer ${i}`]),
    );
    const { submissionId, jobs } = await createSubmission(db, {
      modelId: await registerModel(db, { name: 'uploaded' }),
      benchmarkVersionId,
      adapterConfig: { adapter: 'predictions', file: 'p.jsonl', count: answers.size },
      predictions: answers,
      ...spec,
      shardSize: 5,
    });
    expect(jobs).toBeGreaterThan(2);
    const [row] = (
      await pool.query('SELECT adapter, adapter_config FROM submissions WHERE id = $1', [
        submissionId,
      ])
    ).rows;
    expect(row).toEqual({
      adapter: 'predictions',
      adapter_config: { file: 'p.jsonl', count: answers.size },
    });
    const [{ n }] = (
      await pool.query('SELECT count(*)::int AS n FROM predictions WHERE submission_id = $1', [
        submissionId,
      ])
    ).rows;
    expect(n).toBe(answers.size);

    // The second job's slice: its five episodes and nothing else.
    const slice = episodeRange(indexBenchmark(manifest), spec, 5, 5).map((e) => e.id);
    const read = await predictionsFor(db, submissionId, slice);
    expect([...read.keys()].sort()).toEqual([...slice].sort());
    for (const id of slice) expect(read.get(id)).toBe(answers.get(id));
    // The last episode has no upload: no row, so the adapter scores it missing.
    const last = (episodes.at(-1) as { id: string }).id;
    expect((await predictionsFor(db, submissionId, [last])).has(last)).toBe(false);
    expect(
      (await predictionsFor(db, submissionId, [episodes[1]?.id as string])).get(
        episodes[1]?.id as string,
      ),
    ).toBeNull();

    // Deleting the submission takes its predictions with it.
    await pool.query('DELETE FROM jobs WHERE submission_id = $1', [submissionId]);
    await pool.query('DELETE FROM submissions WHERE id = $1', [submissionId]);
    expect((await pool.query('SELECT count(*)::int AS n FROM predictions')).rows[0].n).toBe(0);
  });

  it('refuse an upload that does not match its config, writing nothing', async () => {
    const { db, pool } = await freshDatabase();
    const { benchmarkVersionId } = await importBenchmark(db, fixtureManifest());
    const modelId = await registerModel(db, { name: 'm' });
    await expect(
      createSubmission(db, {
        modelId,
        benchmarkVersionId,
        adapterConfig: { adapter: 'predictions', count: 2 },
        predictions: new Map([['e', 'a']]),
        ...spec,
      }),
    ).rejects.toThrow(/counts 2 answers, 1 were given/);
    await expect(
      createSubmission(db, {
        modelId,
        benchmarkVersionId,
        adapterConfig: { adapter: 'builtin', name: 'random' },
        predictions: new Map([['e', 'a']]),
        ...spec,
      }),
    ).rejects.toThrow(/takes no uploaded predictions/);
    await expect(
      createSubmission(db, {
        modelId,
        benchmarkVersionId,
        adapterConfig: { adapter: 'openai', endpoint: 'ftp://x/v1', model: 'm' },
        ...spec,
      }),
    ).rejects.toThrow(/field endpoint/);
    expect((await pool.query('SELECT count(*)::int AS n FROM submissions')).rows[0].n).toBe(0);
  });
});

describe('connection tests', () => {
  it('are marked by the probe column, which the quotas count apart', async () => {
    const { db, pool } = await freshDatabase();
    await db.insert(users).values({ id: 'alice', name: 'Alice', email: 'a@example.com' });
    const { benchmarkVersionId } = await importBenchmark(db, fixtureManifest());
    const modelId = await registerModel(db, { name: 'm' });
    const create = (probe: boolean) =>
      createSubmission(db, {
        modelId,
        benchmarkVersionId,
        adapterConfig: { adapter: 'openai', endpoint: 'http://127.0.0.1:9/v1', model: 'm' },
        probe,
        shots: [2],
        policies: ['lcl'],
        episodeLimit: probe ? 1 : undefined,
        ownerId: 'alice',
        quota: { ownerId: 'alice', limit: 2, probes: probe },
      });
    const first = await create(true);
    await create(true);
    await expect(create(true)).rejects.toBeInstanceOf(QuotaError);
    // Submissions have a quota of their own, untouched by the tests.
    const real = await create(false);
    await create(false);
    await expect(create(false)).rejects.toBeInstanceOf(QuotaError);

    const { rows } = await pool.query('SELECT probe, adapter_config FROM submissions ORDER BY id');
    expect(rows.map((r) => r.probe)).toEqual([true, true, false, false]);
    expect(rows.every((r) => !('probe' in r.adapter_config))).toBe(true);
    expect(await probeResult(db, first.submissionId)).toMatchObject({ ownerId: 'alice' });
    expect(await probeResult(db, real.submissionId)).toBeNull();
  });
});

describe('the send order', () => {
  it('is seeded per submission and stored, and its jobs hold every episode once, each job mixed', async () => {
    const { db, pool } = await freshDatabase();
    const manifest = fixtureManifest();
    const { benchmarkVersionId } = await importBenchmark(db, manifest);
    const modelId = await registerModel(db, { name: 'ordered' });
    const make = (orderSeed?: number) =>
      createSubmission(db, {
        modelId,
        benchmarkVersionId,
        adapterConfig: { adapter: 'builtin', name: 'random' },
        ...spec,
        shardSize: 6,
        orderSeed,
      });
    const given = await make(42);
    const drawn = await make();
    const seeds = (
      await pool.query('SELECT id, order_seed FROM submissions ORDER BY id', [])
    ).rows.map((r) => r.order_seed);
    expect(seeds[0]).toBe(42);
    expect(Number.isInteger(seeds[1])).toBe(true);

    // Any runner recomputes a job's episodes from the stored seed and the job's slice.
    const jobs = (
      await pool.query(
        'SELECT first_episode, episode_count FROM jobs WHERE submission_id = $1 ORDER BY first_episode',
        [given.submissionId],
      )
    ).rows;
    const index = indexBenchmark(manifest);
    const sliced = jobs.map((j) =>
      episodeRange(index, { ...spec, orderSeed: 42 }, j.first_episode, j.episode_count),
    );
    const all = [...buildEpisodes(index, spec)].map((e) => e.id);
    expect(
      sliced
        .flat()
        .map((e) => e.id)
        .sort(),
    ).toEqual([...all].sort());
    expect(sliced.flat().map((e) => e.id)).not.toEqual(all);
    expect(sliced.some((job) => new Set(job.map((e) => e.shots)).size > 1)).toBe(true);
    expect(drawn.episodes).toBe(given.episodes);
  });
});
