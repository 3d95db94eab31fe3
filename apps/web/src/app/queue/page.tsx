import type { Metadata } from 'next';
import Link from 'next/link';
import { formatDuration, formatTime } from '~/components/format';
import { RowLink } from '~/components/row-link';
import { api } from '~/server/caller';

export const metadata: Metadata = { title: 'Queue' };

export const dynamic = 'force-dynamic';

export default async function QueuePage() {
  const queue = await (await api()).submissions.queue();
  return (
    <>
      <h1>Queue</h1>
      <p className="lead">Submissions waiting for a runner or being run, oldest first.</p>
      {queue.length === 0 ? (
        <p className="muted" data-testid="queue-empty">
          The queue is empty: nothing waits for a runner. <Link href="/submit">Submit a model</Link>{' '}
          to start one, or see finished runs on <Link href="/">the leaderboard</Link>.
        </p>
      ) : (
        <table>
          <thead>
            <tr>
              <th>#</th>
              <th>Model</th>
              <th>Submitter</th>
              <th>Submitted</th>
              <th>State</th>
              <th className="num">Progress</th>
              <th className="num">ETA</th>
            </tr>
          </thead>
          <tbody>
            {queue.map((s) => (
              <tr key={s.id}>
                <td>{s.position}</td>
                <td>
                  {s.model === null ? (
                    <span className="muted">a private submission</span>
                  ) : (
                    <RowLink href={`/submissions/${s.id}`}>{s.model}</RowLink>
                  )}
                </td>
                <td className={s.submitter === null ? 'muted' : undefined}>{s.submitter ?? '–'}</td>
                <td className="muted">{formatTime(s.submittedAt)}</td>
                <td>
                  <span className={`badge ${s.status}`}>{s.status}</span>
                </td>
                <td className="num">
                  {s.done}/{s.total}
                </td>
                <td className="num">{formatDuration(s.etaSeconds)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
