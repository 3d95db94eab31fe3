import { DEFAULT_POLICY, DEFAULT_SCORER, POLICIES } from '@linkboard/core';
import type { Metadata } from 'next';
import { notFound } from 'next/navigation';
import { chosenVersion, param, pct, type SearchParams } from '~/components/format';
import { HiddenSplitNote } from '~/components/hidden-split';
import { RowLink } from '~/components/row-link';
import { api } from '~/server/caller';

export const metadata: Metadata = { title: 'Concepts' };

export const dynamic = 'force-dynamic';

const heat = (x: number | null) =>
  x === null ? '#dee2e6' : `hsl(${Math.round(x * 120)}, 55%, 42%)`;

export default async function ConceptsPage({ searchParams }: { searchParams: SearchParams }) {
  const sp = await searchParams;
  const trpc = await api();
  const versions = await trpc.leaderboard.versions();
  const versionId = chosenVersion(versions, param(sp.version), notFound)?.id;
  if (!versionId) return <p>No benchmark yet.</p>;
  // A hidden test split's concept scores are admins' only (the router refuses anyone else).
  const withheld =
    versions.find((v) => v.id === versionId)?.split === 'hidden' &&
    (await trpc.accounts.me())?.role !== 'admin';
  const [gallery, cells] = withheld
    ? [[], []]
    : await Promise.all([
        trpc.concepts.gallery({ benchmarkVersionId: versionId }),
        trpc.concepts.heatmap({
          benchmarkVersionId: versionId,
          scorer: DEFAULT_SCORER,
          policy: DEFAULT_POLICY,
        }),
      ]);
  const models = [...new Map(cells.map((c) => [c.submissionId, c.model])).entries()];
  const cell = new Map(cells.map((c) => [`${c.submissionId}|${c.conceptId}`, c]));
  const difficulty = gallery
    .map((g) => {
      const mine = cells.filter((c) => c.conceptId === g.id);
      const n = mine.reduce((s, c) => s + c.n, 0);
      return { ...g, accuracy: n ? mine.reduce((s, c) => s + c.correct, 0) / n : null };
    })
    .filter((g) => g.accuracy !== null)
    .sort((a, b) => (a.accuracy as number) - (b.accuracy as number));
  const pairs = [...new Set(gallery.map((g) => g.pairKey))];

  return (
    <>
      <h1>Concepts</h1>
      <p className="lead">
        Each pair: a novel concept and the familiar look-alike it is built from.
      </p>
      <form className="filters" method="get">
        <label>
          Benchmark
          <select name="version" defaultValue={String(versionId)}>
            {versions.map((v) => (
              <option key={v.id} value={v.id}>{`${v.name}@${v.version}`}</option>
            ))}
          </select>
        </label>
        <button type="submit">Show</button>
      </form>
      {withheld ? <HiddenSplitNote /> : null}
      <h2>
        Hardest concepts ({POLICIES[DEFAULT_POLICY].shortTitle}, {DEFAULT_SCORER}, all models)
      </h2>
      <ol>
        {difficulty.slice(0, 6).map((g) => (
          <li key={g.id}>
            <RowLink href={`/concepts/${g.id}`}>{g.name}</RowLink>{' '}
            <span className="muted">
              ({g.queryClass}) · {pct(g.accuracy)}
            </span>
          </li>
        ))}
      </ol>
      {models.length > 0 ? (
        <>
          <h2>Models × concepts</h2>
          <div style={{ overflowX: 'auto' }}>
            <table className="heat">
              <thead>
                <tr>
                  <th>Model</th>
                  {gallery.map((g) => (
                    <th
                      key={g.id}
                      title={g.name}
                      style={{ writingMode: 'vertical-rl', fontWeight: 400, fontSize: 11 }}
                    >
                      {g.name}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {models.map(([id, model]) => (
                  <tr key={id}>
                    <td>{model}</td>
                    {gallery.map((g) => {
                      const c = cell.get(`${id}|${g.id}`);
                      const acc = c?.n ? c.correct / c.n : null;
                      return (
                        <td
                          key={g.id}
                          className="cell"
                          style={{ background: heat(acc) }}
                          title={`${model} on ${g.name}: ${pct(acc)}`}
                        >
                          {acc === null ? '' : Math.round(acc * 100)}
                        </td>
                      );
                    })}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      ) : null}
      <h2>Pairs</h2>
      <div className="grid">
        {pairs.map((pair) => (
          <div className="card" key={pair}>
            {gallery
              .filter((g) => g.pairKey === pair)
              .map((g) => (
                <div key={g.id} style={{ marginBottom: 6 }}>
                  <RowLink href={`/concepts/${g.id}`}>
                    <b>{g.name}</b>
                  </RowLink>{' '}
                  <span className="muted">{g.queryClass}</span>
                  <div className="thumbs">
                    {g.images.slice(0, 3).map((img) => (
                      // biome-ignore lint/performance/noImgElement: images come from our own content store route
                      <img
                        key={img}
                        src={`/images/${img}?w=96`}
                        width={64}
                        height={64}
                        alt={g.name}
                      />
                    ))}
                  </div>
                </div>
              ))}
          </div>
        ))}
      </div>
    </>
  );
}
