import {
  benchmarkName,
  DEFAULT_POLICY,
  DEFAULT_SCORER,
  MAX_COMPARED,
  POLICY_NAMES,
} from '@linkboard/core';
import { TRPCError } from '@trpc/server';
import type { Metadata } from 'next';
import Link from 'next/link';
import { notFound } from 'next/navigation';
import { AccuracyChart } from '~/components/charts';
import {
  curveLine,
  param,
  pct,
  policyLabel,
  policyParam,
  pValue,
  type SearchParams,
  signedPts,
} from '~/components/format';
import { RowLink } from '~/components/row-link';
import { accuracyCurves } from '~/lib/curves';
import { api, orNotFound } from '~/server/caller';

export const metadata: Metadata = { title: 'Compare models' };

/** Every id the URL names: `ids=1,2,3`, `ids=1&ids=2`, and the older two-model `a=` and `b=`. */
function chosenIds(sp: Record<string, string | string[] | undefined>): number[] {
  const values = [sp.ids, sp.a, sp.b].flatMap((v) => (v === undefined ? [] : [v].flat()));
  const ids = values
    .flatMap((v) => v.split(','))
    .map(Number)
    .filter((n) => Number.isInteger(n) && n > 0);
  return [...new Set(ids)];
}

export const dynamic = 'force-dynamic';

/** Below this many pairs (the resampled clusters), intervals and tests are rough. */
const FEW_PAIRS = 20;

type Caller = Awaited<ReturnType<typeof api>>;

/**
 * The comparison asked for, or why these submissions cannot be compared: a refusal the reader can
 * act on (runs of different boards, a ranked run with a public one, a rule that withholds one) is
 * the page's message, never a 500. A missing or private one stays the page's 404, the same as for
 * a missing id, so ids cannot be probed.
 */
async function comparedOrWhyNot<T>(
  read: Promise<T>,
): Promise<{ compared: T; refused: null } | { compared: null; refused: string }> {
  try {
    return { compared: await read, refused: null };
  } catch (error) {
    if (!(error instanceof TRPCError)) throw error;
    if (error.code === 'NOT_FOUND') notFound();
    if (['BAD_REQUEST', 'FORBIDDEN', 'PRECONDITION_FAILED'].includes(error.code))
      return { compared: null, refused: error.message.replace(/^ids: /, '') };
    throw error;
  }
}

/**
 * What the picker offers: the board the first chosen submission is on (every ranked run on the
 * ranked board, for a ranked run; its version's board, for a public one), else the public board
 * the site shows first; and every chosen submission the reader may see, on it or not. So that a
 * submission page's "pick models" link (one id) opens the picker on it and its rivals.
 */
async function pickerOptions(trpc: Caller, ids: readonly number[]) {
  const chosen = (
    await Promise.all(ids.map((id) => trpc.submissions.byId({ id }).catch(() => null)))
  ).filter((s) => s !== null);
  const anchor = chosen[0];
  const options = new Map<number, string>();
  let board: { href: string; name: string };
  if (anchor?.rankedDraw) {
    for (const row of await trpc.ranked.board())
      for (const id of row.submissionIds) options.set(id, `${row.model} (#${id}, ranked)`);
    board = { href: '/ranked', name: 'the ranked board' };
  } else {
    const versions = await trpc.leaderboard.versions();
    // Unchosen: a public benchmark's board (the newest with results, as the board opens on).
    const version = anchor
      ? versions.find((v) => v.id === anchor.benchmarkVersionId)
      : (versions.find((v) => !v.retired && v.submissions > 0) ?? versions[0]);
    const rows = version
      ? await trpc.leaderboard.rows({
          benchmarkVersionId: version.id,
          policy: DEFAULT_POLICY,
          scorer: DEFAULT_SCORER,
          selfReported: true,
        })
      : [];
    for (const r of rows) options.set(r.submissionId, `${r.model} (#${r.submissionId})`);
    board = version
      ? {
          href: `/?${new URLSearchParams({ benchmark: benchmarkName(version) })}`,
          name: `the ${benchmarkName(version)} board`,
        }
      : { href: '/', name: 'the leaderboard' };
  }
  // A chosen model not on the board (unranked, another version) is still offered.
  for (const s of chosen)
    if (!options.has(s.id))
      options.set(s.id, `${s.model} (#${s.id}${s.rankedDraw ? ', ranked' : ''})`);
  return { options, board };
}

export default async function ComparePage({ searchParams }: { searchParams: SearchParams }) {
  const sp = await searchParams;
  const ids = chosenIds(sp);
  const policy = policyParam(param(sp.policy));
  const trpc = await api();
  const { compared, refused } =
    ids.length >= 2
      ? await comparedOrWhyNot(trpc.compare.models({ ids, scorer: DEFAULT_SCORER, policy }))
      : { compared: null, refused: null };
  const { options, board } = await pickerOptions(trpc, ids);
  const picker = (
    <form className="filters" method="get" data-testid="compare-picker">
      {Array.from({ length: MAX_COMPARED }, (_, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: the slots are fixed, one per model
        <label key={i}>
          Model {i + 1}
          <select name="ids" defaultValue={String(ids[i] ?? '')}>
            <option value="">—</option>
            {[...options].map(([id, label]) => (
              <option key={id} value={id}>
                {label}
              </option>
            ))}
          </select>
        </label>
      ))}
      <label>
        Policy
        <select name="policy" defaultValue={policy}>
          {POLICY_NAMES.map((p) => (
            <option key={p} value={p}>
              {policyLabel(p)}
            </option>
          ))}
        </select>
      </label>
      <button type="submit">Compare</button>
    </form>
  );
  if (!compared) {
    return (
      <>
        <h1>Compare models</h1>
        {refused !== null ? (
          <div className="warning" role="alert" data-testid="compare-refused">
            <p>
              <b>These submissions cannot be compared:</b> {refused}.
            </p>
            <p>
              Pick models of one board below: public runs of one benchmark version are compared on
              the episodes they share, ranked runs with ranked runs. Or go back to{' '}
              <Link href={board.href}>{board.name}</Link>
              {board.href === '/ranked' ? null : (
                <>
                  {' '}
                  or <Link href="/ranked">the ranked board</Link>
                </>
              )}
              .
            </p>
          </div>
        ) : null}
        <p className="lead">
          Pick two to {MAX_COMPARED} models of one board. Runs of a public benchmark version are
          paired on identical episodes: differences with pair-clustered intervals (t over the pairs)
          and a pair-clustered test. Ranked runs, each on a draw of its own, are compared unpaired,
          on their scores.
        </p>
        {picker}
        {options.size === 0 ? (
          <p className="muted" data-testid="compare-empty">
            No finished public run to compare yet: <Link href="/submit">submit a model</Link>, or
            wait for the queue (<Link href="/queue">queue</Link>).
          </p>
        ) : null}
      </>
    );
  }
  const { submissions, pairs, settingsDifferences } = compared;
  const label = new Map(submissions.map((s) => [s.id, `${s.model} (#${s.id})`]));
  const chart = accuracyCurves(compared.curves.filter((c) => c.policy === policy));
  const pairOf = new Map(pairs.map((p) => [`${p.a}|${p.b}`, p]));
  const fewestClusters = pairs.some((p) => p.difference)
    ? Math.min(...pairs.flatMap((p) => (p.difference ? [p.difference.clusters] : [])))
    : null;
  const two = submissions.length === 2;
  const [first, second] = submissions;
  return (
    <>
      <h1>{submissions.map((s) => s.model).join(' vs ')}</h1>
      {compared.pairing === 'unpaired' ? (
        <p className="lead" data-testid="unpaired">
          Ranked runs, compared <b>unpaired</b>: each answered a draw of its own, so no episode is
          shared. A difference is their ranked scores' (the mean of lcl and flip accuracy, scored{' '}
          {DEFAULT_SCORER}), with an interval from the two runs' own; it is less sure than a paired
          difference over as many episodes.
        </p>
      ) : (
        <p className="lead">
          Paired on the episodes each two answered ({DEFAULT_SCORER} scorer, {policyLabel(policy)}).
        </p>
      )}
      {picker}
      {settingsDifferences.length > 0 ? (
        <div className="warning" role="note" data-testid="settings-differ">
          <p>
            These submissions were not run the same way, so a difference below may come from the
            settings rather than the models:
          </p>
          <ul>
            {settingsDifferences.map((line) => (
              <li key={line}>{line}</li>
            ))}
          </ul>
        </div>
      ) : null}
      <h2>Accuracy vs shots</h2>
      {chart.points.length > 0 ? (
        <AccuracyChart points={chart.points} series={chart.series} />
      ) : (
        <p className="muted">No results for {policyLabel(policy)} yet.</p>
      )}
      <ul className="muted" data-testid="learning-curves">
        {compared.learningCurves.map(({ id, curve }) => (
          <li key={id}>
            {submissions.find((s) => s.id === id)?.model} (#{id}):{' '}
            {(curve && curveLine(curve)) ?? 'no learning curve (fewer than two shot counts)'}
          </li>
        ))}
      </ul>
      <h2 id="every-pair">Every pair</h2>
      <p className="muted">
        Each cell: the row's accuracy minus the column's on the episodes both answered, every shot
        count of {policyLabel(policy)} together, with the pair-clustered test's p and, below it,
        Holm's adjustment for the {pairs.length} comparison{pairs.length === 1 ? '' : 's'} made
        here. Read the adjusted p: with many pairs, one small raw p is expected by chance.
      </p>
      <div className="scroll-x">
        {/* On a phone the matrix scrolls sideways in its own box (globals.css): in the Tab order,
            so that the keyboard can scroll it too, and named for the screen reader that lands. */}
        <table
          className="matrix"
          data-testid="pair-matrix"
          // biome-ignore lint/a11y/noNoninteractiveTabindex: a box that scrolls takes the focus (WCAG 2.1.1)
          tabIndex={0}
          aria-labelledby="every-pair"
        >
          <thead>
            <tr>
              <th>Row − column</th>
              {submissions.slice(1).map((s) => (
                <th key={s.id} className="num">
                  {label.get(s.id)}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {submissions.slice(0, -1).map((row, i) => (
              <tr key={row.id}>
                <th scope="row">{label.get(row.id)}</th>
                {submissions.slice(1).map((col, j) => {
                  const p = j >= i ? pairOf.get(`${row.id}|${col.id}`) : undefined;
                  if (!p) return <td key={col.id} />;
                  return (
                    <td key={col.id} className="num" data-testid="pair-cell">
                      <b>{signedPts(p.difference?.estimate)}</b>
                      {p.difference && p.difference.low !== null ? (
                        <span className="muted">
                          {' '}
                          [{signedPts(p.difference.low)}, {signedPts(p.difference.high)}]
                        </span>
                      ) : null}
                      <br />
                      <span className="muted">p {pValue(p.pValue)}</span>
                      <br />
                      <span title="Holm-adjusted for every pair on this page">
                        Holm p {pValue(p.holmP)}
                      </span>
                      <br />
                      <span className="muted">{p.n.toLocaleString('en')} episodes</span>
                    </td>
                  );
                })}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {fewestClusters !== null && fewestClusters < FEW_PAIRS ? (
        <p className="muted" data-testid="few-pairs">
          The intervals and the test resample whole pairs, and these episodes come from only{' '}
          {fewestClusters}: with so few, the intervals come out too narrow and the p-values too
          small.
        </p>
      ) : null}
      {/* Per shot and per concept need shared episodes: ranked runs (unpaired) have none. */}
      {two && first && second && compared.pairing === 'paired' ? (
        <TwoModels a={first} b={second} />
      ) : null}
    </>
  );
}

/** Two models: per shot, per concept and the episodes they disagree on (the older page). */
async function TwoModels({
  a: sa,
  b: sb,
}: {
  a: { id: number; model: string };
  b: { id: number; model: string };
}) {
  const trpc = await api();
  const a = sa.id;
  const comparison = await orNotFound(
    trpc.episodes.compare({ a: sa.id, b: sb.id, scorer: DEFAULT_SCORER }),
  );
  return (
    <>
      <h2>Per shot</h2>
      <div className="scroll-x">
        <table data-testid="comparison">
          <thead>
            <tr>
              <th>Policy</th>
              <th className="num">Shots</th>
              <th className="num">Episodes</th>
              <th className="num">{sa.model}</th>
              <th className="num">{sb.model}</th>
              <th className="num">Difference [95% CI]</th>
              <th
                className="num"
                title="a paired test with the concepts’ variance (cluster-robust)"
              >
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
                <td className="num">{pValue(r.clustered.pValue)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
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
