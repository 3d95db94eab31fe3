import { Prng } from '../prng';

/**
 * The exposure check: does a submission's accuracy rise with how often it had already been shown
 * the pair? An honest few-shot learner answers each episode from that episode's demonstrations
 * alone, so once the send order is a seeded permutation (core's `episodeOrder`) its correctness
 * cannot depend on how many episodes of the same pair came before. An endpoint that keeps what it
 * was shown across episodes (a running class mean of every support image, say) gets better the
 * more it has seen, which inflates every shot count alike and makes the accuracy-vs-shots curve
 * meaningless. The check regresses correctness on exposure within cells that hold everything of
 * an episode fixed but its draw of demonstrations (pair, shot count, policy and query image: see
 * `exposureStratum`), so that neither a pair's, a shot count's nor a query's difficulty can stand
 * in for exposure, one-sided, with the pairs as the independent units.
 */

/** Flagged when the one-sided p-value is below this: a board flag must not fire on honest rows. */
export const EXPOSURE_ALPHA = 0.001;

/**
 * The regressor: log2(1 + exposure), where exposure is the number of episodes of the same pair
 * sent earlier. Logarithmic because accumulation saturates: a running mean gains most from the
 * first few dozen episodes, which a linear scale over a few hundred would flatten. The slope is
 * then the accuracy gained per doubling of what was seen before.
 */
export function exposureScale(exposure: number): number {
  return Math.log2(1 + exposure);
}

/** Sufficient statistics of one pair × stratum cell: x is `exposureScale`, y is 1 when correct. */
export interface ExposureCell {
  /** The pair: the unit of the randomisation and of the clustered standard error. */
  cluster: string;
  /** What else the cell holds fixed (`exposureStratum`: shot count, policy, query image). */
  stratum: string;
  /** Tested answers in the cell, and their sums (y is 0 or 1). */
  n: number;
  sx: number;
  sy: number;
  sxx: number;
  sxy: number;
  /** Episodes of the cell's pair sent in all, tested or not: its exposures are 0 to sends − 1. */
  sends: number;
}

export interface ExposureCheck {
  /** Accuracy gained per doubling of prior exposure to the pair; null when there is no variation. */
  slope: number | null;
  /** The slope's cluster-robust (CR1, by pair) standard error; null with fewer than two pairs. */
  se: number | null;
  /**
   * One-sided p-value of "accuracy rises with exposure": the randomisation test of the seeded
   * order (see `exposureCheck`); null when no cell's answers vary.
   */
  pValue: number | null;
  /** Tested answers behind it, and the pairs they belong to. */
  n: number;
  clusters: number;
  /** p < EXPOSURE_ALPHA: accuracy grows with exposure. */
  flagged: boolean;
}

/**
 * The cell an answer is compared within, besides its pair: the episodes of one query image at one
 * shot count under one policy differ only in their draw of demonstrations, and the order alone
 * decides which of them came early. Holding the query fixed takes its difficulty out of the
 * comparison: over order seeds 1–20 of the exposure test the planted cheat's largest p-value fell
 * from 0.011 (pair × shot cells) to the test's floor of 1e-4. With one draw per query such a
 * cell holds one answer and compares nothing, so the query is left out of it: the choice follows
 * the evaluation's design, never its answers, and the test stays exact either way. The database
 * builds the same string (db's `exposureCellsOf`, held equal to this by its tests).
 */
export function exposureStratum(
  episode: { shots: number; policy: string; queryImageId: string },
  draws: number,
): string {
  const cell = `${episode.shots} ${episode.policy}`;
  return draws > 1 ? `${cell} ${episode.queryImageId}` : cell;
}

/** One episode as sent: its pair, when it was sent, and (for the episodes tested) whether it was right. */
export interface ExposureSend {
  episodeId: string;
  cluster: string;
  /** `exposureStratum` of the episode. */
  stratum: string;
  /** When its request was sent (any monotone clock: milliseconds, a sequence number). */
  sentAt: number;
  /** Null for an episode that counts as exposure but is not tested (a transport error). */
  correct: boolean | null;
}

/**
 * Cells from the episodes as sent: an episode's exposure is the number of episodes of its pair
 * sent before it (by send time, then episode id, compared as strings). What the database
 * computes from its stored results (db's `exposureCellsOf`: the same cells, in the same order, to
 * the same bits), for callers that hold the sends themselves (the exposure test over seeds).
 */
export function exposureCells(sends: readonly ExposureSend[]): ExposureCell[] {
  const ordered = [...sends].sort(
    (a, b) =>
      a.sentAt - b.sentAt || (a.episodeId < b.episodeId ? -1 : a.episodeId > b.episodeId ? 1 : 0),
  );
  const seen = new Map<string, number>();
  const cells = new Map<string, ExposureCell>();
  for (const send of ordered) {
    const exposure = seen.get(send.cluster) ?? 0;
    seen.set(send.cluster, exposure + 1);
    if (send.correct === null) continue;
    const key = `${send.cluster}\u0000${send.stratum}`;
    const cell = cells.get(key) ?? {
      cluster: send.cluster,
      stratum: send.stratum,
      n: 0,
      sx: 0,
      sy: 0,
      sxx: 0,
      sxy: 0,
      sends: 0,
    };
    tallyExposure(cell, exposure, send.correct);
    cells.set(key, cell);
  }
  for (const cell of cells.values()) cell.sends = seen.get(cell.cluster) ?? 0;
  return [...cells.values()];
}

/**
 * Adds one tested answer, given at `exposure`, to its cell's sums. A cell's answers are added in
 * the order they were sent (so with their exposures rising): floating-point sums depend on the
 * order, and the database's cells (db's `exposureCellsOf`) are summed the same way, to the same bits.
 */
export function tallyExposure(cell: ExposureCell, exposure: number, correct: boolean): void {
  const x = exposureScale(exposure);
  const y = correct ? 1 : 0;
  cell.n++;
  cell.sx += x;
  cell.sy += y;
  cell.sxx += x * x;
  cell.sxy += x * y;
}

/** Replicates of the randomisation test at most: its smallest p-value is 1 / 10,001. */
export const EXPOSURE_REPLICATES = 10_000;

/**
 * Exceedances after which the test stops early (Besag and Clifford's sequential Monte Carlo
 * p-value, h / replicates so far, as valid as the full run): an honest row with p near 0.5 costs
 * about 100 replicates instead of 10,000, and its p-value is still known to about 15%.
 */
const STOP_AFTER = 50;

/**
 * The within-cell least-squares slope of correctness on exposure, b = Σ x̃ỹ / Σ x̃² (x̃, ỹ centred
 * in their cell), with its CR1 cluster-robust standard error by pair.
 *
 * The p-value is the randomisation test the seeded order makes possible. Under "no memory across
 * episodes" each answer is fixed by its episode, and the order is a uniform permutation, so within
 * each pair the exposures 0 … m−1 fall on its m episodes in a uniformly random order, independently
 * across pairs. The statistic T = Σ ỹᵢ g(eᵢ) (g is `exposureScale`) is recomputed on replicates
 * that deal the exposures afresh in exactly that way, drawn from a fixed seed, and p is the share
 * of replicates at or above the observed T, counting the observed one. That is exact at any number
 * of pairs or answers: a normal approximation of T is not once the cells are small, since answers
 * that a cell agrees on carry no weight and a few discordant ones, one of them at exposure 0, can
 * make a single term dominate. Pairs are its units, so the answers about a pair may be as
 * correlated as they like, and no variance is estimated from two dozen pairs under the
 * alternative.
 */
export function exposureCheck(cells: readonly ExposureCell[]): ExposureCheck {
  let n = 0;
  let sxx = 0;
  let sxy = 0;
  const byCluster = new Map<
    string,
    { xx: number; xy: number; sends: number; tested: number; varying: ExposureCell[] }
  >();
  for (const cell of cells) {
    if (cell.n === 0) continue;
    n += cell.n;
    const xx = Math.max(0, cell.sxx - (cell.sx * cell.sx) / cell.n);
    const xy = cell.sxy - (cell.sx * cell.sy) / cell.n;
    sxx += xx;
    sxy += xy;
    const c = byCluster.get(cell.cluster) ?? { xx: 0, xy: 0, sends: 0, tested: 0, varying: [] };
    c.xx += xx;
    c.xy += xy;
    c.tested += cell.n;
    c.sends = Math.max(c.sends, cell.sends, c.tested);
    // A cell whose answers all agree adds nothing to T however its exposures fall.
    if (cell.sy > 0 && cell.sy < cell.n) c.varying.push(cell);
    byCluster.set(cell.cluster, c);
  }
  const clusters = byCluster.size;
  const empty = { slope: null, se: null, pValue: null, n, clusters, flagged: false };
  if (sxx <= 1e-12) return empty;
  const slope = sxy / sxx;
  let scores = 0;
  for (const c of byCluster.values()) scores += (c.xy - slope * c.xx) ** 2;
  const se = clusters >= 2 ? Math.sqrt((clusters / (clusters - 1)) * scores) / sxx : null;
  const varying = [...byCluster.values()].filter((c) => c.varying.length > 0);
  if (varying.length === 0) return { ...empty, slope, se };
  const pValue = randomisationPValue(varying, sxy);
  return { slope, se, pValue, n, clusters, flagged: pValue < EXPOSURE_ALPHA };
}

/**
 * P(T ≥ observed) over random orders: per replicate and pair, a partial Fisher–Yates deals
 * distinct exposures out of 0 … sends−1 to the answers of its varying cells, weighted by their
 * centred values, 1 − ȳ (right) or −ȳ (wrong); the pair's other episodes take the rest, which T
 * ignores. Flat typed arrays and the rejection bound per slot precomputed: all 10,000 replicates
 * of the default ranked setting's 6,144 answers are 61 million draws (seconds, once).
 */
function randomisationPValue(
  clusters: readonly { sends: number; varying: ExposureCell[] }[],
  observed: number,
): number {
  let largest = 0;
  for (const c of clusters) largest = Math.max(largest, c.sends);
  const scale = new Float64Array(largest);
  for (let k = 0; k < largest; k++) scale[k] = exposureScale(k);
  const dealt = clusters.map((c) => {
    const deck = new Uint32Array(c.sends);
    for (let k = 0; k < c.sends; k++) deck[k] = k;
    const weights: number[] = [];
    for (const cell of c.varying) {
      const mean = cell.sy / cell.n;
      for (let j = 0; j < cell.n; j++) weights.push(j < cell.sy ? 1 - mean : -mean);
    }
    // Prng.nextInt's rejection sampling, its bound per slot computed once: draws below it are unbiased.
    const bounds = new Float64Array(weights.length);
    for (let j = 0; j < weights.length; j++) bounds[j] = 2 ** 32 - (2 ** 32 % (c.sends - j));
    return { sends: c.sends, deck, weights: Float64Array.from(weights), bounds };
  });
  // Sums of T's terms round differently from the observed sums: ties must count as ties.
  const threshold = observed - 1e-9 * (1 + Math.abs(observed));
  const rng = Prng.fromKey('exposure-check');
  let exceed = 0;
  for (let replicate = 1; replicate <= EXPOSURE_REPLICATES; replicate++) {
    let t = 0;
    for (const { sends, deck, weights, bounds } of dealt) {
      // Continuing from the last replicate's arrangement is as uniform as starting afresh.
      for (let slot = 0; slot < weights.length; slot++) {
        const bound = bounds[slot] as number;
        let x = rng.nextUint32();
        while (x >= bound) x = rng.nextUint32();
        const pick = slot + (x % (sends - slot));
        const exposure = deck[pick] as number;
        deck[pick] = deck[slot] as number;
        deck[slot] = exposure;
        t += (weights[slot] as number) * (scale[exposure] as number);
      }
    }
    if (t >= threshold && ++exceed === STOP_AFTER) return STOP_AFTER / replicate;
  }
  return (exceed + 1) / (EXPOSURE_REPLICATES + 1);
}
