import {
  BenchmarkNameError,
  BenchmarkNameSchema,
  benchmarkName,
  boardFilterOf,
  boardFilterQueryShape,
  checkSizeRange,
  resolveBenchmarkVersion,
} from '@linkboard/core';
import type { LeaderboardRow } from '@linkboard/db';
import { z } from 'zod';
import { legacyVersionTarget } from '~/lib/benchmark-param';
import { ApiError, admittedCaller, errorReply } from '~/server/api-v1';
import { boardRecord, leaderboardCsv } from '~/server/leaderboard-csv';
import { policyInput, scorerInput } from '~/server/trpc';

const Query = z
  .object({
    /** The version, `name@version` (a name alone: its newest public version). */
    benchmark: BenchmarkNameSchema,
    policy: policyInput,
    scorer: scorerInput,
    format: z.enum(['csv', 'json', 'jsonl']).default('csv'),
    self: z.enum(['0', '1']).default('0'),
    ...boardFilterQueryShape,
  })
  .superRefine(checkSizeRange);

/** A file name's part made of a version's name: what a download's header can hold as it is. */
const fileNamePart = (name: string) => name.replace(/[^A-Za-z0-9._@+-]/g, '-');

/**
 * The board as JSON Lines: a row per line, in rank order, each a flat object of scalars with the
 * same keys on every line: the version and policy it was ranked on, the export's fields (those of
 * the CSV), and `acc_<n>shot` for every shot count on the board (null where a row has none). One
 * schema a line, no nested object whose keys vary from row to row: what a columnar reader such as
 * the `datasets` library's JSON loader (`load_dataset("json", data_files=…)`) makes a table of.
 */
function leaderboardJsonl(
  rows: readonly LeaderboardRow[],
  board: { benchmark: string; policy: string; scorer: string },
): string {
  const shots = [...new Set(rows.flatMap((r) => Object.keys(r.perShot).map(Number)))].sort(
    (a, b) => a - b,
  );
  return rows
    .map((r) => {
      const { per_shot: perShot, ...fields } = boardRecord(r, board.scorer);
      const line = {
        benchmark: board.benchmark,
        policy: board.policy,
        ...fields,
        ...Object.fromEntries(shots.map((s) => [`acc_${s}shot`, perShot[s] ?? null])),
      };
      return `${JSON.stringify(line)}\n`;
    })
    .join('');
}

/** The leaderboard as CSV, JSON or JSON Lines, with the filters of the page. */
export async function GET(request: Request) {
  const url = new URL(request.url);
  // The API's door: a token the site does not know is a 401 here as on every route.
  let trpc: Awaited<ReturnType<typeof admittedCaller>>;
  try {
    trpc = await admittedCaller(request);
  } catch (error) {
    if (error instanceof ApiError) return errorReply(error.status, error.code, error.message);
    throw error;
  }
  const versions = await trpc.leaderboard.versions();
  // An export link of before named the version by its database id: sent on to its name.
  const legacy = legacyVersionTarget(url.pathname, url.searchParams, versions);
  if (legacy) return Response.redirect(new URL(legacy, url), 308);
  const parsed = Query.safeParse(Object.fromEntries(url.searchParams));
  if (!parsed.success)
    return Response.json(
      { error: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`) },
      { status: 400 },
    );
  const { policy, scorer, format, self } = parsed.data;
  let version: (typeof versions)[number];
  try {
    version = resolveBenchmarkVersion(parsed.data.benchmark, versions);
  } catch (error) {
    if (!(error instanceof BenchmarkNameError)) throw error;
    return Response.json(
      { error: [`benchmark: ${error.message}`] },
      { status: error.reason === 'ambiguous' ? 400 : 404 },
    );
  }
  const benchmark = benchmarkName(version);
  const filter = boardFilterOf(parsed.data);
  const rows = await trpc.leaderboard.rows({
    benchmarkVersionId: version.id,
    policy,
    scorer,
    selfReported: self === '1',
    filter,
  });
  if (format === 'json')
    return Response.json({
      benchmark,
      policy,
      scorer,
      filter,
      rows: rows.map((r) => boardRecord(r, scorer)),
    });
  const file = `leaderboard-${fileNamePart(benchmark)}-${policy}-${scorer}`;
  if (format === 'jsonl')
    return new Response(leaderboardJsonl(rows, { benchmark, policy, scorer }), {
      headers: {
        'content-type': 'application/x-ndjson; charset=utf-8',
        'content-disposition': `attachment; filename="${file}.jsonl"`,
      },
    });
  return new Response(leaderboardCsv(rows, scorer), {
    headers: {
      'content-type': 'text/csv; charset=utf-8',
      'content-disposition': `attachment; filename="${file}.csv"`,
    },
  });
}
