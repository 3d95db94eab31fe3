import { cardSummary } from '@linkboard/core';
import { ColumnsToggle } from '~/components/columns-toggle';
import { pct, pValue, signedPts } from '~/components/format';
import { RowLink } from '~/components/row-link';
import type { BoardRow } from './board-state';
import { CardCells } from './card-cells';
import { CostCell, CostHeading } from './cost-cell';

/**
 * The rows shown for what they ran but not ranked, each with why: apart from the ranked table,
 * whose columns (rank, tier, intervals) these rows do not have.
 */
export function UnrankedTable({
  rows,
  shots,
  cost,
}: {
  rows: readonly BoardRow[];
  shots: readonly number[];
  /** Show each row's cost (the page's `?cost=1`). */
  cost: boolean;
}) {
  if (rows.length === 0) return null;
  return (
    <>
      <h2>Not ranked</h2>
      <p className="muted">
        Shown for what they ran; they are not ranked because they did not run the whole ranked
        setting, or are self-reported.
      </p>
      {/* As the ranked table: on a phone, model, why and accuracy; the rest behind the switch. */}
      <div className="board">
        <ColumnsToggle id="columns-unranked" />
        <div className="scroll-x">
          <table data-testid="unranked">
            <thead>
              <tr>
                <th>Model</th>
                <th className="secondary">Organisation</th>
                <th className="num secondary">Size</th>
                <th className="secondary">Weights</th>
                <th>Why not ranked</th>
                <th className="num score">Accuracy (as run)</th>
                {shots.map((s) => (
                  <th className="num secondary" key={s}>
                    {s}-shot
                  </th>
                ))}
                {cost ? <CostHeading /> : null}
                <th className="secondary">Date (UTC)</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr key={r.submissionId}>
                  <td className="model" title={cardSummary(r) ?? undefined}>
                    <RowLink
                      className="model-name"
                      href={`/submissions/${r.submissionId}`}
                      title={r.model}
                    >
                      {r.model}
                    </RowLink>
                    {r.verified ? null : <span className="badge">self-reported</span>}
                    {r.exposureFlagged ? (
                      <span
                        className="badge"
                        data-testid="exposure-flag"
                        title={`${signedPts(r.exposureSlope)} pts per doubling of the pair's earlier episodes (one-sided p = ${pValue(r.exposurePValue)})`}
                      >
                        accuracy grows with exposure
                      </span>
                    ) : null}
                  </td>
                  <CardCells row={r} />
                  <td className="reason" data-testid="unranked-reason">
                    {r.unrankedReason}
                  </td>
                  <td className="num score" data-testid="row-score">
                    {pct(r.accuracy)}
                  </td>
                  {shots.map((s) => (
                    <td className="num secondary" key={s}>
                      {pct(r.perShot[s])}
                    </td>
                  ))}
                  {cost ? <CostCell row={r} /> : null}
                  <td className="muted date secondary">
                    {r.finishedAt?.toISOString().slice(0, 10) ?? '–'}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </div>
    </>
  );
}
