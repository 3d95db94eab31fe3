import { DEFAULT_POLICY, DEFAULT_SCORER } from '@linkboard/core';
import type { Metadata } from 'next';
import { param, pct, policyLabel, type SearchParams, signedPts } from '~/components/format';
import { RowLink } from '~/components/row-link';
import { settingsDifferences } from '~/lib/run-settings';
import { api, orNotFound } from '~/server/caller';

export const metadata: Metadata = { title: 'Compare models' };

export const dynamic = 'force-dynamic';

/** Below this many pairs (the resampled clusters), intervals and tests are rough. */
const FEW_PAIRS = 20;

export default async function ComparePage({ searchParams }: { searchParams: SearchParams }) {
  const sp = await searchParams;
  const a = Number(param(sp.a));
  const b = Number(param(sp.b));
  const trpc = await api();
  const versions = await trpc.leaderboard.versions();
  const board = versions[0]
    ? await trpc.leaderboard.rows({
        benchmarkVersionId: versions[0].id,
        policy: DEFAULT_POLICY,
        scorer: DEFAULT_SCORER,
      })
    : [];
  const picker = (
    <form className="filters" method="get">
      {(['a', 'b'] as const).map((side) => (
        <label key={side}>
          Model {side.toUpperCase()}
          <select name={side} defaultValue={String(side === 'a' ? a || '' : b || '')}>
            <option value="">—</option>
            {board.map((r) => (
              <option
                key={r.submissionId}
                value={r.submissionId}
              >{`${r.model} (#${r.submissionId})`}</option>
            ))}
          </select>
        </label>
      ))}
      <button type="submit">Compare</button>
    </form>
  );
  if (!a || !b) {
    return (
      <>
        <h1>Compare two models</h1>
        <p className="lead">
          Paired on identical episodes: differences with pair-clustered bootstrap intervals and a
          pair-clustered test.
        </p>
        {picker}
      </>
    );
  }
  // A missing or private submission is a 404, the same for both (ids cannot be probed).
  const [sa, sb, comparison] = await Promise.all([
    orNotFound(trpc.submissions.byId({ id: a })),
    orNotFound(trpc.submissions.byId({ id: b })),
    orNotFound(trpc.episodes.compare({ a, b, scorer: DEFAULT_SCORER })),
  ]);
  const differences = settingsDifferences(sa, sb, {
    a: `${sa.model} (#${sa.id})`,
    b: `${sb.model} (#${sb.id})`,
  });
  const fewestClusters = comparison.perShot.length
    ? Math.min(...comparison.perShot.map((r) => r.difference.clusters))
    : null;
  return (
    <>
      <h1>
        {sa.model} vs {sb.model}
      </h1>
      <p className="lead">Paired on the episodes both answered ({DEFAULT_SCORER} scorer).</p>
      {picker}
      {differences.length > 0 ? (
        <div className="warning" role="note" data-testid="settings-differ">
          <p>
            These submissions were not run the same way, so a difference below may come from the
            settings rather than the models:
          </p>
          <ul>
            {differences.map((line) => (
              <li key={line}>{line}</li>
            ))}
          </ul>
        </div>
      ) : null}
      <table data-testid="comparison">
        <thead>
          <tr>
            <th>Policy</th>
            <th className="num">Shots</th>
            <th className="num">Episodes</th>
            <th className="num">{sa.model}</th>
            <th className="num">{sb.model}</th>
            <th className="num">Difference [95% CI]</th>
            <th className="num" title="a paired test with the concepts’ variance (cluster-robust)">
              p (clustered)
            </th>
          </tr>
        </thead>
        <tbody>
          {comparison.perShot.map((r) => (
            <tr key={`${r.policy}-${r.shots}`}>
              <td>{policyLabel(r.policy)}</td>
              <td className="num">{r.shots}</td>
              <td className="num">{r.n}</td>
              <td className="num">{pct(r.accuracyA)}</td>
              <td className="num">{pct(r.accuracyB)}</td>
              <td className="num">
                {signedPts(r.difference.estimate)} [{signedPts(r.difference.low)},{' '}
                {signedPts(r.difference.high)}]
              </td>
              <td className="num">
                {r.clustered.pValue === null
                  ? '–'
                  : r.clustered.pValue < 0.001
                    ? '<0.001'
                    : r.clustered.pValue.toFixed(3)}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {fewestClusters !== null && fewestClusters < FEW_PAIRS ? (
        <p className="muted" data-testid="few-pairs">
          The intervals and the test resample whole pairs, and these episodes come from only{' '}
          {fewestClusters}: with so few, the intervals come out too narrow and the p-values too
          small.
        </p>
      ) : null}
      <h2>Per concept</h2>
      <table data-testid="comparison-concepts" style={{ maxWidth: 720 }}>
        <thead>
          <tr>
            <th>Concept</th>
            <th className="num">Episodes</th>
            <th className="num">{sa.model}</th>
            <th className="num">{sb.model}</th>
            <th className="num">Difference</th>
          </tr>
        </thead>
        <tbody>
          {comparison.perConcept.map((c) => (
            <tr key={c.conceptId}>
              <td>
                <RowLink href={`/concepts/${c.conceptId}`}>{c.concept}</RowLink>
              </td>
              <td className="num">{c.n}</td>
              <td className="num">{pct(c.accuracyA)}</td>
              <td className="num">{pct(c.accuracyB)}</td>
              <td className="num">{signedPts(c.difference)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <h2>Where they disagree ({comparison.disagreementCount})</h2>
      <ul>
        {comparison.disagreements.slice(0, 30).map((d) => (
          <li key={d.episodeId}>
            <RowLink href={`/episodes/${d.episodeId}?submission=${a}`}>{d.episodeId}</RowLink>{' '}
            <span className="muted">
              ({d.shots}-shot {policyLabel(d.policy)}: {d.aCorrect ? sa.model : sb.model} right)
            </span>
          </li>
        ))}
      </ul>
    </>
  );
}
