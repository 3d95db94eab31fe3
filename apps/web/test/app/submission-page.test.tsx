import { drawSeed, SITE_API } from '@linkboard/core';
import { fixtureManifest, fixtureProvenanceFacts } from '@linkboard/core/testing';
import { drawRanked } from '@linkboard/datasets';
import {
  createRankedSubmission,
  createSubmission,
  importBenchmark,
  registerModel,
} from '@linkboard/db';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { alice, answerQueuedJob, openTestSite, type TestViewer } from '../site';
import { html, textOf } from './render';

// A submission's page as Next renders it: its headline, its provenance, its download link.
const as = vi.hoisted(() => ({ viewer: null as TestViewer | null }));
let site: Awaited<ReturnType<typeof openTestSite>>;
vi.mock('~/server/caller', async (importOriginal) => ({
  ...(await importOriginal<typeof import('~/server/caller')>()),
  api: async () => site.caller(as.viewer),
}));

// Client components (the owner's buttons) ask for the app router, which a page rendered outside
// Next does not mount: a stand-in that goes nowhere.
vi.mock('next/navigation', async (importOriginal) => ({
  ...(await importOriginal<typeof import('next/navigation')>()),
  useRouter: () => ({ push() {}, replace() {}, refresh() {}, back() {}, prefetch() {} }),
}));

const manifest = fixtureManifest({ name: 'submission-page', pairs: 4, supportPerConcept: 8 });
let versionId: number;

/** A finished run of the version's whole ranked setting, right on episodes `right` picks. */
async function run(
  model: string,
  right: (i: number) => boolean,
  options: { private?: boolean; shots?: number[] } = {},
) {
  const { db } = site.database;
  const version = (await site.caller(null).leaderboard.versions()).find((v) => v.id === versionId);
  const setting = version!.rankedSetting;
  const spec = {
    shots: options.shots ?? setting.shots,
    policies: ['lcl' as const],
    draws: setting.draws,
  };
  const { submissionId } = await createSubmission(db, {
    modelId: await registerModel(db, { name: model, ownerId: alice.id }),
    benchmarkVersionId: versionId,
    adapterConfig: { adapter: 'builtin', name: 'random' },
    ...spec,
    visibility: options.private ? 'private' : 'public',
    ownerId: alice.id,
    shardSize: 10_000,
  });
  await answerQueuedJob(db, {
    benchmarkVersionId: versionId,
    manifest,
    spec,
    answer: (e, i) => (right(i) ? e.query.label : e.query.other),
  });
  return submissionId;
}

const page = async (id: number) => {
  const { default: SubmissionPage } = await import('../../src/app/submissions/[id]/page');
  return html(
    SubmissionPage({
      params: Promise.resolve({ id: String(id) }),
      searchParams: Promise.resolve({}),
    }),
  );
};

/** What the headline says, as text. */
const headline = (markup: string) =>
  textOf(/<section class="headline"[\s\S]*?<\/section>/.exec(markup)?.[0] ?? '');

let best: number;
let middling: number;
let partial: number;
let hidden: number;
beforeAll(async () => {
  site = await openTestSite('submission-page-site');
  ({ benchmarkVersionId: versionId } = await importBenchmark(site.database.db, manifest));
  best = await run('best-model', () => true);
  middling = await run('middling-model', (i) => i % 2 === 0);
  partial = await run('partial-model', () => true, { shots: [2] });
  hidden = await run('hidden-model', () => true, { private: true });
  await site.database.pool.query('UPDATE submissions SET provenance = $1 WHERE id = $2', [
    JSON.stringify({ ...fixtureProvenanceFacts(manifest), reasoningAnswers: 2 }),
    best,
  ]);
});
afterAll(() => site.database.drop());

describe("a submission page's headline", () => {
  it('gives the score with its interval, the rank on its board, and that it is ranked', async () => {
    const text = headline(await page(best));
    expect(text).toMatch(
      /^100\.0% \[\d+\.\d%, 100\.0%\] accuracy \(LCL, strict scorer, on the board's ranked setting\)/,
    );
    expect(text).toContain('ranked rank 1 of 2 ranked on submission-page@1.');
    expect(headline(await page(middling))).toMatch(
      /ranked rank 2 of 2 ranked on submission-page@1/,
    );
  });

  it('says why a run is not ranked, or not on the board at all', async () => {
    expect(headline(await page(partial))).toMatch(
      /not ranked listed on submission-page@1, unranked\. Not ranked: .+\./,
    );
    as.viewer = alice;
    try {
      expect(headline(await page(hidden))).toBe(
        'not ranked Not ranked: it is private: publish it to put it on the board.',
      );
    } finally {
      as.viewer = null;
    }
  });

  it("gives a ranked run's own score and its model's place on the ranked board", async () => {
    const draw = drawRanked({ seed: drawSeed('5e'.repeat(32), 1), shots: [2], perPolicy: 8 });
    const { submissionId, benchmarkVersionId } = await createRankedSubmission(site.database.db, {
      model: { name: 'ranked-reader', ownerId: alice.id },
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
      answer: (e) => e.query.label,
    });
    expect(headline(await page(submissionId))).toMatch(
      /^100\.0% \[\d+\.\d%, 100\.0%\] ranked score of this run \(the mean of its lcl and flip accuracy\) ranked rank 1 of 1 ranked on isekai-synth-ranked@1\.$/,
    );
  });
});

describe("a submission page's provenance", () => {
  it('reads as a definition list, with the record itself behind a toggle', async () => {
    const markup = await page(best);
    const list = textOf(/<dl class="facts"[\s\S]*?<\/dl>/.exec(markup)?.[0] ?? '');
    expect(list).toContain(`Benchmark submission-page@1 Manifest hash ${manifest.manifestHash}`);
    expect(list).toContain('Scorers official v1, strict v1');
    expect(list).toContain('Runner linkboard 0.1.0 on test-host, Node.js v20.0.0');
    expect(list).toContain('Adapter builtin Baseline prototype');
    expect(list).toContain('Replies with reasoning 2 (not scored)');
    // The JSON is there, folded: a <details> whose summary says what it holds.
    expect(markup).toMatch(
      /<details data-testid="provenance-raw"><summary>The record as stored \(JSON\)<\/summary><pre>\{/,
    );
  });

  it('says when nothing is recorded yet rather than printing {}', async () => {
    const markup = await page(middling);
    expect(markup).toContain('data-testid="provenance-none"');
    expect(markup).not.toContain('<pre>{}</pre>');
  });
});

describe("a submission page's answers download", () => {
  it('is offered where the reader may download, and the link answers them 200', async () => {
    const { GET } = await import('../../src/app/api/v1/submissions/[id]/answers.jsonl/route');
    const { token } = await site.caller(alice).tokens.create({ name: 'download' });
    for (const [id, viewer, auth] of [
      [best, null, null],
      [hidden, alice, token],
    ] as const) {
      as.viewer = viewer;
      try {
        const markup = await page(id);
        const href = /<a href="([^"]+)" download="" data-testid="answers-download">/.exec(
          markup,
        )?.[1];
        expect(href).toBe(SITE_API.answers(id));
        const response = await GET(
          new Request(`http://site${href}`, {
            headers: auth ? { authorization: `Bearer ${auth}` } : {},
          }),
        );
        expect(response.status, `#${id}`).toBe(200);
      } finally {
        as.viewer = null;
      }
    }
  });
});
