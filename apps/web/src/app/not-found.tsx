import Link from 'next/link';

/** Anything missing, and anything private the visitor may not see: the same page, so ids cannot be probed. */
export default function NotFound() {
  return (
    <>
      <h1>Not found</h1>
      <p className="lead">
        There is nothing here, or nothing you may see: a private submission shows only to its owner
        until it is published.
      </p>
      <p>
        <Link href="/">Back to the leaderboard</Link>
      </p>
    </>
  );
}
