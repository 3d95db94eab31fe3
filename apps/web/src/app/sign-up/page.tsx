import type { Metadata } from 'next';
import { AccountForm } from '~/components/account-form';

export const metadata: Metadata = { title: 'Create an account' };

export default function SignUpPage() {
  return (
    <>
      <h1>Create an account</h1>
      <p className="lead">
        An account lets you submit models, keep them private until you publish them, and make API
        tokens for the CLI.
      </p>
      <AccountForm mode="sign-up" />
    </>
  );
}
