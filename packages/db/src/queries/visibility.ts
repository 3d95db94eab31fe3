import { type ImageEntry, WEBHOOK_STATES } from '@linkboard/core';
import { type SQL, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../client';
import { ANY_ROW, col, pgArray, queryRows } from './rows';

/**
 * The one visibility rule for what a run's episodes show (content, query label, verdict).
 *
 * A ranked run is the only submission on its draw, and the draw is fresh: an episode's label
 * helps with no other episode, so it is shown as soon as the run's answer to it is stored, and
 * every episode is shown once the run has ended (its seed, revealed then, gives them all anyway).
 * Until then an episode without a kept answer shows nothing to anyone, admins included: a label
 * seen before the answer is sent is an answer key. An errored attempt is not a kept answer (it is
 * asked again). Episodes of every other benchmark version are public.
 *
 * Every read of per-episode detail goes through these: `SHOWN_RESULT` filters a read of results
 * (alias `r`), `rankedEpisodeOf` answers for one episode.
 */

/** States in which a run asks nothing more: its draw's seed is revealed then (core's final states). */
export const RUN_ENDED_STATES = WEBHOOK_STATES;

/** A submission (alias `s`) that has ended. */
export const runEnded = (alias = 's'): SQL =>
  sql`${sql.raw(alias)}.status = ANY(${pgArray(RUN_ENDED_STATES)}::submission_status[])`;

/**
 * A results row (alias `r`, or `alias`) whose episode may be shown: an answer kept, or a run that
 * is not an open ranked run.
 */
export const shownResult = (alias = 'r'): SQL => {
  const r = sql.raw(alias);
  return sql`(${r}.error_class IS NULL OR NOT EXISTS (
    SELECT 1 FROM submissions rs JOIN benchmark_versions rv ON rv.id = rs.benchmark_version_id
    WHERE rs.id = ${r}.submission_id AND rv.ranked_draw AND NOT ${runEnded('rs')}))`;
};
export const SHOWN_RESULT: SQL = shownResult();

/** An episode of a ranked run's draw: whose it is, and whether the rule lets it be shown. */
export interface RankedEpisode {
  submissionId: number;
  shown: boolean;
}

/** Why an episode of an open ranked run is not shown: said to whoever asks for it. */
export const UNANSWERED_EPISODE =
  'this episode belongs to a ranked run that has not answered it yet: an episode of a ranked run is shown once its answer is stored, and all of them when the run ends';

/**
 * The ranked run an episode belongs to and whether it may be shown; null for an episode of any
 * other benchmark version (or none at all: the caller's "not found" answers).
 */
export async function rankedEpisodeOf(db: Db, episodeId: string): Promise<RankedEpisode | null> {
  // A draw's episode ids are its manifest hash's first 16 hex characters and the drawn id (core's
  // buildFixedEpisode): found in the draw's manifest whether or not it was sent yet, so that an
  // episode not yet answered is refused as such rather than looking like a wrong id.
  const match = /^([0-9a-f]{16})-(.+)$/.exec(episodeId);
  if (!match) return null;
  const [, hashPrefix, drawnId] = match;
  const [r] = await queryRows(
    db,
    z.object({ id: col.number, shown: col.bool }),
    sql`
    SELECT s.id,
           ${runEnded('s')} OR EXISTS (SELECT 1 FROM results r WHERE r.submission_id = s.id
                                         AND r.episode_id = ${episodeId} AND r.error_class IS NULL) AS shown
    FROM benchmark_versions v JOIN submissions s ON s.benchmark_version_id = v.id
    WHERE v.ranked_draw AND v.manifest_hash LIKE ${`${hashPrefix}%`}
      AND v.manifest -> 'episodes' @> jsonb_build_array(jsonb_build_object('id', ${drawnId}::text))
    ORDER BY s.id LIMIT 1`,
  );
  return r ? { submissionId: r.id, shown: r.shown } : null;
}

/**
 * Whether a benchmark version (or the version a concept belongs to) is one ranked run's draw: its
 * concepts are one episode each, so per-concept pages, heatmaps and trait tables cover public
 * boards only.
 */
export async function isRankedDrawOf(
  db: Db,
  subject: { benchmarkVersionId: number } | { conceptId: number },
): Promise<boolean> {
  const rows = await queryRows(
    db,
    ANY_ROW,
    'benchmarkVersionId' in subject
      ? sql`SELECT 1 FROM benchmark_versions WHERE id = ${subject.benchmarkVersionId} AND ranked_draw`
      : sql`SELECT 1 FROM concepts c JOIN benchmark_versions v ON v.id = c.benchmark_version_id
            WHERE c.id = ${subject.conceptId} AND v.ranked_draw`,
  );
  return rows.length > 0;
}

/**
 * An image of a ranked run's draw (never stored: rendered from its manifest entry), with the
 * rule's answer for the one episode it belongs to; null for an image of no draw.
 */
export async function rankedImageOf(
  db: Db,
  imageId: string,
): Promise<(RankedEpisode & { entry: ImageEntry }) | null> {
  // A draw's image belongs to one concept of one pair, whose key is the drawn episode id.
  const [r] = await queryRows(
    db,
    z.object({
      id: col.number,
      manifest_hash: col.text,
      episode: col.text,
      // The manifest's entry, passed on whole to whoever renders it.
      entry: col.stored<ImageEntry>().nullable(),
    }),
    sql`
    SELECT s.id, v.manifest_hash, p.key AS episode,
           (SELECT e FROM jsonb_array_elements(v.manifest -> 'images') e
            WHERE e ->> 'id' = ${imageId} LIMIT 1) AS entry
    FROM images i JOIN benchmark_versions v ON v.id = i.benchmark_version_id AND v.ranked_draw
    JOIN concepts c ON c.id = i.concept_id JOIN pairs p ON p.id = c.pair_id
    JOIN submissions s ON s.benchmark_version_id = v.id
    WHERE i.sha256 = ${imageId}
    ORDER BY s.id LIMIT 1`,
  );
  if (!r?.entry) return null;
  const episodeId = `${r.manifest_hash.slice(0, 16)}-${r.episode}`;
  const episode = await rankedEpisodeOf(db, episodeId);
  return episode ? { ...episode, entry: r.entry } : null;
}
