import type { ImageEntry } from '@linkboard/core';
import {
  type Db,
  isRankedDrawOf,
  rankedEpisodeOf,
  rankedImageOf,
  submissionDetail,
  UNANSWERED_EPISODE,
  type UserRole,
} from '@linkboard/db';

/** Who reads: a signed-in account (by session or token), or nobody signed in. */
export type Reader = { id: string; role: UserRole } | null;

/**
 * A read the reader may not make: `not-found` where it may not know the thing exists (the same
 * answer as a missing id, so ids cannot be probed), `forbidden` where it may know but not see.
 */
export class ReadRefused extends Error {
  override name = 'ReadRefused';
  constructor(
    readonly reason: 'not-found' | 'forbidden',
    message: string,
  ) {
    super(message);
  }
}

/**
 * Whether a reader may know a submission exists: a public one, anyone; a private one, its owner
 * and admins; a withdrawn one, admins alone. What each episode of a ranked run shows is db's rule
 * (`queries/visibility.ts`), applied in its queries and below.
 */
export function mayRead(
  reader: Reader,
  submission: { visibility: string; ownerId: string | null },
): boolean {
  return (
    submission.visibility === 'public' ||
    reader?.role === 'admin' ||
    (submission.visibility === 'private' && reader !== null && reader.id === submission.ownerId)
  );
}

/** Whether a reader may change a submission (cancel, retry, publish…): its owner or an admin. */
export const mayChange = (reader: Reader, ownerId: string | null): boolean =>
  reader !== null && (reader.role === 'admin' || reader.id === ownerId);

/** A submission as the reader may see it, or `not-found`. */
export async function readableSubmission(db: Db, reader: Reader, id: number) {
  const submission = await submissionDetail(db, id);
  if (!submission || !mayRead(reader, submission))
    throw new ReadRefused('not-found', `submission ${id} not found`);
  return submission;
}

/**
 * The rule for one episode: an episode of a ranked run is shown only where its run is readable
 * and has stored its answer (or ended); `forbidden`, saying why, for anyone (admins too) before
 * that. Episodes of public versions pass.
 */
export async function assertEpisodeReadable(
  db: Db,
  reader: Reader,
  episodeId: string,
): Promise<void> {
  const ranked = await rankedEpisodeOf(db, episodeId);
  if (!ranked) return;
  await readableSubmission(db, reader, ranked.submissionId);
  if (!ranked.shown) throw new ReadRefused('forbidden', UNANSWERED_EPISODE);
}

/**
 * A ranked draw's image, where its episode is shown to this reader: the manifest entry to render
 * it from; null otherwise (answered as a missing image, so that ids cannot be probed). Null too
 * for an image that is not a draw's.
 */
export async function readableRankedImage(
  db: Db,
  reader: Reader,
  imageId: string,
): Promise<ImageEntry | null> {
  const ranked = await rankedImageOf(db, imageId);
  if (!ranked?.shown) return null;
  try {
    await readableSubmission(db, reader, ranked.submissionId);
  } catch (error) {
    if (error instanceof ReadRefused) return null;
    throw error;
  }
  return ranked.entry;
}

/**
 * Per-concept reads (the gallery, the heatmap, traits, a concept's page) cover public boards: a
 * ranked run's draw has a concept per episode, which its submission's answers show instead.
 */
export async function assertPublicBoard(
  db: Db,
  subject: { benchmarkVersionId: number } | { conceptId: number },
): Promise<void> {
  if (await isRankedDrawOf(db, subject))
    throw new ReadRefused(
      'not-found',
      "concept pages cover public benchmark versions; a ranked run's draw (a concept per episode) is shown through its submission's answers",
    );
}
