'use client';

import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { type FormEvent, useState } from 'react';
import { refreshAccount } from '~/lib/account';
import { authClient } from '~/lib/auth-client';

/** Sign up or sign in with e-mail and password (better-auth). */
export function AccountForm({ mode }: { mode: 'sign-up' | 'sign-in' }) {
  const router = useRouter();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const email = String(form.get('email'));
    const password = String(form.get('password'));
    setBusy(true);
    setError(null);
    const result =
      mode === 'sign-up'
        ? await authClient.signUp.email({ email, password, name: String(form.get('name')) })
        : await authClient.signIn.email({ email, password });
    setBusy(false);
    if (result.error) setError(result.error.message ?? 'that did not work');
    else {
      // The header learns of the new session from the site, as on a page load.
      await refreshAccount();
      router.push('/submit');
      router.refresh();
    }
  }
  return (
    <form onSubmit={submit} className="card stacked" style={{ maxWidth: 380 }}>
      {mode === 'sign-up' ? (
        <label>
          Name <input name="name" required autoComplete="name" />
        </label>
      ) : null}
      <label>
        E-mail <input name="email" type="email" required autoComplete="email" />
      </label>
      <label>
        Password{' '}
        <input
          name="password"
          type="password"
          required
          minLength={8}
          autoComplete={mode === 'sign-up' ? 'new-password' : 'current-password'}
        />
      </label>
      <button type="submit" disabled={busy}>
        {mode === 'sign-up' ? 'Create account' : 'Sign in'}
      </button>
      {error ? (
        <p role="alert" style={{ color: 'var(--bad)' }}>
          {error}
        </p>
      ) : null}
      <p className="muted">
        {mode === 'sign-up' ? (
          <>
            Have an account? <Link href="/sign-in">Sign in</Link>
          </>
        ) : (
          <>
            New here? <Link href="/sign-up">Create an account</Link>
          </>
        )}
      </p>
    </form>
  );
}
