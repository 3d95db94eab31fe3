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

/**
 * Imports the LCL ImageNet-100 JSONL: one class per row, `context_samples` its support pool and
 * `test_samples` its queries. Rows 2k and 2k+1 form a pair; row 2k plays the novel side.
 */
export async function importImageNet100(
  records: string,
  options: ImportOptions = {},
): Promise<ImportedDataset> {
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
      { name: a.row.class_name },
      { name: b.row.class_name },
      a.where,
    );
    for (const [side, conceptId] of [
      [a, novelId],
      [b, familiarId],
    ] as const) {
      for (const image of side.row.context_samples)
        builder.addImage(image, conceptId, 'support', side.where);
      for (const image of side.row.test_samples)
        builder.addImage(image, conceptId, 'query', side.where);
    }
  }
  return builder.build({
    name: options.name ?? path.basename(records).replace(/\.(jsonl?|json)$/i, ''),
    version: options.version ?? '1',
    origin: { importer: 'imagenet100', source: path.basename(records) },
    onProgress: options.onProgress,
  });
}
