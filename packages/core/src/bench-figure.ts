/**
 * How every benchmark prints a figure: one `name=value` line with its target and whether it was
 * met beside the sizes it ran at, so a run's output can be read (and grepped) the same way in
 * every package. Exported from `@linkboard/core/testing`; nothing in the product prints these.
 */

export interface FigureOptions {
  /** The goal, as `>=` or `<=` a number; absent for a figure that is only reported. */
  target?: { atLeast: number } | { atMost: number };
  /** What it ran at (`submissions`, `rows`, `connections`…), printed after the verdict. */
  sizes?: Record<string, number | string>;
  /** Anything else worth reading beside it (`ratio_to_baseline`, the baseline's own figure). */
  extra?: Record<string, number | string>;
  /** A baseline measured in the same run: said so on its line. */
  baseline?: boolean;
  /** Digits after the point (default: none for whole numbers, 0 from 1,000, else 2). */
  digits?: number;
}

function formatValue(value: number, digits?: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (digits === undefined && Number.isInteger(value)) return String(value);
  return value.toFixed(digits ?? (Math.abs(value) >= 1000 ? 0 : 2));
}

/** Whether a figure meets its target; null when it has none. */
export function figureMet(value: number, target: FigureOptions['target']): boolean | null {
  if (!target) return null;
  return 'atLeast' in target ? value >= target.atLeast : value <= target.atMost;
}

/**
 * One figure's line: `name=value target>=N met sizes… extra…` (or `MISSED`, or `(baseline)`).
 */
export function figureLine(name: string, value: number, options: FigureOptions = {}): string {
  const parts = [`${name}=${formatValue(value, options.digits)}`];
  const { target } = options;
  if (target) {
    parts.push('atLeast' in target ? `target>=${target.atLeast}` : `target<=${target.atMost}`);
    parts.push(figureMet(value, target) ? 'met' : 'MISSED');
  }
  if (options.baseline) parts.push('(baseline)');
  for (const [key, v] of Object.entries({ ...options.sizes, ...options.extra })) {
    parts.push(`${key}=${typeof v === 'number' ? formatValue(v) : v}`);
  }
  return parts.join(' ');
}

/** Prints `figureLine` to stdout. */
export function printFigure(name: string, value: number, options: FigureOptions = {}): void {
  console.log(figureLine(name, value, options));
}

/** The p-th quantile (0–1) of latencies, by the nearest-rank method; NaN for none. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(p * sorted.length)));
  return sorted[rank - 1] as number;
}
