import type { LeaderboardRow } from '@linkboard/db';
import { stringify } from 'csv-stringify/sync';

/**
 * A board row as the exports and the public API give it: snake_case fields, stable, one record
 * per row in rank order (ranked rows first).
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
    accuracy: r.accuracy,
    ci_low: r.low,
    ci_high: r.high,
    rank_low: r.rankLow,
    rank_high: r.rankHigh,
    tier: r.tier,
    per_shot: r.perShot,
    novel_accuracy: r.novelAccuracy,
    link_gain: r.linkGain,
    link_gain_low: r.linkGainLow,
    link_gain_high: r.linkGainHigh,
    flip_accuracy: r.flipAccuracy,
    flip_low: r.flipLow,
    flip_high: r.flipHigh,
    slope: r.slope,
    slope_low: r.slopeLow,
    slope_high: r.slopeHigh,
    slope_p: r.slopePValue,
    auc: r.auc,
    shots_to_60: r.shotsToThreshold,
    parse_failure_rate: r.parseFailureRate,
    exposure_flagged: r.exposureFlagged,
    exposure_slope: r.exposureSlope,
    exposure_p: r.exposurePValue,
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
