import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, hexToBytes, utf8ToBytes } from '@noble/hashes/utils.js';
import { sha256Hex } from './hash';
import { Z95 } from './metrics/intervals';
import { Prng } from './prng';
import { NEVER_RANKED_REFERENCE_MODELS } from './ranked-setting';

/**
 * The ranked draw's secrets. A ranked run is drawn fresh for each submission from a deployment's
 * key (32 bytes from a CSPRNG, never served): every random choice of the run (concepts, names,
 * images, which episodes are `flip`, the order they are sent in, episode ids) is a keyed PRF
 * (HMAC-SHA256) of that key, the submission and what is being decided. Unlike an integer seed,
 * nothing an endpoint sees narrows the key down to a set that could be searched.
 */

/** The `origin.generator` of a ranked draw's manifest: a run's own benchmark version. */
export const RANKED_DRAW_GENERATOR = 'isekai-synth-ranked';

/** The benchmark every ranked draw belongs to, named after its generator. */
export const RANKED_BENCHMARK = RANKED_DRAW_GENERATOR;

/**
 * The ranked board's version: the draws it pools are identically distributed (one generator, one
 * scoring), which is what lets a model's runs be summed. A change to either is a new board.
 */
export const RANKED_BOARD_VERSION = '1';

/** The ranked board in the `name@version` scheme: `isekai-synth-ranked@1`. */
export const RANKED_BOARD = `${RANKED_BENCHMARK}@${RANKED_BOARD_VERSION}`;

/**
 * One run's draw as a version of the board's benchmark: the board's version and the first 16 hex
 * of the draw's commitment (`1+3f2a…`), so `isekai-synth-ranked@1+3f2a…` names the run's draw.
 */
export const rankedDrawVersion = (commitment: string) =>
  `${RANKED_BOARD_VERSION}+${commitment.slice(0, 16)}`;

/** Whether a manifest is one ranked run's draw (its images are rendered, never stored). */
export const isRankedDraw = (manifest: { origin?: Record<string, unknown> }) =>
  manifest.origin?.generator === RANKED_DRAW_GENERATOR;

/** 64 lower-case hex characters: the form a key and a draw's seed are kept in. */
export const SECRET_HEX = /^[0-9a-f]{64}$/;

/** HMAC-SHA256 of `parts` (joined by "|") under a 32-byte secret given as hex; hex out. */
export function keyedPrf(secretHex: string, ...parts: readonly (string | number)[]): string {
  if (!SECRET_HEX.test(secretHex))
    throw new RangeError('keyedPrf: the secret must be 64 lower-case hex characters (32 bytes)');
  return bytesToHex(hmac(sha256, hexToBytes(secretHex), utf8ToBytes(parts.join('|'))));
}

/** A generator seeded by the keyed PRF: 128 bits of state from the HMAC. */
export const keyedPrng = (secretHex: string, ...parts: readonly (string | number)[]) =>
  new Prng(keyedPrf(secretHex, ...parts));

/**
 * A key's public name, stored on every ranked submission so that a rotated key is told apart.
 * A hash of the key under its own label: it names the key without telling anything of it.
 */
export const rankedKeyId = (keyHex: string) =>
  `k${keyedPrf(keyHex, 'linkboard key id').slice(0, 12)}`;

/**
 * The seed of one submission's draw: the PRF of the key and the submission. Kept secret while the
 * run is open and revealed when it ends, so that anyone can regenerate the run from it with the
 * public generator; the key itself stays secret, so no other run's seed follows from it.
 */
export const drawSeed = (keyHex: string, submission: string | number) =>
  keyedPrf(keyHex, 'ranked draw', submission);

/** What a submission shows at creation: a commitment to its seed, checked on reveal. */
export const drawCommitment = (seedHex: string) => sha256Hex(`linkboard ranked draw|${seedHex}`);

export interface PolicyCounts {
  correct: number;
  n: number;
}

/** Rows of any grain (per shot, per episode) summed into lcl and flip counts; other policies ignored. */
export function policyTotals(rows: readonly { policy: string; correct: number; n: number }[]): {
  lcl: PolicyCounts;
  flip: PolicyCounts;
} {
  const totals = { lcl: { correct: 0, n: 0 }, flip: { correct: 0, n: 0 } };
  for (const r of rows) {
    const t = r.policy === 'lcl' || r.policy === 'flip' ? totals[r.policy] : null;
    if (!t) continue;
    t.correct += r.correct;
    t.n += r.n;
  }
  return totals;
}

export interface RankedScore {
  /** The mean of lcl and flip accuracy: 0.5 for any answer that ignores the demonstrations. */
  score: number;
  low: number;
  high: number;
  lclAccuracy: number | null;
  flipAccuracy: number | null;
}

/**
 * The ranked figure: the mean of `lcl` and `flip` accuracy, with a 95% interval. A flip episode is
 * drawn exactly as an lcl one but for which name the demonstrations give which side, so an answer
 * that does not read them is right on one exactly when it would be wrong on the other: in
 * expectation such an answer scores 50%, whatever it knows.
 *
 * Each episode has a concept of its own, so episodes are independent and the two accuracies are
 * independent binomials: the interval is the normal one for their mean with each proportion
 * shrunk by one success and one failure (Agresti and Caffo's adjustment, which keeps coverage
 * near 95% at small n and at the edges, where the plain Wald interval does not). Null when either
 * policy has no answered episode.
 */
export function rankedScore(lcl: PolicyCounts, flip: PolicyCounts, z = Z95): RankedScore | null {
  if (lcl.n <= 0 || flip.n <= 0) return null;
  const p = (c: PolicyCounts) => c.correct / c.n;
  const shrunk = (c: PolicyCounts) => (c.correct + 1) / (c.n + 2);
  const variance = (c: PolicyCounts) => (shrunk(c) * (1 - shrunk(c))) / (c.n + 2);
  const centre = (shrunk(lcl) + shrunk(flip)) / 2;
  const half = (z * Math.sqrt(variance(lcl) + variance(flip))) / 2;
  return {
    score: (p(lcl) + p(flip)) / 2,
    low: Math.max(0, centre - half),
    high: Math.min(1, centre + half),
    lclAccuracy: p(lcl),
    flipAccuracy: p(flip),
  };
}

/**
 * Episodes per policy for a target half-width of the score's interval at a score near 50% (the
 * worst case): z·½·√(¼/n + ¼/n) ≤ halfWidth.
 */
export function rankedEpisodesPerPolicy(halfWidth: number, z = Z95): number {
  if (!(halfWidth > 0 && halfWidth < 0.5))
    throw new RangeError(
      `rankedEpisodesPerPolicy: half-width must be in (0, 0.5), got ${halfWidth}`,
    );
  return Math.ceil((z * z * 0.5) / (4 * halfWidth * halfWidth));
}

/** Checks that `seed` is the one `commitment` was made to (what `linkboard verify` does first). */
export const commitmentHolds = (seedHex: string, commitment: string) =>
  SECRET_HEX.test(seedHex) && drawCommitment(seedHex) === commitment;

/**
 * A row of the ranked board as it is read: a model's ranked runs pooled (the database sums their
 * lcl and flip counts per shot count), or one run.
 */
export interface RankedRunInput {
  perShot: readonly { shots: number; lcl: PolicyCounts; flip: PolicyCounts }[];
  /** The models its runs asked the platform's reference server for, if any. */
  referenceModels?: readonly string[];
}

export type RankedBoardRow<T> = T & {
  lcl: PolicyCounts;
  flip: PolicyCounts;
  score: RankedScore | null;
  /** Why it is listed but not ranked (a planted reference model); null when ranked. */
  unranked: string | null;
  /** Its best and worst rank among the ranked rows, from the intervals; null when unranked. */
  rankLow: number | null;
  rankHigh: number | null;
};

/**
 * The ranked board: each row's score over all its shot counts, ranked rows first by score. A
 * rank is a range: a row is surely above another when its interval lies wholly above the
 * other's, so its best rank is one more than the rows surely above it and its worst is the count
 * of rows not surely below it. Reference models that are there to be caught are listed, never
 * ranked, and so is a row any of whose runs asked for one: pooled with a planted run, a model's
 * own runs would carry its score.
 */
export function buildRankedBoard<T extends RankedRunInput>(
  runs: readonly T[],
): RankedBoardRow<T>[] {
  const sum = (of: 'lcl' | 'flip', run: T) =>
    run.perShot.reduce(
      (acc, cell) => ({ correct: acc.correct + cell[of].correct, n: acc.n + cell[of].n }),
      { correct: 0, n: 0 },
    );
  const rows = runs.map((run) => {
    const lcl = sum('lcl', run);
    const flip = sum('flip', run);
    const score = rankedScore(lcl, flip);
    const planted = (run.referenceModels ?? [])
      .map((model) => NEVER_RANKED_REFERENCE_MODELS[model])
      .find((reason) => reason !== undefined);
    const unranked = planted ?? (score ? null : 'no answered episodes of both policies');
    return {
      ...run,
      lcl,
      flip,
      score,
      unranked,
      rankLow: null,
      rankHigh: null,
    } as RankedBoardRow<T>;
  });
  const ranked = rows.filter((r) => r.unranked === null && r.score);
  // Counted by binary search in the sorted ends, not by comparing every pair of rows (a board of
  // thousands of rows would cost millions of comparisons per read).
  const lows = Float64Array.from(ranked, (r) => (r.score as RankedScore).low).sort();
  const highs = Float64Array.from(ranked, (r) => (r.score as RankedScore).high).sort();
  // An end that is NaN (from counts no run should have) sorts last and compares with nothing.
  let comparableLows = lows.length;
  while (comparableLows > 0 && Number.isNaN(lows[comparableLows - 1])) comparableLows--;
  for (const row of ranked) {
    const me = row.score as RankedScore;
    // A row is never above or below itself, though counts no run should have can put its low end
    // above its high one: take it off the counts then.
    const itself = me.low > me.high ? 1 : 0;
    const above = comparableLows - countAtMost(lows, comparableLows, me.high) - itself;
    const below = countBelow(highs, me.low) - itself;
    row.rankLow = 1 + above;
    row.rankHigh = ranked.length - below;
  }
  const key = (r: RankedBoardRow<T>) => (r.unranked === null ? 0 : 1);
  return rows.sort((a, b) => key(a) - key(b) || (b.score?.score ?? -1) - (a.score?.score ?? -1));
}

/** How many of the first `end` of ascending `sorted` are at most `value` (all of them for NaN). */
function countAtMost(sorted: Float64Array, end: number, value: number): number {
  let lo = 0;
  let hi = end;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((sorted[mid] as number) > value) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** How many of ascending `sorted` (NaN last) are less than `value`. */
function countBelow(sorted: Float64Array, value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((sorted[mid] as number) < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
