import { boardFilterOf, boardFilterQueryShape, checkSizeRange } from '@linkboard/core';
import { z } from 'zod';
import { api } from '~/server/caller';
import { boardRecord, leaderboardCsv } from '~/server/leaderboard-csv';
import { policyInput, scorerInput } from '~/server/trpc';

const Query = z
  .object({
    version: z.coerce.number().int(),
    policy: policyInput,
    scorer: scorerInput,
    format: z.enum(['csv', 'json']).default('csv'),
    self: z.enum(['0', '1']).default('0'),
    ...boardFilterQueryShape,
  })
  .superRefine(checkSizeRange);

/** The leaderboard as CSV or JSON, with the filters of the page. */
export async function GET(request: Request) {
  const parsed = Query.safeParse(Object.fromEntries(new URL(request.url).searchParams));
  if (!parsed.success)
    return Response.json(
      { error: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`) },
      { status: 400 },
    );
  const { version, policy, scorer, format, self } = parsed.data;
  const filter = boardFilterOf(parsed.data);
  const rows = await (await api()).leaderboard.rows({
    benchmarkVersionId: version,
    policy,
    scorer,
    selfReported: self === '1',
    filter,
  });
  if (format === 'json')
    return Response.json({
      benchmarkVersionId: version,
      policy,
      scorer,
      filter,
      rows: rows.map((r) => boardRecord(r, scorer)),
    });
  return new Response(leaderboardCsv(rows, scorer), {
    headers: {
      'content-type': 'text/csv; charset=utf-8',
      'content-disposition': `attachment; filename="leaderboard-${version}-${policy}-${scorer}.csv"`,
    },
  });
}
