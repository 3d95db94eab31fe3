import { registerScorer } from '@linkboard/core';
import { fixtureManifest } from '@linkboard/core/testing';
import { createSubmission, registerModel } from '@linkboard/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answerQueuedJob, openTestSite } from '../../site';

let site: Awaited<ReturnType<typeof openTestSite>>;
beforeAll(async () => {
  site = await openTestSite('scorer-test');
});
afterAll(() => site.database.drop());

/** Runs a public submission whose answers are the query labels, upper-cased every other time. */
async function finishedSubmission(model: string) {
  const { db } = site.database;
  const manifest = fixtureManifest({ name: 'scorer-test', pairs: 1, supportPerConcept: 4 });
  const { submissionId } = await createSubmission(db, {
    modelId: await registerModel(db, { name: model }),
    benchmarkVersionId: site.versionId,
    adapterConfig: { adapter: 'builtin', name: 'random' },
    shots: [2],
    policies: ['lcl'],
  });
  const { episodes } = await answerQueuedJob(db, {
    benchmarkVersionId: site.versionId,
    manifest,
    spec: { shots: [2], policies: ['lcl'], draws: 1 },
    answer: (episode, i) => (i % 2 ? episode.query.label.toUpperCase() : episode.query.label),
  });
  return { submissionId, episodes };
}

describe('a scorer added to core’s registry', () => {
  it('ranks the board and shows its verdict on the episode, with no change to the site', async () => {
    const unregister = registerScorer({
      name: 'shouted',
      version: 2,
      description: 'the label in capitals',
      score: (answer, label) =>
        answer?.includes(label.toUpperCase())
          ? { correct: true, outcome: 'correct', rule: 'capitals' }
          : { correct: false, outcome: 'neither', rule: 'no-capitals' },
    });
    try {
      const { submissionId, episodes } = await finishedSubmission('shouting-model');
      const anyone = site.caller(null);
      const [row] = await anyone.leaderboard.rows({
        benchmarkVersionId: site.versionId,
        scorer: 'shouted',
      });
      const shouted = Math.floor(episodes.length / 2);
      expect(row).toMatchObject({ model: 'shouting-model', n: episodes.length });
      expect(row!.accuracy).toBeCloseTo(shouted / episodes.length, 12);
      const upper = episodes[1]!;
      const episode = await anyone.episodes.byId({ id: upper.id, submission: submissionId });
      expect(episode.result?.verdicts).toEqual([
        { scorer: 'official', version: 2, outcome: 'neither', rule: 'substring-none' },
        { scorer: 'shouted', version: 2, outcome: 'correct', rule: 'capitals' },
        { scorer: 'strict', version: 2, outcome: 'correct', rule: 'word-label' },
      ]);
      const curves = await anyone.leaderboard.curves({ ids: [submissionId], scorer: 'shouted' });
      expect(curves).toMatchObject([{ shots: 2, n: episodes.length, correct: shouted }]);
    } finally {
      unregister();
    }
  });

  it('an unknown scorer is a 400 that names the registered ones', async () => {
    await expect(
      site.caller(null).leaderboard.rows({ benchmarkVersionId: site.versionId, scorer: 'nope' }),
    ).rejects.toMatchObject({
      code: 'BAD_REQUEST',
      message: expect.stringMatching(/unknown scorer \\?"nope\\?"; choose official, strict/),
    });
  });
});
