import { SERIES_DASHES, SERIES_MARKERS, type SeriesStyle, seriesStyles } from '@linkboard/core';
import type { ChartSeries, CurvePoint } from '~/components/charts';
import { policyLabel } from '~/components/format';

/** One shot × policy count of one submission, as `leaderboard.curves` and `compare.models` give. */
export interface CurveRow {
  submissionId: number;
  model: string;
  shots: number;
  policy: string;
  n: number;
  correct: number;
  /**
   * The point's 95% band: the clustered interval (core's `clusteredShare`), the method of the
   * board's headline, never one that treats episodes as independent. Null with fewer than two
   * clusters.
   */
  low: number | null;
  high: number | null;
}

/**
 * The accuracy chart's points and series for submissions' curves: a series per submission ×
 * policy, named with the submission's id (two runs of one model are two lines). Its colour and
 * marker come from the submission id (see core's `seriesStyles`), so a model keeps its colour
 * on every chart and as models are added; with several policies, dash and marker tell a
 * submission's policies apart, and its policies after the first are drawn wider and paler
 * underneath, so that a model that ignores the prompt's framing (identical LCL and ICL curves)
 * still shows two lines. Two models' identical curves differ in colour and dash already.
 */
export function accuracyCurves(curves: readonly CurveRow[]): {
  points: CurvePoint[];
  series: ChartSeries[];
} {
  const styles = seriesStyles(curves.map((c) => c.submissionId));
  const policies = [...new Set(curves.map((c) => c.policy))].sort();
  const name = (c: CurveRow) =>
    policies.length > 1
      ? `${c.model} #${c.submissionId} · ${policyLabel(c.policy)}`
      : `${c.model} #${c.submissionId}`;
  const series = new Map<string, ChartSeries>();
  const byShot = new Map<number, CurvePoint>();
  for (const c of curves) {
    const key = name(c);
    const style = styles.get(c.submissionId) as SeriesStyle;
    series.set(key, {
      name: key,
      colour: style.colour,
      dash:
        policies.length > 1
          ? (SERIES_DASHES[policies.indexOf(c.policy) % SERIES_DASHES.length] as string)
          : style.dash,
      marker:
        policies.length > 1
          ? (SERIES_MARKERS[
              policies.indexOf(c.policy) % SERIES_MARKERS.length
            ] as SeriesStyle['marker'])
          : style.marker,
      // Sorted policies: 'icl' before 'lcl', so the ranked LCL line is the thin one on top.
      width: policies.length > 1 ? 2 + 3 * (policies.length - 1 - policies.indexOf(c.policy)) : 2,
    });
    const point = byShot.get(c.shots) ?? { shots: c.shots };
    point[key] = c.n ? c.correct / c.n : null;
    point[`${key} 95% CI`] = c.low !== null && c.high !== null ? [c.low, c.high] : null;
    byShot.set(c.shots, point);
  }
  return {
    points: [...byShot.values()].sort((a, b) => a.shots - b.shots),
    // Widest first, so the thin lines are drawn on top of the wide ones.
    series: [...series.values()].sort((a, b) => b.width - a.width),
  };
}
