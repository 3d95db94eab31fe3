import type { LeaderboardRow } from '@linkboard/db';
import { stringify } from 'csv-stringify/sync';

/**
 * The leaderboard as CSV, one column per shot count. Model and organisation names are typed by
 * submitters, so a cell a spreadsheet would run as a formula (`=…`, `+…`, `-…`, `@…`) is
 * prefixed with `'`; numbers are written as numbers.
 */
export function leaderboardCsv(rows: readonly LeaderboardRow[]): string {
  const shots = [...new Set(rows.flatMap((r) => Object.keys(r.perShot).map(Number)))].sort(
    (a, b) => a - b,
  );
  const header = [
    'tier',
    'model',
    'organisation',
    'submission',
    'n',
    'accuracy',
    'ci_low',
    'ci_high',
    ...shots.map((s) => `acc_${s}shot`),
    'novel_accuracy',
    'link_gain',
    'parse_failure_rate',
  ];
  const records = rows.map((r) => [
    r.tier,
    r.model,
    r.organisation,
    r.submissionId,
    r.n,
    r.accuracy,
    r.low,
    r.high,
    ...shots.map((s) => r.perShot[s]),
    r.novelAccuracy,
    r.linkGain,
    r.parseFailureRate,
  ]);
  return stringify([header, ...records], { escape_formulas: true });
}
