import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  assertQuotaLeft,
  boardVersionOf,
  claimJob,
  conceptDetail,
  conceptGallery,
  conceptHeatmap,
  curveCells,
  isRankedDrawOf,
  leaseOf,
  listBenchmarkVersions,
  operationsSnapshot,
  pairCountsOf,
  rankedDrawOf,
  rankedImageOf,
  rankedRunCount,
  rawAnswersOf,
  rescorableSubmissionIds,
  submissionDetail,
  webhookTarget,
} from '../../src';
import { col, rowsOf } from '../../src/queries/rows';
import { jobFinisher, seedSubmission } from '../fixtures';
import { freshDatabase } from '../helpers';

describe('rows read through a schema', () => {
  it('coerce the numbers pg hands over as strings (bigint, numeric), in one place', () => {
    const row = z.object({ n: col.number, avg: col.number, ids: col.numbers, at: col.time });
    expect(
      rowsOf(row, {
        rows: [{ n: '12', avg: '2.5000', ids: ['3', 4], at: '2026-01-02 03:04:05+00' }],
      }),
    ).toEqual([{ n: 12, avg: 2.5, ids: [3, 4], at: new Date('2026-01-02T03:04:05Z') }]);
    expect(rowsOf(row, { rows: [] })).toEqual([]);
  });

  it('refuse a row that is not what the query reads, naming the column', () => {
    const row = z.object({ n: col.number, name: col.text });
    expect(() => rowsOf(row, { rows: [{ n: 'many', name: 'a' }] })).toThrow(/row 0 .*\n.*at n/s);
    expect(() => rowsOf(row, { rows: [{ n: 1, name: null }] })).toThrow(/at name/);
    expect(() => rowsOf(row, { rows: [{ n: 1 }] })).toThrow(/at name/);
  });
});

describe('every raw read parses the rows PostgreSQL returns', () => {
  it('the reads no other test of this package reaches, on a finished submission', async () => {
    const { db } = await freshDatabase();
    const seeded = await seedSubmission(db, { model: 'smoke' });
    const spec = { shots: [2, 4] };
    const lease = (await claimJob(db, { worker: 'w', leaseMs: 30_000 }))!;
    expect(await leaseOf(db, lease.jobId, lease.token)).toEqual(lease);
    await (await jobFinisher(db, seeded, spec))(db, lease);
    const version = seeded.benchmarkVersionId;

    const gallery = await conceptGallery(db, version);
    expect(gallery).toHaveLength(4);
    expect(gallery[0]).toMatchObject({ id: expect.any(Number), images: expect.any(Array) });
    expect(gallery[0]?.images.length).toBeGreaterThan(0);
    const heat = await conceptHeatmap(db, version, 'strict', 'lcl');
    expect(heat.reduce((n, r) => n + r.n, 0)).toBe(seeded.episodes);
    const [pairs] = await pairCountsOf(db, version, 'strict', 'lcl');
    expect(pairs?.pairs).toHaveLength(2);
    const detail = await conceptDetail(db, gallery[0]!.id, 'strict');
    expect(detail?.models[0]?.outcomes).toMatchObject({ error: expect.any(Number) });
    expect(detail?.other.id).toEqual(expect.any(Number));

    const [listed] = await listBenchmarkVersions(db);
    expect(listed).toMatchObject({ id: version, submissions: 1, pairs: 2, retired: false });
    expect((await boardVersionOf(db, version))?.rankedSetting).toEqual(listed?.rankedSetting);
    const curves = await curveCells(db, {
      ids: [seeded.submissionId],
      scorer: 'strict',
      policy: 'lcl',
    });
    expect(curves.get(seeded.submissionId)?.[0]).toMatchObject({ cluster: expect.any(String) });

    expect(await rescorableSubmissionIds(db)).toEqual([seeded.submissionId]);
    const raw = await rawAnswersOf(db, seeded.submissionId);
    expect(raw.size).toBe(seeded.episodes);
    expect([...raw.values()]).toContain(null);
    expect(await rankedDrawOf(db, seeded.submissionId)).toBeNull();
    expect(await rankedRunCount(db)).toBe(0);
    expect(await isRankedDrawOf(db, { benchmarkVersionId: version })).toBe(false);
    expect(await isRankedDrawOf(db, { conceptId: gallery[0]!.id })).toBe(false);
    expect(await rankedImageOf(db, 'f'.repeat(64))).toBeNull();
    expect(await webhookTarget(db, seeded.submissionId)).toBeNull();
    await expect(
      assertQuotaLeft(db, { ownerId: 'nobody', limit: 1, probes: false }),
    ).resolves.toBeUndefined();
    expect((await submissionDetail(db, seeded.submissionId))?.exposure).toMatchObject({
      n: expect.any(Number),
    });

    const ops = await operationsSnapshot(db);
    expect(ops).toMatchObject({ queueDepth: 0, results: seeded.episodes });
    // jobFinisher leaves every other episode without an answer (a timeout).
    expect(ops.errorsByClass).toEqual({ timeout: seeded.episodes / 2 });
  });
});
