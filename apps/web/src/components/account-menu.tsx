'use client';

import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { signedOut, useAccount } from '~/lib/account';
import { authClient } from '~/lib/auth-client';

/**
 * Who is signed in, with sign out; or a sign-in link. Filled in by the browser (see
 * ~/lib/account): the server renders a neutral placeholder, the same for everyone, so a page's
 * HTML names nobody and can be served from the page cache to every visitor.
 */
export function AccountMenu() {
  const router = useRouter();
  const account = useAccount();
  if (account === undefined)
    return (
      <span style={{ marginLeft: 'auto' }} data-testid="account-pending">
        {/* Without script there is no answer to wait for: the sign-in link is the way in. */}
        <noscript>
          <a href="/sign-in">Sign in</a>
        </noscript>
      </span>
    );
  if (!account)
    return (
      <Link href="/sign-in" style={{ marginLeft: 'auto' }}>
        Sign in
      </Link>
    );
  return (
    <span style={{ marginLeft: 'auto', display: 'flex', gap: 10, alignItems: 'baseline' }}>
      <span className="muted" data-testid="signed-in-as">
        {account.name}
      </span>
      <Link href="/submissions">My submissions</Link>
      {account.admin ? <Link href="/admin">Admin</Link> : null}
      <button
        type="button"
        onClick={async () => {
          await authClient.signOut();
          signedOut();
          router.push('/');
          router.refresh();
        }}
      >
        Sign out
      </button>
    </span>
  );
}
