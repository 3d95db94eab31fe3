import {
  benchmarkName,
  DEFAULT_SCORER,
  MAX_COMPARED,
  policyTotals,
  RANKED_BOARD,
  rankedScore,
  SITE_API,
} from '@linkboard/core';
import type { Metadata } from 'next';
import Link from 'next/link';
import { notFound } from 'next/navigation';
import { AccuracyChart } from '~/components/charts';
import {
  curveLine,
  formatTime,
  param,
  pct,
  policyLabel,
  pValue,
  type SearchParams,
  scorerParam,
  signedPts,
} from '~/components/format';
import { ModelCard } from '~/components/model-card';
import { ModelIndexBlock } from '~/components/model-index-block';
import { OwnerActions } from '~/components/owner-actions';
import { RowLink } from '~/components/row-link';
import { RunUsage } from '~/components/run-usage';
import { StatusPanel } from '~/components/status-panel';
import { env } from '~/env';
import { accuracyCurves } from '~/lib/curves';
import { type Headline, publicHeadline, rankedHeadline } from '~/lib/headline';
import { type ModelIndexInput, modelIndexYaml } from '~/lib/model-index';
import { MAX_ID, MAX_OVERLAYS } from '~/lib/page-params';
import { provenanceFields, provenanceView } from '~/lib/provenance';
import { generationLabel, imageSizeLabel } from '~/lib/run-settings';
import { api } from '~/server/caller';
import { TRPCReactProvider } from '~/trpc/react';

export async function generateMetadata({
  params,
}: {
  params: Promise<{ id: string }>;
}): Promise<Metadata> {
  return { title: `Submission #${(await params).id}` };
}

export const dynamic = 'force-dynamic';

export default async function SubmissionPage({
  params,
  searchParams,
}: {
  params: Promise<{ id: string }>;
  searchParams: SearchParams;
}) {
  const id = Number((await params).id);
  const sp = await searchParams;
  const trpc = await api();
  const submission = await trpc.submissions.byId({ id }).catch(() => null);
  if (!submission) notFound();
  const scorer = scorerParam(param(sp.scorer), submission.scorer);
  // Overlays as the picker sends them (`overlay=2,3&overlay=4`) or as typed (`overlay=2,3`).
  const overlay = [sp.overlay ?? []]
    .flat()
    .join(',')
    .split(',')
    .map(Number)
    .filter(
      (n, i, all) =>
        Number.isInteger(n) && n > 0 && n <= MAX_ID && n !== id && all.indexOf(n) === i,
    );
  const curves = await trpc.leaderboard.curves({ ids: [id, ...overlay], scorer });
  const learningCurves = await trpc.submissions.learningCurves({ id, scorer });
  const me = await trpc.accounts.me();
  // A ranked run's draw has a concept per episode: its per-concept table would be a list of its
  // episodes, which its answers (and failures) show instead; concept pages cover public boards.
  const detail = !submission.rankedDraw;
  const concepts = detail ? await trpc.submissions.concepts({ id, scorer }) : [];
  // An open ranked run's failures are those of the episodes it has stored an answer to.
  const failures = await trpc.submissions.failures({ id, scorer });
  const errored = detail
    ? concepts.reduce((n, row) => n + row.outcomes.error, 0)
    : ((await trpc.submissions.status({ id })).errors ?? 0);
  const mine = me !== null && (me.role === 'admin' || me.id === submission.ownerId);
  // Only its owner (and admins) learn where its webhook goes and how its deliveries went.
  const webhook = mine ? await trpc.submissions.webhook({ id }) : null;

  const { headline, figures } = await headlineOf(trpc, submission, { scorer, curves });

  const { points, series } = accuracyCurves(curves);
  // Other finished submissions on this benchmark version, to lay over this one's chart.
  const others = (
    await trpc.leaderboard.rows({
      benchmarkVersionId: submission.benchmarkVersionId,
      scorer,
      selfReported: true,
    })
  ).filter((r) => r.submissionId !== id && !overlay.includes(r.submissionId));
  const shown = [...new Map(curves.map((c) => [c.submissionId, c.model])).entries()].filter(
    ([sid]) => sid !== id,
  );
  const overlayHref = (ids: number[]) => {
    const q = new URLSearchParams();
    if (ids.length) q.set('overlay', ids.join(','));
    if (param(sp.scorer)) q.set('scorer', scorer);
    const query = q.toString();
    return query ? `?${query}` : `/submissions/${id}`;
  };
  // Typed through core's readProvenance (a row from before its schema reads upgraded).
  const provenance = provenanceView(submission.provenance, id);
  const { reasoningAnswers } = provenance;
  // The result as a model card's metadata, once it has its board's figure: the version it ran
  // (the manifest hash the runner recorded, else the version's), and a link back here.
  const modelIndex = figures
    ? modelIndexYaml({
        ...figures,
        model: submission.model,
        benchmark: submission.benchmark,
        revision: provenance.provenance?.benchmark.manifestHash ?? figures.revision,
        url: `${env.BETTER_AUTH_URL.replace(/\/+$/, '')}/submissions/${submission.id}`,
      })
    : null;
  const conceptRows = new Map<
    string,
    {
      name: string;
      queryClass: string;
      pair: string;
      conceptId: number;
      cells: Map<string, (typeof concepts)[number]>;
    }
  >();
  for (const c of concepts) {
    const row = conceptRows.get(c.conceptKey) ?? {
      name: c.name,
      queryClass: c.queryClass,
      pair: c.pairKey,
      conceptId: c.conceptId,
      cells: new Map(),
    };
    row.cells.set(`${policyLabel(c.policy)} ${c.shots}`, c);
    conceptRows.set(c.conceptKey, row);
  }
  const columns = [...new Set(concepts.map((c) => `${policyLabel(c.policy)} ${c.shots}`))];
  const totals = (row: { cells: Map<string, (typeof concepts)[number]> }) => {
    const t = { correct: 0, 'other-label': 0, both: 0, neither: 0, empty: 0, error: 0 };
    for (const c of row.cells.values())
      for (const k of Object.keys(t) as (keyof typeof t)[]) t[k] += c.outcomes[k];
    return t;
  };

  return (
    <>
      <h1>{submission.model}</h1>
      <p className="lead">
        {submission.organisation ? `${submission.organisation} · ` : ''}submission {submission.id}{' '}
        on {submission.benchmark} · {submission.adapter} · shots {submission.shots.join(', ')} ·{' '}
        {submission.policies.map(policyLabel).join(', ')} · {submission.draws} draw(s) · scorer{' '}
        {scorer}
      </p>
      <HeadlineBlock headline={headline} />
      <ModelCard card={submission.card} />
      {submission.draw ? (
        <p className="muted" data-testid="ranked-draw">
          A ranked run on a fresh draw of its own (<a href="/ranked">the ranked board</a>): key{' '}
          {submission.draw.keyId}, commitment <code>{submission.draw.commitment}</code>.{' '}
          {submission.draw.seed ? (
            <>
              Seed, revealed now that it has ended: <code>{submission.draw.seed}</code> (
              <code>linkboard verify {submission.id}</code> checks the run from it).
            </>
          ) : (
            'Its seed is revealed when it ends.'
          )}
        </p>
      ) : null}
      {submission.generation ? (
        <p className="muted" data-testid="generation">
          Generation: {generationLabel(submission.generation)} · images{' '}
          {imageSizeLabel(submission.maxImageSide)} ·{' '}
          {reasoningAnswers === null
            ? 'replies with reasoning not known (its provenance does not read)'
            : reasoningAnswers > 0
              ? `${reasoningAnswers.toLocaleString('en')} answer(s) came with reasoning, which is not scored (only the reply's content is)`
              : 'no answer came with reasoning'}
        </p>
      ) : null}
      <TRPCReactProvider>
        <StatusPanel id={submission.id} initial={submission.status} />
        {mine ? (
          <OwnerActions
            id={submission.id}
            status={submission.status}
            visibility={submission.visibility}
            isAdmin={me?.role === 'admin'}
            errored={errored}
          />
        ) : null}
      </TRPCReactProvider>
      {submission.exposure?.flagged ? (
        <p className="badge" data-testid="exposure-flag">
          Accuracy grows with exposure: {signedPts(submission.exposure.slope)} pts per doubling of
          the episodes of a pair sent before, answers to one query at one shot count compared (±
          {signedPts(submission.exposure.se).replace('+', '')} clustered by pair; one-sided p ={' '}
          {pValue(submission.exposure.pValue)} from the randomised order). Episodes are sent in a
          random order, so an endpoint that answers each from its own demonstrations cannot do this;
          one that remembers images across episodes does, and its accuracy-vs-shots curve means
          little.
        </p>
      ) : submission.exposure && submission.exposure.slope !== null ? (
        <p className="muted" data-testid="exposure">
          Exposure check: {signedPts(submission.exposure.slope)} pts per doubling of a pair's
          earlier episodes (one-sided p = {pValue(submission.exposure.pValue)}), not flagged.
        </p>
      ) : null}
      <h2>Accuracy vs shots</h2>
      {points.length > 0 ? (
        <AccuracyChart points={points} series={series} />
      ) : (
        <p className="muted">No results yet.</p>
      )}
      {learningCurves.some((c) => curveLine(c) !== null) ? (
        <ul className="muted" data-testid="learning-curves">
          {learningCurves.map((c) =>
            curveLine(c) ? (
              <li key={c.policy}>
                {policyLabel(c.policy)}: {curveLine(c)}
              </li>
            ) : null,
          )}
        </ul>
      ) : null}
      <p className="muted">
        Bands and intervals are 95% cluster-robust intervals over pairs (t with one degree of
        freedom fewer than the pairs); the slope is least squares on log2 of the shots.
      </p>
      {overlay.length < MAX_OVERLAYS && others.length > 0 ? (
        <form className="filters" method="get" data-testid="overlay-picker">
          {overlay.length ? <input type="hidden" name="overlay" value={overlay.join(',')} /> : null}
          {param(sp.scorer) ? <input type="hidden" name="scorer" value={scorer} /> : null}
          <label>
            Overlay another model
            <select name="overlay" defaultValue="">
              <option value="">—</option>
              {others.map((r) => (
                <option key={r.submissionId} value={r.submissionId}>
                  {`${r.model} (#${r.submissionId})`}
                </option>
              ))}
            </select>
          </label>
          <button type="submit">Add</button>
        </form>
      ) : null}
      {shown.length > 0 ? (
        <p className="muted" data-testid="overlays">
          Overlaid:{' '}
          {shown.map(([sid, model], i) => (
            <span key={sid}>
              {i > 0 ? ', ' : ''}
              {model} (#{sid}){' '}
              <Link href={overlayHref(overlay.filter((o) => o !== sid))}>remove</Link>
            </span>
          ))}{' '}
          ·{' '}
          <Link
            href={`/compare?ids=${[id, ...shown.map(([sid]) => sid)].slice(0, MAX_COMPARED).join(',')}`}
          >
            compare these
          </Link>
        </p>
      ) : null}
      <p className="muted">
        Compare: <Link href={`/compare?ids=${submission.id}`}>pick models</Link> · Scorer:{' '}
        <Link href={`?scorer=official`}>official</Link> /{' '}
        <Link href={`?scorer=strict`}>strict</Link> · Every answer:{' '}
        {/*
          A plain link: a file to save, not a page for the router to prefetch. Offered to whoever
          reads this page: the download's rule is this page's (the route reads the submission
          through the same `visibleSubmission`, and an open ranked run's lines are the episodes it
          has answered), so the link never answers 403 to someone who sees it.
        */}
        <a href={SITE_API.answers(submission.id)} download data-testid="answers-download">
          JSONL
        </a>
      </p>
      <RunUsage
        adapter={submission.adapter}
        usage={submission.usage}
        servedBy={submission.servedBy}
        preflight={submission.preflight}
      />
      {detail ? (
        <>
          <h2>Per concept</h2>
          <div className="scroll-x">
            <table data-testid="concepts">
              <thead>
                <tr>
                  <th>Concept</th>
                  <th>Class</th>
                  {columns.map((c) => (
                    <th className="num" key={c}>
                      {c}-shot
                    </th>
                  ))}
                  <th className="num">correct</th>
                  <th className="num" title="for a novel query: the prior override">
                    other label
                  </th>
                  <th className="num">both</th>
                  <th className="num">neither</th>
                  <th className="num">empty</th>
                  <th className="num">error</th>
                </tr>
              </thead>
              <tbody>
                {[...conceptRows.values()].map((row) => {
                  const t = totals(row);
                  return (
                    <tr key={`${row.pair}-${row.name}`}>
                      <td>
                        <RowLink href={`/concepts/${row.conceptId}`}>{row.name}</RowLink>
                      </td>
                      <td className="muted">{row.queryClass}</td>
                      {columns.map((c) => (
                        <td className="num" key={c}>
                          {pct(row.cells.get(c)?.accuracy ?? null, 0)}
                        </td>
                      ))}
                      <td className="num">{t.correct}</td>
                      <td className="num">{t['other-label']}</td>
                      <td className="num">{t.both}</td>
                      <td className="num">{t.neither}</td>
                      <td className="num">{t.empty}</td>
                      <td className="num">{t.error}</td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
          <h2>Failures</h2>
          {failures.total === 0 ? (
            <p className="muted">None.</p>
          ) : (
            <p data-testid="failures">
              {failures.total.toLocaleString('en')} episode{failures.total === 1 ? '' : 's'} judged
              wrong, e.g.{' '}
              {failures.episodes.slice(0, 8).map((f, i) => (
                <span key={f.episodeId}>
                  {i > 0 ? ', ' : ''}
                  <RowLink
                    data-testid="failure-link"
                    href={`/episodes/${f.episodeId}?submission=${submission.id}&scorer=${scorer}`}
                  >
                    {f.concept} ({f.shots}-shot, {f.outcome})
                  </RowLink>
                </span>
              ))}
            </p>
          )}
        </>
      ) : (
        <p className="muted" data-testid="ranked-detail">
          A ranked run draws a concept per episode, so it has no per-concept table: its answers (the
          download above) list each episode with its label and verdict, those it has answered while
          it runs and all of them once it ends.
        </p>
      )}
      {webhook ? (
        <>
          <h2>Webhook</h2>
          <p className="muted">
            POSTs to <code>{webhook.url}</code> when this submission is done, failed or cancelled,
            signed with the secret shown when it was submitted.
          </p>
          {webhook.deliveries.length === 0 ? (
            <p className="muted" data-testid="webhook-none">
              Nothing sent yet: a delivery is made when the submission reaches a final state.
            </p>
          ) : (
            <div className="scroll-x">
              <table data-testid="webhook-deliveries">
                <thead>
                  <tr>
                    <th>state</th>
                    <th>delivery</th>
                    <th>attempts</th>
                    <th>last reply</th>
                    <th>when</th>
                  </tr>
                </thead>
                <tbody>
                  {webhook.deliveries.map((d) => (
                    <tr key={d.deliveryId}>
                      <td>{d.state}</td>
                      <td>
                        {d.status}
                        {d.status === 'pending' && d.attempts > 0 && d.nextAttemptAt
                          ? `, next attempt ${formatTime(d.nextAttemptAt)}`
                          : ''}
                      </td>
                      <td>
                        {d.attempts} of {d.maxAttempts}
                      </td>
                      <td>
                        {d.lastStatusCode !== null ? `HTTP ${d.lastStatusCode}` : ''}
                        {d.lastError
                          ? `${d.lastStatusCode !== null ? ' · ' : ''}${d.lastError}`
                          : ''}
                      </td>
                      <td>{formatTime(d.deliveredAt ?? d.createdAt)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </>
      ) : null}
      {modelIndex ? <ModelIndexBlock yaml={modelIndex} /> : null}
      <h2>Provenance</h2>
      {provenance.problem ? (
        <p role="alert" style={{ color: 'var(--bad)' }} data-testid="provenance-problem">
          Shown as stored: {provenance.problem}
        </p>
      ) : null}
      {provenance.provenance ? (
        <dl className="facts" data-testid="provenance">
          {provenanceFields(provenance.provenance).map((f) => (
            <div key={f.term}>
              <dt>{f.term}</dt>
              <dd>{f.code ? <code>{f.detail}</code> : f.detail}</dd>
            </div>
          ))}
        </dl>
      ) : provenance.problem ? null : (
        <p className="muted" data-testid="provenance-none">
          Nothing recorded yet: a runner records what ran when it starts the first job.
        </p>
      )}
      {provenance.provenance || provenance.problem ? (
        <details data-testid="provenance-raw" open={provenance.problem !== null}>
          <summary>The record as stored (JSON)</summary>
          <pre>{JSON.stringify(provenance.shown, null, 2)}</pre>
        </details>
      ) : null}
      {submission.lastError ? <p className="muted">Last error: {submission.lastError}</p> : null}
    </>
  );
}

type Caller = Awaited<ReturnType<typeof api>>;
type Submission = Awaited<ReturnType<Caller['submissions']['byId']>>;
type Curves = Awaited<ReturnType<Caller['leaderboard']['curves']>>;

/**
 * A run's figures as its model card's `model-index` gives them; the rest is the submission's. The
 * revision is its version's manifest hash, for a run whose provenance does not name one.
 */
type Figures = Omit<ModelIndexInput, 'model' | 'benchmark' | 'url'>;

/**
 * The page's headline: a ranked run's own score and its model's place on the ranked board; a
 * public benchmark's run, its row on its version's board as the board ranks it (the version's
 * ranked setting: its policy and scorer, whatever scorer the page shows below). With it, the same
 * figures for a model card (`figures`): the score and its per-shot accuracy on that setting, or
 * null where the headline has no score.
 */
async function headlineOf(
  trpc: Caller,
  submission: Submission,
  shown: { scorer: string; curves: Curves },
): Promise<{ headline: Headline; figures: Figures | null }> {
  const mine = (rows: Curves) => rows.filter((c) => c.submissionId === submission.id);
  if (submission.rankedDraw) {
    // Every ranked run is scored by the default scorer (the ranked score).
    const scored =
      shown.scorer === DEFAULT_SCORER
        ? mine(shown.curves)
        : mine(await trpc.leaderboard.curves({ ids: [submission.id], scorer: DEFAULT_SCORER }));
    const { lcl, flip } = policyTotals(scored);
    const own = rankedScore(lcl, flip);
    const board = await trpc.ranked.board();
    const headline = rankedHeadline(
      submission,
      own,
      board.find((r) => r.submissionIds.includes(submission.id)),
      { name: RANKED_BOARD, rankedRows: board.filter((r) => r.rankLow !== null).length },
    );
    const figures = own && {
      score: {
        value: own.score,
        name: `Ranked score (the mean of ${policyLabel('lcl')} and ${policyLabel('flip')} accuracy, ${DEFAULT_SCORER} scorer)`,
      },
      perShot: scored.map((c) => ({
        policy: policyLabel(c.policy),
        shots: c.shots,
        accuracy: c.n ? c.correct / c.n : null,
      })),
      scorer: DEFAULT_SCORER,
      revision: null,
    };
    return { headline, figures };
  }
  const version = (await trpc.leaderboard.versions()).find(
    (v) => v.id === submission.benchmarkVersionId,
  );
  const setting = version?.rankedSetting;
  const rows =
    version && setting
      ? await trpc.leaderboard.rows({
          benchmarkVersionId: version.id,
          policy: setting.policy,
          scorer: setting.scorer,
          // Uploaded answers are ranked on the board that takes them (self-reported shown).
          selfReported: submission.adapter === 'predictions',
        })
      : [];
  const row = rows.find((r) => r.submissionId === submission.id);
  const policy = policyLabel(setting?.policy ?? 'lcl');
  const scorer = setting?.scorer ?? DEFAULT_SCORER;
  const headline = publicHeadline(submission, row, {
    name: version ? benchmarkName(version) : submission.benchmark,
    rankedRows: rows.filter((r) => r.ranked).length,
    policy,
    scorer,
  });
  const figures =
    row && row.accuracy !== null
      ? {
          score: {
            value: row.accuracy,
            name: `Accuracy on the board's ranked setting (${policy}, ${scorer} scorer)`,
          },
          perShot: Object.entries(row.perShot).map(([shots, accuracy]) => ({
            policy,
            shots: Number(shots),
            accuracy,
          })),
          scorer,
          revision: version?.manifestHash ?? null,
        }
      : null;
  return { headline, figures };
}

/** The headline near the top: the score, where it stands, ranked or why not. */
function HeadlineBlock({ headline }: { headline: Headline }) {
  const { score } = headline;
  return (
    <section className="headline" data-testid="headline" aria-label="headline">
      {score ? (
        <p className="headline-score">
          <b data-testid="headline-score">{pct(score.value)}</b>{' '}
          {score.low !== null && score.high !== null ? (
            <span className="muted">
              [{pct(score.low)}, {pct(score.high)}]
            </span>
          ) : null}{' '}
          <span className="muted">{score.what}</span>
        </p>
      ) : null}
      <p data-testid="headline-standing">
        <span className={`badge${headline.ranked ? ' done' : ''}`}>
          {headline.ranked ? 'ranked' : 'not ranked'}
        </span>{' '}
        {headline.standing ? `${headline.standing}. ` : ''}
        {headline.why ? `Not ranked: ${headline.why}.` : ''}
      </p>
    </section>
  );
}
