import { createHash } from 'node:crypto';
import { createManifest, type ManifestDraft } from '@linkboard/core';
import type { ImportedDataset } from '../builder';
import { ImportError } from '../errors';
import { mapLimit } from '../probe';
import { BASES, PAIRS, TRAITS } from './catalog';
import {
  descriptiveName,
  type NameMode,
  nonceNames,
  PAIRS_V3,
  TRAITS_V3,
  type TraitV3,
} from './catalog-v3';
import { contactSheet } from './contact-sheet';
import { GENERATOR_VERSION, renderImage } from './render';
import { renderImageV3 } from './render-v3';

/** The generator versions this linkboard can draw; v2 stays byte for byte what it was. */
export const GENERATOR_VERSIONS = [2, 3] as const;
export type GeneratorVersion = (typeof GENERATOR_VERSIONS)[number];

export interface SynthOptions {
  seed?: number;
  /** Which drawing of the benchmark (default 2, the embedded default; 3 is the harder set). */
  version?: GeneratorVersion;
  /** v3 only: novel concepts named by pronounceable non-words (default) or descriptive blends. */
  names?: NameMode;
  /** How many pairs of the catalog to use (default: all). */
  pairs?: number;
  /** Images per concept (default 32, as ISEKAI). */
  perConcept?: number;
  /** Of which queries (default 8). */
  queriesPerConcept?: number;
  onProgress?: (done: number, total: number) => void;
}

export const SYNTH_DEFAULTS = {
  seed: 1,
  version: GENERATOR_VERSION,
  perConcept: 32,
  queriesPerConcept: 8,
} as const;

/** The manifest's version: generator version and seed, marked when v3 is not nonce-named. */
export const synthVersion = (version: GeneratorVersion, seed: number, names: NameMode = 'nonce') =>
  `${version}.${seed}${version === 3 && names === 'descriptive' ? '+descriptive' : ''}`;

/**
 * isekai-synth: the embedded default benchmark, drawn by code. Deterministic: the same options
 * and generator version give byte-identical images and the same manifest hash.
 */
export async function generateSynth(options: SynthOptions = {}): Promise<ImportedDataset> {
  const version = options.version ?? SYNTH_DEFAULTS.version;
  if (version === 3) return generateSynthV3(options);
  if (version !== 2)
    throw new ImportError(
      '--generator-version',
      `must be one of ${GENERATOR_VERSIONS.join(', ')}, got ${version}`,
    );
  if (options.names !== undefined)
    throw new ImportError('--names', 'v2 names its concepts by fixed blends; --names needs v3');
  const seed = options.seed ?? SYNTH_DEFAULTS.seed;
  const pairCount = options.pairs ?? PAIRS.length;
  const perConcept = options.perConcept ?? SYNTH_DEFAULTS.perConcept;
  const queries = options.queriesPerConcept ?? SYNTH_DEFAULTS.queriesPerConcept;
  checkSizes(PAIRS.length, pairCount, perConcept, queries);
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

/**
 * isekai-synth v3: traits in the base's own palette, varying in size and place, of four families,
 * with hard negatives on the familiar side and (by default) nonce names. Deterministic as v2 is.
 */
async function generateSynthV3(options: SynthOptions): Promise<ImportedDataset> {
  const seed = options.seed ?? SYNTH_DEFAULTS.seed;
  const names = options.names ?? 'nonce';
  const pairCount = options.pairs ?? PAIRS_V3.length;
  const perConcept = options.perConcept ?? SYNTH_DEFAULTS.perConcept;
  const queries = options.queriesPerConcept ?? SYNTH_DEFAULTS.queriesPerConcept;
  if (names !== 'nonce' && names !== 'descriptive')
    throw new ImportError('--names', `must be nonce or descriptive, got ${names}`);
  checkSizes(PAIRS_V3.length, pairCount, perConcept, queries);
  // Names are drawn for the whole catalog, so a smaller --pairs keeps the same names.
  const allNames = names === 'nonce' ? nonceNames(seed, PAIRS_V3) : PAIRS_V3.map(descriptiveName);
  const pairs = PAIRS_V3.slice(0, pairCount).map((spec, i) => {
    const base = BASES[spec.base];
    const trait = TRAITS_V3[spec.trait];
    if (!base || !trait)
      throw new Error(`catalog: v3 pair ${spec.base} names an unknown base or trait`);
    const novel = allNames[i] as string;
    return { novel, base, trait, familiar: base.word.replace(/\s+/g, '-') };
  });
  const jobs = pairs.flatMap((pair) =>
    [true, false].flatMap((novel) =>
      Array.from({ length: perConcept }, (_, index) => ({ pair, novel, index })),
    ),
  );
  let done = 0;
  const rendered = await mapLimit(jobs, 4, async ({ pair, novel, index }) => {
    const { bytes, traits } = await renderImageV3({
      seed,
      // Keyed by the base, not the name, so nonce and descriptive sets show the same images.
      pairKey: pair.base.word,
      base: pair.base,
      pairTrait: pair.trait,
      novel,
      index,
    });
    options.onProgress?.(++done, jobs.length);
    const id = createHash('sha256').update(bytes).digest('hex');
    return { pair, novel, index, bytes, id, traits };
  });
  const sizes = await mapLimit(rendered, 8, async ({ bytes }) =>
    (await import('sharp')).default(bytes).metadata(),
  );
  const manifest = createManifest({
    schema: 'linkboard.manifest/1',
    benchmark: { name: 'isekai-synth', version: synthVersion(3, seed, names) },
    origin: {
      generator: 'isekai-synth',
      generatorVersion: 3,
      seed,
      names,
      perConcept,
      queriesPerConcept: queries,
    },
    pairs: pairs.map((pair) => ({
      id: pair.novel,
      novel: { id: pair.novel, name: pair.novel, description: pair.trait.describe(pair.base.word) },
      familiar: { id: pair.familiar, name: pair.base.word, description: pair.base.description },
    })),
    images: rendered.map(({ pair, novel, index, id, traits }, i) => ({
      id,
      concept: novel ? pair.novel : pair.familiar,
      role: index >= perConcept - queries ? ('query' as const) : ('support' as const),
      width: sizes[i]?.width ?? 0,
      height: sizes[i]?.height ?? 0,
      mediaType: 'image/jpeg' as const,
      // The traits drawn, so an analysis can split results by hard negative.
      source: `${pair.novel}/${novel ? 'novel' : 'familiar'}/${index}${traits.map((t) => `+${t.key}`).join('')}`,
    })),
  });
  const files = new Map<string, Uint8Array>(rendered.map((r) => [r.id, r.bytes]));
  const extras = new Map<string, Uint8Array>();
  const overview = [];
  const caption = (r: (typeof rendered)[number]) =>
    `#${r.index}${r.traits.map((t: TraitV3) => ` +${t.key}`).join('')}`;
  for (const pair of pairs) {
    const familiar = pair.base.word;
    const of = (novel: boolean) => rendered.filter((r) => r.pair === pair && r.novel === novel);
    extras.set(
      `sheets/${pair.novel}.png`,
      await contactSheet(
        [
          {
            title: `${pair.novel}\n(novel: ${pair.trait.key})`,
            cells: of(true)
              .slice(0, 8)
              .map((r) => ({ bytes: r.bytes, caption: caption(r) })),
          },
          {
            title: `${familiar}\n(familiar)`,
            cells: of(false)
              .slice(0, 8)
              .map((r) => ({ bytes: r.bytes, caption: caption(r) })),
          },
        ],
        { title: `${pair.novel} (${familiar} with ${pair.trait.key}) vs ${familiar}` },
      ),
    );
    overview.push({
      title: `${pair.novel}\nvs ${familiar}\n(${pair.trait.family}: ${pair.trait.key})`,
      cells: [
        ...of(true)
          .slice(0, 3)
          .map((r) => ({ bytes: r.bytes, caption: pair.novel })),
        ...of(false)
          .slice(0, 3)
          .map((r) => ({
            bytes: r.bytes,
            caption: `${familiar}${r.traits.length ? ` +${r.traits[0]?.key}` : ''}`,
          })),
      ],
    });
  }
  extras.set(
    'sheets/overview.png',
    await contactSheet(overview, {
      thumb: 96,
      title: `isekai-synth v3, seed ${seed}: novel concept (left) vs familiar partner, with hard negatives (right)`,
    }),
  );
  return { manifest, files, extras, warnings: [] };
}

/** The sizes a generator is asked for, checked alike for every version (naming the flag). */
function checkSizes(catalog: number, pairCount: number, perConcept: number, queries: number) {
  if (!Number.isInteger(pairCount) || pairCount < 1 || pairCount > catalog) {
    throw new ImportError(
      '--pairs',
      `must be between 1 and ${catalog} (the concepts in the catalog), got ${pairCount}`,
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
}
