import { benchmarkName, type ScorerName, scorerNames } from '@linkboard/core';
import type { Metadata } from 'next';
import Link from 'next/link';
import { notFound } from 'next/navigation';
import { param, pct, policyLabel, type SearchParams, scorerParam } from '~/components/format';
import { RowLink } from '~/components/row-link';
import { runLabels } from '~/lib/run-labels';
import { api } from '~/server/caller';

export async function generateMetadata({
  params,
}: {
  params: Promise<{ id: string }>;
}): Promise<Metadata> {
  return { title: `Concept #${(await params).id}` };
}

export const dynamic = 'force-dynamic';

export default async function ConceptPage({
  params,
  searchParams,
}: {
  params: Promise<{ id: string }>;
  searchParams: SearchParams;
}) {
  const id = Number((await params).id);
  const sp = await searchParams;
  const trpc = await api();
  // The concept's benchmark version, by name, and the scorer its board ranks by: the figures
  // below are the board's unless the reader picks another scorer.
  const conceptOf = (scorer: ScorerName) => trpc.concepts.byId({ id, scorer }).catch(() => null);
  const asked = param(sp.scorer);
  const first = await conceptOf(scorerParam(asked));
  if (!first) notFound();
  const version = (await trpc.leaderboard.versions()).find(
    (v) => v.id === first.benchmarkVersionId,
  );
  const rankedScorer = version?.rankedSetting.scorer;
  // Unasked, the board's scorer: read again where it is not the one read first.
  const scorer = scorerParam(asked, rankedScorer);
  const concept = scorer === scorerParam(asked) ? first : await conceptOf(scorer);
  if (!concept) notFound();
  const board = version ? benchmarkName(version) : null;
  const bySubmission = new Map<number, { model: string; rows: typeof concept.models }>();
  for (const m of concept.models) {
    const entry = bySubmission.get(m.submissionId) ?? { model: m.model, rows: [] };
    entry.rows.push(m);
    bySubmission.set(m.submissionId, entry);
  }
  // Two runs of one model read apart: `model (#id, date)`.
  const label = runLabels(
    concept.models
      .filter((m, i, all) => all.findIndex((o) => o.submissionId === m.submissionId) === i)
      .map((m) => ({ id: m.submissionId, model: m.model, finishedAt: m.finishedAt })),
  );
  return (
    <>
      <h1>{concept.name}</h1>
      {/* Its own description, under its name: the partner's is on the partner's page. */}
      {concept.description ? (
        <p className="lead" data-testid="concept-description">
          {concept.description}
        </p>
      ) : null}
      <p className="muted" data-testid="concept-context">
        A {concept.queryClass} concept of pair {concept.pairKey}
        {board ? (
          <>
            {' '}
            on{' '}
            <Link href={`/concepts?${new URLSearchParams({ benchmark: board })}`}>
              <code>{board}</code>
            </Link>
          </>
        ) : null}
        ; its partner is <Link href={`/concepts/${concept.other.id}`}>{concept.other.name}</Link>.
      </p>
      <h2>
        How models do on its queries ({scorer} scorer
        {scorer === rankedScorer ? ', the one the board ranks by' : ''})
      </h2>
      <p className="muted" data-testid="concept-scorers">
        Scorer:{' '}
        {scorerNames().map((name, i) => (
          <span key={name}>
            {i > 0 ? ' / ' : null}
            {name === scorer ? (
              <b>{name}</b>
            ) : (
              <Link href={name === rankedScorer ? `/concepts/${id}` : `?scorer=${name}`}>
                {name}
              </Link>
            )}
            {name === rankedScorer ? ' (ranked)' : null}
          </span>
        ))}
      </p>
      <table data-testid="concept-models">
        <thead>
          <tr>
            <th>Model</th>
            <th>Policy</th>
            <th className="num">Shots</th>
            <th className="num">Accuracy</th>
            <th className="num" title="answered the pair's other concept">
              Other label
            </th>
            <th className="num">Neither</th>
            <th className="num">Error</th>
          </tr>
        </thead>
        <tbody>
          {[...bySubmission.entries()].flatMap(([sid, { model, rows }]) =>
            rows.map((r) => (
              <tr key={`${sid}-${r.policy}-${r.shots}`}>
                <td>
                  <RowLink href={`/submissions/${sid}`}>{label.get(sid) ?? model}</RowLink>
                </td>
                <td>{policyLabel(r.policy)}</td>
                <td className="num">{r.shots}</td>
                <td className="num">{pct(r.n ? r.correct / r.n : null)}</td>
                <td className="num">{r.outcomes['other-label']}</td>
                <td className="num">{r.outcomes.neither}</td>
                <td className="num">{r.outcomes.error}</td>
              </tr>
            )),
          )}
        </tbody>
      </table>
      <h2>Images ({concept.images.length})</h2>
      <div className="grid">
        {concept.images.map((img) => (
          <figure key={img.id} style={{ margin: 0, textAlign: 'center', fontSize: 11 }}>
            {/* biome-ignore lint/performance/noImgElement: images come from our own content store route */}
            <img
              src={`/images/${img.id}?w=128`}
              width={96}
              height={96}
              alt={`${concept.name} (${img.role})`}
            />
            <figcaption className="muted">{img.role}</figcaption>
          </figure>
        ))}
      </div>
    </>
  );
}
