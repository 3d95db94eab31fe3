import { formatParams } from '@linkboard/core';
import type { BoardRow } from './board-state';

/** A row's model card on the board (organisation, size, weights): secondary, hidden on a phone. */
export function CardCells({
  row,
}: {
  row: Pick<BoardRow, 'organisation' | 'paramsB' | 'weights'>;
}) {
  return (
    <>
      <td className="secondary" data-testid="card-organisation">
        {row.organisation ?? '–'}
      </td>
      <td className="num secondary" data-testid="card-size">
        {formatParams(row.paramsB)}
      </td>
      <td className="secondary" data-testid="card-weights">
        {row.weights ?? '–'}
      </td>
    </>
  );
}
