'use client';

import Link from 'next/link';

/**
 * A page that failed on the server. The error's message is not shown: it may be a database's,
 * quoting SQL. Next gives the client only a digest, which the server log prints beside the error.
 * The reader is given what to do next: try again (a passing failure, a restarting database), go
 * elsewhere, or report it with the digest.
 */
export default function ErrorPage({
  error,
  reset,
}: {
  error: Error & { digest?: string };
  reset?: () => void;
}) {
  return (
    <>
      <h1>Something went wrong</h1>
      <p className="lead">
        The server could not show this page. It may be passing (the database restarting, say): try
        again in a moment.
      </p>
      <p>
        {reset ? (
          <button type="button" onClick={() => reset()} data-testid="try-again">
            Try again
          </button>
        ) : null}{' '}
        or go to <Link href="/">the leaderboard</Link> · <Link href="/queue">the queue</Link>.
      </p>
      <p className="muted">
        If it keeps happening, tell the operator
        {error.digest ? (
          <>
            {' '}
            error <code>{error.digest}</code>; the server log has the details under it.
          </>
        ) : (
          ' the address and the time.'
        )}
      </p>
    </>
  );
}
