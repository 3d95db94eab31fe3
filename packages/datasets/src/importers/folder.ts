import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { DatasetBuilder, type ImportedDataset } from '../builder';
import { ImportError } from '../errors';
import { describeIssues, type ImportOptions } from './common';

export const FOLDER_CONFIG = 'pairs.json';

const FolderConfigSchema = z.object({
  name: z.string().min(1).optional(),
  version: z.string().min(1).optional(),
  /** Pair folder → which of its two concept folders is the novel concept. */
  pairs: z.record(
    z.string(),
    z.object({
      novel: z.string().min(1),
      descriptions: z.record(z.string(), z.string()).optional(),
    }),
  ),
});

const IMAGE_FILE = /\.(jpe?g|png|webp)$/i;
/** Files named query… or infer… (ISEKAI's name for queries) are queries; the rest support. */
const QUERY_FILE = /^(query|infer)/i;

/**
 * Imports `<root>/<pair>/<concept>/*.{jpg,png,webp}` with a `pairs.json` at the root naming the
 * novel concept of each pair. Concept folder names are the labels.
 */
export async function importFolder(
  root: string,
  options: ImportOptions = {},
): Promise<ImportedDataset> {
  const configFile = path.join(root, FOLDER_CONFIG);
  let text: string;
  try {
    text = await readFile(configFile, 'utf8');
  } catch {
    throw new ImportError(
      root,
      `missing ${FOLDER_CONFIG}: it names the novel concept of each pair`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ImportError(configFile, `malformed JSON: ${(error as Error).message}`);
  }
  const parsed = FolderConfigSchema.safeParse(json);
  if (!parsed.success) throw new ImportError(configFile, describeIssues(parsed.error));
  const config = parsed.data;

  const builder = new DatasetBuilder(root);
  const entries = await readdir(root, { withFileTypes: true });
  const pairDirs = entries
    .filter((e) => e.isDirectory() || e.isSymbolicLink())
    .map((e) => e.name)
    .sort();
  for (const listed of Object.keys(config.pairs)) {
    if (!pairDirs.includes(listed)) {
      throw new ImportError(
        configFile,
        `pair "${listed}" is listed but ${path.join(root, listed)} is not a folder`,
      );
    }
  }
  for (const pairDir of pairDirs) {
    const where = `${path.join(root, pairDir)}/`;
    const pairConfig = config.pairs[pairDir];
    if (!pairConfig) throw new ImportError(where, `folder is not listed in ${FOLDER_CONFIG}`);
    const concepts = (await readdir(path.join(root, pairDir), { withFileTypes: true }))
      .filter((e) => e.isDirectory() || e.isSymbolicLink())
      .map((e) => e.name)
      .sort();
    if (concepts.length !== 2) {
      throw new ImportError(
        where,
        `a pair folder holds exactly two concept folders, found ${concepts.length} (${concepts.join(', ') || 'none'})`,
      );
    }
    const familiar = concepts.find((c) => c !== pairConfig.novel);
    if (!concepts.includes(pairConfig.novel) || !familiar) {
      throw new ImportError(
        where,
        `${FOLDER_CONFIG} names "${pairConfig.novel}" as novel, but the concept folders are ${concepts.join(' and ')}`,
      );
    }
    const describe = (name: string) => ({ name, description: pairConfig.descriptions?.[name] });
    const ids = builder.addPair(describe(pairConfig.novel), describe(familiar), where);
    for (const [concept, conceptId] of [
      [pairConfig.novel, ids.novelId],
      [familiar, ids.familiarId],
    ] as const) {
      const conceptWhere = `${path.join(root, pairDir, concept)}/`;
      const files = (await readdir(path.join(root, pairDir, concept)))
        .filter((f) => IMAGE_FILE.test(f))
        .sort();
      if (files.length === 0)
        throw new ImportError(conceptWhere, 'no .jpg, .png or .webp images (an empty class)');
      for (const file of files) {
        const role = QUERY_FILE.test(file) ? 'query' : 'support';
        builder.addImage(
          path.join(pairDir, concept, file),
          conceptId,
          role,
          `${conceptWhere}${file}`,
        );
      }
    }
  }
  if (pairDirs.length === 0) throw new ImportError(root, 'no pair folders');
  return builder.build({
    name: options.name ?? config.name ?? path.basename(path.resolve(root)),
    version: options.version ?? config.version ?? '1',
    origin: { importer: 'folder', source: path.basename(path.resolve(root)) },
    onProgress: options.onProgress,
  });
}
