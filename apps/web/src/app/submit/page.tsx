import { benchmarkName } from '@linkboard/core';
import { mayRunRanked } from '@linkboard/db';
import type { Metadata } from 'next';
import Link from 'next/link';
import { SubmitForm } from '~/components/submit-form';
import { env } from '~/env';
import { api } from '~/server/caller';
import { TRPCReactProvider } from '~/trpc/react';

export const metadata: Metadata = { title: 'Submit a model' };

export const dynamic = 'force-dynamic';

export default async function SubmitPage() {
  const trpc = await api();
  const versions = await trpc.leaderboard.versions();
  const me = await trpc.accounts.me();
  const signedIn = me !== null;
  const rankedRuns = mayRunRanked(me?.role, env.platform.rankedOpen);
  return (
    <>
      <h1>Submit a model</h1>
      {signedIn ? (
        <>
          <p className="lead">
            It joins the queue; a runner evaluates it and its page shows the progress and the
            results.
          </p>
          {rankedRuns ? null : (
            <p className="muted" data-testid="ranked-runs-closed">
              Ranked runs (a fresh secret draw of their own, on the{' '}
              <a href="/ranked">ranked board</a>) are open to participants: ask this site&apos;s
              admin to make your account one.
            </p>
          )}
          <TRPCReactProvider>
            <SubmitForm
              rankedRuns={rankedRuns}
              // A retired version takes no more submissions: not offered.
              versions={versions
                .filter((v) => !v.retired)
                .map((v) => ({
                  benchmark: benchmarkName(v),
                  ranked: { shots: v.rankedSetting.shots, draws: v.rankedSetting.draws },
                }))}
            />
          </TRPCReactProvider>
        </>
      ) : (
        <p>
          <Link href="/sign-up">Create an account</Link> or <Link href="/sign-in">sign in</Link> to
          submit.
        </p>
      )}
    </>
  );
}
