'use client';

import { type EndpointApi, isLiveStatus } from '@linkboard/core';
import { useMutation, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useTRPC } from '~/trpc/react';

/** Runs one episode against the endpoint through the queue and shows what came back. */
export function TestConnection({
  read,
}: {
  read: () => {
    /** The version whose episode is asked, `name@version`. */
    benchmark: string;
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
    // Asks until the test's state is final (before its first answer, it is as good as queued).
    refetchInterval: (query) => (isLiveStatus(query.state.data?.status ?? 'queued') ? 1000 : false),
  });
  const data = probe.data;
  return (
    <div>
      <button
        type="button"
        className="secondary"
        onClick={() => {
          const { benchmark, adapter, endpoint, model, apiKey } = read();
          // Anthropic's and Google's APIs have a default endpoint; an OpenAI-compatible one needs its URL.
          if (model && (endpoint || adapter !== 'openai'))
            start.mutate({ benchmark, adapter, endpoint, model, apiKey });
        }}
      >
        Test connection
      </button>{' '}
      <span data-testid="connection-result">
        {start.error ? start.error.message : null}
        {probeId !== null && (!data || isLiveStatus(data.status))
          ? data?.status === 'preflight'
            ? 'checking the endpoint with one request as large as the largest episode…'
            : 'asking the endpoint one episode…'
          : null}
        {data?.status === 'done' && data.answer !== null ? `it answered: ${data.answer}` : null}
        {data && !isLiveStatus(data.status) && data.answer === null
          ? `no answer: ${data.error ?? data.status}`
          : null}
      </span>
    </div>
  );
}
