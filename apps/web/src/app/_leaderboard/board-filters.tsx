import {
  benchmarkName,
  POLICIES,
  POLICY_NAMES,
  type ScorerName,
  scorers,
  WEIGHTS,
} from '@linkboard/core';
import Link from 'next/link';
import { offeredVersions } from '~/components/format';
import type { BoardQuery, BoardVersion } from './board-state';

/**
 * The form that picks the board (benchmark version, policy, scorer) and narrows it (search,
 * model-card filters, self-reported uploads), with the export of what it shows.
 */
export function BoardFilters({
  versions,
  query,
  rankedScorer,
  organisations,
  exportLink,
  costToggle,
}: {
  versions: readonly BoardVersion[];
  query: BoardQuery;
  /** The scorer the version ranks by, marked in the scorer picker. */
  rankedScorer: ScorerName;
  /** The organisations on the whole board, filtered or not. */
  organisations: readonly string[];
  exportLink: (format: string) => string;
  /** The board with its cost column shown, or hidden if it is. */
  costToggle: string;
}) {
  const { versionId, benchmark, policy, scorer, q, filter, selfReported, sort, cost } = query;
  return (
    <form className="filters" method="get">
      <label>
        Benchmark
        <select name="benchmark" defaultValue={benchmark}>
          {offeredVersions(versions, versionId).map((v) => (
            <option key={v.id} value={benchmarkName(v)}>
              {`${benchmarkName(v)}${v.retired ? ' retired' : ''} (${v.submissions})`}
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
              {s.name === rankedScorer ? `${s.name} (ranked)` : s.name}
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
      {cost ? <input type="hidden" name="cost" value="1" /> : null}
      <button type="submit">Show</button>
      <span className="muted">
        Export <a href={exportLink('csv')}>CSV</a> · <a href={exportLink('json')}>JSON</a> ·{' '}
        <a href={exportLink('jsonl')} title="one row per line: datasets' JSON loader reads it">
          JSONL
        </a>{' '}
        ·{' '}
        <Link href={costToggle} data-testid="cost-toggle">
          {cost ? 'hide cost' : 'show cost'}
        </Link>
      </span>
    </form>
  );
}
