import { isPolicyName, POLICIES } from '@linkboard/core';
import { TRPCError } from '@trpc/server';
import type { Metadata } from 'next';
import Link from 'next/link';
import { forbidden, notFound } from 'next/navigation';
import { param, policyLabel, type SearchParams, scorerParam } from '~/components/format';
import { api } from '~/server/caller';

export async function generateMetadata({
  params,
}: {
  params: Promise<{ id: string }>;
}): Promise<Metadata> {
  return { title: `Episode ${(await params).id.slice(0, 12)}…` };
}

export const dynamic = 'force-dynamic';

export default async function EpisodePage({
  params,
  searchParams,
}: {
  params: Promise<{ id: string }>;
  searchParams: SearchParams;
}) {
  const id = (await params).id;
  const sp = await searchParams;
  const submission = Number(param(sp.submission)) || undefined;
  const scorer = scorerParam(param(sp.scorer));
  const trpc = await api();
  const episode = await trpc.episodes.byId({ id, submission }).catch((error: unknown) => {
    // Refused by the visibility rule (a ranked run's episode it has not answered yet): a 403
    // saying so; anything else (a missing or private one) is the same 404 as a wrong id.
    if (error instanceof TRPCError && error.code === 'FORBIDDEN') forbidden();
    return null;
  });
  if (!episode) notFound();
  const failures = submission
    ? (await trpc.submissions.failures({ id: submission, scorer })).episodes
    : [];
  const at = failures.findIndex((f) => f.episodeId === id);
  const prev = at > 0 ? failures[at - 1] : undefined;
  const next = at >= 0 ? failures[at + 1] : failures[0];
  const nav = (f: (typeof failures)[number] | undefined, label: string) =>
    f ? (
      <Link href={`/episodes/${f.episodeId}?submission=${submission}&scorer=${scorer}`}>
        {label}
      </Link>
    ) : (
      <span className="muted">{label}</span>
    );

  // Under flip the right answer (label) is the partner's name; say what the image truly shows.
  const swapped = isPolicyName(episode.policy) && POLICIES[episode.policy].swapsLabels;
  return (
    <>
      <h1>
        Episode <code>{episode.id}</code>
      </h1>
      <p className="lead">
        {episode.shots}-shot · policy {policyLabel(episode.policy)} · draw {episode.draw} · pair{' '}
        {episode.pairKey} ·{' '}
        {swapped ? (
          <>
            the query is a {episode.query.queryClass} {episode.query.other}; the flipped
            demonstrations call it <b>{episode.query.label}</b>, the answer that follows them
          </>
        ) : (
          <>
            the query is a {episode.query.queryClass} <b>{episode.query.label}</b> (the other
            concept: {episode.query.other})
          </>
        )}
      </p>
      {submission ? (
        <p>
          {nav(prev, '← previous failure')} ·{' '}
          <Link href={`/submissions/${submission}`}>submission {submission}</Link> ·{' '}
          {nav(next, 'next failure →')}
        </p>
      ) : null}
      <h2>What the model saw, in order</h2>
      <div className="episode" data-testid="episode-images">
        {episode.support.map((s, i) => (
          <figure key={s.imageId}>
            {/* biome-ignore lint/performance/noImgElement: images come from our own content store route */}
            <img
              src={`/images/${s.imageId}?w=192`}
              width={150}
              height={150}
              alt={`example ${i + 1}: ${s.label}`}
            />
            <figcaption>
              {i + 1}. “{s.label}”
            </figcaption>
          </figure>
        ))}
        <figure className="query">
          {/* biome-ignore lint/performance/noImgElement: images come from our own content store route */}
          <img
            src={`/images/${episode.query.imageId}?w=192`}
            width={150}
            height={150}
            alt="the query"
          />
          <figcaption>query: {swapped ? episode.query.other : episode.query.label}</figcaption>
        </figure>
      </div>
      {episode.result ? (
        <>
          <h2>The answer</h2>
          <pre data-testid="raw-answer">
            {episode.result.rawAnswer ?? `(no answer: ${episode.result.errorClass})`}
          </pre>
          {episode.result.answerTruncated ? (
            <p className="muted" data-testid="answer-truncated">
              The model said more: its first 8,000 characters are kept, and scored.
            </p>
          ) : null}
          <table style={{ maxWidth: 520 }}>
            <tbody>
              {episode.result.verdicts.map((v) => (
                <tr key={v.scorer} data-testid={`verdict-${v.scorer}`}>
                  <th>
                    {v.scorer} <span className="muted">v{v.version}</span>
                  </th>
                  <td>{v.outcome}</td>
                  <td className="muted">{v.rule}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      ) : null}
      <h2>The prompt as sent</h2>
      <pre>{episode.promptText}</pre>
      <p className="muted">demo hash {episode.demoHash}</p>
    </>
  );
}
