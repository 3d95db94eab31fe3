import {
  commitmentHolds,
  drawSeed,
  RANKED_BENCHMARK,
  RANKED_BOARD,
  RankedBoardReplySchema,
  SITE_API,
  siteOpenApiDocument,
} from '@linkboard/core';
import { drawRanked, rankedFamiliarOf } from '@linkboard/datasets';
import { createRankedSubmission } from '@linkboard/db';
import { beforeAll, describe, expect, it } from 'vitest';
import { alice, answerQueuedJob, openTestSite } from '../../site';

const KEY = '9c'.repeat(32);
let site: Awaited<ReturnType<typeof openTestSite>>;
/** Tells the runs' draws apart. */
let drawn = 0;
/** The runs of each model, in the order they were made. */
const runsOf = new Map<string, number[]>();

/** A finished ranked run on a draw of its own, answered by `answer`. */
async function rankedRun(
  model: string,
  answer: (episode: ReturnType<typeof drawRanked>['episodes'][number]) => string,
  visibility: 'public' | 'private' = 'public',
  internal?: string,
) {
  const draw = drawRanked({ seed: drawSeed(KEY, drawn++), shots: [2, 4], perPolicy: 20 });
  const { submissionId, benchmarkVersionId } = await createRankedSubmission(site.database.db, {
    model: { name: model, ownerId: alice.id },
    adapterConfig: internal
      ? { adapter: 'openai', internal: 'reference-server', model: internal }
      : { adapter: 'builtin', name: 'random' },
    manifest: draw.manifest,
    ranked: { keyId: 'kweb', commitment: draw.commitment, seed: draw.seed },
    visibility,
    ownerId: alice.id,
    // Who may run ranked is not what these tests are about.
    openToAll: true,
    shardSize: 10_000,
  });
  await answerQueuedJob(site.database.db, {
    benchmarkVersionId,
    manifest: draw.manifest,
    spec: { shots: [2, 4], policies: ['lcl', 'flip'], draws: 1 },
    answer: (episode) => answer(episode),
  });
  runsOf.set(model, [...(runsOf.get(model) ?? []), submissionId]);
  return submissionId;
}

/** The reader's first run: public and done. */
const readersPublicRun = () => runsOf.get('reader')?.[0] as number;

const say = (label: string) => `there is "${label}" in the image.`;

beforeAll(async () => {
  site = await openTestSite('ranked-board');
  // Reads the demonstrations: always right.
  await rankedRun('reader', (e) => say(e.query.label));
  // Ignores them: always the familiar name (50% by construction).
  const familiar = (e: Parameters<Parameters<typeof rankedRun>[1]>[0]) =>
    say(rankedFamiliarOf([e.query.label, e.query.other]) as string);
  await rankedRun('familiar-sayer', familiar);
  // Its second run, and a private one of the reader: each pooled into its model's row.
  await rankedRun('familiar-sayer', familiar);
  await rankedRun('reader', (e) => say(e.query.label), 'private');
  await rankedRun('planted', (e) => say(e.query.label), 'public', 'stateful-prototype');
  await rankedRun('private-one', (e) => say(e.query.label), 'private');
});

describe('the ranked board', () => {
  it('has a row per model, pooling its runs, ranked by the mean of lcl and flip; lists a planted model unranked', async () => {
    const rows = await site.caller(null).ranked.board();
    expect(rows.map((r) => r.model)).toEqual(['reader', 'familiar-sayer', 'planted']);
    const [reader, familiar, planted] = rows;
    expect(reader).toMatchObject({ rankLow: 1, rankHigh: 1, unranked: null });
    expect(reader?.score?.score).toBe(1);
    expect(familiar?.score).toMatchObject({ score: 0.5, lclAccuracy: 0.5, flipAccuracy: 0.5 });
    expect(familiar?.score?.low).toBeLessThan(0.5);
    expect(familiar).toMatchObject({ rankLow: 2, rankHigh: 2 });
    expect(planted).toMatchObject({
      rankLow: null,
      unranked: expect.stringMatching(/planted cheat/),
    });
    // Each run answered 40 lcl and 40 flip episodes; the reader's private run is pooled, and
    // counted, but only the public one is named.
    expect(reader).toMatchObject({
      runs: 2,
      submissionIds: [readersPublicRun()],
      lcl: { correct: 80, n: 80 },
      flip: { correct: 80, n: 80 },
    });
    // The familiar-sayer's two runs: their counts summed, still exactly 50%.
    expect(familiar).toMatchObject({
      runs: 2,
      submissionIds: [...(runsOf.get('familiar-sayer') ?? [])].reverse(),
      lcl: { correct: 40, n: 80 },
      flip: { correct: 40, n: 80 },
    });
    expect(planted).toMatchObject({ runs: 1, lcl: { n: 40 }, flip: { n: 40 } });
  });

  it('is served as JSON with the documented fields, exact figures', async () => {
    const { GET } = await import('../../../src/app/api/v1/ranked/route');
    const response = await GET(new Request(`http://site${SITE_API.ranked}`));
    expect(response.status).toBe(200);
    const body = RankedBoardReplySchema.parse(await response.json());
    expect(body.board).toBe(RANKED_BOARD);
    expect(body.method).toMatch(/mean of lcl and flip/);
    const sayerRuns = [...(runsOf.get('familiar-sayer') ?? [])].reverse();
    expect(body.rows[1]).toMatchObject({
      model: 'familiar-sayer',
      runs: 2,
      submission_ids: sayerRuns,
      submission: sayerRuns[0],
      score: 0.5,
      lcl_accuracy: 0.5,
      flip_accuracy: 0.5,
      rank_low: 2,
      rank_high: 2,
      episodes: 160,
      unranked: null,
    });
    expect(body.rows[0]?.score_low).toBeGreaterThan(0.9);
    // The OpenAPI document describes what is served.
    const documented = siteOpenApiDocument({ version: 'test' }) as {
      components: { schemas: Record<string, { properties: Record<string, unknown> }> };
    };
    const reply = documented.components.schemas.RankedBoardReply;
    expect(Object.keys(reply?.properties ?? {})).toEqual(['board', 'method', 'rows']);
    expect(JSON.stringify(reply?.properties.rows)).toMatch(/"runs".*"submission_ids"/);
  });

  it('shows a run’s commitment from the start and its seed only once it has ended', async () => {
    const draw = drawRanked({ seed: drawSeed(KEY, 'open'), shots: [2], perPolicy: 2 });
    const open = await createRankedSubmission(site.database.db, {
      model: { name: 'still-open', ownerId: alice.id },
      adapterConfig: { adapter: 'builtin', name: 'random' },
      manifest: draw.manifest,
      ranked: { keyId: 'kweb', commitment: draw.commitment, seed: draw.seed },
    });
    const shown = await site.caller(null).submissions.byId({ id: open.submissionId });
    expect(shown.draw).toEqual({ keyId: 'kweb', commitment: draw.commitment, seed: null });
    expect(JSON.stringify(shown)).not.toContain(draw.seed);
    const finished = await site.caller(null).submissions.byId({ id: readersPublicRun() });
    expect(
      commitmentHolds(finished.draw?.seed as string, finished.draw?.commitment as string),
    ).toBe(true);
  });

  it('never runs an ended ranked run again: its revealed seed gives every answer', async () => {
    const id = readersPublicRun();
    // As a submitter who read the seed would try: again, and its errors again.
    await site.database.pool.query(`UPDATE submissions SET status = 'failed' WHERE id = $1`, [id]);
    await expect(site.caller(alice).submissions.retry({ id })).rejects.toMatchObject({
      code: 'PRECONDITION_FAILED',
      message: expect.stringMatching(/a ranked run is not run again once it has ended/),
    });
    await site.database.pool.query(`UPDATE submissions SET status = 'done' WHERE id = $1`, [id]);
    await expect(site.caller(alice).submissions.rerunErrors({ id })).rejects.toMatchObject({
      code: 'PRECONDITION_FAILED',
    });
    const { rows: jobs } = await site.database.pool.query(
      `SELECT DISTINCT status::text FROM jobs WHERE submission_id = $1`,
      [id],
    );
    expect(jobs.map((j) => j.status)).toEqual(['done']);
  });

  it('never asks a run’s draw for anyone else: no plain submission, connection test or second ranked run', async () => {
    const mine = await site.caller(alice).submissions.byId({ id: readersPublicRun() });
    const drawVersion = mine.benchmarkVersionId;
    // Named as the site names it (`isekai-synth-ranked@1+<16 hex>`): no door takes its id.
    expect(mine.benchmark).toMatch(/^isekai-synth-ranked@1\+[0-9a-f]{16}$/);
    await expect(
      site.caller(alice).submissions.create({
        benchmark: mine.benchmark,
        name: 'oracle',
        kind: 'endpoint',
        endpoint: 'http://127.0.0.1:9/v1',
        model: 'm',
        shots: [2],
        policies: ['lcl'],
      }),
    ).rejects.toMatchObject({
      code: 'PRECONDITION_FAILED',
      message: expect.stringMatching(/one ranked run's own draw, asked once/),
    });
    await expect(
      site.caller(alice).submissions.testConnection({
        benchmark: mine.benchmark,
        endpoint: 'http://127.0.0.1:9/v1',
        model: 'm',
      }),
    ).rejects.toMatchObject({ code: 'PRECONDITION_FAILED' });
    // Nor the same draw for a second ranked run.
    const version = await site.database.pool.query(
      'SELECT manifest FROM benchmark_versions WHERE id = $1',
      [drawVersion],
    );
    await expect(
      createRankedSubmission(site.database.db, {
        model: { name: 'again', ownerId: alice.id },
        adapterConfig: { adapter: 'builtin', name: 'random' },
        manifest: version.rows[0].manifest,
        ranked: { keyId: 'kweb', commitment: 'c'.repeat(64), seed: 'd'.repeat(64) },
      }),
    ).rejects.toThrow(/asked once/);
    const { rows: runs } = await site.database.pool.query(
      'SELECT count(*)::int AS n FROM submissions WHERE benchmark_version_id = $1',
      [drawVersion],
    );
    expect(runs[0].n).toBe(1);
  });

  it('keeps the runs’ own draws out of the list of benchmark versions', async () => {
    const versions = await site.caller(null).leaderboard.versions();
    expect(versions.filter((v) => v.name === RANKED_BENCHMARK)).toEqual([]);
    // Each is a version of the board's benchmark, named by its commitment: isekai-synth-ranked@1+….
    const { rows: draws } = await site.database.pool.query(
      `SELECT b.name || '@' || v.version AS name, s.draw_commitment FROM benchmark_versions v
       JOIN benchmarks b ON b.id = v.benchmark_id JOIN submissions s ON s.benchmark_version_id = v.id
       WHERE v.ranked_draw`,
    );
    expect(draws.length).toBeGreaterThan(0);
    for (const draw of draws)
      expect(draw.name).toBe(`${RANKED_BOARD}+${String(draw.draw_commitment).slice(0, 16)}`);
  });
});
