import type { ImportedDataset } from './builder';
import { type DatasetDir, writeDataset } from './dataset-dir';
import type { ImportOptions } from './importers/common';
import { importFolder } from './importers/folder';
import { importImageNet100 } from './importers/imagenet100';
import { importIsekai } from './importers/isekai';

export const IMPORT_FORMATS = ['isekai', 'imagenet100', 'folder'] as const;
export type ImportFormat = (typeof IMPORT_FORMATS)[number];

const IMPORTERS: Record<
  ImportFormat,
  (input: string, options: ImportOptions) => Promise<ImportedDataset>
> = {
  isekai: importIsekai,
  imagenet100: importImageNet100,
  folder: importFolder,
};

export interface ImportDatasetOptions extends ImportOptions {
  format: ImportFormat;
  /** Records file (isekai, imagenet100) or root folder (folder). */
  input: string;
  out: string;
  force?: boolean;
}

/** Imports and writes a dataset; every check runs before the first byte is written. */
export async function importDataset(
  options: ImportDatasetOptions,
): Promise<DatasetDir & { warnings: string[] }> {
  const imported = await IMPORTERS[options.format](options.input, options);
  const written = await writeDataset(options.out, imported, { force: options.force });
  return { ...written, warnings: imported.warnings };
}
