import path from 'node:path';
import { z } from 'zod';
import { DatasetBuilder, type ImportedDataset } from '../builder';
import { ImportError } from '../errors';
import { readRecords } from '../records';
import { describeIssues, type ImportOptions } from './common';

const ImageNetRowSchema = z.object({
  class_id: z.union([z.number(), z.string()]),
  class_name: z.string().min(1),
  context_samples: z.array(z.string().min(1)),
  test_samples: z.array(z.string().min(1)),
});

/** Test samples kept per class unless told otherwise: what the official evaluation uses. */
export const IMAGENET100_QUERIES_PER_CLASS = 50;

/**
 * Imports the LCL ImageNet-100 JSONL: one class per row, `context_samples` its support pool and
 * `test_samples` its queries. Rows 2k and 2k+1 form a pair. As in the official evaluation, class
 * names are lower-cased (so the demonstrations and the expected answer say "english setter") and
 * only the first `queriesPerClass` test samples of each class are queries (default 50; 0 keeps
 * all). Both classes of a pair are real ImageNet classes, so pairs are marked `bothFamiliar`: row
 * 2k takes the manifest's `novel` slot only as the pair's first class.
 */
export async function importImageNet100(
  records: string,
  options: ImportOptions = {},
): Promise<ImportedDataset> {
  const cap = options.queriesPerClass ?? IMAGENET100_QUERIES_PER_CLASS;
  if (!Number.isInteger(cap) || cap < 0) {
    throw new ImportError(
      records,
      `test samples per class must be a whole number from 0 (0 keeps all), got ${cap}`,
    );
  }
  const builder = new DatasetBuilder(options.images ?? path.dirname(records));
  const rows = await readRecords(records);
  if (rows.length === 0) throw new ImportError(records, 'no records');
  if (rows.length % 2 !== 0) {
    const last = rows[rows.length - 1] as { where: string };
    throw new ImportError(
      last.where,
      `${rows.length} classes: rows pair up 2k with 2k+1, so the count must be even`,
    );
  }
  let leftOut = 0;
  for (let i = 0; i < rows.length; i += 2) {
    const [a, b] = [rows[i], rows[i + 1]].map((row) => {
      const { where, value } = row as { where: string; value: unknown };
      const parsed = ImageNetRowSchema.safeParse(value);
      if (!parsed.success) throw new ImportError(where, describeIssues(parsed.error));
      return { where, row: parsed.data };
    }) as [
      { where: string; row: z.infer<typeof ImageNetRowSchema> },
      { where: string; row: z.infer<typeof ImageNetRowSchema> },
    ];
    const { novelId, familiarId } = builder.addPair(
      { name: a.row.class_name.toLowerCase() },
      { name: b.row.class_name.toLowerCase() },
      a.where,
      { bothFamiliar: true },
    );
    for (const [side, conceptId] of [
      [a, novelId],
      [b, familiarId],
    ] as const) {
      for (const image of side.row.context_samples)
        builder.addImage(image, conceptId, 'support', side.where);
      const tests = side.row.test_samples;
      const kept = cap > 0 ? tests.slice(0, cap) : tests;
      leftOut += tests.length - kept.length;
      for (const image of kept) builder.addImage(image, conceptId, 'query', side.where);
    }
  }
  const imported = await builder.build({
    name: options.name ?? path.basename(records).replace(/\.(jsonl?|json)$/i, ''),
    version: options.version ?? '1',
    origin: { importer: 'imagenet100', source: path.basename(records), queriesPerClass: cap },
    onProgress: options.onProgress,
  });
  if (leftOut > 0) {
    imported.warnings.push(
      `kept the first ${cap} test samples of each class, as the official evaluation does; ${leftOut} left out (0 per class keeps all)`,
    );
  }
  return imported;
}
