import type { LearningCurve } from './clustered';
import type { BoardStatistics } from './leaderboard';

/**
 * What a hidden test split shows: shares rounded to whole percents. A submitter who controls an
 * endpoint can send two runs that differ in one answer; with exact counts the difference would
 * say whether that answer was right, and on a two-way task that is the query's label. At a
 * ranked setting's size (hundreds of episodes per shot) one answer moves a share by well under a
 * point, so a rounded share moves only when it sits at a rounding edge; the per-day submission
 * limit bounds how often that can be probed.
 */
export const COARSE_STEP = 0.01;

/** A share rounded to the coarse step; null stays null. */
export const coarseShare = (x: number | null): number | null =>
  x === null || !Number.isFinite(x) ? x : Math.round(x / COARSE_STEP) * COARSE_STEP;

/**
 * A count of `n` replaced by the count whose share is the coarse share: what a chart built on
 * counts shows of a hidden split. 0 of 0 stays 0.
 */
export const coarseCount = (k: number, n: number): number =>
  n > 0 ? Math.round((coarseShare(k / n) as number) * n) : 0;

/** Every share of a board row coarsened; counts of episodes asked (`n`) are not secret. */
export function coarsenBoardRow<
  T extends Pick<
    BoardStatistics,
    | 'accuracy'
    | 'low'
    | 'high'
    | 'perShot'
    | 'novelAccuracy'
    | 'parseFailureRate'
    | 'linkGain'
    | 'linkGainLow'
    | 'linkGainHigh'
    | 'flipAccuracy'
    | 'flipLow'
    | 'flipHigh'
    | 'exposureSlope'
    | CurveShare
  >,
>(row: T): T {
  return {
    ...coarsenLearningCurve(row),
    accuracy: coarseShare(row.accuracy),
    low: coarseShare(row.low),
    high: coarseShare(row.high),
    perShot: Object.fromEntries(
      Object.entries(row.perShot).map(([shots, x]) => [shots, coarseShare(x)]),
    ),
    novelAccuracy: coarseShare(row.novelAccuracy),
    parseFailureRate: coarseShare(row.parseFailureRate),
    linkGain: coarseShare(row.linkGain),
    linkGainLow: coarseShare(row.linkGainLow),
    linkGainHigh: coarseShare(row.linkGainHigh),
    flipAccuracy: coarseShare(row.flipAccuracy),
    flipLow: coarseShare(row.flipLow),
    flipHigh: coarseShare(row.flipHigh),
    exposureSlope: coarseShare(row.exposureSlope),
  };
}

/** The shares of a learning curve (its shot count to reach the threshold is no share). */
type CurveShare = Exclude<keyof LearningCurve, 'shotsToThreshold'>;

/** A learning curve's shares coarsened. */
export function coarsenLearningCurve<T extends Pick<LearningCurve, CurveShare>>(curve: T): T {
  return {
    ...curve,
    slope: coarseShare(curve.slope),
    slopeLow: coarseShare(curve.slopeLow),
    slopeHigh: coarseShare(curve.slopeHigh),
    slopePValue: coarseShare(curve.slopePValue),
    auc: coarseShare(curve.auc),
  };
}
