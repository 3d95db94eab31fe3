import {
  createManifest,
  type ImageRole,
  type Manifest,
  type ManifestDraft,
  ManifestError,
  slugify,
} from '@linkboard/core';
import { ImportError } from './errors';
import { mapLimit, type ProbedImage, probeImage } from './probe';
import { resolveInside } from './safe-path';

export interface ImportedDataset {
  manifest: Manifest;
  /** Image id → the file to copy into the store, or the image's bytes. */
  files: Map<string, string | Uint8Array>;
  /** Other files to write beside the manifest (path relative to the dataset folder → bytes). */
  extras?: Map<string, Uint8Array>;
  /** Things a researcher should know that did not stop the import. */
  warnings: string[];
}

export interface BuildOptions {
  name: string;
  version: string;
  origin?: Record<string, string | number>;
  onProgress?: (done: number, total: number) => void;
}

interface ConceptEntry {
  id: string;
  name: string;
  description?: string;
  pairId: string;
  where: string;
}

interface ImageRef {
  relative: string;
  conceptId: string;
  role: ImageRole;
  where: string;
}

/**
 * Collects pairs and image references from any source format, then resolves, hashes and checks
 * every image before anything is written. Shared by all importers so that they refuse the same
 * problems with the same messages.
 */
export class DatasetBuilder {
  private readonly concepts = new Map<string, ConceptEntry>();
  private readonly pairs = new Map<
    string,
    { novel: ConceptEntry; familiar: ConceptEntry; bothFamiliar: boolean }
  >();
  private readonly refs: ImageRef[] = [];

  constructor(private readonly imagesRoot: string) {}

  /**
   * Declares a pair (again, harmlessly, if it was declared with the same two labels).
   * `bothFamiliar`: neither concept is novel (two real classes); see the manifest's pair.
   */
  addPair(
    novel: { name: string; description?: string },
    familiar: { name: string; description?: string },
    where: string,
    options: { bothFamiliar?: boolean } = {},
  ): { pairId: string; novelId: string; familiarId: string } {
    const novelName = novel.name.trim();
    const familiarName = familiar.name.trim();
    if (!novelName || !familiarName) throw new ImportError(where, 'a concept name is empty');
    if (novelName.toLowerCase() === familiarName.toLowerCase()) {
      throw new ImportError(where, `the two concepts of a pair have the same label "${novelName}"`);
    }
    const pairId = slugify(novelName);
    const existing = this.pairs.get(pairId);
    if (existing) {
      if (existing.novel.name === novelName && existing.familiar.name === familiarName) {
        return { pairId, novelId: existing.novel.id, familiarId: existing.familiar.id };
      }
    }
    const entries: ConceptEntry[] = [];
    for (const concept of [
      { ...novel, name: novelName },
      { ...familiar, name: familiarName },
    ]) {
      const id = slugify(concept.name);
      const clash = this.concepts.get(id);
      if (clash) {
        throw new ImportError(
          where,
          `label "${concept.name}" is already used in pair "${clash.pairId}" (${clash.where}); a label must name one concept in one pair`,
        );
      }
      entries.push({ id, name: concept.name, description: concept.description, pairId, where });
    }
    const [novelEntry, familiarEntry] = entries as [ConceptEntry, ConceptEntry];
    for (const entry of entries) this.concepts.set(entry.id, entry);
    this.pairs.set(pairId, {
      novel: novelEntry,
      familiar: familiarEntry,
      bothFamiliar: options.bothFamiliar === true,
    });
    return { pairId, novelId: novelEntry.id, familiarId: familiarEntry.id };
  }

  addImage(relative: string, conceptId: string, role: ImageRole, where: string): void {
    this.refs.push({ relative, conceptId, role, where });
  }

  async build(options: BuildOptions): Promise<ImportedDataset> {
    const warnings: string[] = [];
    const distinct = [...new Set(this.refs.map((r) => r.relative))];
    const firstRef = new Map<string, ImageRef>();
    for (const ref of this.refs) if (!firstRef.has(ref.relative)) firstRef.set(ref.relative, ref);

    let done = 0;
    const probed = new Map<string, ProbedImage & { file: string }>();
    await mapLimit(distinct, 8, async (relative) => {
      const where = (firstRef.get(relative) as ImageRef).where;
      const file = await resolveInside(this.imagesRoot, relative, where);
      probed.set(relative, { ...(await probeImage(file, where)), file });
      options.onProgress?.(++done, distinct.length);
    });

    // One entry per image id: same bytes under two concepts is an error; a query listed again as
    // a support image of its own concept stays a query (a query must never be in a pool).
    const images = new Map<string, { ref: ImageRef; relative: string }>();
    let demoted = 0;
    for (const ref of this.refs) {
      const image = probed.get(ref.relative) as ProbedImage;
      const seen = images.get(image.id);
      if (!seen) {
        images.set(image.id, { ref, relative: ref.relative });
        continue;
      }
      if (seen.ref.conceptId !== ref.conceptId) {
        throw new ImportError(
          ref.where,
          `image "${ref.relative}" has the same bytes as "${seen.relative}" (${seen.ref.where}), which belongs to another concept ("${seen.ref.conceptId}", not "${ref.conceptId}")`,
        );
      }
      if (seen.ref.role !== ref.role) {
        demoted++;
        if (ref.role === 'query') images.set(image.id, { ref, relative: ref.relative });
      }
    }
    if (demoted > 0) {
      warnings.push(
        `${demoted} image reference(s) name an image both as a query and as a support image of the same concept; those images are used as queries only`,
      );
    }

    const supportCount = new Map<string, number>();
    for (const { ref } of images.values()) {
      if (ref.role === 'support')
        supportCount.set(ref.conceptId, (supportCount.get(ref.conceptId) ?? 0) + 1);
    }
    for (const concept of this.concepts.values()) {
      if (!supportCount.get(concept.id)) {
        throw new ImportError(
          concept.where,
          `concept "${concept.name}" has no support images (an empty class)`,
        );
      }
    }

    const draft: ManifestDraft = {
      schema: 'linkboard.manifest/1',
      benchmark: { name: options.name, version: options.version },
      origin: options.origin,
      pairs: [...this.pairs.entries()].map(([id, { novel, familiar, bothFamiliar }]) => ({
        id,
        novel: { id: novel.id, name: novel.name, description: novel.description },
        familiar: { id: familiar.id, name: familiar.name, description: familiar.description },
        ...(bothFamiliar ? { bothFamiliar: true as const } : {}),
      })),
      images: [...images.entries()].map(([id, { ref, relative }]) => {
        const { width, height, mediaType } = probed.get(relative) as ProbedImage;
        return {
          id,
          concept: ref.conceptId,
          role: ref.role,
          width,
          height,
          mediaType,
          source: relative,
        };
      }),
    };
    let manifest: Manifest;
    try {
      manifest = createManifest(draft);
    } catch (error) {
      if (error instanceof ManifestError) throw new ImportError(this.imagesRoot, error.message);
      throw error;
    }
    const files = new Map<string, string>();
    for (const [id, { relative }] of images)
      files.set(id, (probed.get(relative) as { file: string }).file);
    return { manifest, files, warnings };
  }
}
