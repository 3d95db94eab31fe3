import type { Metadata } from 'next';
import { AccountForm } from '~/components/account-form';

export const metadata: Metadata = { title: 'Sign in' };

export default function SignInPage() {
  return (
    <>
      <h1>Sign in</h1>
      <AccountForm mode="sign-in" />
    </>
  );
}
