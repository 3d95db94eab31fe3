import { DEFAULT_SCORER } from '@linkboard/core';
import type { Metadata } from 'next';
import Link from 'next/link';
import { notFound } from 'next/navigation';
import { pct, policyLabel } from '~/components/format';
import { RowLink } from '~/components/row-link';
import { api } from '~/server/caller';

export async function generateMetadata({
  params,
}: {
  params: Promise<{ id: string }>;
}): Promise<Metadata> {
  return { title: `Concept #${(await params).id}` };
}

export const dynamic = 'force-dynamic';

export default async function ConceptPage({ params }: { params: Promise<{ id: string }> }) {
  const id = Number((await params).id);
  const concept = await (await api()).concepts
    .byId({ id, scorer: DEFAULT_SCORER })
    .catch(() => null);
  if (!concept) notFound();
  const bySubmission = new Map<number, { model: string; rows: typeof concept.models }>();
  for (const m of concept.models) {
    const entry = bySubmission.get(m.submissionId) ?? { model: m.model, rows: [] };
    entry.rows.push(m);
    bySubmission.set(m.submissionId, entry);
  }
  return (
    <>
      <h1>{concept.name}</h1>
      <p className="lead">
        {concept.queryClass} concept of pair {concept.pairKey}; its partner is{' '}
        <Link href={`/concepts/${concept.other.id}`}>{concept.other.name}</Link>.{' '}
        {concept.description}
      </p>
      <h2>How models do on its queries (LCL/ICL, official scorer)</h2>
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
                  <RowLink href={`/submissions/${sid}`}>{model}</RowLink>
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
