import type { Metadata } from 'next';
import Link from 'next/link';
import { formatTime } from '~/components/format';
import { RowLink } from '~/components/row-link';
import { api } from '~/server/caller';

export const metadata: Metadata = { title: 'My submissions' };
export const dynamic = 'force-dynamic';

/** Everything the visitor submitted, in every state: a failed run is found without its URL. */
export default async function MySubmissionsPage() {
  const trpc = await api();
  const me = await trpc.accounts.me();
  if (!me)
    return (
      <>
        <h1>My submissions</h1>
        <p data-testid="sign-in-needed">
          <Link href="/sign-in">Sign in</Link> to see your submissions (or{' '}
          <Link href="/sign-up">create an account</Link> to submit one).
        </p>
      </>
    );
  const mine = await trpc.submissions.mine();
  return (
    <>
      <h1>My submissions</h1>
      <p className="lead">
        Newest first, in every state; private ones only you (and admins) can open.{' '}
        <Link href="/submit">Submit another</Link>.
      </p>
      {mine.length === 0 ? (
        <p className="muted" data-testid="mine-empty">
          Nothing yet: <Link href="/submit">submit a model</Link> from the form, or with{' '}
          <code>linkboard submit</code> and an API key (<Link href="/tokens">API keys</Link>).
        </p>
      ) : (
        <div className="scroll-x">
          <table data-testid="my-submissions">
            <thead>
              <tr>
                <th>#</th>
                <th>Model</th>
                <th>Benchmark</th>
                <th>State</th>
                <th className="num">Progress</th>
                <th className="num">Errors</th>
                <th>Submitted</th>
                <th>Finished</th>
              </tr>
            </thead>
            <tbody>
              {mine.map((s) => (
                <tr key={s.id}>
                  <td>{s.id}</td>
                  <td>
                    <RowLink href={`/submissions/${s.id}`}>{s.model}</RowLink>
                    {s.visibility !== 'public' ? (
                      <span className="muted">
                        {' '}
                        {s.visibility === 'withdrawn'
                          ? 'withdrawn (by an admin)'
                          : `(${s.visibility})`}
                      </span>
                    ) : null}
                  </td>
                  <td className="muted">{s.benchmark}</td>
                  <td title={s.lastError ?? undefined}>
                    <span className={`badge ${s.status}`}>{s.status}</span>
                  </td>
                  <td className="num">
                    {s.done}/{s.total}
                  </td>
                  <td className="num">{s.errors}</td>
                  <td className="muted">{formatTime(s.submittedAt)}</td>
                  <td className="muted">{formatTime(s.finishedAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
