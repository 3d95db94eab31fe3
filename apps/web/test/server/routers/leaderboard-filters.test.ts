import { LeaderboardReplySchema, type ModelCard, SITE_API } from '@linkboard/core';
import { fixtureManifest } from '@linkboard/core/testing';
import { boardVersionOf, createSubmission, modelOfCard } from '@linkboard/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answerQueuedJob, openTestSite } from '../../site';

let site: Awaited<ReturnType<typeof openTestSite>>;
let route: typeof import('../../../src/app/api/v1/leaderboard/route');
beforeAll(async () => {
  site = await openTestSite('filter-test');
  route = await import('../../../src/app/api/v1/leaderboard/route');
});
afterAll(() => site.database.drop());

/**
 * Runs a public submission of the whole ranked setting that answers right on `rightOf4` of every
 * 4 episodes (the rest name the look-alike), so models rank by it.
 */
async function rankedSubmission(name: string, card: ModelCard, rightOf4: number) {
  const { db } = site.database;
  const manifest = fixtureManifest({ name: 'filter-test', pairs: 1, supportPerConcept: 4 });
  const setting = (await boardVersionOf(db, site.versionId))!.rankedSetting;
  const spec = { shots: setting.shots, policies: [setting.policy], draws: setting.draws };
  await createSubmission(db, {
    model: { name, ...modelOfCard(card) },
    modelRevision: card.revision,
    benchmarkVersionId: site.versionId,
    adapterConfig: { adapter: 'builtin', name: 'random' },
    ...spec,
    shardSize: 100_000,
  });
  const { completed } = await answerQueuedJob(db, {
    benchmarkVersionId: site.versionId,
    manifest,
    spec,
    answer: (episode, i) => (i % 4 < rightOf4 ? episode.query.label : episode.query.other),
  });
  expect(completed).toEqual({ submissionDone: true });
}

describe('board filters on the model card', () => {
  beforeAll(async () => {
    await rankedSubmission(
      'big-open',
      { organisation: 'Acme', paramsB: 72, weights: 'open', licence: 'apache-2.0' },
      4,
    );
    await rankedSubmission('closed-one', { organisation: 'acme', weights: 'closed' }, 3);
    await rankedSubmission(
      'small-open',
      { organisation: 'Beta', paramsB: 7, weights: 'open', revision: 'r7' },
      0,
    );
  });

  const rows = (filter?: object) =>
    site.caller(null).leaderboard.rows({ benchmarkVersionId: site.versionId, filter });

  it('shows the matching rows with the ranks they have on the whole board', async () => {
    const all = await rows();
    expect(all.map((r) => [r.model, r.ranked])).toEqual([
      ['big-open', true],
      ['closed-one', true],
      ['small-open', true],
    ]);
    const rankOf = new Map(all.map((r) => [r.model, [r.rankLow, r.rankHigh, r.tier]]));
    expect(rankOf.get('small-open')?.[0]).toBeGreaterThan(1);

    const open = await rows({ weights: 'open' });
    expect(open.map((r) => r.model)).toEqual(['big-open', 'small-open']);
    // Filtering never re-ranks: the small model keeps its place below the closed one it hides.
    for (const r of open) expect([r.rankLow, r.rankHigh, r.tier]).toEqual(rankOf.get(r.model));
    expect(open.map((r) => r.accuracy)).toEqual(
      all.filter((r) => r.weights === 'open').map((r) => r.accuracy),
    );

    expect((await rows({ paramsMin: 8 })).map((r) => r.model)).toEqual(['big-open']);
    expect((await rows({ paramsMax: 7 })).map((r) => r.model)).toEqual(['small-open']);
    // A model that states no size is out of any size range.
    expect((await rows({ paramsMin: 0 })).map((r) => r.model)).toEqual(['big-open', 'small-open']);
    expect((await rows({ organisation: 'ACME' })).map((r) => r.model)).toEqual([
      'big-open',
      'closed-one',
    ]);
    expect(await rows({ weights: 'closed', paramsMin: 1 })).toEqual([]);
  });

  it('refuses a size range the wrong way round, naming the field', async () => {
    // (A caller in-process gets zod's issues; over HTTP the formatter writes `path: message`.)
    await expect(rows({ paramsMin: 10, paramsMax: 1 })).rejects.toMatchObject({
      code: 'BAD_REQUEST',
      cause: {
        issues: [
          {
            path: ['filter', 'paramsMax'],
            message: 'the largest size must be at least the smallest',
          },
        ],
      },
    });
  });

  it('GET /api/v1/leaderboard takes the same filters and gives each row its card', async () => {
    const get = (query: string) =>
      route.GET(new Request(`http://site${SITE_API.leaderboard}?benchmark=filter-test&${query}`));
    const response = await get('weights=open&params_max=10');
    expect(response.status).toBe(200);
    const reply = LeaderboardReplySchema.parse(await response.json());
    expect(reply.rows).toHaveLength(1);
    expect(reply.rows[0]).toMatchObject({
      model: 'small-open',
      organisation: 'Beta',
      params_b: 7,
      weights: 'open',
      licence: null,
      revision: 'r7',
      rank_low: expect.any(Number),
    });
    expect(reply.rows[0]!.rank_low).toBeGreaterThan(1);
    // Blank parameters (a form's empty fields) filter nothing.
    const blank = LeaderboardReplySchema.parse(
      await (await get('params_min=&params_max=&weights=&organisation=')).json(),
    );
    expect(blank.rows).toHaveLength(3);
    for (const [query, field] of [
      ['params_min=seven', 'params_min'],
      ['params_min=9&params_max=2', 'params_max'],
      ['weights=mixed', 'weights'],
    ]) {
      const refused = await get(query as string);
      expect(refused.status, query).toBe(400);
      expect((await refused.json()).error.message, query).toMatch(new RegExp(`^${field}: `));
    }
  });
});
