import {
  BenchmarkNameError,
  CURVE_THRESHOLD,
  DEFAULT_POLICY,
  DEFAULT_SCORER,
  isPolicyName,
  isScorerName,
  type LearningCurve,
  type NamedVersion,
  POLICIES,
  type PolicyName,
  resolveBenchmarkVersion,
  type ScorerName,
} from '@linkboard/core';

/**
 * How a policy is shown: core's short title (upper case for LCL and ICL, which are hard to tell
 * apart in the site's sans-serif); URLs, the CLI and exports keep the lower-case names.
 */
export function policyLabel(policy: string): string {
  return isPolicyName(policy) ? POLICIES[policy].shortTitle : policy;
}

/** A policy named in a URL, or the default when it names none that core knows. */
export function policyParam(value: string | undefined, fallback: PolicyName = DEFAULT_POLICY) {
  return value !== undefined && isPolicyName(value) ? value : fallback;
}

/** A scorer named in a URL, or the default when it names none that core's registry holds. */
export function scorerParam(value: string | undefined, fallback: ScorerName = DEFAULT_SCORER) {
  return value !== undefined && isScorerName(value) ? value : fallback;
}

/**
 * `x` rounded to `digits` decimals as text, never `-0.0`: a value that rounds to zero is zero,
 * whichever side of it the float fell (a gain of -0.0001 is no loss).
 */
function fixed(x: number, digits: number): string {
  const text = x.toFixed(digits);
  return Number(text) === 0 ? (0).toFixed(digits) : text;
}

/**
 * A share as a percentage. One rule everywhere: one decimal (`57.0%`, `57.3%`), so that figures
 * side by side in a column or a sentence line up and compare at a glance; a trailing `.0` is kept
 * rather than dropped for whole numbers. Only dense grids whose header says so (a heatmap's cells,
 * a per-concept table) pass `digits` 0.
 */
export const pct = (x: number | null | undefined, digits = 1) =>
  x === null || x === undefined ? '–' : `${fixed(100 * x, digits)}%`;

/** A difference in percentage points, signed (`+3.1`, `-2.0`); one that rounds to zero is `0.0`. */
export function signedPts(x: number | null | undefined): string {
  if (x === null || x === undefined) return '–';
  const text = fixed(100 * x, 1);
  return Number(text) > 0 ? `+${text}` : text;
}

/**
 * Below this a p-value is shown as `< 1e-7`: the tails are computed as 1 − a CDF, which keeps no
 * more precision than that, so a smaller figure (or the 0 it may come out as) would be noise.
 */
export const P_FLOOR = 1e-7;

/**
 * A p-value: four decimals, small ones in scientific notation (so that 1e-6 does not read as
 * 0.0000), and those under `P_FLOOR`, 0 included, as `< 1e-7`.
 */
export function pValue(p: number | null | undefined): string {
  if (p === null || p === undefined || Number.isNaN(p)) return '–';
  if (p < P_FLOOR) return `< ${P_FLOOR.toExponential(0)}`;
  return p < 1e-4 ? p.toExponential(1) : p.toFixed(4);
}

/**
 * A learning curve in one line: "+3.1 pts per doubling of the shots [+1.0, +5.2] (one-sided
 * p = 0.0030) · area 57.3% · reaches 60% at 8 shots"; null when there is no curve to speak of.
 */
export function curveLine(c: LearningCurve): string | null {
  if (c.slope === null && c.auc === null) return null;
  const parts: string[] = [];
  if (c.slope !== null)
    parts.push(
      `${signedPts(c.slope)} pts per doubling of the shots${c.slopeLow !== null ? ` [${signedPts(c.slopeLow)}, ${signedPts(c.slopeHigh)}]` : ''}${c.slopePValue !== null ? ` (one-sided p = ${pValue(c.slopePValue)})` : ''}`,
    );
  if (c.auc !== null) parts.push(`area ${pct(c.auc)}`);
  parts.push(
    c.shotsToThreshold === null
      ? `does not reach ${pct(CURVE_THRESHOLD, 0)}`
      : `reaches ${pct(CURVE_THRESHOLD, 0)} at ${c.shotsToThreshold} shots`,
  );
  return parts.join(' · ');
}

/** Search params as plain strings (Next passes string | string[] | undefined). */
export function param(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

export type SearchParams = Promise<Record<string, string | string[] | undefined>>;

/**
 * The benchmark version a page shows: the one its `?benchmark=name@version` names (core's
 * `resolveBenchmarkVersion`, as the API and submissions resolve it), else the first listed. A
 * named version that is not there is the page's 404 (proxy.ts has already refused a malformed
 * name). Undefined when the site has no benchmark yet.
 */
export function chosenVersion<V extends NamedVersion & { submissions?: number }>(
  versions: readonly V[],
  named: string | undefined,
  notFound: () => never,
): V | undefined {
  // Unnamed: the newest version that takes submissions and has results to show, so a visitor
  // never lands on an empty table because a benchmark was imported and nothing ran on it yet, nor
  // on a retired one's history.
  const withResults = (v: V) => (v.submissions ?? 1) > 0;
  if (!named)
    return (
      versions.find((v) => !v.retired && withResults(v)) ??
      versions.find(withResults) ??
      versions[0]
    );
  try {
    return resolveBenchmarkVersion(named, versions);
  } catch (error) {
    if (error instanceof BenchmarkNameError) return notFound();
    throw error;
  }
}

/** The versions a board's picker offers: those with results, and the one shown (even if empty). */
export function offeredVersions<V extends { id: number; submissions: number }>(
  versions: readonly V[],
  shownId: number | undefined,
): V[] {
  return versions.filter((v) => v.submissions > 0 || v.id === shownId);
}

/** A moment, to the minute, in UTC and saying so: readers are in every time zone. */
export function formatTime(at: Date | string | null | undefined): string {
  if (at === null || at === undefined) return '–';
  const date = new Date(at);
  if (Number.isNaN(date.getTime())) return '–';
  return `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** A duration ahead, rounded the way a person says it: "40 s", "12 min", "3 h 5 min". */
export function formatDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds) || seconds < 0)
    return '–';
  if (seconds < 60) return `${Math.ceil(seconds)} s`;
  const minutes = Math.ceil(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return m === 0 ? `${h} h` : `${h} h ${m} min`;
}
