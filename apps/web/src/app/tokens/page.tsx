import type { Metadata } from 'next';
import Link from 'next/link';
import { TokenList } from '~/components/token-list';
import { api } from '~/server/caller';
import { TRPCReactProvider } from '~/trpc/react';

export const metadata: Metadata = { title: 'API keys' };

export const dynamic = 'force-dynamic';

export default async function TokensPage() {
  const signedIn = (await (await api()).accounts.me()) !== null;
  return (
    <>
      <h1>API keys</h1>
      <p className="lead">
        For scripts and the CLI: send <code>Authorization: Bearer &lt;key&gt;</code> to{' '}
        <code>/api/v1/…</code> (or <code>/api/trpc</code>). A key is shown once. A key that may{' '}
        <strong>read</strong> sees what you see (your private submissions and their answers); one
        that may <strong>submit</strong> can submit, cancel and publish. Give a script only what it
        needs, and a key an expiry where you can.
      </p>
      {signedIn ? (
        <TRPCReactProvider>
          <TokenList />
        </TRPCReactProvider>
      ) : (
        <>
          <p data-testid="sign-in-needed">
            <Link href="/sign-in">Sign in</Link> (or <Link href="/sign-up">create an account</Link>)
            to create and revoke API keys, then come back to this page (API keys, in the menu).
          </p>
          <p className="muted">
            Reading needs no key: the boards, public submissions and their answers are open to
            anyone, on the site and through <code>/api/v1/…</code>.
          </p>
        </>
      )}
    </>
  );
}
