import { formatTime } from '~/components/format';

/** A run listed by model (a heatmap's row, a concept's table): its id, model and finish. */
export interface ListedRun {
  id: number;
  model: string;
  finishedAt: Date | string | null;
}

/**
 * Each run's label where runs are listed by model: the model's name where it is the only run of
 * that model listed, and `model (#id, date)` where two or more runs of one model are (a board
 * keeps every run of a model), so that no two rows read alike. The date is the finish's, in UTC.
 */
export function runLabels(rows: readonly ListedRun[]): Map<number, string> {
  const runs = new Map<string, number>();
  for (const r of rows) runs.set(r.model, (runs.get(r.model) ?? 0) + 1);
  return new Map(
    rows.map((r) => {
      if ((runs.get(r.model) ?? 0) < 2) return [r.id, r.model];
      const day = formatTime(r.finishedAt).slice(0, 10);
      return [r.id, `${r.model} (#${r.id}${day === '–' ? '' : `, ${day}`})`];
    }),
  );
}
