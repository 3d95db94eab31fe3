'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { useTRPC } from '~/trpc/react';
import { formatTime } from './format';

/** The signed-in user's API tokens: create (shown once), list, revoke. */
export function TokenList() {
  const trpc = useTRPC();
  const client = useQueryClient();
  const list = useQuery(trpc.tokens.list.queryOptions());
  const [fresh, setFresh] = useState<string | null>(null);
  const refresh = () => client.invalidateQueries({ queryKey: trpc.tokens.list.queryKey() });
  const create = useMutation(
    trpc.tokens.create.mutationOptions({
      onSuccess: (t) => {
        setFresh(t.token);
        void refresh();
      },
    }),
  );
  const revoke = useMutation(trpc.tokens.revoke.mutationOptions({ onSuccess: refresh }));
  // The page only renders this for a signed-in visitor; a session that ended meanwhile lands here.
  if (list.error) return <p>Your session ended: sign in again to manage API tokens.</p>;
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    create.mutate({ name: String(new FormData(event.currentTarget).get('name')) });
  };
  return (
    <>
      <form className="filters" onSubmit={submit}>
        <label>
          Name <input name="name" required maxLength={80} />
        </label>
        <button type="submit">Create token</button>
      </form>
      {fresh ? (
        <p className="card">
          New token (copy it now): <code data-testid="new-token">{fresh}</code>
        </p>
      ) : null}
      <table>
        <thead>
          <tr>
            <th>Name</th>
            <th>Created</th>
            <th>Last used</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {(list.data ?? []).map((t) => (
            <tr key={t.id}>
              <td>{t.name}</td>
              <td>{formatTime(t.createdAt)}</td>
              <td>{formatTime(t.lastUsedAt)}</td>
              <td>
                {t.revokedAt ? (
                  <span className="muted">revoked</span>
                ) : (
                  <button type="button" onClick={() => revoke.mutate({ id: t.id })}>
                    Revoke
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}
