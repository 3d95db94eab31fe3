import type { Metadata } from 'next';
import Link from 'next/link';
import { RowLink } from '~/components/row-link';
import { api } from '~/server/caller';

export const metadata: Metadata = { title: 'Ranked' };

export const dynamic = 'force-dynamic';

const pct = (x: number | null | undefined) => (x == null ? '–' : `${(100 * x).toFixed(1)}`);

export default async function RankedPage() {
  const rows = await (await api()).ranked.board();
  return (
    <>
      <h1>Ranked board</h1>
      <p className="lead">
        Every run here was asked a fresh draw of its own: one invented concept per episode, half of
        the episodes with the names bound the other way round (flip). The score is the mean of lcl
        and flip accuracy, so an answer that ignores the examples scores 50%.{' '}
        <Link href="/about#ranked">How it is scored</Link>.
      </p>
      {rows.length === 0 ? (
        <p className="muted">
          No ranked run has finished yet. Submit one with <code>linkboard submit --ranked …</code>.
        </p>
      ) : (
        <div className="scroll-x">
          <table data-testid="ranked-board">
            <thead>
              <tr>
                <th>Rank</th>
                <th>Model</th>
                <th className="num">Score % [95% CI]</th>
                <th className="num">lcl %</th>
                <th className="num">flip %</th>
                <th className="num">Episodes</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr key={r.submissionId} data-testid="ranked-row">
                  <td>
                    {r.rankLow === null ? (
                      <span className="muted" title={r.unranked ?? undefined}>
                        not ranked
                      </span>
                    ) : r.rankLow === r.rankHigh ? (
                      r.rankLow
                    ) : (
                      `${r.rankLow}–${r.rankHigh}`
                    )}
                  </td>
                  <td>
                    <RowLink href={`/submissions/${r.submissionId}`}>{r.model}</RowLink>
                    {r.unranked ? <div className="muted">{r.unranked}</div> : null}
                  </td>
                  <td className="num" data-testid="ranked-score">
                    {pct(r.score?.score)}{' '}
                    <span className="muted">
                      [{pct(r.score?.low)}, {pct(r.score?.high)}]
                    </span>
                  </td>
                  <td className="num">{pct(r.score?.lclAccuracy)}</td>
                  <td className="num">{pct(r.score?.flipAccuracy)}</td>
                  <td className="num">{r.lcl.n + r.flip.n}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
