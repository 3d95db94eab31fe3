import {
  AnswerLineSchema,
  buildEpisodes,
  indexBenchmark,
  scoreAll,
  scorerNames,
} from '@linkboard/core';
import { describe, expect, it } from 'vitest';
import { claimJob, type Db, registerModel, submissionAnswerPages } from '../../src';
import { createSubmission } from '../../src/queries/submissions';
import { jobFinisher, seedSubmission } from '../fixtures';
import { freshDatabase } from '../helpers';

const spec = { shots: [2, 4], policies: ['lcl' as const, 'flip' as const], draws: 2 };

/** Claims and finishes every job of the seeded submission, as a runner would. */
async function finishEveryJob(db: Db, seeded: Parameters<typeof jobFinisher>[1]) {
  const finish = await jobFinisher(db, seeded, spec);
  for (let lease = await claimJob(db, { worker: 'w', leaseMs: 60_000 }); lease; ) {
    await finish(db, lease);
    lease = await claimJob(db, { worker: 'w', leaseMs: 60_000 });
  }
}

/** The database with its `execute` calls counted: how many pages a download has asked for. */
function counting(db: Db) {
  const counter = { queries: 0 };
  const counted = new Proxy(db, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (property !== 'execute') return value;
      return (...args: unknown[]) => {
        counter.queries++;
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { db: counted, counter };
}

describe('a submission’s answers for download', () => {
  it('come page by page in episode id order, each asked for only when wanted, one line per answered episode', async () => {
    const { db } = await freshDatabase();
    const seeded = await seedSubmission(db, spec);
    await finishEveryJob(db, seeded);
    const episodes = [...buildEpisodes(indexBenchmark(seeded.manifest), spec)];
    expect(episodes.length).toBeGreaterThan(20);

    const { db: watched, counter } = counting(db);
    const pages = submissionAnswerPages(watched, seeded.submissionId, 7);
    const first = await pages.next();
    expect(first.done).toBe(false);
    expect(first.value).toHaveLength(7);
    // Nothing is read ahead of the consumer: the version's name and the first page alone (the
    // visibility rule is in it).
    expect(counter.queries).toBe(2);
    const all = [...(first.value as unknown[])];
    const sizes = [7];
    for await (const page of pages) {
      sizes.push(page.length);
      all.push(...page);
    }
    const lines = all.map((line) => AnswerLineSchema.parse(line));
    expect(lines).toHaveLength(episodes.length);
    expect(sizes.slice(0, -1).every((size) => size === 7)).toBe(true);
    expect(sizes.at(-1)).toBeGreaterThan(0);
    // One query for the version's name, one a page, and one more that finds the end when the
    // last page is full.
    expect(counter.queries).toBe(1 + sizes.length + (episodes.length % 7 === 0 ? 1 : 0));
    const ids = lines.map((l) => l.episode_id);
    expect(ids).toEqual([...ids].sort());
    expect(new Set(ids)).toEqual(new Set(episodes.map((e) => e.id)));
  });

  it('say how each episode was asked and what became of it, with every scorer’s verdict', async () => {
    const { db } = await freshDatabase();
    const seeded = await seedSubmission(db, spec);
    await finishEveryJob(db, seeded);
    const episodes = [...buildEpisodes(indexBenchmark(seeded.manifest), spec)];
    const byId = new Map(episodes.map((e, i) => [e.id, { episode: e, i }]));
    const lines = [];
    for await (const page of submissionAnswerPages(db, seeded.submissionId)) lines.push(...page);
    expect(lines).toHaveLength(episodes.length);
    let flipped = 0;
    for (const line of lines) {
      const { episode, i } = byId.get(line.episode_id)!;
      // The fixture's runner answers every other episode and times out on the rest.
      const answer = i % 2 === 0 ? 'an answer' : null;
      expect(line).toEqual({
        benchmark: `${seeded.manifest.benchmark.name}@${seeded.manifest.benchmark.version}`,
        episode_id: episode.id,
        shots: episode.shots,
        policy: episode.policy,
        draw: episode.draw,
        pair: episode.pairId,
        support: episode.support.map((s) => ({ image_id: s.imageId, label: s.label })),
        query: { image_id: episode.query.imageId, label: episode.query.label },
        raw_answer: answer,
        answer_truncated: false,
        error: answer === null ? 'timeout' : null,
        latency_ms: 10 + i,
        // The fixture's replies state no tokens.
        prompt_tokens: null,
        completion_tokens: null,
        verdicts: scoreAll(answer, episode.query.label, episode.query.other)
          .map((v) => ({ scorer: v.scorer, version: v.version, outcome: v.outcome, rule: v.rule }))
          .sort((a, b) => a.scorer.localeCompare(b.scorer)),
      });
      expect(line.verdicts!.map((v) => v.scorer).sort()).toEqual([...scorerNames()].sort());
      if (line.policy === 'flip') {
        flipped++;
        // Under flip the right answer is the name the demonstrations gave: the partner's.
        const pair = seeded.manifest.pairs.find((p) => p.id === episode.pairId)!;
        const shown = [pair.novel, pair.familiar].find((c) => c.id === episode.query.conceptId)!;
        expect(line.query.label).not.toBe(shown.name);
      }
    }
    expect(flipped).toBe(episodes.length / 2);
  });

  it('hold only that submission’s answers, and none before it has any', async () => {
    const { db } = await freshDatabase();
    const seeded = await seedSubmission(db, spec);
    const none = [];
    for await (const page of submissionAnswerPages(db, seeded.submissionId)) none.push(page);
    expect(none).toEqual([]);
    await finishEveryJob(db, seeded);
    // Another submission on the same episodes, queued after the first finished: none answered yet.
    const { submissionId: other } = await createSubmission(db, {
      modelId: await registerModel(db, { name: 'model-b' }),
      benchmarkVersionId: seeded.benchmarkVersionId,
      adapterConfig: { adapter: 'builtin', name: 'random' },
      ...spec,
    });
    let count = 0;
    for await (const page of submissionAnswerPages(db, other)) count += page.length;
    expect(count).toBe(0);
    for await (const page of submissionAnswerPages(db, seeded.submissionId, 1000))
      count += page.length;
    expect(count).toBe(seeded.episodes);
  });
});
