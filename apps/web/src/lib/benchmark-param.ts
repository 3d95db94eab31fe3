import { benchmarkName } from '@linkboard/core';

/**
 * Site URLs name a benchmark version `?benchmark=name@version` (core's one name for it). Links of
 * before named it `?version=<its database id>`: they are sent on to the same page with
 * `benchmark=name@version` in its place and every other parameter kept, so that no URL a person
 * sees carries an id while the old ones still work.
 */

/** The URL parameter that names a benchmark version on every page that takes one. */
export const BENCHMARK_PARAM = 'benchmark';

/** The parameter of before, a database id: only ever redirected from. */
export const LEGACY_VERSION_PARAM = 'version';

/** A page's search params (Next's record) as URLSearchParams, repeated ones kept in order. */
export function searchParamsOf(sp: Record<string, string | string[] | undefined>): URLSearchParams {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(sp))
    for (const one of value === undefined ? [] : [value].flat()) params.append(name, one);
  return params;
}

/**
 * Where a URL that still says `version=` goes: the same path with `benchmark=name@version` first
 * (the version that id is, unless the URL names one by `benchmark` already) and the other
 * parameters as they were; null when the URL has no `version`. An id of no version the site lists
 * goes on as it was written, `benchmark=<id>`, which the page refuses saying versions are named.
 */
export function legacyVersionTarget(
  pathname: string,
  params: URLSearchParams,
  versions: readonly { id: number; name: string; version: string }[],
): string | null {
  const legacy = params.get(LEGACY_VERSION_PARAM);
  if (legacy === null) return null;
  const named = params.get(BENCHMARK_PARAM);
  const version = versions.find((v) => String(v.id) === legacy);
  const rest = [...params].filter(
    ([name]) => name !== LEGACY_VERSION_PARAM && name !== BENCHMARK_PARAM,
  );
  // An empty one is the page's default (a form's "none chosen"): dropped.
  const benchmark = named ?? (version ? benchmarkName(version) : legacy || null);
  const query = new URLSearchParams([
    ...(benchmark ? [[BENCHMARK_PARAM, benchmark] as [string, string]] : []),
    ...rest,
  ]);
  return `${pathname}${query.size ? `?${query}` : ''}`;
}
