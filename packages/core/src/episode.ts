import { type HashHex, sha256Hex } from './hash';
import {
  type Concept,
  type FixedEpisode,
  type ImageEntry,
  type Manifest,
  type Pair,
  queryClassOf,
} from './manifest';
import { POLICIES, type PolicyName, type RenderedPrompt } from './policy';
import { Prng } from './prng';

export type QueryClass = 'novel' | 'familiar';

export interface SupportItem {
  imageId: string;
  /** The concept the image shows. */
  conceptId: string;
  /** The name its demonstration gives it: the concept's, or under `flip` its partner's. */
  label: string;
}

export interface Episode {
  /** Stable across runs and machines: derived from benchmark, query, shots, draw and policy. */
  id: string;
  /** The manifest hash of the benchmark version the episode belongs to. */
  benchmark: string;
  pairId: string;
  shots: number;
  draw: number;
  policy: PolicyName;
  query: {
    imageId: string;
    conceptId: string;
    /** The class the query image truly shows, whatever the demonstrations call it. */
    queryClass: QueryClass;
    /**
     * The right answer: the name the demonstrations gave the query's class. That is the query's
     * concept name, except under a policy that swaps labels (`flip`), where it is the partner's.
     */
    label: string;
    /** The pair's other name: the answer a prior override gives for a novel query. */
    other: string;
  };
  /** In the order the model sees them. */
  support: SupportItem[];
  prompt: RenderedPrompt;
  /** SHA-256 over the ordered support ids, their labels and the prompt text: what the model saw. */
  demoHash: string;
}

export interface EpisodeSpec {
  queryImageId: string;
  shots: number;
  draw: number;
  policy: PolicyName;
}

export class EpisodeError extends Error {
  override name = 'EpisodeError';
}

interface ConceptSide {
  pair: Pair;
  concept: Concept;
  partner: Concept;
  queryClass: QueryClass;
}

/** Lookups an episode needs, computed once per manifest. */
export interface BenchmarkIndex {
  manifest: Manifest;
  images: ReadonlyMap<string, ImageEntry>;
  concepts: ReadonlyMap<string, ConceptSide>;
  /** Support image ids per concept, in manifest order. */
  pools: ReadonlyMap<string, readonly string[]>;
  /** Query images in manifest order. */
  queries: readonly ImageEntry[];
  /** The benchmark's own episodes (see `FixedEpisodeSchema`), or null when drawn from pools. */
  fixed: readonly FixedEpisode[] | null;
  sha256Hex: HashHex;
}

export interface IndexOptions {
  /**
   * A faster SHA-256 than the pure-JavaScript default, e.g. Node's native one (about 7× faster
   * on the 1–3 KB a demo hash covers). Any correct implementation gives the same episodes.
   */
  sha256Hex?: HashHex;
}

export function indexBenchmark(manifest: Manifest, options: IndexOptions = {}): BenchmarkIndex {
  const concepts = new Map<string, ConceptSide>();
  for (const pair of manifest.pairs) {
    concepts.set(pair.novel.id, {
      pair,
      concept: pair.novel,
      partner: pair.familiar,
      queryClass: queryClassOf(pair, 'novel'),
    });
    concepts.set(pair.familiar.id, {
      pair,
      concept: pair.familiar,
      partner: pair.novel,
      queryClass: queryClassOf(pair, 'familiar'),
    });
  }
  const images = new Map<string, ImageEntry>();
  const pools = new Map<string, string[]>();
  const queries: ImageEntry[] = [];
  for (const image of manifest.images) {
    images.set(image.id, image);
    if (image.role === 'query') queries.push(image);
    else {
      const pool = pools.get(image.concept) ?? [];
      pool.push(image.id);
      pools.set(image.concept, pool);
    }
  }
  return {
    manifest,
    images,
    concepts,
    pools,
    queries,
    fixed: manifest.episodes ?? null,
    sha256Hex: options.sha256Hex ?? sha256Hex,
  };
}

/**
 * The largest shot count every query of the benchmark can be given (0 when none has a pool); of
 * a benchmark with fixed episodes, the largest it fixes.
 */
export function maxShots(index: BenchmarkIndex): number {
  if (index.fixed) return Math.max(0, ...index.fixed.map((e) => e.support.length));
  let min = Number.POSITIVE_INFINITY;
  for (const query of index.queries) {
    const side = index.concepts.get(query.concept);
    if (!side) continue;
    for (const concept of [side.pair.novel, side.pair.familiar]) {
      const pool = index.pools.get(concept.id) ?? [];
      min = Math.min(min, pool.length);
    }
  }
  return Number.isFinite(min) ? 2 * min : 0;
}

/**
 * Builds one episode of the 2-way N-shot task. The support set is drawn with a PRNG seeded by
 * (benchmark, query, shots, draw) and not by the policy, so `lcl`, `icl` and `flip` show the same
 * images in the same order and their differences (the link gain, the flip control) are paired.
 * The id ends with the policy, so episodes of different policies never share one.
 */
export function buildEpisode(index: BenchmarkIndex, spec: EpisodeSpec): Episode {
  const { queryImageId, shots, draw, policy } = spec;
  const policySpec = POLICIES[policy];
  if (!policySpec) throw new EpisodeError(`unknown policy "${policy}"`);
  const shotProblem = policySpec.checkShots(shots);
  if (shotProblem) throw new EpisodeError(`policy ${policy} ${shotProblem}`);
  if (!Number.isInteger(draw) || draw < 0) {
    throw new EpisodeError(`draw must be a non-negative integer, got ${draw}`);
  }
  const query = index.images.get(queryImageId);
  if (!query) throw new EpisodeError(`image ${queryImageId} is not in the benchmark`);
  if (query.role !== 'query') {
    throw new EpisodeError(`image ${queryImageId} is a support image, not a query`);
  }
  const side = index.concepts.get(query.concept);
  if (!side) throw new EpisodeError(`image ${queryImageId} names unknown concept ${query.concept}`);

  const benchmark = index.manifest.manifestHash;
  const seedKey = `${benchmark}|${query.id}|${shots}|${draw}`;
  const seed = index.sha256Hex(seedKey);
  const rng = new Prng(seed);
  const perClass = shots / 2;
  const support: SupportItem[] = [];
  for (const concept of [side.pair.novel, side.pair.familiar]) {
    // Pools hold support images only and a query is never one, so no pool holds the query.
    const pool = index.pools.get(concept.id) ?? [];
    if (pool.length < perClass) {
      throw new EpisodeError(
        `pair "${side.pair.id}": concept "${concept.name}" has ${pool.length} support images for query ${query.id.slice(0, 12)}, but ${shots}-shot episodes need ${perClass} per class`,
      );
    }
    // Labels take no part in the draw: a label-swapping policy shows the same images in the same
    // order as lcl, and only the names differ.
    const label = policySpec.swapsLabels ? partnerName(side.pair, concept.id) : concept.name;
    for (const imageId of rng.sample(pool, perClass)) {
      support.push({ imageId, conceptId: concept.id, label });
    }
  }
  rng.shuffle(support);
  // Drawn after the support so that adding the zero-shot order never changed existing episodes.
  const novelFirst = rng.nextInt(2) === 0;
  return assembleEpisode(index, {
    id: `${seed.slice(0, 20)}-${policy}`,
    query: side,
    queryImageId: query.id,
    draw,
    policy,
    support,
    novelFirst,
  });
}

/**
 * An episode from its drawn parts: the query's labels under the policy, the zero-shot candidates
 * in the drawn order, the prompt the policy renders, and the hash of what the model saw. One
 * assembly for drawn and fixed episodes alike.
 */
function assembleEpisode(
  index: BenchmarkIndex,
  parts: {
    id: string;
    query: ConceptSide;
    queryImageId: string;
    draw: number;
    policy: PolicyName;
    support: SupportItem[];
    novelFirst: boolean;
  },
): Episode {
  const { query, support, policy } = parts;
  const policySpec = POLICIES[policy];
  const candidates: [string, string] = parts.novelFirst
    ? [query.pair.novel.name, query.pair.familiar.name]
    : [query.pair.familiar.name, query.pair.novel.name];
  const prompt = policySpec.render({ support, query: { imageId: parts.queryImageId }, candidates });
  let demo = '';
  for (const item of support) demo += `${item.imageId}\t${item.label}\n`;
  const labels = queryLabels(policy, query.concept.name, query.partner.name);
  return {
    id: parts.id,
    benchmark: index.manifest.manifestHash,
    pairId: query.pair.id,
    shots: support.length,
    draw: parts.draw,
    policy,
    query: {
      imageId: parts.queryImageId,
      conceptId: query.concept.id,
      queryClass: query.queryClass,
      label: labels.label,
      other: labels.other,
    },
    support,
    prompt,
    demoHash: index.sha256Hex(`${demo}\n${prompt.text}`),
  };
}

/**
 * The right answer to a query of `concept` (named so) and the other name of its pair, under
 * `policy`: the concept's own name, or under a label-swapping policy (`flip`) its partner's, the
 * name the demonstrations gave its class. What an episode's query says (`buildEpisode`), and what
 * a result stored without its labels is scored against again (the database's re-score, its
 * downloads and episode pages).
 */
export function queryLabels(
  policy: PolicyName,
  concept: string,
  partner: string,
): { label: string; other: string } {
  return POLICIES[policy].swapsLabels
    ? { label: partner, other: concept }
    : { label: concept, other: partner };
}

/** The name of the pair's other concept. */
function partnerName(pair: Pair, conceptId: string): string {
  return conceptId === pair.novel.id ? pair.familiar.name : pair.novel.name;
}

/**
 * An episode the benchmark fixes (`Manifest.episodes`), as `buildEpisode` would give it: labels
 * from the images' concepts and the policy, the prompt rendered by the policy. The manifest's
 * cross-checks guarantee the images and the pair exist.
 */
export function buildFixedEpisode(index: BenchmarkIndex, fixed: FixedEpisode): Episode {
  const policySpec = POLICIES[fixed.policy];
  const side = (imageId: string) => {
    const image = index.images.get(imageId);
    const found = image && index.concepts.get(image.concept);
    if (!found)
      throw new EpisodeError(
        `episode ${fixed.id}: image ${imageId.slice(0, 12)} is not in the benchmark`,
      );
    return found;
  };
  const nameOf = (s: ConceptSide) => (policySpec.swapsLabels ? s.partner.name : s.concept.name);
  const support: SupportItem[] = fixed.support.map((imageId) => {
    const s = side(imageId);
    return { imageId, conceptId: s.concept.id, label: nameOf(s) };
  });
  const query = side(fixed.query);
  return assembleEpisode(index, {
    // Ids are stored across benchmark versions: the manifest hash keeps two versions' apart.
    id: `${index.manifest.manifestHash.slice(0, 16)}-${fixed.id}`,
    query,
    queryImageId: fixed.query,
    draw: 0,
    policy: fixed.policy,
    support,
    novelFirst:
      Prng.fromKey(
        `${index.manifest.manifestHash}|${fixed.id}|candidates`,
        index.sha256Hex,
      ).nextInt(2) === 0,
  });
}

/** The fixed episodes an evaluation asks for: those of its shot counts and policies, in order. */
function fixedEpisodesOf(index: BenchmarkIndex, spec: EpisodeSetSpec): readonly FixedEpisode[] {
  const fixed = index.fixed ?? [];
  return fixed.filter(
    (e) => spec.shots.includes(e.support.length) && spec.policies.includes(e.policy),
  );
}

export interface EpisodeSetSpec {
  shots: readonly number[];
  policies: readonly PolicyName[];
  draws: number;
  /**
   * The submission's send order (`episodeOrder`): position p of the evaluation is episode
   * `order[p]` of the fixed order. Absent or null: the fixed order itself, as submissions made
   * before the order was seeded were cut.
   */
  orderSeed?: number | null;
}

/** Refuses an evaluation the benchmark cannot supply, before any episode is built. */
function checkEpisodeSet(index: BenchmarkIndex, spec: EpisodeSetSpec): void {
  if (!Number.isInteger(spec.draws) || spec.draws < 1) {
    throw new EpisodeError(`draws must be a positive integer, got ${spec.draws}`);
  }
  if (index.fixed) {
    // Its episodes are its own: one draw each, of the shot counts and policies it fixes.
    if (spec.draws !== 1)
      throw new EpisodeError('this benchmark fixes its episodes: it runs one draw of each');
    for (const shots of spec.shots)
      if (!index.fixed.some((e) => e.support.length === shots))
        throw new EpisodeError(`this benchmark fixes no ${shots}-shot episodes`);
    for (const policy of spec.policies)
      if (!index.fixed.some((e) => e.policy === policy))
        throw new EpisodeError(`this benchmark fixes no ${policy} episodes`);
    return;
  }
  const largest = maxShots(index);
  for (const shots of spec.shots) {
    for (const policy of spec.policies) {
      const problem = POLICIES[policy]?.checkShots(shots);
      if (problem) throw new EpisodeError(`policy ${policy} ${problem}`);
    }
    if (shots / 2 > largest / 2) {
      throw new EpisodeError(
        `${shots}-shot episodes need ${shots / 2} support images per class besides the query, but this benchmark supports at most ${largest} shots`,
      );
    }
  }
}

/**
 * How many episodes `buildEpisodes` would yield, with the same checks, without building them
 * (a submission is sized before it is queued).
 */
export function countEpisodes(index: BenchmarkIndex, spec: EpisodeSetSpec): number {
  checkEpisodeSet(index, spec);
  if (index.fixed) return fixedEpisodesOf(index, spec).length;
  return index.queries.length * spec.shots.length * spec.draws * spec.policies.length;
}

/**
 * Every episode of an evaluation, in a fixed order (query, shots, draw, policy). Checks all shot
 * counts against every query before building anything, so a refusal names the first problem
 * instead of failing half-way through a stream.
 */
export function* buildEpisodes(index: BenchmarkIndex, spec: EpisodeSetSpec): Generator<Episode> {
  checkEpisodeSet(index, spec);
  if (index.fixed) {
    for (const fixed of fixedEpisodesOf(index, spec)) yield buildFixedEpisode(index, fixed);
    return;
  }
  for (const query of index.queries) {
    for (const shots of spec.shots) {
      for (let draw = 0; draw < spec.draws; draw++) {
        for (const policy of spec.policies) {
          yield buildEpisode(index, { queryImageId: query.id, shots, draw, policy });
        }
      }
    }
  }
}

/** The most recent permutation: every job of a submission a runner takes asks for the same one. */
let lastOrder: { total: number; seed: number; order: Uint32Array } | undefined;

/**
 * A submission's send order: a permutation of [0, total) drawn from its seed (Fisher–Yates on
 * sfc32 seeded by SHA-256("episode-order|<seed>")), so any runner recomputes the same order from
 * the stored seed. Jobs are cut from it, so each job mixes shot counts, pairs and policies, and
 * how often a pair was shown before an episode is unrelated to the episode itself: the exposure
 * check (core's `exposureCheck`) relies on that. Indices only: 1 MB for 250,000 episodes.
 */
export function episodeOrder(total: number, seed: number): Uint32Array {
  if (lastOrder && lastOrder.total === total && lastOrder.seed === seed) return lastOrder.order;
  const order = new Uint32Array(total);
  for (let i = 0; i < total; i++) order[i] = i;
  const rng = Prng.fromKey(`episode-order|${seed}`);
  for (let i = total - 1; i > 0; i--) {
    const j = rng.nextInt(i + 1);
    const tmp = order[i] as number;
    order[i] = order[j] as number;
    order[j] = tmp;
  }
  lastOrder = { total, seed, order };
  return order;
}

/**
 * Episodes at positions `first` to `first + count - 1` of the evaluation: of `buildEpisodes(index,
 * spec)` itself without an `orderSeed`, else of its permutation by `episodeOrder`. Built directly
 * by index arithmetic: a job of a 250,000-episode submission builds its own 200, not every episode
 * before them.
 */
export function episodeRange(
  index: BenchmarkIndex,
  spec: EpisodeSetSpec,
  first: number,
  count: number,
): Episode[] {
  const total = countEpisodes(index, spec);
  const { shots, draws, policies } = spec;
  const order =
    spec.orderSeed === undefined || spec.orderSeed === null
      ? null
      : episodeOrder(total, spec.orderSeed);
  if (index.fixed) {
    const fixed = fixedEpisodesOf(index, spec);
    const range: Episode[] = [];
    for (let p = Math.max(0, first); p < Math.min(total, first + count); p++)
      range.push(buildFixedEpisode(index, fixed[order ? (order[p] as number) : p] as FixedEpisode));
    return range;
  }
  const out: Episode[] = [];
  for (let p = Math.max(0, first); p < Math.min(total, first + count); p++) {
    const i = order ? (order[p] as number) : p;
    const policy = policies[i % policies.length] as Episode['policy'];
    const draw = Math.floor(i / policies.length) % draws;
    const shot = shots[Math.floor(i / (policies.length * draws)) % shots.length] as number;
    const query = index.queries[Math.floor(i / (policies.length * draws * shots.length))];
    out.push(
      buildEpisode(index, {
        queryImageId: (query as { id: string }).id,
        shots: shot,
        draw,
        policy,
      }),
    );
  }
  return out;
}
