import { AccountForm } from '~/components/account-form';

export default function SignInPage() {
  return (
    <>
      <h1>Sign in</h1>
      <AccountForm mode="sign-in" />
    </>
  );
}
