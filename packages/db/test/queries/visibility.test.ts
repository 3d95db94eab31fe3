import { rankedFixtureManifest } from '@linkboard/core/testing';
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import {
  cancelSubmission,
  claimJob,
  createRankedSubmission,
  createSubmission,
  importBenchmark,
  jobStarter,
  NotParticipantError,
  pairedAnswers,
  QuotaError,
  RetiredVersionError,
  rankedEpisodeOf,
  registerModel,
  rerunErroredEpisodes,
  retrySubmission,
  setUserRole,
  submissionAnswerPages,
  submissionFailures,
  users,
  writeAnswers,
} from '../../src';
import { fixtureManifest, seedSubmission } from '../fixtures';
import { freshDatabase } from '../helpers';

const OWNER = 'user-owner';
const ranked = (tag: string) => ({
  keyId: 'k1',
  commitment: 'c'.repeat(64),
  seed: tag.padEnd(64, '0').slice(0, 64),
});

async function withUsers() {
  const database = await freshDatabase();
  await database.db.insert(users).values([
    { id: OWNER, name: 'Owner', email: 'owner@example.com' },
    { id: 'user-other', name: 'Other', email: 'other@example.com' },
  ]);
  return database;
}

/** A ranked run of 8 episodes, its one job claimed, and the job's episodes in send order. */
async function openRankedRun() {
  const { db } = await withUsers();
  await setUserRole(db, 'owner@example.com', 'participant');
  const made = await createRankedSubmission(db, {
    model: { name: 'ranked-model', ownerId: OWNER },
    ownerId: OWNER,
    adapterConfig: { adapter: 'openai', endpoint: 'http://127.0.0.1:9/v1', model: 'm' },
    manifest: rankedFixtureManifest(),
    ranked: ranked('ab'),
  });
  const lease = await claimJob(db, { worker: 'w', leaseMs: 60_000 });
  if (!lease) throw new Error('no job');
  const job = await jobStarter(db).start(lease);
  return { db, made, lease, episodes: job.episodes };
}

describe('the visibility rule of a ranked run', () => {
  it('shows an episode once its answer is kept, not an errored or unsent one; all once the run ends', async () => {
    const { db, made, lease, episodes } = await openRankedRun();
    const [kept, errored, unsent] = episodes as [
      (typeof episodes)[0],
      (typeof episodes)[0],
      (typeof episodes)[0],
    ];
    await writeAnswers(
      db,
      lease,
      [
        { episode: kept, rawAnswer: kept.query.label },
        { episode: errored, rawAnswer: null, errorClass: 'timeout' },
      ],
      made.benchmarkVersionId,
    );
    expect(await rankedEpisodeOf(db, kept.id)).toEqual({
      submissionId: made.submissionId,
      shown: true,
    });
    expect((await rankedEpisodeOf(db, errored.id))?.shown).toBe(false);
    // Never sent, so not in the episodes table: still known as the run's, and refused as such.
    expect(await rankedEpisodeOf(db, unsent.id)).toEqual({
      submissionId: made.submissionId,
      shown: false,
    });
    expect(await rankedEpisodeOf(db, `${'0'.repeat(16)}-nothing`)).toBeNull();

    const downloaded = [];
    for await (const page of submissionAnswerPages(db, made.submissionId)) downloaded.push(...page);
    expect(downloaded.map((l) => l.episode_id)).toEqual([kept.id]);
    expect(downloaded[0]?.query.label).toBe(kept.query.label);
    // The errored one is not a failure to list while it will be asked again (its concept is its label).
    const failures = await submissionFailures(db, made.submissionId, 'strict');
    expect(failures.episodes.map((e) => e.episodeId)).not.toContain(errored.id);
    // Nor a paired answer, the run compared with itself included.
    const paired = await pairedAnswers(db, made.submissionId, made.submissionId, 'strict');
    expect(paired.map((p) => p.episodeId)).toEqual([kept.id]);

    expect(await cancelSubmission(db, made.submissionId)).toBe(true);
    expect((await rankedEpisodeOf(db, errored.id))?.shown).toBe(true);
    expect((await rankedEpisodeOf(db, unsent.id))?.shown).toBe(true);
    const after = [];
    for await (const page of submissionAnswerPages(db, made.submissionId)) after.push(...page);
    expect(after.map((l) => l.episode_id).sort()).toEqual([kept.id, errored.id].sort());
  });

  it('leaves episodes of public versions to the submission’s own visibility', async () => {
    const { db } = await freshDatabase();
    const seeded = await seedSubmission(db);
    const lease = await claimJob(db, { worker: 'w', leaseMs: 60_000 });
    const job = await jobStarter(db).start(lease!);
    const episode = job.episodes[0]!;
    await writeAnswers(
      db,
      lease!,
      [{ episode, rawAnswer: null, errorClass: 'timeout' }],
      seeded.benchmarkVersionId,
    );
    expect(await rankedEpisodeOf(db, episode.id)).toBeNull();
    const lines = [];
    for await (const page of submissionAnswerPages(db, seeded.submissionId)) lines.push(...page);
    expect(lines.map((l) => l.error)).toEqual(['timeout']);
  });
});

describe('who may submit a ranked run', () => {
  const run = (
    db: Awaited<ReturnType<typeof withUsers>>['db'],
    ownerId: string,
    tag: string,
    openToAll?: boolean,
  ) =>
    createRankedSubmission(db, {
      model: { name: `model-${tag}`, ownerId },
      ownerId,
      adapterConfig: { adapter: 'openai', endpoint: 'http://127.0.0.1:9/v1', model: 'm' },
      manifest: rankedFixtureManifest({ tag }),
      ranked: ranked(tag),
      openToAll,
    });

  it('refuses a submitter with the reason, takes a participant or an admin, and anyone when open', async () => {
    const { db } = await withUsers();
    const refused = run(db, OWNER, 'a');
    await expect(refused).rejects.toBeInstanceOf(NotParticipantError);
    await expect(refused).rejects.toThrow(
      /participant.*linkboard users role.*LINKBOARD_RANKED_OPEN=1/,
    );
    // Nothing of the refused run is left: its draw holds every label.
    const { rows } = await db.execute(
      'SELECT count(*)::int AS n FROM benchmark_versions WHERE ranked_draw',
    );
    expect(rows[0]?.n).toBe(0);
    expect(await setUserRole(db, 'OWNER@example.com', 'participant')).toMatchObject({
      previous: 'submitter',
    });
    await expect(run(db, OWNER, 'b')).resolves.toMatchObject({ episodes: 8 });
    await setUserRole(db, 'other@example.com', 'admin');
    await expect(run(db, 'user-other', 'c')).resolves.toMatchObject({ episodes: 8 });
    await setUserRole(db, 'other@example.com', 'submitter');
    await expect(run(db, 'user-other', 'd', true)).resolves.toMatchObject({ episodes: 8 });
    await expect(setUserRole(db, 'other@example.com', 'owner')).rejects.toThrow(/no role "owner"/);
    await expect(setUserRole(db, 'nobody@example.com', 'admin')).rejects.toThrow(
      /no account with the email nobody@example.com/,
    );
  });
});

describe('the daily quota', () => {
  it('counts retries as runs', async () => {
    const { db } = await withUsers();
    const { benchmarkVersionId } = await importBenchmark(db, fixtureManifest());
    const quota = { ownerId: OWNER, limit: 2, probes: false };
    const modelId = await registerModel(db, { name: 'quota-model', ownerId: OWNER });
    const { submissionId } = await createSubmission(db, {
      modelId,
      benchmarkVersionId,
      adapterConfig: { adapter: 'builtin', name: 'random' },
      shots: [2],
      policies: ['lcl'],
      ownerId: OWNER,
      quota,
    });
    await cancelSubmission(db, submissionId);
    expect(await retrySubmission(db, submissionId, quota)).toBe(true);
    await cancelSubmission(db, submissionId);
    await expect(retrySubmission(db, submissionId, quota)).rejects.toBeInstanceOf(QuotaError);
    // The refused retry changed nothing.
    const { rows } = await db.execute(`SELECT status FROM submissions WHERE id = ${submissionId}`);
    expect(rows[0]?.status).toBe('cancelled');
    // The operator's own retry (no quota) is not counted.
    expect(await retrySubmission(db, submissionId)).toBe(true);
  });
});

describe('the retired hidden split', () => {
  it('arrives retired, stays readable, and takes no submission', async () => {
    const { db } = await freshDatabase();
    const hidden = fixtureManifest({ version: '3-test' });
    const manifest = { ...hidden, benchmark: { ...hidden.benchmark, split: 'hidden' as const } };
    const { benchmarkVersionId } = await importBenchmark(db, manifest);
    const { rows } = await db.execute(
      `SELECT retired_at IS NOT NULL AS retired FROM benchmark_versions WHERE id = ${benchmarkVersionId}`,
    );
    expect(rows[0]?.retired).toBe(true);
    const submit = createSubmission(db, {
      modelId: await registerModel(db, { name: 'late-model' }),
      benchmarkVersionId,
      adapterConfig: { adapter: 'builtin', name: 'random' },
      shots: [2],
      policies: ['lcl'],
    });
    await expect(submit).rejects.toBeInstanceOf(RetiredVersionError);
    await expect(submit).rejects.toThrow(/fixture@3-test is retired/);
  });

  it('runs nothing again on a version retired after its run was made', async () => {
    const { db } = await freshDatabase();
    const seeded = await seedSubmission(db);
    await cancelSubmission(db, seeded.submissionId);
    await db.execute(
      sql`UPDATE benchmark_versions SET retired_at = now() WHERE id = ${seeded.benchmarkVersionId}`,
    );
    await expect(retrySubmission(db, seeded.submissionId)).rejects.toBeInstanceOf(
      RetiredVersionError,
    );
    await expect(rerunErroredEpisodes(db, seeded.submissionId)).rejects.toBeInstanceOf(
      RetiredVersionError,
    );
  });
});
