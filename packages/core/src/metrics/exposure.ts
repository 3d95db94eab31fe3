/**
 * The exposure check: does a submission's accuracy rise with how often it had already been shown
 * the pair? An honest few-shot learner answers each episode from that episode's demonstrations
 * alone, so once the send order is a seeded permutation (core's `episodeOrder`) its correctness
 * cannot depend on how many episodes of the same pair came before. An endpoint that keeps what it
 * was shown across episodes (a running class mean of every support image, say) gets better the
 * more it has seen, which inflates every shot count alike and makes the accuracy-vs-shots curve
 * meaningless. The check regresses correctness on exposure within each pair × shot-count cell
 * (so neither a pair's difficulty nor the shot count can stand in for exposure), with standard
 * errors clustered by pair (answers about one pair share their support images), one-sided.
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
  /** The pair: what standard errors are clustered by. */
  cluster: string;
  /** The shot count (and anything else the cell holds fixed). */
  stratum: string;
  n: number;
  sx: number;
  sy: number;
  sxx: number;
  sxy: number;
}

export interface ExposureCheck {
  /** Accuracy gained per doubling of prior exposure to the pair; null when there is no variation. */
  slope: number | null;
  se: number | null;
  /** One-sided p-value of "accuracy rises with exposure" (Student t, clusters − 1 df). */
  pValue: number | null;
  /** Scored answers behind it, and the pairs they cluster into. */
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
  return [...cells.values()];
}

/**
 * The within-cell least-squares slope of correctness on exposure, Σ x̃ỹ / Σ x̃² (x̃, ỹ centred in
 * their pair × stratum cell), with the CR1 cluster-robust variance C/(C−1) · Σ_c (Σ_{i∈c} x̃ᵢeᵢ)² /
 * (Σ x̃²)² and a Student t reference with C − 1 degrees of freedom, which keeps the false-flag
 * rate near its nominal level with the few pairs a benchmark has.
 */
export function exposureCheck(cells: readonly ExposureCell[]): ExposureCheck {
  let n = 0;
  let sxx = 0;
  let sxy = 0;
  const byCluster = new Map<string, { xx: number; xy: number }>();
  for (const cell of cells) {
    if (cell.n === 0) continue;
    n += cell.n;
    const xx = Math.max(0, cell.sxx - (cell.sx * cell.sx) / cell.n);
    const xy = cell.sxy - (cell.sx * cell.sy) / cell.n;
    sxx += xx;
    sxy += xy;
    const c = byCluster.get(cell.cluster) ?? { xx: 0, xy: 0 };
    c.xx += xx;
    c.xy += xy;
    byCluster.set(cell.cluster, c);
  }
  const clusters = byCluster.size;
  const empty = { slope: null, se: null, pValue: null, n, clusters, flagged: false };
  if (sxx <= 1e-12) return empty;
  const slope = sxy / sxx;
  if (clusters < 2) return { ...empty, slope };
  let scores = 0;
  for (const c of byCluster.values()) scores += (c.xy - slope * c.xx) ** 2;
  const se = Math.sqrt((clusters / (clusters - 1)) * scores) / sxx;
  const pValue =
    se > 0 ? studentTUpper(slope / se, clusters - 1) : slope > 0 ? 0 : slope < 0 ? 1 : 0.5;
  return { slope, se, pValue, n, clusters, flagged: pValue < EXPOSURE_ALPHA };
}

/** P(T > t) for Student's t with `df` degrees of freedom. */
export function studentTUpper(t: number, df: number): number {
  const tail = 0.5 * regularizedBeta(df / (df + t * t), df / 2, 0.5);
  return t >= 0 ? tail : 1 - tail;
}

/** I_x(a, b), by the continued fraction of Numerical Recipes (betacf), to about 1e-12. */
function regularizedBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(
    logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log(1 - x),
  );
  // The fraction converges fast only below the mean; above it, use the symmetry I_x(a,b) = 1 − I_{1−x}(b,a).
  if (x < (a + 1) / (a + b + 2)) return (front * betaFraction(x, a, b)) / a;
  return 1 - (front * betaFraction(1 - x, b, a)) / b;
}

function betaFraction(x: number, a: number, b: number): number {
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 300; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((a - 1 + m2) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + 1 + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < 1e-14) break;
  }
  return h;
}

/** ln Γ(x) for x > 0 (Lanczos, g = 7, n = 9): relative error below 1e-14. */
function logGamma(x: number): number {
  const g = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313,
    -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6,
    1.5056327351493116e-7,
  ];
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - logGamma(1 - x);
  const z = x - 1;
  let sum = g[0] as number;
  for (let i = 1; i < 9; i++) sum += (g[i] as number) / (z + i);
  const t = z + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(sum);
}
