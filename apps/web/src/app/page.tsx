import { POLICIES, POLICY_NAMES, scorers } from '@linkboard/core';
import Link from 'next/link';
import { notFound } from 'next/navigation';
import {
  chosenVersion,
  param,
  pct,
  policyParam,
  type SearchParams,
  scorerParam,
  signedPts,
} from '~/components/format';
import { RowLink } from '~/components/row-link';
import { LazySparkline } from '~/components/sparkline';
import { api } from '~/server/caller';

export const dynamic = 'force-dynamic';

const SORTS = ['accuracy', 'model', 'novel', 'gain', 'parse', 'date'] as const;

export default async function LeaderboardPage({ searchParams }: { searchParams: SearchParams }) {
  const sp = await searchParams;
  const trpc = await api();
  const versions = await trpc.leaderboard.versions();
  const versionId = chosenVersion(versions, param(sp.version), notFound)?.id;
  const policy = policyParam(param(sp.policy));
  const scorer = scorerParam(param(sp.scorer));
  const sort = SORTS.find((s) => s === param(sp.sort)) ?? 'accuracy';
  const q = (param(sp.q) ?? '').toLowerCase();
  if (!versionId)
    return (
      <p>
        No benchmark yet: start linkboard with <code>npm start</code>.
      </p>
    );

  const rows = (
    await trpc.leaderboard.rows({ benchmarkVersionId: versionId, policy, scorer })
  ).filter(
    (r) =>
      !q || r.model.toLowerCase().includes(q) || (r.organisation ?? '').toLowerCase().includes(q),
  );
  const key: Record<(typeof SORTS)[number], (r: (typeof rows)[number]) => number | string> = {
    accuracy: (r) => -(r.accuracy ?? -1),
    model: (r) => r.model.toLowerCase(),
    novel: (r) => -(r.novelAccuracy ?? -1),
    gain: (r) => -(r.linkGain ?? -9),
    parse: (r) => r.parseFailureRate ?? 9,
    date: (r) => -(r.finishedAt?.getTime() ?? 0),
  };
  rows.sort((a, b) => (key[sort](a) < key[sort](b) ? -1 : key[sort](a) > key[sort](b) ? 1 : 0));
  const limit = param(sp.all) === '1' ? rows.length : 100;
  const shown = rows.slice(0, limit);
  const shots = [...new Set(rows.flatMap((r) => Object.keys(r.perShot).map(Number)))].sort(
    (a, b) => a - b,
  );
  const version = versions.find((v) => v.id === versionId);
  const link = (changes: Record<string, string>) =>
    `/?${new URLSearchParams({ version: String(versionId), policy, scorer, sort, ...(q ? { q } : {}), ...changes })}`;
  const exportLink = (format: string) =>
    `/api/export?${new URLSearchParams({ version: String(versionId), policy, scorer, format })}`;

  return (
    <>
      <h1>Which model learns unseen concepts best?</h1>
      <p className="lead">
        {version?.name}@{version?.version} · {version?.pairs} pairs of a novel concept and its
        familiar look-alike · accuracy on 2-way N-shot episodes, pooled over shots, with Wilson 95%
        intervals; models whose intervals reach the leader’s share its tier.
      </p>
      <form className="filters" method="get">
        <label>
          Benchmark
          <select name="version" defaultValue={String(versionId)}>
            {versions.map((v) => (
              <option key={v.id} value={v.id}>{`${v.name}@${v.version} (${v.submissions})`}</option>
            ))}
          </select>
        </label>
        <label>
          Policy
          <select name="policy" defaultValue={policy}>
            {POLICY_NAMES.map((p) => (
              <option key={p} value={p}>
                {POLICIES[p].title}
              </option>
            ))}
          </select>
        </label>
        <label>
          Scorer
          <select name="scorer" defaultValue={scorer}>
            {scorers().map((s) => (
              <option key={s.name} value={s.name} title={s.description}>
                {s.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          Search
          <input name="q" defaultValue={q} placeholder="model or organisation" />
        </label>
        <input type="hidden" name="sort" value={sort} />
        <button type="submit">Show</button>
        <span className="muted">
          Export <a href={exportLink('csv')}>CSV</a> · <a href={exportLink('json')}>JSON</a>
        </span>
      </form>
      <table data-testid="leaderboard">
        <thead>
          <tr>
            <th>Tier</th>
            <th>
              <Link href={link({ sort: 'model' })}>Model</Link>
            </th>
            <th className="num">
              <Link href={link({ sort: 'accuracy' })}>Accuracy [95% CI]</Link>
            </th>
            {shots.map((s) => (
              <th className="num" key={s}>
                {s}-shot
              </th>
            ))}
            <th className="num">
              <Link href={link({ sort: 'novel' })}>Novel</Link>
            </th>
            <th className="num">
              <Link href={link({ sort: 'gain' })}>Link gain</Link>
            </th>
            <th className="num">
              <Link href={link({ sort: 'parse' })}>Parse fail</Link>
            </th>
            <th>vs shots</th>
            <th>
              <Link href={link({ sort: 'date' })}>Date</Link>
            </th>
          </tr>
        </thead>
        <tbody>
          {shown.map((r) => (
            <tr key={r.submissionId}>
              <td>
                <span className="tier">{r.tier ?? '–'}</span>
              </td>
              <td>
                <RowLink href={`/submissions/${r.submissionId}`}>{r.model}</RowLink>
                {r.organisation ? <span className="muted"> · {r.organisation}</span> : null}
              </td>
              <td className="num">
                <b>{pct(r.accuracy)}</b>{' '}
                <span className="muted">
                  [{pct(r.low)}, {pct(r.high)}]
                </span>
              </td>
              {shots.map((s) => (
                <td className="num" key={s}>
                  {pct(r.perShot[s])}
                </td>
              ))}
              <td className="num">{pct(r.novelAccuracy)}</td>
              <td className="num">{signedPts(r.linkGain)}</td>
              <td className="num">{pct(r.parseFailureRate)}</td>
              <td>
                <LazySparkline
                  values={shots.map((s) => ({ shots: s, accuracy: r.perShot[s] ?? null }))}
                />
              </td>
              <td className="muted">{r.finishedAt?.toISOString().slice(0, 10) ?? '–'}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {rows.length === 0 ? <p className="muted">No finished submissions match.</p> : null}
      {rows.length > shown.length ? (
        <p className="muted">
          Showing the first {shown.length} of {rows.length}.{' '}
          <Link href={link({ all: '1' })}>Show all</Link>
        </p>
      ) : null}
    </>
  );
}
