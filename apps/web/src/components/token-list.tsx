'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { useTRPC } from '~/trpc/react';
import { ApiKeyTable } from './api-key-table';

/** How long a new key may last, as the form offers it (days; none: until revoked). */
const LIFETIMES = [
  { label: 'until revoked', days: null },
  { label: '7 days', days: 7 },
  { label: '30 days', days: 30 },
  { label: '90 days', days: 90 },
  { label: '1 year', days: 365 },
] as const;

/** The signed-in user's API keys: create (shown once) with scopes and a lifetime, list, revoke. */
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
  if (list.error) return <p>Your session ended: sign in again to manage API keys.</p>;
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const days = String(form.get('lifetime'));
    create.mutate({
      name: String(form.get('name')),
      scopes: form.getAll('scope').map(String) as ('read' | 'submit')[],
      expiresInDays: days === '' ? null : Number(days),
    });
  };
  return (
    <>
      <form className="filters" onSubmit={submit}>
        <label>
          Name <input name="name" required maxLength={80} />
        </label>
        <fieldset>
          <legend>May</legend>
          <div className="inline-choices">
            <label>
              <input type="checkbox" name="scope" value="read" defaultChecked /> read
            </label>
            <label>
              <input type="checkbox" name="scope" value="submit" defaultChecked /> submit
            </label>
          </div>
        </fieldset>
        <label>
          Expires{' '}
          <select name="lifetime" defaultValue="">
            {LIFETIMES.map((lifetime) => (
              <option key={lifetime.label} value={lifetime.days ?? ''}>
                {lifetime.label}
              </option>
            ))}
          </select>
        </label>
        <button type="submit">Create key</button>
      </form>
      {create.error ? (
        <p role="alert" style={{ color: 'var(--bad)' }}>
          {create.error.message}
        </p>
      ) : null}
      {fresh ? (
        <p className="card">
          New key (copy it now: it is not shown again): <code data-testid="new-token">{fresh}</code>
        </p>
      ) : null}
      <h2 id="your-keys">Your keys</h2>
      {list.data && list.data.length === 0 ? (
        <p className="muted">No keys yet.</p>
      ) : (
        <ApiKeyTable
          keys={list.data ?? []}
          labelledBy="your-keys"
          testId="token-list"
          onRevoke={(key) => revoke.mutate({ id: key.id })}
        />
      )}
    </>
  );
}
