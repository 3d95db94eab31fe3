import type { PolicyName } from '../policy';
import { type RankedSetting, unrankedReason } from '../ranked-setting';
import {
  clusteredDifference,
  clusteredShare,
  type LearningCurve,
  learningCurve,
  type ShotTally,
} from './clustered';
import type { ExposureCheck } from './exposure';
import { wilsonInterval } from './intervals';
import { type ClusterCounts, rankWithUncertainty } from './ranking';

/** Correct answers out of n. */
export interface Counts {
  correct: number;
  n: number;
}

/** Accuracy of counts; null when there is nothing to count (no answers is no evidence, not 0%). */
export function accuracyOf(counts: Counts | null | undefined): number | null {
  return counts && counts.n > 0 ? counts.correct / counts.n : null;
}

/**
 * The two policies link gain compares: with causal links, and plain in-context learning on the same
 * demonstrations. A submission that runs both gets a link gain.
 */
export const LINK_GAIN_POLICIES = { linked: 'lcl', plain: 'icl' } as const satisfies Record<
  string,
  PolicyName
>;

/**
 * The label-flip control shown beside link gain: its accuracy is the share of answers that follow
 * the flipped demonstrations (name the label they gave the query's class, not its true name).
 */
export const FLIP_POLICY = 'flip' as const satisfies PolicyName;

/** Accuracy with its Wilson 95% interval; all null when there is nothing to count. */
export function accuracyWithInterval(counts: Counts): {
  accuracy: number | null;
  low: number | null;
  high: number | null;
} {
  const interval = wilsonInterval(counts.correct, counts.n);
  return { accuracy: accuracyOf(counts), low: interval?.low ?? null, high: interval?.high ?? null };
}

/**
 * Link gain: what the causal links add over plain in-context learning, as the LCL accuracy minus
 * the ICL accuracy on the same episodes' grouping (one shot count, or pooled over a submission's
 * shot counts, which both policies share). Null unless both ran. The one definition: the per-shot
 * report and the leaderboard both use it.
 */
export function linkGainOf(
  lcl: Counts | null | undefined,
  icl: Counts | null | undefined,
): number | null {
  const a = accuracyOf(lcl);
  const b = accuracyOf(icl);
  return a !== null && b !== null ? a - b : null;
}

/** What the database keeps of one submission under one scorer: counts only. */
export interface BoardInput {
  submissionId: number;
  /** What it ran. */
  shots: readonly number[];
  draws: number;
  policies: readonly PolicyName[];
  /** Run by a platform runner; false for uploaded (self-reported) predictions. */
  verified: boolean;
  /** Over everything it ran under the board's policy (the per-shot columns, novel accuracy). */
  n: number;
  correct: number;
  /** Answers that named neither label or nothing: the parse failures. */
  unreadable: number;
  novel: Counts;
  perShot: Record<number, Counts>;
  /** Per cluster (the benchmark's pairs), over the ranked setting's episodes only, by policy. */
  clusters: Partial<Record<PolicyName, ClusterCounts[]>>;
  /**
   * Per cluster and shot count, under the board's policy at the ranked setting's shot counts: the
   * learning curve's slope is fitted on these. Absent: no slope.
   */
  shotClusters?: readonly ShotTally[];
  /** The model asked of the platform's reference server, if that is where it ran. */
  referenceModel?: string | null;
  /** Its exposure check, stored when it finished; null or absent for one finished before. */
  exposure?: ExposureCheck | null;
}

/**
 * A board row's statistics; its learning curve (`LearningCurve`: slope per doubling of the shots
 * with its clustered interval and one-sided p, area, shots to reach the threshold) is over the
 * ranked setting's shot counts.
 */
export interface BoardStatistics extends LearningCurve {
  /** Ranked on the version's setting; otherwise listed apart with the reason. */
  ranked: boolean;
  unrankedReason: string | null;
  verified: boolean;
  /** Episodes behind `accuracy`: the ranked setting's when ranked, else all it ran. */
  n: number;
  accuracy: number | null;
  /** Clustered interval (CR2 standard error, t with C − 1 df; ranked rows only). */
  low: number | null;
  high: number | null;
  /** Best and worst rank in the middle 95% of joint replicates (ranked rows only). */
  rankLow: number | null;
  rankHigh: number | null;
  tier: number | null;
  /** Accuracy per shot count, over everything it ran. */
  perShot: Record<number, number | null>;
  novelAccuracy: number | null;
  parseFailureRate: number | null;
  /** LCL − ICL on the ranked setting's paired episodes, with a clustered interval; else null. */
  linkGain: number | null;
  linkGainLow: number | null;
  linkGainHigh: number | null;
  /**
   * Accuracy under the flip control on the ranked setting's episodes (the share of answers that
   * follow the flipped demonstrations); null when the submission ran no flip episodes there.
   */
  flipAccuracy: number | null;
  /** Its clustered interval (the one method); null without flip episodes or with one cluster. */
  flipLow: number | null;
  flipHigh: number | null;
  /** Accuracy grows with exposure to the pair (core's `exposureCheck`, p < EXPOSURE_ALPHA). */
  exposureFlagged: boolean;
  /** Accuracy gained per doubling of prior exposure, and its one-sided p; null when not checked. */
  exposureSlope: number | null;
  exposurePValue: number | null;
}

export type BoardRow<T extends BoardInput> = Omit<
  T,
  | 'perShot'
  | 'novel'
  | 'clusters'
  | 'shotClusters'
  | 'unreadable'
  | 'correct'
  | 'n'
  | 'shots'
  | 'draws'
  | 'policies'
  | 'referenceModel'
  | 'exposure'
> &
  BoardStatistics;

/** How the board ranks, for its About text (and the API's). */
export const RANKING_METHOD =
  'Ranked rows ran the version’s whole ranked setting (shots, draws, policy) and are scored on ' +
  'exactly that; extra shots or draws are shown, not pooled into the rank. Every interval (the ' +
  'headline, the per-shot bands, link gain, comparisons, the learning-curve slope) is a 95% ' +
  'cluster-robust interval over pairs (a novel concept and its look-alike), not episodes: ' +
  'answers about one pair share their demonstrations and are correlated. With 12 to 30 pairs a ' +
  'percentile bootstrap is too narrow, so the standard error carries the CR2 small-sample ' +
  'correction and the interval uses Student’s t with one degree of freedom fewer than the pairs ' +
  '(a share’s interval on the logit scale); simulated boards like these cover the true value ' +
  '94–95% of the time at 12 and 24 pairs, where the percentile bootstrap covered 90–92%. Rank ranges come from ' +
  'a joint bootstrap: every replicate resamples the same pairs for every model, and a model’s ' +
  'range is the middle 95% of its ranks (1 + the number ' +
  'of models strictly more accurate). In order of accuracy, a model whose best rank is worse ' +
  'than the tier leader’s worst rank starts the next tier. Link gain is LCL minus ICL on the ' +
  'same episodes, with a cluster-robust interval. Flip accuracy is a control, never ranked: the ' +
  'share of answers that follow demonstrations whose two labels were swapped. Episodes are sent ' +
  'in a seeded random order; a row is flagged when its accuracy grows with how many episodes ' +
  'of the same pair it had been sent before (comparing answers to the same query at the same ' +
  'shot count and policy; one-sided p < 0.001 from the randomised order): a sign of an ' +
  'endpoint that remembers ' +
  'across episodes.';

/**
 * The leaderboard from counts: which rows rank (the whole ranked setting, verified unless
 * self-reported rows are asked for) and their statistics; ranked rows first, by accuracy.
 */
/**
 * Why a row the exposure check flags is listed but not ranked: its accuracy grew with how often
 * the endpoint had been sent the pair before, which a model answering each request on its own
 * cannot show; an endpoint that remembers earlier requests can.
 */
export const EXPOSURE_UNRANKED =
  'its accuracy grew with how many episodes of each pair it had been sent before (exposure check): an endpoint that remembers earlier requests';

export function buildBoard<T extends BoardInput>(
  rows: readonly T[],
  setting: Pick<RankedSetting, 'shots' | 'draws' | 'policy'>,
  options: { includeSelfReported?: boolean; seed?: string; replicates?: number } = {},
): BoardRow<T>[] {
  const reasons = rows.map(
    (row) =>
      unrankedReason(row, setting) ??
      (row.exposure?.flagged ? EXPOSURE_UNRANKED : null) ??
      (row.verified || options.includeSelfReported ? null : 'self-reported (uploaded predictions)'),
  );
  const rankable = rows.filter((_, i) => reasons[i] === null);
  const ranking = new Map(
    rankWithUncertainty(
      rankable.map((row) => ({ model: row, clusters: row.clusters[setting.policy] ?? [] })),
      { seed: options.seed, replicates: options.replicates },
    ).map((r) => [r.model, r]),
  );
  const out = rows.map((row, i) => {
    const {
      perShot,
      novel,
      clusters,
      shotClusters,
      unreadable,
      correct,
      n,
      shots,
      draws,
      policies,
      referenceModel,
      exposure,
      ...rest
    } = row;
    const ranked = ranking.get(row);
    const own = ranked ? (clusters[setting.policy] ?? []) : [];
    const curve = learningCurve(shotClusters ?? [], setting.shots);
    const gain = ranked ? pairedLinkGain(clusters) : null;
    return {
      ...rest,
      ranked: ranked !== undefined,
      unrankedReason: reasons[i] ?? null,
      verified: row.verified,
      n: ranked ? own.reduce((s, c) => s + c.n, 0) : n,
      accuracy: ranked ? ranked.estimate.accuracy : accuracyOf({ correct, n }),
      low: ranked?.estimate.low ?? null,
      high: ranked?.estimate.high ?? null,
      rankLow: ranked?.rankLow ?? null,
      rankHigh: ranked?.rankHigh ?? null,
      tier: ranked?.tier ?? null,
      perShot: Object.fromEntries(
        Object.entries(perShot).map(([s, counts]) => [Number(s), accuracyOf(counts)]),
      ),
      novelAccuracy: accuracyOf(novel),
      parseFailureRate: n > 0 ? unreadable / n : null,
      linkGain: gain?.estimate ?? null,
      linkGainLow: gain?.low ?? null,
      linkGainHigh: gain?.high ?? null,
      ...flipOf(clusters),
      ...curve,
      exposureFlagged: exposure?.flagged === true,
      exposureSlope: exposure?.slope ?? null,
      exposurePValue: exposure?.pValue ?? null,
    };
  });
  const order = (r: (typeof out)[number]) => [r.ranked ? 0 : 1, -(r.accuracy ?? -1)] as const;
  // TypeScript cannot see that removing the counts from T and adding the statistics is this type.
  return out.sort((a, b) => {
    const [x, y] = [order(a), order(b)];
    return x[0] - y[0] || x[1] - y[1];
  }) as unknown as BoardRow<T>[];
}

/**
 * Link gain on paired episodes: both policies answered the same episodes of every concept (the
 * same counts per cluster), or there is no link gain to report.
 */
function pairedLinkGain(clusters: BoardInput['clusters']) {
  const linked = clusters[LINK_GAIN_POLICIES.linked];
  const plain = clusters[LINK_GAIN_POLICIES.plain];
  if (!linked?.length || !plain?.length || linked.length !== plain.length) return null;
  const byCluster = new Map(plain.map((c) => [c.cluster, c]));
  const paired = [];
  for (const c of linked) {
    const other = byCluster.get(c.cluster);
    if (!other || other.n !== c.n) return null;
    paired.push({ cluster: c.cluster, n: c.n, diff: c.correct - other.correct });
  }
  return clusteredDifference(paired);
}

/** Flip accuracy pooled over the clusters (the ranked setting's episodes) with its interval; nulls without any. */
function flipOf(clusters: BoardInput['clusters']) {
  const flip = clusteredShare(clusters[FLIP_POLICY] ?? []);
  return { flipAccuracy: flip.estimate, flipLow: flip.low, flipHigh: flip.high };
}
