import { z } from 'zod';
import { canonicalJson, sha256Hex } from './hash';
import { POLICIES, POLICY_NAMES } from './policy';

export const MANIFEST_SCHEMA = 'linkboard.manifest/1';

const sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'must be a lower-case hex SHA-256');
const id = z
  .string()
  .regex(/^[a-z0-9][a-z0-9._-]*$/, 'must be lower-case letters, digits, ".", "_" or "-"');

export const ConceptSchema = z.object({
  id,
  /** The label: the exact words a model is shown and expected to answer. */
  name: z.string().trim().min(1, 'must not be empty'),
  description: z.string().optional(),
});

export const PairSchema = z.object({
  id,
  /** The unseen concept (ISEKAI's positive, e.g. "cactihog"); see `bothFamiliar`. */
  novel: ConceptSchema,
  /** Its familiar look-alike (ISEKAI's negative, e.g. "hedgehog"). */
  familiar: ConceptSchema,
  /**
   * True when neither concept is novel: both are real classes a model may already know (the LCL
   * ImageNet-100 pairs, e.g. "english setter" and "kit fox"). `novel` is then only the pair's
   * first class; queries of both concepts count as familiar, so a benchmark made of such pairs
   * has no novel-query accuracy. The always-familiar baseline names the `familiar` slot's class,
   * a constant guess: right on one class's queries, wrong on the other's. Absent (not false)
   * otherwise, so older manifests keep their hash.
   */
  bothFamiliar: z.literal(true).optional(),
});

export const ImageRoleSchema = z.enum(['support', 'query']);

export const ImageSchema = z.object({
  /** SHA-256 of the image bytes. */
  id: sha256,
  concept: id,
  role: ImageRoleSchema,
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  mediaType: z.enum(['image/jpeg', 'image/png', 'image/webp']),
  /** Where the image came from (a path in the imported data set), for people, not for lookups. */
  source: z.string().optional(),
});

/**
 * Who may see a benchmark's answers. `public`: anyone can read its query labels (a published
 * generator seed, an imported data set), so scores on it can be looked up. `hidden`: drawn from a
 * secret the deployment keeps; its labels and per-episode verdicts never reach a non-admin.
 */
export const BENCHMARK_SPLITS = ['public', 'hidden'] as const;
export const BenchmarkSplitSchema = z.enum(BENCHMARK_SPLITS);
export type BenchmarkSplit = z.infer<typeof BenchmarkSplitSchema>;

/**
 * An episode fixed by the benchmark itself rather than drawn from its pools: which query, which
 * support images in which order, and the policy. Labels are not stored: they follow from the
 * images' concepts and the policy (a label-swapping policy gives each side its partner's name),
 * so they cannot disagree with the pairs. A benchmark drawn episode by episode (the ranked draw:
 * one concept per episode) lists its episodes this way.
 */
export const FixedEpisodeSchema = z.object({
  id,
  pair: id,
  policy: z.enum(POLICY_NAMES),
  query: sha256,
  /** In the order the model sees them. */
  support: z.array(sha256).min(1),
});
export type FixedEpisode = z.infer<typeof FixedEpisodeSchema>;

const ManifestBodySchema = z.object({
  schema: z.literal(MANIFEST_SCHEMA),
  benchmark: z.object({
    name: z.string().trim().min(1),
    version: z.string().trim().min(1),
    /** Absent on a public benchmark, so that manifests made before splits keep their hash. */
    split: z.literal('hidden').optional(),
  }),
  /** How the benchmark was made: importer and input, or generator and seed. */
  origin: z.record(z.string(), z.union([z.string(), z.number()])).optional(),
  pairs: z.array(PairSchema).min(1, 'a benchmark needs at least one pair'),
  images: z.array(ImageSchema),
  /**
   * The benchmark's own episodes, in the order they are sent; absent (most benchmarks): episodes
   * are drawn from the pools (core's `buildEpisodes`).
   */
  episodes: z
    .array(FixedEpisodeSchema)
    .min(1, 'a benchmark that fixes its episodes fixes at least one')
    .optional(),
});

export const ManifestSchema = ManifestBodySchema.extend({ manifestHash: sha256 });

export type Concept = z.infer<typeof ConceptSchema>;
export type Pair = z.infer<typeof PairSchema>;
export type ImageRole = z.infer<typeof ImageRoleSchema>;
export type ImageEntry = z.infer<typeof ImageSchema>;
export type ManifestDraft = z.input<typeof ManifestBodySchema>;
export type Manifest = z.infer<typeof ManifestSchema>;

/** A manifest's split: hidden only where it says so. */
export const splitOf = (manifest: Pick<Manifest, 'benchmark'>): BenchmarkSplit =>
  manifest.benchmark.split ?? 'public';

export class ManifestError extends Error {
  override name = 'ManifestError';
  constructor(
    message: string,
    readonly problems: string[] = [message],
  ) {
    super(message);
  }
}

/** The rules a single zod object cannot say: unique ids and labels, no empty class. */
function crossCheck(body: z.infer<typeof ManifestBodySchema>): string[] {
  const problems: string[] = [];
  const concepts = new Map<string, string>();
  const labels = new Map<string, string>();
  const pairIds = new Set<string>();
  for (const pair of body.pairs) {
    if (pairIds.has(pair.id)) problems.push(`pairs: pair id "${pair.id}" is used twice`);
    pairIds.add(pair.id);
    if (pair.novel.name.toLowerCase() === pair.familiar.name.toLowerCase())
      problems.push(`pairs.${pair.id}: both concepts are named "${pair.novel.name}"`);
    for (const concept of [pair.novel, pair.familiar]) {
      if (concepts.has(concept.id)) {
        problems.push(`pairs.${pair.id}: concept id "${concept.id}" is used in two pairs`);
      }
      concepts.set(concept.id, pair.id);
      const label = concept.name.toLowerCase();
      const other = labels.get(label);
      // With fixed episodes each is scored on its own pair's two names, so a familiar name may
      // recur across pairs (the ranked draw's bases do); within a pair they must differ.
      if (other !== undefined && other !== pair.id && !body.episodes) {
        problems.push(
          `pairs.${pair.id}: label "${concept.name}" is also used in pair "${other}"; a label must name one concept`,
        );
      }
      if (other === undefined) labels.set(label, pair.id);
    }
  }
  const seen = new Set<string>();
  const supportCount = new Map<string, number>();
  for (const image of body.images) {
    if (seen.has(image.id)) problems.push(`images: image ${image.id} is listed twice`);
    seen.add(image.id);
    if (!concepts.has(image.concept)) {
      problems.push(`images: image ${image.id} names unknown concept "${image.concept}"`);
    }
    if (image.role === 'support') {
      supportCount.set(image.concept, (supportCount.get(image.concept) ?? 0) + 1);
    }
  }
  for (const [conceptId, pairId] of concepts) {
    if (!supportCount.get(conceptId)) {
      problems.push(`pairs.${pairId}: concept "${conceptId}" has no support images`);
    }
  }
  if (body.episodes) problems.push(...checkFixedEpisodes(body, concepts));
  return problems;
}

/**
 * A fixed episode names a pair of the manifest, a query image of that pair, and support images of
 * that pair: as many of each concept, none twice, never the query, and a count its policy takes.
 */
function checkFixedEpisodes(
  body: z.infer<typeof ManifestBodySchema>,
  pairOfConcept: ReadonlyMap<string, string>,
): string[] {
  const problems: string[] = [];
  const images = new Map(body.images.map((i) => [i.id, i]));
  const pairs = new Map(body.pairs.map((p) => [p.id, p]));
  const ids = new Set<string>();
  for (const [n, episode] of (body.episodes ?? []).entries()) {
    const at = `episodes.${n} (${episode.id})`;
    if (ids.has(episode.id)) problems.push(`${at}: episode id is used twice`);
    ids.add(episode.id);
    const pair = pairs.get(episode.pair);
    if (!pair) {
      problems.push(`${at}: names unknown pair "${episode.pair}"`);
      continue;
    }
    const query = images.get(episode.query);
    if (query?.role !== 'query' || pairOfConcept.get(query.concept) !== pair.id)
      problems.push(`${at}: the query must be a query image of pair "${pair.id}"`);
    const perConcept = new Map<string, number>();
    for (const imageId of episode.support) {
      const image = images.get(imageId);
      if (image?.role !== 'support' || pairOfConcept.get(image.concept) !== pair.id) {
        problems.push(
          `${at}: support image ${imageId.slice(0, 12)} is not a support image of pair "${pair.id}"`,
        );
        continue;
      }
      perConcept.set(image.concept, (perConcept.get(image.concept) ?? 0) + 1);
    }
    if (new Set(episode.support).size !== episode.support.length)
      problems.push(`${at}: a support image is shown twice`);
    if (perConcept.get(pair.novel.id) !== perConcept.get(pair.familiar.id))
      problems.push(`${at}: the support must show as many images of each concept`);
    const shotProblem = POLICIES[episode.policy].checkShots(episode.support.length);
    if (shotProblem) problems.push(`${at}: policy ${episode.policy} ${shotProblem}`);
  }
  return problems;
}

function formatIssues(error: z.ZodError): string[] {
  return error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`);
}

function hashBody(body: z.infer<typeof ManifestBodySchema>): string {
  return sha256Hex(canonicalJson(body));
}

/**
 * Validates a draft, puts pairs and images in canonical order (so that the order an importer met
 * the files in does not change the hash) and seals it with its manifest hash.
 */
export function createManifest(draft: ManifestDraft): Manifest {
  const parsed = ManifestBodySchema.safeParse(draft);
  if (!parsed.success) {
    const problems = formatIssues(parsed.error);
    throw new ManifestError(`invalid manifest: ${problems.join('; ')}`, problems);
  }
  const body = parsed.data;
  body.pairs.sort((a, b) => compare(a.id, b.id));
  body.images.sort((a, b) => compare(a.concept, b.concept) || compare(a.id, b.id));
  const problems = crossCheck(body);
  if (problems.length > 0) {
    throw new ManifestError(`invalid manifest: ${problems.join('; ')}`, problems);
  }
  return { ...body, manifestHash: hashBody(body) };
}

/** Reads a stored manifest: schema, cross-checks, and that its hash matches its content. */
export function parseManifest(value: unknown): Manifest {
  const parsed = ManifestSchema.safeParse(value);
  if (!parsed.success) {
    const problems = formatIssues(parsed.error);
    throw new ManifestError(`invalid manifest: ${problems.join('; ')}`, problems);
  }
  const { manifestHash, ...body } = parsed.data;
  const problems = crossCheck(body);
  if (problems.length > 0) {
    throw new ManifestError(`invalid manifest: ${problems.join('; ')}`, problems);
  }
  const actual = hashBody(body);
  if (actual !== manifestHash) {
    throw new ManifestError(
      `manifest hash mismatch: the file says ${manifestHash} but its content hashes to ${actual}; it was edited after it was made`,
    );
  }
  return parsed.data;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Whether a query of this concept of the pair is novel or familiar: the `novel` side is novel
 * unless the pair is marked `bothFamiliar`. The one rule, for episodes and stored concepts alike.
 */
export function queryClassOf(pair: Pair, side: 'novel' | 'familiar'): 'novel' | 'familiar' {
  return side === 'novel' && !pair.bothFamiliar ? 'novel' : 'familiar';
}

/** Lower-case slug of a label, usable as an id ("ice cream" → "ice-cream"). */
export function slugify(label: string): string {
  const slug = label
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return slug || 'x';
}
