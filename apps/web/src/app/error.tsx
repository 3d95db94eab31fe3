'use client';

/**
 * A page that failed on the server. The error's message is not shown: it may be a database's,
 * quoting SQL. Next gives the client only a digest, which the server log prints beside the error.
 */
export default function ErrorPage({ error }: { error: Error & { digest?: string } }) {
  return (
    <>
      <h1>Something went wrong</h1>
      <p className="lead">
        The server could not show this page. If it keeps happening, tell the operator
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
