import type { UserRole } from '@linkboard/db';

/** Who reads: a signed-in account (by session or token), or nobody signed in. */
export type Reader = { id: string; role: UserRole } | null;

/**
 * Whether a reader may know a submission exists: a public one, anyone; a private one, its owner
 * and admins; one an admin took off the board, admins alone. Everywhere else it is "not found",
 * the same answer as a missing id, so ids of others' work cannot be probed. What each episode of
 * a ranked run shows is db's rule (`queries/visibility.ts`), applied in its queries.
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
