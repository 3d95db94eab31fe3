'use client';

import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { authClient } from '~/lib/auth-client';

/** Who is signed in, with sign out; or a sign-in link. */
export function AccountMenu({ name }: { name: string | null }) {
  const router = useRouter();
  if (!name)
    return (
      <Link href="/sign-in" style={{ marginLeft: 'auto' }}>
        Sign in
      </Link>
    );
  return (
    <span style={{ marginLeft: 'auto', display: 'flex', gap: 10, alignItems: 'baseline' }}>
      <span className="muted" data-testid="signed-in-as">
        {name}
      </span>
      <Link href="/submissions">My submissions</Link>
      <button
        type="button"
        onClick={async () => {
          await authClient.signOut();
          router.push('/');
          router.refresh();
        }}
      >
        Sign out
      </button>
    </span>
  );
}
