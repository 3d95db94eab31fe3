import { BenchmarkNameSchema } from '@linkboard/core';
import { BENCHMARK_PARAM, LEGACY_VERSION_PARAM } from './benchmark-param';

/**
 * The ids and names pages take in their query strings, checked before a page renders
 * (src/proxy.ts), so that a malformed or oversized one is a 400 that says which parameter, not a
 * failed query.
 */

/** PostgreSQL's integer: every row id the site takes. */
export const MAX_ID = 2_147_483_647;

/** Other submissions one submission's chart may overlay (`?overlay=`). */
export const MAX_OVERLAYS = 19;

/** The most submissions one comparison takes (core's MAX_COMPARED, repeated: this runs in the proxy). */
export const MAX_COMPARE_IDS = 6;

const isId = (value: string) => /^[1-9][0-9]{0,9}$/.test(value) && Number(value) <= MAX_ID;

const ID_PARAMS: Record<string, string[]> = {
  '/compare': ['a', 'b'],
  '/episodes': ['submission'],
};

/**
 * The pages that show one benchmark version, named `benchmark=name@version`. Their links of
 * before said `version=<database id>`, which the page redirects to the name: only an id is.
 */
const VERSION_PAGES = new Set(['/', '/concepts']);

/** Why a page's query parameters cannot be served (naming the parameter), or null. */
export function pageParamProblem(pathname: string, params: URLSearchParams): string | null {
  const section = pathname === '/' ? '/' : `/${pathname.split('/')[1] ?? ''}`;
  if (VERSION_PAGES.has(section)) {
    const legacy = params.get(LEGACY_VERSION_PARAM);
    if (legacy && !isId(legacy))
      return `${LEGACY_VERSION_PARAM} must be an id (a link of before, redirected to the version's name); name a benchmark version with ${BENCHMARK_PARAM}=name@version, e.g. ${BENCHMARK_PARAM}=isekai-synth@3.1`;
    // Core's schema, as the API reads the same parameter (its length and characters too).
    const named = params.get(BENCHMARK_PARAM);
    const parsed = named ? BenchmarkNameSchema.safeParse(named) : null;
    if (parsed && !parsed.success)
      return `${BENCHMARK_PARAM}: ${parsed.error.issues.map((i) => i.message).join('; ')}`;
  }
  for (const name of ID_PARAMS[section] ?? []) {
    const value = params.get(name);
    // An empty one is the page's default (the forms send `a=` for "none chosen").
    if (value && !isId(value)) return `${name} must be an id, a whole number from 1 to ${MAX_ID}`;
  }
  if (section === '/compare') {
    // `ids=1,2,3` or `ids=1&ids=2&ids=3` (what the picker's selects send; an empty one is unchosen).
    const ids = params
      .getAll('ids')
      .flatMap((v) => v.split(','))
      .filter((id) => id !== '');
    if (!ids.every(isId))
      return `ids must be submission ids (whole numbers from 1 to ${MAX_ID}), separated by commas`;
    const distinct = new Set(
      [...ids, params.get('a') ?? '', params.get('b') ?? ''].filter(Boolean),
    );
    if (distinct.size > MAX_COMPARE_IDS)
      return `ids takes at most ${MAX_COMPARE_IDS} submissions to compare; it has ${distinct.size}`;
  }
  // The overlay picker adds to the list already in the URL: `overlay=2,3&overlay=4`.
  const overlay = params.getAll('overlay').join(',');
  if (section === '/submissions' && overlay) {
    const ids = overlay.split(',').filter((id) => id !== '');
    if (ids.length > MAX_OVERLAYS)
      return `overlay takes at most ${MAX_OVERLAYS} submission ids; it has ${ids.length}`;
    if (!ids.every(isId))
      return `overlay must be submission ids (whole numbers from 1 to ${MAX_ID}), separated by commas`;
  }
  return null;
}
