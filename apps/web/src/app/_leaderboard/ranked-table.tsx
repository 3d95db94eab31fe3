import { cardSummary } from '@linkboard/core';
import Link from 'next/link';
import { ColumnsToggle } from '~/components/columns-toggle';
import { curveLine, pct, pValue, signedPts } from '~/components/format';
import { RowLink } from '~/components/row-link';
import { LazySparkline } from '~/components/sparkline';
import type { BoardRow } from './board-state';
import { CardCells } from './card-cells';
import { CostCell, CostHeading } from './cost-cell';

/** The ranked models: rank ranges, tiers, intervals and curves, each sortable column a link. */
export function RankedTable({
  rows,
  shots,
  link,
  cost,
}: {
  rows: readonly BoardRow[];
  /** The shot counts any shown row ran: a column each. */
  shots: readonly number[];
  /** The board's URL with these parameters changed (a column's sort). */
  link: (changes: Record<string, string>) => string;
  /** Show each row's cost (the page's `?cost=1`). */
  cost: boolean;
}) {
  // Columns marked `secondary` fold away on a phone (globals.css), leaving rank, model and the
  // accuracy with its interval in view; "Show every column" brings them back.
  return (
    <>
      <div className="board">
        <ColumnsToggle id="columns-ranked" />
        <div className="scroll-x">
          <table data-testid="leaderboard">
            <thead>
              <tr>
                <th title="Rank range: the middle 95% of a model’s ranks over the joint bootstrap">
                  Rank
                </th>
                <th className="secondary">Tier</th>
                <th>
                  <Link href={link({ sort: 'model' })}>Model</Link>
                </th>
                <th className="secondary">Organisation</th>
                <th className="num secondary" title="Parameters, as the model card states">
                  <Link href={link({ sort: 'size' })}>Size</Link>
                </th>
                <th className="secondary">Weights</th>
                <th className="num score">
                  <Link href={link({ sort: 'accuracy' })}>Accuracy [95% CI]</Link>
                </th>
                {shots.map((s) => (
                  <th className="num secondary" key={s}>
                    {s}-shot
                  </th>
                ))}
                <th className="num secondary">
                  <Link href={link({ sort: 'novel' })}>Novel</Link>
                </th>
                <th className="num secondary">
                  <Link href={link({ sort: 'gain' })}>Link gain [95% CI]</Link>
                </th>
                <th
                  className="num secondary"
                  title="Flip control: the share of answers that follow the flipped demonstrations (each example labelled with the pair’s other name); – when the model did not run flip"
                >
                  Flip
                </th>
                <th className="num secondary">
                  <Link href={link({ sort: 'parse' })}>Parse fail</Link>
                </th>
                {cost ? <CostHeading /> : null}
                <th className="secondary">vs shots</th>
                <th className="secondary">
                  <Link href={link({ sort: 'date' })}>Date (UTC)</Link>
                </th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr key={r.submissionId} data-testid="ranked-row">
                  <td className="num" data-testid="rank-range">
                    {r.rankLow === r.rankHigh ? r.rankLow : `${r.rankLow}–${r.rankHigh}`}
                  </td>
                  <td className="secondary">
                    <span className="tier">{r.tier ?? '–'}</span>
                  </td>
                  <td className="model" title={cardSummary(r) ?? undefined}>
                    {/* One line, cut with an ellipsis where it is long: the whole name on hover. */}
                    <RowLink
                      className="model-name"
                      href={`/submissions/${r.submissionId}`}
                      title={r.model}
                    >
                      {r.model}
                    </RowLink>
                    {r.exposureFlagged ? (
                      <span
                        className="badge"
                        data-testid="exposure-flag"
                        title={`accuracy grows with exposure: ${signedPts(r.exposureSlope)} pts per doubling of the pair's earlier episodes (one-sided p = ${pValue(r.exposurePValue)})`}
                      >
                        accuracy grows with exposure
                      </span>
                    ) : null}
                    {r.verified ? null : (
                      <span
                        className="badge"
                        data-testid="self-reported"
                        title="uploaded predictions: what the submitter says the model answered"
                      >
                        self-reported
                      </span>
                    )}
                  </td>
                  <CardCells row={r} />
                  <td className="num score" data-testid="row-score">
                    <b>{pct(r.accuracy)}</b>{' '}
                    <span className="muted">
                      [{pct(r.low)}, {pct(r.high)}]
                    </span>
                  </td>
                  {shots.map((s) => (
                    <td className="num secondary" key={s}>
                      {pct(r.perShot[s])}
                    </td>
                  ))}
                  <td className="num secondary">{pct(r.novelAccuracy)}</td>
                  <td className="num secondary">
                    {signedPts(r.linkGain)}
                    {r.linkGain !== null ? (
                      <span className="muted">
                        {' '}
                        [{signedPts(r.linkGainLow)}, {signedPts(r.linkGainHigh)}]
                      </span>
                    ) : null}
                  </td>
                  <td
                    className="num secondary"
                    title={
                      r.flipLow !== null
                        ? `95% interval ${pct(r.flipLow)} to ${pct(r.flipHigh)}`
                        : undefined
                    }
                  >
                    {pct(r.flipAccuracy)}
                  </td>
                  <td className="num secondary">{pct(r.parseFailureRate)}</td>
                  {cost ? <CostCell row={r} /> : null}
                  <td
                    className="secondary"
                    title={curveLine(r) ?? undefined}
                    data-testid="curve-figures"
                  >
                    <LazySparkline
                      values={shots.map((s) => ({ shots: s, accuracy: r.perShot[s] ?? null }))}
                    />
                  </td>
                  <td className="muted date secondary">
                    {r.finishedAt?.toISOString().slice(0, 10) ?? '–'}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </div>
      {rows.length === 0 ? <p className="muted">No ranked submissions match.</p> : null}
    </>
  );
}
