/**
 * How a policy is shown: upper case, because "lcl" and "icl" are hard to tell apart in the
 * site's sans-serif; URLs, the CLI and exports keep the lower-case names.
 */
export function policyLabel(policy: string): string {
  return policy === 'lcl' || policy === 'icl' ? policy.toUpperCase() : policy;
}

export const pct = (x: number | null | undefined, digits = 1) =>
  x === null || x === undefined ? '–' : `${(100 * x).toFixed(digits)}%`;
export const signedPts = (x: number | null | undefined) =>
  x === null || x === undefined ? '–' : `${x >= 0 ? '+' : ''}${(100 * x).toFixed(1)}`;

/** Search params as plain strings (Next passes string | string[] | undefined). */
export function param(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

export type SearchParams = Promise<Record<string, string | string[] | undefined>>;
