import { cardSummary, formatParams } from '@linkboard/core';
import Link from 'next/link';
import { curveLine, pct, pValue, signedPts } from '~/components/format';
import { RowLink } from '~/components/row-link';
import { LazySparkline } from '~/components/sparkline';
import type { BoardRow } from './board-state';
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
  return (
    <>
      <div className="scroll-x">
        <table data-testid="leaderboard">
          <thead>
            <tr>
              <th title="Rank range: the middle 95% of a model’s ranks over the joint bootstrap">
                Rank
              </th>
              <th>Tier</th>
              <th>
                <Link href={link({ sort: 'model' })}>Model</Link>
              </th>
              <th>Organisation</th>
              <th className="num" title="Parameters, as the model card states">
                <Link href={link({ sort: 'size' })}>Size</Link>
              </th>
              <th>Weights</th>
              <th className="num">
                <Link href={link({ sort: 'accuracy' })}>Accuracy [95% CI]</Link>
              </th>
              {shots.map((s) => (
                <th className="num" key={s}>
                  {s}-shot
                </th>
              ))}
              <th className="num">
                <Link href={link({ sort: 'novel' })}>Novel</Link>
              </th>
              <th className="num">
                <Link href={link({ sort: 'gain' })}>Link gain [95% CI]</Link>
              </th>
              <th
                className="num"
                title="Flip control: the share of answers that follow the flipped demonstrations (each example labelled with the pair’s other name); – when the model did not run flip"
              >
                Flip
              </th>
              <th className="num">
                <Link href={link({ sort: 'parse' })}>Parse fail</Link>
              </th>
              {cost ? <CostHeading /> : null}
              <th>vs shots</th>
              <th>
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
                <td>
                  <span className="tier">{r.tier ?? '–'}</span>
                </td>
                <td title={cardSummary(r) ?? undefined}>
                  <RowLink href={`/submissions/${r.submissionId}`}>{r.model}</RowLink>
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
                <td data-testid="card-organisation">{r.organisation ?? '–'}</td>
                <td className="num" data-testid="card-size">
                  {formatParams(r.paramsB)}
                </td>
                <td data-testid="card-weights">{r.weights ?? '–'}</td>
                <td className="num">
                  <b>{pct(r.accuracy)}</b>{' '}
                  <span className="muted">
                    [{pct(r.low)}, {pct(r.high)}]
                  </span>
                </td>
                {shots.map((s) => (
                  <td className="num" key={s}>
                    {pct(r.perShot[s])}
                  </td>
                ))}
                <td className="num">{pct(r.novelAccuracy)}</td>
                <td className="num">
                  {signedPts(r.linkGain)}
                  {r.linkGain !== null ? (
                    <span className="muted">
                      {' '}
                      [{signedPts(r.linkGainLow)}, {signedPts(r.linkGainHigh)}]
                    </span>
                  ) : null}
                </td>
                <td
                  className="num"
                  title={
                    r.flipLow !== null
                      ? `95% interval ${pct(r.flipLow)} to ${pct(r.flipHigh)}`
                      : undefined
                  }
                >
                  {pct(r.flipAccuracy)}
                </td>
                <td className="num">{pct(r.parseFailureRate)}</td>
                {cost ? <CostCell row={r} /> : null}
                <td title={curveLine(r) ?? undefined} data-testid="curve-figures">
                  <LazySparkline
                    values={shots.map((s) => ({ shots: s, accuracy: r.perShot[s] ?? null }))}
                  />
                </td>
                <td className="muted">{r.finishedAt?.toISOString().slice(0, 10) ?? '–'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {rows.length === 0 ? <p className="muted">No ranked submissions match.</p> : null}
    </>
  );
}
