import { accuracyBy, type Episode, type ScoredAnswer, type Verdict } from '@linkboard/core';

export function toScoredAnswer(episode: Episode, verdict: Verdict): ScoredAnswer {
  return {
    episodeId: episode.id,
    shots: episode.shots,
    policy: episode.policy,
    pairId: episode.pairId,
    conceptId: episode.query.conceptId,
    queryClass: episode.query.queryClass,
    outcome: verdict.outcome,
    correct: verdict.correct,
  };
}

const pct = (x: number | null) => (x === null ? '–' : `${(100 * x).toFixed(1)}%`);

/** Pads columns to their widest cell; numbers right-aligned. */
export function formatTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) =>
        i === 0 || /^[a-z]/i.test(cell)
          ? cell.padEnd(widths[i] ?? 0)
          : cell.padStart(widths[i] ?? 0),
      )
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

/** The per-shot table: accuracy with its Wilson interval, by query class, and outcome counts. */
export function perShotTable(answers: readonly ScoredAnswer[]): string {
  const byClass = new Map(
    accuracyBy(answers, ['shots', 'policy', 'queryClass'] as const).map((r) => [
      r.key.join('|'),
      r.accuracy,
    ]),
  );
  const rows = accuracyBy(answers, ['shots', 'policy'] as const).map((row) => {
    const [shots, policy] = row.key;
    const o = row.outcomes;
    return [
      String(shots),
      policy,
      String(row.n),
      `${pct(row.accuracy)} [${pct(row.low)}, ${pct(row.high)}]`,
      pct(byClass.get(`${shots}|${policy}|novel`) ?? null),
      pct(byClass.get(`${shots}|${policy}|familiar`) ?? null),
      `${o.correct}/${o['other-label']}/${o.both}/${o.neither}/${o.empty}/${o.error}`,
    ];
  });
  return formatTable(
    [
      'shots',
      'policy',
      'n',
      'accuracy [95% CI]',
      'novel',
      'familiar',
      'correct/other/both/neither/empty/error',
    ],
    rows,
  );
}
