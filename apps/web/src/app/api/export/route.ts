import { z } from 'zod';
import { api } from '~/server/caller';

const Query = z.object({
  version: z.coerce.number().int(),
  policy: z.enum(['lcl', 'icl', 'zero-shot']).default('lcl'),
  scorer: z.enum(['official', 'strict']).default('official'),
  format: z.enum(['csv', 'json']).default('csv'),
});

const csvCell = (v: unknown) => {
  const s = v === null || v === undefined ? '' : String(v);
  return /[",\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
};

/** The leaderboard as CSV or JSON, with the filters of the page. */
export async function GET(request: Request) {
  const parsed = Query.safeParse(Object.fromEntries(new URL(request.url).searchParams));
  if (!parsed.success)
    return Response.json(
      { error: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`) },
      { status: 400 },
    );
  const { version, policy, scorer, format } = parsed.data;
  const rows = await (await api()).leaderboard.rows({
    benchmarkVersionId: version,
    policy,
    scorer,
  });
  if (format === 'json')
    return Response.json({ benchmarkVersionId: version, policy, scorer, rows });
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
  const lines = rows.map((r) =>
    [
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
    ]
      .map(csvCell)
      .join(','),
  );
  return new Response(`${[header.join(','), ...lines].join('\n')}\n`, {
    headers: {
      'content-type': 'text/csv; charset=utf-8',
      'content-disposition': `attachment; filename="leaderboard-${version}-${policy}-${scorer}.csv"`,
    },
  });
}
