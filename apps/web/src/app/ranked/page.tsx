import type { Metadata } from 'next';
import { RankedBoard } from '~/components/ranked-board';
import { api } from '~/server/caller';

export const metadata: Metadata = { title: 'Ranked' };

export const dynamic = 'force-dynamic';

export default async function RankedPage() {
  const trpc = await api();
  return (
    <RankedBoard rows={await trpc.ranked.board()} versions={await trpc.leaderboard.versions()} />
  );
}
