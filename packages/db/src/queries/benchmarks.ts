import {
  indexBenchmark,
  isRankedDraw,
  type Manifest,
  queryClassOf,
  type RankedSetting,
  RankedSettingSchema,
  rankedSettingFor,
  splitOf,
} from '@linkboard/core';
import { and, eq } from 'drizzle-orm';
import type { Db } from '../client';
import { benchmarks, benchmarkVersions, concepts, images, pairs } from '../schema';

export class ConflictError extends Error {
  override name = 'ConflictError';
}

/**
 * Stores a benchmark version: idempotent by manifest hash (a second import of the same manifest
 * returns the same version), and refuses a different manifest under an existing name and version,
 * since a version is immutable.
 */
export async function importBenchmark(
  db: Db,
  manifest: Manifest,
  /** What its board ranks on; by default core's, less the shots it has too few images for. */
  rankedSetting: RankedSetting = rankedSettingFor(indexBenchmark(manifest)),
): Promise<{ benchmarkVersionId: number; created: boolean }> {
  return db.transaction(async (tx) => {
    const existing = await tx.query.benchmarkVersions.findFirst({
      where: eq(benchmarkVersions.manifestHash, manifest.manifestHash),
    });
    if (existing) return { benchmarkVersionId: existing.id, created: false };
    await tx.insert(benchmarks).values({ name: manifest.benchmark.name }).onConflictDoNothing();
    const benchmark = await tx.query.benchmarks.findFirst({
      where: eq(benchmarks.name, manifest.benchmark.name),
    });
    if (!benchmark) throw new Error('benchmark row vanished');
    const clash = await tx.query.benchmarkVersions.findFirst({
      where: and(
        eq(benchmarkVersions.benchmarkId, benchmark.id),
        eq(benchmarkVersions.version, manifest.benchmark.version),
      ),
    });
    if (clash) {
      throw new ConflictError(
        `${manifest.benchmark.name}@${manifest.benchmark.version} already exists with manifest ${clash.manifestHash}; a version is immutable, so give this one another version`,
      );
    }
    const [version] = await tx
      .insert(benchmarkVersions)
      .values({
        benchmarkId: benchmark.id,
        version: manifest.benchmark.version,
        manifestHash: manifest.manifestHash,
        manifest,
        rankedSetting: RankedSettingSchema.parse(rankedSetting),
        split: splitOf(manifest),
        rankedDraw: isRankedDraw(manifest),
        // A fixed hidden test split arrives retired: its answer key leaks with every score asked
        // of it, and ranked runs (a fresh draw each) replaced it. It stays readable.
        retiredAt: splitOf(manifest) === 'hidden' && !isRankedDraw(manifest) ? new Date() : null,
      })
      .returning({ id: benchmarkVersions.id });
    const versionId = (version as { id: number }).id;
    const conceptIds = new Map<string, number>();
    for (const pair of manifest.pairs) {
      const [pairRow] = await tx
        .insert(pairs)
        .values({ benchmarkVersionId: versionId, key: pair.id })
        .returning({ id: pairs.id });
      const pairId = (pairRow as { id: number }).id;
      const rows = await tx
        .insert(concepts)
        .values(
          (['novel', 'familiar'] as const).map((side) => ({
            benchmarkVersionId: versionId,
            pairId,
            key: pair[side].id,
            name: pair[side].name,
            description: pair[side].description ?? null,
            queryClass: queryClassOf(pair, side),
          })),
        )
        .returning({ id: concepts.id, key: concepts.key });
      for (const row of rows) conceptIds.set(row.key, row.id);
    }
    for (let i = 0; i < manifest.images.length; i += 1000) {
      await tx.insert(images).values(
        manifest.images.slice(i, i + 1000).map((image) => ({
          benchmarkVersionId: versionId,
          sha256: image.id,
          conceptId: conceptIds.get(image.concept) as number,
          role: image.role,
          width: image.width,
          height: image.height,
          mediaType: image.mediaType,
        })),
      );
    }
    return { benchmarkVersionId: versionId, created: true };
  });
}

export async function getBenchmarkVersion(db: Db, id: number) {
  const row = await db.query.benchmarkVersions.findFirst({ where: eq(benchmarkVersions.id, id) });
  if (!row) return null;
  return {
    ...row,
    manifest: row.manifest as Manifest,
    rankedSetting: RankedSettingSchema.parse(row.rankedSetting),
  };
}

/** Concept ids of a version by their manifest key, for writing results. */
export async function conceptIdsByKey(
  db: Db,
  benchmarkVersionId: number,
): Promise<Map<string, number>> {
  const rows = await db
    .select({ id: concepts.id, key: concepts.key })
    .from(concepts)
    .where(eq(concepts.benchmarkVersionId, benchmarkVersionId));
  return new Map(rows.map((r) => [r.key, r.id]));
}
