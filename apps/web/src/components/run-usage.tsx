import type { RunUsage as RunUsageFigures } from '@linkboard/core';
import { formatTime } from '~/components/format';
import {
  asksAModel,
  costLine,
  count,
  latency,
  type ServedByView,
  usd,
  whatAnswered,
} from '~/lib/usage-view';

export type UsageView = RunUsageFigures;

export interface PreflightView {
  images: number | null;
  latencyMs: number | null;
  promptTokens: number | null;
  completionTokens: number | null;
  model: string | null;
  fingerprint: string | null;
  at: string | null;
}

/**
 * What a run used (tokens, latency, cost at the prices stated with it) and what answered it (the
 * models and fingerprints its replies named, the engine, the preflight that let it start): what
 * a reader needs to know what the accuracy above was bought with, and from what.
 */
/** One tally of what answered (reply models, fingerprints): each name with its count. */
function TallyItem({ label, entries }: { label: string; entries: [string, number][] }) {
  if (entries.length === 0) return null;
  return (
    <li>
      {label}:{' '}
      {entries.map(([name, n], i) => (
        <span key={name}>
          {i > 0 ? ', ' : ''}
          <code>{name}</code> ({count(n)})
        </span>
      ))}
    </li>
  );
}

export function RunUsage({
  adapter,
  usage,
  servedBy,
  preflight,
}: {
  adapter: string;
  usage: UsageView;
  servedBy: ServedByView | null;
  preflight: PreflightView | null;
}) {
  if (!asksAModel(adapter))
    return (
      <>
        <h2>Usage</h2>
        <p className="muted" data-testid="usage">
          No model was asked: its answers were uploaded or computed in process, so no tokens,
          latency or cost were recorded.
        </p>
      </>
    );
  const answered = whatAnswered(servedBy);
  return (
    <>
      <h2>Usage</h2>
      {usage.answers === 0 ? (
        <p className="muted" data-testid="usage">
          No answer stored yet.{' '}
          {usage.maxCostUsd !== null ? `It stops at a cost of ${usd(usage.maxCostUsd)}.` : ''}
        </p>
      ) : (
        <table data-testid="usage">
          <tbody>
            <tr>
              <th>Answers</th>
              <td>
                {count(usage.answers)}
                {usage.answersWithTokens < usage.answers ? (
                  <span className="muted">
                    {' '}
                    ({count(usage.answersWithTokens)} stated their tokens)
                  </span>
                ) : null}
              </td>
            </tr>
            <tr>
              <th>Tokens</th>
              <td data-testid="usage-tokens">
                {count(usage.promptTokens)} prompt · {count(usage.completionTokens)} completion
              </td>
            </tr>
            <tr>
              <th>Latency</th>
              <td data-testid="usage-latency">
                p50 {latency(usage.latencyP50Ms)} · p95 {latency(usage.latencyP95Ms)}
              </td>
            </tr>
            <tr>
              <th>Cost</th>
              <td data-testid="usage-cost">{costLine(usage)}</td>
            </tr>
          </tbody>
        </table>
      )}
      <h3>What answered</h3>
      {answered.warnings.map((w) => (
        <p key={w} className="badge" role="status" data-testid="served-by-changed">
          {w}
        </p>
      ))}
      {answered.empty ? (
        <p className="muted" data-testid="served-by">
          Not recorded: its replies named no model or fingerprint, or it ran before they were
          recorded.
        </p>
      ) : (
        <ul data-testid="served-by">
          <TallyItem label="Models the replies named" entries={answered.models} />
          <TallyItem label="System fingerprints" entries={answered.fingerprints} />
          {answered.engine ? <li>Engine: {answered.engine}</li> : null}
        </ul>
      )}
      {preflight ? (
        <p className="muted" data-testid="preflight">
          Preflight passed{preflight.at ? ` ${formatTime(preflight.at)}` : ''}: one request as large
          as the largest episode
          {preflight.images !== null ? ` (${count(preflight.images)} images)` : ''}, answered in{' '}
          {latency(preflight.latencyMs)}
          {preflight.promptTokens !== null
            ? `, ${count(preflight.promptTokens)} prompt tokens`
            : ''}
          {preflight.model ? (
            <>
              , by <code>{preflight.model}</code>
            </>
          ) : null}
          {preflight.fingerprint ? (
            <>
              {' '}
              (fingerprint <code>{preflight.fingerprint}</code>)
            </>
          ) : null}
          .
        </p>
      ) : null}
    </>
  );
}
