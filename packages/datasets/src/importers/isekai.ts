import path from 'node:path';
import { z } from 'zod';
import { DatasetBuilder, type ImportedDataset } from '../builder';
import { ImportError } from '../errors';
import { readRecords } from '../records';
import { describeIssues, type ImportOptions } from './common';

/** One official ISEKAI record. The misspelled `*_promt` keys are the real ones. */
const IsekaiRecordSchema = z.object({
  image_name: z.string().min(1),
  positive_list: z.array(z.string().min(1)),
  negative_list: z.array(z.string().min(1)),
  positive_promt: z.string().min(1),
  negative_promt: z.string().min(1),
  label_name: z.string().min(1),
});

/**
 * Imports ISEKAI records (a JSON array or JSONL). Each record is a query (`image_name`, of class
 * `label_name`) with the support pools of its pair: `positive_list` for the novel concept
 * (`positive_promt`), `negative_list` for the familiar one (`negative_promt`). Records of the same
 * pair add to the same pools.
 */
export async function importIsekai(
  records: string,
  options: ImportOptions = {},
): Promise<ImportedDataset> {
  const imagesRoot = options.images ?? path.dirname(records);
  const builder = new DatasetBuilder(imagesRoot);
  const rows = await readRecords(records);
  if (rows.length === 0) throw new ImportError(records, 'no records');
  for (const { where, value } of rows) {
    const parsed = IsekaiRecordSchema.safeParse(value);
    if (!parsed.success) throw new ImportError(where, describeIssues(parsed.error));
    const r = parsed.data;
    const { novelId, familiarId } = builder.addPair(
      { name: r.positive_promt },
      { name: r.negative_promt },
      where,
    );
    const label = r.label_name.trim();
    let queryConcept: string;
    if (label === r.positive_promt.trim()) queryConcept = novelId;
    else if (label === r.negative_promt.trim()) queryConcept = familiarId;
    else {
      throw new ImportError(
        where,
        `label_name "${r.label_name}" is neither positive_promt "${r.positive_promt}" nor negative_promt "${r.negative_promt}"`,
      );
    }
    builder.addImage(r.image_name, queryConcept, 'query', where);
    for (const image of r.positive_list) builder.addImage(image, novelId, 'support', where);
    for (const image of r.negative_list) builder.addImage(image, familiarId, 'support', where);
  }
  return builder.build({
    name: options.name ?? path.basename(records).replace(/\.(jsonl?|json)$/i, ''),
    version: options.version ?? '1',
    origin: { importer: 'isekai', source: path.basename(records) },
    onProgress: options.onProgress,
  });
}
