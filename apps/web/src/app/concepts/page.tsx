import { benchmarkName, DEFAULT_POLICY, DEFAULT_SCORER, POLICIES } from '@linkboard/core';
import type { Metadata } from 'next';
import Link from 'next/link';
import { notFound, permanentRedirect } from 'next/navigation';
import { chosenVersion, param, pct, type SearchParams } from '~/components/format';
import { RowLink } from '~/components/row-link';
import { legacyVersionTarget, searchParamsOf } from '~/lib/benchmark-param';
import { textColourOn } from '~/lib/contrast';
import { runLabels } from '~/lib/run-labels';
import { api } from '~/server/caller';

export const metadata: Metadata = { title: 'Concepts' };

export const dynamic = 'force-dynamic';

/**
 * A cell's colour: orange below chance (50%), near white at chance, blue above; orange and blue
 * stay apart with every common colour-vision deficiency, unlike red and green.
 */
function heat(x: number | null): { background: string; color: string } {
  // No answers: the site's neutral badge colours, which follow light and dark mode.
  if (x === null) return { background: 'var(--badge-bg)', color: 'var(--muted)' };
  const lightness = x < 0.5 ? 45 + (x / 0.5) * 50 : 95 - ((x - 0.5) / 0.5) * 55;
  const background = `hsl(${x < 0.5 ? 25 : 205}, 85%, ${Math.round(lightness)}%)`;
  // Black or white by contrast, not by lightness: white on a mid blue or orange is under 3:1.
  // Each cell sets both colours, so it reads the same in light and dark mode.
  return { background, color: textColourOn(background) };
}

const LEGEND_STOPS = [0, 0.25, 0.5, 0.75, 1];

type HeatOrder = 'pair' | 'accuracy';

export default async function ConceptsPage({ searchParams }: { searchParams: SearchParams }) {
  const sp = await searchParams;
  const trpc = await api();
  const versions = await trpc.leaderboard.versions();
  // A link of before (`?version=<id>`) goes on to the same page by the version's name.
  const legacy = legacyVersionTarget('/concepts', searchParamsOf(sp), versions);
  if (legacy) permanentRedirect(legacy);
  // The public boards' versions (a ranked run's draw is not among them: a concept per episode).
  const chosen = chosenVersion(versions, param(sp.benchmark), notFound);
  if (!chosen)
    return (
      <p>
        No benchmark yet: start linkboard with <code>npm start</code>, which imports one and runs
        the baselines on it.
      </p>
    );
  const versionId = chosen.id;
  const benchmark = benchmarkName(chosen);
  const [gallery, cells, traits] = await Promise.all([
    trpc.concepts.gallery({ benchmarkVersionId: versionId }),
    trpc.concepts.heatmap({
      benchmarkVersionId: versionId,
      scorer: DEFAULT_SCORER,
      policy: DEFAULT_POLICY,
    }),
    trpc.concepts.traits({
      benchmarkVersionId: versionId,
      scorer: DEFAULT_SCORER,
      policy: DEFAULT_POLICY,
    }),
  ]);
  const order: HeatOrder = param(sp.order) === 'accuracy' ? 'accuracy' : 'pair';
  const cell = new Map(cells.map((c) => [`${c.submissionId}|${c.conceptId}`, c]));
  const mean = (list: typeof cells) => {
    const n = list.reduce((s, c) => s + c.n, 0);
    return n ? list.reduce((s, c) => s + c.correct, 0) / n : null;
  };
  // Models best first (by accuracy over every concept), so the heatmap reads top to bottom.
  const models = [...new Map(cells.map((c) => [c.submissionId, c])).values()]
    .map(({ submissionId: id, model, finishedAt }) => ({
      id,
      model,
      finishedAt,
      accuracy: mean(cells.filter((c) => c.submissionId === id)),
    }))
    .sort((a, b) => (b.accuracy ?? -1) - (a.accuracy ?? -1) || a.id - b.id);
  // Two runs of one model read apart: `model (#id, date)`.
  const rowLabel = runLabels(models);
  const conceptAccuracy = new Map(
    gallery.map((g) => [g.id, mean(cells.filter((c) => c.conceptId === g.id))]),
  );
  const pairAccuracy = new Map(
    [...new Set(gallery.map((g) => g.pairKey))].map((pair) => [
      pair,
      mean(cells.filter((c) => gallery.some((g) => g.id === c.conceptId && g.pairKey === pair))),
    ]),
  );
  const byAccuracy = (x: number | null | undefined, y: number | null | undefined) =>
    (x ?? 2) - (y ?? 2);
  // Columns hardest first: each concept on its own, or each pair's two concepts side by side.
  const columnsOrdered = [...gallery].sort((a, b) =>
    order === 'accuracy'
      ? byAccuracy(conceptAccuracy.get(a.id), conceptAccuracy.get(b.id)) || a.id - b.id
      : byAccuracy(pairAccuracy.get(a.pairKey), pairAccuracy.get(b.pairKey)) ||
        (a.pairKey < b.pairKey ? -1 : a.pairKey > b.pairKey ? 1 : 0) ||
        (a.queryClass < b.queryClass ? 1 : a.queryClass > b.queryClass ? -1 : 0) ||
        a.id - b.id,
  );
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
          <select name="benchmark" defaultValue={benchmark}>
            {versions.map((v) => (
              <option key={v.id} value={benchmarkName(v)}>
                {benchmarkName(v)}
              </option>
            ))}
          </select>
        </label>
        <button type="submit">Show</button>
      </form>
      <>
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
            <p className="muted">
              Accuracy of each model on each concept ({POLICIES[DEFAULT_POLICY].shortTitle},{' '}
              {DEFAULT_SCORER}, every shot count). Models best first; concepts{' '}
              {order === 'accuracy' ? 'hardest first' : 'by pair, the hardest pair first'} · order
              by{' '}
              {order === 'accuracy' ? (
                <Link href={`?${new URLSearchParams({ benchmark, order: 'pair' })}`}>pair</Link>
              ) : (
                <Link href={`?${new URLSearchParams({ benchmark, order: 'accuracy' })}`}>
                  concept accuracy
                </Link>
              )}
            </p>
            <div
              className="heat-legend"
              data-testid="heat-legend"
              role="note"
              aria-label="colour legend"
            >
              {LEGEND_STOPS.map((x) => (
                <span key={x} style={heat(x)}>
                  {Math.round(x * 100)}%{x === 0.5 ? ' (chance)' : ''}
                </span>
              ))}
              <span style={heat(null)}>no answers</span>
            </div>
            <div className="heat-box" data-testid="heatmap-box">
              <table className="heat">
                <thead>
                  <tr>
                    <th className="corner">Model</th>
                    {columnsOrdered.map((g) => (
                      <th key={g.id} title={`${g.name} (${g.queryClass}, ${g.pairKey})`}>
                        <span className="vertical">{g.name}</span>
                      </th>
                    ))}
                  </tr>
                </thead>
                <tbody>
                  {models.map(({ id, model, accuracy }) => (
                    <tr key={id} data-testid="heat-row">
                      <th scope="row" title={`${model} (#${id}): ${pct(accuracy)} overall`}>
                        <RowLink href={`/submissions/${id}`}>{rowLabel.get(id) ?? model}</RowLink>
                      </th>
                      {columnsOrdered.map((g) => {
                        const c = cell.get(`${id}|${g.id}`);
                        const acc = c?.n ? c.correct / c.n : null;
                        return (
                          <td
                            key={g.id}
                            className="cell"
                            style={heat(acc)}
                            title={`${rowLabel.get(id) ?? model} on ${g.name}: ${pct(acc)}`}
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
        {traits && traits.models.length > 0 ? (
          <>
            <h2>By trait</h2>
            <p className="muted">
              Which kinds of visual change models pick up in context: accuracy on the pairs whose
              novel concept adds, reshapes, textures or multiplies its look-alike (
              {POLICIES[DEFAULT_POLICY].shortTitle}, {DEFAULT_SCORER}, every shot count), with 95%
              intervals over the pairs (t with one degree of freedom fewer than the pairs; a trait
              of two or three pairs has a wide one).
            </p>
            <div className="scroll-x">
              <table data-testid="trait-families">
                <thead>
                  <tr>
                    <th>Model</th>
                    {traits.families.map((f) => (
                      <th key={f} className="num">
                        {f}
                      </th>
                    ))}
                  </tr>
                </thead>
                <tbody>
                  {traits.models.map((m) => (
                    <tr key={m.submissionId}>
                      <th scope="row">
                        <Link href={`/submissions/${m.submissionId}`}>{m.model}</Link>
                      </th>
                      {traits.families.map((f) => {
                        const g = m.byFamily.find((x) => x.group === f);
                        return (
                          <td key={f} className="num">
                            {pct(g?.estimate)}{' '}
                            {g?.low != null ? (
                              <span className="muted">
                                [{pct(g.low, 0)}, {pct(g.high, 0)}]
                              </span>
                            ) : null}
                          </td>
                        );
                      })}
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            <details>
              <summary>By trait</summary>
              <div className="scroll-x">
                <table data-testid="traits">
                  <thead>
                    <tr>
                      <th>Model</th>
                      {traits.traits.map((t) => (
                        <th key={t.trait} className="num" title={t.family}>
                          {t.trait}
                        </th>
                      ))}
                    </tr>
                  </thead>
                  <tbody>
                    {traits.models.map((m) => (
                      <tr key={m.submissionId}>
                        <th scope="row">{m.model}</th>
                        {traits.traits.map((t) => {
                          const g = m.byTrait.find((x) => x.group === t.trait);
                          return (
                            <td
                              key={t.trait}
                              className="num"
                              title={
                                g?.low != null
                                  ? `${pct(g.low)} to ${pct(g.high)} over ${g.clusters} pairs`
                                  : undefined
                              }
                            >
                              {pct(g?.estimate, 0)}
                            </td>
                          );
                        })}
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            </details>
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
    </>
  );
}
