'use client';

import { errorMeaning, isLiveStatus } from '@linkboard/core';
import { useQuery } from '@tanstack/react-query';
import { useRouter } from 'next/navigation';
import { useEffect, useRef } from 'react';
import { count, usd } from '~/lib/usage-view';
import { useTRPC } from '~/trpc/react';

/**
 * Live lifecycle of a submission: queued (position) → preflight (one request as large as its
 * largest episode, before any episode) → running (progress, rate, ETA) → done.
 */
export function StatusPanel({ id, initial }: { id: number; initial: string }) {
  const trpc = useTRPC();
  const router = useRouter();
  const { data, refetch } = useQuery(
    trpc.submissions.status.queryOptions(
      { id },
      {
        // Polls while the latest state it knows is live, whichever it learnt it from.
        refetchInterval: (query) =>
          isLiveStatus(query.state.data?.status ?? initial) ? 1000 : false,
      },
    ),
  );
  // The page was rendered again with another state (after Cancel or Retry, say): follow it at
  // once, instead of showing the answer cached before it until a reload.
  useEffect(() => {
    void initial;
    void refetch();
  }, [initial, refetch]);
  const seen = useRef(initial);
  useEffect(() => {
    // When it finishes, reload the server-rendered results below.
    if (data && data.status !== seen.current) {
      seen.current = data.status;
      if (data.status === 'done' || data.status === 'failed') router.refresh();
    }
  }, [data, router]);
  const status = data?.status ?? initial;
  const done = data?.done ?? 0;
  const total = data?.total ?? 0;
  return (
    <div className="card" data-testid="status">
      <span className={`badge ${status}`} data-testid="status-badge">
        {status}
      </span>{' '}
      {status === 'queued' && data?.position ? (
        <span>position {data.position} in the queue</span>
      ) : null}
      {status === 'preflight' ? (
        <span data-testid="preflight-note">
          checking the endpoint with one request as large as the largest episode, before any episode
          is sent
        </span>
      ) : null}
      {total > 0 ? (
        <span style={{ display: 'inline-flex', gap: 8, alignItems: 'center', marginLeft: 8 }}>
          <span className="progress">
            <div style={{ width: `${(100 * done) / total}%` }} />
          </span>
          {done}/{total} episodes
          {data?.episodesPerSecond ? ` · ${data.episodesPerSecond.toFixed(1)}/s` : ''}
          {status === 'running' && data?.etaSeconds ? ` · ETA ${Math.ceil(data.etaSeconds)} s` : ''}
          {data?.errors ? ` · ${data.errors} in error` : ''}
          {data && isLiveStatus(status) && data.usage.answers > 0 ? (
            // What it has spent so far, against its cap: the full figures are below once it ends.
            <span className="muted" data-testid="usage-so-far">
              {` · ${count(data.usage.promptTokens + data.usage.completionTokens)} tokens`}
              {data.usage.costUsd !== null ? `, ${usd(data.usage.costUsd)}` : ''}
              {data.usage.maxCostUsd !== null ? ` of at most ${usd(data.usage.maxCostUsd)}` : ''} so
              far
            </span>
          ) : null}
        </span>
      ) : null}
      {data && Object.keys(data.errorsByClass).length > 0 ? (
        <div className="muted" data-testid="errors-by-class">
          errors by class:
          <ul>
            {Object.entries(data.errorsByClass).map(([errorClass, n]) => (
              <li key={errorClass}>
                <code>{errorClass}</code> {n.toLocaleString('en')}
                {errorMeaning(errorClass) ? `: ${errorMeaning(errorClass)}` : ''}
              </li>
            ))}
          </ul>
        </div>
      ) : null}
      {data?.lastError ? <p className="muted">last error: {data.lastError}</p> : null}
      {data && data.log.length > 0 ? (
        <details>
          <summary className="muted">runner log</summary>
          <pre>{data.log.join('\n')}</pre>
        </details>
      ) : null}
    </div>
  );
}
