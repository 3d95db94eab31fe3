import type { LeaderboardRow } from '@linkboard/db';
import { stringify } from 'csv-stringify/sync';

/** Decimals a share, a difference of shares or a slope is given to (0.5734: a hundredth of a point). */
export const SHARE_DECIMALS = 4;
/** Significant digits a p-value is given to: its size is what matters, and it may be 1e-9. */
export const P_DIGITS = 3;

/**
 * A share (or a difference of shares, a slope) as the exports give it: rounded to
 * `SHARE_DECIMALS`, so that 57/100 reached by a sum of floats reads 0.57, not
 * 0.5700000000000001, and never -0. Figures keep their full precision inside the site; this is
 * the edge where they are written out.
 */
export function share<T extends number | null>(x: T): T {
  if (x === null) return x;
  return (Number(x.toFixed(SHARE_DECIMALS)) + 0) as T;
}

/** A p-value as the exports give it: `P_DIGITS` significant digits (1.23e-9 stays 1.23e-9). */
export function pRounded<T extends number | null>(p: T): T {
  return (p === null ? p : Number(p.toPrecision(P_DIGITS))) as T;
}

/**
 * A board row as the exports and the public API give it: snake_case fields, stable, one record
 * per row in rank order (ranked rows first); shares rounded (`share`), p-values to significant
 * digits (`pRounded`).
 */
export function boardRecord(r: LeaderboardRow, scorer: string) {
  return {
    submission: r.submissionId,
    model: r.model,
    organisation: r.organisation,
    params_b: r.paramsB,
    weights: r.weights,
    licence: r.licence,
    base_model: r.baseModel,
    model_url: r.modelUrl,
    revision: r.revision,
    ranked: r.ranked,
    unranked_reason: r.unrankedReason,
    verified: r.verified,
    scorer,
    n: r.n,
    accuracy: share(r.accuracy),
    ci_low: share(r.low),
    ci_high: share(r.high),
    rank_low: r.rankLow,
    rank_high: r.rankHigh,
    tier: r.tier,
    per_shot: Object.fromEntries(
      Object.entries(r.perShot).map(([shots, x]) => [shots, share(x)]),
    ) as typeof r.perShot,
    novel_accuracy: share(r.novelAccuracy),
    link_gain: share(r.linkGain),
    link_gain_low: share(r.linkGainLow),
    link_gain_high: share(r.linkGainHigh),
    flip_accuracy: share(r.flipAccuracy),
    flip_low: share(r.flipLow),
    flip_high: share(r.flipHigh),
    slope: share(r.slope),
    slope_low: share(r.slopeLow),
    slope_high: share(r.slopeHigh),
    slope_p: pRounded(r.slopePValue),
    auc: share(r.auc),
    shots_to_60: r.shotsToThreshold,
    parse_failure_rate: share(r.parseFailureRate),
    exposure_flagged: r.exposureFlagged,
    exposure_slope: share(r.exposureSlope),
    exposure_p: pRounded(r.exposurePValue),
    finished_at: r.finishedAt?.toISOString() ?? null,
  };
}

/**
 * The leaderboard as CSV, one column per shot count. Model and organisation names are typed by
 * submitters, so a cell a spreadsheet would run as a formula (`=…`, `+…`, `-…`, `@…`) is
 * prefixed with `'`; numbers are written as numbers.
 */
export function leaderboardCsv(rows: readonly LeaderboardRow[], scorer: string): string {
  const shots = [...new Set(rows.flatMap((r) => Object.keys(r.perShot).map(Number)))].sort(
    (a, b) => a - b,
  );
  const records = rows.map((r) => boardRecord(r, scorer));
  const columns = [
    'tier',
    'rank_low',
    'rank_high',
    'model',
    'organisation',
    'params_b',
    'weights',
    'licence',
    'base_model',
    'model_url',
    'revision',
    'submission',
    'ranked',
    'unranked_reason',
    'verified',
    'scorer',
    'n',
    'accuracy',
    'ci_low',
    'ci_high',
  ] as const;
  const tail = [
    'novel_accuracy',
    'link_gain',
    'link_gain_low',
    'link_gain_high',
    'flip_accuracy',
    'flip_low',
    'flip_high',
    'slope',
    'slope_low',
    'slope_high',
    'slope_p',
    'auc',
    'shots_to_60',
    'parse_failure_rate',
    'exposure_flagged',
    'exposure_slope',
    'exposure_p',
  ] as const;
  const header = [...columns, ...shots.map((s) => `acc_${s}shot`), ...tail];
  const lines = records.map((r) => [
    ...columns.map((c) => r[c]),
    ...shots.map((s) => r.per_shot[s]),
    ...tail.map((c) => r[c]),
  ]);
  return stringify([header, ...lines], { escape_formulas: true, cast: { boolean: String } });
}
