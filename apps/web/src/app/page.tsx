import {
  type BoardFilter,
  BoardFilterQuerySchema,
  boardFilterParams,
  cardSummary,
  formatParams,
  matchesBoardFilter,
  POLICIES,
  POLICY_NAMES,
  RANKING_METHOD,
  scorers,
  WEIGHTS,
} from '@linkboard/core';
import Link from 'next/link';
import { notFound } from 'next/navigation';
import {
  chosenVersion,
  curveLine,
  offeredVersions,
  param,
  pct,
  policyParam,
  pValue,
  type SearchParams,
  scorerParam,
  signedPts,
} from '~/components/format';
import { RankedBoard } from '~/components/ranked-board';
import { RowLink } from '~/components/row-link';
import { LazySparkline } from '~/components/sparkline';
import { PublicTestSetNote, RetiredVersionNote } from '~/components/test-set-notes';
import { api } from '~/server/caller';

export const dynamic = 'force-dynamic';

const SORTS = ['accuracy', 'model', 'size', 'novel', 'gain', 'parse', 'date'] as const;

export default async function LeaderboardPage({ searchParams }: { searchParams: SearchParams }) {
  const sp = await searchParams;
  const trpc = await api();
  const versions = await trpc.leaderboard.versions();
  // Unnamed, the site opens on the ranked board once it has rows: every run there on a fresh
  // draw of its own, where a public board's answers can be looked up.
  if (!param(sp.version)) {
    const rankedRows = await trpc.ranked.board();
    if (rankedRows.length > 0) return <RankedBoard rows={rankedRows} versions={versions} />;
  }
  const version = chosenVersion(versions, param(sp.version), notFound);
  if (!version)
    return (
      <p>
        No benchmark yet: start linkboard with <code>npm start</code>.
      </p>
    );
  const versionId = version.id;
  const setting = version.rankedSetting;
  const policy = policyParam(param(sp.policy), setting.policy);
  const scorer = scorerParam(param(sp.scorer), setting.scorer);
  const selfReported = param(sp.self) === '1';
  const sort = SORTS.find((s) => s === param(sp.sort)) ?? 'accuracy';
  const q = (param(sp.q) ?? '').toLowerCase();

  // The model-card filters, as the API and the export read them; a bad one is named and ignored.
  const parsedFilter = BoardFilterQuerySchema.safeParse({
    params_min: param(sp.params_min),
    params_max: param(sp.params_max),
    weights: param(sp.weights),
    organisation: param(sp.organisation),
  });
  const filter: BoardFilter = parsedFilter.success ? parsedFilter.data : {};
  const filterProblem = parsedFilter.success
    ? null
    : parsedFilter.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');

  // Filters choose rows after ranking (the router ranks the whole board): a filtered row keeps
  // its rank among all models, so narrowing the view never promotes anyone.
  const board = await trpc.leaderboard.rows({
    benchmarkVersionId: versionId,
    policy,
    scorer,
    selfReported,
  });
  const organisations = [
    ...new Set(board.map((r) => r.organisation).filter((o): o is string => Boolean(o))),
  ].sort((a, b) => a.localeCompare(b));
  const rows = board.filter(
    (r) =>
      matchesBoardFilter(r, filter) &&
      (!q || r.model.toLowerCase().includes(q) || (r.organisation ?? '').toLowerCase().includes(q)),
  );
  const key: Record<(typeof SORTS)[number], (r: (typeof rows)[number]) => number | string> = {
    accuracy: (r) => -(r.accuracy ?? -1),
    model: (r) => r.model.toLowerCase(),
    size: (r) => r.paramsB ?? Number.POSITIVE_INFINITY,
    novel: (r) => -(r.novelAccuracy ?? -1),
    gain: (r) => -(r.linkGain ?? -9),
    parse: (r) => r.parseFailureRate ?? 9,
    date: (r) => -(r.finishedAt?.getTime() ?? 0),
  };
  const sorted = (list: typeof rows) =>
    [...list].sort((a, b) =>
      key[sort](a) < key[sort](b) ? -1 : key[sort](a) > key[sort](b) ? 1 : 0,
    );
  const limit = param(sp.all) === '1' ? rows.length : 100;
  const ranked = sorted(rows.filter((r) => r.ranked)).slice(0, limit);
  const unranked = sorted(rows.filter((r) => !r.ranked)).slice(0, limit);
  const shots = [...new Set(rows.flatMap((r) => Object.keys(r.perShot).map(Number)))].sort(
    (a, b) => a - b,
  );
  const state = {
    version: String(versionId),
    policy,
    scorer,
    sort,
    ...(q ? { q } : {}),
    ...(selfReported ? { self: '1' } : {}),
    ...boardFilterParams(filter),
  };
  const link = (changes: Record<string, string>) =>
    `/?${new URLSearchParams({ ...state, ...changes })}`;
  const exportLink = (format: string) =>
    `/api/export?${new URLSearchParams({ version: String(versionId), policy, scorer, format, self: selfReported ? '1' : '0', ...boardFilterParams(filter) })}`;
  const filtered = Object.keys(boardFilterParams(filter)).length > 0;
  const rankedOnBoard = board.filter((r) => r.ranked).length;
  const scorerInfo = scorers().find((s) => s.name === scorer);

  return (
    <>
      <h1>Which model learns unseen concepts best?</h1>
      <p className="lead" data-testid="ranked-setting">
        {version.name}@{version.version} · {version.pairs} pairs of a novel concept and its familiar
        look-alike · ranked on {setting.shots.join(', ')} shots × {setting.draws} draws,{' '}
        {POLICIES[setting.policy].shortTitle}, scored <b>{setting.scorer}</b>; accuracy with 95%
        intervals that resample pairs, and rank ranges. <a href="#method">How the board ranks</a>
      </p>
      {version.retired ? <RetiredVersionNote /> : <PublicTestSetNote />}
      <form className="filters" method="get">
        <label>
          Benchmark
          <select name="version" defaultValue={String(versionId)}>
            {offeredVersions(versions, versionId).map((v) => (
              <option key={v.id} value={v.id}>
                {`${v.name}@${v.version}${v.retired ? ' retired' : ''} (${v.submissions})`}
              </option>
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
                {s.name === setting.scorer ? `${s.name} (ranked)` : s.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          Search
          <input name="q" defaultValue={q} placeholder="model or organisation" />
        </label>
        <label>
          Size from (B)
          <input
            name="params_min"
            type="number"
            min={0}
            step="any"
            defaultValue={filter.paramsMin}
            placeholder="any"
            className="narrow"
          />
        </label>
        <label>
          to (B)
          <input
            name="params_max"
            type="number"
            min={0}
            step="any"
            defaultValue={filter.paramsMax}
            placeholder="any"
            className="narrow"
          />
        </label>
        <label>
          Weights
          <select name="weights" defaultValue={filter.weights ?? ''}>
            <option value="">open or closed</option>
            {WEIGHTS.map((w) => (
              <option key={w} value={w}>
                {w}
              </option>
            ))}
          </select>
        </label>
        <label>
          Organisation
          <select name="organisation" defaultValue={filter.organisation ?? ''}>
            <option value="">any</option>
            {filter.organisation && !organisations.includes(filter.organisation) ? (
              <option value={filter.organisation}>{filter.organisation}</option>
            ) : null}
            {organisations.map((o) => (
              <option key={o} value={o}>
                {o}
              </option>
            ))}
          </select>
        </label>
        <label className="check">
          <input type="checkbox" name="self" value="1" defaultChecked={selfReported} />
          rank self-reported uploads
        </label>
        <input type="hidden" name="sort" value={sort} />
        <button type="submit">Show</button>
        <span className="muted">
          Export <a href={exportLink('csv')}>CSV</a> · <a href={exportLink('json')}>JSON</a>
        </span>
      </form>
      {filterProblem ? (
        <p role="alert" style={{ color: 'var(--bad)' }} data-testid="filter-problem">
          Filter not applied: {filterProblem}
        </p>
      ) : null}
      {filtered ? (
        <p className="muted" data-testid="filter-note">
          Showing {rows.filter((r) => r.ranked).length} of {rankedOnBoard} ranked models whose card
          matches; ranks and tiers are among all {rankedOnBoard}, so a filter never changes a rank.
          A model whose card does not state a filtered field is left out.{' '}
          <Link
            href={`/?${new URLSearchParams({ version: String(versionId), policy, scorer, sort })}`}
          >
            Clear filters
          </Link>
        </p>
      ) : null}
      {scorerInfo && scorer !== setting.scorer ? (
        <p className="muted" data-testid="scorer-note">
          Scored by <b>{scorer}</b>: {scorerInfo.description}. The board ranks by {setting.scorer}.
        </p>
      ) : null}
      <div className="scroll-x">
        <table data-testid="leaderboard">
          <thead>
            <tr>
              <th title="Rank range: the middle 95% of a model’s ranks over the joint bootstrap">
                Rank
              </th>
              <th>Tier</th>
              <th>
                <Link href={link({ sort: 'model' })}>Model</Link>
              </th>
              <th>Organisation</th>
              <th className="num" title="Parameters, as the model card states">
                <Link href={link({ sort: 'size' })}>Size</Link>
              </th>
              <th>Weights</th>
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
                <Link href={link({ sort: 'gain' })}>Link gain [95% CI]</Link>
              </th>
              <th
                className="num"
                title="Flip control: the share of answers that follow the flipped demonstrations (each example labelled with the pair’s other name); – when the model did not run flip"
              >
                Flip
              </th>
              <th className="num">
                <Link href={link({ sort: 'parse' })}>Parse fail</Link>
              </th>
              <th>vs shots</th>
              <th>
                <Link href={link({ sort: 'date' })}>Date (UTC)</Link>
              </th>
            </tr>
          </thead>
          <tbody>
            {ranked.map((r) => (
              <tr key={r.submissionId} data-testid="ranked-row">
                <td className="num" data-testid="rank-range">
                  {r.rankLow === r.rankHigh ? r.rankLow : `${r.rankLow}–${r.rankHigh}`}
                </td>
                <td>
                  <span className="tier">{r.tier ?? '–'}</span>
                </td>
                <td title={cardSummary(r) ?? undefined}>
                  <RowLink href={`/submissions/${r.submissionId}`}>{r.model}</RowLink>
                  {r.exposureFlagged ? (
                    <span
                      className="badge"
                      data-testid="exposure-flag"
                      title={`accuracy grows with exposure: ${signedPts(r.exposureSlope)} pts per doubling of the pair's earlier episodes (one-sided p = ${pValue(r.exposurePValue)})`}
                    >
                      accuracy grows with exposure
                    </span>
                  ) : null}
                  {r.verified ? null : (
                    <span
                      className="badge"
                      data-testid="self-reported"
                      title="uploaded predictions: what the submitter says the model answered"
                    >
                      self-reported
                    </span>
                  )}
                </td>
                <td data-testid="card-organisation">{r.organisation ?? '–'}</td>
                <td className="num" data-testid="card-size">
                  {formatParams(r.paramsB)}
                </td>
                <td data-testid="card-weights">{r.weights ?? '–'}</td>
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
                <td className="num">
                  {signedPts(r.linkGain)}
                  {r.linkGain !== null ? (
                    <span className="muted">
                      {' '}
                      [{signedPts(r.linkGainLow)}, {signedPts(r.linkGainHigh)}]
                    </span>
                  ) : null}
                </td>
                <td
                  className="num"
                  title={
                    r.flipLow !== null
                      ? `95% interval ${pct(r.flipLow)} to ${pct(r.flipHigh)}`
                      : undefined
                  }
                >
                  {pct(r.flipAccuracy)}
                </td>
                <td className="num">{pct(r.parseFailureRate)}</td>
                <td title={curveLine(r) ?? undefined} data-testid="curve-figures">
                  <LazySparkline
                    values={shots.map((s) => ({ shots: s, accuracy: r.perShot[s] ?? null }))}
                  />
                </td>
                <td className="muted">{r.finishedAt?.toISOString().slice(0, 10) ?? '–'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {ranked.length === 0 ? <p className="muted">No ranked submissions match.</p> : null}
      {unranked.length > 0 ? (
        <>
          <h2>Not ranked</h2>
          <p className="muted">
            Shown for what they ran; they are not ranked because they did not run the whole ranked
            setting, or are self-reported.
          </p>
          <div className="scroll-x">
            <table data-testid="unranked">
              <thead>
                <tr>
                  <th>Model</th>
                  <th>Organisation</th>
                  <th className="num">Size</th>
                  <th>Weights</th>
                  <th>Why not ranked</th>
                  <th className="num">Accuracy (as run)</th>
                  {shots.map((s) => (
                    <th className="num" key={s}>
                      {s}-shot
                    </th>
                  ))}
                  <th>Date (UTC)</th>
                </tr>
              </thead>
              <tbody>
                {unranked.map((r) => (
                  <tr key={r.submissionId}>
                    <td title={cardSummary(r) ?? undefined}>
                      <RowLink href={`/submissions/${r.submissionId}`}>{r.model}</RowLink>
                      {r.verified ? null : <span className="badge">self-reported</span>}
                      {r.exposureFlagged ? (
                        <span
                          className="badge"
                          data-testid="exposure-flag"
                          title={`${signedPts(r.exposureSlope)} pts per doubling of the pair's earlier episodes (one-sided p = ${pValue(r.exposurePValue)})`}
                        >
                          accuracy grows with exposure
                        </span>
                      ) : null}
                    </td>
                    <td data-testid="card-organisation">{r.organisation ?? '–'}</td>
                    <td className="num" data-testid="card-size">
                      {formatParams(r.paramsB)}
                    </td>
                    <td data-testid="card-weights">{r.weights ?? '–'}</td>
                    <td data-testid="unranked-reason">{r.unrankedReason}</td>
                    <td className="num">{pct(r.accuracy)}</td>
                    {shots.map((s) => (
                      <td className="num" key={s}>
                        {pct(r.perShot[s])}
                      </td>
                    ))}
                    <td className="muted">{r.finishedAt?.toISOString().slice(0, 10) ?? '–'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      ) : null}
      {rows.length > limit ? (
        <p className="muted">
          Showing the first {limit} of each list. <Link href={link({ all: '1' })}>Show all</Link>
        </p>
      ) : null}
      <h2 id="method">How the board ranks</h2>
      <p className="muted" data-testid="method">
        {RANKING_METHOD}
      </p>
    </>
  );
}
