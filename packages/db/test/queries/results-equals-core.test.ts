import {
  buildEpisodes,
  type Episode,
  type ExposureSend,
  exposureCells,
  exposureCheck,
  exposureStratum,
  indexBenchmark,
  OUTCOMES,
  type Outcome,
  type PolicyName,
  Prng,
  type ScorerVerdict,
} from '@linkboard/core';
import { describe, expect, it } from 'vitest';
import {
  claimJob,
  completeJob,
  computeExposure,
  conceptIdsByKey,
  type Db,
  episodeWithResult,
  type ResultInput,
  submissionAnswerPages,
  submissionDetail,
  writeResults,
} from '../../src';
import { exposureCellsOf } from '../../src/queries/results';
import { concepts } from '../../src/schema';
import { fixtureManifest, seedSubmission } from '../fixtures';
import { freshDatabase } from '../helpers';

/*
 * What results.ts computes in SQL that core computes too, held to equality on the real database:
 * the exposure cells (the send order and its ties, each pair's sends, the strata, which answers
 * are tested) and so the exposure check, against core's `exposureCells` and `exposureCheck` of the
 * same sends; and the labels a stored result is shown and re-scored with (the label swap of
 * `flip`, now core's `queryLabels` on the stored names), against the episode core built. Every
 * case is written through the real write path, with seeded random send times, verdicts and
 * orders, and the two sides must agree exactly (the same doubles, the same cells in the same
 * order, the same p-value).
 */

/** The version's ranked scorer (seedSubmission's ranked setting), and another that must not count. */
const RANKED_SCORER = 'strict';
const OTHER_SCORER = 'official';

type VerdictMode =
  | 'random'
  | 'all-correct'
  | 'all-wrong'
  | 'all-error'
  /** Right once the pair has been sent often enough: what the check must flag. */
  | 'learner';

interface Case {
  name: string;
  pairs: number;
  shots: number[];
  policies: PolicyName[];
  draws: number;
  /** Share of the episodes that get a result at all. */
  answered: number;
  /** Send times spread over this many milliseconds: a small spread makes many ties. */
  spreadMs: number;
  /** Share of the results written without a send time (they take no part). */
  unsent: number;
  /** Share of the results without a verdict of the ranked scorer (sends, never tested). */
  unscored: number;
  mode: VerdictMode;
  /** Complete the job through completeJob (every episode answered), not computeExposure alone. */
  complete?: boolean;
}

const base: Omit<Case, 'name'> = {
  pairs: 3,
  shots: [2, 4],
  policies: ['lcl', 'flip'],
  draws: 1,
  answered: 1,
  spreadMs: 10_000,
  unsent: 0,
  unscored: 0,
  mode: 'random',
};

const edgeCases: Case[] = [
  { ...base, name: 'empty: no results at all', answered: 0 },
  { ...base, name: 'no result has a send time', unsent: 1 },
  // Two pairs × two concepts × two queries, one shot count and policy: 8 episodes, one answered.
  { ...base, name: 'one result', answered: 1 / 8, pairs: 2, shots: [2], policies: ['lcl'] },
  { ...base, name: 'all correct', mode: 'all-correct', complete: true },
  { ...base, name: 'all wrong', mode: 'all-wrong' },
  { ...base, name: 'all transport errors', mode: 'all-error' },
  { ...base, name: 'ties everywhere: every result sent in the same millisecond', spreadMs: 1 },
  { ...base, name: 'ties in pairs of milliseconds, two draws', spreadMs: 2, draws: 2 },
  { ...base, name: 'a learner, flagged', mode: 'learner', pairs: 4, shots: [2, 4, 6] },
  { ...base, name: 'a learner over two draws', mode: 'learner', draws: 2, complete: true },
  { ...base, name: 'some results without the ranked scorer’s verdict', unscored: 0.3 },
  { ...base, name: 'three policies, some unsent', policies: ['lcl', 'icl', 'flip'], unsent: 0.2 },
];

/** Seeded random cases: shapes, verdicts, send orders and ties drawn from the case's seed. */
function randomCases(count: number): Case[] {
  const out: Case[] = [];
  for (let seed = 1; seed <= count; seed++) {
    const rng = Prng.fromKey(`results-equals-core|${seed}`);
    const pick = <T>(items: readonly T[]): T => items[rng.nextInt(items.length)] as T;
    const shots = [2, 4, 6].filter(() => rng.nextInt(2) === 0);
    const policies = (['lcl', 'icl', 'flip'] as const).filter(() => rng.nextInt(3) > 0);
    out.push({
      name: `random case ${seed}`,
      pairs: 2 + rng.nextInt(3),
      shots: shots.length ? shots : [2],
      policies: policies.length ? [...policies] : ['flip'],
      draws: 1 + rng.nextInt(2),
      answered: pick([1, 1, 0.9, 0.5]),
      spreadMs: pick([1, 5, 50, 10_000]),
      unsent: pick([0, 0, 0.1]),
      unscored: pick([0, 0, 0.1]),
      mode: pick(['random', 'random', 'random', 'learner', 'all-correct'] as const),
      complete: rng.nextInt(3) === 0,
    });
  }
  return out;
}

const cases = [...edgeCases, ...randomCases(36)];

/** A verdict of one scorer, as scorers give them (the rule is not compared by the check). */
const verdict = (scorer: string, outcome: Outcome): ScorerVerdict => ({
  scorer,
  version: 1,
  outcome,
  correct: outcome === 'correct',
  rule: `generated-${outcome}`,
});

/**
 * The case's results: which episodes are answered, when each was sent (epoch milliseconds; ties
 * on purpose), and the verdicts. Outcomes are drawn per result, or follow the mode.
 */
function generate(
  c: Case,
  episodes: readonly Episode[],
  conceptIds: ReadonlyMap<string, number>,
  rng: Prng,
): ResultInput[] {
  const chosen = rng.shuffle([...episodes]).slice(0, Math.round(episodes.length * c.answered));
  const t0 = Date.UTC(2026, 0, 1);
  const timed = chosen.map((episode) => ({ episode, at: t0 + rng.nextInt(c.spreadMs) }));
  // The learner's sends of each pair, in send order (ties broken by id, as both sides do).
  const order = [...timed].sort(
    (a, b) =>
      a.at - b.at || (a.episode.id < b.episode.id ? -1 : a.episode.id > b.episode.id ? 1 : 0),
  );
  const seenOfPair = new Map<string, number>();
  const exposureOf = new Map<string, number>();
  for (const { episode } of order) {
    const seen = seenOfPair.get(episode.pairId) ?? 0;
    exposureOf.set(episode.id, seen);
    seenOfPair.set(episode.pairId, seen + 1);
  }
  return timed.map(({ episode, at }) => {
    let outcome: Outcome;
    if (c.mode === 'all-correct') outcome = 'correct';
    else if (c.mode === 'all-wrong') outcome = rng.nextInt(2) ? 'other-label' : 'neither';
    else if (c.mode === 'all-error') outcome = 'error';
    else if (c.mode === 'learner')
      outcome =
        (exposureOf.get(episode.id) ?? 0) >= 4 || rng.nextInt(8) === 0 ? 'correct' : 'other-label';
    else outcome = OUTCOMES[rng.nextInt(OUTCOMES.length)] as Outcome;
    const scored = rng.nextFloat() >= c.unscored;
    const sent = rng.nextFloat() >= c.unsent;
    return {
      episode,
      conceptId: conceptIds.get(episode.query.conceptId) as number,
      rawAnswer: outcome === 'error' ? null : `answer ${episode.id}`,
      errorClass: outcome === 'error' ? 'timeout' : null,
      verdicts: [
        ...(scored ? [verdict(RANKED_SCORER, outcome)] : []),
        verdict(OTHER_SCORER, OUTCOMES[rng.nextInt(OUTCOMES.length)] as Outcome),
      ],
      ...(sent ? { sentAt: new Date(at) } : {}),
    };
  });
}

/** What core is given: the sends as written, named as the database names pairs (their row ids). */
function coreSends(
  c: Case,
  results: readonly ResultInput[],
  pairOfConcept: ReadonlyMap<number, number>,
): ExposureSend[] {
  return results
    .filter((r) => r.sentAt !== undefined)
    .map((r) => {
      const ranked = r.verdicts.find((v) => v.scorer === RANKED_SCORER);
      return {
        episodeId: r.episode.id,
        cluster: String(pairOfConcept.get(r.conceptId)),
        stratum: exposureStratum(
          {
            shots: r.episode.shots,
            policy: r.episode.policy,
            queryImageId: r.episode.query.imageId,
          },
          c.draws,
        ),
        sentAt: (r.sentAt as Date).getTime(),
        correct: !ranked || ranked.outcome === 'error' ? null : ranked.outcome === 'correct',
      };
    });
}

async function pairsOfConcepts(db: Db): Promise<Map<number, number>> {
  const rows = await db.select({ id: concepts.id, pairId: concepts.pairId }).from(concepts);
  return new Map(rows.map((r) => [r.id, r.pairId]));
}

describe('the SQL in results.ts equals core', () => {
  it('covers many cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(48);
  });

  it.each(cases)('$name', async (c) => {
    const { db } = await freshDatabase();
    const rng = Prng.fromKey(`results-equals-core|data|${c.name}`);
    const manifest = fixtureManifest({ pairs: c.pairs, support: 6, queries: 2 });
    const spec = { shots: c.shots, policies: c.policies, draws: c.draws };
    const seeded = await seedSubmission(db, { manifest, model: 'm', ...spec, shardSize: 100_000 });
    const episodes = [...buildEpisodes(indexBenchmark(manifest), spec)];
    const conceptIds = await conceptIdsByKey(db, seeded.benchmarkVersionId);
    const results = generate(c, episodes, conceptIds, rng);

    const lease = await claimJob(db, { worker: 'w', leaseMs: 60_000 });
    expect(lease?.submissionId).toBe(seeded.submissionId);
    // In a few batches, in a shuffled order: the order rows are written in must not matter.
    const shuffled = rng.shuffle([...results]);
    for (let i = 0; i < shuffled.length; i += 37)
      await writeResults(db, lease!, shuffled.slice(i, i + 37), seeded.benchmarkVersionId);

    let stored: unknown;
    if (c.complete && results.length === episodes.length) {
      // The real path: the completing job computes the check and stores it.
      await completeJob(
        db,
        lease!,
        episodes.map((e) => e.id),
      );
      stored = (await submissionDetail(db, seeded.submissionId))?.exposure;
    } else {
      stored = await computeExposure(db, seeded.submissionId);
      expect((await submissionDetail(db, seeded.submissionId))?.exposure).toEqual(stored);
    }

    const sends = coreSends(c, results, await pairsOfConcepts(db));
    const expectedCells = exposureCells(sends);
    // The cells: the same pairs and strata, in the same order, with the same doubles.
    expect(await exposureCellsOf(db, seeded.submissionId)).toEqual(expectedCells);
    // And so the same check, p-value and all.
    expect(stored).toEqual(exposureCheck(expectedCells));
    if (c.name === 'a learner, flagged') expect(stored).toMatchObject({ flagged: true });

    // The labels a stored result is shown with (flip swaps them), as core built the episode.
    const byId = new Map(results.map((r) => [r.episode.id, r.episode]));
    const lines = [];
    for await (const page of submissionAnswerPages(db, seeded.submissionId)) lines.push(...page);
    expect(lines).toHaveLength(results.length);
    for (const line of lines) expect(line.query.label).toBe(byId.get(line.episode_id)?.query.label);
    for (const r of results.slice(0, 6)) {
      const shown = await episodeWithResult(db, r.episode.id, seeded.submissionId);
      expect(shown?.query).toMatchObject({
        label: r.episode.query.label,
        other: r.episode.query.other,
      });
    }
  });
});
