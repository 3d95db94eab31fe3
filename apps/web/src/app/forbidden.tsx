import Link from 'next/link';

/**
 * A page refused by a rule rather than missing: today, an episode of a ranked run that has not
 * answered it yet (db's visibility rule). Said plainly, so its owner knows to wait, not to search.
 */
export default function Forbidden() {
  return (
    <>
      <h1 data-testid="forbidden">Not shown yet</h1>
      <p className="lead">
        This episode belongs to a ranked run that has not answered it yet. An episode of a ranked
        run is shown, with its label and verdict, once the run has stored its answer to it, and
        every episode once the run ends; before that it is shown to no one, admins included, since a
        label seen before the answer is sent would be an answer key.
      </p>
      <p>
        Reload this page once the run has answered it: its submission page shows how far it has got,
        and the <Link href="/queue">queue</Link> where it stands. Or go back to{' '}
        <Link href="/">the leaderboard</Link>.
      </p>
    </>
  );
}
