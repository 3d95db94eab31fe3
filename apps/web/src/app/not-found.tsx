import Link from 'next/link';

/**
 * Anything missing, and anything private the visitor may not see: the same page, so ids cannot be
 * probed. It says what may be the matter and where to go, without saying which it is.
 */
export default function NotFound() {
  return (
    <>
      <h1>Not found</h1>
      <p className="lead">
        There is nothing here, or nothing you may see: a private submission shows only to its owner
        until it is published.
      </p>
      <ul>
        <li>
          If it is yours, <Link href="/sign-in">sign in</Link> and open it from{' '}
          <Link href="/submissions">your submissions</Link>.
        </li>
        <li>
          If you followed a link, check its address: ids are whole numbers, benchmark versions are
          named <code>name@version</code>.
        </li>
        <li>
          Or start from <Link href="/">the leaderboard</Link>.
        </li>
      </ul>
    </>
  );
}
