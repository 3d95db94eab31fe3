import { drawSeed } from '@linkboard/core';
import { fixtureManifest, fixtureProvenanceFacts } from '@linkboard/core/testing';
import { drawRanked } from '@linkboard/datasets';
import {
  createRankedSubmission,
  createSubmission,
  importBenchmark,
  registerModel,
} from '@linkboard/db';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { parse } from 'yaml';
import { alice, answerQueuedJob, openTestSite, type TestViewer } from '../site';
import { html } from './render';

// A submission's page offers its result as a model card's `model-index` block.
const as = vi.hoisted(() => ({ viewer: null as TestViewer | null }));
let site: Awaited<ReturnType<typeof openTestSite>>;
vi.mock('~/server/caller', async (importOriginal) => ({
  ...(await importOriginal<typeof import('~/server/caller')>()),
  api: async () => site.caller(as.viewer),
}));
// The owner's buttons ask for the app router, which a page rendered outside Next does not mount.
vi.mock('next/navigation', async (importOriginal) => ({
  ...(await importOriginal<typeof import('next/navigation')>()),
  useRouter: () => ({ push() {}, replace() {}, refresh() {}, back() {}, prefetch() {} }),
}));

const manifest = fixtureManifest({ name: 'model-index-page', pairs: 4, supportPerConcept: 8 });
let versionId: number;

/** A finished run of the version's ranked setting, right on the episodes `right` picks. */
async function run(model: string, right: (i: number) => boolean, visibility = 'public') {
  const { db } = site.database;
  const version = (await site.caller(null).leaderboard.versions()).find((v) => v.id === versionId);
  const setting = version!.rankedSetting;
  const spec = { shots: setting.shots, policies: ['lcl' as const], draws: setting.draws };
  const { submissionId } = await createSubmission(db, {
    modelId: await registerModel(db, { name: model, ownerId: alice.id }),
    benchmarkVersionId: versionId,
    adapterConfig: { adapter: 'builtin', name: 'random' },
    ...spec,
    visibility: visibility as 'public' | 'private',
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

/** What React escaped in the page's text, back as it was. */
const unescaped = (text: string) =>
  text
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#x27;/g, "'")
    .replace(/&amp;/g, '&');

interface ModelIndex {
  'model-index': {
    name: string;
    results: {
      task: { type: string; name: string };
      dataset: { name: string; type: string; config?: string; revision?: string };
      metrics: { type: string; value: number; name: string }[];
      source: { name: string; url: string };
    }[];
  }[];
}

/** The page's model-index block, parsed as the YAML it is; null when the page offers none. */
function modelIndexOf(markup: string): ModelIndex | null {
  const pre = /<pre data-testid="model-index-yaml">([\s\S]*?)<\/pre>/.exec(markup)?.[1];
  return pre === undefined ? null : (parse(unescaped(pre)) as ModelIndex);
}

/** The headline's score, as the page prints it ("57.3"). */
const headlineScore = (markup: string) =>
  /<b data-testid="headline-score">([\d.]+)%<\/b>/.exec(markup)?.[1];

// Quotes, a colon and markup in a name the site takes; a newline in one kept from before its rules.
const HOSTILE = 'he said "hi": <b>yes</b> & no';
let hostile: number;
let middling: number;
let hidden: number;
let oldNamed: number;
beforeAll(async () => {
  site = await openTestSite('model-index-page-site');
  ({ benchmarkVersionId: versionId } = await importBenchmark(site.database.db, manifest));
  hostile = await run(HOSTILE, () => true);
  middling = await run('middling-model', (i) => i % 3 !== 0);
  hidden = await run('hidden-model', () => true, 'private');
  oldNamed = await run('old-model', (i) => i % 2 === 0);
  await site.database.pool.query(
    'UPDATE models SET name = $1 WHERE id = (SELECT model_id FROM submissions WHERE id = $2)',
    ['old: "model"\nsecond line', oldNamed],
  );
  await site.database.pool.query('UPDATE submissions SET provenance = $1 WHERE id = $2', [
    JSON.stringify(fixtureProvenanceFacts(manifest)),
    middling,
  ]);
});
afterAll(() => site.database.drop());

describe("a submission page's model-index block", () => {
  it('parses as YAML and names the benchmark version, the ranked score and the page', async () => {
    const { env } = await import('~/env');
    const markup = await page(middling);
    expect(markup).toContain('data-testid="model-index"');
    const parsed = modelIndexOf(markup);
    const [entry] = parsed?.['model-index'] ?? [];
    expect(entry?.name).toBe('middling-model');
    const [result] = entry?.results ?? [];
    expect(result?.task).toEqual({ type: 'image-text-to-text', name: 'Link-context learning' });
    expect(result?.dataset).toEqual({
      name: 'model-index-page@1',
      type: 'model-index-page',
      config: '1',
      revision: manifest.manifestHash,
    });
    // The ranked score first: the headline's figure, in percent.
    const [score, ...perShot] = result?.metrics ?? [];
    expect(score?.type).toBe('accuracy');
    expect(score?.name).toMatch(/^Accuracy on the board's ranked setting \(LCL, \w+ scorer\)$/);
    expect(score?.value.toFixed(1)).toBe(headlineScore(markup));
    expect(score?.value).toBeGreaterThan(50);
    expect(score?.value).toBeLessThan(100);
    // Then each shot count of the setting.
    const version = (await site.caller(null).leaderboard.versions()).find(
      (v) => v.id === versionId,
    );
    expect(perShot.map((m) => m.name)).toEqual(
      version?.rankedSetting.shots.map((s) => expect.stringMatching(`^LCL ${s}-shot accuracy`)),
    );
    for (const m of perShot) expect(m.value).toBeGreaterThanOrEqual(0);
    expect(result?.source).toEqual({
      name: 'linkboard',
      url: `${env.BETTER_AUTH_URL.replace(/\/+$/, '')}/submissions/${middling}`,
    });
  });

  it('keeps a hostile model name as it is', async () => {
    for (const [id, name] of [
      [hostile, HOSTILE],
      [oldNamed, 'old: "model"\nsecond line'],
    ] as const) {
      const parsed = modelIndexOf(await page(id));
      expect(parsed?.['model-index']).toHaveLength(1);
      expect(parsed?.['model-index'][0]?.name).toBe(name);
      expect(parsed?.['model-index'][0]?.results[0]?.dataset.name).toBe('model-index-page@1');
    }
    // A run whose provenance is not recorded names its version's manifest all the same.
    expect(modelIndexOf(await page(hostile))?.['model-index'][0]?.results[0]?.dataset).toEqual(
      expect.objectContaining({ revision: manifest.manifestHash }),
    );
  });

  it('is offered only where the run has its board’s figure', async () => {
    as.viewer = alice;
    try {
      // Private: not on the board, so no ranked score to state (its owner sees why instead).
      const markup = await page(hidden);
      expect(headlineScore(markup)).toBeUndefined();
      expect(markup).not.toContain('data-testid="model-index"');
    } finally {
      as.viewer = null;
    }
  });

  it("gives a ranked run's own ranked score and its lcl and flip accuracy", async () => {
    const draw = drawRanked({ seed: drawSeed('6f'.repeat(32), 1), shots: [2], perPolicy: 8 });
    const { submissionId, benchmarkVersionId } = await createRankedSubmission(site.database.db, {
      model: { name: 'ranked-card', ownerId: alice.id },
      adapterConfig: { adapter: 'builtin', name: 'random' },
      manifest: draw.manifest,
      ranked: { keyId: 'kcard', commitment: draw.commitment, seed: draw.seed },
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
    const markup = await page(submissionId);
    const [result] = modelIndexOf(markup)?.['model-index'][0]?.results ?? [];
    // The run's own draw, by the name the page gives it.
    const { benchmark } = await site.caller(null).submissions.byId({ id: submissionId });
    expect(benchmark).toMatch(/^isekai-synth-ranked@/);
    expect(result?.dataset).toMatchObject({ name: benchmark, type: 'isekai-synth-ranked' });
    expect(result?.metrics).toEqual([
      {
        type: 'accuracy',
        value: 100,
        name: expect.stringMatching(/^Ranked score \(the mean of LCL and LCL-flip accuracy/),
      },
      { type: 'accuracy', value: 100, name: expect.stringMatching(/^LCL 2-shot accuracy/) },
      { type: 'accuracy', value: 100, name: expect.stringMatching(/^LCL-flip 2-shot accuracy/) },
    ]);
    expect(headlineScore(markup)).toBe('100.0');
  });
});
