'use client';

import type { EndpointApi } from '@linkboard/core';
import { useMutation, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useTRPC } from '~/trpc/react';

/** Runs one episode against the endpoint through the queue and shows what came back. */
export function TestConnection({
  read,
}: {
  read: () => {
    benchmarkVersionId: number;
    adapter: EndpointApi;
    endpoint?: string;
    model?: string;
    apiKey?: string;
  };
}) {
  const trpc = useTRPC();
  const [probeId, setProbeId] = useState<number | null>(null);
  const start = useMutation(
    trpc.submissions.testConnection.mutationOptions({ onSuccess: ({ id }) => setProbeId(id) }),
  );
  const probe = useQuery({
    ...trpc.submissions.probe.queryOptions({ id: probeId ?? 0 }),
    enabled: probeId !== null,
    refetchInterval: (query) =>
      ['done', 'failed', 'cancelled'].includes(query.state.data?.status ?? '') ? false : 1000,
  });
  const data = probe.data;
  return (
    <div>
      <button
        type="button"
        className="secondary"
        onClick={() => {
          const { benchmarkVersionId, adapter, endpoint, model, apiKey } = read();
          // Anthropic's and Google's APIs have a default endpoint; an OpenAI-compatible one needs its URL.
          if (model && (endpoint || adapter !== 'openai'))
            start.mutate({ benchmarkVersionId, adapter, endpoint, model, apiKey });
        }}
      >
        Test connection
      </button>{' '}
      <span data-testid="connection-result">
        {start.error ? start.error.message : null}
        {probeId !== null && (!data || data.status === 'queued' || data.status === 'running')
          ? 'asking the endpoint one episode…'
          : null}
        {data?.status === 'done' && data.answer !== null ? `it answered: ${data.answer}` : null}
        {data && data.status !== 'queued' && data.status !== 'running' && data.answer === null
          ? `no answer: ${data.error ?? data.status}`
          : null}
      </span>
    </div>
  );
}
