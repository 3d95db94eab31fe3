import { benchmarkName, RANKED_BOARD } from '@linkboard/core';
import Link from 'next/link';
import { ColumnsToggle } from '~/components/columns-toggle';
import { RowLink } from '~/components/row-link';
import { BENCHMARK_PARAM } from '~/lib/benchmark-param';
import type { api } from '~/server/caller';

type Caller = Awaited<ReturnType<typeof api>>;
type RankedRows = Awaited<ReturnType<Caller['ranked']['board']>>;
type Versions = Awaited<ReturnType<Caller['leaderboard']['versions']>>;

const pct = (x: number | null | undefined) => (x == null ? '–' : `${(100 * x).toFixed(1)}`);

/**
 * The ranked board: what `/ranked` shows, and `/` once it has rows (the board the site opens on),
 * with links to the public boards beside it.
 */
export function RankedBoard({ rows, versions }: { rows: RankedRows; versions: Versions }) {
  const publicBoards = versions.filter((v) => v.submissions > 0);
  return (
    <>
      <h1>
        Ranked board <code data-testid="ranked-board-name">{RANKED_BOARD}</code>
      </h1>
      <p className="lead">
        Every run here was asked a fresh draw of its own: one invented concept per episode, half of
        the episodes with the names bound the other way round (flip). The score is the mean of lcl
        and flip accuracy, so an answer that ignores the examples scores 50%. A model has one row,
        pooling every ranked run of it that has ended (finished, failed or cancelled; private ones
        too), listed once one of its runs is public and finished.{' '}
        <Link href="/about#ranked">How it is scored</Link>.
      </p>
      {rows.length === 0 ? (
        <p className="muted">
          No ranked run has finished yet. Submit one with <code>linkboard submit --ranked …</code>.
        </p>
      ) : (
        // On a phone: rank, model and score; the rest behind "Show every column" (globals.css).
        <div className="board">
          <ColumnsToggle id="columns-ranked-board" />
          <div className="scroll-x">
            <table data-testid="ranked-board">
              <thead>
                <tr>
                  <th>Rank</th>
                  <th>Model</th>
                  <th className="num score">Score % [95% CI]</th>
                  <th className="num secondary">lcl %</th>
                  <th className="num secondary">flip %</th>
                  <th className="num secondary">Episodes</th>
                  <th className="secondary">Runs</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((r) => (
                  <tr key={r.modelId} data-testid="ranked-row">
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
                    <td className="model">
                      {/* Its newest public run, so that a phone, without the Runs column, reaches it. */}
                      {r.submissionIds[0] !== undefined ? (
                        <RowLink
                          className="model-name"
                          href={`/submissions/${r.submissionIds[0]}`}
                          title={r.model}
                        >
                          {r.model}
                        </RowLink>
                      ) : (
                        <span className="model-name" title={r.model}>
                          {r.model}
                        </span>
                      )}
                      {r.unranked ? <div className="muted">{r.unranked}</div> : null}
                    </td>
                    <td className="num score" data-testid="ranked-score">
                      {pct(r.score?.score)}{' '}
                      <span className="muted">
                        [{pct(r.score?.low)}, {pct(r.score?.high)}]
                      </span>
                    </td>
                    <td className="num secondary">{pct(r.score?.lclAccuracy)}</td>
                    <td className="num secondary">{pct(r.score?.flipAccuracy)}</td>
                    <td className="num secondary">{r.lcl.n + r.flip.n}</td>
                    <td className="secondary" data-testid="ranked-runs">
                      {r.runs}:{' '}
                      {r.submissionIds.map((id, i) => (
                        <span key={id}>
                          {i > 0 ? ', ' : null}
                          <RowLink href={`/submissions/${id}`}>#{id}</RowLink>
                        </span>
                      ))}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </div>
      )}
      {publicBoards.length > 0 ? (
        <p data-testid="public-boards">
          Public boards (fixed test sets, labels public):{' '}
          {publicBoards.map((v, i) => (
            <span key={v.id}>
              {i > 0 ? ' · ' : null}
              <Link href={`/?${new URLSearchParams({ [BENCHMARK_PARAM]: benchmarkName(v) })}`}>
                {v.name}@{v.version}
                {v.retired ? ' (retired)' : ''}
              </Link>
            </span>
          ))}
        </p>
      ) : null}
    </>
  );
}
