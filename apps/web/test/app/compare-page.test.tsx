import { benchmarkName, DEFAULT_SCORER, drawSeed } from '@linkboard/core';
import { fixtureManifest } from '@linkboard/core/testing';
import { drawRanked } from '@linkboard/datasets';
import {
  createRankedSubmission,
  createSubmission,
  importBenchmark,
  registerModel,
} from '@linkboard/db';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { alice, answerQueuedJob, bob, openTestSite, type TestViewer } from '../site';
import { html, httpFallback, textOf } from './render';

// The compare page as Next renders it, its routers answering from a test database.
const as = vi.hoisted(() => ({ viewer: null as TestViewer | null }));
let site: Awaited<ReturnType<typeof openTestSite>>;
vi.mock('~/server/caller', async (importOriginal) => ({
  ...(await importOriginal<typeof import('~/server/caller')>()),
  api: async () => site.caller(as.viewer),
}));

const manifest = fixtureManifest({ name: 'compare-page', pairs: 4, supportPerConcept: 4 });
let versionId: number;
let drawn = 0;

/** A finished run on the public benchmark, right on two episodes in three. */
async function publicRun(model: string, options: { ownerId?: string; private?: boolean } = {}) {
  const { db } = site.database;
  const { submissionId } = await createSubmission(db, {
    modelId: await registerModel(db, { name: model, ownerId: options.ownerId }),
    benchmarkVersionId: versionId,
    adapterConfig: { adapter: 'builtin', name: 'random' },
    shots: [2],
    policies: ['lcl'],
    visibility: options.private ? 'private' : 'public',
    ownerId: options.ownerId,
  });
  await answerQueuedJob(db, {
    benchmarkVersionId: versionId,
    manifest,
    spec: { shots: [2], policies: ['lcl'], draws: 1 },
    answer: (e, i) => (i % 3 ? e.query.label : e.query.other),
  });
  return submissionId;
}

/** A finished ranked run on a draw of its own. */
async function rankedRun(model: string) {
  const draw = drawRanked({ seed: drawSeed('7d'.repeat(32), drawn++), shots: [2], perPolicy: 8 });
  const { submissionId, benchmarkVersionId } = await createRankedSubmission(site.database.db, {
    model: { name: model, ownerId: alice.id },
    adapterConfig: { adapter: 'builtin', name: 'random' },
    manifest: draw.manifest,
    ranked: { keyId: 'kpage', commitment: draw.commitment, seed: draw.seed },
    visibility: 'public',
    ownerId: alice.id,
    openToAll: true,
    shardSize: 10_000,
  });
  await answerQueuedJob(site.database.db, {
    benchmarkVersionId,
    manifest: draw.manifest,
    spec: { shots: [2], policies: ['lcl', 'flip'], draws: 1 },
    answer: (e, i) => (i % 2 ? e.query.label : e.query.other),
  });
  return submissionId;
}

const page = async (query: Record<string, string>) => {
  const { default: ComparePage } = await import('../../src/app/compare/page');
  return ComparePage({ searchParams: Promise.resolve(query) });
};

let board: number[];
let ranked: number[];
let secret: number;
beforeAll(async () => {
  site = await openTestSite('compare-page-site');
  ({ benchmarkVersionId: versionId } = await importBenchmark(site.database.db, manifest));
  for (const model of ['first', 'second', 'third']) await publicRun(model);
  secret = await publicRun('secret', { ownerId: bob.id, private: true });
  ranked = [await rankedRun('ranked-a'), await rankedRun('ranked-b'), await rankedRun('ranked-c')];
  // The board's own rows, as a visitor finds them: from the board, not by id.
  board = (
    await site.caller(null).leaderboard.rows({ benchmarkVersionId: versionId, selfReported: true })
  ).map((r) => r.submissionId);
});
afterAll(() => site.database.drop());

describe('the compare page', () => {
  it("renders the board's own public rows, every pair tested", async () => {
    expect(board).toHaveLength(3);
    const markup = await html(page({ ids: board.join(',') }));
    expect(markup.match(/data-testid="pair-cell"/g)).toHaveLength(3);
    expect(textOf(markup)).toContain(`Paired on the episodes each two answered (${DEFAULT_SCORER}`);
  });

  it('renders ranked runs compared unpaired, without the per-episode tables they cannot have', async () => {
    const markup = await html(page({ ids: ranked.join(',') }));
    expect(markup).toContain('data-testid="unpaired"');
    expect(markup.match(/data-testid="pair-cell"/g)).toHaveLength(3);
    const two = await html(page({ ids: ranked.slice(0, 2).join(',') }));
    expect(two).not.toContain('data-testid="comparison"');
  });

  it('says why runs of two boards cannot be compared and where to go, instead of failing', async () => {
    const markup = await html(page({ ids: `${board[0]},${ranked[0]}` }));
    const text = textOf(markup);
    expect(markup).toContain('data-testid="compare-refused"');
    expect(text).toContain(
      'These submissions cannot be compared: ranked runs are compared with ranked runs only',
    );
    const version = (await site.caller(null).leaderboard.versions()).find(
      (v) => v.id === versionId,
    );
    const boardLink = `/?${new URLSearchParams({ benchmark: benchmarkName(version!) })}`;
    expect(markup).toContain(`href="${boardLink}"`);
    expect(markup).toContain('href="/ranked"');
    // The picker is still there, to choose again.
    expect(markup).toContain('data-testid="compare-picker"');
  });

  it("keeps another's private submission a 404, as a missing one", async () => {
    expect(await httpFallback(() => html(page({ ids: `${board[0]},${secret}` })))).toBe(404);
    as.viewer = bob;
    try {
      expect(await httpFallback(() => html(page({ ids: `${board[0]},${secret}` })))).toBeNull();
    } finally {
      as.viewer = null;
    }
  });

  it("opens the picker a submission page's 'pick models' link names on that run and its rivals", async () => {
    const fromRanked = await html(page({ ids: String(ranked[0]) }));
    // The ranked run is chosen in the first slot, and the other ranked runs offered.
    expect(fromRanked).toMatch(
      new RegExp(`<option value="${ranked[0]}" selected="">ranked-a \\(#${ranked[0]}, ranked\\)`),
    );
    for (const id of ranked.slice(1)) expect(fromRanked).toContain(`<option value="${id}">`);
    const fromPublic = await html(page({ ids: String(board[1]) }));
    expect(fromPublic).toMatch(new RegExp(`<option value="${board[1]}" selected="">`));
    for (const id of [board[0], board[2]]) expect(fromPublic).toContain(`<option value="${id}">`);
  });
});
