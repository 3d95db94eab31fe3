'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { useTRPC } from '~/trpc/react';
import { ApiKeyTable } from './api-key-table';
import { formatTime } from './format';

/** Accounts with their roles and bans, and every API key, for an admin to act on. */
export function AdminPanel({ viewerId }: { viewerId: string }) {
  const trpc = useTRPC();
  const client = useQueryClient();
  const overview = useQuery(trpc.admin.overview.queryOptions());
  const [problem, setProblem] = useState<string | null>(null);
  const done = {
    onSuccess: () => {
      setProblem(null);
      void client.invalidateQueries({ queryKey: trpc.admin.overview.queryKey() });
    },
    onError: (error: { message: string }) => setProblem(error.message),
  };
  const setRole = useMutation(trpc.admin.setRole.mutationOptions(done));
  const ban = useMutation(trpc.admin.ban.mutationOptions(done));
  const unban = useMutation(trpc.admin.unban.mutationOptions(done));
  const revokeKey = useMutation(trpc.admin.revokeKey.mutationOptions(done));
  if (overview.error) return <p role="alert">{overview.error.message}</p>;
  if (!overview.data) return <p className="muted">Loading accounts…</p>;
  const { roles } = overview.data;
  const banFrom = (userId: string) => (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const days = String(form.get('days') ?? '');
    ban.mutate({
      userId,
      reason: String(form.get('reason')),
      days: days === '' ? null : Number(days),
    });
  };
  return (
    <>
      {problem ? (
        <p role="alert" style={{ color: 'var(--bad)' }} data-testid="admin-problem">
          {problem}
        </p>
      ) : null}
      <h2 id="accounts">Accounts</h2>
      {/* biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling region takes the focus (WCAG 2.1.1) */}
      <section className="scroll-x" aria-labelledby="accounts" tabIndex={0}>
        <table data-testid="admin-accounts">
          <thead>
            <tr>
              <th scope="col">Email</th>
              <th scope="col">Name</th>
              <th scope="col">Role</th>
              <th scope="col">Keys</th>
              <th scope="col">Ban</th>
            </tr>
          </thead>
          <tbody>
            {overview.data.accounts.map((account) => {
              const self = account.id === viewerId;
              return (
                <tr key={account.id} data-testid={`account-${account.email}`}>
                  <td>{account.email}</td>
                  <td>{account.name}</td>
                  <td>
                    <select
                      aria-label={`Role of ${account.email}`}
                      value={account.role}
                      disabled={self}
                      onChange={(event) =>
                        setRole.mutate({
                          userId: account.id,
                          role: event.currentTarget.value as (typeof roles)[number],
                        })
                      }
                    >
                      {roles.map((role) => (
                        <option key={role} value={role}>
                          {role}
                        </option>
                      ))}
                    </select>
                  </td>
                  <td>{account.liveKeys}</td>
                  <td>
                    {account.banned ? (
                      <>
                        <span>
                          banned: {account.banReason ?? 'no reason given'}
                          {account.banExpires ? ` (until ${formatTime(account.banExpires)})` : ''}
                        </span>{' '}
                        <button
                          type="button"
                          onClick={() => unban.mutate({ userId: account.id })}
                          aria-label={`Lift the ban on ${account.email}`}
                        >
                          Lift ban
                        </button>
                      </>
                    ) : self ? (
                      <span className="muted">you</span>
                    ) : (
                      <form onSubmit={banFrom(account.id)} style={{ display: 'flex', gap: 6 }}>
                        <input
                          name="reason"
                          required
                          maxLength={200}
                          placeholder="reason"
                          aria-label={`Reason to ban ${account.email}`}
                        />
                        <select
                          name="days"
                          defaultValue=""
                          aria-label={`Ban length for ${account.email}`}
                        >
                          <option value="">until lifted</option>
                          <option value="7">7 days</option>
                          <option value="30">30 days</option>
                        </select>
                        <button type="submit" aria-label={`Ban ${account.email}`}>
                          Ban
                        </button>
                      </form>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </section>
      <h2 id="api-keys">API keys</h2>
      {overview.data.keys.length === 0 ? (
        <p className="muted">No API keys yet.</p>
      ) : (
        <ApiKeyTable
          keys={overview.data.keys}
          labelledBy="api-keys"
          testId="admin-keys"
          onRevoke={(key) => revokeKey.mutate({ id: key.id })}
        />
      )}
    </>
  );
}
