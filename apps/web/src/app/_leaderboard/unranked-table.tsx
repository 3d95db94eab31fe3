import { cardSummary, formatParams } from '@linkboard/core';
import { pct, pValue, signedPts } from '~/components/format';
import { RowLink } from '~/components/row-link';
import type { BoardRow } from './board-state';
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
      <div className="scroll-x">
        <table data-testid="unranked">
          <thead>
            <tr>
              <th>Model</th>
              <th>Organisation</th>
              <th className="num">Size</th>
              <th>Weights</th>
              <th>Why not ranked</th>
              <th className="num">Accuracy (as run)</th>
              {shots.map((s) => (
                <th className="num" key={s}>
                  {s}-shot
                </th>
              ))}
              {cost ? <CostHeading /> : null}
              <th>Date (UTC)</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.submissionId}>
                <td title={cardSummary(r) ?? undefined}>
                  <RowLink href={`/submissions/${r.submissionId}`}>{r.model}</RowLink>
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
                <td data-testid="card-organisation">{r.organisation ?? '–'}</td>
                <td className="num" data-testid="card-size">
                  {formatParams(r.paramsB)}
                </td>
                <td data-testid="card-weights">{r.weights ?? '–'}</td>
                <td data-testid="unranked-reason">{r.unrankedReason}</td>
                <td className="num">{pct(r.accuracy)}</td>
                {shots.map((s) => (
                  <td className="num" key={s}>
                    {pct(r.perShot[s])}
                  </td>
                ))}
                {cost ? <CostCell row={r} /> : null}
                <td className="muted">{r.finishedAt?.toISOString().slice(0, 10) ?? '–'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}
