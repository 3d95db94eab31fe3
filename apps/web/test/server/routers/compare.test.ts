import {
  buildEpisodes,
  type Episode,
  holmAdjust,
  indexBenchmark,
  MAX_COMPARED,
} from '@linkboard/core';
import { fixtureManifest } from '@linkboard/core/testing';
import { createSubmission, importBenchmark, registerModel } from '@linkboard/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alice, answerQueuedJob, openTestSite } from '../../site';

let site: Awaited<ReturnType<typeof openTestSite>>;
/** A benchmark of four pairs, so that the pair-clustered test has pairs to work with. */
let versionId: number;
const manifest = fixtureManifest({ name: 'compare-test', pairs: 4, supportPerConcept: 4 });
const episodes: Episode[] = [
  ...buildEpisodes(indexBenchmark(manifest), { shots: [2], policies: ['lcl'], draws: 1 }),
];

beforeAll(async () => {
  site = await openTestSite('compare-site');
  ({ benchmarkVersionId: versionId } = await importBenchmark(site.database.db, manifest));
});
afterAll(() => site.database.drop());

/** A finished submission whose answer to episode i is right when `right(i)`. */
async function finished(
  model: string,
  right: (i: number) => boolean,
  options: { visibility?: 'private'; ownerId?: string } = {},
) {
  const { db } = site.database;
  const benchmarkVersionId = versionId;
  const { submissionId } = await createSubmission(db, {
    modelId: await registerModel(db, { name: model, ownerId: options.ownerId }),
    benchmarkVersionId,
    adapterConfig: { adapter: 'builtin', name: 'random' },
    shots: [2],
    policies: ['lcl'],
    visibility: options.visibility,
    ownerId: options.ownerId,
  });
  await answerQueuedJob(db, {
    benchmarkVersionId,
    manifest,
    spec: { shots: [2], policies: ['lcl'], draws: 1 },
    answer: (episode, i) => (right(i) ? episode.query.label : episode.query.other),
  });
  return submissionId;
}

describe('compare.models', () => {
  it('compares three models: every pair once, with Holm-adjusted p-values and every curve', async () => {
    const always = await finished('always-right', () => true);
    const half = await finished('half-right', (i) => i % 2 === 0);
    const twin = await finished('always-right-twin', () => true);
    const result = await site.caller(null).compare.models({ ids: [always, half, twin] });
    expect(result.submissions.map((s) => s.id)).toEqual([always, half, twin]);
    expect(result.pairs.map((p) => [p.a, p.b])).toEqual([
      [always, half],
      [always, twin],
      [half, twin],
    ]);
    const n = episodes.length;
    for (const p of result.pairs) expect(p.n).toBe(n);
    const [alwaysHalf, alwaysTwin, halfTwin] = result.pairs;
    expect(alwaysHalf!.difference!.estimate).toBeCloseTo(1 - Math.ceil(n / 2) / n, 12);
    expect(alwaysTwin!.difference!.estimate).toBe(0);
    expect(alwaysTwin!.pValue).toBe(1);
    expect(halfTwin!.difference!.estimate).toBeCloseTo(-alwaysHalf!.difference!.estimate!, 12);
    // Holm over the three raw p-values, each at least its raw p.
    expect(result.pairs.map((p) => p.holmP)).toEqual(holmAdjust(result.pairs.map((p) => p.pValue)));
    for (const p of result.pairs) expect(p.holmP!).toBeGreaterThanOrEqual(p.pValue!);
    expect(new Set(result.curves.map((c) => c.submissionId))).toEqual(
      new Set([always, half, twin]),
    );
    // Run the same way: no warning.
    expect(result.settingsDifferences).toEqual([]);
  });

  it(`refuses more than ${MAX_COMPARED} models, and fewer than two, naming ids`, async () => {
    const ids = Array.from({ length: MAX_COMPARED + 1 }, (_, i) => i + 1);
    await expect(site.caller(null).compare.models({ ids })).rejects.toMatchObject({
      code: 'BAD_REQUEST',
      message: expect.stringContaining(
        `ids: compare takes at most ${MAX_COMPARED} submissions; ${MAX_COMPARED + 1} were given`,
      ),
    });
    await expect(site.caller(null).compare.models({ ids: [3, 3] })).rejects.toMatchObject({
      code: 'BAD_REQUEST',
      message: expect.stringContaining('ids: compare needs at least 2 different submissions'),
    });
  });

  it('is a 404 when one of the models is private to someone else, and works for its owner', async () => {
    const open = await finished('open-model', () => true);
    const secret = await finished('secret-model', (i) => i % 3 === 0, {
      visibility: 'private',
      ownerId: alice.id,
    });
    await expect(site.caller(null).compare.models({ ids: [open, secret] })).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
    const mine = await site.caller(alice).compare.models({ ids: [open, secret] });
    expect(mine.pairs).toHaveLength(1);
  });

  it('refuses submissions of different benchmark versions, which share no episode', async () => {
    const here = await finished('here-model', () => true);
    // Queued on the one-pair benchmark: the versions are checked before any answer is read.
    const { submissionId: there } = await createSubmission(site.database.db, {
      modelId: await registerModel(site.database.db, { name: 'there-model' }),
      benchmarkVersionId: site.versionId,
      adapterConfig: { adapter: 'builtin', name: 'random' },
      shots: [2],
      policies: ['lcl'],
    });
    await expect(site.caller(null).compare.models({ ids: [here, there] })).rejects.toMatchObject({
      code: 'BAD_REQUEST',
      message: expect.stringContaining('different benchmark versions'),
    });
  });
});
