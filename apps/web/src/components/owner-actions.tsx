'use client';

import { isLiveStatus } from '@linkboard/core';
import { useMutation } from '@tanstack/react-query';
import { useRouter } from 'next/navigation';
import { useTRPC } from '~/trpc/react';

/**
 * Cancel, retry, ask errored episodes again and publish, for the submission's owner; withdraw
 * from the public board, for admins. `errored`: the finished submission's episodes that ended in
 * error.
 */
export function OwnerActions({
  id,
  status,
  visibility,
  isAdmin,
  errored,
}: {
  id: number;
  status: string;
  visibility: string;
  isAdmin: boolean;
  errored: number;
}) {
  const trpc = useTRPC();
  const router = useRouter();
  const done = { onSuccess: () => router.refresh() };
  const cancel = useMutation(trpc.submissions.cancel.mutationOptions(done));
  const retry = useMutation(trpc.submissions.retry.mutationOptions(done));
  const rerun = useMutation(trpc.submissions.rerunErrors.mutationOptions(done));
  const publish = useMutation(trpc.submissions.publish.mutationOptions(done));
  const withdraw = useMutation(trpc.submissions.withdraw.mutationOptions(done));
  const rescore = useMutation(trpc.submissions.rescore.mutationOptions(done));
  return (
    <p style={{ display: 'flex', gap: 8 }}>
      {isLiveStatus(status) ? (
        <button type="button" onClick={() => cancel.mutate({ id })}>
          Cancel
        </button>
      ) : null}
      {status === 'failed' || status === 'cancelled' ? (
        <button type="button" onClick={() => retry.mutate({ id })}>
          Retry
        </button>
      ) : null}
      {status === 'done' && errored > 0 ? (
        <button type="button" data-testid="rerun-errors" onClick={() => rerun.mutate({ id })}>
          Ask the {errored.toLocaleString('en')} errored episode{errored === 1 ? '' : 's'} again
        </button>
      ) : null}
      {visibility === 'private' ? (
        <button type="button" onClick={() => publish.mutate({ id })}>
          Publish
        </button>
      ) : null}
      {isAdmin && status === 'done' ? (
        <button type="button" onClick={() => rescore.mutate({ id })}>
          {rescore.isPending ? 'Re-scoring…' : 'Re-score (admin)'}
        </button>
      ) : null}
      {isAdmin && visibility !== 'withdrawn' ? (
        <button
          type="button"
          title="Take it off the public board: it shows as withdrawn (by an admin), to admins alone"
          onClick={() => withdraw.mutate({ id })}
        >
          Withdraw (admin)
        </button>
      ) : null}
    </p>
  );
}
