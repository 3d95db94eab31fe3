import { oneLine } from './external-text';
import { RANKED_BENCHMARK, RANKED_BOARD } from './ranked-draw';

/**
 * One name for a benchmark version everywhere a person reads or types one (site URLs, the API, the
 * CLI, the Python client, downloads): `name@version`, as `isekai-synth@3.1`, the ranked board
 * `isekai-synth-ranked@1`, or a ranked run's own draw `isekai-synth-ranked@1+<16 hex>`. A version
 * may be named by its leading parts (`isekai-synth@3` is 3.1 where that is the only 3.x), and a
 * name alone is its newest version that takes submissions. Database ids stay inside the platform.
 */

/** The example every message about a malformed name gives. */
export const BENCHMARK_NAME_EXAMPLE = 'isekai-synth@3.1';

/** `name` or `name@version`: the version is what follows the last `@` (names may hold one). */
export function parseBenchmarkName(spec: string): { name: string; version: string | null } {
  const at = spec.lastIndexOf('@');
  const name = (at < 0 ? spec : spec.slice(0, at)).trim();
  const version = at < 0 ? null : spec.slice(at + 1).trim() || null;
  return { name, version };
}

/** A benchmark version's one name, `name@version`. */
export const benchmarkName = (v: { name: string; version: string }) => `${v.name}@${v.version}`;

/**
 * Why `spec` cannot name a benchmark version, or null: nothing before the `@`, nothing after it,
 * or a bare number (what a database id looks like: versions are named, never numbered by the site).
 */
export function benchmarkNameProblem(spec: string): string | null {
  const trimmed = spec.trim();
  const { name, version } = parseBenchmarkName(trimmed);
  const write = `write name@version, e.g. ${BENCHMARK_NAME_EXAMPLE}`;
  if (trimmed === '') return `names no benchmark; ${write}`;
  if (/^[0-9]+$/.test(trimmed))
    return `"${trimmed}" is a number: a benchmark version is named, never by its database id; ${write}`;
  if (name === '') return `"${trimmed}" names no benchmark before the @; ${write}`;
  if (trimmed.includes('@') && version === null)
    return `"${trimmed}" names no version after the @; ${write}, or the name alone for its newest version`;
  return null;
}

/**
 * A benchmark version's name as a request states it (a query parameter, a JSON field): one line,
 * `name` or `name@version`. A malformed one is refused with what is wrong; the field's name is
 * the caller's (zod's path).
 */
export const BenchmarkNameSchema = oneLine(200)
  .superRefine((value, ctx) => {
    const problem = benchmarkNameProblem(value);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  })
  .meta({
    description: `A benchmark version, name@version (${BENCHMARK_NAME_EXAMPLE}); the name alone is its newest public version`,
    examples: [BENCHMARK_NAME_EXAMPLE],
  });

/** Why a name names no version here: each door answers it its own way (404, 400, 412, a usage error). */
export type BenchmarkNameRefusal =
  /** No benchmark or version of that name: the message lists what there is. */
  | 'unknown'
  /** It names several versions and none is preferred: the message lists them. */
  | 'ambiguous'
  /** The ranked board's benchmark: its versions are ranked runs' own draws, each used once. */
  | 'ranked';

export class BenchmarkNameError extends Error {
  override name = 'BenchmarkNameError';
  constructor(
    readonly reason: BenchmarkNameRefusal,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Whether `asked` names `version`: exactly, or as its leading parts, so `isekai-synth@3` is v3 with
 * the default seed ("3.1") while "3.12" is not "3.1" and "3-test" is not "3".
 */
const versionMatches = (version: string, asked: string) =>
  version === asked || version.startsWith(`${asked}.`);

/**
 * The one of `candidates` that `spec` (`name` or `name@version`, names in any case, a version by
 * its leading parts) names. Where it names several: the first `preferred` one in the order given,
 * else the only one. Anything else is a `BenchmarkNameError` listing what `where` holds.
 */
export function pickBenchmark<T extends { name: string; version: string }>(
  spec: string,
  candidates: readonly T[],
  where: string,
  options: { describe?: (c: T) => string; preferred?: (c: T) => boolean } = {},
): T {
  const { name, version } = parseBenchmarkName(spec);
  const describe = options.describe ?? benchmarkName;
  const known = candidates.map(describe).join('; ') || 'none';
  const byName = candidates.filter((c) => c.name.toLowerCase() === name.toLowerCase());
  if (byName.length === 0)
    throw new BenchmarkNameError(
      'unknown',
      `unknown benchmark "${name}"; the benchmarks ${where} are: ${known}`,
    );
  const matching = byName.filter((c) => version === null || versionMatches(c.version, version));
  if (matching.length === 0)
    throw new BenchmarkNameError(
      'unknown',
      `benchmark ${byName[0]?.name} has no version "${version}" ${where}; the benchmarks ${where} are: ${known}`,
    );
  // Names are matched in any case; a name written as it is spelt wins over another's look-alike.
  const exact =
    matching.find((c) => c.version === version && c.name === name) ??
    matching.find((c) => c.version === version);
  if (exact) return exact;
  const preferred = options.preferred ? matching.find(options.preferred) : undefined;
  if (preferred) return preferred;
  if (matching.length === 1) return matching[0] as T;
  throw new BenchmarkNameError(
    'ambiguous',
    `"${spec}" names ${matching.length} benchmarks ${where}: ${matching.map(describe).join('; ')}; say which with name@version`,
  );
}

/** What the site knows of a version, as db's `listBenchmarkVersions` lists them. */
export interface NamedVersion {
  id: number;
  name: string;
  version: string;
  split?: string;
  retired?: boolean;
}

/**
 * The benchmark version a site's request names, among the versions the site holds (db's
 * `listBenchmarkVersions`: never a ranked run's draw): the resolver every door of the site uses
 * (its pages, the REST API, the platform's `submit()`). A name alone, or a version by its leading
 * parts, is the newest public version that takes submissions among those it names. The ranked
 * board's benchmark is refused as such (`ranked`): its versions are runs' own draws.
 */
export function resolveBenchmarkVersion<V extends NamedVersion>(
  spec: string,
  versions: readonly V[],
): V {
  const { name, version } = parseBenchmarkName(spec);
  if (name.toLowerCase() === RANKED_BENCHMARK) {
    const ask =
      'a ranked run gets a fresh draw of its own (ranked: true; linkboard submit --ranked)';
    throw new BenchmarkNameError(
      'ranked',
      version?.includes('+')
        ? `${spec.trim()} is one ranked run's own draw, asked once; ${ask}, and the ranked board is /ranked (GET /api/v1/ranked)`
        : `${spec.trim()} is the ranked board (${RANKED_BOARD}), not a version to run or show by name: it is /ranked (GET /api/v1/ranked), and ${ask}`,
    );
  }
  const newestFirst = [...versions].sort((a, b) => b.id - a.id);
  return pickBenchmark(spec, newestFirst, 'on this site', {
    describe: (v) => `${benchmarkName(v)}${v.retired ? ' (retired)' : ''}`,
    preferred: (v) => v.split !== 'hidden' && !v.retired,
  });
}
