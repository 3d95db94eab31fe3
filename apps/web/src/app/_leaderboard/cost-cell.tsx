import { pricesLabel, usd } from '~/lib/usage-view';
import type { BoardRow } from './board-state';

/** The cost column's heading: what the figure covers, said once. */
export function CostHeading() {
  return (
    <th
      className="num secondary"
      title="What the whole run cost (every policy and shot count it ran, errors included) at the prices per million tokens stated with it; – where none were stated"
    >
      Cost
    </th>
  );
}

/** A row's cost, with the prices it was computed at on hover; – where none were stated. */
export function CostCell({ row }: { row: BoardRow }) {
  const cost = row.cost ?? null;
  return (
    <td
      className="num secondary"
      data-testid="row-cost"
      title={cost ? pricesLabel(cost.prices) : 'no prices stated'}
    >
      {cost ? usd(cost.costUsd) : '–'}
    </td>
  );
}
