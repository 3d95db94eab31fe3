import type { Metadata } from 'next';
import Link from 'next/link';
import { TokenList } from '~/components/token-list';
import { api } from '~/server/caller';
import { TRPCReactProvider } from '~/trpc/react';

export const metadata: Metadata = { title: 'API tokens' };

export const dynamic = 'force-dynamic';

export default async function TokensPage() {
  const signedIn = (await (await api()).accounts.me()) !== null;
  return (
    <>
      <h1>API tokens</h1>
      <p className="lead">
        For scripts and the CLI: send <code>Authorization: Bearer &lt;token&gt;</code> to{' '}
        <code>/api/v1/…</code> (or <code>/api/trpc</code>). A token is shown once.
      </p>
      {signedIn ? (
        <TRPCReactProvider>
          <TokenList />
        </TRPCReactProvider>
      ) : (
        <>
          <p data-testid="sign-in-needed">
            <Link href="/sign-in">Sign in</Link> (or <Link href="/sign-up">create an account</Link>)
            to create and revoke API tokens, then come back to this page (Tokens, in the menu).
          </p>
          <p className="muted">
            Reading needs no token: the boards, public submissions and their answers are open to
            anyone, on the site and through <code>/api/v1/…</code>.
          </p>
        </>
      )}
    </>
  );
}
