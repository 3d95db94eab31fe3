import type { Metadata } from 'next';
import Link from 'next/link';
import { forbidden } from 'next/navigation';
import { AdminPanel } from '~/components/admin-panel';
import { api } from '~/server/caller';
import { TRPCReactProvider } from '~/trpc/react';

export const metadata: Metadata = { title: 'Admin' };

export const dynamic = 'force-dynamic';

/** Accounts (roles, bans) and every API key (revocation): admins signed in on the site only. */
export default async function AdminPage() {
  const me = await (await api()).accounts.me();
  if (!me)
    return (
      <>
        <h1>Admin</h1>
        <p data-testid="sign-in-needed">
          <Link href="/sign-in">Sign in</Link> with an admin account to manage accounts and keys.
        </p>
      </>
    );
  if (me.role !== 'admin' || me.via !== 'session') forbidden();
  return (
    <>
      <h1>Admin</h1>
      <p className="lead">
        Roles: <strong>participant</strong> may submit ranked runs, <strong>admin</strong> may do
        everything. A ban ends the account&rsquo;s sessions and refuses its API keys until lifted or
        over. A revoked key stops working at once and stays listed.
      </p>
      <TRPCReactProvider>
        <AdminPanel viewerId={me.id} />
      </TRPCReactProvider>
    </>
  );
}
