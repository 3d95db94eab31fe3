import { normalCdf } from './ranking';

/**
 * The exposure check: does a submission's accuracy rise with how often it had already been shown
 * the pair? An honest few-shot learner answers each episode from that episode's demonstrations
 * alone, so once the send order is a seeded permutation (core's `episodeOrder`) its correctness
 * cannot depend on how many episodes of the same pair came before. An endpoint that keeps what it
 * was shown across episodes (a running class mean of every support image, say) gets better the
 * more it has seen, which inflates every shot count alike and makes the accuracy-vs-shots curve
 * meaningless. The check regresses correctness on exposure within each pair × shot-count cell
 * (so neither a pair's difficulty nor the shot count can stand in for exposure), one-sided, with
 * the pairs as the independent units.
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
  /** The shot count (and anything else the cell holds fixed). */
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
  /** One-sided p-value of "accuracy rises with exposure", from the randomised order (see below). */
  pValue: number | null;
  /** Tested answers behind it, and the pairs they belong to. */
  n: number;
  clusters: number;
  /** p < EXPOSURE_ALPHA: accuracy grows with exposure. */
  flagged: boolean;
}

/** One episode as sent: its pair, when it was sent, and (for the episodes tested) whether it was right. */
export interface ExposureSend {
  episodeId: string;
  cluster: string;
  stratum: string;
  /** When its request was sent (any monotone clock: milliseconds, a sequence number). */
  sentAt: number;
  /** Null for an episode that counts as exposure but is not tested (another policy, an error). */
  correct: boolean | null;
}

/**
 * Cells from the episodes as sent: an episode's exposure is the number of episodes of its pair
 * sent before it (by send time, then episode id). What the database computes in SQL, for callers
 * that hold the sends themselves (the exposure test over seeds).
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
    const x = exposureScale(exposure);
    const y = send.correct ? 1 : 0;
    cell.n++;
    cell.sx += x;
    cell.sy += y;
    cell.sxx += x * x;
    cell.sxy += x * y;
    cells.set(key, cell);
  }
  for (const cell of cells.values()) cell.sends = seen.get(cell.cluster) ?? 0;
  return [...cells.values()];
}

/**
 * The within-cell least-squares slope of correctness on exposure, b = Σ x̃ỹ / Σ x̃² (x̃, ỹ centred
 * in their pair × stratum cell), with its CR1 cluster-robust standard error by pair.
 *
 * The p-value is the randomisation test the seeded order makes possible. Under "no memory across
 * episodes" each answer is fixed by its episode, and the order is a uniform permutation, so within
 * each pair the exposures 0 … m−1 fall on its m episodes in a uniformly random order, independently
 * across pairs. T = Σ ỹᵢ g(eᵢ) then has mean 0 and the exact variance
 * Σ_pairs Σ ỹᵢ² · Σₖ (g(k) − ḡ)² / (m − 1) (a linear permutation statistic), and z = T / √Var is
 * referred to the normal (Hoeffding's combinatorial limit theorem). Pairs are its units, so the
 * answers about a pair may be as correlated as they like. It is far more powerful than a t test
 * on the clustered standard error with two dozen pairs (18 of 20 order seeds against 6 of 20 on
 * the planted cheat, with no false flags either way), because it needs no variance estimated
 * from those few pairs under the alternative.
 */
export function exposureCheck(cells: readonly ExposureCell[]): ExposureCheck {
  let n = 0;
  let sxx = 0;
  let sxy = 0;
  const byCluster = new Map<string, { xx: number; xy: number; yy: number; sends: number }>();
  for (const cell of cells) {
    if (cell.n === 0) continue;
    n += cell.n;
    const xx = Math.max(0, cell.sxx - (cell.sx * cell.sx) / cell.n);
    const xy = cell.sxy - (cell.sx * cell.sy) / cell.n;
    // Σ(y − ȳ)² of 0/1 answers.
    const yy = Math.max(0, cell.sy - (cell.sy * cell.sy) / cell.n);
    sxx += xx;
    sxy += xy;
    const c = byCluster.get(cell.cluster) ?? { xx: 0, xy: 0, yy: 0, sends: 0 };
    c.xx += xx;
    c.xy += xy;
    c.yy += yy;
    c.sends = Math.max(c.sends, cell.sends, cell.n);
    byCluster.set(cell.cluster, c);
  }
  const clusters = byCluster.size;
  const empty = { slope: null, se: null, pValue: null, n, clusters, flagged: false };
  if (sxx <= 1e-12) return empty;
  const slope = sxy / sxx;
  let scores = 0;
  let variance = 0;
  for (const c of byCluster.values()) {
    scores += (c.xy - slope * c.xx) ** 2;
    if (c.sends > 1) variance += (c.yy * exposureSpread(c.sends)) / (c.sends - 1);
  }
  const se = clusters >= 2 ? Math.sqrt((clusters / (clusters - 1)) * scores) / sxx : null;
  if (variance <= 1e-12) return { ...empty, slope, se };
  // Clamped: far in the tail the subtraction can round below zero.
  const pValue = Math.max(0, 1 - normalCdf(sxy / Math.sqrt(variance)));
  return { slope, se, pValue, n, clusters, flagged: pValue < EXPOSURE_ALPHA };
}

/** Σₖ (g(k) − ḡ)² over the exposures 0 … m−1 of a pair sent m times. */
function exposureSpread(m: number): number {
  let sum = 0;
  let squares = 0;
  for (let k = 0; k < m; k++) {
    const g = exposureScale(k);
    sum += g;
    squares += g * g;
  }
  return Math.max(0, squares - (sum * sum) / m);
}
