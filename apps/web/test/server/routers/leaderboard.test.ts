import { registerScorer } from '@linkboard/core';
import { fixtureManifest } from '@linkboard/core/testing';
import { createSubmission, registerModel } from '@linkboard/db';
import { setBoardRanker } from '@linkboard/platform';
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

describe('a board read from its snapshot', () => {
  it('is ranked once per change, and a background ranker’s readers see the previous ranks, marked', async () => {
    const anyone = site.caller(null);
    const input = { benchmarkVersionId: site.versionId, scorer: 'official' } as const;
    await finishedSubmission('snapshot-first');
    const first = await anyone.leaderboard.board(input);
    expect(first.snapshot.stale).toBe(false);
    expect(first.rows.map((r) => r.model)).toContain('snapshot-first');
    // A ranker that is never done: what the site's worker looks like while it ranks.
    const asked: unknown[] = [];
    setBoardRanker({
      background: true,
      rebuild: (key) => {
        asked.push(key);
        return new Promise(() => {});
      },
      close: async () => {},
    });
    try {
      const unchanged = await anyone.leaderboard.board(input);
      expect(unchanged.snapshot.generation).toBe(first.snapshot.generation);
      expect(asked).toHaveLength(0);
      await finishedSubmission('snapshot-second');
      const marked = await anyone.leaderboard.board(input);
      expect(marked.snapshot).toMatchObject({ stale: true, generation: first.snapshot.generation });
      expect(marked.rows.map((r) => r.model)).not.toContain('snapshot-second');
      expect(asked).toEqual([{ ...input, policy: 'lcl', selfReported: false }]);
    } finally {
      setBoardRanker(null);
    }
    // Without a worker (as here, and in `next dev`) a read waits for the build on its own thread.
    const rebuilt = await anyone.leaderboard.board(input);
    expect(rebuilt.snapshot.stale).toBe(false);
    expect(rebuilt.snapshot.generation).toBeGreaterThan(first.snapshot.generation);
    expect(rebuilt.rows.map((r) => r.model)).toContain('snapshot-second');
  });
});
