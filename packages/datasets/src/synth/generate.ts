import { createHash } from 'node:crypto';
import { createManifest, type ManifestDraft } from '@linkboard/core';
import type { ImportedDataset } from '../builder';
import { ImportError } from '../errors';
import { mapLimit } from '../probe';
import { BASES, PAIRS, TRAITS } from './catalog';
import { contactSheet } from './contact-sheet';
import { GENERATOR_VERSION, renderImage } from './render';

export interface SynthOptions {
  seed?: number;
  /** How many pairs of the catalog to use (default: all). */
  pairs?: number;
  /** Images per concept (default 32, as ISEKAI). */
  perConcept?: number;
  /** Of which queries (default 8). */
  queriesPerConcept?: number;
  onProgress?: (done: number, total: number) => void;
}

export const SYNTH_DEFAULTS = { seed: 1, perConcept: 32, queriesPerConcept: 8 } as const;

/**
 * isekai-synth: the embedded default benchmark, drawn by code. Deterministic: the same options
 * and generator version give byte-identical images and the same manifest hash.
 */
export async function generateSynth(options: SynthOptions = {}): Promise<ImportedDataset> {
  const seed = options.seed ?? SYNTH_DEFAULTS.seed;
  const pairCount = options.pairs ?? PAIRS.length;
  const perConcept = options.perConcept ?? SYNTH_DEFAULTS.perConcept;
  const queries = options.queriesPerConcept ?? SYNTH_DEFAULTS.queriesPerConcept;
  if (!Number.isInteger(pairCount) || pairCount < 1 || pairCount > PAIRS.length) {
    throw new ImportError(
      '--pairs',
      `must be between 1 and ${PAIRS.length} (the concepts in the catalog), got ${pairCount}`,
    );
  }
  if (
    !Number.isInteger(perConcept) ||
    !Number.isInteger(queries) ||
    queries < 1 ||
    perConcept - queries < 1
  ) {
    throw new ImportError(
      '--per-concept',
      `needs at least one query and one support image per concept (got ${perConcept} images, ${queries} queries)`,
    );
  }
  const pairs = PAIRS.slice(0, pairCount);
  const jobs = pairs.flatMap((pair) =>
    [true, false].flatMap((novel) =>
      Array.from({ length: perConcept }, (_, index) => ({ pair, novel, index })),
    ),
  );
  let done = 0;
  const rendered = await mapLimit(jobs, 4, async ({ pair, novel, index }) => {
    const base = BASES[pair.base];
    const trait = TRAITS[pair.trait];
    if (!base || !trait)
      throw new Error(`catalog: pair ${pair.novel} names an unknown base or trait`);
    const bytes = await renderImage({
      seed,
      pairKey: pair.novel,
      base,
      trait: novel ? trait : null,
      index,
    });
    options.onProgress?.(++done, jobs.length);
    return { pair, novel, index, bytes, id: createHash('sha256').update(bytes).digest('hex') };
  });

  const draft: ManifestDraft = {
    schema: 'linkboard.manifest/1',
    benchmark: { name: 'isekai-synth', version: `${GENERATOR_VERSION}.${seed}` },
    origin: {
      generator: 'isekai-synth',
      generatorVersion: GENERATOR_VERSION,
      seed,
      perConcept,
      queriesPerConcept: queries,
    },
    pairs: pairs.map((pair) => {
      const base = BASES[pair.base] as (typeof BASES)[string];
      const trait = TRAITS[pair.trait] as (typeof TRAITS)[string];
      return {
        id: pair.novel,
        novel: { id: pair.novel, name: pair.novel, description: trait.describe(base.word) },
        familiar: {
          id: base.word.replace(/\s+/g, '-'),
          name: base.word,
          description: base.description,
        },
      };
    }),
    images: rendered.map(({ pair, novel, index, id }) => ({
      id,
      concept: novel ? pair.novel : (BASES[pair.base]?.word ?? '').replace(/\s+/g, '-'),
      // The last images of each concept are its queries.
      role: index >= perConcept - queries ? ('query' as const) : ('support' as const),
      width: 0,
      height: 0,
      mediaType: 'image/jpeg' as const,
      source: `${pair.novel}/${novel ? 'novel' : 'familiar'}/${index}`,
    })),
  };
  const sizes = await mapLimit(rendered, 8, async ({ bytes }) =>
    (await import('sharp')).default(bytes).metadata(),
  );
  draft.images.forEach((image, i) => {
    image.width = sizes[i]?.width ?? 0;
    image.height = sizes[i]?.height ?? 0;
  });
  const manifest = createManifest(draft);
  const files = new Map<string, Uint8Array>(rendered.map((r) => [r.id, r.bytes]));

  const extras = new Map<string, Uint8Array>();
  const overview = [];
  for (const pair of pairs) {
    const familiar = BASES[pair.base]?.word ?? '';
    const of = (novel: boolean) => rendered.filter((r) => r.pair === pair && r.novel === novel);
    const sheet = await contactSheet(
      [
        {
          title: `${pair.novel}\n(novel)`,
          cells: of(true)
            .slice(0, 8)
            .map((r) => ({ bytes: r.bytes, caption: `#${r.index}` })),
        },
        {
          title: `${familiar}\n(familiar)`,
          cells: of(false)
            .slice(0, 8)
            .map((r) => ({ bytes: r.bytes, caption: `#${r.index}` })),
        },
      ],
      { title: `${pair.novel} vs ${familiar}` },
    );
    extras.set(`sheets/${pair.novel}.png`, sheet);
    overview.push({
      title: `${pair.novel}\nvs ${familiar}`,
      cells: [
        ...of(true)
          .slice(0, 3)
          .map((r) => ({ bytes: r.bytes, caption: pair.novel })),
        ...of(false)
          .slice(0, 3)
          .map((r) => ({ bytes: r.bytes, caption: familiar })),
      ],
    });
  }
  extras.set(
    'sheets/overview.png',
    await contactSheet(overview, {
      thumb: 96,
      title: `isekai-synth v${GENERATOR_VERSION}, seed ${seed}: novel concept (left) vs familiar partner (right)`,
    }),
  );
  return { manifest, files, extras, warnings: [] };
}
